#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# xl save + xl restore in the middle of a verified fio run, with an ext4
# filesystem mounted on a second disk: the run finishes and verifies, and
# the filesystem's files are intact afterwards.
. /lab/tests/test_common.sh

[ "${LAB_ARCH:-x86}" = arm64 ] && skip "Xen/ARM has no xl save/restore"

g=domu
xl block-attach $g phy:/dev/ram3,xvdc,w || fail "block-attach failed"
guest_wait_bdev $g xvdc || fail "xvdc did not appear"
guest_run $g 'modprobe crc32c_generic; modprobe ext4 && mkfs.ext4 -q -F /dev/xvdc 64M &&
	mount -t ext4 /dev/xvdc /mnt/t &&
	for i in 1 2 3 4; do dd if=/dev/urandom of=/mnt/t/f$i bs=64k count=16 2>/dev/null; done &&
	(cd /mnt/t && sha256sum f*) >/tmp/sr.sum && sync' || fail "preparing ext4 failed"
# Long enough to be in flight across the save: write+verify in the background.
guest_run $g 'rm -f /tmp/sr.rc; (sh /lab/guest/fio_verify /dev/xvda 16k randwrite 16 24M;
	echo $? >/tmp/sr.rc) >/dev/console 2>&1 &'
sleep 3
# The point is I/O in flight across the save: a run already over proves nothing.
guest_run $g '[ ! -f /tmp/sr.rc ]' || fail "fio ended before the save; lengthen its run"
old=$(domid $g)
xl save $g /tmp/domu.save || fail "xl save failed"
log "saved domain $old"
xl restore /tmp/domu.save || fail "xl restore failed"
rm -f /tmp/domu.save
lab_tail_console $g
log "restored as domain $(domid $g)"
guest_run -t 600 $g 'i=0; while [ ! -f /tmp/sr.rc ] && [ $i -lt 2500 ]; do sleep 0.2; i=$((i+1)); done;
	test "$(cat /tmp/sr.rc 2>/dev/null)" = 0' || fail "fio across save/restore did not verify"
guest_run $g 'cd /mnt/t && sha256sum -c /tmp/sr.sum >/dev/null && dd if=/dev/urandom of=/mnt/t/g bs=64k count=8 2>/dev/null &&
	sync && cd / && umount /mnt/t && e2fsck -fn /dev/xvdc' ||
	fail "ext4 on xvdc damaged across save/restore"
xl block-detach $g xvdc || fail "block-detach after restore failed"
log "I/O and ext4 survived save/restore"
