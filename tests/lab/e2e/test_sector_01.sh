#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# A disk with 4 KiB logical blocks, as the 2024 blkif update has it:
# "sector-size" is the logical block size, "physical-sector-size" the
# physical one, sector numbers on the ring and "sectors" count 512 bytes
# whatever the sector size, and feature-large-sector-size is not used.
# dom0's memory-backed null_blk (bs=4096) becomes the guest's xvdb.
#
# - The backend publishes both sizes and "sectors" in 512-byte units; the
#   guest sees 4096-byte logical blocks (blockdev --getss and sysfs), the
#   physical size of the backing device and its size in bytes.
# - O_DIRECT that is not aligned to 4 KiB on the disk (512 bytes at a
#   512-byte offset, 4 KiB at a 2 KiB offset, a length of 4.5 KiB) fails
#   with EINVAL in the guest, writes nothing, raises no complaint from the
#   backend, and the disk works on afterwards; a buffered 512-byte write
#   (read-modify-write of its block in the guest) lands where it should.
# - 4 KiB O_DIRECT from memory 512 bytes into a page, which would need
#   segments that start and end mid-block: EINVAL from our frontend; from
#   the stock one our backend refuses the request (EIO) and names the disk.
# - Verified fio (4-256 KiB blocks) written by the guest verifies on the
#   backing device in dom0, and the other way round.
# - ext4 with 4 KiB blocks: files written in the guest, fsck clean there
#   and, once detached, in dom0, whose mount finds the same checksums.
# The lab fails the test on any BUG, WARN or oops in dom0 or the guest.
. /lab/tests/test_common.sh

g=domu
dev=nullb0
vd=xvdb
num=$(xvd_num b)

cleanup() {
	xl block-detach $g $vd >/dev/null 2>&1
	umount /mnt/s4k 2>/dev/null
	wait_for 20 '! [ -d /sys/module/null_blk ] || rmmod null_blk 2>/dev/null' ||
		log "null_blk stays loaded (busy)"
}

# Kernel messages since MARK that name this disk's backend device and
# sound like a complaint.
be_complaints() { # mark
	dmesg | sed -n "/sector_01: $1\$/,\$p" | grep "vbd-$(domid $g)-$num" |
		grep -ciE 'malformed|misalign|invalid|error|fail|beyond'
}

# Run fio in the guest; print its exit status and the errno it reports.
guest_fio_err() { # fio-args
	guest_out -t 60 $g "fio --name=mis --filename=/dev/$vd --ioengine=psync \
		--direct=1 --minimal $1 >/tmp/mis.out 2>&1; echo rc=\$?;
		grep -o 'error=[A-Za-z/ ]*' /tmp/mis.out | head -1"
}

# The 4 KiB-logical backing device.  Another test may have left null_blk
# loaded with other parameters.
if [ -d /sys/module/null_blk ]; then
	rmmod null_blk || fail "null_blk is loaded and busy"
fi
modprobe null_blk nr_devices=1 bs=4096 gb=1 memory_backed=1 ||
	fail "modprobe null_blk bs=4096 failed"
trap cleanup EXIT
wait_for 10 "[ -b /dev/$dev ]" || fail "no /dev/$dev"
ss=$(cat /sys/block/$dev/queue/logical_block_size)
pss=$(cat /sys/block/$dev/queue/physical_block_size)
bytes=$(blockdev --getsize64 /dev/$dev)
sectors=$((bytes / 512))
[ "$ss" = 4096 ] || fail "null_blk has $ss-byte logical blocks, not 4096"
log "dom0: /dev/$dev: logical $ss, physical $pss bytes, $bytes bytes"

echo "sector_01: attach" >/dev/kmsg
xl block-attach $g "phy:/dev/$dev,$vd,w" || fail "block-attach failed"
guest_wait_bdev $g $vd || fail "$vd did not appear"
id=$(domid $g)
be=/local/domain/0/backend/vbd/$id/$num
fe=/local/domain/$id/device/vbd/$num
wait_for 20 '[ "$(xenstore-read $be/state 2>/dev/null)" = 4 ]' ||
	fail "backend not Connected (state $(xenstore-read $be/state 2>/dev/null))"
got="$(xenstore-read $be/sector-size) $(xenstore-read $be/physical-sector-size) $(xenstore-read $be/sectors)"
[ "$got" = "$ss $pss $sectors" ] ||
	fail "backend publishes sector-size, physical-sector-size, sectors '$got', expected '$ss $pss $sectors'"
xenstore-exists $be/feature-large-sector-size &&
	fail "the backend writes feature-large-sector-size"
xenstore-exists $fe/feature-large-sector-size &&
	fail "the frontend writes feature-large-sector-size"

