#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Data lands where the guest put it, whatever the guest's page size.  I/O
# of 512-byte multiples at 512-byte offsets, from buffers that start and
# end in the middle of a page (on a 64 KiB-page guest, a page split into
# 4 KiB grants then carries data in some of its chunks and not in others,
# and a segment starts or ends mid-chunk), is written by the guest and
# checked on the backing device in dom0, then written in dom0 and checked
# in the guest.  fio's crc32c headers carry each block's offset, so a
# chunk granted in the wrong place or order fails on the other side even
# when the guest reads back what it wrote.
. /lab/tests/test_common.sh

g=domu
log "guest page size ${LAB_GUEST_PAGE_SIZE:-4096} bytes"
job="--ioengine=libaio --direct=1 --bsrange=512-192k --blockalign=512 \
	--mem_align=512 --size=24M --iodepth=16 --verify=crc32c \
	--verify_fatal=1 --randrepeat=1 --minimal --name=split"

# A failed check must not leave the disk to the next test.
trap 'xl block-detach $g xvdb >/dev/null 2>&1' EXIT
xl block-attach $g phy:/dev/ram1,xvdb,w || fail "block-attach failed"
guest_wait_bdev $g xvdb || fail "xvdb did not appear"
kb=$((${LAB_GUEST_PAGE_SIZE:-4096} / 1024))
guest_run $g "ps=\$(sed -n 's/^KernelPageSize: *\([0-9]*\) kB/\1/p' /proc/self/smaps | head -1);
	echo \"split: the guest's kernel has \$ps KiB pages\"; [ \"\$ps\" = $kb ]" ||
	fail "the guest's pages are not the ${LAB_GUEST_PAGE_SIZE:-4096} bytes the lab asked for"

# Guest writes (and reads back), dom0 checks the backing device.
guest_run -t 600 $g "fio $job --filename=/dev/xvdb --rw=randwrite --randseed=11 \
	--do_verify=1 >/tmp/split-w.out 2>&1 || { tail -5 /tmp/split-w.out; exit 1; }" ||
	fail "guest: unaligned random write + verify failed"
if ! fio $job --filename=/dev/ram1 --rw=randwrite --randseed=11 --verify_only=1 \
	>/tmp/split-d.out 2>&1; then
	tail -5 /tmp/split-d.out
	fail "dom0: the backing device does not hold what the guest wrote"
fi
log "guest-written data verified on the backing device"

# dom0 writes, the guest reads it through the frontend.
if ! fio $job --filename=/dev/ram1 --rw=randwrite --randseed=23 --do_verify=0 \
	>/tmp/split-d2.out 2>&1; then
	tail -5 /tmp/split-d2.out
	fail "dom0: writing the backing device failed"
fi
guest_run -t 600 $g "fio $job --filename=/dev/xvdb --rw=randwrite --randseed=23 \
	--verify_only=1 >/tmp/split-r.out 2>&1 || { tail -5 /tmp/split-r.out; exit 1; }" ||
	fail "guest: data written in dom0 reads back wrong through the frontend"
log "dom0-written data verified in the guest"

xl block-detach $g xvdb || fail "block-detach failed"
guest_wait_bdev $g xvdb gone || fail "xvdb still present after detach"
