#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# 4 KiB random I/O with crc32c verification at queue depths 1 and 32.
. /lab/tests/test_common.sh

# QD1 is bound by the round trip, so it covers less ground in the time.
for run in "1 2M" "32 8M"; do
	set -- $run
	guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 4k randwrite $1 $2" ||
		fail "4k random write/read verify failed at QD$1"
done