# getss, logical and physical block size, bytes, 512-byte sectors twice
got=$(guest_out $g "blockdev --getss /dev/$vd; cat /sys/block/$vd/queue/logical_block_size \
	/sys/block/$vd/queue/physical_block_size; blockdev --getsize64 /dev/$vd;
	blockdev --getsz /dev/$vd; cat /sys/block/$vd/size")
want="$ss $ss $pss $bytes $sectors $sectors"
[ "$got" = "$want" ] ||
	fail "guest: getss, logical, physical, bytes, sectors, sysfs size '$got', expected '$want'"
log "guest sees $vd with $ss-byte logical, $pss-byte physical blocks, $bytes bytes"

# Misaligned O_DIRECT.  A known 64 KiB first, to see that nothing changes.
guest_run $g "dd if=/dev/urandom of=/tmp/s4k.pat bs=64k count=1 2>/dev/null &&
	dd if=/tmp/s4k.pat of=/dev/$vd bs=64k conv=notrunc oflag=direct 2>/dev/null" ||
	fail "aligned 64 KiB write failed"
echo "sector_01: misaligned" >/dev/kmsg
for io in "read 512 512" "write 512 512" "read 512 0" "write 4k 2048" \
	  "read 4k 2048" "write 4608 0"; do
	set -- $io
	got=$(guest_fio_err "--rw=$1 --bs=$2 --size=$2 --offset=$3")
	case "$got" in
	"rc=0"*) fail "$1 of $2 bytes at offset $3 succeeded on a 4 KiB disk" ;;
	*"error=Invalid argument"*) ;;
	*) fail "$1 of $2 bytes at offset $3: '$got', expected EINVAL" ;;
	esac
done
log "misaligned O_DIRECT reads and writes got EINVAL"
sum=$(dd if=/dev/$dev bs=64k count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
guest_run $g "sha256sum </tmp/s4k.pat | grep -q ^$sum" ||
	fail "a misaligned write changed the backing device"
n=$(be_complaints misaligned)
[ "$n" = 0 ] || fail "the backend saw misaligned requests ($n messages)"
[ "$(xenstore-read $be/state)/$(xenstore-read $fe/state)" = 4/4 ] ||
	fail "the disk is no longer connected after misaligned I/O"

# Still usable: an aligned O_DIRECT block, and a buffered 512-byte write
# into the block after it (the guest reads, modifies and writes 4 KiB).
guest_run $g "dd if=/dev/urandom of=/tmp/s4k.b bs=4k count=1 2>/dev/null &&
	dd if=/tmp/s4k.b of=/dev/$vd bs=4k seek=3 conv=notrunc oflag=direct 2>/dev/null &&
	dd if=/dev/$vd bs=4k skip=3 count=1 iflag=direct 2>/dev/null | cmp -s - /tmp/s4k.b &&
	dd if=/dev/urandom of=/tmp/s4k.s bs=512 count=1 2>/dev/null &&
	dd if=/tmp/s4k.s of=/dev/$vd bs=512 seek=33 conv=notrunc,fsync 2>/dev/null &&
	dd if=/tmp/s4k.pat bs=512 count=8 skip=32 2>/dev/null >/tmp/s4k.want &&
	dd if=/tmp/s4k.s of=/tmp/s4k.want bs=512 seek=1 conv=notrunc 2>/dev/null" ||
	fail "aligned I/O after the misaligned attempts failed"
for f in b want; do
	case $f in b) skip=3 ;; *) skip=4 ;; esac
	sum=$(dd if=/dev/$dev bs=4k skip=$skip count=1 iflag=direct 2>/dev/null |
	      sha256sum | cut -d' ' -f1)
	guest_run $g "sha256sum </tmp/s4k.$f | grep -q ^$sum" ||
		fail "block $skip on the backing device is not what the guest wrote"
done
log "aligned and buffered sub-block writes reach the backing device"

# 4 KiB O_DIRECT from memory 512 bytes into a page: aligned on the disk,
# but every block then spans two pages, and segments that start or end
# inside a logical block are not allowed on the ring.  Our frontend has
# the guest's block layer refuse such memory (EINVAL) and nothing reaches
# the backend.  The stock frontend sends the segments as they are: our
# backend refuses the request (EIO in the guest, one message naming the
# disk); the stock backend checks only where the request starts and ends,
# and serves it.  The disk works on in every pair (the fio below).
echo "sector_01: mem_align" >/dev/kmsg
got=$(guest_fio_err "--rw=write --bs=4k --size=64k --offset=64M --mem_align=512 \
	--verify=crc32c --do_verify=1")
