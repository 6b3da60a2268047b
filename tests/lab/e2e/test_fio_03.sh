#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# 64 KiB random I/O at queue depths 1 and 64, and two jobs in parallel so
# that both hardware queues carry requests.  Our backend's ring threads are
# named "<domid>.<device>-<queue>", whole (within TASK_COMM_LEN), one per
# queue.
. /lab/tests/test_common.sh

for qd in 1 64; do
	guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 64k randwrite $qd 16M" ||
		fail "64k random write/read verify failed at QD$qd"
done
guest_run -t 400 domu "sh /lab/guest/fio_verify /dev/xvda 16k randwrite 16 8M 2" ||
	fail "two parallel 16k jobs failed to verify"
if [ "$LAB_BACK" = ours ]; then
	id=$(domid domu)
	nq=$(xenstore-read "/local/domain/$id/device/vbd/51712/multi-queue-num-queues" 2>/dev/null || echo 1)
	want=$(i=0; while [ $i -lt "$nq" ]; do echo "$id.xvda-$i"; i=$((i + 1)); done)
	have=$(ps -eo comm | grep "^$id\.xvda" | sort)
	[ "$have" = "$want" ] ||
		fail "ring threads of xvda: '$(echo $have)', expected '$(echo $want)' ($nq queues)"
	log "ring threads: $(echo $have)"
fi
