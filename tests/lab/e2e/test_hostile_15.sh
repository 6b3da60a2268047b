#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile backing device: a disk that keeps the pages of a write
# referenced after the write completed (tests/rogue/rogue_disk.c, pin=1),
# as a network block device does until the data is acknowledged.  A
# backend must not unmap a grant whose page is still in use, so it has to
# wait; it must not wait in the ring thread, which serves every other
# request of that queue: with persistent grants off (one mapping per
# request) and a guest of one vCPU (one queue), a read of another block
# is served while the write's pages are held, and the write itself is
# answered only once its pages are free and unmapped, with its data on
# the disk.
. /lab/tests/test_common.sh

g=pin
rd=/sys/module/rogue_disk/parameters
persist=$(back_param feature_persistent)
trap 'echo 0 >$rd/pin 2>/dev/null; xl destroy $g >/dev/null 2>&1; sleep 2
	back_param feature_persistent $persist; rmmod rogue_disk 2>/dev/null' EXIT

# Left loaded by a test that was killed (no trap runs on SIGKILL)?
rmmod rogue_disk 2>/dev/null
insmod /lab/mod/rogue_disk.ko disk_mib=32 || fail "insmod rogue_disk failed"
wait_for 10 '[ -b /dev/roguedisk0 ]' || fail "no /dev/roguedisk0"
back_param feature_persistent N
guest_start $g --mem 256 --vcpus 1 phy:/dev/roguedisk0,xvdb,w ||
	fail "guest $g did not start"
guest_wait_bdev $g xvdb || fail "xvdb did not appear in $g"
id=$(domid $g)
be=/local/domain/0/backend/vbd/$id/51728
[ "$(xenstore-read $be/feature-persistent 2>/dev/null)" = 0 ] ||
	fail "the backend offers persistent grants: every grant would stay mapped, nothing tested"
sysd=/sys/bus/xen-backend/devices/vbd-$id-51728
[ "$LAB_BACK" = ours ] && def0=$(cat $sysd/statistics/unmaps_deferred)

# The block to write, known to dom0 by its sum; a block to read elsewhere.
guest_run $g 'dd if=/dev/urandom of=/tmp/blk bs=4k count=1 2>/dev/null &&
	dd if=/tmp/blk of=/dev/xvdb bs=4k seek=8 oflag=direct 2>/dev/null' ||
	fail "first write failed"
want=$(dd if=/dev/roguedisk0 bs=4k skip=8 count=1 iflag=direct 2>/dev/null | md5sum | cut -c1-32)
guest_run $g 'dd if=/dev/urandom of=/tmp/blk bs=4k count=1 2>/dev/null' ||
	fail "could not make the block"

echo 1 >$rd/pin
guest_run $g 'rm -f /tmp/wrc; (dd if=/tmp/blk of=/dev/xvdb bs=4k seek=8 oflag=direct 2>/dev/null;
	echo $? >/tmp/wrc) >/dev/null 2>&1 &' || fail "could not start the write"
wait_for 30 '[ "$(cat $rd/pinned)" -ge 1 ]' ||
	fail "the device holds no page of the write ($(cat $rd/pinned))"
log "the device holds $(cat $rd/pinned) page(s) of a completed write"

# The write's grant cannot be unmapped yet; the queue must go on.
guest_run -t 60 $g 'dd if=/dev/xvdb of=/dev/null bs=4k skip=100 count=4 iflag=direct 2>/dev/null' ||
	fail "a read was not served while the device held a completed write's page: the queue waits for the unmap"
guest_run -t 30 $g '[ ! -e /tmp/wrc ]' ||
	fail "the write was answered while its page was held, i.e. still mapped"
[ "$(cat $rd/pinned)" -ge 1 ] || fail "the device let the page go too early: the test proves nothing"
log "a read was served, the write not answered, while the page was held"

echo 0 >$rd/pin
wait_for 60 "guest_run -t 10 $g '[ -e /tmp/wrc ]'" ||
	fail "the write was never answered after the device let its page go"
guest_run $g '[ "$(cat /tmp/wrc)" = 0 ]' || fail "the write failed"
sum=$(dd if=/dev/roguedisk0 bs=4k skip=8 count=1 iflag=direct 2>/dev/null | md5sum | cut -c1-32)
gsum=$(guest_run $g 'md5sum </tmp/blk | cut -c1-32 | xenstore-write data/lab/sum "$(cat)"' &&
	xenstore-read /local/domain/$id/data/lab/sum)
[ -n "$gsum" ] && [ "$sum" = "$gsum" ] ||
	fail "the disk holds $sum at the block, the guest wrote $gsum"
[ "$sum" != "$want" ] || fail "the block did not change"
if [ "$LAB_BACK" = ours ]; then
	def=$(cat $sysd/statistics/unmaps_deferred)
	[ "$def" -gt "$def0" ] ||
		fail "statistics/unmaps_deferred did not count the unmap that waited ($def0 -> $def)"
	log "unmaps_deferred $def0 -> $def"
fi
guest_stop $g
wait_for 30 "! ls /sys/bus/xen-backend/devices | grep -q '^vbd-$id-'" ||
	fail "backend device of domain $id left"
log "write answered after its page was let go, data on the disk; read served meanwhile"
