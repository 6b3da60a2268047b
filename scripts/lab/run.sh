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
  --arch x86|arm64       the lab's architecture (default x86; make lab ARCH=arm64):
                         arm64 boots Xen/ARM and Debian's arm64 dom0 in
                         qemu-system-aarch64, from arm64 packages unpacked
                         by scripts/lab/arm64-root.sh
  --guest-pages 4k|64k   arm64 guests' page size (default 4k): 4k runs
                         Debian's arm64 kernel, 64k the kernel that
                         scripts/lab/kernel-arm64.sh builds (cached)
  --dom0-pages 4k|64k    the same for the arm64 dom0 (default 4k)
  --kver 6.1|6.12        x86: Debian's kernel for dom0 and the guests, 6.1
                         (scripts/lab/KVER, default) or 6.12
                         (scripts/lab/KVER-6.12); stock drivers are that
                         kernel's, ours are built for it (make lab KVER=6.12)
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
Environment: LAB_PREBUILT=1 (use the modules already built), LAB_MODULES=DIR
  (x86: take our xen-blkback.ko and xen-blkfront.ko from DIR instead of
  building them, e.g. the updates/dkms directory of an installed
  xen-blk-dkms package; their vermagic must be the lab kernel's),
  LAB_KDIR (headers for the lab kernel), LAB_DIR (default build/lab),
  LAB_SMP (QEMU CPUs, default 1: with 2, two emulators sharing the host
  slow each other down tenfold through preempted vCPU threads),
  LAB_DOM0_MEM (dom0 memory in MiB, default 1536), LAB_QEMU_EXTRA (more
  QEMU arguments, e.g. a disk for dom0), LAB_PERF=1 (put the host's perf,
  package linux-perf, into dom0 and the guests), LAB_DOM0_KERNEL=DIR
  (boot dom0 on the kernel scripts/lab/kernel.sh built in DIR, with its
  modules; the guests keep Debian's), LAB_ICOUNT=1 (QEMU's instruction
  counter is the guests' clock: -icount shift=LAB_ICOUNT_SHIFT (default 4,
  16 ns an instruction),sleep=off on single-threaded TCG; time inside the
  lab then measures work done, not host time, see make bench).
USAGE
	exit 2
}

top=$(cd "$(dirname "$0")/../.." && pwd)
front=ours back=ours tests= extra_dom0= extra_domu= demo=0 bparams=
timeout=3600 keep=0 outfile= arch=${LAB_ARCH:-x86} gpages=${LAB_GUEST_PAGES:-4k}
d0pages=${LAB_DOM0_PAGES:-4k} kline=6.1
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) arch=$2; shift ;;
	--guest-pages) gpages=$2; shift ;;
	--dom0-pages) d0pages=$2; shift ;;
	--kver) kline=$2; shift ;;
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
case "$arch" in
"" | x86 | x86_64 | amd64) arch=x86 ;;
arm64 | aarch64) arch=arm64 ;;
*) echo "ARCH must be x86 or arm64" >&2; exit 2 ;;
esac
case "$arch/$gpages" in
x86/* | arm64/4k | arm64/64k) ;;
arm64/16k)
	echo "lab: 16 KiB-page guests need Debian's 6.12 kernel line, which the lab does not run yet"
	echo "0 passed, 1 failed"
	exit 2
	;;
*) echo "GUEST_PAGES must be 4k or 64k" >&2; exit 2 ;;
esac
case "$arch/$d0pages" in
*/4k | arm64/64k) ;;
*) echo "DOM0_PAGES must be 4k, or 64k on arm64" >&2; exit 2 ;;
esac

case "$arch/$kline" in
*/6.1 | */) kver=$(cat "$top/scripts/lab/KVER") ;;
x86/6.12) kver=$(cat "$top/scripts/lab/KVER-6.12") ;;
*) echo "KVER must be 6.1, or 6.12 on x86" >&2; exit 2 ;;
esac
if [ -n "${LAB_MODULES:-}" ] && [ "$arch" != x86 ]; then
	echo "LAB_MODULES is for the x86 lab (Debian's kernels) only" >&2
	exit 2
fi
# deps.sh and mkimage.sh boot what this names (x86)
export LAB_KVER=$kver
kdir=${LAB_KDIR:-/usr/src/linux-headers-$kver}
labdir=${LAB_DIR:-$top/build/lab}
"$top/scripts/lab/deps.sh" || exit 1

