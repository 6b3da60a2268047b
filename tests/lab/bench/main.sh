#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 1650
#
# make bench, dom0 side: fio on one null_blk device in five configurations,
# in alternating rounds, one lab boot.
#
#   local      fio in dom0 directly on /dev/nullb0 (the limit)
#   stock-on   a guest through Debian's xen-blkfront + xen-blkback
#   ours-on    a guest through our pair
#   stock-off  the stock pair, persistent grants off on both ends
#   ours-off   our pair, persistent grants off on both ends
#   oback-on   the stock frontend on our backend    (not run by default:
#   ofront-on  our frontend on the stock backend     they say which half
#              of our pair makes a difference; oback-off and ofront-off
#              are the same with persistent grants off)
#   alt-on     our pair again, with BENCH_ALT_BACK_PARAMS set in our
#   alt-off    backend (not run by default): an A/B of a run-time
#              parameter against ours-on/ours-off in the same boot
#
# The backing device is null_blk with memory_backed=0: it completes I/O
# without touching data, so what is measured is the drivers' path (grants,
# copies, rings, event channels), not a memcpy that would be the same for
# every configuration and, under TCG, dominate it.
#
# Drivers are swapped inside the boot.  The default guest keeps running;
# for each guest configuration its disks are detached, the frontend is
# unloaded and loaded again (stock: modprobe, ours: insmod /lab/mod/...)
# with max_queues=2 and feature_persistent set, /dev/nullb0 is attached as
# xvdb, the profiles run, and xvdb is detached.  fio with one job is pinned
# to CPU 0 (in the guest and for dom0-local): it then uses one queue, and
# where the scheduler happens to put it (on the CPU that takes the event
# channel's interrupts, or on the other one, which costs an IPI per batch
# of completions) stops being a coin toss that differs between runs.  The
# two-job profile runs one job on each CPU, over both queues.  The backend is swapped
# (rmmod, then modprobe or insmod) only when no vbd exists.  Its
# feature_persistent parameter is set before each attach (both backends
# sample it at connect).
#
# Each round runs every profile in every configuration; the order of the
# three groups (local, stock, ours), of on/off inside a group and of the
# profiles is rotated per round so that drift hits every side alike while
# each round needs at most two backend swaps.
#
# Output: one "lab_out BENCH {json}" line per fact (setup, attach, run);
# scripts/bench/report-main.py turns them into the report.
#
# Tunables (set on the host, passed in by scripts/bench/bench.sh):
# BENCH_ROUNDS (3), BENCH_RUNTIME (5 s), BENCH_RAMP (1 s), BENCH_PROFILES
# and BENCH_CONFIGS (subsets, for a quick try), BENCH_PERF=1 (sample dom0
# and the guest with perf during each measured window and report the
# hottest symbols; the lab then carries perf, see LAB_PERF in run.sh;
# sampling costs CPU, so use it to explain numbers, not to produce them),
# BENCH_IRQ (ring: ring i's interrupt on CPU i, the default; other: on
# CPU i + 1; kernel: where the kernel put it; see pin_irqs),
# BENCH_WARMUP (3 s of unmeasured I/O after each attach, 0: none; see
# warm_up), BENCH_INSN=1 (count the instructions each measured window
# runs, per address, with QEMU's plugin; see insn_setup; BENCH_INSN_PIN=0
# leaves the vCPUs unpinned, as in timed runs, at the cost of the split
# between dom0 and the guest),
# BENCH_OUR_BACK_PARAMS ("NAME=VALUE ..." for our backend's run-time
# parameters; see our_back_params), BENCH_ALT_BACK_PARAMS (the same for
# the alt configurations), BENCH_GUEST_SCHED (the I/O scheduler written to
# the guest's xvdb after each attach, e.g. none or mq-deadline; unset: the
# one the kernel chose for the frontend's queues, recorded either way),
# BENCH_MAX_QUEUES (the frontends' max_queues, 2; with 1 the kernel gives
# the single queue an I/O scheduler, and rr4k2q's two jobs share it),
# BENCH_FIO_CLOCK (cpu: fio reads the TSC, the x86 default; fio: fio's
# own choice, the arm64 default; see scripts/bench/bench.sh), BENCH_FIO_EXTRA
# (more fio options for every measured and counting run; both recorded in
# the setup's fio_params).
. /lab/tests/test_common.sh

ROUNDS=${BENCH_ROUNDS:-3}
RT=${BENCH_RUNTIME:-5}
RAMP=${BENCH_RAMP:-1}
if [ "${LAB_ARCH:-x86}" = arm64 ]; then
	# Xen/ARM (make bench ARCH=arm64 [GUEST_PAGES=64k]): the question
	# there is what the frontend does with the guest's pages, so each
	# frontend runs on each backend, persistent grants on; the slower
	# emulation leaves time for five profiles.
	PROFILES=${BENCH_PROFILES:-"rr4k rw4k rr64k sr1m sw1m"}
	CONFIGS=${BENCH_CONFIGS:-"local ours-on oback-on stock-on ofront-on"}
else
	PROFILES=${BENCH_PROFILES:-"rr4k rw4k rr64k sr1m sw1m rr4k2q"}
	CONFIGS=${BENCH_CONFIGS:-"local stock-on stock-off ours-on ours-off"}
fi
G=$LAB_DEFAULT_GUEST
PERF=${BENCH_PERF:-0}
INSN=${BENCH_INSN:-0}
IRQ=${BENCH_IRQ:-ring}
GSCHED=${BENCH_GUEST_SCHED:-}
MAXQ=${BENCH_MAX_QUEUES:-2}
FIO_EXTRA=${BENCH_FIO_EXTRA:-}
# fio's clock (BENCH_FIO_CLOCK, chosen in scripts/bench/bench.sh): cpu,
# the TSC, as fio reads it on a host with an invariant TSC.
[ "${BENCH_FIO_CLOCK:-fio}" = cpu ] && FIO_EXTRA="--clocksource=cpu${FIO_EXTRA:+ $FIO_EXTRA}"
WARM=${BENCH_WARMUP:-3}
GT=$((RT + RAMP + 120))	# bound for one command in the guest
DEV0=/dev/nullb0
VDEV=$(xvd_num b)
T0=$(date +%s)
bad=0

