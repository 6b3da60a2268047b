#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend publishes a response producer far beyond the requests it
# was given (producer overflow).  The frontend must not walk stale ring
# entries: it stops the device at the bogus index.
. /lab/tests/test_common.sh

rb_attack overflow "bogus response producer"
rb_finish
