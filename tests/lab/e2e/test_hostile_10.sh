#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile frontend: the barrier's ordering promise.  The rogue pushes write
# A, BLKIF_OP_WRITE_BARRIER B and write C in one go onto a null_blk disk
# with a volatile write cache whose requests take 100 ms each.  All three
# succeed, and dom0's block trace of that disk shows A completed before
# anything of B (its cache flush or its write) was issued, and B's write
# completed before C was issued: REQ_PREFLUSH alone orders nothing, the
# backend has to drain and hold.
. /lab/tests/test_common.sh

hf_need_ours
hf_nullb memory_backed=1 cache_size=16 gb=1 irqmode=2 completion_nsec=100000000
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T || fail "no tracefs"
mm=$(cat /sys/block/nullb0/dev)
devnum=$(((${mm%:*} << 20) | ${mm#*:}))
for e in block_rq_issue block_rq_complete; do
	echo "dev == $devnum" >$T/events/block/$e/filter || fail "cannot filter $e"
	echo 1 >$T/events/block/$e/enable
done
echo >$T/trace
echo 1 >$T/tracing_on

hf_begin barrier
hf_attack barrier "" phy:/dev/nullb0,xvdb,w
hf_report 90
hf_expect b.good=ok b.a=ok b.b=ok b.c=ok b.after=ok

# "time event rwbs sector" per request of the disk
awk '{
	for (i = 1; i <= NF; i++)
		if ($i ~ /^block_rq_(issue|complete):$/)
			break
	if (i > NF)
		next
	for (j = i + 3; j <= NF; j++)
		if ($j == "+")
			break
	if (j > NF)
		next
	t = $(i - 1)
	sub(/:$/, "", t)
	print t, substr($i, 10, length($i) - 10), $(i + 2), $(j - 1)
}' $T/trace >/run/lab/barrier.trace
for e in block_rq_issue block_rq_complete; do
	echo 0 >$T/events/block/$e/enable
	echo 0 >$T/events/block/$e/filter
done
cat /run/lab/barrier.trace
# first TIME of EVENT for a write (W...) or flush (F...) at SECTOR
at() { # event kind(W|F) sector
	awk -v e="$1" -v k="$2" -v s="$3" '$2 == e && substr($3, 1, 1) == k && $4 == s { print $1; exit }' \
		/run/lab/barrier.trace
}
a_done=$(at complete W 0)
b_flush=$(at issue F 0)
b_start=$(at issue W 2048)
b_done=$(at complete W 2048)
c_start=$(at issue W 4096)
log "A done $a_done; B flush issued ${b_flush:-none}, write issued $b_start, done $b_done; C issued $c_start"
[ -n "$a_done" ] && [ -n "$b_start" ] && [ -n "$b_done" ] && [ -n "$c_start" ] ||
	fail "the trace does not show all three writes"
before() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }
[ -z "$b_flush" ] || before "$a_done" "$b_flush" ||
	fail "the barrier's flush was issued before the write ahead of it completed"
before "$a_done" "$b_start" || fail "the barrier's write was issued before the write ahead of it completed"
before "$b_done" "$c_start" || fail "the write after the barrier was issued before the barrier completed"
hf_end
hf_nullb_done