[ "$LAB_BACK" = ours ] && [ "$LAB_FRONT" = ours ] ||
	fail "run the lab with FRONT=ours BACK=ours: both builds must be in the images"
[ -f /lab/mod/xen-blkback.ko ] || fail "our backend module is missing"

# profile NAME -> "rw bs iodepth jobs queues"
profile() {
	case "$1" in
	rr4k) echo "randread 4k 32 1 1" ;;
	rw4k) echo "randwrite 4k 32 1 1" ;;
	rr64k) echo "randread 64k 16 1 1" ;;
	sr1m) echo "read 1M 4 1 1" ;;
	sw1m) echo "write 1M 4 1 1" ;;
	rr4k2q) echo "randread 4k 16 2 2" ;;
	*) return 1 ;;
	esac
}

jstr() { # text -> JSON string
	printf '"%s"' "$(printf '%s' "$*" | tr -d '\n\r' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

emit() { # key-value JSON body (without braces)
	lab_out "BENCH {$*,\"t\":$(($(date +%s) - T0))}"
}

setup() { # name value
	emit "\"k\":\"setup\",\"name\":$(jstr "$1"),\"value\":$(jstr "$2")"
}

problem() {
	log "PROBLEM: $*"
	emit "\"k\":\"problem\",\"what\":$(jstr "$*")"
	bad=$((bad + 1))
}

# Run CMD in the guest; its output (first 1000 bytes) is printed here.
gout() {
	local rc id
	guest_run -t "$GT" "$G" "( $* ) >/tmp/gout 2>&1; rc=\$?;
		xenstore-write data/lab/bench \"\$(head -c 1000 /tmp/gout)\"; exit \$rc"
	rc=$?
	id=$(domid "$G")
	xenstore-read "/local/domain/$id/data/lab/bench" 2>/dev/null
	return $rc
}

# Events of the blkif event channels (either driver names them "blkif...")
# and IPIs (resched, callfunc) this kernel took so far: "events ipis".
IRQ_PROG='/blkif/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) e += $i }
/resched|callfunc/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) p += $i }
END { print e + 0, p + 0 }'
IRQ_CNT="awk '$IRQ_PROG' /proc/interrupts"

# Our frontend's interrupts and spurious interrupts (no response to
# take) over all rings of all its devices so far, from debugfs: "irqs
# spurious" (0 0 for the stock frontend and in dom0).
FE_CNT="cat /sys/kernel/debug/xen-blkfront/*/rings 2>/dev/null | awk '{
for (n = 1; n < NF; n++) { if (\$n == \"irqs\") i += \$(n + 1); if (\$n == \"spurious\") s += \$(n + 1) } }
END { print i + 0, s + 0 }'"

# fio command for profile $1 on device $2; prints
# "rc;error;rbw;riops;rlat;wbw;wiops;wlat;usr;sys;ctxt;intr;evt;ipi;firq;fspur;
# rmax;rp50;rp99;rp999;wmax;wp50;wp99;wp999"
# (KiB/s, IOPS, usec, %, and the context switches, interrupts, blkif
# events and IPIs of the kernel fio ran on, the guest's or dom0's, and our
# frontend's interrupts and spurious ones, during the whole fio run; then
# fio's completion latency, usec: the longest, the median, the 99th and the
# 99.9th percentile, for reads and for writes).
fio_cmd() {
	local rw bs qd jobs q extra=
	# shellcheck disable=SC2046
	set -- "$2" $(profile "$1")
	rw=$2 bs=$3 qd=$4 jobs=$5
	extra="--cpus_allowed=0"
	[ "$jobs" -gt 1 ] && extra="--cpus_allowed=0-1 --cpus_allowed_policy=split"
	[ -n "$FIO_EXTRA" ] && extra="$extra $FIO_EXTRA"
	echo "set -- \$(awk '/^(ctxt|intr) / {print \$2}' /proc/stat); i0=\$1 c0=\$2; \
set -- \$($IRQ_CNT); e0=\$1 p0=\$2; \
set -- \$($FE_CNT); f0=\$1 s0=\$2; \
fio --name=b --filename=$1 --ioengine=libaio --direct=1 --rw=$rw --bs=$bs \
--iodepth=$qd --numjobs=$jobs $extra --group_reporting --time_based --runtime=$RT \
--ramp_time=$RAMP --norandommap --randrepeat=0 --output-format=terse \
--terse-version=3 >/tmp/b.out 2>&1; rc=\$?; \
set -- \$(awk '/^(ctxt|intr) / {print \$2}' /proc/stat); i1=\$1 c1=\$2; \
set -- \$($FE_CNT); f1=\$1 s1=\$2; \
set -- \$($IRQ_CNT); \
echo \"\$rc;\$(grep '^3;' /tmp/b.out | tail -1 | cut -d';' -f5,7,8,40,48,49,81,88,89);\$((c1 - c0));\$((i1 - i0));\$((\$1 - e0));\$((\$2 - p0));\$((f1 - f0));\$((s1 - s0));\
\$(grep '^3;' /tmp/b.out | tail -1 | cut -d';' -f15,24,30,32,56,65,71,73 | sed 's/[^;=]*=//g')\""
}

STATS="rd_req wr_req oo_req grants_mapped grants_unmapped persistent_grants \
pgrant_hits pgrant_misses grants_purged pool_pages squeezes unmaps_deferred poll_hits poll_misses"
# A snapshot as a JSON object: dom0's uptime, the backend's statistics and
# late-EOI counters if DIR is given and:
#   stats  nothing more (before fio starts);
#   cheap  dom0's /proc/stat (cpu line, context switches, interrupts) and
#          IRQ_CNT's blkif events and IPIs (one fork:
#          taken inside the measured window, where dom0 must do nothing
#          but serve the guest);
#   full   cheap, plus the CPU seconds Xen accounted to dom0's and the
#          guest's vCPUs (xl vcpu-list) and the ticks of the backend's ring
#          threads (named "<domid>.<device>-<queue>" by both backends;
#          ours were "blkback.<domid>.<vdev>-<queue>" before 2929578).
#          Seconds of dom0 CPU under TCG, so only before and after fio
#          runs.
snap() { # stats|cheap|full [statistics directory]
	local out s f v up l
	read -r up v </proc/uptime
	out="\"up\":$up"
	if [ "$1" = full ]; then
		out="$out,$(xl vcpu-list 2>/dev/null | awk -v g="$G" '
			$1 == "Domain-0" { d += $6 } $1 == g { u += $6 }
			END { printf "\"d0\":%.1f,\"du\":%.1f", d, u }')"
		out="$out,\"bk\":$(cat /proc/[0-9]*/stat 2>/dev/null |
			awk '$2 ~ /^\((blkback\.|[0-9]+\.xvd)/ { t += $14 + $15 }
			END { print t + 0 }')"
	fi
	if [ "$1" != stats ]; then
		read -r v l </proc/stat
		out="$out,\"cpu\":\"$l\""
		while read -r s v f; do
			case "$s" in
			ctxt | intr) out="$out,\"$s\":$v" ;;
			esac
		done </proc/stat
		set -- "$1" "${2:-}" $(eval "$IRQ_CNT")
		out="$out,\"evt\":$3,\"ipi\":$4"
	fi
	# read, not $(cat): no fork per file inside the measured window
	for s in $STATS; do
		f=${2:-/nonexistent}/$s
		[ -r "$f" ] && read -r v <"$f" && out="$out,\"$s\":$v"
	done
	# The xenbus core's late-EOI counters of the device (either backend):
	# events that found no work, and jiffies their EOI was held back.
	for s in spurious_events jiffies_eoi_delayed; do
		f=${2%/statistics}/xenbus/$s
		[ -n "${2:-}" ] && [ -r "$f" ] && read -r v <"$f" && out="$out,\"$s\":$v"
	done
	echo "{$out}"
}

back_kind() { # ours (out-of-tree taint) or stock
	case "$(cat /sys/module/xen_blkback/taint 2>/dev/null)" in
	*O*) echo ours ;;
	*) echo stock ;;
	esac
}

