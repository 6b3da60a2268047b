#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 300
#
# The xen_blk tracepoints, on each side that runs our driver: dom0 and the
# guest list their module's events under tracefs (mounted here if need
# be), and a little direct I/O from the guest (fio: 4 KiB reads and writes,
# 256 KiB reads) leaves a consistent lifecycle in each trace.  Backend:
# one respond per fetch with the same queue and id, as many map as submit
# events, each map's new mappings plus persistent hits equal to its
# segments, an end_io per bio, no error.  Frontend: one complete per
# submit (queue and id), a grant event per read or write, no error.  With
# our driver on both sides the guest's submits are dom0's fetches and its
# completes dom0's responds.  A side running the stock driver has no such
# events and is left out (logged); with stock on both sides the test skips.
# The event lists and the per-event counts go to the run's output (lab_out).
. /lab/tests/test_common.sh

[ "$LAB_BACK" = ours ] || [ "$LAB_FRONT" = ours ] ||
	skip "stock drivers on both sides: no xen_blk events"

T=/sys/kernel/tracing
g=domu
id=$(domid $g)
[ -n "$id" ] || fail "no guest $g"
NREQ=100	# block requests the guest's I/O makes at least
BACK_EVENTS="fetch map submit end_io respond pgrant_add pgrant_evict lru_purge pool_squeeze"
FRONT_EVENTS="queue grant submit complete"
mount_tracefs="[ -d $T/events ] || mount -t tracefs nodev $T"

# A one-line summary of a trace on stdin: NAME=count per event, then open=
# (events -v o=NAME without a later -v c=NAME event for the same device,
# queue and id), orphan= (c events without an o event before them), bad=
# (events with a non-zero status or err) and mapbad= (map events whose new
# mappings and persistent hits do not add up to their segments).  Runs in
# dom0 and, copied there, in the guest.
cat >/tmp/xb_trace.awk <<'EOF'
/ xen_blk[a-z_]*: / {
	for (i = 1; i <= NF; i++)
		if ($i ~ /^xen_blk[a-z_]*:$/)
			break
	ev = substr($i, 1, length($i) - 1)
	n[ev]++
	split("", f)
	for (; i <= NF; i++)
		if (split($i, kv, "=") == 2)
			f[kv[1]] = kv[2]
	if (f["status"] + 0 != 0 || f["err"] + 0 != 0)
		bad++
	if (ev ~ /_map$/ && f["mapped"] + f["hits"] != f["nr_segs"])
		mapbad++
	k = f["dom"] " " f["dev"] f["vdev"] " " f["q"] " " f["id"]
	if (ev == o)
		open[k]++
	else if (ev == c) {
		if (open[k] > 0)
			open[k]--
		else
			orphan++
	}
}
END {
	for (e in n)
		printf "%s=%d ", e, n[e]
	left = 0
	for (k in open)
		left += open[k]
	printf "open=%d orphan=%d bad=%d mapbad=%d\n", left, orphan, bad, mapbad
}
EOF

val() { # NAME SUMMARY: a count from a summary line, 0 if absent
	local v
	v=$(echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p")
	echo "${v:-0}"
}

cleanup() {
	[ "$LAB_BACK" = ours ] && echo 0 >$T/events/xen_blk/enable 2>/dev/null
	[ "$LAB_FRONT" = ours ] &&
		guest_run -t 20 $g "echo 0 >$T/events/xen_blk/enable" 2>/dev/null
	rm -f /tmp/xb_trace.awk
}
trap cleanup EXIT

# Enable this side's events on an empty, running buffer.
start_cmd="$mount_tracefs && cd $T && [ -d events/xen_blk ] &&
	echo 0 >tracing_on && echo >trace && echo 1 >events/xen_blk/enable &&
	echo 1 >tracing_on"

if [ "$LAB_BACK" = ours ]; then
	eval "$mount_tracefs" || fail "dom0: cannot mount tracefs on $T"
	[ -d $T/events/xen_blk ] ||
		fail "dom0: no $T/events/xen_blk ($(ls $T/events | wc -l) systems; xen_blkback loaded: $(ls -d /sys/module/xen_blkback 2>/dev/null))"
	lab_out "dom0: ls $T/events/xen_blk: $(ls $T/events/xen_blk | tr '\n' ' ')"
	for e in $BACK_EVENTS; do
		[ -d $T/events/xen_blk/xen_blkback_$e ] || fail "dom0: no event xen_blkback_$e"
	done
	eval "$start_cmd" || fail "dom0: cannot enable the xen_blk events"
else
	log "dom0: stock backend, no backend events to check"
fi

if [ "$LAB_FRONT" = ours ]; then
	gls=$(guest_out $g "$mount_tracefs && ls $T/events/xen_blk")
	lab_out "guest: ls $T/events/xen_blk: $gls"
	for e in $FRONT_EVENTS; do
		case " $gls " in
		*" xen_blkfront_$e "*) ;;
		*) fail "guest: no event xen_blkfront_$e" ;;
		esac
	done
	guest_run -t 30 $g "$start_cmd" || fail "guest: cannot enable the xen_blk events"
	guest_run -t 30 $g "cat >/tmp/xb_trace.awk <<'XBEOF'
