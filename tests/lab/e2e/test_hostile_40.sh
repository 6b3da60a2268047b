#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend answers with an out-of-range response id (the ring size
# itself, the first bad value).  The frontend must fail the device with one
# clear message naming it, keep the guest and its other disk working, and
# let go of every grant once the rogue is detached.
. /lab/tests/test_common.sh

rb_attack bad_id "response id [0-9]+ out of range"
rb_finish
