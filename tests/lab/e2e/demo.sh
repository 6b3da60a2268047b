#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# make demo: hot-plug a disk into the running guest, run a short verified fio
# job on it, show what the two drivers negotiated and the backend's
# statistics, then detach.
. /lab/tests/test_common.sh

g=$LAB_DEFAULT_GUEST
vdev=$(xvd_num b)
lab_out "backend: $LAB_BACK xen-blkback, frontend: $LAB_FRONT xen-blkfront"
lab_out "\$ xl block-attach $g phy:/dev/ram1,xvdb,w"
xl block-attach $g phy:/dev/ram1,xvdb,w || fail "block-attach failed"
guest_wait_bdev $g xvdb || fail "xvdb did not appear in the guest"
id=$(domid $g)
be=/local/domain/0/backend/vbd/$id/$vdev
fe=/local/domain/$id/device/vbd/$vdev
lab_out "negotiated (backend $be):"
for k in feature-persistent feature-max-indirect-segments max-ring-page-order \
	 multi-queue-max-queues feature-flush-cache feature-barrier feature-discard \
	 sectors sector-size physical-sector-size info mode; do
	v=$(xenstore-read "$be/$k" 2>/dev/null) && lab_out "  backend  $k = $v"
done
for k in feature-persistent protocol ring-page-order multi-queue-num-queues \
	 event-channel ring-ref; do
	v=$(xenstore-read "$fe/$k" 2>/dev/null) && lab_out "  frontend $k = $v"
done
lab_out "\$ fio (in the guest) 4k randwrite+verify QD16, 1M write+verify QD4 on /dev/xvdb"
guest_run -t 600 $g 'fio --ioengine=libaio --direct=1 --filename=/dev/xvdb --verify=crc32c \
	--verify_fatal=1 --size=32M --minimal --name=r4k --rw=randwrite --bs=4k --iodepth=16 \
	--name=s1m --stonewall --rw=write --bs=1M --iodepth=4 >/tmp/demo.fio' ||
	fail "fio failed or did not verify"
guest_run $g 'awk -F";" "{printf \"fio %s: read %s KiB/s %s IOPS, write %s KiB/s %s IOPS, errors %s\\n\", \$3, \$7, \$8, \$48, \$49, \$5}" /tmp/demo.fio'
guest_run $g 'dmesg | grep -i blkfront | tail -3'
sysd=$(backend_dir $g "$vdev")
lab_out "backend statistics ($sysd/statistics):"
for f in "$sysd"/statistics/*; do
	[ -f "$f" ] && lab_out "  $(basename "$f") = $(cat "$f")"
done
lab_out "\$ xl block-detach $g xvdb"
xl block-detach $g xvdb || fail "block-detach failed"
guest_wait_bdev $g xvdb gone || fail "xvdb still present after detach"
lab_out "detached; guest and dom0 healthy"
