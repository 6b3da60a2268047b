#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark dispatcher: one lab boot per benchmark mode, a report on the host.
#
#   scripts/bench/bench.sh MODE   (make bench: main; make bench-memory:
#                                  memory; make bench-scale: scale)
#
# A mode is two files, nothing else to register:
#
#   tests/lab/bench/MODE.sh   runs in dom0 as the lab's only test (it sources
#                         /lab/tests/test_common.sh like any e2e test; its
#                         "# lab-timeout: SECS" header bounds it).  Every
#                         number it measures goes to the host as a line
#                             lab_out "BENCH {one JSON object}"
#                         and it exits 0 (non-zero marks the run failed; the
#                         report is written anyway from what was reported).
#   scripts/bench/report-MODE.py LAB_OUT RESDIR
#                         LAB_OUT is every line dom0 reported with lab_out
#                         (the BENCH ones among them); RESDIR also holds
#                         bench.jsonl (just the JSON objects), host.json and
#                         meta.txt (host, lab and timing facts).  It writes
#                         RESDIR/report.md, results.json and chart.png with
#                         Python's standard library and gnuplot;
#                         scripts/bench/benchlib.py has shared helpers.
#
# Lab settings a mode needs (dom0 memory, extra QEMU disks, the QEMU time
# bound) are in the case statement below.  Every BENCH_* variable of the
# caller's environment is handed to the dom0 script as a shell assignment
# inserted after its header, so a mode can be tuned from the host, e.g.
# BENCH_ROUNDS=1 BENCH_RUNTIME=3 make bench.  BENCH_FRONT and BENCH_BACK
# (default ours: then both our builds are in the images and stock is a
# modprobe away), BENCH_LAB_ARGS (more tests/lab/run.sh options) and
# BENCH_DOM0 (bench-memory's dom0 kernel: ballooned, the default, or
# debian) are for this script only.
#
# Results: build/bench/MODE-<UTC time>/ with lab.log, lab-out.txt,
# bench.jsonl, host.json, meta.txt, console.txt (the lab console), the
# report files; build/bench/MODE-latest points at the newest.  The report is
# printed at the end.  Exit status: non-zero if the lab run failed or no
# report could be written.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
script=$top/tests/lab/bench/$mode.sh
report=$top/scripts/bench/report-$mode.py
if [ -z "$mode" ] || [ ! -f "$script" ] || [ ! -f "$report" ]; then
	echo "usage: $0 MODE (with tests/lab/bench/MODE.sh and scripts/bench/report-MODE.py)" >&2
	exit 2
fi

start=$(date +%s)
stamp=$(date -u +%Y%m%d-%H%M%S)
rev=$(git -C "$top" describe --always --dirty 2>/dev/null)
res=$top/build/bench/$mode-$stamp
mkdir -p "$res/stage"
secs=$(sed -n 's/^# lab-timeout: *\([0-9]*\).*/\1/p' "$script" | head -1)
# boot, the default guest and reporting come on top of the script's bound
timeout=$((${secs:-1800} + 300))
scratch=

# ARCH=arm64 reaches this script as "--arch arm64" in BENCH_LAB_ARGS.
arch=${LAB_ARCH:-x86}
case " ${BENCH_LAB_ARGS:-} " in
*" --arch arm64 "* | *" --arch aarch64 "*) arch=arm64 ;;
esac
if [ "$arch" = arm64 ]; then
	qemu_bin=qemu-system-aarch64
	qemu_how="TCG (-accel tcg,thread=multi -machine virt,gic-version=3,virtualization=on -cpu max)"
	xen_pkg=xen-hypervisor-4.17-arm64
else
	qemu_bin=qemu-system-x86_64
	qemu_how="TCG (-accel tcg,thread=multi -cpu qemu64)"
	xen_pkg=xen-hypervisor-4.17-amd64
fi

