#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the lab's initramfs images.
#
#   mkimage.sh base CACHEDIR          dom0-base.cpio and domu-base.cpio (slow, cached)
#   mkimage.sh overlay STAGE OUT      cpio of a staged directory (fast, per run)
#   mkimage.sh elf ROOT BINARY        copy a host binary and its libraries into
#                                     a staged directory (e.g. perf, LAB_PERF=1)
#
# The base images hold busybox, the Xen tools, fio, e2fsprogs and the Debian
# kernel's modules the lab needs (stock xen-blkback/xen-blkfront included).
# Per-run files (our modules, tests, configuration) go into a small overlay
# cpio that is appended: the kernel unpacks concatenated archives in order.
# With LAB_DOM0_KERNEL=DIR (tests/lab/host/kernel.sh), dom0's modules are that
# kernel's, from DIR/root; the guests' stay Debian's unless LAB_GUEST_KERNEL=DIR
# names a kernel for them too (the debug kernel: DIR/bzImage and its modules).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# x86: LAB_KVER (run.sh --kver) or tests/lab/host/KVER
kver=${LAB_KVER:-$(cat "$here/KVER")}
dom0_kver=$kver dom0_modroot=
if [ -n "${LAB_DOM0_KERNEL:-}" ]; then
	dom0_kver=$(cat "$LAB_DOM0_KERNEL/kver")
	dom0_modroot=$LAB_DOM0_KERNEL/root
fi

# arm64 (LAB_ARCH=arm64): every file comes from the unpacked arm64 packages
# in LAB_ARM64_ROOT (arm64-root.sh) instead of the host, libraries are
# found by reading the binaries' DT_NEEDED there (ldd cannot run them), and
# the guests run Debian's arm64 kernel or, with LAB_GUEST_KERNEL=DIR, the
# one kernel-arm64.sh built in DIR (64 KiB pages).
arch=${LAB_ARCH:-x86}
sysroot= triplet=x86_64-linux-gnu cross=
guest_kver=$kver guest_modroot= guest_image=/boot/vmlinuz-$kver
if [ "$arch" = x86 ] && [ -n "${LAB_GUEST_KERNEL:-}" ]; then
	guest_kver=$(cat "$LAB_GUEST_KERNEL/kver")
	guest_modroot=$LAB_GUEST_KERNEL/root
	guest_image=$LAB_GUEST_KERNEL/bzImage
fi
if [ "$arch" = arm64 ]; then
	sysroot=${LAB_ARM64_ROOT:?LAB_ARM64_ROOT must name the unpacked arm64 root}
	triplet=aarch64-linux-gnu cross=aarch64-linux-gnu-
	kver=$(sed 's/-amd64$/-arm64/' "$here/KVER")
	dom0_kver=$kver dom0_modroot=$sysroot
	guest_kver=$kver guest_modroot=$sysroot
	guest_image=$sysroot/boot/vmlinuz-$kver
	if [ -n "${LAB_ARM64_DOM0_KERNEL:-}" ]; then
		dom0_kver=$(cat "$LAB_ARM64_DOM0_KERNEL/kver")
		dom0_modroot=$LAB_ARM64_DOM0_KERNEL/root
	fi
	if [ -n "${LAB_GUEST_KERNEL:-}" ]; then
		guest_kver=$(cat "$LAB_GUEST_KERNEL/kver")
		guest_modroot=$LAB_GUEST_KERNEL/root
		guest_image=$LAB_GUEST_KERNEL/Image
	fi
fi

