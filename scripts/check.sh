#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything CI runs.
#   1. both modules built with W=1 against the lab kernel's headers (6.1)
#      and against Debian's 6.12 headers (tests/lab/host/KVER-6.12), no warnings
#   2. checkpatch.pl --strict over our sources; make deb, and the package
#      holding dkms.conf and the sources kbuild needs
#   3. the user-space unit tests
#   4. the libFuzzer harnesses of tests/fuzz, a minute each, side by side
#   5. the arm64 kernel with 64 KiB pages the arm64 lab's guests run
#      (tests/lab/host/kernel-arm64.sh, built once per machine and cached), and
#      both our modules built for it with W=1
#   6. the labs: the lanes of tests/lab/lanes whose tier is in CHECK_TIERS
#      (default "check": our pair with every test, the hostile suite, the
#      mixed pairs stock-front/ours-back and ours-front/stock-back, and the
#      same three pairs on Xen/ARM with 64 KiB-page guests; make
#      check-arm64 runs tier arm64, make check-612 tier k612 (Debian's
#      6.12 kernel), make check-full every tier), side by
#      side (CHECK_JOBS at a time, default the number of CPUs).
#      CHECK_TESTS narrows every lab to those tests; CHECK_LABS replaces
#      the list, CHECK_EXTRA_LABS adds to it
#      (NAME=FRONT/BACK[@arm64-4k|@arm64-64k|@6.12]:TEST,TEST...).
# Prints a line per step and last "check: N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source-path=SCRIPTDIR source=lib/jobs.sh
. "$top/scripts/lib/jobs.sh"
kver=$(cat tests/lab/host/KVER)
kdir=/usr/src/linux-headers-$kver
out=$top/build/check
mkdir -p "$out"
pass=0 fail=0
failed=

# verdict NAME RC SECS [WHAT-FOLLOWS]: count one step or lab and say so.
verdict() {
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $1 (${3}s)"
	else
		fail=$((fail + 1))
		failed="$failed $1"
		echo "FAIL $1 (${3}s)${4:-}"
	fi
}