no_vbd() {
	! ls /sys/bus/xen-backend/devices 2>/dev/null | grep -q '^vbd-'
}

# BENCH_OUR_BACK_PARAMS="NAME=VALUE ...": our backend's run-time module
# parameters, set each time it is put in place (an experiment's knob, e.g.
# poll_us=20); the stock backend keeps its defaults.  The alt
# configurations set BENCH_ALT_BACK_PARAMS instead; a parameter that only
# one of the two lists names gets, in the other's configurations, the
# value it had when our backend was first loaded.
BACK_DEFAULTS=
our_back_params() { # ours|alt
	local kv n v list=${BENCH_OUR_BACK_PARAMS:-}
	[ "$1" = alt ] && list=${BENCH_ALT_BACK_PARAMS:-}
	if [ -z "$BACK_DEFAULTS" ]; then
		BACK_DEFAULTS=-
		for kv in ${BENCH_OUR_BACK_PARAMS:-} ${BENCH_ALT_BACK_PARAMS:-}; do
			n=${kv%%=*}
			BACK_DEFAULTS="$BACK_DEFAULTS $n=$(back_param "$n")" ||
				fail "our backend has no parameter $n"
		done
	fi
	for kv in $BACK_DEFAULTS $list; do
		[ "$kv" = - ] && continue
		n=${kv%%=*} v=${kv#*=}
		back_param "$n" "$v" ||
			fail "cannot set our backend's $n to $v"
	done
}

use_back() { # ours|stock [alt: our backend with the alt parameters]
	local t
	if [ -d /sys/module/xen_blkback ] && [ "$(back_kind)" = "$1" ]; then
		[ "$1" = ours ] && our_back_params "${2:-ours}"
		return 0
	fi
	t=$(date +%s)
	wait_for 60 no_vbd || fail "a vbd is still present; cannot swap the backend"
	lab_reload_back "$1"
	[ "$(back_kind)" = "$1" ] || fail "loaded backend is not $1"
	[ "$1" = ours ] && our_back_params "${2:-ours}"
	emit "\"k\":\"swap\",\"side\":\"back\",\"to\":\"$1\",\"srcversion\":$(jstr "$(cat /sys/module/xen_blkback/srcversion 2>/dev/null)"),\"secs\":$(($(date +%s) - t))"
}

# Load frontend KIND in the guest with QUEUES and PERSISTENT (1/0).  If
# that frontend is loaded already with QUEUES, only its feature_persistent
# parameter is written (both frontends sample it at connect).
use_front() {
	local kind=$1 q=$2 p=$3 taint
	taint=$(gout "m=/sys/module/xen_blkfront; k=stock;
		case \"\$(cat \$m/taint 2>/dev/null)\" in *O*) k=ours ;; esac;
		if [ -d \$m ] && [ \$k = $kind ] &&
		   [ \"\$(cat \$m/parameters/max_queues)\" = $q ] &&
		   echo $p >\$m/parameters/feature_persistent; then :;
		else
			if [ -d \$m ]; then rmmod xen_blkfront || exit 1; fi;
			sh /lab/guest/load_front $kind max_queues=$q feature_persistent=$p || exit 2;
		fi;
		echo taint=\$(cat \$m/taint)") ||
		fail "loading the $kind frontend in the guest failed: $taint"
	case "$kind:$taint" in
	ours:*O* | stock:taint=) ;;
	*) fail "guest frontend is not $kind ($taint)" ;;
	esac
}

attach() {
	local id be
	xl block-attach "$G" "phy:$DEV0,xvdb,w" || fail "block-attach failed"
	id=$(domid "$G")
	be=/local/domain/0/backend/vbd/$id/$VDEV
	wait_for 60 "[ \"\$(xenstore-read $be/state 2>/dev/null)\" = 4 ]" ||
		fail "backend did not connect"
	gout 'i=0; while [ ! -b /dev/xvdb ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done;
		test -b /dev/xvdb' >/dev/null || fail "xvdb did not appear in the guest"
}

# The guest's I/O scheduler on xvdb: BENCH_GUEST_SCHED if set, and what
# it is (the kernel's default for a queue depends on its number of
# hardware queues and the driver's flags).
guest_sched() { # config
	local out
	if [ -n "$GSCHED" ]; then
		gout "echo $GSCHED >/sys/block/xvdb/queue/scheduler" >/dev/null ||
			problem "$1: setting the guest's scheduler to $GSCHED failed"
	fi
	out=$(gout 'cat /sys/block/xvdb/queue/scheduler')
	emit "\"k\":\"sched\",\"c\":\"$1\",\"value\":$(jstr "$out")"
}

# Put each ring's interrupt on the CPU whose I/O it carries (ring i on
# CPU i; blk-mq maps CPU i to queue i) in the guest, and record where the
# kernel had put them.  Xen binds a new event channel to the vCPU with the
# fewest channels at that moment, which depends on every other channel
# the guest holds, not on the frontend: the placement is stated here
# rather than inherited.  Rings are taken in IRQ number order (allocated
# in ring order); ours also name theirs "blkif-<dev>-<n>".
# BENCH_IRQ=other puts ring i on CPU i + 1 instead, BENCH_IRQ=kernel leaves
# them where they were (both only to measure what placement does).
pin_irqs() { # config
	local out off=0
	case "$IRQ" in kernel) off= ;; other) off=1 ;; esac
	out=$(gout 'n=$(grep -c ^processor /proc/cpuinfo); i=0; m=; s='"$off"';
		for q in $(awk "/blkif/ { sub(\":\", \"\", \$1); print \$1 }" /proc/interrupts | sort -n); do
			was=$(cat /proc/irq/$q/effective_affinity_list);
			if [ -n "$s" ]; then
				echo $(((i + s) % n)) >/proc/irq/$q/smp_affinity_list || exit 1;
			fi;
			m="$m $q:$(awk -v q="$q:" "\$1 == q { print \$NF }" /proc/interrupts):$was>$(cat /proc/irq/$q/effective_affinity_list)";
			i=$((i + 1));
		done; echo $m') || problem "$1: pinning the ring interrupts failed: $out"
	emit "\"k\":\"irqs\",\"c\":\"$1\",\"map\":$(jstr "$out")"
}

