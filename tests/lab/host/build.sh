# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run.sh, step 2: the kernels the lab boots and the modules it
# loads.
#
#   lab_kernels      which kernel dom0 and the guests run (and, on arm64,
#                    fetch Debian's arm64 packages and build the 64 KiB-page
#                    kernel when asked for); sets guest_kver/guest_kdir,
#                    d0kver/d0kdir and dom0_kernel
#   lab_build_ours   our backend (always: the live-update tests swap it in
#                    for stock) and, with --front ours, our frontend; sets
#                    back_ko and front_ko
#   lab_build_rogue  the hostile suite's test-only peers; sets rogue_dir
#
# The tree's own build (make back/front, tests/rogue) is for the default
# x86 kernel; every other kernel gets a private copy of the sources in
# $bdir, so make check can run labs of several kernels side by side.

cross="ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"

lab_kernels() {
	page_bytes=4096 balloon_reserve= kcmdline=
	guest_kver=$kver guest_kdir=$kdir
	d0kver=$kver d0kdir=$kdir d0bytes=4096
	dom0_kernel=/boot/vmlinuz-$kver
	"$host/deps.sh" || exit 1
	if [ "$arch" = arm64 ]; then
		lab_kernels_arm64
	elif [ "$lkernel" = debug ]; then
		lab_kernels_debug
	elif [ -n "${LAB_DOM0_KERNEL:-}" ]; then
		# dom0 on a kernel tests/lab/host/kernel.sh built
		[ -e "$LAB_DOM0_KERNEL/ok" ] ||
			lab_abort "no kernel built in LAB_DOM0_KERNEL=$LAB_DOM0_KERNEL (tests/lab/host/kernel.sh)"
		LAB_DOM0_KERNEL=$(cd "$LAB_DOM0_KERNEL" && pwd)
		export LAB_DOM0_KERNEL
		dom0_kernel=$LAB_DOM0_KERNEL/bzImage
		d0kver=$(cat "$LAB_DOM0_KERNEL/kver") d0kdir=$LAB_DOM0_KERNEL/obj
	fi
}

# The debug kernel for dom0 and the guests, its modules (stock drivers
# included) and its build tree for ours; built by kernel.sh the first time
# (make check-debug builds it before its labs start side by side).
lab_kernels_debug() {
	local dk=${LAB_CACHE:-/var/cache/xen-blk-lab}/kernel-debug

	# (kernel.sh returns at once when the build is current)
	[ -e "$dk/ok" ] ||
		echo "lab: building the debug kernel in $dk (once; 40-70 minutes on two cores)"
	mkdir -p "$(dirname "$labdir")"
	"$host/kernel-debug.sh" "$dk" >"$labdir.kernel-debug.log" 2>&1 || {
		tail -20 "$labdir.kernel-debug.log"
		lab_abort "building the debug kernel failed"
	}
	export LAB_DOM0_KERNEL=$dk LAB_GUEST_KERNEL=$dk
	dom0_kernel=$dk/bzImage
	d0kver=$(cat "$dk/kver") d0kdir=$dk/obj
	guest_kver=$d0kver guest_kdir=$d0kdir
	# Boot options of dom0 and the guests: sanity checks, red zones and
	# poisoning on every slab cache.  LAB_DEBUG_PAGEALLOC=1 adds free
	# pages unmapped from the direct map and poisoned, and SLUB's owner
	# tracking: on PV under TCG every page allocation then costs
	# hypercalls and a TLB flush, and tests take five to seven times as
	# long, too long for the whole suite.
	kcmdline="slub_debug=FZP"
	[ "${LAB_DEBUG_PAGEALLOC:-0}" = 1 ] &&
		kcmdline="slub_debug=FZPU debug_pagealloc=on page_poison=1"
	# LAB_DEBUG_CMDLINE replaces them, to measure what a checker costs
	# (e.g. "kmemleak=off" or "lockdep.prove_locking=0").
	kcmdline=${LAB_DEBUG_CMDLINE-$kcmdline}
}

