#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 300
#
# Hostile backing device: a disk that says it has a volatile write cache,
# so the backend offers flushes, and then fails every flush with
# EOPNOTSUPP (tests/rogue/rogue_disk.c).  The backend answers the guest's
# flush EOPNOTSUPP and withdraws feature-flush-cache and feature-barrier
# from xenstore, so that a frontend connecting later is not promised what
# the device cannot do; the frontend stops sending flushes; data written
# around the refusal is intact.
. /lab/tests/test_common.sh

g=$LAB_DEFAULT_GUEST
rd=/sys/module/rogue_disk/parameters
trap 'xl block-detach $g xvdb >/dev/null 2>&1; sleep 1; rmmod rogue_disk 2>/dev/null' EXIT

refused() { cat $rd/flushes_refused; }

# Left loaded by a test that was killed (no trap runs on SIGKILL)?
rmmod rogue_disk 2>/dev/null
insmod /lab/mod/rogue_disk.ko disk_mib=32 || fail "insmod rogue_disk failed"
wait_for 10 '[ -b /dev/roguedisk0 ]' || fail "no /dev/roguedisk0"
xl block-attach $g phy:/dev/roguedisk0,xvdb,w || fail "block-attach failed"
guest_wait_bdev $g xvdb || fail "xvdb did not appear"
bd=/local/domain/0/backend/vbd/$(domid $g)/51728
f=$(xenstore-read $bd/feature-flush-cache 2>/dev/null)
b=$(xenstore-read $bd/feature-barrier 2>/dev/null)
log "offered before a flush: feature-flush-cache=$f feature-barrier=$b"
[ "$f" = 1 ] || fail "no flush offered for a disk with a write cache"

# Data with O_DIRECT and no flush: reaches the disk.
guest_run $g 'dd if=/dev/urandom of=/tmp/a bs=64k count=16 2>/dev/null &&
	dd if=/tmp/a of=/dev/xvdb bs=64k oflag=direct 2>/dev/null' || fail "plain write failed"
n0=$(refused)
# The first flush is refused by the device (what fsync says of it is the
# frontend's business); the data before it stays.
guest_run $g 'dd if=/tmp/a of=/dev/xvdb bs=64k seek=32 oflag=direct conv=fsync 2>/dev/null'
log "first fsync in the guest: exit $?"
n1=$(refused)
[ "$n1" -gt "$n0" ] || fail "no flush reached the device ($n0 -> $n1 refused)"
wait_for 10 "[ \"\$(xenstore-read $bd/feature-flush-cache)\" = 0 ] &&
	[ \"\$(xenstore-read $bd/feature-barrier)\" = 0 ]" ||
	fail "the backend still offers flush=$(xenstore-read $bd/feature-flush-cache) barrier=$(xenstore-read $bd/feature-barrier) after the device refused one"
log "after the refusal: feature-flush-cache=0 feature-barrier=0"
if [ "$LAB_BACK" = ours ]; then
	dmesg | grep "vbd-$(domid $g)-51728" | grep 'refused a flush' ||
		fail "the backend did not say it withdrew flush"
fi
# The frontend no longer sends flushes: fsync succeeds, the device sees none.
guest_run $g 'dd if=/tmp/a of=/dev/xvdb bs=64k seek=64 oflag=direct conv=fsync 2>/dev/null' ||
	fail "fsync after the refusal still fails"
n2=$(refused)
[ "$n2" = "$n1" ] || fail "the frontend kept sending flushes ($n1 -> $n2 refused)"
a=$(guest_out $g 'md5sum </tmp/a' | cut -d' ' -f1)
for off in 0 32 64; do
	m=$(dd if=/dev/roguedisk0 bs=64k skip=$off count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$m" = "$a" ] || fail "data at ${off}x64k differs on the device"
done
log "data intact; $n2 flushes refused in all"
