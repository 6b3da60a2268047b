#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one lab benchmark and write its report:
#   scripts/bench/bench.sh MODE
# boots the lab with tests/bench/MODE.sh as the only dom0 script, keeps the
# "BENCH {json}" lines it reports and runs scripts/bench/report-MODE.py,
# which writes report.md, results.json and chart.png into
# build/bench/MODE-<timestamp>/ (build/bench/MODE-latest points there).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
[ -f "$top/tests/bench/$mode.sh" ] && [ -f "$top/scripts/bench/report-$mode.py" ] || {
	echo "usage: $0 MODE (a tests/bench/MODE.sh with scripts/bench/report-MODE.py)" >&2
	exit 2
}

stamp=$(date -u +%Y%m%d-%H%M%S)
res=$top/build/bench/$mode-$stamp
mkdir -p "$res"
timeout=3600

# Per-mode lab settings.
case "$mode" in
memory)
	# Little dom0 memory and a real (virtio) swap disk for it.
	export LAB_DOM0_MEM=${LAB_DOM0_MEM:-768}
	swapimg=$res/swap.img
	rm -f "$swapimg"
	truncate -s 1G "$swapimg"
	export LAB_QEMU_EXTRA="${LAB_QEMU_EXTRA:-} -drive file=$swapimg,if=virtio,format=raw,cache=unsafe"
	timeout=3000
	;;
scale)
	export LAB_DOM0_MEM=${LAB_DOM0_MEM:-1024}
	timeout=2000
	;;
esac

out=$res/lab-out.txt
start=$(date +%s)
"$top/scripts/lab/run.sh" --tests none --extra-dom0 "$top/tests/bench/$mode.sh" \
	--out "$out" --keep --timeout "$timeout" 2>&1 | tee "$res/lab.log"
rc=${PIPESTATUS[0]}
wall=$(($(date +%s) - start))
rm -f "${swapimg:-/nonexistent}"
cat >"$res/meta.txt" <<META
mode=$mode
lab_rc=$rc
wall_s=$wall
lab_dom0_mem=${LAB_DOM0_MEM:-1536}
lab_smp=${LAB_SMP:-1}
host=$(uname -n) $(nproc) cpus
date=$stamp
META
touch "$out"
if ! python3 "$top/scripts/bench/report-$mode.py" "$out" "$res"; then
	echo "bench: the report for $mode could not be written"
	exit 1
fi
ln -sfn "$(basename "$res")" "$top/build/bench/$mode-latest"
echo "bench: $mode took ${wall}s; report in $res/report.md"
cat "$res/report.md"
[ "$rc" = 0 ] || echo "bench: the lab run reported a failure (exit $rc); see $res/lab.log"
exit "$rc"
