#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Our modules' parameters as an administrator meets them: modinfo gives
# each one's unit or type, range and default; a runtime write out of range
# (or not a number) is refused with EINVAL, leaves the value as it was and
# says why in dmesg; a value in range is taken.  The frontend's load-time
# parameters hold values in their documented ranges.  poll_us, at 200
# under verified writes, keeps the data right and, with a second CPU for
# the guest, finds requests (statistics/poll_hits; poll_misses counts
# the watches that found none); watches that keep finding nothing (one
# CPU, or one request at a time) back off; at 0, it polls no more.
. /lab/tests/test_common.sh

[ "$LAB_BACK" = ours ] || skip "only for our backend"

# modinfo: every parameter's description names its default, and every
# numeric one its range ("lo..hi"), or says it is a bool.
check_parm() { # module lines
	echo "$2" | while IFS= read -r l; do
		case "$l" in *default*) ;; *) echo "no default: $l" ;; esac
		case "$l" in *"(bool"* | *[0-9]..[0-9A-Z]*) ;; *) echo "no range or type: $l" ;; esac
	done >/tmp/parm.bad
	[ -s /tmp/parm.bad ] && fail "$1 modinfo: $(cat /tmp/parm.bad)"
	log "modinfo $1: $(echo "$2" | wc -l) parameters, each with its range or type and default"
}
desc=$(modinfo -F parm /lab/mod/xen-blkback.ko 2>/dev/null)
[ -n "$desc" ] || fail "modinfo -F parm gives nothing for xen-blkback.ko"
check_parm xen-blkback "$desc"
if [ "$LAB_FRONT" = ours ]; then
	# one line per parameter, carried back as one line
	desc=$(guest_out domu 'modinfo -F parm /lab/mod/xen-blkfront.ko | sed "s/$/|/"' |
		tr '|' '\n' | sed 's/^ *//; /^$/d')
	[ -n "$desc" ] || fail "modinfo -F parm gives nothing for xen-blkfront.ko"
	check_parm xen-blkfront "$desc"
fi

P=/sys/module/xen_blkback/parameters
refused() { # name value range-text
	old=$(cat "$P/$1")
	if echo "$2" >"$P/$1" 2>/tmp/perr; then
		fail "$1=$2 accepted (now $(cat "$P/$1"))"
	fi
	grep -q 'Invalid argument' /tmp/perr || fail "$1=$2: '$(cat /tmp/perr)', not EINVAL"
	[ "$(cat "$P/$1")" = "$old" ] || fail "$1 changed to $(cat "$P/$1") by a refused write"
	dmesg | grep -q "$1=$2 refused: $3" || fail "no dmesg line '$1=$2 refused: $3'"
}
taken() { # name value
	old=$(cat "$P/$1")
	echo "$2" >"$P/$1" || fail "$1=$2 refused"
	[ "$(cat "$P/$1")" = "$2" ] || fail "$1 reads $(cat "$P/$1") after writing $2"
	echo "$old" >"$P/$1" || fail "restoring $1=$old refused"
}
refused lru_interval 0 "must be 1..60000"
refused lru_interval 60001 "must be 1..60000"
taken lru_interval 60000
refused lru_num_clean -1 "must be 0..2147483647"
taken lru_num_clean 0
taken lru_num_clean 1
refused max_queues 257 "must be 0..256"
taken max_queues 256
refused max_persistent_grants 2147483648 "must be 0..2147483647"
refused max_persistent_grants -1 "must be 0..2147483647"
refused max_buffer_pages lots "must be 0..2147483647"
taken max_buffer_pages 0
refused buffer_squeeze_duration_ms 4294967296 "must be 0..2147483647"
refused persistent_grant_unused_seconds 1e3 "must be 0..2147483647"
taken persistent_grant_unused_seconds 0
refused poll_us 1001 "must be 0..1000"
taken poll_us 1000
# (root may write any file: the mode is what says read-only)
m=$(stat -c %a "$P/max_ring_page_order")
[ "$m" = 444 ] || fail "max_ring_page_order has mode $m, not 444 (load time only)"
log "runtime parameters: out-of-range writes refused with EINVAL and named in dmesg"

# The disk still works after all that.
guest_run domu 'dd if=/dev/xvda of=/dev/null bs=4k count=64 iflag=direct 2>/dev/null' ||
	fail "guest I/O failed after the parameter writes"

