#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: sectors past the end and misaligned.  On a 512-byte disk
# (brd, xvdb) and a 4096-byte-sector disk (null_blk bs=4096, xvdc): reads
# and writes at or across the end, far beyond it and wrapping around 2^64
# get errors, the last page still works; on the 4K disk starts and segments
# off a 4 KiB boundary get errors too.
. /lab/tests/test_common.sh

hf_need_ours
lab_cases past_end_of_disk misaligned_to_sector_size
hf_nullb bs=4096 gb=1
hf_begin range
hf_attack range,range "" phy:/dev/ram1,xvdb,w phy:/dev/nullb0,xvdc,w
hf_report 60
hf_expect b.lbs=512 c.lbs=4096
lab_case past_end_of_disk
for d in b c; do
	hf_expect $d.good=ok $d.lastpage=ok $d.at_end=err $d.across_end=err \
		$d.write_at_end=err $d.far=err $d.wrap=err $d.wrap_write=err \
		$d.ind_across_end=err $d.after=ok
done
lab_case misaligned_to_sector_size
hf_expect c.mis_sector=err c.mis_first=err c.mis_last=err c.mis_both=err
lab_case
hf_expect_msg "bad segment \\((beyond end of device|malformed request)\\)" 30
hf_end
hf_nullb_done
