#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 4200
#
# make bench-memory, in dom0: the seed 004 experiment.  dom0 has little
# memory and a swap device; guests drive many backend disks, whose page
# pools keep up to max_buffer_pages free pages each once the I/O is done,
# and then a memory hog needs that memory.  Each phase: a burst of fio in
# every guest (no hog; it fills the pools), then the hog is written and
# read in a loop while the guests are idle.  Swap traffic in that window
# is what the pools' pages cost dom0; squeezing (the xenbus shrinker
# telling the backend to empty its pools for buffer_squeeze_duration_ms)
# should take it away.  For each backend (ours, stock) and each setting
# of buffer_squeeze_duration_ms x max_buffer_pages we record the
# pswpin/pswpout deltas of /proc/vmstat in the hog's window, the burst's
# own, the guests' summed fio throughput and dom0's free memory, as
# "BENCH {json}" lines for scripts/bench/report-memory.py.  A pool probe
# (ours only) checks how much dom0 RAM the backend's page pool holds.
#
# Why not the hog during the I/O: requests in flight hold as many pages as
# full pools do (each pool only grows to what was in flight at once), so
# pressure under load is mostly the in-flight pages, which no squeezing
# can free.  Two such runs swapped about as much with empty pools as with
# full ones (Documentation/xen-blk-bench-memory-scale.rst).
. /lab/tests/test_common.sh

# Every setting can be changed from the host as BENCH_<NAME>, e.g.
# BENCH_BACKS=ours BENCH_SQUEEZE="0 10" BENCH_MAXPAGES=1024 make bench-memory.
NG=${BENCH_NG:-3}		# guests
ND=${BENCH_ND:-6}		# disks per guest (null_blk, no memory behind them)
SECS=${BENCH_SECS:-8}		# fio burst per phase
HOLD=${BENCH_HOLD:-20}		# seconds the hog is read after it is written
# 1 MiB requests, one request of 256 segments each through our backend:
# four in flight hold as many pages as a ring's pool may keep
# (max_buffer_pages 1024), so a burst leaves every pool full.
RW=randrw BS=${BENCH_BS:-1M} QD=${BENCH_QD:-4}
# Frontend parameters for the guests (our frontend's).
FPARAMS=${BENCH_FPARAMS-max_indirect_segments=256}
SQUEEZE=${BENCH_SQUEEZE:-"0 1 10 100"}
MAXPAGES=${BENCH_MAXPAGES:-"1024 0"}
BACKS=${BENCH_BACKS:-"ours stock"}
ROUNDS=${BENCH_ROUNDS:-2}	# passes over the settings, per backend
# null_blk completes each request after this long (a timer), so a request's
# pages stay taken from the pool for that long and the pools grow toward
# max_buffer_pages (1024) per ring.  Completed inline, they stay tiny.
NULL_NSEC=${BENCH_NULL_NSEC:-2000000}
# The hog's size: MemAvailable, measured with every pool empty and the
# guests idle, plus this many MiB (may be negative); hog_calibrate then
# takes HOG_STEP MiB off until, after a burst with empty pools, the hog
# swaps at most CAL_PPS pages/s.  Full pools (up to 72 MiB here) then
# push part of it through swap.  dom0's root is a tmpfs with ~200 MiB of
# cold files (the guest image among them); a first pass pushes those to
# swap before anything is measured.
HOG_EXTRA=${BENCH_HOG_EXTRA:--24}
HOG_STEP=${BENCH_HOG_STEP:-16}
CAL_PPS=${BENCH_CAL_PPS:-50}

bench() { lab_out "BENCH $*"; }

vmstat() { # field
	awk -v f="$1" '$1 == f { print $2 }' /proc/vmstat
}

# dom0's reservation as the balloon driver counts it (KiB; 0 if absent)
balloon_kib() {
	cat /sys/devices/system/xen_memory/xen_memory0/info/current_kb 2>/dev/null || echo 0
}

