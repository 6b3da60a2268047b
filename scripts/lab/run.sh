#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab: boot Xen 4.17 and a Debian 6.1 PV dom0 in QEMU (TCG), start PV
# guests, run the e2e tests inside dom0 and the guests, and report.
#
# Prints one line per test and last "N passed, N failed"; exits non-zero if
# anything failed or did not run.  Every wait is bounded and QEMU is always
# stopped.
set -uo pipefail

usage() {
	cat <<USAGE
usage: $0 [options]
  --front ours|stock     frontend in the guests (default ours)
  --back ours|stock      backend in dom0 (default ours)
  --tests "A B"          test names (test_fio_01) or groups (fio); default all;
                         "-X" leaves X out ("all -hostile", "-config")
  --extra-dom0 "F..."    extra test scripts run in dom0, counted in the result
  --extra-domu "F..."    extra test scripts run in the default guest
  --demo                 run the demo instead of the tests
  --bparams "a=b ..."    backend module parameters at load
  --timeout SECS         bound for the whole QEMU run (default 3600)
  --keep                 keep the run directory (always kept on failure)
  --out FILE             write every line dom0 reported with lab_out to FILE
Environment: LAB_PREBUILT=1 (use the modules already built), LAB_KDIR (headers for the lab kernel), LAB_DIR (default build/lab),
  LAB_SMP (QEMU CPUs, default 1: with 2, two emulators sharing the host
  slow each other down tenfold through preempted vCPU threads),
  LAB_DOM0_MEM (dom0 memory in MiB, default 1536), LAB_QEMU_EXTRA (more
  QEMU arguments, e.g. a disk for dom0), LAB_PERF=1 (put the host's perf,
  package linux-perf, into dom0 and the guests), LAB_DOM0_KERNEL=DIR
  (boot dom0 on the kernel scripts/lab/kernel.sh built in DIR, with its
  modules; the guests keep Debian's).
USAGE
	exit 2
}

top=$(cd "$(dirname "$0")/../.." && pwd)
front=ours back=ours tests= extra_dom0= extra_domu= demo=0 bparams=
timeout=3600 keep=0 outfile=
while [ $# -gt 0 ]; do
	case "$1" in
	--front) front=$2; shift ;;
	--back) back=$2; shift ;;
	--tests) tests=$2; shift ;;
	--extra-dom0) extra_dom0=$2; shift ;;
	--extra-domu) extra_domu=$2; shift ;;
	--demo) demo=1 ;;
	--bparams) bparams=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--keep) keep=1 ;;
	--out) outfile=$2; shift ;;
	-h | --help) usage ;;
	*) echo "unknown option $1" >&2; usage ;;
	esac
	shift
done
for v in "$front" "$back"; do
	case "$v" in ours | stock) ;; *) echo "FRONT/BACK must be ours or stock" >&2; exit 2 ;; esac
done

kver=$(cat "$top/scripts/lab/KVER")
kdir=${LAB_KDIR:-/usr/src/linux-headers-$kver}
labdir=${LAB_DIR:-$top/build/lab}
"$top/scripts/lab/deps.sh" || exit 1

# dom0's kernel: Debian's, or one scripts/lab/kernel.sh built.
dom0_kernel=/boot/vmlinuz-$kver dom0_kver=$kver
if [ -n "${LAB_DOM0_KERNEL:-}" ]; then
	if [ ! -e "$LAB_DOM0_KERNEL/ok" ]; then
		echo "lab: no kernel built in LAB_DOM0_KERNEL=$LAB_DOM0_KERNEL (scripts/lab/kernel.sh)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	LAB_DOM0_KERNEL=$(cd "$LAB_DOM0_KERNEL" && pwd)
	export LAB_DOM0_KERNEL
	dom0_kernel=$LAB_DOM0_KERNEL/bzImage dom0_kver=$(cat "$LAB_DOM0_KERNEL/kver")
fi

# Build our modules for the lab kernel (only the sides in use).
mkdir -p "$labdir"
for side in back front; do
	eval "who=\$$side"
	# Our backend always: the live-update tests swap it in for stock.
	[ "$who" = ours ] || [ "$side" = back ] || continue
	if [ "$side" = back ] && [ -n "${LAB_DOM0_KERNEL:-}" ]; then
		# A copy of the sources, so the tree's build stays Debian's.
		b0=$labdir/back-$dom0_kver
		rm -rf "$b0"
		mkdir -p "$b0/drivers/block"
		cp -r "$top/include" "$b0/"
		mkdir "$b0/drivers/block/xen-blkback"
		cp "$top"/drivers/block/xen-blkback/{Kbuild,*.c,*.h} "$b0/drivers/block/xen-blkback/"
		if ! make -s -C "$LAB_DOM0_KERNEL/obj" M="$b0/drivers/block/xen-blkback" \
		     CONFIG_XEN_BLKDEV_BACKEND=m modules >"$labdir.build-$side.log" 2>&1; then
			cat "$labdir.build-$side.log"
			echo "lab: building our $side module for $dom0_kver failed"
			echo "0 passed, 1 failed"
			exit 1
		fi
		continue
	fi
	# make check builds once before running labs side by side.
	[ -n "${LAB_PREBUILT:-}" ] && continue
	if ! make -s -C "$top" "$side" KDIR="$kdir" >"$labdir.build-$side.log" 2>&1; then
		cat "$labdir.build-$side.log"
		echo "lab: building our $side module failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

