#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build xen-blk-dkms_<version>_all.deb from this tree, the way
# Debian packages out-of-tree modules for DKMS: the sources under
# /usr/src/xen-blk-<version>/ with dkms.conf, registered and built for
# every installed kernel that has its headers when the package is
# configured, and for each kernel installed later by dkms's own kernel
# hooks (AUTOINSTALL).  The version is dkms.conf's PACKAGE_VERSION.
#
# usage: scripts/deb/build-deb.sh [OUTDIR]   (default build/deb)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/deb}
name=xen-blk
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
[ -n "$ver" ] || { echo "deb: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
pkg=$name-dkms
stage=$out/stage
deb=$out/${pkg}_${ver}_all.deb

rm -rf "$stage"
src=$stage/usr/src/$name-$ver
mkdir -p "$src" "$stage/DEBIAN" "$stage/usr/sbin" "$stage/usr/share/doc/$pkg"

# Only what kbuild needs: no tests, lab or objects.
cd "$top"
cp dkms.conf Kbuild Kconfig "$src/"
for d in drivers/block/xen-blkback drivers/block/xen-blkfront; do
	mkdir -p "$src/$d"
	cp "$d"/Kbuild "$d"/*.c "$d"/*.h "$src/$d/"
	rm -f "$src/$d"/*.mod.c
done
find include -name '*.h' | while read -r f; do
	mkdir -p "$src/$(dirname "$f")"
	cp "$f" "$src/$f"
done
install -m 0755 scripts/xen-blkback-swap "$stage/usr/sbin/xen-blkback-swap"
# The kernel ships modules of the same names without a version, and dkms
# refuses to install over a module whose version "exactly matches" ours
# (both empty).  Replacing them is the point: dkms's own list of packages
# whose modules are installed whatever the in-tree version says.
mkdir -p "$stage/usr/share/dkms/modules_to_force_install"
echo "${name}_version-override" >"$stage/usr/share/dkms/modules_to_force_install/$name"
cp README.md "$stage/usr/share/doc/$pkg/"
cp -r Documentation "$stage/usr/share/doc/$pkg/"
cat >"$stage/usr/share/doc/$pkg/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $name

Files: *
License: GPL-2
 On Debian systems the full text of the GNU General Public License
 version 2 is in /usr/share/common-licenses/GPL-2.
COPYRIGHT
{
	echo "$pkg ($ver) unstable; urgency=medium"
	echo
	echo "  * Built from $(git -C "$top" describe --always --dirty 2>/dev/null || echo 'a source tree')."
	echo
	echo " -- xen-blk developers <xen-blk@localhost>  $(date -R)"
} | gzip -9n >"$stage/usr/share/doc/$pkg/changelog.Debian.gz"

cat >"$stage/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $ver
Architecture: all
Section: kernel
Priority: optional
Maintainer: xen-blk developers <xen-blk@localhost>
Depends: dkms (>= 2.8), make, gcc
Installed-Size: $(du -sk "$stage/usr" | cut -f1)
Description: Xen PV block drivers (xen-blkback, xen-blkfront) in DKMS form
 Out-of-tree replacements for the in-tree Xen paravirtual block drivers:
 xen-blkback, the backend in dom0, with a bounded per-ring persistent-grant
 cache, an LRU purge and a squeezable page pool, all tunable at run time;
 and xen-blkfront, the blk-mq frontend, which also runs on 64 KiB-page
 guests.  DKMS builds them for every installed kernel (Linux 6.1, or 6.12
 and later) and installs them under updates/dkms, where modprobe prefers
 them to the in-tree modules.
CONTROL

# Register with dkms and build for every kernel whose headers are
# installed; one kernel failing does not stop the others (dkms prints why).
cat >"$stage/DEBIAN/postinst" <<POSTINST
#!/bin/sh
set -e
name=$name
ver=$ver
case "\$1" in
configure)
	if ! dkms status -m \$name -v \$ver | grep -q .; then
		dkms add -m \$name -v \$ver
	fi
	for dir in /lib/modules/*; do
		k=\${dir##*/}
		[ -e "\$dir/build/Makefile" ] || continue
		dkms install -m \$name -v \$ver -k "\$k" ||
			echo "\$name: the modules were not built for \$k (see above)" >&2
	done
	;;
esac
exit 0
POSTINST
cat >"$stage/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
case "\$1" in
remove | upgrade | deconfigure)
	if dkms status -m $name -v $ver | grep -q .; then
		dkms remove -m $name -v $ver --all || true
	fi
	;;
esac
exit 0
PRERM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm"

find "$stage" -type d -exec chmod 0755 {} +
find "$stage/usr" -type f ! -path '*/sbin/*' -exec chmod 0644 {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
rm -rf "$stage"
echo "$deb"