detach() {
	local id
	id=$(domid "$G")
	xl block-detach "$G" xvdb || fail "block-detach failed"
	gout 'i=0; while [ -e /sys/block/xvdb ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done;
		! test -e /sys/block/xvdb' >/dev/null || fail "xvdb still in the guest"
	wait_for 60 "[ ! -e /sys/bus/xen-backend/devices/vbd-$id-$VDEV ]" ||
		fail "backend device still present after detach"
}

# Record what the two ends negotiated and check it is what we asked for.
check_negotiated() { # config queues persistent
	local id be fe bp fp nq rpo
	id=$(domid "$G")
	be=/local/domain/0/backend/vbd/$id/$VDEV
	fe=/local/domain/$id/device/vbd/$VDEV
	bp=$(xenstore-read "$be/feature-persistent" 2>/dev/null)
	fp=$(xenstore-read "$fe/feature-persistent" 2>/dev/null)
	nq=$(xenstore-read "$fe/multi-queue-num-queues" 2>/dev/null || echo 1)
	rpo=$(xenstore-read "$fe/ring-page-order" 2>/dev/null || echo 0)
	emit "\"k\":\"attach\",\"c\":\"$1\",\"q\":$2,\"back_persistent\":$(jstr "$bp"),\"front_persistent\":$(jstr "$fp"),\"queues\":$(jstr "$nq"),\"ring_page_order\":$(jstr "$rpo"),\"back_max_indirect\":$(jstr "$(xenstore-read "$be/feature-max-indirect-segments" 2>/dev/null)")"
	[ "$nq" = "$2" ] || problem "$1: $nq queues negotiated, wanted $2"
	[ "$bp" = "$3" ] && [ "$fp" = "$3" ] ||
		problem "$1: persistent back=$bp front=$fp, wanted $3"
}

# perf: sample every CPU of this kernel for $1 seconds into $2, from now.
PERF_REC="perf record -q -a -g -F 250 -e cpu-clock"
# The hottest symbols of a perf.data with the share of samples in them and
# their callees ("children", so that idle, the ring thread or the queue_rq
# path each show as a whole) and in them alone: "children self kind symbol".
PERF_TOP="perf report -i /tmp/perf.data --stdio --children -g none --sort sym --percent-limit 1 2>/dev/null | sed -n 's/^ *\\([0-9.]*\\)% *\\([0-9.]*\\)%  *\\[\\(.\\)\\] \\(.*\\)/\\1 \\2 \\3 \\4/p' | head -50"