# arm64: the packages' files, Debian's arm64 kernel for dom0, and for the
# guests that kernel or the 64 KiB-page one; our modules are cross-built
# against their headers into copies of the sources (build_copy below).
page_bytes=4096 balloon_reserve=
if [ "$arch" = arm64 ]; then
	balloon_reserve=${LAB_BALLOON_RESERVE:-512}
	LAB_EXTRA_PKGS="qemu-system-arm gcc-aarch64-linux-gnu ${LAB_EXTRA_PKGS:-}" \
		"$top/scripts/lab/deps.sh" || exit 1
	a64=$("$top/scripts/lab/arm64-root.sh" | tail -1)
	if [ ! -e "$a64/ok" ]; then
		echo "lab: fetching the arm64 packages failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
	export LAB_ARCH=arm64 LAB_ARM64_ROOT=$a64/root
	kver=$(sed 's/-amd64$/-arm64/' "$top/scripts/lab/KVER")
	kdir=$LAB_ARM64_ROOT/usr/src/linux-headers-$kver
	guest_kver=$kver guest_kdir=$kdir
	d0kver=$kver d0kdir=$kdir d0image=$LAB_ARM64_ROOT/boot/vmlinuz-$kver d0bytes=4096
	unset LAB_GUEST_KERNEL LAB_ARM64_DOM0_KERNEL
	if [ "$gpages" = 64k ] || [ "$d0pages" = 64k ]; then
		gk=$("$top/scripts/lab/kernel-arm64.sh" | tail -1)
		gk=${gk##* in }
		if [ ! -e "$gk/ok" ]; then
			echo "lab: building the 64 KiB-page arm64 kernel failed"
			echo "0 passed, 1 failed"
			exit 1
		fi
	fi
	if [ "$gpages" = 64k ]; then
		export LAB_GUEST_KERNEL=$gk
		guest_kver=$(cat "$gk/kver") guest_kdir=$gk/obj
		page_bytes=65536
	fi
	if [ "$d0pages" = 64k ]; then
		# a backend on 64 KiB pages serving 4 KiB grants
		export LAB_ARM64_DOM0_KERNEL=$gk
		d0kver=$(cat "$gk/kver") d0kdir=$gk/obj d0image=$gk/Image d0bytes=65536
	fi
	if [ -n "${LAB_DOM0_KERNEL:-}" ]; then
		echo "lab: LAB_DOM0_KERNEL is for the x86 lab"
		exit 2
	fi
fi

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

# Build one of our modules (or the rogue ones) from a copy of the sources
# for a kernel other than the tree's (the x86 build stays Debian's):
# build_copy SIDE KDIR KVER MAKE-ARGS...; the .ko files land in
# $bdir/SIDE-KVER/<the sources' directory>, private to this run (make
# check runs labs side by side).
mkdir -p "$labdir"
bdir=$labdir/build-$$
trap 'rm -rf "$bdir"' EXIT
build_copy() {
	local side=$1 kd=$2 kv=$3 b src
	shift 3
	b=$bdir/$side-$kv
	case "$side" in
	back) src=drivers/block/xen-blkback ;;
	front) src=drivers/block/xen-blkfront ;;
	rogue) src=tests/rogue ;;
	esac
	rm -rf "$b"
	mkdir -p "$b/$src"
	cp -r "$top/include" "$b/"
	cp "$top/$src"/Kbuild "$top/$src"/*.c "$b/$src/"
	cp "$top/$src"/*.h "$b/$src/" 2>/dev/null
	if ! make -s -C "$kd" M="$b/$src" "$@" modules >"$b.log" 2>&1; then
		cat "$b.log"
		echo "lab: building our $side module for $kv failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
}
cross="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"

# Build our modules for the lab kernel (only the sides in use).
mkdir -p "$labdir"
for side in back front; do
	eval "who=\$$side"
	# Our backend always: the live-update tests swap it in for stock.
	[ "$who" = ours ] || [ "$side" = back ] || continue
	if [ "$arch" = arm64 ] && [ "$side" = back ]; then
		# shellcheck disable=SC2086
		build_copy back "$d0kdir" "$d0kver" $cross CONFIG_XEN_BLKDEV_BACKEND=m
		continue
	fi
	if [ "$arch" = arm64 ]; then
		# shellcheck disable=SC2086
		build_copy front "$guest_kdir" "$guest_kver" $cross CONFIG_XEN_BLKDEV_FRONTEND=m
		continue
	fi
	if [ "$side" = back ] && [ -n "${LAB_DOM0_KERNEL:-}" ]; then
		build_copy back "$LAB_DOM0_KERNEL/obj" "$dom0_kver" CONFIG_XEN_BLKDEV_BACKEND=m
		continue
	fi
	if [ -n "${LAB_MODULES:-}" ]; then
		m=$LAB_MODULES/xen-blk$side.ko
		vm=$(modinfo -F vermagic "$m" 2>/dev/null | cut -d' ' -f1)
		if [ "$vm" != "$kver" ]; then
			echo "lab: $m is not a module for $kver (vermagic '${vm:-none}')"
			echo "0 passed, 1 failed"
			exit 1
		fi
		echo "lab: our $side module from $m"
		continue
	fi
	# The tree's own build is for the default kernel; another one (6.12)
	# gets a private copy, so labs of both can run side by side.
	if [ "$kline" = 6.12 ]; then
		build_copy "$side" "$kdir" "$kver" \
			"CONFIG_XEN_BLKDEV_$([ "$side" = back ] && echo BACKEND || echo FRONTEND)=m"
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
	  echo "$kver"
	  [ -n "${LAB_DOM0_KERNEL:-}" ] && ls -l --time-style=+%s "$LAB_DOM0_KERNEL/ok" "$dom0_kernel"
	  [ "$arch" = arm64 ] &&
		echo "$arch $LAB_ARM64_ROOT ${LAB_GUEST_KERNEL:-} ${LAB_ARM64_DOM0_KERNEL:-}" &&
		cat "$LAB_ARM64_ROOT/../ok" "${LAB_GUEST_KERNEL:-/dev/null}/ok" 2>/dev/null
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
	rm -rf "$run/stage-dom0" "$run/stage-domu" "$run"/*.cpio "$bdir"
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
rogue_dir=$top/tests/rogue
if [ -n "$rogue" ] && [ "$arch" = arm64 ]; then
	# the rogue backend runs in dom0, the rogue frontend in the guests
	# shellcheck disable=SC2086
	build_copy rogue "$d0kdir" "$d0kver" $cross
	rogue_dir=$bdir/rogue-$d0kver/tests/rogue
	if [ "$guest_kver" != "$d0kver" ]; then
		# shellcheck disable=SC2086
		build_copy rogue "$guest_kdir" "$guest_kver" $cross
		cp "$bdir/rogue-$guest_kver"/tests/rogue/rogue_front*.ko "$rogue_dir/"
	fi
elif [ -n "$rogue" ] && [ "$kline" = 6.12 ]; then
	build_copy rogue "$kdir" "$kver"
	rogue_dir=$bdir/rogue-$kver/tests/rogue
elif [ -n "$rogue" ] && { [ -z "${LAB_PREBUILT:-}" ] ||
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
# The xen_blk trace reduction, for scripts/trace/lab-latency.sh on both sides.
cp "$top/scripts/trace/latency.awk" "$d0/lab/"
cp "$top/scripts/trace/latency.awk" "$du/lab/"
# Our backend is always there: the live-update tests swap it in for stock.
if [ "$arch" = arm64 ]; then
	cp "$bdir/back-$d0kver/drivers/block/xen-blkback/xen-blkback.ko" "$d0/lab/mod/"
elif [ -n "${LAB_DOM0_KERNEL:-}" ]; then
	cp "$bdir/back-$dom0_kver/drivers/block/xen-blkback/xen-blkback.ko" "$d0/lab/mod/"
elif [ -n "${LAB_MODULES:-}" ]; then
	cp "$LAB_MODULES/xen-blkback.ko" "$d0/lab/mod/"
elif [ "$kline" = 6.12 ]; then
	cp "$bdir/back-$kver/drivers/block/xen-blkback/xen-blkback.ko" "$d0/lab/mod/"
else
	cp "$top/drivers/block/xen-blkback/xen-blkback.ko" "$d0/lab/mod/"
fi
cp "$top/scripts/xen-blkback-swap" "$d0/lab/"
if [ "$front" = ours ] && [ "$arch" = arm64 ]; then
	cp "$bdir/front-$guest_kver/drivers/block/xen-blkfront/xen-blkfront.ko" "$du/lab/mod/"
elif [ "$front" = ours ] && [ -n "${LAB_MODULES:-}" ]; then
	cp "$LAB_MODULES/xen-blkfront.ko" "$du/lab/mod/"
elif [ "$front" = ours ] && [ "$kline" = 6.12 ]; then
	cp "$bdir/front-$kver/drivers/block/xen-blkfront/xen-blkfront.ko" "$du/lab/mod/"
elif [ "$front" = ours ]; then
	cp "$top/drivers/block/xen-blkfront/xen-blkfront.ko" "$du/lab/mod/"
fi
if [ -n "$rogue" ]; then
	for f in "$rogue_dir"/rogue_front*.ko; do
		[ -e "$f" ] && cp "$f" "$du/lab/mod/"
	done
	for f in "$rogue_dir"/rogue_back*.ko; do
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
LAB_ARCH=$arch
LAB_GUEST_PAGE_SIZE=$page_bytes
LAB_BALLOON_RESERVE=$balloon_reserve
CONF
# The nonce must not be readable by guests: keep it out of the guest image.
"$top/scripts/lab/mkimage.sh" overlay "$du" "$run/domu-overlay.cpio"
cat "$cache/domu-base.cpio" "$run/domu-overlay.cpio" >"$d0/lab/domu/initrd.cpio"
"$top/scripts/lab/mkimage.sh" overlay "$d0" "$run/dom0-overlay.cpio"
cat "$cache/dom0-base.cpio" "$run/dom0-overlay.cpio" >"$run/dom0.cpio"
rm -rf "$d0/lab/domu/initrd.cpio"
start=$(date +%s)
# The emulator's clock: host time, or with LAB_ICOUNT=1 its instruction
# counter (which needs single-threaded TCG), so that every duration the
# machine sees counts the instructions it ran and the host's load does
# not move it.
accel="-accel tcg,thread=multi"
if [ "${LAB_ICOUNT:-0}" = 1 ]; then
	accel="-accel tcg,thread=single -icount shift=${LAB_ICOUNT_SHIFT:-4},sleep=off"
fi
if [ "$arch" = arm64 ]; then
	d0desc=
	[ "$d0bytes" != 4096 ] && d0desc=" ($d0bytes-byte pages)"
	echo "lab: Xen 4.17 arm64, dom0 $d0kver arm64$d0desc, guests $guest_kver arm64, $page_bytes-byte pages, backend=$back frontend=$front"
	echo "lab: tests: $names"
	echo "lab: console log: $run/serial.log"
	# 512 MiB of it are ballooned out for grant mappings (dom0-init)
	dom0_mem=${LAB_DOM0_MEM:-1536}
	# Xen/ARM takes its modules from QEMU's guest-loader devices: dom0's
	# kernel with its command line, then its initramfs.  pauth-impdef
	# makes pointer authentication cheap to emulate.
	# shellcheck disable=SC2086
	qemu-system-aarch64 $accel \
		-machine virt,gic-version=3,virtualization=on -cpu max,pauth-impdef=on \
		-m 4096 -smp "${LAB_SMP:-1}" -display none -monitor none \
		-serial "file:$run/serial.log" -no-reboot -net none ${LAB_QEMU_EXTRA:-} \
		-kernel "$LAB_ARM64_ROOT/boot/xen-4.17-arm64" \
		-append "console=dtuart dom0_mem=${dom0_mem}M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot" \
		-device "guest-loader,addr=0x49000000,kernel=$d0image,bootargs=console=hvc0 earlycon=xenboot rdinit=/init loglevel=6" \
		-device "guest-loader,addr=0x50000000,initrd=$run/dom0.cpio" \
		</dev/null >"$run/qemu.log" 2>&1 &
	qpid=$!
else
	zcat /boot/xen-4.17-amd64.gz >"$run/xen"
	echo "lab: Xen 4.17, dom0 $dom0_kver, guests $kver, backend=$back frontend=$front"
	echo "lab: tests: $names"
	echo "lab: console log: $run/serial.log"
	dom0_mem=${LAB_DOM0_MEM:-1536}
	# shellcheck disable=SC2086
	qemu-system-x86_64 $accel -cpu qemu64 -m 4096 -smp "${LAB_SMP:-1}" \
		-display none -monitor none -serial "file:$run/serial.log" -no-reboot \
		-net none ${LAB_QEMU_EXTRA:-} -kernel "$run/xen" \
		-append "console=com1 com1=115200,8n1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot ucode=no" \
		-initrd "$dom0_kernel console=hvc0 earlyprintk=xen rdinit=/init loglevel=6,$run/dom0.cpio" \
		</dev/null >"$run/qemu.log" 2>&1 &
	qpid=$!
fi
[ "${LAB_ICOUNT:-0}" = 1 ] &&
	echo "lab: clock: QEMU's instruction counter (icount shift=${LAB_ICOUNT_SHIFT:-4}, sleep=off)"

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
