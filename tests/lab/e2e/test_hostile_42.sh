#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend answers requests with the wrong operation (a read answered
# as a write and vice versa).  The frontend must not trust the data and
# must fail the device with a clear message.
. /lab/tests/test_common.sh

rb_attack bad_op "response op [0-9]+ for request op"
rb_finish