perf_emit() { # round config profile side < "children self kind symbol" lines
	local pct self kind sym
	while read -r pct self kind sym; do
		[ -n "$sym" ] || continue
		emit "\"k\":\"perf\",\"r\":$1,\"c\":\"$2\",\"p\":\"$3\",\"side\":\"$4\",\"pct\":$pct,\"self\":$self,\"kind\":$(jstr "$kind"),\"sym\":$(jstr "$sym")"
	done
}

# The guest's profile, read back in pieces (gout returns 1000 bytes, with
# its newlines escaped by xenstore-read).
perf_guest() { # round config profile
	local from=1
	gout "$PERF_TOP >/tmp/perf.top" >/dev/null
	while [ $from -le 50 ]; do
		gout "sed -n '$from,$((from + 9))p' /tmp/perf.top" |
			awk '{ gsub(/\\n/, "\n"); print }' | perf_emit "$@" guest
		from=$((from + 10))
	done
}

# One measurement: run NAME's fio in config C, round R.
run_one() { # round config profile
	local r=$1 c=$2 p=$3 sd= s0 s1 s2 s3 res pid pw gp
	[ "$c" = local ] || sd=$(backend_dir "$G" "$VDEV")/statistics
	s0=$(snap full $sd)
	pw=$((RT > 4 ? RT - 3 : 1))	# the measured window, inside fio's
	gp=
	[ "$PERF" = 1 ] && [ "$c" != local ] &&
		gp="(sleep $((RAMP + 2)); $PERF_REC -o /tmp/perf.data -- sleep $pw) >/dev/null 2>&1 & "
	if [ "$c" = local ]; then
		sh -c "$(fio_cmd "$p" $DEV0)" >/tmp/bench.res &
	else
		gout "$gp$(fio_cmd "$p" /dev/xvdb); wait" >/tmp/bench.res &
	fi
	pid=$!
	# The window: from when the ramp should be over (the guest starts fio
	# up to a second after we ask) to well before fio ends, so that the
	# CPU and counters in it are all spent while I/O runs.
	sleep $((RAMP + 2))
	s1=$(snap cheap $sd)
	if [ "$PERF" = 1 ]; then
		$PERF_REC -o /tmp/perf.data -- sleep $pw >/dev/null 2>&1
	elif [ "$INSN" = 1 ]; then
		# the counted window's own length, read at the markers
		INSN_T0=$($INSN_MARK start)
		sleep $pw
		INSN_T1=$($INSN_MARK stop $WIN)
	else
		sleep $pw
	fi
	s2=$(snap cheap $sd)
	wait $pid
	s3=$(snap full $sd)
	res=$(cat /tmp/bench.res)
	case "$res" in
	0\;0\;*) ;;
	*) problem "fio $p in $c round $r: '$res'" ;;
	esac
	emit "\"k\":\"run\",\"r\":$r,\"c\":\"$c\",\"p\":\"$p\",\"fio\":$(jstr "$res"),\"s0\":$s0,\"s1\":$s1,\"s2\":$s2,\"s3\":$s3"
	if [ "$PERF" = 1 ]; then
		sh -c "$PERF_TOP" | perf_emit "$r" "$c" "$p" dom0
		[ "$c" = local ] || perf_guest "$r" "$c" "$p"
	fi
	[ "$INSN" = 1 ] && insn_window "$r" "$c" "$p"
}

# --- instructions per window (BENCH_INSN=1) ---
# scripts/bench/bench.sh loads QEMU's plugin (scripts/bench/insn-plugin.c),
# puts its marker program at INSN_MARK and gives dom0 a virtio disk.  The
# plugin counts the instructions every emulated CPU runs, per translated
# block's address, between "insn-mark start" and "insn-mark stop K" (the
# measured window of run K).  Addresses alone cannot tell dom0's kernel
# from the guest's (the same kernel at the same addresses), the emulated
# CPUs can: dom0's vCPUs are pinned to CPU 0 and the guest's to CPU 1.
# What the host needs to name the addresses goes to the virtio disk as a
# tar file at the end: dom0's kernel symbols (once), and per window the
# text symbols and the place of the modules it runs (kallsyms,
# /proc/modules) and the guest's frontend's text address and place (the
# host reads that module's symbols from its .ko).
INSN_MARK=/lab/bin/insn-mark
INSN_DIR=/tmp/insn
WIN=0

insn_setup() {
	[ "$INSN" = 1 ] || return 0
	[ -x "$INSN_MARK" ] || fail "BENCH_INSN=1 but $INSN_MARK is missing"
	modprobe virtio_pci && modprobe virtio_blk
	wait_for 15 '[ -b /dev/vda ]' || fail "BENCH_INSN=1 but no /dev/vda"
	mkdir -p $INSN_DIR
	awk 'NF == 3 && $2 ~ /^[tTwW]$/' /proc/kallsyms >$INSN_DIR/kallsyms
	if [ "${BENCH_INSN_PIN:-1}" = 0 ]; then
		setup insn "instructions counted per address by QEMU's plugin in each measured window; vCPUs not pinned (as in the timed runs): the sides are emulated CPUs, not domains"
		return 0
	fi
	xl vcpu-pin Domain-0 all 0 && xl vcpu-pin "$G" all 1 ||
		fail "pinning dom0 to CPU 0 and the guest to CPU 1 failed"
	setup insn "instructions counted per address by QEMU's plugin in each measured window; dom0's vCPUs pinned to CPU 0, the guest's to CPU 1"
}