# Base images, shared by runs and rebuilt when the image recipe changes.
stamp=$({ cat "$top/scripts/lab/mkimage.sh" "$top/scripts/lab/KVER"
	  [ -n "${LAB_DOM0_KERNEL:-}" ] && ls -l --time-style=+%s "$LAB_DOM0_KERNEL/ok" "$dom0_kernel"
	} | md5sum | cut -c1-12)
cache=$labdir/cache-$stamp
mkdir -p "$labdir"
(
	flock 9
	"$top/scripts/lab/mkimage.sh" base "$cache"
) 9>"$labdir/.cache.lock" || { echo "lab: building base images failed"; exit 1; }

run=$(mktemp -d "$labdir/run-XXXXXX")
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null
		sleep 1
		kill -9 "$qpid" 2>/dev/null
	fi
	rm -rf "$run/stage-dom0" "$run/stage-domu" "$run"/*.cpio
	if [ "$keep" = 0 ] && [ "${lab_ok:-0}" = 1 ]; then
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Which tests: every tests/e2e/test_*.sh, filtered by name or group; a
# word "-X" leaves test or group X out ("all -hostile", "-config"), and a
# test named in full is run whatever else excludes it ("all -hostile
# test_hostile_40").
names=
for f in "$top"/tests/e2e/test_*.sh; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .sh)
	[ "$n" = test_common ] && continue
	g=${n#test_}
	g=${g%_*}
	want= only=
	for t in ${tests:-all}; do
		case "$t" in
		"$n") want=yes; only=1; break ;;
		-"$n" | -"$g") want=no ;;
		-*) ;;
		all | "$g") want=${want:-yes}; only=1 ;;
		*) only=1 ;;
		esac
	done
	# only exclusions given: start from every test
	[ -z "$only" ] && [ -z "$want" ] && want=yes
	[ "$want" = yes ] && names="$names $n"
done
[ "$demo" = 1 ] && names=demo

# The hostile tests need the test-only rogue modules (tests/rogue/): built
# here for the lab kernel, shipped in the images, never installed.
rogue=
case " $names " in *" test_hostile_"*) rogue=1 ;; esac
if [ -n "$rogue" ] && [ -n "${LAB_DOM0_KERNEL:-}" ]; then
	echo "lab: the hostile tests' rogue backend is built for Debian's dom0 kernel only"
	echo "0 passed, 1 failed"
	exit 2
fi
# (make check builds them once, before running lab pairs side by side.)
if [ -n "$rogue" ] && { [ -z "${LAB_PREBUILT:-}" ] ||
	! ls "$top"/tests/rogue/rogue_*.ko >/dev/null 2>&1; }; then
	if ! make -s -C "$kdir" M="$top/tests/rogue" modules >"$labdir.build-rogue.log" 2>&1; then
		cat "$labdir.build-rogue.log"
		echo "lab: building the rogue test modules failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
fi

d0=$run/stage-dom0
du=$run/stage-domu
mkdir -p "$d0/lab/tests" "$d0/lab/mod" "$d0/lab/domu" "$d0/etc/xen/scripts" \
	 "$du/lab/mod" "$du/lab/guest"
cp "$top/scripts/lab/rootfs/dom0-init" "$d0/init"
cp "$top/scripts/lab/rootfs/domu-init" "$du/init"
cp "$top/scripts/lab/rootfs/block" "$d0/etc/xen/scripts/block"
cp "$top"/tests/e2e/test_common.sh "$top"/tests/e2e/test_*.sh "$d0/lab/tests/" 2>/dev/null
cp "$top"/tests/e2e/demo.sh "$d0/lab/tests/demo.sh"
[ -d "$top/tests/e2e/guest" ] && cp -r "$top"/tests/e2e/guest/. "$du/lab/guest/"
if [ -n "${LAB_DOM0_KERNEL:-}" ]; then
	cp "$labdir/back-$dom0_kver/drivers/block/xen-blkback/xen-blkback.ko" "$d0/lab/mod/"
else
	cp "$top/drivers/block/xen-blkback/xen-blkback.ko" "$d0/lab/mod/"
fi
cp "$top/scripts/xen-blkback-swap" "$d0/lab/"
[ "$front" = ours ] && cp "$top/drivers/block/xen-blkfront/xen-blkfront.ko" "$du/lab/mod/"
if [ -n "$rogue" ]; then
	for f in "$top"/tests/rogue/rogue_front*.ko; do
		[ -e "$f" ] && cp "$f" "$du/lab/mod/"
	done
	for f in "$top"/tests/rogue/rogue_back*.ko; do
		[ -e "$f" ] && cp "$f" "$d0/lab/mod/"
	done
fi
for f in $extra_dom0; do
	[ -f "$f" ] || { echo "lab: no such file $f"; exit 2; }
	n=extra_dom0_$(basename "$f" .sh)
	cp "$f" "$d0/lab/tests/$n.sh"
	names="$names $n"
done
for f in $extra_domu; do
	[ -f "$f" ] || { echo "lab: no such file $f"; exit 2; }
	n=extra_domu_$(basename "$f" .sh)
	cp "$f" "$du/lab/guest/$n"
	names="$names domu:$n"
done
if [ "${LAB_PERF:-0}" = 1 ]; then
	command -v perf >/dev/null ||
		apt-get install -y --no-install-recommends linux-perf >/dev/null ||
		{ echo "lab: LAB_PERF=1 but linux-perf could not be installed"; exit 2; }
	for r in "$d0" "$du"; do
		"$top/scripts/lab/mkimage.sh" elf "$r" "$(command -v perf)"
	done
fi
chmod -R a+rX "$d0" "$du"
names=${names# }
if [ -z "$names" ]; then
	echo "lab: no test matches '$tests'"
	echo "0 passed, 0 failed"
	exit 1
fi

nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
cat >"$d0/lab/config" <<CONF
LAB_NONCE=$nonce
LAB_FRONT=$front
LAB_BACK=$back
LAB_TESTS="$names"
LAB_BPARAMS="$bparams"
CONF
# The nonce must not be readable by guests: keep it out of the guest image.
"$top/scripts/lab/mkimage.sh" overlay "$du" "$run/domu-overlay.cpio"
cat "$cache/domu-base.cpio" "$run/domu-overlay.cpio" >"$d0/lab/domu/initrd.cpio"
"$top/scripts/lab/mkimage.sh" overlay "$d0" "$run/dom0-overlay.cpio"
cat "$cache/dom0-base.cpio" "$run/dom0-overlay.cpio" >"$run/dom0.cpio"
rm -rf "$d0/lab/domu/initrd.cpio"
zcat /boot/xen-4.17-amd64.gz >"$run/xen"

echo "lab: Xen 4.17, dom0 $dom0_kver, guests $kver, backend=$back frontend=$front"
echo "lab: tests: $names"
echo "lab: console log: $run/serial.log"
start=$(date +%s)
dom0_mem=${LAB_DOM0_MEM:-1536}
# shellcheck disable=SC2086
qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64 -m 4096 -smp "${LAB_SMP:-1}" \
	-display none -monitor none -serial "file:$run/serial.log" -no-reboot \
	-net none ${LAB_QEMU_EXTRA:-} -kernel "$run/xen" \
	-append "console=com1 com1=115200,8n1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot ucode=no" \
	-initrd "$dom0_kernel console=hvc0 earlyprintk=xen rdinit=/init loglevel=6,$run/dom0.cpio" \
	</dev/null >"$run/qemu.log" 2>&1 &
qpid=$!

# Watch the console: stop at the end marker, a fatal marker, a Xen or dom0
# panic, or the time bound.
why=
while kill -0 "$qpid" 2>/dev/null; do
	if grep -q "@@$nonce@@ END" "$run/serial.log" 2>/dev/null; then
		sleep 2
		break
	fi
	if grep -q "@@$nonce@@ FATAL" "$run/serial.log" 2>/dev/null; then
		why="dom0 setup failed"
		break
	fi
	if grep -qE 'Panic on CPU|Kernel panic - not syncing' "$run/serial.log" 2>/dev/null; then
		why="panic"
		sleep 3
		break
	fi
	if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
		why="timeout after ${timeout}s"
		break
	fi
	sleep 1
done
wall=$(($(date +%s) - start))
if kill -0 "$qpid" 2>/dev/null; then
	kill "$qpid" 2>/dev/null
	sleep 1
	kill -9 "$qpid" 2>/dev/null
fi
wait "$qpid" 2>/dev/null
qpid=

# Tally.  A test fails if it said so, never reported, or an oops, BUG, WARN,
# panic or hung task appeared in dom0 or a guest while it ran.
pass=0 failn=0 skipn=0
tr -d '\r' <"$run/serial.log" >"$run/console.txt"
bad_re='Oops|BUG:|WARNING:|Kernel panic|general protection fault|blocked for more than|Call Trace:|Panic on CPU'
awk -v n="@@$nonce@@" -v re="$bad_re" '
	index($0, n " START ") { cur = $3; next }
	index($0, n " RESULT ") { cur = ""; next }
	# one line per test: "\\n" stays a literal backslash-n for echo -e
	$0 ~ re { k = cur == "" ? "(outside tests)" : cur; gsub(/\t/, " "); bad[k] = bad[k] "\\n    " $0 }
	END { for (t in bad) printf "%s\t%s\n", t, substr(bad[t], 1, 2000) }
' "$run/console.txt" >"$run/bad.txt"

if [ "$demo" = 1 ]; then
	# dom0's OUT lines, and what the guest printed of fio and blkfront
	awk -v n="@@$nonce@@ OUT " '
		index($0, n) { print substr($0, index($0, n) + length(n)); next }
		/^\[domu\] fio / || /^\[domu\] .*blkfront/ { print "  guest: " substr($0, 8) }
	' "$run/console.txt"
fi
if [ -n "$outfile" ]; then
	awk -v n="@@$nonce@@ OUT " 'index($0, n) { print substr($0, index($0, n) + length(n)) }' \
		"$run/console.txt" >"$outfile"
fi
# The test's own output, for the reader of a failure.
show_output() { # test
	awk -v n="@@$nonce@@" -v t="$1" '
		index($0, n " START " t " ") || $0 ~ (n " START " t "$") { on = 1; next }
		on && index($0, n " RESULT ") { exit }
		on { print "    | " $0 }' "$run/console.txt" | tail -40
}
for t in $names; do
	line=$(grep -a "@@$nonce@@ RESULT $t " "$run/console.txt" | tail -1)
	st=$(echo "$line" | awk '{print $4}')
	info=$(echo "$line" | cut -d' ' -f5-)
	oops=$(awk -F'\t' -v t="$t" '$1 == t {print $2}' "$run/bad.txt")
	if [ -n "$oops" ] && [ "$st" != FAIL ]; then
		st=FAIL
		info="kernel reported a problem:$(echo -e "$oops")"
	fi
	# A test that declared cases (lab_cases) counts as its cases, under
	# its own verdict: a case cannot pass in a test that failed.
	subs=$(grep -a "@@$nonce@@ RESULT $t/" "$run/console.txt" |
	       sed "s/.*@@$nonce@@ RESULT //")
	if [ -n "$subs" ]; then
		while read -r sn sst sinfo; do
			if [ "$sst" = PASS ] && [ "$st" != PASS ]; then
				sst=FAIL
				sinfo="$t: ${info:-did not finish${why:+: $why}}"
			fi
			case "$sst" in
			PASS) pass=$((pass + 1)) ;;
			SKIP) skipn=$((skipn + 1)) ;;
			*) sst=FAIL; failn=$((failn + 1)) ;;
			esac
			echo "$sst $sn ($sinfo)"
		done <<<"$subs"
		case "$st" in PASS | SKIP) ;; *) show_output "$t" ;; esac
		continue
	fi
	case "$st" in
	PASS) pass=$((pass + 1)); echo "PASS $t ($info)" ;;
	SKIP) skipn=$((skipn + 1)); echo "SKIP $t ($info)" ;;
	FAIL)
		failn=$((failn + 1))
		echo "FAIL $t ($info)"
		show_output "$t"
		;;
	*)
		failn=$((failn + 1))
		echo "FAIL $t (did not run${why:+: $why})"
		;;
	esac
done
outside=$(awk -F'\t' '$1 == "(outside tests)" {print $2}' "$run/bad.txt")
if [ -n "$outside" ]; then
	failn=$((failn + 1))
	echo "FAIL lab (kernel reported a problem outside any test):$(echo -e "$outside")"
fi
if [ -n "$why" ]; then
	echo "lab: run stopped: $why; last console lines:"
	tail -25 "$run/console.txt" | sed 's/^/    | /'
fi
echo "lab: QEMU ran ${wall}s; console log kept in $run/console.txt"
[ "$skipn" -gt 0 ] && echo "lab: $skipn skipped"
echo "$pass passed, $failn failed"
if [ "$failn" -eq 0 ] && [ -z "$why" ]; then
	lab_ok=1
	exit 0
fi
keep=1
exit 1