# arm64: the packages' files, Debian's arm64 kernel for dom0, and for the
# guests that kernel or the 64 KiB-page one.
lab_kernels_arm64() {
	local a64 gk=

	balloon_reserve=${LAB_BALLOON_RESERVE:-512}
	LAB_EXTRA_PKGS="qemu-system-arm gcc-aarch64-linux-gnu ${LAB_EXTRA_PKGS:-}" \
		"$host/deps.sh" || exit 1
	a64=$("$host/arm64-root.sh" | tail -1)
	[ -e "$a64/ok" ] || lab_abort "fetching the arm64 packages failed"
	export LAB_ARCH=arm64 LAB_ARM64_ROOT=$a64/root
	kver=$(sed 's/-amd64$/-arm64/' "$host/KVER")
	kdir=$LAB_ARM64_ROOT/usr/src/linux-headers-$kver
	guest_kver=$kver guest_kdir=$kdir
	d0kver=$kver d0kdir=$kdir dom0_kernel=$LAB_ARM64_ROOT/boot/vmlinuz-$kver
	unset LAB_GUEST_KERNEL LAB_ARM64_DOM0_KERNEL
	if [ "$gpages" = 64k ] || [ "$d0pages" = 64k ]; then
		gk=$("$host/kernel-arm64.sh" | tail -1)
		gk=${gk##* in }
		[ -e "$gk/ok" ] || lab_abort "building the 64 KiB-page arm64 kernel failed"
	fi
	if [ "$gpages" = 64k ]; then
		export LAB_GUEST_KERNEL=$gk
		guest_kver=$(cat "$gk/kver") guest_kdir=$gk/obj
		page_bytes=65536
	fi
	if [ "$d0pages" = 64k ]; then
		# a backend on 64 KiB pages serving 4 KiB grants
		export LAB_ARM64_DOM0_KERNEL=$gk
		d0kver=$(cat "$gk/kver") d0kdir=$gk/obj dom0_kernel=$gk/Image
		d0bytes=65536
	fi
}

# build_copy SIDE KDIR KVER MAKE-ARGS...: build one of our modules (back,
# front) or the rogue ones from a copy of the sources in
# $bdir/SIDE-KVER/<the sources' directory>, private to this run; sets
# built to that directory.
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
		lab_abort "building our $side module for $kv failed"
	fi
	built=$b/$src
}

# our_module SIDE: sets mod to the path of our xen-blkSIDE.ko for the
# kernel of the domain it runs in, built if need be.
our_module() { # back|front
	local side=$1 kd kv cfg arg=() m vm

	if [ "$side" = back ]; then
		kd=$d0kdir kv=$d0kver cfg=CONFIG_XEN_BLKDEV_BACKEND=m
	else
		kd=$guest_kdir kv=$guest_kver cfg=CONFIG_XEN_BLKDEV_FRONTEND=m
	fi
	# shellcheck disable=SC2206
	[ "$arch" = arm64 ] && arg=($cross)
	if [ -n "${LAB_MODULES:-}" ]; then
		m=$LAB_MODULES/xen-blk$side.ko
		vm=$(modinfo -F vermagic "$m" 2>/dev/null | cut -d' ' -f1)
		[ "$vm" = "$kv" ] ||
			lab_abort "$m is not a module for $kv (vermagic '${vm:-none}')"
		echo "lab: our $side module from $m"
		mod=$m
	elif [ "$kv" != "$(cat "$host/KVER")" ] || [ "$arch" = arm64 ]; then
		build_copy "$side" "$kd" "$kv" "${arg[@]}" "$cfg"
		mod=$built/xen-blk$side.ko
	else
		# make check builds once before running labs side by side
		if [ -z "${LAB_PREBUILT:-}" ] &&
		   ! make -s -C "$top" "$side" KDIR="$kd" >"$labdir.build-$side.log" 2>&1; then
			cat "$labdir.build-$side.log"
			lab_abort "building our $side module failed"
		fi
		mod=$top/drivers/block/xen-blk$side/xen-blk$side.ko
	fi
}

lab_build_ours() {
	our_module back
	back_ko=$mod front_ko=
	if [ "$front" = ours ]; then
		our_module front
		front_ko=$mod
	fi
}

# The rogue backend runs in dom0, the rogue frontend in the guests.
lab_build_rogue() {
	local arg=()

	rogue_dir=$top/tests/rogue
	# shellcheck disable=SC2206
	[ "$arch" = arm64 ] && arg=($cross)
	if [ "$arch" = arm64 ] || [ "$d0kver" != "$(cat "$host/KVER")" ] ||
	   [ "$guest_kver" != "$d0kver" ]; then
		build_copy rogue "$d0kdir" "$d0kver" "${arg[@]}"
		rogue_dir=$built
		if [ "$guest_kver" != "$d0kver" ]; then
			build_copy rogue "$guest_kdir" "$guest_kver" "${arg[@]}"
			cp "$built"/rogue_front*.ko "$rogue_dir/"
		fi
	elif [ -z "${LAB_PREBUILT:-}" ] || ! ls "$rogue_dir"/rogue_*.ko >/dev/null 2>&1; then
		# (make check builds them once, before running labs side by side)
		if ! make -s -C "$kdir" M="$rogue_dir" modules >"$labdir.build-rogue.log" 2>&1; then
			cat "$labdir.build-rogue.log"
			lab_abort "building the rogue test modules failed"
		fi
	fi
}
