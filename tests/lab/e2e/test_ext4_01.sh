#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# A filesystem on the PV disk: mkfs.ext4, files with known checksums,
# unmount, fsck -n clean, mount again, checksums unchanged.
. /lab/tests/test_common.sh

guest_run domu 'modprobe crc32c_generic; modprobe ext4' || fail "cannot load ext4 in the guest"
guest_run domu 'mkfs.ext4 -q -F /dev/xvda 192M' || fail "mkfs.ext4 failed"
guest_run domu 'mount -t ext4 /dev/xvda /mnt/t && mkdir -p /mnt/t/d &&
	for i in 1 2 3 4 5 6 7 8; do
		dd if=/dev/urandom of=/mnt/t/d/f$i bs=64k count=$((i * 8)) 2>/dev/null || exit 1
	done &&
	(cd /mnt/t/d && sha256sum f*) >/tmp/ext4.sum && sync && umount /mnt/t' ||
	fail "writing files on ext4 failed"
guest_run domu 'e2fsck -fn /dev/xvda' || fail "fsck found errors"
guest_run domu 'echo 3 >/proc/sys/vm/drop_caches; mount -t ext4 -o ro /dev/xvda /mnt/t &&
	(cd /mnt/t/d && sha256sum -c /tmp/ext4.sum >/dev/null); rc=$?; umount /mnt/t; exit $rc' ||
	fail "file checksums differ after remount"
log "8 files on ext4 intact after remount; fsck clean"
