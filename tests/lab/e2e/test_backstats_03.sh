#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# dom0 memory pressure squeezes the free page pools to nothing within the
# squeeze window, the squeeze is counted, and I/O goes on.
. /lab/tests/test_common.sh

[ "$LAB_BACK" = ours ] || skip "pool statistics are our backend's"
g=domu
s=$(backend_dir $g 51712)/statistics
# Pages held by persistent grants are not free; with the cache capped to
# one grant, requests map per request and their pages return to the pool.
cap=$(back_param max_persistent_grants)
trap 'back_param max_persistent_grants $cap' EXIT
back_param max_persistent_grants 1
guest_run $g 'fio --filename=/dev/xvda --ioengine=libaio --direct=1 --rw=randwrite --bs=64k \
	--iodepth=16 --size=16M --name=fill --minimal >/dev/null' || fail "fill I/O failed"
pool=$(cat $s/pool_pages) sq0=$(cat $s/squeezes)
log "after I/O: pool $pool pages, squeezes $sq0, max_buffer_pages $(back_param max_buffer_pages)"
[ "$pool" -gt 0 ] || fail "no free pages in the pool after per-request mappings"
# drop_caches runs every shrinker, the xenbus backend's among them.
echo 2 >/proc/sys/vm/drop_caches
wait_for 5 '[ "$(cat $s/pool_pages)" = 0 ]' || fail "pool still $(cat $s/pool_pages) pages after memory pressure"
[ "$(cat $s/squeezes)" -gt "$sq0" ] || fail "squeeze not counted"
log "memory pressure: pool emptied, squeezes $(cat $s/squeezes)"
guest_run -t 300 $g 'sh /lab/guest/fio_verify /dev/xvda 4k randwrite 16 4M' || fail "I/O after the squeeze failed"
