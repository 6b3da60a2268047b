#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Large requests share a bounded pool.  Our frontend sends requests of up
# to max_indirect_segments grants (256 by default, 1 MiB) when the backend
# offers that many, but its copying pool keeps the budget of 32-segment
# slots: 33 units per ring slot, what both backends' default
# max_persistent_grants keep mapped.  At queue depth 32, 1 MiB requests
# want eight times what the pool holds, so they wait for units as they
# wait for ring slots: the verified I/O must complete with every block
# right, each request must carry more than 32 grants, and the pool must
# stay at its budget.  Any frontend runs the I/O; only ours has the
# counters to check.
. /lab/tests/test_common.sh

g=domu
vd=$(xvd_num b)
d=/sys/bus/xen/devices/vbd-$vd/blkfront

# A failed check must not leave the disk to the next test.
trap 'xl block-detach $g xvdb >/dev/null 2>&1' EXIT
xl block-attach $g phy:/dev/ram1,xvdb,w || fail "block-attach failed"
guest_wait_bdev $g xvdb || fail "xvdb did not appear"

if [ "$LAB_FRONT" = ours ]; then
	# shellcheck disable=SC2046 # word splitting is the point
	set -- $(guest_out $g "cd $d && echo \$(cat indirect_segments nr_queues ring_page_order bounce pool_units rw_requests rw_data_grants) \$(cat /sys/block/xvdb/queue/max_hw_sectors_kb)")
	ind=$1 nq=$2 order=$3 bounce=$4 pool=$5 r0=$6 g0=$7 hwkb=$8
	bemax=$(xenstore-read "/local/domain/0/backend/vbd/$(domid $g)/$vd/feature-max-indirect-segments" 2>/dev/null)
	param=$(guest_out $g "cat /sys/module/xen_blkfront/parameters/max_indirect_segments")
	log "indirect_segments $ind (parameter $param, backend offers ${bemax:-none}), $nq queue(s), ring order $order, bounce $bounce, pool $pool units, max_hw_sectors_kb $hwkb"
	want=$param
	[ "${bemax:-0}" -lt "$want" ] && want=${bemax:-0}
	[ "$ind" = "$want" ] ||
		fail "indirect_segments $ind, expected min(parameter $param, backend ${bemax:-0}) = $want"
	[ "$ind" -gt 32 ] ||
		fail "requests limited to $ind grants: the test needs a frontend allowing more than 32"
	[ "$hwkb" = $((ind * 4)) ] ||
		fail "max_hw_sectors_kb $hwkb, expected $((ind * 4)) for $ind grants of 4 KiB"
	if [ "$bounce" = 1 ]; then
		budget=$((nq * (32 << order) * 33))
		[ "$pool" = "$budget" ] ||
			fail "pool of $pool units, expected $budget ($nq ring(s) of $((32 << order)) slots x 33)"
	else
		log "data pages granted themselves: the pool holds indirect frames only"
	fi
fi

guest_run -t 500 $g "sh /lab/guest/fio_verify /dev/xvdb 1M randwrite 32 64M" ||
	fail "verified 1 MiB I/O at queue depth 32 failed"
log "1 MiB random writes at queue depth 32 verified"

if [ "$LAB_FRONT" = ours ]; then
	# shellcheck disable=SC2046
	set -- $(guest_out $g "cd $d && echo \$(cat rw_requests rw_data_grants pool_units pool_units_in_use)")
	reqs=$(($1 - r0)) grants=$(($2 - g0))
	log "$reqs requests carried $grants data grants ($((grants / (reqs ? reqs : 1))) each); pool $3 units, $4 in use"
	[ "$reqs" -gt 0 ] || fail "no request counted"
	[ $((grants / reqs)) -gt 32 ] ||
		fail "1 MiB I/O went out as requests of $((grants / reqs)) grants, not more than 32"
	[ "$3" = "$pool" ] || fail "pool changed from $pool to $3 units"
	[ "$4" = 0 ] || fail "$4 pool units still in use after the I/O"
fi

xl block-detach $g xvdb || fail "block-detach failed"
guest_wait_bdev $g xvdb gone || fail "xvdb still present after detach"
