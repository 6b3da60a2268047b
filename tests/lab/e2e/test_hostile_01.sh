#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: malformed request headers and segments, one attack per
# disk of one attacker guest:
# xvdb  operations out of range: reserved and unknown opcodes get EOPNOTSUPP,
#       an INDIRECT wrapping anything but READ/WRITE an error; 200 bad
#       requests in a row are each answered, with few messages logged;
# xvdc  zero and too many segments (0, 12 and 255 in a slot of 11, a barrier
#       with 12): errors, while 11 segments work;
# xvdd  first_sect > last_sect, last_sect or first_sect past the 4 KiB page,
#       a bad segment after good ones: errors; a partial page works.
# Each ring keeps serving well-formed requests afterwards.
. /lab/tests/test_common.sh

hf_need_ours
lab_cases ops_out_of_range segment_count segment_bounds
hf_begin malformed
hf_attack badop,segs,sect "" phy:/dev/ram1,xvdb,w phy:/dev/ram2,xvdc,w \
	phy:/dev/ram3,xvdd,w
hf_report 90
lab_case ops_out_of_range
hf_expect b.good=ok b.op4=eop b.op7=eop b.op200=eop b.op255=eop \
	b.indflush=err b.indindirect=err b.flood=200/200 b.after=ok
lab_case segment_count
hf_expect c.good=ok c.r11=ok c.rzero=err c.wzero=err c.r12=err c.w12=err \
	c.r255=err c.b12=err c.after=ok
lab_case segment_bounds
hf_expect d.good=ok d.partial=ok d.first_gt_last=err d.first7_last0=err \
	d.last8=err d.first8=err d.last255=err d.first255=err d.third_bad=err \
	d.after=ok
lab_case ops_out_of_range
hf_expect_msg ": (unsupported operation|malformed request)" 30
lab_case segment_bounds
hf_expect_msg "bad segment" 30
lab_case
hf_end
