#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# 64 KiB random I/O at queue depths 1 and 64, and two jobs in parallel so
# that both hardware queues carry requests.
. /lab/tests/test_common.sh

for qd in 1 64; do
	guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 64k randwrite $qd 16M" ||
		fail "64k random write/read verify failed at QD$qd"
done
guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 16k randwrite 16 8M 2" ||
	fail "two parallel 16k jobs failed to verify"