case "$mode" in
main)
	# Two emulated CPUs: dom0 and the guest each get one, as on a host
	# where dom0 has CPUs of its own, and the backend no longer waits for
	# fio to give up the only CPU; LAB_SMP=1 for the old setting.
	# On arm64 with the instruction counter one: Xen/ARM on two emulated
	# CPUs under icount stopped making progress after dom0 came up
	# (2026-12-04); with one, Xen's scheduler shares the CPU between dom0
	# and the guest, which the report says.
	smp=2
	[ "$arch" = arm64 ] && [ "${BENCH_CLOCK:-icount}" = icount ] && smp=1
	export LAB_SMP=${LAB_SMP:-$smp}
	# The clock: QEMU's instruction counter by default, so that fio's
	# IOPS count the work per I/O of the whole machine and the host's load
	# does not move them (about 2 % between rounds instead of 30 %);
	# BENCH_CLOCK=host for the emulator's host time.
	case "${BENCH_CLOCK:=icount}" in
	icount) export LAB_ICOUNT=1 ;;
	host) ;;
	*) echo "bench: BENCH_CLOCK must be icount or host" >&2; exit 2 ;;
	esac
	export BENCH_CLOCK
	# The script's bound is counted on the lab's clock; the emulator's on
	# the host's, which other work on the host stretches under icount
	# (one emulated CPU at a time, on one host thread): with four other
	# emulators beside it a whole make bench ran past 1950 s of the host's
	# time, having done 2 of its 3 rounds (2026-12-07).
	[ "$BENCH_CLOCK" = icount ] && timeout=$((timeout * 2))
	# The guests read the TSC natively, as Xen lets them on a host with
	# an invariant TSC (any server of the last decade).  QEMU's CPU model
	# has none, so by default Xen emulates each of the guest's rdtsc
	# (thousands of instructions each; about 40 % of a 4 KiB read's
	# instructions, BENCH_INSN=1 showed, the same for every pair).  BENCH_TSC=default
	# leaves it to Xen.
	export LAB_GUEST_TSC=${BENCH_TSC:-native}
	# fio reads the time several times per I/O, on a host with an
	# invariant TSC from the TSC itself (its "cpu" clock).  Without one
	# (QEMU's x86 CPU model again) it calls clock_gettime(), which a PV
	# domain cannot answer from the vDSO while Xen's clock is not the
	# TSC: a system call through Xen each time, 9-11k of the 35-41k
	# instructions of a 4 KiB I/O, the same for every pair.  So on x86
	# fio is told to read the TSC (BENCH_FIO_CLOCK=fio: fio's own choice,
	# the default on arm64, whose vDSO reads the architected timer).
	[ "$arch" = x86 ] && fclock=cpu || fclock=fio
	case "${BENCH_FIO_CLOCK:=$fclock}" in
	cpu | fio) ;;
	*) echo "bench: BENCH_FIO_CLOCK must be cpu or fio" >&2; exit 2 ;;
	esac
	export BENCH_FIO_CLOCK
	;;
memory)
	# dom0 on a kernel whose grant pages are dom0 RAM, as they were when
	# seed 004 was measured: Debian's are unpopulated ZONE_DEVICE pages,
	# which no squeezing can give back (BENCH_DOM0=debian runs it anyway).
	case "${BENCH_DOM0:-ballooned}" in
	ballooned)
		echo "bench: dom0 kernel with ballooned grant pages (tests/lab/host/kernel.sh; the first build takes 20-40 minutes)"
		kb=${LAB_CACHE:-/var/cache/xen-blk-lab}/kernel-ballooned
		"$top/tests/lab/host/kernel.sh" "$kb" >"$res/kernel.log" 2>&1 ||
			{ tail -20 "$res/kernel.log"; echo "bench: building the dom0 kernel failed"; exit 1; }
		export LAB_DOM0_KERNEL=$kb
		;;
	debian) ;;
	*) echo "bench: BENCH_DOM0 must be ballooned or debian" >&2; exit 2 ;;
	esac
	# Two emulated CPUs, as for make bench (it runs alone): with one, every
	# ballooned page the pools take costs a TLB-flush IPI that waits for
	# dom0's other vCPU to be scheduled on the same emulated CPU.
	export LAB_SMP=${LAB_SMP:-2}
	# little dom0 memory and a real (virtio) disk to swap to
	export LAB_DOM0_MEM=${LAB_DOM0_MEM:-768}
	scratch=$res/swap.img
	truncate -s 1G "$scratch"
	export LAB_QEMU_EXTRA="${LAB_QEMU_EXTRA:-} -drive file=$scratch,if=virtio,format=raw,cache=unsafe"
	;;
scale)
	export LAB_DOM0_MEM=${LAB_DOM0_MEM:-1024}
	;;
esac

[ "${LAB_ICOUNT:-0}" = 1 ] &&
	qemu_how=${qemu_how/thread=multi/thread=single -icount shift=${LAB_ICOUNT_SHIFT:-4},sleep=off}

# BENCH_PERF=1 profiles every run: the lab must carry perf.
[ "${BENCH_PERF:-0}" = 1 ] && export LAB_PERF=1