n=$(be_complaints mem_align)
log "4 KiB O_DIRECT from memory 512 bytes into a page: $got; $n backend message(s)"
case "$LAB_FRONT/$LAB_BACK" in
ours/*)
	case "$got" in
	*"error=Invalid argument"*) ;;
	*) fail "I/O from memory not aligned to 4 KiB: '$got', expected EINVAL" ;;
	esac
	[ "$n" = 0 ] || fail "the backend got segments that start or end mid-block"
	;;
stock/ours)
	case "$got" in
	"rc=0"*) fail "our backend served segments that start or end mid-block" ;;
	esac
	[ "$n" -ge 1 ] || fail "our backend refused the request without naming the disk"
	;;
esac
[ "$(xenstore-read $be/state)/$(xenstore-read $fe/state)" = 4/4 ] ||
	fail "the disk is no longer connected after I/O from misaligned memory"

# Verified fio, checked on the other side.
echo "sector_01: fio" >/dev/kmsg
job="--ioengine=libaio --direct=1 --bsrange=4k-256k --blockalign=4k \
	--offset=512M --size=32M --iodepth=16 --verify=crc32c --verify_fatal=1 \
	--randrepeat=1 --minimal --name=s4k"
guest_run -t 400 $g "fio $job --filename=/dev/$vd --rw=randwrite --randseed=7 \
	--do_verify=1 >/tmp/s4k-w.out 2>&1 || { tail -5 /tmp/s4k-w.out; exit 1; }" ||
	fail "guest: verified fio on the 4 KiB disk failed"
if ! fio $job --filename=/dev/$dev --rw=randwrite --randseed=7 --verify_only=1 \
	>/tmp/s4k-d.out 2>&1; then
	tail -5 /tmp/s4k-d.out
	fail "dom0: the backing device does not hold what the guest's fio wrote"
fi
if ! fio $job --filename=/dev/$dev --rw=randwrite --randseed=19 --do_verify=0 \
	>/tmp/s4k-d2.out 2>&1; then
	tail -5 /tmp/s4k-d2.out
	fail "dom0: fio on the backing device failed"
fi
guest_run -t 400 $g "fio $job --filename=/dev/$vd --rw=randwrite --randseed=19 \
	--verify_only=1 >/tmp/s4k-r.out 2>&1 || { tail -5 /tmp/s4k-r.out; exit 1; }" ||
	fail "guest: data fio wrote in dom0 reads back wrong"
log "verified fio: guest to dom0 and dom0 to guest"

# ext4 with 4 KiB blocks.
guest_run $g 'modprobe crc32c_generic; modprobe ext4' || fail "cannot load ext4 in the guest"
guest_run $g "mkfs.ext4 -q -F -b 4096 /dev/$vd 192M" || fail "mkfs.ext4 -b 4096 failed"
guest_run $g "mount -t ext4 /dev/$vd /mnt/t && test \$(stat -f -c %S /mnt/t) = 4096 &&
	mkdir -p /mnt/t/d && for i in 1 2 3 4 5 6 7 8; do
		dd if=/dev/urandom of=/mnt/t/d/f\$i bs=64k count=\$((i * 8)) 2>/dev/null || exit 1
	done && dd if=/dev/urandom of=/mnt/t/d/small bs=700 count=1 2>/dev/null &&
	(cd /mnt/t/d && sha256sum *) >/tmp/s4k.sum && sync && umount /mnt/t" ||
	fail "writing files on ext4 failed"
guest_run $g "e2fsck -fn /dev/$vd" || fail "guest: fsck found errors"
guest_run $g "echo 3 >/proc/sys/vm/drop_caches; mount -t ext4 -o ro /dev/$vd /mnt/t &&
	(cd /mnt/t/d && sha256sum -c /tmp/s4k.sum >/dev/null); rc=\$?; umount /mnt/t; exit \$rc" ||
	fail "guest: file checksums differ after remount"
gsum=$(guest_out $g "sha256sum </tmp/s4k.sum")
[ -n "$gsum" ] || fail "no checksum list from the guest"

xl block-detach $g $vd || fail "block-detach failed"
guest_wait_bdev $g $vd gone || fail "$vd still present after detach"
wait_for 30 "! xenstore-exists $be" || fail "backend directory left behind"
n=$(be_complaints fio)
[ "$n" = 0 ] || fail "the backend complained about the disk ($n messages)"
echo 3 >/proc/sys/vm/drop_caches
e2fsck -fn /dev/$dev >/tmp/s4k-fsck.out 2>&1 || { tail -5 /tmp/s4k-fsck.out; fail "dom0: fsck found errors"; }
modprobe crc32c_generic 2>/dev/null
modprobe ext4 2>/dev/null
mkdir -p /mnt/s4k
mount -t ext4 -o ro /dev/$dev /mnt/s4k || fail "dom0: cannot mount the guest's ext4"
dsum=$(cd /mnt/s4k/d && sha256sum * | sha256sum)
umount /mnt/s4k
[ "$dsum" = "$gsum" ] || fail "dom0 finds other files on the backing device than the guest wrote"
log "ext4 with 4 KiB blocks: 9 files intact in the guest and on the backing device"
