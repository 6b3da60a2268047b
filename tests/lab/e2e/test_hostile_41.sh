#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend answers one request twice (a duplicate id for a slot that is
# already idle) instead of answering the next one.  The frontend must stop
# the device at the duplicate, never complete a request twice.
. /lab/tests/test_common.sh

rb_attack dup_id "response for idle slot" 256k
rb_finish