meminfo() { # field, KiB
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

letters="a b c d e f g h"
disk_letter() { # index from 1
	echo "$letters" | cut -d' ' -f"$1"
}

guest_devs() {
	local i devs=
	for i in $(seq 1 "$ND"); do
		devs="$devs /dev/xvd$(disk_letter "$i")"
	done
	echo "$devs"
}

# Sum of a statistics attribute over every vbd of our backend.
back_stat_sum() { # attribute
	local s=0 f v
	for f in /sys/bus/xen-backend/devices/vbd-*/statistics/"$1"; do
		[ -r "$f" ] || continue
		v=$(cat "$f" 2>/dev/null) || continue
		s=$((s + v))
	done
	echo $s
}

start_guests() {
	local g i k disks
	k=0
	for g in $(seq 1 "$NG"); do
		disks=
		for i in $(seq 1 "$ND"); do
			disks="$disks phy:/dev/nullb$k,xvd$(disk_letter "$i"),w"
			k=$((k + 1))
		done
		# shellcheck disable=SC2086
		guest_start "m$g" --mem 512 --vcpus 1 ${FPARAMS:+--fparams "$FPARAMS"} $disks ||
			fail "guest m$g did not start"
	done
}

stop_guests() {
	local g
	for g in $(seq 1 "$NG"); do
		guest_stop "m$g"
	done
}

# Run fio in every guest at once; sets RES_KIB RES_IOPS RES_FAIL.
run_guests() { # key
	local g n rc kib iops
	# shellcheck disable=SC2046
	guests_bench_fio $((SECS + 300)) "$1" "$RW $BS $QD $SECS $(guest_devs)" \
		$(for g in $(seq 1 "$NG"); do echo "m$g"; done) >/run/lab/mem-fio
	RES_KIB=0 RES_IOPS=0 RES_FAIL=0
	while read -r n rc kib iops; do
		if [ "$rc" = 0 ] && [ -n "$iops" ]; then
			RES_KIB=$((RES_KIB + kib))
			RES_IOPS=$((RES_IOPS + iops))
		else
			RES_FAIL=$((RES_FAIL + 1))
			log "guest $n: fio failed ($rc $kib $iops)"
		fi
	done </run/lab/mem-fio
}

# Once per backend: push the root's cold files to swap, then size the hog
# with every pool empty and the guests idle.
hog_size() {
	local avail
	mkdir -p /run/hog
	mount -t tmpfs -o size=2g tmpfs /run/hog
	avail=$(($(meminfo MemAvailable) / 1024))
	dd if=/dev/zero of=/run/hog/fill bs=1M count=$((avail + 300)) 2>/dev/null
	rm -f /run/hog/fill
	back_param max_buffer_pages 0
	sleep 2
	avail=$(($(meminfo MemAvailable) / 1024))
	HOG_MIB=$((avail + HOG_EXTRA))
	log "hog: $HOG_MIB MiB (MemAvailable was $avail MiB)"
}

hog_done() {
	umount /run/hog 2>/dev/null
}

# One setting: parameters, a burst of fio in every guest, then the hog is
# written and read in a loop for HOLD s with the guests idle, then freed.
# Sets PH_RATE, the pages swapped in and out per second of the hog's
# window (from the start of its write to the end of its reads).
phase() { # back squeeze_ms max_pages round [kind]
	local b0 bout0 bin0 in0 out0 in1 out1 t0 t1 hp key kind=${5:-mem}
	local pool1 bal1 free1 tb
	back_param buffer_squeeze_duration_ms "$2" || fail "cannot set squeeze"
	back_param max_buffer_pages "$3" || fail "cannot set max_buffer_pages"
	key="$kind$4_$2_$3"
	sq0=$(back_stat_sum squeezes)
	bin0=$(vmstat pswpin)
	bout0=$(vmstat pswpout)
	b0=$(date +%s)
	run_guests "$key"
	# the pools as the burst left them (trimmed within 100 ms of its end)
	sleep 1
	pool1=$(back_stat_sum pool_pages) bal1=$(balloon_kib) free1=$(meminfo MemFree)
	in0=$(vmstat pswpin)
	out0=$(vmstat pswpout)
	t0=$(date +%s)
	tb=$((t0 - b0))
	dd if=/dev/zero of=/run/hog/fill bs=1M count="$HOG_MIB" 2>/dev/null ||
		fail "hog: dd failed"
	touch /run/hog.on
	(while [ -f /run/hog.on ]; do
		cat /run/hog/fill >/dev/null &
		echo $! >/run/hog.cat
		wait
	done) &
	hp=$!
	sleep "$HOLD"
	rm -f /run/hog.on
	kill "$(cat /run/hog.cat)" 2>/dev/null
	wait $hp
	t1=$(date +%s)
	in1=$(vmstat pswpin)
	out1=$(vmstat pswpout)
	PH_RATE=$(((in1 - in0 + out1 - out0) / (t1 > t0 ? t1 - t0 : 1)))
	bench "{\"kind\":\"$kind\",\"back\":\"$1\",\"round\":$4,\"squeeze_ms\":$2,\"max_pages\":$3,\"pswpin\":$((in1 - in0)),\"pswpout\":$((out1 - out0)),\"secs\":$((t1 - t0)),\"burst_pswpin\":$((in0 - bin0)),\"burst_pswpout\":$((out0 - bout0)),\"burst_secs\":$tb,\"kib_s\":$RES_KIB,\"iops\":$RES_IOPS,\"fio_fail\":$RES_FAIL,\"pool_after_burst\":$pool1,\"balloon_after_burst_kib\":$bal1,\"memfree_after_burst_kib\":$free1,\"memfree_kib\":$(meminfo MemFree),\"swapfree_kib\":$(meminfo SwapFree),\"pool_pages\":$(back_stat_sum pool_pages),\"squeezes\":$(($(back_stat_sum squeezes) - sq0)),\"hog_mib\":$HOG_MIB,\"balloon_kib\":$(balloon_kib)}"
	rm -f /run/hog/fill
	sleep 2
}

# Shrink the hog until it fits after a burst with every pool empty
# (max_buffer_pages 0, no squeezing): at most CAL_PPS pages swapped per
# second of its window.  The measured phases then differ from the last
# calibration phase only in what the pools hold.  A step whose rate fell
# to less than half of the one before is measured again at the same size.
hog_calibrate() { # back
	local i prev=
	for i in 1 2 3 4 5 6; do
		phase "$1" 0 0 "$i" cal
		[ "$PH_RATE" -le "$CAL_PPS" ] && return 0
		if [ -n "$prev" ] && [ $((PH_RATE * 2)) -lt "$prev" ]; then
			log "hog: $PH_RATE pages/s swapped with empty pools, down from $prev; measuring $HOG_MIB MiB again"
			prev=$PH_RATE
			continue
		fi
		prev=$PH_RATE
		HOG_MIB=$((HOG_MIB - HOG_STEP))
		log "hog: $PH_RATE pages/s swapped with empty pools; $HOG_MIB MiB now"
	done
	log "hog: still swapping at $HOG_MIB MiB with empty pools"
}

# Does the pool hold dom0 RAM?  Fill the pools without pressure, then trim
# them to zero, reading MemFree and the pool size at each step.
pool_probe() {
	local f0 p0 f1 p1 f2 p2 xs b0 b1 b2
	back_param buffer_squeeze_duration_ms 0
	back_param max_buffer_pages 0
	sleep 2
	sync
	echo 1 >/proc/sys/vm/drop_caches
	f0=$(meminfo MemFree) p0=$(back_stat_sum pool_pages) b0=$(balloon_kib)
	back_param max_buffer_pages 1024
	run_guests probe
	sleep 1
	f1=$(meminfo MemFree) p1=$(back_stat_sum pool_pages) b1=$(balloon_kib)
	back_param max_buffer_pages 0
	# the ring threads trim at least every 100 ms, busy or idle
	sleep 2
	f2=$(meminfo MemFree) p2=$(back_stat_sum pool_pages) b2=$(balloon_kib)
	# unpopulated grant pages live in "Xen scratch" ranges (none if ballooned)
	xs=$(grep -c "Xen scratch" /proc/iomem)
	bench "{\"kind\":\"probe\",\"back\":\"ours\",\"xen_scratch\":$xs,\"balloon_kib\":[$b0,$b1,$b2],\"memfree0_kib\":$f0,\"pool0\":$p0,\"memfree1_kib\":$f1,\"pool1\":$p1,\"memfree2_kib\":$f2,\"pool2\":$p2,\"kib_s\":$RES_KIB}"
}

load_back() { # ours|stock
	lab_reload_back "$1" feature_persistent=0
}

# --- setup ------------------------------------------------------------------
guest_stop "$LAB_DEFAULT_GUEST"
[ -f /lab/mod/xen-blkback.ko ] || skip "our backend module is not in the image"

modprobe virtio_pci && modprobe virtio_blk
swapdev=
if wait_for 15 '[ -b /dev/vda ]'; then
	swapdev=/dev/vda
else
	log "no /dev/vda (virtio swap disk): falling back to zram"
	modprobe zram num_devices=1 || fail "no swap device"
	echo 1G >/sys/block/zram0/disksize
	swapdev=/dev/zram0
fi
mkswap "$swapdev" >/dev/null || fail "mkswap $swapdev"
swapon "$swapdev" || fail "swapon $swapdev"
irqmode=2
[ "$NULL_NSEC" = 0 ] && irqmode=0
modprobe null_blk nr_devices=$((NG * ND)) queue_mode=2 irqmode=$irqmode \
	completion_nsec="$NULL_NSEC" gb=4 memory_backed=0 || fail "cannot load null_blk"
wait_for 10 "[ -b /dev/nullb$((NG * ND - 1)) ]" || fail "null_blk devices missing"

bench "{\"kind\":\"setup\",\"guests\":$NG,\"disks_per_guest\":$ND,\"secs\":$SECS,\"hold\":$HOLD,\"rw\":\"$RW\",\"bs\":\"$BS\",\"qd\":$QD,\"front_params\":\"$FPARAMS\",\"null_nsec\":$NULL_NSEC,\"hog_extra_mib\":$HOG_EXTRA,\"hog_step_mib\":$HOG_STEP,\"cal_pps\":$CAL_PPS,\"swapdev\":\"$swapdev\",\"memtotal_kib\":$(meminfo MemTotal),\"swaptotal_kib\":$(meminfo SwapTotal),\"nproc\":$(nproc),\"kernel\":\"$(uname -r)\"}"

# --- measurements -------------------------------------------------------------
# Per backend, every setting once per round; even rounds run them in the
# reverse order, so a drift over the run (the hog settling, swap filling)
# does not always favour the same settings.
settings=
for sq in $SQUEEZE; do
	for mp in $MAXPAGES; do
		settings="$settings $sq:$mp"
	done
done
reversed=$(echo "$settings" | tr ' ' '\n' | sed '/^$/d' | sed -n '1!G;h;$p' | tr '\n' ' ')
for back in $BACKS; do
	load_back "$back"
	start_guests
	if [ "$back" = ours ]; then
		pool_probe
	fi
	hog_size
	hog_calibrate "$back"
	for round in $(seq 1 "$ROUNDS"); do
		order=$settings
		[ $((round % 2)) = 0 ] && order=$reversed
		for st in $order; do
			phase "$back" "${st%:*}" "${st#*:}" "$round"
		done
	done
	hog_done
	stop_guests
done
lab_unload_back
swapoff "$swapdev"
exit 0
