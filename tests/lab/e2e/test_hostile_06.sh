#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: transport parameters above the advertised maxima.  A
# ring-page-order one above max-ring-page-order (xvdb), one queue more than
# multi-queue-max-queues (xvdc), zero queues (xvdd): each device is refused
# (backend goes Closing) with a message naming it, and no ring is mapped.
. /lab/tests/test_common.sh

hf_need_ours
hf_begin limits
hf_attack limits "" phy:/dev/ram1,xvdb,w phy:/dev/ram2,xvdc,w phy:/dev/ram3,xvdd,w
hf_report 60
hf_expect b.backend=closing c.backend=closing d.backend=closing
hf_expect_msg "ring page order" 3
hf_expect_msg "queues" 6
! ps -eo comm | grep -q "^$HF_ID\." || fail "a refused device has a ring thread"
hf_end
