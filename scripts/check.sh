#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything CI runs.
#   1. both modules built with W=1 against the lab kernel's headers, no warnings
#   2. checkpatch.pl --strict over our sources
#   3. the user-space unit tests
#   4. the libFuzzer harnesses of tests/fuzz, a minute each, side by side
#   5. the frontend built for an arm64 kernel with 64 KiB pages (when present)
#   6. the lab with the pairs ours/ours, stock-front/ours-back, ours-front/stock-back,
#      side by side (CHECK_JOBS at a time, default the number of CPUs)
# Prints a line per step and last "check: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=$(cat scripts/lab/KVER)
kdir=/usr/src/linux-headers-$kver
out=$top/build/check
mkdir -p "$out"
pass=0 fail=0
failed=

step() { # name command...
	local name=$1 t0=$SECONDS rc
	shift
	echo "== $name"
	"$@" >"$out/$name.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name ($((SECONDS - t0))s)"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name ($((SECONDS - t0))s); last lines of $out/$name.log:"
		tail -30 "$out/$name.log" | sed 's/^/    | /'
	fi
	return $rc
}

build_w1() {
	# kbuild clean only: the Makefile's clean also removes build/, our logs
	make -C "$kdir" M="$top" CONFIG_XEN_BLKDEV_BACKEND=m CONFIG_XEN_BLKDEV_FRONTEND=m clean >/dev/null 2>&1
	make -C "$top" modules KDIR="$kdir" W=1 2>&1 | tee "$out/build.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	if grep -E 'warning:|error:' "$out/build.out"; then
		echo "build: warnings are errors here"
		return 1
	fi
	ls -l drivers/block/xen-blkback/xen-blkback.ko drivers/block/xen-blkfront/xen-blkfront.ko
	# the hostile suite's test-only adversaries, same rules
	ls tests/rogue/rogue_*.c >/dev/null 2>&1 || return 0
	make -C "$kdir" M="$top/tests/rogue" clean >/dev/null 2>&1
	make -C "$kdir" M="$top/tests/rogue" W=1 modules 2>&1 | tee "$out/build-rogue.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	if grep -E 'warning:|error:' "$out/build-rogue.out"; then
		echo "build: warnings are errors here"
		return 1
	fi
	ls -l tests/rogue/*.ko
}

lab_pair() { # front back
	LAB_PREBUILT=1 scripts/lab/run.sh --front "$1" --back "$2" --tests "${CHECK_TESTS:-}"
}

echo "check: kernel $kver, headers $kdir"
step deps env LAB_EXTRA_PKGS="gcc-aarch64-linux-gnu linux-source-6.1 clang ${LAB_EXTRA_PKGS:-}" scripts/lab/deps.sh || { echo "check: 0 passed, 1 failed"; exit 1; }
step build-W1 build_w1
step checkpatch scripts/checkpatch.sh
step unit make -C tests/unit run
step fuzz scripts/fuzz.sh "${CHECK_FUZZ_SECONDS:-60}"
grep -E '^(PASS|FAIL) fuzz_' "$out/fuzz.log" | sed 's/^/    /'
if [ -x scripts/build-arm64-64k.sh ]; then
	step arm64-64k scripts/build-arm64-64k.sh
fi
# The lab pairs run side by side, as many at a time as the host has CPUs
# (each QEMU emulates one), then report in order.
pairs="ours/ours stock/ours ours/stock ${CHECK_EXTRA_PAIRS:-}"
jobs=${CHECK_JOBS:-$(nproc)}
running=0
for pair in $pairs; do
	name=lab-front-${pair%/*}-back-${pair#*/}
	echo "== $name (started)"
	(
		t0=$SECONDS
		lab_pair "${pair%/*}" "${pair#*/}" >"$out/$name.log" 2>&1
		echo "$? $((SECONDS - t0))" >"$out/$name.rc"
	) &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
for pair in $pairs; do
	name=lab-front-${pair%/*}-back-${pair#*/}
	read -r rc secs <"$out/$name.rc"
	if [ "$rc" = 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name (${secs}s)"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		echo "FAIL $name (${secs}s); see $out/$name.log"
	fi
	grep -E '^(PASS|FAIL|SKIP) |passed, .* failed' "$out/$name.log" | sed 's/^/    /'
done
[ -n "$failed" ] && echo "check: failed:$failed"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
