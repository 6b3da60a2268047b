#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The arm64 lab's userland and Debian kernel, unpacked from Debian's archive
# without installing anything for arm64 on the host.
#
#   arm64-root.sh [DIR]    unpack into DIR/root (cached: nothing to do when
#                          DIR/ok holds the checksum of the package list and
#                          of the layout number); prints DIR on its last line
#
# Which packages: the arm64 builds of exactly those that hold the x86 lab's
# binaries and the libraries they load (found with ldd and dpkg -S on the
# host, so both lanes carry the same programs; the libraries of the fio
# engines the lab never uses are fetched too, because mkimage.sh reads
# their symbols to build its stand-ins), plus Xen's arm64 hypervisor and
# Debian's arm64 kernel, its modules and its headers (for building our
# modules with the cross compiler; their scripts/ are the host's
# linux-kbuild and their Makefile includes the host's headers-common, both
# of the same version, as Debian arranges for cross builds).
#
# DIR defaults to $LAB_CACHE/arm64-root-<checksum> (LAB_CACHE defaults to
# /var/cache/xen-blk-lab), outside any clone, so a machine fetches it once.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kver=$(sed 's/-amd64$/-arm64/' "$here/KVER")
# Bump when the layout of DIR changes: the cache key is this and the list.
layout=1

# The x86 lab's programs (mkimage.sh copies these into its images).
BINS="/usr/lib/xen-4.17/bin/xl /usr/lib/xen-4.17/bin/xenstored
/usr/lib/xen-4.17/bin/xenconsoled /usr/lib/xen-4.17/bin/xen-init-dom0
/usr/lib/xen-4.17/bin/xenconsole /usr/lib/xen-4.17/bin/libxl-save-helper
/usr/lib/xen-4.17/bin/xen-diag /usr/bin/xenstore-read /usr/bin/fio
/sbin/mkfs.ext4 /sbin/e2fsck"

"$here/deps.sh"

# Working out the package list takes minutes of dpkg and apt-cache calls:
# remember which DIR it gave for this script, kernel and host packages.
cache=${LAB_CACHE:-/var/cache/xen-blk-lab}
quick=$({ cat "$0" "$here/KVER"; dpkg-query -W xen-utils-4.17 fio e2fsprogs \
	busybox-static xenstore-utils; } | md5sum | cut -c1-12)
if [ -z "${1:-}" ] && [ -s "$cache/arm64-root.$quick" ]; then
	d=$(cat "$cache/arm64-root.$quick")
	if [ -e "$d/ok" ]; then
		echo "$d"
		exit 0
	fi
fi

owner() { # path: the package that installed it
	local p=$1 r
	r=$(readlink -f "$p")
	for c in "$p" "$r" "${r#/usr}" "/usr$r"; do
		dpkg-query -S "$c" 2>/dev/null | sed -n '1s/:.*//p' | grep . && return 0
	done
	echo "arm64-root: no package owns $p" >&2
	return 1
}

pkg_list() {
	local b l
	{
		for b in $BINS; do
			owner "$b"
			for l in $(ldd "$b" | awk '/=> \//{print $3}'); do
				owner "$l"
			done
		done
		owner /lib/x86_64-linux-gnu/libgcc_s.so.1
		echo busybox-static xenstore-utils xen-hypervisor-4.17-arm64
		echo "linux-image-$kver" "linux-headers-$kver"
	} | tr ' ' '\n' | sed 's/:amd64$//' | grep . | sort -u
}

# Libraries that only the arm64 builds need (libxenlight loads libfdt
# there): the arm64 library dependencies of that list, recursively.
arm64_libs() { # package...
	local todo="$*" seen=" $* " p d
	while [ -n "$todo" ]; do
		set -- $todo
		p=$1
		shift
		todo=$*
		for d in $(apt-cache depends --no-recommends --no-suggests \
			   --no-conflicts --no-breaks --no-replaces --no-enhances \
			   "$p:arm64" 2>/dev/null |
			   sed -n 's/^ *|\{0,1\}\(Pre\)\{0,1\}Depends: \(lib[^<> ]*\):arm64$/\2/p'); do
			case "$seen" in *" $d "*) continue ;; esac
			seen="$seen$d "
			todo="$todo $d"
			echo "$d"
		done
	done
}

# arm64 package lists next to the host's amd64 ones.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	apt-get -o DPkg::Lock::Timeout=900 update -qq
elif ! apt-cache show "linux-image-$kver:arm64" >/dev/null 2>&1; then
	apt-get -o DPkg::Lock::Timeout=900 update -qq
fi

pkgs=$(pkg_list)
pkgs=$({ echo "$pkgs"; arm64_libs $(echo "$pkgs" | grep '^lib'); } | sort -u | tr '\n' ' ')
want=$(echo "$layout $pkgs" | md5sum | cut -c1-32)
dir=${1:-$cache/arm64-root-${want:0:12}}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
exec 9>"$dir/.lock"
flock 9
if [ "$(cat "$dir/ok" 2>/dev/null)" = "$want" ]; then
	[ -n "${1:-}" ] || echo "$dir" >"$cache/arm64-root.$quick"
	echo "$dir"
	exit 0
fi
rm -f "$dir/ok"

rm -rf "$dir/debs" "$dir/root"
mkdir -p "$dir/debs" "$dir/root"
echo "arm64-root: fetching $pkgs" >&2
# shellcheck disable=SC2086
(cd "$dir/debs" && apt-get download -q $(for p in $pkgs; do echo "$p:arm64"; done) \
	>/dev/null)
for d in "$dir"/debs/*.deb; do
	dpkg-deb -x "$d" "$dir/root"
done
[ -e "$dir/root/boot/xen-4.17-arm64" ] ||
	{ echo "arm64-root: no Xen in the unpacked packages" >&2; exit 1; }
depmod -b "$dir/root" "$kver"
# The headers' scripts/ points at ../../lib/linux-kbuild-6.1: the host's.
kb=$(readlink "$dir/root/usr/src/linux-headers-$kver/scripts")
kb=${kb#../../}
kb=/usr/${kb%/scripts}
[ -d "$kb" ] || { echo "arm64-root: no $kb on the host" >&2; exit 1; }
mkdir -p "$dir/root$(dirname "$kb")"
ln -sfn "$kb" "$dir/root$kb"
echo "$want" >"$dir/ok"
[ -n "${1:-}" ] || echo "$dir" >"$cache/arm64-root.$quick"
echo "$dir"