$(cat /tmp/xb_trace.awk)
XBEOF" || fail "guest: cannot copy the trace summary script"
else
	log "guest: stock frontend, no frontend events to check"
fi

# fio rather than dd: the arm64 guests' dd (busybox) reads through the
# page cache there (requests of 128 KiB of readahead) despite iflag=direct.
fio_dio="fio --filename=/dev/xvda --direct=1 --ioengine=psync --output=/dev/null"
guest_run -t 120 $g "$fio_dio --name=r4k --rw=read --bs=4k --size=256k &&
	$fio_dio --name=w4k --rw=write --bs=4k --size=128k --offset=8m &&
	$fio_dio --name=r256k --rw=read --bs=256k --size=1m --offset=4m" ||
	fail "guest I/O failed"

if [ "$LAB_FRONT" = ours ]; then
	fs=$(guest_out -t 60 $g "echo 0 >$T/tracing_on &&
		awk -v o=xen_blkfront_submit -v c=xen_blkfront_complete -f /tmp/xb_trace.awk $T/trace")
	lab_out "guest: $fs"
	q=$(val xen_blkfront_queue "$fs")
	gr=$(val xen_blkfront_grant "$fs")
	fsub=$(val xen_blkfront_submit "$fs")
	fcomp=$(val xen_blkfront_complete "$fs")
	[ "$q" -ge $NREQ ] || fail "guest: $q queue events for at least $NREQ requests"
	[ "$gr" -ge $NREQ ] && [ "$gr" -le "$q" ] ||
		fail "guest: $gr grant events for $q queue events"
	[ "$fsub" -ge "$gr" ] || fail "guest: $fsub submit events for $gr requests"
	[ "$fcomp" = "$fsub" ] || fail "guest: $fcomp complete events for $fsub submits"
	[ "$(val open "$fs")" = 0 ] && [ "$(val orphan "$fs")" = 0 ] ||
		fail "guest: submits and completes do not pair by queue and id"
	[ "$(val bad "$fs")" = 0 ] || fail "guest: completions with an error"
fi

if [ "$LAB_BACK" = ours ]; then
	echo 0 >$T/tracing_on
	bs=$(grep -E "xen_blkback_[a-z_]+: dom=$id " $T/trace |
		awk -v o=xen_blkback_fetch -v c=xen_blkback_respond -f /tmp/xb_trace.awk)
	lab_out "dom0: $bs"
	fetch=$(val xen_blkback_fetch "$bs")
	map=$(val xen_blkback_map "$bs")
	bsub=$(val xen_blkback_submit "$bs")
	endio=$(val xen_blkback_end_io "$bs")
	resp=$(val xen_blkback_respond "$bs")
	[ "$fetch" -ge $NREQ ] || fail "dom0: $fetch fetch events for at least $NREQ requests"
	[ "$resp" = "$fetch" ] || fail "dom0: $resp respond events for $fetch fetches"
	[ "$(val open "$bs")" = 0 ] && [ "$(val orphan "$bs")" = 0 ] ||
		fail "dom0: fetches and responds do not pair by queue and id"
	[ "$bsub" -ge $NREQ ] && [ "$bsub" -le "$fetch" ] ||
		fail "dom0: $bsub submit events for $fetch fetches"
	[ "$map" = "$bsub" ] || fail "dom0: $map map events for $bsub submits"
	[ "$(val mapbad "$bs")" = 0 ] ||
		fail "dom0: map events whose mappings and hits are not their segments"
	[ "$endio" -ge "$bsub" ] || fail "dom0: $endio end_io events for $bsub submits"
	[ "$(val bad "$bs")" = 0 ] || fail "dom0: responses or bios with an error"
fi

if [ "$LAB_BACK" = ours ] && [ "$LAB_FRONT" = ours ]; then
	[ "$fetch" = "$fsub" ] || fail "dom0 fetched $fetch requests, the guest submitted $fsub"
	[ "$resp" = "$fcomp" ] || fail "dom0 responded $resp times, the guest completed $fcomp"
fi
log "xen_blk events consistent (back $LAB_BACK, front $LAB_FRONT)"