insn_window() { # round config profile
	local g=
	awk '$2 ~ /^[tT]$/ && ($4 == "[xen_blkback]" || $4 == "[null_blk]")' \
		/proc/kallsyms >$INSN_DIR/mods-$WIN
	grep -E '^(xen_blkback|null_blk) ' /proc/modules >$INSN_DIR/ranges-$WIN
	[ "$2" = local ] ||
		g=$(gout 'm=/sys/module/xen_blkfront; k=stock;
			case "$(cat $m/taint)" in *O*) k=ours ;; esac;
			echo $k $(cat $m/sections/.text) $(awk "\$1 == \"xen_blkfront\" { print \$6, \$2 }" /proc/modules) $(grep -m1 " _text$" /proc/kallsyms)')
	emit "\"k\":\"insn\",\"win\":$WIN,\"r\":$1,\"c\":\"$2\",\"p\":\"$3\",\"back\":\"$(back_kind)\",\"guest\":$(jstr "$g"),\"t0\":${INSN_T0:-0},\"t1\":${INSN_T1:-0}"
	WIN=$((WIN + 1))
}

# The symbols for the host, on the virtio disk, as one tar file.
insn_finish() {
	[ "$INSN" = 1 ] || return 0
	tar cf /dev/vda -C /tmp insn || problem "writing the symbols for insn counts failed"
	sync
}

rotate() { # n words... -> the words rotated left by n
	local n=$1 i=0 w head= tail=
	shift
	n=$((n % $#))
	for w in "$@"; do
		if [ $i -lt $n ]; then head="$head $w"; else tail="$tail $w"; fi
		i=$((i + 1))
	done
	echo $tail $head
}

has() { # word list...
	local w=$1
	shift
	case " $* " in *" $w "*) return 0 ;; esac
	return 1
}

# Before the first measured run of an attach: 1 MiB reads at QD4 on both
# queues for WARM seconds, not measured.  A frontend grants a page of its
# pool the first time it needs it and a persistent backend maps each grant
# once; this touches more of each ring's pool than any profile needs
# (1 MiB = 256 segments, 4 in flight), so the measured windows see the
# steady state rather than a profile's first use of pages (64 KiB random
# reads at QD16 kept taking new ones for the whole 5 s run).  Those first
# maps still count in the report's "whole run" column of the first run.
warm_up() { # config
	local out
	[ "$WARM" -gt 0 ] || return 0
	out=$(gout "fio --name=w --filename=/dev/xvdb --ioengine=libaio --direct=1 \
--rw=read --bs=1M --iodepth=4 --numjobs=2 --cpus_allowed=0-1 \
--cpus_allowed_policy=split --time_based --runtime=$WARM --output-format=terse \
--terse-version=3 >/tmp/w.out 2>&1 || { tail -3 /tmp/w.out; exit 1; }") ||
		problem "$1: warm-up fio failed: $out"
}

# The guest's free memory in KiB, page cache dropped first.
guest_memfree() {
	gout "sync; echo 3 >/proc/sys/vm/drop_caches;
		sed -n 's/^MemFree: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo"
}

# What one attach cost the guest and carried on the ring, from its start
# to now (warm-up included): the guest's MemFree drop since MEM0 (the
# frontend's pool, for any frontend), our frontend's own counters
# (requests, grant-sized chunks carrying data, grants reserved, pool
# bytes) and our backend's (requests, and grants used: persistent hits and
# misses, or mapped ones), so the grants per request of either frontend
# are counted the same way wherever our backend serves it.
front_figures() { # round config front back mem0
	local r=$1 c=$2 fk=$3 bk=$4 m0=$5 m1 fe='{}' be='{}' d s v out
	m1=$(guest_memfree)
	case "$m0$m1" in
	*[!0-9]* | "") problem "$c: could not read the guest's MemFree ($m0, $m1)"; return ;;
	esac
	if [ "$fk" = ours ]; then
		d=/sys/bus/xen/devices/vbd-$VDEV/blkfront
		out=$(gout "cd $d && echo \$(cat rw_requests rw_data_grants rw_grants_reserved pool_bytes indirect_segments)")
		set -- $out
		if [ $# = 5 ]; then
			fe="{\"requests\":$1,\"data_grants\":$2,\"grants_reserved\":$3,\"pool_bytes\":$4,\"indirect_segments\":$5}"
		else
			problem "$c: our frontend's figures are unreadable: $out"
		fi
	fi
	if [ "$bk" = ours ]; then
		d=$(backend_dir "$G" "$VDEV")/statistics
		out=
		for s in rd_req wr_req pgrant_hits pgrant_misses grants_mapped persistent_grants; do
			read -r v 2>/dev/null <"$d/$s" || v=null
			out="$out,\"$s\":$v"
		done
		be="{${out#,}}"
	fi
	emit "\"k\":\"front\",\"r\":$r,\"c\":\"$c\",\"page\":${LAB_GUEST_PAGE_SIZE:-4096},\"memfree_drop_kib\":$((m0 - m1)),\"fe\":$fe,\"be\":$be"
}

# --- grant operations and notifications per request (BENCH_COUNT) ---
# The calls that cost a hypercall or an event on this path, counted with
# kprobes and histogram triggers (counted in the kernel, nothing written
# to the trace buffer) in a short extra fio run per profile and
# configuration, in the first round only, right after that profile's
# timed run and outside every measured window: in dom0 gnttab_map_refs() and gnttab_unmap_refs() (one
# GNTTABOP_map_grant_ref / GNTTABOP_unmap_grant_ref hypercall per call,
# the grants of the call summed as "ops") and notify_remote_via_irq() (the
# backend's notifications, an EVTCHNOP_send each); in the guest
# notify_remote_via_irq() (the frontend's kicks; a frontend's grants cost
# no hypercall).  Both backends and both frontends use these calls, so
# every configuration is counted alike.  BENCH_COUNT=0 leaves it out,
# BENCH_COUNT_RUNTIME (3 s) sets the run's length.
COUNT=${BENCH_COUNT:-1}
CRT=${BENCH_COUNT_RUNTIME:-3}
case "${LAB_ARCH:-x86}" in
arm64) ARG4=%x3 ;;
*) ARG4=%cx ;;
esac
# Shell text (run in dom0 and in the guest) that finds tracefs as $T.
KP_T='T=/sys/kernel/tracing; [ -e $T/kprobe_events ] ||
	mount -t tracefs nodev $T 2>/dev/null; [ -e $T/kprobe_events ] ||
	T=/sys/kernel/debug/tracing'
