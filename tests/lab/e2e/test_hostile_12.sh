#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile frontend: nothing but malformed requests.  xvdb sends reads
# whose one segment ends before it starts, 16 at a time, up to 400.  The
# backend answers each with an error until 256 have come in a row, then
# halts xvdb's queue, saying so once by name: the rest go unanswered, and
# so does a good read after them.  The default guest's disk keeps working
# and the attacker's devices go away when it is destroyed.
. /lab/tests/test_common.sh

hf_need_ours
hf_begin malflood
hf_attack malflood "" phy:/dev/ram1,xvdb,w
hf_report 90
hf_expect b.good=ok b.malformed=256/272 b.after=none
hf_expect_msg "256 malformed requests in a row, halting queue" 1
hf_end
