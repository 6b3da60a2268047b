#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# ext4 of 1 KiB blocks, mounted sync: the journal and metadata go out in
# buffers of 1 KiB, and the block layer merges neighbours that share a
# page into one request, so a request carries several bio vectors in one
# page, which the frontend joins into one segment (and a 64 KiB page
# holds many).  Small and large files with known checksums, unmount,
# fsck -n clean, remount, checksums unchanged.  The disk's merge counts
# are logged.
. /lab/tests/test_common.sh

guest_run domu 'modprobe crc32c_generic; modprobe ext4' || fail "cannot load ext4 in the guest"
guest_run domu 'mkfs.ext4 -q -F -b 1024 /dev/xvda 96M' || fail "mkfs.ext4 -b 1024 failed"
guest_run -t 600 domu 'mount -t ext4 -o sync /dev/xvda /mnt/t && mkdir -p /mnt/t/d &&
	for i in $(seq 1 60); do
		dd if=/dev/urandom of=/mnt/t/d/s$i bs=1k count=$((i % 7 + 1)) 2>/dev/null || exit 1
	done &&
	for i in 1 2 3; do
		dd if=/dev/urandom of=/mnt/t/d/f$i bs=64k count=$((i * 8)) 2>/dev/null || exit 1
	done &&
	(cd /mnt/t/d && sha256sum *) >/tmp/ext4.sum && sync && umount /mnt/t' ||
	fail "writing files on 1 KiB-block ext4 failed"
guest_run domu 'e2fsck -fn /dev/xvda' || fail "fsck found errors"
guest_run domu 'echo 3 >/proc/sys/vm/drop_caches; mount -t ext4 -o ro /dev/xvda /mnt/t &&
	(cd /mnt/t/d && sha256sum -c /tmp/ext4.sum >/dev/null); rc=$?; umount /mnt/t; exit $rc' ||
	fail "file checksums differ after remount"
st=$(guest_out domu 'cat /sys/block/xvda/stat')
log "xvda: $(echo $st | awk '{ print "read merges " $2 ", write merges " $6 }')"
log "63 files on 1 KiB-block ext4 intact after remount; fsck clean"
