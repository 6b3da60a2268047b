#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 300
#
# Where the time of a 4 KiB read goes, from the xen_blk trace events: fio
# random reads for 10 s in the lab's guest with the request lifecycle
# events on in the guest (our frontend) and in dom0 (our backend), each
# trace reduced in its own domain by scripts/trace/latency.awk (the clocks
# of the two differ).  The per-stage medians and 90th percentiles go to
# the run's output.  A dom0 script for the lab:
#
#   make trace [FRONT=..] [BACK=..]      prints build/trace/latency.txt
#   make lab TESTS=none EXTRA_DOM0=scripts/trace/lab-latency.sh
#
# The timings are those of an emulated machine: compare stages and runs of
# the lab with each other, not with hardware.
. /lab/tests/test_common.sh

[ "$LAB_BACK" = ours ] || [ "$LAB_FRONT" = ours ] ||
	skip "stock drivers on both sides: no xen_blk events"

T=/sys/kernel/tracing
g=domu
SECS=10
FRONT_EVENTS="xen_blkfront_queue xen_blkfront_submit xen_blkfront_complete"
BACK_EVENTS="xen_blkback_fetch xen_blkback_submit xen_blkback_end_io xen_blkback_respond"

# start_cmd EVENTS: enable EVENTS on an empty buffer, 8 MiB per CPU.
start_cmd() {
	echo "{ [ -d $T/events ] || mount -t tracefs nodev $T; } && cd $T &&
		echo 0 >tracing_on && echo 0 >events/xen_blk/enable &&
		echo 8192 >buffer_size_kb && echo >trace &&
		for e in $*; do echo 1 >events/xen_blk/\$e/enable || exit 1; done &&
		echo 1 >tracing_on"
}

# Events the ring buffer dropped, all CPUs.
lost_cmd="cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ { n += \$2 } END { print n + 0 }'"

stop() {
	[ "$LAB_BACK" = ours ] && echo 0 >$T/events/xen_blk/enable 2>/dev/null
	[ "$LAB_FRONT" = ours ] &&
		guest_run -t 20 $g "echo 0 >$T/events/xen_blk/enable" 2>/dev/null
}
trap stop EXIT

if [ "$LAB_BACK" = ours ]; then
	sh -c "$(start_cmd "$BACK_EVENTS")" || fail "dom0: cannot enable $BACK_EVENTS"
fi
if [ "$LAB_FRONT" = ours ]; then
	guest_run -t 30 $g "$(start_cmd "$FRONT_EVENTS")" ||
		fail "guest: cannot enable $FRONT_EVENTS"
fi

iops=$(guest_out -t $((SECS + 60)) $g "fio --name=lat --filename=/dev/xvda \
	--ioengine=libaio --direct=1 --rw=randread --bs=4k --iodepth=4 \
	--size=128M --runtime=$SECS --time_based --minimal | cut -d';' -f8")
case "$iops" in
'' | *[!0-9]*) fail "fio failed: $iops" ;;
esac
lab_out "trace latency: fio 4k randread, iodepth 4, ${SECS}s: $iops IOPS (front $LAB_FRONT, back $LAB_BACK)"

if [ "$LAB_FRONT" = ours ]; then
	out=$(guest_out -t 120 $g "echo 0 >$T/tracing_on &&
		{ echo lost \$($lost_cmd); awk -f /lab/latency.awk $T/trace; } |
		tr '\n' ';'")
	echo "$out" | tr ';' '\n' | while IFS= read -r l; do
		[ -n "$l" ] && lab_out "  guest: $l"
	done
fi
if [ "$LAB_BACK" = ours ]; then
	echo 0 >$T/tracing_on
	lab_out "  dom0: lost $(sh -c "$lost_cmd")"
	awk -f /lab/latency.awk $T/trace | while IFS= read -r l; do
		lab_out "  dom0: $l"
	done
fi
log "latency breakdown reported"
