#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# 4 KiB random I/O with crc32c verification at queue depths 1 and 32.
. /lab/tests/test_common.sh

for qd in 1 32; do
	guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 4k randwrite $qd 8M" ||
		fail "4k random write/read verify failed at QD$qd"
done