# The trigger of probe NAME: calls counted, and the grants (n) summed.
kp_trig() {
	case "$1" in
	notify) echo 'hist:keys=common_pid:vals=hitcount' ;;
	*) echo 'hist:keys=common_pid:vals=hitcount,n' ;;
	esac
}
# Shell text for dom0 or the guest.  kp_define "NAME FUNCTION [FETCHARG]"...
# defines the probes (once per boot), kp_arm and kp_disarm NAME... start and
# stop counting (disarming drops the counts), kp_read NAME... prints "calls
# grants" per probe, in order.
kp_define() {
	local d
	echo "$KP_T; [ -e \$T/kprobe_events ] || exit 1"
	for d in "$@"; do
		# shellcheck disable=SC2086
		set -- $d
		echo "[ -d \$T/events/xbcount/$1 ] || echo 'p:xbcount/$1 $2 ${3:-}' >>\$T/kprobe_events || exit 1"
	done
}
kp_arm() {
	local n
	echo "$KP_T"
	for n in "$@"; do
		echo "echo '$(kp_trig "$n")' >\$T/events/xbcount/$n/trigger || exit 1"
	done
}
kp_disarm() {
	local n
	echo "$KP_T"
	for n in "$@"; do
		echo "echo '!$(kp_trig "$n")' >\$T/events/xbcount/$n/trigger"
	done
}
kp_read() {
	local n
	echo "$KP_T; r="
	for n in "$@"; do
		echo "r=\"\$r \$(awk '/hitcount:/ { for (i = 1; i < NF; i++) { if (\$i == \"hitcount:\") h += \$(i + 1); if (\$i == \"n:\") s += \$(i + 1) } } END { print h + 0, s + 0 }' \$T/events/xbcount/$n/hist)\""
	done
	echo 'echo $r'
}
D0_PROBES="gmap gunmap notify"
GU_PROBES="notify"

count_setup() {
	local out gu="; guest notify_remote_via_irq"
	[ "$COUNT" = 1 ] || return 0
	out=$(sh -c "$(kp_define "gmap gnttab_map_refs n=$ARG4:u32" \
		"gunmap gnttab_unmap_refs n=$ARG4:u32" \
		"notify notify_remote_via_irq")" 2>&1) ||
		{ problem "dom0: kprobes for counting not available: $out"; COUNT=0; return; }
	# A guest kernel without kprobe events or histogram triggers (the
	# arm64 lab's own build) leaves the frontend's kicks uncounted; its
	# blkif events are still counted from fio's run.
	if ! out=$(gout "$(kp_define "notify notify_remote_via_irq")"); then
		GU_PROBES= gu="; nothing in the guest (its kernel has no kprobe events: $out)"
	fi
	setup counting "kprobes with histogram triggers, ${CRT} s of fio per profile and configuration in round 0, outside the measured windows: dom0 gnttab_map_refs/gnttab_unmap_refs (calls = hypercalls, and grants) and notify_remote_via_irq$gu"
}

# One counting run of profile P in config C (attached, after its timed
# runs): a "count" record with the backend's requests, the calls and
# grants of each probe on both sides and the events each side took.
count_one() { # config profile
	local c=$1 p=$2 sd s0 s1 e0 e1 d g res rt=$RT ramp=$RAMP
	sd=$(backend_dir "$G" "$VDEV")/statistics
	sh -c "$(kp_arm $D0_PROBES)" >/dev/null 2>&1 &&
		{ [ -z "$GU_PROBES" ] || gout "$(kp_arm $GU_PROBES)" >/dev/null; } ||
		{ problem "$c $p: arming the counting probes failed"; return; }
	s0=$(snap stats $sd)
	e0=$(eval "$IRQ_CNT")
	RT=$CRT RAMP=0
	res=$(gout "$(fio_cmd "$p" /dev/xvdb)")
	RT=$rt RAMP=$ramp
	e1=$(eval "$IRQ_CNT")
	s1=$(snap stats $sd)
	d=$(sh -c "$(kp_read $D0_PROBES)")
	# "null 0": the guest's kicks, when its kernel cannot count them
	g="null 0"
	if [ -n "$GU_PROBES" ]; then
		g=$(gout "$(kp_read $GU_PROBES)")
		gout "$(kp_disarm $GU_PROBES)" >/dev/null
	fi
	sh -c "$(kp_disarm $D0_PROBES)" >/dev/null 2>&1
	case "$res" in
	0\;0\;*) ;;
	*) problem "counting fio $p in $c: '$res'"; return ;;
	esac
	# shellcheck disable=SC2086
	set -- $d $g ${e0% *} ${e1% *}
	[ $# = 10 ] || { problem "$c $p: unreadable counts: $d / $g"; return; }
	emit "\"k\":\"count\",\"c\":\"$c\",\"p\":\"$p\",\"secs\":$CRT,\"fio\":$(jstr "$res"),\"s0\":$s0,\"s1\":$s1,\"d0\":{\"gmap_calls\":$1,\"gmap_grants\":$2,\"gunmap_calls\":$3,\"gunmap_grants\":$4,\"notify\":$5,\"evt\":$((${10} - $9))},\"gu\":{\"notify\":$7}"
}

