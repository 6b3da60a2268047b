#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build xen-blkfront for arm64 with 64 KiB pages (PAGE_SIZE > XEN_PAGE_SIZE),
# warning-free with W=1, against Debian's linux-source-6.1 configured with
# CONFIG_ARM64_64K_PAGES=y and CONFIG_XEN=y.
#
#   scripts/build-arm64-64k.sh            prepare the tree once, then build
#   OUT=dir SRC=tarball CROSS=prefix      override the defaults below
#
# Needs: linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz),
# gcc-aarch64-linux-gnu, flex, bison, bc, make.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$top/build/arm64-64k}
src=${SRC:-/usr/src/linux-source-6.1.tar.xz}
cross=${CROSS:-aarch64-linux-gnu-}
tree=$out/linux-source-6.1
jobs=$(nproc 2>/dev/null || echo 2)

command -v "${cross}gcc" >/dev/null ||
	{ echo "no ${cross}gcc (apt-get install gcc-aarch64-linux-gnu)" >&2; exit 1; }

if [ ! -f "$tree/.prepared" ]; then
	[ -f "$src" ] || { echo "no $src (apt-get install linux-source-6.1)" >&2; exit 1; }
	mkdir -p "$out"
	rm -rf "$tree"
	tar -C "$out" -xf "$src"
	make -C "$tree" ARCH=arm64 CROSS_COMPILE="$cross" defconfig >/dev/null
	"$tree/scripts/config" --file "$tree/.config" \
		-d ARM64_4K_PAGES -d ARM64_16K_PAGES -e ARM64_64K_PAGES \
		-e XEN -e XEN_BLKDEV_FRONTEND -d WERROR \
		-d DEBUG_INFO_BTF -d MODULE_SIG
	make -C "$tree" ARCH=arm64 CROSS_COMPILE="$cross" olddefconfig >/dev/null
	grep -q '^CONFIG_ARM64_64K_PAGES=y' "$tree/.config"
	grep -q '^CONFIG_XEN=y' "$tree/.config"
	make -C "$tree" ARCH=arm64 CROSS_COMPILE="$cross" -j"$jobs" modules_prepare
	touch "$tree/.prepared"
fi

# Build a copy so that objects never mix with the native build's.
mod=$out/mod
rm -rf "$mod"
mkdir -p "$mod/drivers/block" "$mod/include"
cp -r "$top/drivers/block/xen-blkfront" "$mod/drivers/block/"
cp -r "$top/include/xen-blkfront" "$mod/include/"
find "$mod" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \
	-o -name 'modules.order' -o -name 'Module.symvers' \) -delete

log=$out/build.log
make -C "$tree" ARCH=arm64 CROSS_COMPILE="$cross" \
	M="$mod/drivers/block/xen-blkfront" CONFIG_XEN_BLKDEV_FRONTEND=m \
	W=1 KBUILD_MODPOST_WARN=1 modules 2>&1 | tee "$log"
if grep -E 'warning:|error:' "$log" | grep -v 'Symbol version dump' \
	| grep -v 'undefined!' | grep -q .; then
	echo "arm64-64k: warnings or errors, see $log" >&2
	exit 1
fi
file "$mod/drivers/block/xen-blkfront/xen-blkfront.ko"
echo "arm64-64k: xen-blkfront.ko built warning-free (PAGE_SIZE 64 KiB)"
