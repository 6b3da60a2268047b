#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build and the lab need from Debian's archive.  Idempotent:
# does nothing when every package is already present.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# the x86 lab's kernel: LAB_KVER (run.sh --kver) or tests/lab/host/KVER
kver=${LAB_KVER:-$(cat "$here/KVER")}

pkgs="build-essential bc bison flex libelf-dev libssl-dev kmod cpio
busybox-static qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17
xenstore-utils linux-image-$kver linux-headers-$kver fio e2fsprogs
util-linux file xz-utils ${LAB_EXTRA_PKGS:-}"

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "lab: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "lab: need root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another install on the host (a second make target started at the same
# time) holds dpkg's lock for a while: wait for it rather than fail.
lock="-o DPkg::Lock::Timeout=900"
# shellcheck disable=SC2086
apt-get $lock update -qq
# shellcheck disable=SC2086
apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
