#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab's arm64 kernel with 64 KiB pages from Debian's
# linux-source-6.1: arm64 allnoconfig + tests/lab/host/arm64-64k.config,
# cross-compiled with aarch64-linux-gnu-gcc.  The same Image boots as a
# Xen/ARM dom0 and domU; blkfront, blkback and the Xen user devices are
# modules.
#
#   kernel-arm64.sh [OUTDIR]
#
# Cached: nothing is built when OUTDIR/ok holds the checksum of the fragment
# and of the recipe number below.  Without OUTDIR the kernel goes to a cache outside any
# clone, ${LAB_CACHE:-/var/cache/xen-blk-lab}/arm64-64k-<checksum>, so all
# clones share it; a lock keeps concurrent callers from building twice.
#
# OUTDIR gets Image (uncompressed), obj/ (the build tree: KDIR for
# out-of-tree modules, with ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-),
# root/lib/modules/KVER (modules_install + depmod), kver, config and, last,
# ok.  Progress goes to stderr; the last line on stdout is
# "kernel-arm64: KVER in OUTDIR".  LAB_JOBS overrides make's -j (default:
# the number of CPUs).
set -euo pipefail

export PATH=$PATH:/usr/sbin:/sbin
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/arm64-64k.config
tarball=/usr/src/linux-source-6.1.tar.xz
cross=aarch64-linux-gnu-

# The cache key: the fragment and the recipe's number.  Bump it when a
# change to this script changes what it builds (comments do not).
recipe=1
want=$({ echo "recipe $recipe"; cat "$frag"; } | md5sum | cut -c1-32)
out=${1:-${LAB_CACHE:-/var/cache/xen-blk-lab}/arm64-64k-${want:0:12}}

done_line() { echo "kernel-arm64: $(cat "$out/kver") in $out"; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ "$(cat "$out/ok" 2>/dev/null)" = "$want" ]; then
	done_line
	exit 0
fi

# One builder per OUTDIR; whoever waited finds the work done.
exec 9>"$out.lock"
flock 9
if [ "$(cat "$out/ok" 2>/dev/null)" = "$want" ]; then
	done_line
	exit 0
fi
rm -f "$out/ok"

need=
[ -r "$tarball" ] || need="$need linux-source-6.1"
for tool in "${cross}gcc:gcc-aarch64-linux-gnu" xz:xz-utils bc:bc \
	    flex:flex bison:bison depmod:kmod; do
	command -v "${tool%%:*}" >/dev/null || need="$need ${tool#*:}"
done
[ -r /usr/include/openssl/opensslv.h ] || need="$need libssl-dev"
if [ -n "$need" ]; then
	LAB_EXTRA_PKGS="$need ${LAB_EXTRA_PKGS:-}" "$here/deps.sh" >&2
fi

start=$SECONDS
if [ ! -e "$out/src/Makefile" ]; then
	echo "kernel-arm64: unpacking $tarball" >&2
	rm -rf "$out/src" "$out/src.tmp"
	mkdir -p "$out/src.tmp"
	tar -xf "$tarball" -C "$out/src.tmp" --strip-components=1
	mv "$out/src.tmp" "$out/src"
fi

k() {
	make -s -C "$out/src" O="$out/obj" ARCH=arm64 CROSS_COMPILE="$cross" \
		-j"${LAB_JOBS:-$(nproc)}" "$@" >&2
}

mkdir -p "$out/obj"
k allnoconfig
"$out/src/scripts/kconfig/merge_config.sh" -m -O "$out/obj" \
	"$out/obj/.config" "$frag" >"$out/merge.log"
k olddefconfig
cp "$out/obj/.config" "$out/config"

# Refuse a kernel that silently lost an option the lab relies on (a
# dependency left unmet makes olddefconfig drop it without a word).
bad=0
check() {
	local sym=$1 val=$2 got
	got=$(sed -n "s/^CONFIG_$sym=//p" "$out/config")
	if [ "${got:-n}" != "$val" ]; then
		echo "kernel-arm64: CONFIG_$sym is '${got:-n}', want '$val'" >&2
		bad=1
	fi
}
for sym in ARM64_64K_PAGES SMP OF ARM_GIC_V3 ARM_ARCH_TIMER PRINTK TTY \
	   XEN XEN_DOM0 XEN_BACKEND XEN_BALLOON HVC_XEN HVC_XEN_FRONTEND \
	   SERIAL_EARLYCON BINFMT_ELF BINFMT_SCRIPT MULTIUSER POSIX_TIMERS \
	   FUTEX EPOLL SIGNALFD TIMERFD EVENTFD AIO FILE_LOCKING SYSVIPC \
	   SHMEM TMPFS DEVTMPFS PROC_FS PROC_SYSCTL SYSFS DEBUG_FS \
	   BLK_DEV_INITRD RD_GZIP NET UNIX INET UNIX98_PTYS MODULES \
	   MODULE_UNLOAD BLOCK BLK_DEV SWAP CRYPTO; do
	check "$sym" y
done
for sym in XEN_BLKDEV_FRONTEND XEN_BLKDEV_BACKEND XENFS XEN_DEV_EVTCHN \
	   XEN_GNTDEV XEN_GRANT_DEV_ALLOC XEN_PRIVCMD BLK_DEV_RAM \
	   BLK_DEV_NULL_BLK BLK_DEV_LOOP ZRAM EXT4_FS CRYPTO_CRC32C; do
	check "$sym" m
done
for sym in LOCALVERSION_AUTO WERROR DEBUG_INFO MODULE_SIG DEBUG_INFO_BTF; do
	check "$sym" n
done
check LOCALVERSION '"-lab64k"'
if [ "$bad" != 0 ]; then
	echo "kernel-arm64: config check failed; see $out/merge.log" >&2
	exit 1
fi

k Image modules
rm -rf "$out/root"
k INSTALL_MOD_PATH="$out/root" modules_install
make -s -C "$out/src" O="$out/obj" ARCH=arm64 CROSS_COMPILE="$cross" \
	kernelrelease >"$out/kver"
kver=$(cat "$out/kver")
case $kver in
*-lab64k) ;;
*) echo "kernel-arm64: unexpected kernelrelease '$kver'" >&2; exit 1 ;;
esac
depmod -b "$out/root" "$kver"
cp "$out/obj/arch/arm64/boot/Image" "$out/Image"
echo "$want" >"$out/ok"
echo "kernel-arm64: built in $((SECONDS - start)) s" >&2
done_line
