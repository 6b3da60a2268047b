#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb-test: the package as an administrator meets it.  A fresh Debian
# 12 (debootstrap, in a chroot under build/deb; the base with the headers
# of the lab's two kernels, tests/lab/host/KVER and KVER-6.12, is built once
# and copied for each run) gets `apt-get install ./xen-blk-dkms_*.deb`;
# then
#   - dkms status shows xen-blk installed for both kernels,
#   - modinfo -n finds both modules under updates/dkms for each kernel,
#     the 6.12 one over the in-tree modules of its installed image,
#   - a kernel whose headers are installed afterwards gets them too,
#   - the lab boots each kernel with the modules dkms built (LAB_MODULES),
#     our pair, the tests in DEB_TEST_TESTS (default smoke, fio_03, ext4),
#   - apt-get remove takes the modules away again (dkms status empty).
# DEB_TEST_LAB=0 leaves the labs out.  Prints a line per step and last
# "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=$top/build/deb
kvs="$(cat tests/lab/host/KVER) $(cat tests/lab/host/KVER-6.12)"
tests=${DEB_TEST_TESTS:-smoke test_fio_03 ext4}
pass=0 fail=0

ok() { echo "PASS $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

mkdir -p "$out"
deb=$(scripts/deb/build-deb.sh "$out" | tail -1)
if [ -f "$deb" ]; then
	ok "make deb: $(basename "$deb")"
else
	bad "make deb"
	finish
fi
command -v debootstrap >/dev/null ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null

root=$out/root
unmount_root() {
	local m
	for m in sys dev/pts dev proc; do
		mountpoint -q "$root/$m" && umount "$root/$m"
	done
	! grep -q " $root/" /proc/mounts
}
trap unmount_root EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LANG=C "$@"; }

# The fresh machine: Debian 12 with the two kernels' headers, cached.
base=$out/base
stamp="bookworm $kvs"
if [ "$(cat "$base/.ok" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$base"
	echo "== debootstrap bookworm and the headers of $kvs (once)"
	if ! debootstrap --variant=minbase bookworm "$base" http://deb.debian.org/debian \
		>"$out/debootstrap.log" 2>&1; then
		tail -20 "$out/debootstrap.log"
		bad "debootstrap"
		finish
	fi
	cat >"$base/etc/apt/sources.list" <<-SOURCES
	deb http://deb.debian.org/debian bookworm main
	deb http://deb.debian.org/debian bookworm-updates main
	deb http://deb.debian.org/debian-security bookworm-security main
	SOURCES
	root=$base
	mount -t proc proc "$root/proc"
	# shellcheck disable=SC2046
	if ! { in_root apt-get update -q &&
	       in_root apt-get install -y -q --no-install-recommends \
			$(for k in $kvs; do echo "linux-headers-$k"; done); } \
		>"$out/base.log" 2>&1; then
		tail -20 "$out/base.log"
		unmount_root
		bad "headers of $kvs in the fresh system"
		finish
	fi
	unmount_root
	in_root apt-get clean
	echo "$stamp" >"$base/.ok"
	root=$out/root
fi

# A copy of the base for this run; never remove it while anything is
# mounted inside.
unmount_root || { bad "$root still has mounts"; finish; }
rm -rf "$root"
cp -a "$base" "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
cp "$deb" "$root/tmp/"

# (no Recommends: dkms's would bring linux-headers-amd64, a third kernel,
# which comes later, as a kernel installed after the package)
if in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
	>"$out/install.log" 2>&1; then
	ok "apt-get install ./$(basename "$deb")"
else
	tail -30 "$out/install.log"
	bad "apt-get install ./$(basename "$deb")"
	finish
fi
grep -E '^(Building|Installing|Signing|Running|Error|.*: bad exit status)' "$out/install.log" |
	sed 's/^/    | /' | head -20
echo "    dkms status:"
in_root dkms status | sed 's/^/    | /'
for k in $kvs; do
	if in_root dkms status -m xen-blk -k "$k" | grep -q ': installed'; then
		ok "dkms built and installed xen-blk for $k"
	else
		bad "dkms did not install xen-blk for $k"
	fi
	for m in xen-blkback xen-blkfront; do
		p=$(in_root modinfo -k "$k" -n "$m" 2>/dev/null)
		case "$p" in
		/lib/modules/"$k"/updates/dkms/"$m".ko*) ok "modinfo -k $k -n $m: $p" ;;
		*) bad "modinfo -k $k -n $m: '${p:-nothing}', not under updates/dkms" ;;
		esac
		# the lab's busybox insmod takes plain modules only
		mkdir -p "$out/modules-$k"
		f=$root/${p:-/nonexistent}
		case "$f" in
		*.ko.xz) xz -dc "$f" >"$out/modules-$k/$m.ko" ;;
		*.ko) cp "$f" "$out/modules-$k/$m.ko" ;;
		esac
	done
done

# A kernel installed after the package: dkms's kernel hooks build ours for
# it (AUTOINSTALL) with no action of ours.
new=$(in_root apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' |
      awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | grep -vxF -e "${kvs% *}" | tail -1)
if [ -z "$new" ]; then
	bad "no other 6.1 kernel in the archive to install after the package"
elif in_root apt-get install -y -q --no-install-recommends "linux-headers-$new" \
	>"$out/newkernel.log" 2>&1 &&
     in_root dkms status -m xen-blk -k "$new" | grep -q ': installed' &&
     in_root modinfo -k "$new" -n xen-blkback | grep -q "^/lib/modules/$new/updates/dkms/"; then
	ok "linux-headers-$new installed afterwards: dkms built xen-blk for it ($(in_root modinfo -k "$new" -n xen-blkback))"
else
	tail -20 "$out/newkernel.log"
	bad "linux-headers-$new installed afterwards: xen-blk not built for it"
fi

if [ "${DEB_TEST_LAB:-1}" != 0 ]; then
	for k in $kvs; do
		line=6.1
		[ "$k" = "$(cat tests/lab/host/KVER-6.12)" ] && line=6.12
		echo "== lab on $k with the modules dkms built (tests: $tests)"
		LAB_MODULES=$out/modules-$k tests/lab/run.sh --kver $line \
			--tests "$tests" >"$out/lab-$k.log" 2>&1
		rc=$?
		grep -E '^(lab: our|    PASS|    FAIL|PASS|FAIL|[0-9]+ passed)' "$out/lab-$k.log" |
			sed 's/^/    | /'
		if [ $rc -eq 0 ]; then
			ok "lab on $k with dkms's modules"
		else
			bad "lab on $k with dkms's modules (log: $out/lab-$k.log)"
		fi
	done
fi

if in_root apt-get remove -y -q xen-blk-dkms >"$out/remove.log" 2>&1 &&
   [ -z "$(in_root dkms status -m xen-blk)" ] &&
   ! ls "$root"/lib/modules/*/updates/dkms/xen-blk* >/dev/null 2>&1; then
	ok "apt-get remove xen-blk-dkms: dkms status empty, updates/dkms/xen-blk* gone"
else
	tail -20 "$out/remove.log"
	bad "apt-get remove xen-blk-dkms left modules or dkms state behind"
fi
unmount_root && rm -rf "$root"
finish