# poll_us: with it on, a busy queue finds requests by watching its ring
# (poll_hits counts them, poll_misses the watches that found none) and
# the data stays right; a queue whose watches find nothing (no request
# during the watch nor at the final check after it) backs off to one
# watch in up to 257 passes; at 0, no poll; then back to the default.
st=/sys/bus/xen-backend/devices/vbd-$(domid domu)-51712/statistics
[ -r "$st/poll_hits" ] && [ -r "$st/poll_misses" ] || fail "no $st/poll_hits or poll_misses"
reqs() { echo $(($(cat "$st/rd_req") + $(cat "$st/wr_req"))); }
poll0=$(cat "$P/poll_us")
poll_off() { echo "$poll0" >"$P/poll_us"; fail "$*"; }
h0=$(cat "$st/poll_hits") m0=$(cat "$st/poll_misses") q0=$(reqs)
echo 200 >"$P/poll_us" || fail "poll_us=200 refused"
# First one request at a time, 50 ms apart.  No watch can find
# anything; after eight misses in a row a queue skips 1, 2, 4 ... passes,
# so 40 reads see at most 12 watches on one queue, 22 spread over two,
# whatever the queues' back-off state was (4 more allowed for stray
# requests; without the back-off, 40).
nq=$(xenstore-read "/local/domain/$(domid domu)/device/vbd/51712/multi-queue-num-queues" 2>/dev/null) || nq=1
guest_run -t 300 domu 'i=0; while [ $i -lt 40 ]; do
	dd if=/dev/xvda of=/dev/null bs=4k count=1 skip=$i iflag=direct 2>/dev/null || exit 1
	sleep 0.05; i=$((i+1)); done' || poll_off "sparse reads failed with poll_us=200"
h1=$(cat "$st/poll_hits") m1=$(cat "$st/poll_misses") q1=$(reqs)
[ $((m1 - m0)) -le $((nq > 1 ? 26 : 16)) ] ||
	poll_off "no back-off: $((m1 - m0)) watches found nothing in $((q1 - q0)) sparse requests on $nq queue(s)"
log "poll_us=200: $((q1 - q0)) sparse reads, 50 ms apart, on $nq queue(s), cost $((m1 - m0)) watches"
guest_run -t 300 domu "sh /lab/guest/fio_verify /dev/xvda 4k randwrite 16 4M" ||
	poll_off "verified writes failed with poll_us=200"
h2=$(cat "$st/poll_hits") m2=$(cat "$st/poll_misses") q2=$(reqs)
echo 0 >"$P/poll_us" || poll_off "poll_us=0 refused"
# Every watch is counted, as a hit or a miss.
[ $((h2 - h0 + m2 - m0)) -gt 0 ] || poll_off "no poll counted with poll_us=200"
# With one physical CPU the guest cannot run while dom0 polls: no hit is
# to be had (make check's lab has one; make bench's, two), and the
# back-off must keep the watches to a few per cent of the requests.
ncpu=$(xl info 2>/dev/null | awk '$1 == "nr_cpus" { print $3 }')
if [ "${ncpu:-1}" -ge 2 ]; then
	[ "$h2" -gt "$h1" ] ||
		poll_off "poll_hits stayed at $h1 with poll_us=200 under QD16 writes on $ncpu CPUs"
elif [ $(((m2 - m1) * 16)) -gt $((q2 - q1 + 256)) ]; then
	poll_off "no back-off on 1 CPU: $((m2 - m1)) watches found nothing in $((q2 - q1)) requests"
fi
log "poll_us=200: verified QD16 writes on ${ncpu:-1} CPU(s), $((q2 - q1)) requests, poll_hits $h1 -> $h2, poll_misses $m1 -> $m2"
guest_run domu 'dd if=/dev/xvda of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null' ||
	poll_off "guest I/O failed with poll_us at 0"
[ "$(cat "$st/poll_hits")" = "$h2" ] && [ "$(cat "$st/poll_misses")" = "$m2" ] ||
	poll_off "polls counted with poll_us=0: poll_hits $h2 -> $(cat "$st/poll_hits"), poll_misses $m2 -> $(cat "$st/poll_misses")"
echo "$poll0" >"$P/poll_us" || fail "restoring poll_us=$poll0 refused"
log "poll_us=0: no poll; back to poll_us=$poll0"

if [ "$LAB_FRONT" = ours ]; then
	guest_run domu 'p=/sys/module/xen_blkfront/parameters
		o=$(cat $p/max_ring_page_order) q=$(cat $p/max_queues) s=$(cat $p/max_indirect_segments)
		[ "$o" -le 4 ] && [ "$q" -ge 1 ] && [ "$s" -le 4096 ]' ||
		fail "frontend load-time parameters out of their ranges"
	log "frontend parameters within their ranges"
fi
log "parameters verified"
