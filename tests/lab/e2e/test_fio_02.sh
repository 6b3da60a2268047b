#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# 1 MiB sequential I/O with crc32c verification at queue depths 1 and 32.
. /lab/tests/test_common.sh

for qd in 1 32; do
	guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 1M write $qd 64M" ||
		fail "1M sequential write/read verify failed at QD$qd"
done