run_guest_config() { # round config
	local r=$1 c=$2 fk bk pers p m0 set=ours
	case "${c%-*}" in
	oback) fk=stock bk=ours ;;
	ofront) fk=ours bk=stock ;;
	alt) fk=ours bk=ours set=alt ;;
	*) fk=${c%-*} bk=${c%-*} ;;
	esac
	case "${c#*-}" in on) pers=1 ;; *) pers=0 ;; esac
	use_back "$bk" "$set"
	back_param feature_persistent "$pers"
	use_front "$fk" "$MAXQ" "$pers"
	m0=$(guest_memfree)
	attach
	check_negotiated "$c" "$MAXQ" "$pers"
	guest_sched "$c"
	pin_irqs "$c"
	warm_up "$c"
	for p in $(rotate "$r" $PROFILES); do
		run_one "$r" "$c" "$p"
		# Right after the profile's own timed run: what is counted
		# is that profile in its steady state.  Counted after every
		# profile had run, a persistent cache had meanwhile dropped
		# the grants the other profiles left idle for
		# persistent_grant_unused_seconds, and the count was mostly
		# their mapping again (0.29 per request on sr1m).
		if [ "$COUNT" = 1 ] && [ "$r" = 0 ]; then
			count_one "$c" "$p"
		fi
	done
	front_figures "$r" "$c" "$fk" "$bk" "$m0"
	detach
}

# --- setup: the facts the report states ---
modprobe null_blk nr_devices=1 gb=4 memory_backed=0 submit_queues=2 ||
	fail "modprobe null_blk failed"
[ -b $DEV0 ] || fail "$DEV0 missing"
# the default guest's disk goes, so that the backend can be swapped
id=$(domid "$G")
if [ -e "/sys/bus/xen-backend/devices/vbd-$id-$(xvd_num a)" ]; then
	xl block-detach "$G" xvda || fail "detaching the default guest's xvda failed"
	wait_for 60 no_vbd || fail "xvda's backend did not go away"
fi
setup dom0_cpu "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
setup dom0_vcpus "$(grep -c ^processor /proc/cpuinfo)"
setup dom0_mem_kib "$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
setup dom0_kernel "$(uname -r) $(cat /proc/version | cut -d' ' -f3-)"
setup xen_version "$(xl info | sed -n 's/^xen_version *: //p')"
setup xen_pcpus "$(xl info | sed -n 's/^nr_cpus *: //p')"
setup xen_total_mem_mib "$(xl info | sed -n 's/^total_memory *: //p')"
setup xen_scheduler "$(xl info | sed -n 's/^xen_scheduler *: //p')"
setup fio_version "$(fio --version)"
setup backing "null_blk nr_devices=1 gb=4 memory_backed=0 submit_queues=2 (queue_mode=$(cat /sys/module/null_blk/parameters/queue_mode) irqmode=$(cat /sys/module/null_blk/parameters/irqmode) hw_queue_depth=$(cat /sys/module/null_blk/parameters/hw_queue_depth) bs=$(cat /sys/block/nullb0/queue/logical_block_size) scheduler=$(cat /sys/block/nullb0/queue/scheduler) wbt_lat_usec=$(cat /sys/block/nullb0/queue/wbt_lat_usec 2>/dev/null || echo -))"
setup guest "$(xl list "$G" | awk 'NR == 2 {print $4 " vCPUs, " $3 " MiB"}')"
setup guest_kernel "$(gout 'uname -r')"
setup guest_tsc "${LAB_GUEST_TSC:-default}"
setup fio_params "libaio, direct=1, time_based, runtime=${RT}s after ramp_time=${RAMP}s, norandommap${FIO_EXTRA:+, $FIO_EXTRA}"
setup rounds "$ROUNDS"
setup runtime_s "$RT"
setup ramp_s "$RAMP"
for p in $PROFILES; do
	d=$(profile "$p") || fail "unknown profile $p"
	[ "$(echo "$d" | cut -d' ' -f5)" -le 2 ] || fail "profile $p needs more than 2 queues"
	emit "\"k\":\"profile\",\"p\":\"$p\",\"def\":\"$d\""
done
setup our_back_srcversion "$(cat /sys/module/xen_blkback/srcversion 2>/dev/null)"
setup swap_method "guest disks detached; frontend rmmod + modprobe (stock) / insmod (ours) in the guest with max_queues=2 and feature_persistent; backend rmmod + modprobe/insmod in dom0 when no vbd exists; backend feature_persistent set before each attach"
setup warm_up "${WARM} s of 1 MiB reads at QD4 on both queues after each attach, not measured"
setup our_back_params "${BENCH_OUR_BACK_PARAMS:-defaults}"
case " $CONFIGS " in *" alt-"*)
	setup alt_back_params "${BENCH_ALT_BACK_PARAMS:-defaults}" ;;
esac
setup irq_placement "$IRQ (ring: ring i's interrupt on guest CPU i; other: on CPU i + 1; kernel: left where the kernel put it)"
setup max_queues "$MAXQ"
setup fio_cpus "one-job profiles pinned to CPU 0 (one queue in use); the two-job profile one job per CPU (both queues)"

count_setup
insn_setup

# --- the rounds ---
r=0
while [ $r -lt "$ROUNDS" ]; do
	log "round $r"
	for grp in $(rotate "$r" local stock ours oback ofront alt); do
		if [ "$grp" = local ]; then
			has local $CONFIGS || continue
			# the idle guest's agent polls xenstore: keep it off the CPU
			xl pause "$G" || fail "xl pause failed"
			for p in $(rotate "$r" $PROFILES); do
				run_one "$r" local "$p"
			done
			xl unpause "$G" || fail "xl unpause failed"
			continue
		fi
		order="$grp-on $grp-off"
		[ $((r % 2)) = 1 ] && order="$grp-off $grp-on"
		for c in $order; do
			has "$c" $CONFIGS || continue
			run_guest_config "$r" "$c"
		done
	done
	r=$((r + 1))
done

# leave the lab as the harness expects it: our backend loaded
use_back ours
back_param feature_persistent 1
insn_finish
emit "\"k\":\"end\",\"problems\":$bad"
[ "$bad" = 0 ] || fail "$bad problems (see the PROBLEM lines)"
log "done in $(($(date +%s) - T0))s"
