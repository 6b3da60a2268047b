#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build both modules for arm64 with 64 KiB pages (PAGE_SIZE > XEN_PAGE_SIZE),
# warning-free with W=1, against the kernel the arm64 lab's 64 KiB-page
# guests (and its 64 KiB-page dom0, DOM0_PAGES=64k) run
# (tests/lab/host/kernel-arm64.sh: built once per machine, cached).
#
#   scripts/build-arm64-64k.sh            build into build/arm64-64k
#   OUT=dir KDIR=dir CROSS=prefix         override the defaults
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$top/build/arm64-64k}
cross=${CROSS:-aarch64-linux-gnu-}

if [ -z "${KDIR:-}" ]; then
	k=$("$top/tests/lab/host/kernel-arm64.sh" | tail -1)
	KDIR=${k##* in }/obj
fi
grep -q '^CONFIG_ARM64_64K_PAGES=y' "$KDIR/.config" ||
	{ echo "arm64-64k: $KDIR is not a 64 KiB-page kernel" >&2; exit 1; }

# Build a copy so that objects never mix with the native build's.
mod=$out/mod
rm -rf "$mod"
mkdir -p "$mod/drivers/block" "$mod/include"
cp -r "$top/drivers/block/xen-blkfront" "$top/drivers/block/xen-blkback" "$mod/drivers/block/"
cp -r "$top/include/." "$mod/include/"
cp "$top/Kbuild" "$mod/"
find "$mod" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \
	-o -name 'modules.order' -o -name 'Module.symvers' \) -delete

log=$out/build.log
make -C "$KDIR" ARCH=arm64 CROSS_COMPILE="$cross" M="$mod" \
	CONFIG_XEN_BLKDEV_FRONTEND=m CONFIG_XEN_BLKDEV_BACKEND=m \
	W=1 modules >"$log" 2>&1 || { cat "$log"; exit 1; }
cat "$log"
if grep -E 'warning:|error:' "$log" | grep -q .; then
	echo "arm64-64k: warnings or errors, see $log" >&2
	exit 1
fi
file "$mod/drivers/block/xen-blkfront/xen-blkfront.ko" \
	"$mod/drivers/block/xen-blkback/xen-blkback.ko"
echo "arm64-64k: xen-blkfront.ko and xen-blkback.ko built warning-free (PAGE_SIZE 64 KiB)"
