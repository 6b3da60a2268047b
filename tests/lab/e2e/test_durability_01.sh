#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# What a guest was told is durable survives a guest crash followed by the
# loss of the backing device's volatile write cache.  The disk is a null_blk
# device with a write-back cache (configfs cache_size): writes stay in that
# cache until a flush or FUA write moves them to its "media", and powering
# the device off drops the cache.  A guest writes through the frontend
# under test, on the raw disk and on ext4:
#
#   durable    written, then fsync (the block layer's flush) returned
#   volatile   written with O_DIRECT and never flushed
#
# then it is destroyed (xl destroy, no shutdown) and the device is powered
# off and on again.  Every durable byte must be there; the volatile ones
# are expected gone (if they survive, the cache was not volatile and the
# test could not tell a missing flush: it fails).  The ext4 filesystem
# must come back clean after journal recovery with its fsynced file intact.
. /lab/tests/test_common.sh

g=dur
cfs=/sys/kernel/config/nullb
nb=$cfs/durable
dev=
trap 'guest_stop $g; xl destroy $g >/dev/null 2>&1; nb_remove' EXIT

nb_remove() {
	[ -d "$nb" ] && { echo 0 >"$nb/power"; rmdir "$nb"; }
	wait_for 10 "! [ -d /sys/module/null_blk ] || rmmod null_blk 2>/dev/null"
}

# nb_power 0|1: switch the null_blk device off (dropping its cache) or on.
nb_power() {
	echo "$1" >"$nb/power" || fail "null_blk power=$1 failed"
	[ "$1" = 0 ] && return 0
	# named after its configfs directory (nullb<index> before 5.13)
	dev=/dev/${nb##*/}
	[ -b "$dev" ] || dev=/dev/nullb$(cat "$nb/index")
	wait_for 10 "[ -b /dev/${nb##*/} ] || [ -b /dev/nullb$(cat "$nb/index") ]" ||
		fail "no block device for $nb"
	[ -b "/dev/${nb##*/}" ] && dev=/dev/${nb##*/}
}

# dom0's view of N MiB at MiB offset OFF of the device, as one md5.
dom0_md5() { # off n
	dd if="$dev" bs=1M skip="$1" count="$2" iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1
}

# The guest dies without a shutdown; the backend lets go of the disk.
crash() {
	local bd

	bd=$(backend_dir $g 51728)
	xl destroy $g || fail "xl destroy $g failed"
	wait_for 30 "! [ -e $bd ]" ||
		fail "the backend kept the disk after the guest was destroyed"
}

guest_md5() { # file
	guest_out $g "md5sum $1" | cut -d' ' -f1
}

! [ -d /sys/module/null_blk ] || rmmod null_blk 2>/dev/null ||
	fail "null_blk is loaded and busy"
modprobe null_blk nr_devices=0 || fail "modprobe null_blk failed"
grep -q ' /sys/kernel/config ' /proc/mounts ||
	mount -t configfs configfs /sys/kernel/config || fail "no configfs"
mkdir "$nb" || fail "cannot create a null_blk device in configfs"
for kv in size=256 memory_backed=1 cache_size=64 blocksize=512; do
	echo "${kv#*=}" >"$nb/${kv%=*}" || fail "null_blk $kv refused"
done
nb_power 1
log "$dev: 256 MiB, 64 MiB volatile write cache"

# --- raw disk ------------------------------------------------------------
guest_start $g --mem 384 phy:$dev,xvdb,w || fail "guest $g did not start"
guest_wait_bdev $g xvdb || fail "xvdb did not appear"
flush=$(xenstore-read "/local/domain/0/backend/vbd/$(domid $g)/51728/feature-flush-cache" 2>/dev/null)
log "backend offers feature-flush-cache=$flush"
[ "$flush" = 1 ] || fail "the backend offers no flush for a disk with a volatile cache"
guest_run $g 'dd if=/dev/urandom of=/tmp/d bs=1M count=4 2>/dev/null &&
	dd if=/dev/urandom of=/tmp/v bs=1M count=4 2>/dev/null' || fail "guest: no random data"
# durable: MiB 0-3, fsync; volatile: MiB 8-11, O_DIRECT only
guest_run $g 'dd if=/tmp/d of=/dev/xvdb bs=64k oflag=direct conv=fsync 2>/dev/null' ||
	fail "durable write failed"
guest_run $g 'dd if=/tmp/v of=/dev/xvdb bs=64k seek=128 oflag=direct 2>/dev/null' ||
	fail "volatile write failed"
d=$(guest_md5 /tmp/d) v=$(guest_md5 /tmp/v)
[ "$(dom0_md5 0 4)" = "$d" ] || fail "dom0 does not read the durable data before the crash"
crash
nb_power 0
nb_power 1
log "guest destroyed, device cache dropped"
[ "$(dom0_md5 0 4)" = "$d" ] || fail "data the guest fsynced is gone after the crash"
[ "$(dom0_md5 8 4)" != "$v" ] ||
	fail "never-flushed data survived the power loss: the cache is not volatile, the test proves nothing"
log "raw disk: fsynced data intact, unflushed data lost"

# --- ext4 ---------------------------------------------------------------
guest_start $g --mem 384 phy:$dev,xvdb,w || fail "guest $g did not start again"
guest_wait_bdev $g xvdb || fail "xvdb did not appear again"
guest_run -t 200 $g 'modprobe crc32c_generic; modprobe ext4 &&
	mkfs.ext4 -q -F /dev/xvdb 128M && mkdir -p /mnt/d && mount /dev/xvdb /mnt/d &&
	dd if=/dev/urandom of=/tmp/f bs=1M count=2 2>/dev/null &&
	dd if=/tmp/f of=/mnt/d/durable bs=64k conv=fsync 2>/dev/null &&
	dd if=/dev/urandom of=/mnt/d/volatile bs=1M count=2 2>/dev/null' ||
	fail "ext4 in the guest failed"
f=$(guest_md5 /tmp/f)
crash
nb_power 0
nb_power 1
log "guest destroyed with ext4 mounted, device cache dropped"
e2fsck -fy "$dev" >/tmp/dur-fsck.log 2>&1
log "e2fsck -fy (journal recovery): exit $?"
e2fsck -fn "$dev" >/tmp/dur-fsck2.log 2>&1 || {
	cat /tmp/dur-fsck2.log
	fail "ext4 not clean after journal recovery"
}
mkdir -p /run/lab/dur
# dom0 loads nothing by itself (no module autoloading in the lab)
modprobe crc32c_generic 2>/dev/null
modprobe ext4 2>/dev/null
mount -t ext4 -o ro "$dev" /run/lab/dur || fail "ext4 does not mount after the crash"
m=$(md5sum /run/lab/dur/durable 2>/dev/null | cut -d' ' -f1)
umount /run/lab/dur
[ "$m" = "$f" ] || fail "the fsynced file is missing or differs after the crash"
log "ext4: clean after recovery, fsynced file intact"
