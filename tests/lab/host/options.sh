# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run.sh, step 1: the command line.  lab_parse sets the run's
# variables (front, back, tests, arch, kline, kver, kdir, labdir, ...) or
# exits 2 with the usage.

usage() {
	cat <<USAGE
usage: $0 [options]
  --arch x86|arm64       the lab's architecture (default x86; make lab ARCH=arm64):
                         arm64 boots Xen/ARM and Debian's arm64 dom0 in
                         qemu-system-aarch64, from arm64 packages unpacked
                         by tests/lab/host/arm64-root.sh
  --guest-pages 4k|64k   arm64 guests' page size (default 4k): 4k runs
                         Debian's arm64 kernel, 64k the kernel that
                         tests/lab/host/kernel-arm64.sh builds (cached)
  --dom0-pages 4k|64k    the same for the arm64 dom0 (default 4k)
  --kver 6.1|6.12        x86: Debian's kernel for dom0 and the guests, 6.1
                         (tests/lab/host/KVER, default) or 6.12
                         (tests/lab/host/KVER-6.12); stock drivers are that
                         kernel's, ours are built for it (make lab KVER=6.12)
  --kernel debian|debug  x86, 6.1: the kernel dom0 and the guests boot,
                         Debian's (default) or the debug kernel that
                         tests/lab/host/kernel.sh builds from linux-source-6.1
                         with debug.config (lockdep, KFENCE, SLUB and page
                         debugging, debug objects, kmemleak; built once,
                         cached in /var/cache/xen-blk-lab/kernel-debug, or
                         \$LAB_CACHE/kernel-debug): the run then ends with
                         a kmemleak check (make lab LAB_KERNEL=debug, make
                         check-debug); LAB_DEBUG_PAGEALLOC=1 adds
                         debug_pagealloc, page poisoning and SLUB owner
                         tracking (five to seven times slower);
                         LAB_DEBUG_CMDLINE replaces the boot options
                         (slub_debug=FZP); guests get at least 512 MiB
  --front ours|stock     frontend in the guests (default ours)
  --back ours|stock      backend in dom0 (default ours)
  --tests "A B"          test names (test_fio_01) or groups (fio); default all;
                         "-X" leaves X out ("all -hostile", "-config")
  --extra-dom0 "F..."    extra test scripts run in dom0, counted in the result
  --extra-domu "F..."    extra test scripts run in the default guest
  --demo                 run the demo instead of the tests
  --bparams "a=b ..."    backend module parameters at load
  --timeout SECS         bound for the whole QEMU run (default 3600, 14400
                         with --kernel debug)
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
  package linux-perf, into dom0 and the guests), LAB_DOM0_FILES="SRC:DST
  ..." (host files copied into dom0 at DST), LAB_GUEST_TSC (xl's
  tsc_mode for every x86 guest, e.g. native; default: Xen's choice),
  LAB_DOM0_KERNEL=DIR
  (boot dom0 on the kernel tests/lab/host/kernel.sh built in DIR, with its
  modules; the guests keep Debian's), LAB_ICOUNT=1 (QEMU's instruction
  counter is the guests' clock: -icount shift=LAB_ICOUNT_SHIFT (default 4,
  16 ns an instruction),sleep=off on single-threaded TCG; time inside the
  lab then measures work done, not host time, see make bench).
USAGE
	exit 2
}

# Say why the lab cannot run, in the form every caller tallies, and stop.
lab_abort() { # message [exit-code]
	echo "lab: $1"
	echo "0 passed, 1 failed"
	exit "${2:-1}"
}

lab_parse() {
	front=ours back=ours tests= extra_dom0= extra_domu= demo=0 bparams=
	timeout= keep=0 outfile= arch=${LAB_ARCH:-x86}
	gpages=${LAB_GUEST_PAGES:-4k} d0pages=${LAB_DOM0_PAGES:-4k} kline=6.1
	lkernel=${LAB_KERNEL:-debian}
	while [ $# -gt 0 ]; do
		case "$1" in
		--arch) arch=$2; shift ;;
		--guest-pages) gpages=$2; shift ;;
		--dom0-pages) d0pages=$2; shift ;;
		--kver) kline=$2; shift ;;
		--kernel) lkernel=$2; shift ;;
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
		case "$v" in
		ours | stock) ;;
		*) echo "FRONT/BACK must be ours or stock" >&2; exit 2 ;;
		esac
	done
	case "$arch" in
	"" | x86 | x86_64 | amd64) arch=x86 ;;
	arm64 | aarch64) arch=arm64 ;;
	*) echo "ARCH must be x86 or arm64" >&2; exit 2 ;;
	esac
	case "$arch/$gpages" in
	x86/* | arm64/4k | arm64/64k) ;;
	arm64/16k)
		lab_abort "16 KiB-page guests need Debian's 6.12 kernel line, which the lab does not run yet" 2
		;;
	*) echo "GUEST_PAGES must be 4k or 64k" >&2; exit 2 ;;
	esac
	case "$arch/$d0pages" in
	*/4k | arm64/64k) ;;
	*) echo "DOM0_PAGES must be 4k, or 64k on arm64" >&2; exit 2 ;;
	esac
	case "$arch/$kline" in
	*/6.1 | */) kver=$(cat "$host/KVER") ;;
	x86/6.12) kver=$(cat "$host/KVER-6.12") ;;
	*) echo "KVER must be 6.1, or 6.12 on x86" >&2; exit 2 ;;
	esac
	case "$arch/$kline/$lkernel" in
	*/debian) ;;
	x86/6.1/debug)
		[ -z "${LAB_DOM0_KERNEL:-}${LAB_MODULES:-}" ] || {
			echo "LAB_KERNEL=debug boots its own kernel: no LAB_DOM0_KERNEL or LAB_MODULES" >&2
			exit 2
		}
		;;
	*) echo "LAB_KERNEL must be debian, or debug on x86 with 6.1" >&2; exit 2 ;;
	esac
	# On the debug kernel a test takes two to eight times as long: the
	# run's bound, as each test's (lab_test_timeout), is four times as long.
	if [ -z "$timeout" ]; then
		timeout=3600
		[ "$lkernel" = debug ] && timeout=14400
	fi
	if [ -n "${LAB_MODULES:-}" ] && [ "$arch" != x86 ]; then
		echo "LAB_MODULES is for the x86 lab (Debian's kernels) only" >&2
		exit 2
	fi
	if [ -n "${LAB_DOM0_KERNEL:-}" ] && [ "$arch" != x86 ]; then
		echo "lab: LAB_DOM0_KERNEL is for the x86 lab"
		exit 2
	fi
	# deps.sh and mkimage.sh boot what this names (x86)
	export LAB_KVER=$kver
	kdir=${LAB_KDIR:-/usr/src/linux-headers-$kver}
	labdir=${LAB_DIR:-$top/build/lab}
}