# The guest kernel's symbols: next to Debian's image, or in a kernel
# build of kernel.sh.
guest_map=
case "$guest_image" in
*/bzImage) guest_map=${guest_image%/bzImage}/obj/System.map ;;
*/vmlinuz-*) guest_map=${guest_image%/vmlinuz-*}/System.map-${guest_image##*/vmlinuz-} ;;
esac

copy_file() { # root src [dst]
	local root=$1 src=$2 dst=${3:-$2}

	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
}

# The shared libraries (and the loader) an arm64 binary of the sysroot
# needs, recursively, as paths inside the sysroot.  Sonames listed in
# SKIP_SONAMES are not followed (fio's stand-ins).
elf_needs() { # sysroot-path
	local todo=$1 seen=" " skip f so d

	skip=" $(echo ${SKIP_SONAMES:-}) "

	while [ -n "$todo" ]; do
		set -- $todo
		f=$1
		shift
		todo=$*
		for so in $("${cross}readelf" -d "$sysroot$f" 2>/dev/null |
			    sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') \
			  $("${cross}readelf" -l "$sysroot$f" 2>/dev/null |
			    sed -n 's/.*interpreter: \(.*\)\]/\1/p'); do
			case "$skip" in *" $so "*) continue ;; esac
			case "$seen" in *" $so "*) continue ;; esac
			seen="$seen$so "
			for d in "" /lib/$triplet/ /usr/lib/$triplet/ /lib/ /usr/lib/; do
				case "$so" in /*) [ -n "$d" ] && continue ;; *) [ -z "$d" ] && continue ;; esac
				if [ -e "$sysroot$d$so" ]; then
					echo "$d$so"
					todo="$todo $d$so"
					continue 2
				fi
			done
			echo "mkimage: $so, needed by $f, is not in $sysroot" >&2
			return 1
		done
	done
}

# Copy an ELF binary and every shared library it needs.
copy_elf() { # root bin [dst]
	local root=$1 bin=$2 dst=${3:-$2} lib libs

	if [ -n "$sysroot" ]; then
		copy_file "$root" "$sysroot$bin" "$dst"
		libs=$(elf_needs "$bin") || return 1
		for lib in $libs; do
			[ -e "$root$lib" ] || copy_file "$root" "$sysroot$lib" "$lib"
		done
		return
	fi
	copy_file "$root" "$bin" "$dst"
	for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		[ -e "$root$lib" ] || copy_file "$root" "$lib"
	done
}

# Debian's fio links the libraries of engines the lab never uses (Ceph
# RADOS/RBD, GlusterFS, NBD, RDMA, PMEM); with what they pull in that is
# about 70 MB, which every guest boot copies and every fio start in a PV
# guest under TCG maps and relocates.  The images get stand-ins instead:
# libraries with the same sonames and symbol versions, whose functions
# (every one fio imports from them) abort if ever called.  fio itself and
# the engines the lab uses (libaio, psync) are Debian's.
FIO_STUBS="libgfapi.so.0 libnbd.so.0 libibverbs.so.1 librdmacm.so.1
librados.so.2 librbd.so.1 libpmemblk.so.1 libpmem.so.1"

make_stubs() { # dir bin: stand-ins for BIN's FIO_STUBS libraries into DIR
	local dir=$1 bin=$2 so lib ver

	mkdir -p "$dir"
	"${cross}nm" -D --undefined-only "$sysroot$bin" | awk '{ print $NF }' >"$dir/wanted"
	for so in $FIO_STUBS; do
		if [ -n "$sysroot" ]; then
			lib=$sysroot/usr/lib/$triplet/$so
			[ -e "$lib" ] || lib=$sysroot/lib/$triplet/$so
			[ -e "$lib" ] || continue
			"${cross}readelf" -d "$sysroot$bin" | grep -qF "[$so]" || continue
		else
			lib=$(ldd "$bin" | awk -v s="$so" '$1 == s { print $3 }')
			[ -n "$lib" ] || continue
		fi
		# "name version" of each function BIN takes from LIB
		"${cross}nm" -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' |
			sed 's/@@*/ /' | awk 'NR == FNR { want[$0] = 1; next }
				{ key = $2 == "" ? $1 : $1 "@" $2 }
				key in want { print $1, $2 }' "$dir/wanted" - >"$dir/$so.syms"
		# (the cross compiler has no C library to link: a trap instead)
		awk -v x="$sysroot" 'BEGIN { if (x == "") print "#include <stdlib.h>" }
			{ printf "void %s(void);\nvoid %s(void) { %s; }\n", $1, $1,
				x == "" ? "abort()" : "__builtin_trap()" }' \
			"$dir/$so.syms" >"$dir/$so.c"
		awk '$2 != "" { v[$2] = v[$2] " " $1 ";" }
			END { for (n in v) printf "%s {\n\tglobal:%s\n};\n", n, v[n] }' \
			"$dir/$so.syms" >"$dir/$so.map"
		ver=
		[ -s "$dir/$so.map" ] && ver=1
		"${cross}gcc" -shared -fPIC -O1 ${sysroot:+-nostdlib} -o "$dir/$so" -Wl,-soname,"$so" \
			${ver:+-Wl,--version-script="$dir/$so.map"} "$dir/$so.c" || return 1
	done
}

# Copy fio and its libraries, the FIO_STUBS ones replaced by stand-ins.
copy_fio() { # root
	local root=$1 stubs=$1.stubs lib so

	make_stubs "$stubs" /usr/bin/fio || return 1
	if [ -n "$sysroot" ]; then
		# The stand-ins were built from the symbols fio imports; the
		# load check below needs an arm64 CPU, so it is the x86 lane's.
		for so in $FIO_STUBS; do
			[ -e "$stubs/$so" ] || continue
			copy_file "$root" "$stubs/$so" "/lib/$triplet/$so"
		done
		SKIP_SONAMES=$FIO_STUBS copy_elf "$root" /usr/bin/fio || return 1
		rm -rf "$stubs"
		return
	fi
	# Every symbol fio needs must resolve against the stand-ins now.
	if ! LD_BIND_NOW=1 LD_LIBRARY_PATH=$stubs /usr/bin/fio --version >/dev/null; then
		echo "mkimage: fio does not load with the stand-in libraries" >&2
		return 1
	fi
	copy_file "$root" /usr/bin/fio
	for lib in $(LD_LIBRARY_PATH=$stubs ldd /usr/bin/fio |
		     awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
		case "$lib" in
		"$stubs"/*) copy_file "$root" "$lib" "/lib/x86_64-linux-gnu/${lib##*/}" ;;
		*) [ -e "$root$lib" ] || copy_file "$root" "$lib" ;;
		esac
	done
	rm -rf "$stubs"
}

