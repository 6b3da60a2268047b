#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab's alternative dom0 kernel from Debian's linux-source-6.1:
# x86_64_defconfig + xen.config + tests/lab/host/dom0-ballooned.config, i.e.
# grant pages ballooned out of dom0 RAM (no CONFIG_XEN_UNPOPULATED_ALLOC).
#
#   kernel.sh OUTDIR [FRAGMENT...]
#                       build (cached: nothing to do when OUTDIR/ok holds
#                       the checksum of this script and the fragments and
#                       the build is whole);
#                       each FRAGMENT, a file of this directory such as
#                       debug.config (the debug-kernel lab), is merged
#                       after dom0-ballooned.config, and every option it
#                       sets must come out so in the final .config; a
#                       FRAGMENT ending in .patch is applied to the
#                       source instead (patch -p1)
#
# OUTDIR gets bzImage, obj/ (the build tree: KDIR for our backend),
# root/lib/modules/KVER (modules_install) and kver.  About 20-40 minutes on
# two host cores; run.sh uses it when LAB_DOM0_KERNEL=OUTDIR.  The callers
# keep OUTDIR in ${LAB_CACHE:-/var/cache/xen-blk-lab}, outside every clone: the tree holds absolute paths, so it cannot move,
# and inside a clone kbuild's "make clean M=<clone>", which deletes every
# object and module under M, would empty it behind the ok stamp.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: kernel.sh OUTDIR [FRAGMENT...]}
shift
extra=() patches=()
for f in "$@"; do
	case "$f" in
	*.patch) patches+=("$here/$f") ;;
	*) extra+=("$here/$f") ;;
	esac
done
tarball=/usr/src/linux-source-6.1.tar.xz

want=$(cat "$0" "$here/dom0-ballooned.config" "${extra[@]}" "${patches[@]}" |
	md5sum | cut -c1-32)
# One build of a directory at a time (two clones may ask at once).
mkdir -p "$out"
exec 9>"$out.lock"
flock 9
whole() {
	local kv
	kv=$(cat "$out/kver" 2>/dev/null) || return 1
	[ -s "$out/bzImage" ] && [ -s "$out/obj/Module.symvers" ] &&
		[ -s "$out/obj/modules.order" ] &&
		[ -s "$out/root/lib/modules/$kv/modules.order" ] &&
		[ -s "$out/root/lib/modules/$kv/modules.dep" ] &&
		[ -d "$out/root/lib/modules/$kv/kernel" ] &&
		[ -n "$(find "$out/root/lib/modules/$kv/kernel" -name '*.ko' -print -quit)" ]
}
if [ "$(cat "$out/ok" 2>/dev/null)" = "$want" ]; then
	whole && exit 0
	echo "kernel: the build in $out is not whole (objects or modules deleted): building again" >&2
fi
rm -f "$out/ok"
if [ ! -r "$tarball" ] || ! command -v xz >/dev/null; then
	LAB_EXTRA_PKGS="linux-source-6.1 xz-utils ${LAB_EXTRA_PKGS:-}" "$here/deps.sh"
fi
out=$(cd "$out" && pwd)
# The source as unpacked plus these patches, in order.  src/.lab-patches
# lists the checksum of each patch applied, one per line.  When those are
# the first of the patches asked for, only the rest are applied, in place
# (only what they touch is rebuilt: adding a patch costs minutes, not a
# whole build); any other difference unpacks the source again (the
# archive's times are kept, so what no patch touches is not rebuilt
# either, but every patch is applied afresh).
sums=
for p in "${patches[@]}"; do
	sums="$sums$(md5sum <"$p" | cut -c1-32)
"
done
have=$(cat "$out/src/.lab-patches" 2>/dev/null && echo) || have=
case "$sums" in
"$have"*) ;;
*) rm -rf "$out/src" ;;
esac
if [ ! -e "$out/src/Makefile" ]; then
	rm -rf "$out/src"
	mkdir -p "$out/src"
	tar -xf "$tarball" -C "$out/src" --strip-components=1
	have=
fi
n=$(printf '%s' "$have" | grep -c .) || true
i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	[ "$i" -gt "$n" ] || continue
	patch -s -p1 -d "$out/src" <"$p"
done
printf '%s' "$sums" >"$out/src/.lab-patches"

k() { make -s -C "$out/src" O="$out/obj" -j"$(nproc)" "$@"; }

mkdir -p "$out/obj"
k x86_64_defconfig
"$out/src/scripts/kconfig/merge_config.sh" -m -O "$out/obj" "$out/obj/.config" \
	"$out/src/kernel/configs/xen.config" "$out/src/arch/x86/configs/xen.config" \
	"$here/dom0-ballooned.config" "${extra[@]}" >"$out/merge.log"
k olddefconfig
# An option a fragment asks for that Kconfig dropped (an unmet dependency)
# would make a kernel that checks less than it says.
for f in "${extra[@]}"; do
	while read -r line; do
		grep -qxF "$line" "$out/obj/.config" || {
			echo "kernel: $(basename "$f") asks for '$line', the .config has" \
				"'$(grep "${line%%=*}[= ]" "$out/obj/.config" || echo nothing)'" >&2
			exit 1
		}
	done < <(grep -E '^CONFIG_[A-Z0-9_]+=' "$f")
done
# The fragment's point: refuse a config that still has it.
if grep -q '^CONFIG_XEN_UNPOPULATED_ALLOC=y' "$out/obj/.config"; then
	echo "kernel: CONFIG_XEN_UNPOPULATED_ALLOC is still set" >&2
	exit 1
fi
k bzImage modules
rm -rf "$out/root"
k INSTALL_MOD_PATH="$out/root" modules_install
cp "$out/obj/arch/x86/boot/bzImage" "$out/bzImage"
k -s kernelrelease >"$out/kver"
whole || { echo "kernel: the build in $out is not whole after building" >&2; exit 1; }
echo "$want" >"$out/ok"
echo "kernel: $(cat "$out/kver") in $out"