# BENCH_INSN=1 counts the instructions of every measured window per
# address: QEMU's plugin (insn-plugin.c, built here), its marker program
# in dom0 (insn-mark.c), and a virtio disk on which dom0 leaves the
# symbols the host needs (main.sh, insn_setup).  The plugin slows the
# emulator by about a third, so QEMU's time bound doubles; the counts do
# not depend on it.
insn=
if [ "${BENCH_INSN:-0}" = 1 ]; then
	insn=$res/insn
	if [ "$mode" != main ] || [ "$arch" != x86 ] || [ "${LAB_ICOUNT:-0}" != 1 ] ||
	   [ "${BENCH_PERF:-0}" = 1 ]; then
		echo "bench: BENCH_INSN=1 needs make bench on x86 with BENCH_CLOCK=icount and without BENCH_PERF" >&2
		exit 2
	fi
	mkdir -p "$insn"
	if ! gcc -O2 -Wall -shared -fPIC -o "$insn/insn-plugin.so" "$top/scripts/bench/insn-plugin.c" ||
	   ! gcc -O2 -Wall -static -o "$insn/insn-mark" "$top/scripts/bench/insn-mark.c"; then
		echo "bench: building the instruction-counting plugin failed" >&2
		exit 1
	fi
	# Xen's symbols (the map of the hypervisor's debug package), if it can be had
	xmap=/usr/lib/debug/boot/xen-syms-4.17-amd64.map
	[ -f "$xmap" ] || apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends xen-hypervisor-4.17-amd64-dbg \
		>"$res/apt-insn.log" 2>&1 || echo "bench: no Xen symbols (xen-hypervisor-4.17-amd64-dbg); Xen is counted as a whole"
	truncate -s 256M "$insn/disk.img"
	export LAB_DOM0_FILES="${LAB_DOM0_FILES:-} $insn/insn-mark:/lab/bin/insn-mark"
	export LAB_QEMU_EXTRA="${LAB_QEMU_EXTRA:-} -drive file=$insn/disk.img,if=virtio,format=raw,cache=unsafe -plugin file=$insn/insn-plugin.so,out=$insn"
	timeout=$((timeout * 2))
fi

# The dom0 script with the caller's BENCH_* settings after its header.
stage=$res/stage/$mode.sh
{
	sed -n '1,/^# lab-timeout:/p' "$script"
	env | grep -E '^BENCH_[A-Z0-9_]*=' | grep -vE '^BENCH_(FRONT|BACK|LAB_ARGS|DOM0)=' |
		while IFS='=' read -r k v; do
			printf "%s='%s'\n" "$k" "$(printf '%s' "$v" | sed "s/'/'\\\\''/g")"
		done
	sed '1,/^# lab-timeout:/d' "$script"
} >"$stage"

# gnuplot draws the charts; installed like the lab's other packages.
if ! command -v gnuplot >/dev/null; then
	echo "bench: installing gnuplot-nox"
	{ apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends gnuplot-nox ||
	  { apt-get -o DPkg::Lock::Timeout=900 update && apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends gnuplot-nox; }
	} >"$res/apt.log" 2>&1 || echo "bench: gnuplot-nox could not be installed; no chart"
fi

echo "bench: mode $mode, results in $res"
out=$res/lab-out.txt
# shellcheck disable=SC2086
"$top/tests/lab/run.sh" --front "${BENCH_FRONT:-ours}" --back "${BENCH_BACK:-ours}" \
	--tests none --extra-dom0 "$stage" --out "$out" --timeout "$timeout" \
	--keep ${BENCH_LAB_ARGS:-} 2>&1 | tee "$res/lab.log"
lab_rc=${PIPESTATUS[0]}
lab_end=$(date +%s)
[ -n "$scratch" ] && rm -f "$scratch"
touch "$out"

# Keep the console (for profiling and post-mortems), drop the lab's run dir.
run=$(sed -n 's/^lab: console log: \(.*\)\/serial.log$/\1/p' "$res/lab.log" | tail -1)
if [ -n "$run" ] && [ -d "$run" ]; then
	cp "$run/console.txt" "$res/console.txt" 2>/dev/null
	[ "$lab_rc" = 0 ] && rm -rf "$run"
fi
sed -n 's/^BENCH //p' "$out" >"$res/bench.jsonl"