copy_modules() { # root kver modroot module...: modroot "" is the host's /
	local root=$1 kv=$2 mr=$3 m f
	shift 3
	for m in "$@"; do
		for f in $(modprobe ${mr:+-d "$mr"} -S "$kv" --show-depends "$m" |
			   awk '$1 == "insmod" {print $2}'); do
			[ -e "$root${f#"$mr"}" ] || copy_file "$root" "$f" "${f#"$mr"}"
			# busybox's insmod takes plain modules only (Debian's
			# 6.12 ships them xz-compressed); depmod below sees .ko
			case "$f" in
			*.ko.xz) xz -d -f "$root${f#"$mr"}" || return 1 ;;
			esac
		done
	done
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		copy_file "$root" "$mr/lib/modules/$kv/$f" "/lib/modules/$kv/$f"
	done
	depmod -b "$root" "$kv"
}

base_root() { # root
	local root=$1 a

	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,run,tmp,etc,root,mnt,var/log,var/lib}
	ln -sfn ../run "$root/var/run"
	cp "$sysroot/bin/busybox" "$root/bin/busybox"
	# (the host's busybox-static is the same build for another CPU)
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	copy_fio "$root" || return 1
	copy_elf "$root" /sbin/mkfs.ext4 || return 1
	copy_elf "$root" /sbin/e2fsck || return 1
	ln -sf e2fsck "$root/sbin/fsck.ext4"
	# glibc dlopens libgcc_s for pthread_cancel; libnss for getpwnam
	copy_file "$root" "$(readlink -f "$sysroot/lib/$triplet/libgcc_s.so.1")" \
		"/lib/$triplet/libgcc_s.so.1"
	for a in xenstore-read xenstore-write xenstore-rm xenstore-ls \
		 xenstore-list xenstore-exists xenstore-watch xenstore-chmod; do
		copy_elf "$root" "/usr/bin/$a" || return 1
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
	touch "$root/etc/mtab"
}

build_dom0() { # out
	local root=$1.d b

	rm -rf "$root"
	base_root "$root" || return 1
	for b in xl xenstored xenconsoled xen-init-dom0 xenconsole \
		 libxl-save-helper xen-diag; do
		copy_elf "$root" "/usr/lib/xen-4.17/bin/$b" "/usr/sbin/$b" || return 1
	done
	# A guest's vCPU state for lab_timeout_dump(), named by the guest
	# kernel's symbols where the kernel's System.map is at hand.
	if [ -e "$sysroot/usr/lib/xen-4.17/bin/xenctx" ]; then
		copy_elf "$root" /usr/lib/xen-4.17/bin/xenctx /usr/sbin/xenctx || return 1
	fi
	# (Debian's own is a one-line stub pointing at the -dbg package.)
	if [ -n "$guest_map" ] && [ "$(wc -l <"$guest_map" 2>/dev/null || echo 0)" -gt 1000 ]; then
		copy_file "$root" "$guest_map" /lab/domu/System.map
	fi
	mkdir -p "$root/usr/lib/xen-4.17/bin"
	ln -s /usr/sbin/libxl-save-helper "$root/usr/lib/xen-4.17/bin/libxl-save-helper"
	mkdir -p "$root/etc/xen/scripts" "$root/var/lib/xen" "$root/var/lib/xenstored" \
		 "$root/var/lib/xen/dump" \
		 "$root/var/log/xen"
	touch "$root/etc/xen/xl.conf"
	copy_modules "$root" "$dom0_kver" "$dom0_modroot" xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc \
		brd null_blk zram loop xen-blkback ext4 crc32c_generic \
		virtio_pci virtio_blk
	copy_file "$root" "$guest_image" /lab/domu/vmlinuz
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$1"
	rm -rf "$root"
}

build_domu() { # out
	local root=$1.d

	rm -rf "$root"
	base_root "$root" || return 1
	copy_modules "$root" "$guest_kver" "$guest_modroot" xenfs xen-blkfront ext4 crc32c_generic
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$1"
	rm -rf "$root"
}

case "${1:-}" in
base)
	cache=$2
	mkdir -p "$cache"
	[ -s "$cache/dom0-base.cpio" ] || { build_dom0 "$cache/dom0-base.cpio.tmp" &&
		mv "$cache/dom0-base.cpio.tmp" "$cache/dom0-base.cpio"; }
	[ -s "$cache/domu-base.cpio" ] || { build_domu "$cache/domu-base.cpio.tmp" &&
		mv "$cache/domu-base.cpio.tmp" "$cache/domu-base.cpio"; }
	;;
overlay)
	(cd "$2" && find . | cpio -o -H newc -R 0:0 --quiet) >"$3"
	;;
elf)
	copy_elf "$2" "$3"
	;;
*)
	echo "usage: $0 base CACHEDIR | overlay STAGE OUT | elf ROOT BINARY" >&2
	exit 2
	;;
esac