step() { # name command...
	local name=$1 t0=$SECONDS rc
	shift
	echo "== $name"
	"$@" >"$out/$name.log" 2>&1
	rc=$?
	verdict "$name" $rc $((SECONDS - t0)) "; last lines of $out/$name.log:"
	[ $rc -eq 0 ] || tail -30 "$out/$name.log" | sed 's/^/    | /'
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

# Both modules against the second supported kernel (tests/lab/host/KVER-6.12),
# in a copy of the sources so that no object mixes with the lab's build.
build_w1_612() {
	local kv d
	kv=$(cat tests/lab/host/KVER-6.12)
	if ! LAB_EXTRA_PKGS="linux-headers-$kv" tests/lab/host/deps.sh; then
		# the archive moved on: the newest 6.12 headers it has
		kv=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		     awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | tail -1)
		[ -n "$kv" ] && LAB_EXTRA_PKGS="linux-headers-$kv" tests/lab/host/deps.sh || return 1
		echo "build: $(cat tests/lab/host/KVER-6.12) is not in the archive; building against $kv"
	fi
	d=$out/src-6.12
	rm -rf "$d"
	mkdir -p "$d"
	find Kbuild drivers include \( -name Kbuild -o -name '*.[ch]' \) \
		! -name '*.mod.c' -exec cp --parents {} "$d/" \;
	make -C "/usr/src/linux-headers-$kv" M="$d" CONFIG_XEN_BLKDEV_BACKEND=m \
		CONFIG_XEN_BLKDEV_FRONTEND=m W=1 modules 2>&1 | tee "$out/build-6.12.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	# the hostile suite's rogue peers, for make check-612's hostile lane
	find tests/rogue \( -name Kbuild -o -name '*.[ch]' \) ! -name '*.mod.c' \
		-exec cp --parents {} "$d/" \;
	make -C "/usr/src/linux-headers-$kv" M="$d/tests/rogue" W=1 modules 2>&1 |
		tee -a "$out/build-6.12.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	if grep -E 'warning:|error:' "$out/build-6.12.out"; then
		echo "build: warnings are errors here"
		return 1
	fi
	modinfo -F vermagic "$d"/drivers/block/xen-blk*/xen-blk*.ko "$d"/tests/rogue/*.ko
}

# make deb, and what the package holds: dkms.conf and every source kbuild
# needs, the same files as the tree (make deb-test installs it for real).
deb_pkg() {
	local deb d f n=0
	deb=$(scripts/deb/build-deb.sh "$out/deb" | tail -1) || return 1
	dpkg-deb --info "$deb" | sed -n 's/^ \(Package\|Version\|Depends\):/&/p'
	d=$out/deb/contents
	rm -rf "$d"
	dpkg-deb -x "$deb" "$d" || return 1
	d=$(echo "$d"/usr/src/xen-blk-*)
	[ -f "$d/dkms.conf" ] || { echo "deb: no dkms.conf in /usr/src"; return 1; }
	for f in Kbuild $(git ls-files 'drivers/block/xen-blk*/*.[ch]' \
			 'drivers/block/xen-blk*/Kbuild' 'include/*.h'); do
		cmp -s "$f" "$d/$f" || { echo "deb: $f missing or different"; return 1; }
		n=$((n + 1))
	done
	echo "deb: $(basename "$deb") holds dkms.conf and the $n files kbuild needs"
}

# step_job NAME COMMAND...: step's work without its report, for
# steps_together: the log, then "STATUS SECONDS" in NAME.src.
step_job() {
	local name=$1 t0=$SECONDS
	shift
	"$@" >"$out/$name.log" 2>&1
	echo "$? $((SECONDS - t0))" >"$out/$name.src"
}

# steps_together "NAME COMMAND..." ...: independent steps side by side,
# CHECK_JOBS at a time, then reported in the order given, as step does.
steps_together() {
	local s name rc secs

	jobs_limit "${CHECK_JOBS:-$(nproc)}"
	for s in "$@"; do
		# shellcheck disable=SC2086
		jobs_spawn step_job $s
	done
	jobs_wait
	for s in "$@"; do
		name=${s%% *}
		rc=1 secs=0
		read -r rc secs <"$out/$name.src"
		echo "== $name"
		verdict "$name" "$rc" "$secs" "; last lines of $out/$name.log:"
		[ "$rc" = 0 ] || tail -30 "$out/$name.log" | sed 's/^/    | /'
	done
}

lab_run() { # front back tests [arch-pages]
	local a=
	case "${4:-}" in
	arm64-*) a="--arch arm64 --guest-pages ${4#arm64-}" ;;
	6.12) a="--kver 6.12" ;;
	debug) a="--kernel debug" ;;
	esac
	# shellcheck disable=SC2086
	LAB_PREBUILT=1 tests/lab/run.sh $a --front "$1" --back "$2" --tests "$3"
}

lab_job() { # name front back tests [arch-pages]: lab_run, its exit status and seconds to NAME.rc
	local t0=$SECONDS
	lab_run "$2" "$3" "$4" "${5:-}" >"$out/$1.log" 2>&1
	echo "$? $((SECONDS - t0))" >"$out/$1.rc"
}

echo "check: kernel $kver, headers $kdir"
step deps env LAB_EXTRA_PKGS="gcc-aarch64-linux-gnu linux-source-6.1 qemu-system-arm xz-utils bc libssl-dev clang python3-docutils ${LAB_EXTRA_PKGS:-}" tests/lab/host/deps.sh || { echo "check: 0 passed, 1 failed"; exit 1; }
step build-W1 build_w1
steps_together "build-W1-6.12 build_w1_612" "checkpatch scripts/checkpatch.sh" \
	"deb deb_pkg" "unit make -C tests/unit run"
step fuzz scripts/fuzz.sh "${CHECK_FUZZ_SECONDS:-60}"
grep -E '^(PASS|FAIL) fuzz_' "$out/fuzz.log" | sed 's/^/    /'
arm64=${CHECK_ARM64:-1}
if [ "$arm64" = 1 ]; then
	step arm64-root tests/lab/host/arm64-root.sh || arm64=0
	step arm64-kernel tests/lab/host/kernel-arm64.sh || arm64=0
	step arm64-64k scripts/build-arm64-64k.sh
fi
# The debug kernel's lanes boot a kernel built once (40-70 minutes the
# first time, then cached in ${LAB_CACHE:-/var/cache/xen-blk-lab}/kernel-debug,
# outside the clone), before the labs start side by side.
case " ${CHECK_TIERS:-check} " in
*" debug "*) step debug-kernel tests/lab/host/kernel-debug.sh \
		"${LAB_CACHE:-/var/cache/xen-blk-lab}/kernel-debug" ;;
esac
# The labs: the lanes of the tiers in CHECK_TIERS (default "check") from
# tests/lab/lanes, as NAME=FRONT/BACK[@WHERE]:TESTS.  Without the arm64
# prelude (CHECK_ARM64=0 or a failed step) the @arm64 lanes are left out.
lanes() { # tiers...
	local tier name pair tests rest t
	while read -r tier name pair tests rest; do
		case "$tier" in ''|'#'*) continue ;; esac
		[ -z "$rest" ] || { echo "check: tests/lab/lanes: too many columns in lane $name" >&2; continue; }
		for t in "$@"; do
			[ "$t" = "$tier" ] || continue
			case "$pair" in *@arm64*) [ "$arm64" = 1 ] || continue ;; esac
			echo "$name=$pair:$tests"
		done
	done <"$top/tests/lab/lanes"
}
# shellcheck disable=SC2086
labs=${CHECK_LABS:-$(lanes ${CHECK_TIERS:-check})}
[ -n "${CHECK_TESTS:-}" ] && labs=$(echo "$labs" | sed "s/:[^ ]*/:$(echo "$CHECK_TESTS" | tr ' ' ,)/g")
labs="$labs ${CHECK_EXTRA_LABS:-}"
jobs_limit "${CHECK_JOBS:-$(nproc)}"
for lab in $labs; do
	name=lab-${lab%%=*}
	spec=${lab#*=}
	pair=${spec%%:*}
	where=
	case "$pair" in *@*) where=${pair#*@} pair=${pair%@*} ;; esac
	t=$(echo "${spec#*:}" | tr , ' ')
	echo "== $name (front ${pair%/*}, back ${pair#*/}${where:+, $where}, tests: $t; started)"
	jobs_spawn lab_job "$name" "${pair%/*}" "${pair#*/}" "$t" "$where"
done
jobs_wait
for lab in $labs; do
	name=lab-${lab%%=*}
	read -r rc secs <"$out/$name.rc"
	verdict "$name" "$rc" "$secs" "; see $out/$name.log"
	grep -E '^(PASS|FAIL|SKIP) |passed, .* failed' "$out/$name.log" | sed 's/^/    /'
done
[ -n "$failed" ] && echo "check: failed:$failed"
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
