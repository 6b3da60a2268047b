#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run the libFuzzer harnesses of tests/fuzz for SECONDS each
# (default 600).  make check runs this with 60, make fuzz with
# $(FUZZ_SECONDS) or the default.
#
# Each fuzzer starts from the seed corpus kept in tests/fuzz/corpus/<name>/
# (never written to) plus build/fuzz/corpus/<name>/, where new inputs land;
# crashes, leaks and oracle violations are saved under build/fuzz/artifacts/.
# The fuzzers run FUZZ_JOBS at a time (default: all of them at once).
# Prints "PASS|FAIL <fuzzer>: ..." per fuzzer and exits non-zero on any
# failure, naming the reproducer.
set -uo pipefail

secs=${1:-600}
top=$(cd "$(dirname "$0")/.." && pwd)
src=$top/tests/fuzz
out=$top/build/fuzz
# shellcheck source-path=SCRIPTDIR source=lib/jobs.sh
. "$top/scripts/lib/jobs.sh"
mkdir -p "$out/bin" "$out/logs" "$out/artifacts"

have_libfuzzer() {
	command -v clang >/dev/null 2>&1 || return 1
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
		clang -x c -fsanitize=fuzzer,address,undefined -o "$out/probe" - \
			>/dev/null 2>&1
}

if ! have_libfuzzer; then
	# Debian 12's clang (clang-14) ships libFuzzer's runtime.
	LAB_EXTRA_PKGS=clang "$top/tests/lab/host/deps.sh" || exit 1
	if ! have_libfuzzer; then
		echo "fuzz: clang with libFuzzer (-fsanitize=fuzzer) is required" >&2
		exit 1
	fi
fi

if ! make -s -C "$src" OUT="$out/bin" all; then
	echo "fuzz: build failed" >&2
	exit 1
fi
fuzzers=$(make -s -C "$src" list)
jobs=${FUZZ_JOBS:-$(echo "$fuzzers" | wc -w)}

run_one() { # name
	local name=$1 max_len=4096 seeds=$src/corpus/$1 args=()

	case "$name" in
	# a ring slot plus up to eight 4 KiB indirect pages
	fuzz_blkback_request) max_len=33280 ;;
	# a few hundred cache operations are plenty, and faster
	fuzz_blkback_gcache) max_len=1024 ;;
	esac
	mkdir -p "$out/corpus/$name"
	[ -d "$seeds" ] || seeds=
	[ -f "$src/$name.dict" ] && args+=("-dict=$src/$name.dict")
	"$out/bin/$name" -max_total_time="$secs" -max_len="$max_len" \
		-timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$name-" "${args[@]}" \
		"$out/corpus/$name" ${seeds:+"$seeds"} \
		>"$out/logs/$name.log" 2>&1
}

fuzz_job() { # name: run_one, its exit status to logs/NAME.rc
	run_one "$1"
	echo $? >"$out/logs/$1.rc"
}

report() { # name rc
	local name=$1 rc=$2 log=$out/logs/$1.log execs cov ft corp repro

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?} (${secs}s)"
		return 0
	fi
	repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	echo "FAIL $name: exit $rc after ${execs:-?} execs; log $log"
	grep -m3 -E 'ORACLE VIOLATED|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error' \
		"$log" | sed 's/^/    /'
	[ -n "$repro" ] && echo "    reproducer: $repro (rerun: $out/bin/$name $repro)"
	return 1
}

echo "fuzz: $(echo "$fuzzers" | wc -w) fuzzers, ${secs}s each, $jobs at a time"
jobs_limit "$jobs"
for name in $fuzzers; do
	jobs_spawn fuzz_job "$name"
done
jobs_wait

fail=0
for name in $fuzzers; do
	report "$name" "$(cat "$out/logs/$name.rc")" || fail=$((fail + 1))
done
echo "fuzz: $(($(echo "$fuzzers" | wc -w) - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
