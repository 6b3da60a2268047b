#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 300
#
# Online resize: the backing device of an attached disk grows; the guest
# sees the new size without a reattach, and data on it is kept.  Then
# discard on the same loop-backed disk.
. /lab/tests/test_common.sh

g=domu
modprobe loop || fail "no loop driver"
rm -f /tmp/resize.img
truncate -s 32M /tmp/resize.img
lo=$(losetup -f) && losetup "$lo" /tmp/resize.img || fail "losetup failed"
trap 'xl block-detach $g xvdd >/dev/null 2>&1; sleep 1; losetup -d $lo; rm -f /tmp/resize.img' EXIT
xl block-attach $g "phy:$lo,xvdd,w" || fail "block-attach failed"
guest_wait_bdev $g xvdd || fail "xvdd did not appear"
guest_run $g 'test $(blockdev --getsize64 /dev/xvdd) = 33554432' || fail "initial size is not 32 MiB"
guest_run $g 'dd if=/dev/urandom of=/tmp/rs bs=64k count=16 2>/dev/null &&
	dd if=/tmp/rs of=/dev/xvdd bs=64k oflag=direct 2>/dev/null' || fail "write failed"
truncate -s 64M /tmp/resize.img
losetup -c "$lo" || fail "losetup -c failed"
# Backends notice the change on their next request: keep a little I/O going.
guest_run -t 90 $g 'i=0; while [ $(blockdev --getsize64 /dev/xvdd) != 67108864 ] && [ $i -lt 300 ]; do
	dd if=/dev/xvdd of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null; sleep 0.2; i=$((i+1)); done;
	test $(blockdev --getsize64 /dev/xvdd) = 67108864' || fail "guest did not see the new size"
guest_run $g 'dd if=/dev/xvdd bs=64k count=16 iflag=direct 2>/dev/null | cmp -s - /tmp/rs' ||
	fail "data changed across the resize"
guest_run $g 'dd if=/dev/zero of=/dev/xvdd bs=64k seek=1000 count=1 oflag=direct 2>/dev/null' ||
	fail "cannot write past the old end"
# Discard: the loop device punches holes, so a discarded range reads zeros.
be=/local/domain/0/backend/vbd/$(domid $g)/$(xvd_num d)
[ "$(xenstore-read $be/feature-discard 2>/dev/null)" = 1 ] || fail "backend offers no discard on a loop device"
guest_run $g 'dd if=/dev/urandom of=/tmp/d2 bs=64k count=32 2>/dev/null &&
	dd if=/tmp/d2 of=/dev/xvdd bs=64k oflag=direct 2>/dev/null &&
	blkdiscard -o 1048576 -l 1048576 /dev/xvdd' || fail "blkdiscard failed"
guest_run $g 'test "$(dd if=/dev/xvdd bs=64k skip=16 count=16 iflag=direct 2>/dev/null |
	tr -d "\\000" | wc -c)" = 0' || fail "discarded range does not read back as zeros"
guest_run $g 'dd if=/dev/xvdd bs=64k count=16 iflag=direct 2>/dev/null >/tmp/d2a &&
	dd if=/tmp/d2 bs=64k count=16 2>/dev/null | cmp -s - /tmp/d2a' ||
	fail "discard touched data outside its range"
log "disk grew from 32 to 64 MiB online, data kept; discard works"