# Facts about the host and this run, for the report's setup section.
kver=$(cat "$top/tests/lab/host/KVER")
cat >"$res/meta.txt" <<META
mode=$mode
arch=$arch
lab_rc=$lab_rc
wall_s=$((lab_end - start))
lab_dom0_mem=${LAB_DOM0_MEM:-1536}
lab_smp=${LAB_SMP:-1}
clock=${BENCH_CLOCK:-host}
lab_dom0_kernel=${LAB_DOM0_KERNEL:-debian}
host=$(uname -n) $(nproc) cpus
date=$stamp
META
H_MODE=$mode H_STAMP=$stamp H_GIT=$rev \
H_QEMU=$($qemu_bin --version 2>/dev/null | head -1) H_ACCEL=$qemu_how H_ARCH=$arch \
H_XEN=$(dpkg-query -W -f '${Version}' $xen_pkg 2>/dev/null || echo "$xen_pkg (arm64 package unpacked by tests/lab/host/arm64-root.sh)") \
H_KVER="$kver $(dpkg-query -W -f '${Version}' "linux-image-$kver" 2>/dev/null)" \
H_CLOCK=${BENCH_CLOCK:-host} H_LAB_RC=$lab_rc H_LAB_SECS=$((lab_end - start)) H_START=$start \
H_LOG=$res/lab.log H_SMP=${LAB_SMP:-1} H_DOM0_MEM=${LAB_DOM0_MEM:-1536} \
H_DOM0_KVER=$( [ -n "${LAB_DOM0_KERNEL:-}" ] &&
	echo "$(cat "$LAB_DOM0_KERNEL/kver") (tests/lab/host/kernel.sh, no CONFIG_XEN_UNPOPULATED_ALLOC)" ) \
python3 - "$res/host.json" <<'PY'
import json, os, sys, time

e = os.environ
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
mem = 0
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal:"):
        mem = int(line.split()[1]) // 1024
log = open(e["H_LOG"], errors="replace").read().strip().split("\n")
info = {
    "mode": e["H_MODE"],
    "stamp": e["H_STAMP"],
    "host_cpu": cpu,
    "host_cores": os.cpu_count(),
    "host_mem_mib": mem,
    "host_kernel": os.uname().release,
    "host_load_at_end": open("/proc/loadavg").read().split()[:3],
    "qemu": e["H_QEMU"],
    "qemu_accel": e["H_ACCEL"],
    "arch": e["H_ARCH"],
    "clock": ("QEMU instruction counter (-icount shift=%s,sleep=off, "
              "single-threaded TCG)" % e.get("LAB_ICOUNT_SHIFT", "4")
              if e["H_CLOCK"] == "icount" else "host time"),
    "qemu_cpus": int(e["H_SMP"]),
    "qemu_mem_mib": 4096,
    "dom0_mem_mib": int(e["H_DOM0_MEM"]),
    "xen_package": e["H_XEN"],
    "lab_kernel": e["H_KVER"],
    "dom0_kernel": e["H_DOM0_KVER"] or e["H_KVER"],
    "git": e["H_GIT"],
    "lab_exit": int(e["H_LAB_RC"]),
    "lab_result": [l for l in log if l.startswith(("PASS", "FAIL", "SKIP", "lab:"))],
    "lab_seconds": int(e["H_LAB_SECS"]),
    # the report is written within seconds of this
    "wall_seconds": int(time.time()) - int(e["H_START"]),
}
with open(sys.argv[1], "w") as f:
    json.dump(info, f, indent=1)
PY

rep_rc=0
python3 "$report" "$out" "$res" || rep_rc=$?
[ "$rep_rc" = 0 ] || echo "bench: the report for $mode could not be written"
if [ -n "$insn" ]; then
	# dom0's symbols off the virtio disk, the modules' from their .ko files
	tar xf "$insn/disk.img" -C "$insn" 2>/dev/null ||
		echo "bench: no symbols from dom0 on the insn disk"
	rm -f "$insn/disk.img"
	cp "$top/drivers/block/xen-blkfront/xen-blkfront.ko" "$insn/ours-xen-blkfront.ko" 2>/dev/null
	cp "/lib/modules/$kver/kernel/drivers/block/xen-blkfront.ko" "$insn/stock-xen-blkfront.ko" 2>/dev/null
	[ -f "$xmap" ] && cp "$xmap" "$insn/xen.map"
	if LAB_ICOUNT_SHIFT=${LAB_ICOUNT_SHIFT:-4} \
	   python3 "$top/scripts/bench/report-insn.py" "$res" >"$res/insn.md"; then
		cat "$res/insn.md" >>"$res/report.md"
	else
		echo "bench: the instruction-count report could not be written"
		rep_rc=1
	fi
fi
ln -sfn "$(basename "$res")" "$top/build/bench/$mode-latest"
[ -f "$res/report.md" ] && cat "$res/report.md"
echo "bench: $mode took $(($(date +%s) - start))s; report in $res/report.md"
[ "$lab_rc" = 0 ] || echo "bench: the lab run reported a failure (exit $lab_rc); see $res/lab.log"
[ "$lab_rc" = 0 ] && [ "$rep_rc" = 0 ]
