#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile backing device: a disk that stops answering
# (tests/rogue/rogue_disk.c, stall=1) under a guest whose frontend closes
# with requests in flight on it, and which is then destroyed.  The backend's teardown of that disk has to
# wait for the device; it must not wait in the xenwatch thread, which
# every xenbus device of the host shares: while the device still holds the
# requests, another disk is attached to the default guest and works, and
# the backend of the destroyed guest's disk is gone from xenstore, even
# with a reader of that disk's statistics at work all along (as xentop
# is: a reader waiting behind the teardown would hold up the removal of
# the device's sysfs files, and with it xenwatch).  Once the device
# answers again the teardown finishes: no dying domain, no backend device
# left.
. /lab/tests/test_common.sh

g=stall
rd=/sys/module/rogue_disk/parameters
reader=
trap 'echo 0 >$rd/stall 2>/dev/null; xl destroy $g >/dev/null 2>&1
	[ -z "$reader" ] || kill $reader 2>/dev/null
	xl block-detach $LAB_DEFAULT_GUEST xvdb >/dev/null 2>&1; sleep 2
	rmmod rogue_disk 2>/dev/null' EXIT

# Left loaded by a test that was killed (no trap runs on SIGKILL)?
rmmod rogue_disk 2>/dev/null
insmod /lab/mod/rogue_disk.ko disk_mib=32 || fail "insmod rogue_disk failed"
wait_for 10 '[ -b /dev/roguedisk0 ]' || fail "no /dev/roguedisk0"
guest_start $g --mem 256 phy:/dev/roguedisk0,xvdb,w || fail "guest $g did not start"
guest_wait_bdev $g xvdb || fail "xvdb did not appear in $g"
id=$(domid $g)
echo 1 >$rd/stall
guest_run $g '(dd if=/dev/zero of=/dev/xvdb bs=64k count=64 oflag=direct >/dev/null 2>&1 &)
	(dd if=/dev/xvdb of=/dev/null bs=64k count=64 skip=100 iflag=direct >/dev/null 2>&1 &)' ||
	fail "could not start I/O in $g"
wait_for 30 '[ "$(cat $rd/held)" -ge 2 ]' || fail "the device holds $(cat $rd/held) requests, not 2"
log "the device holds $(cat $rd/held) requests of domain $id"
# Reads until the file goes away with the device.
stats=/sys/bus/xen-backend/devices/vbd-$id-51728/statistics/rd_req
[ -r "$stats" ] || fail "no $stats"
(while read -r _ <"$stats"; do :; done) 2>/dev/null &
reader=$!
# The frontend says Closed with its requests in flight, as a hostile one
# may at any time (written here for the guest's): the teardown, which
# waits for the device, starts before the toolstack removes the device.
xenstore-write /local/domain/$id/device/vbd/51728/state 6 ||
	fail "could not write the frontend's state"
if [ "$LAB_BACK" = ours ]; then
	wait_for 20 "dmesg | grep vbd-$id-51728 | grep -q 'teardown goes on in the background'" ||
		fail "the backend did not say it tore down in the background"
fi
sleep 2
kill -0 $reader 2>/dev/null || fail "the statistics reader stopped before the device went away"
xl destroy $g || fail "xl destroy failed"
lab_untail_console $g

# The device still holds the requests: xenwatch must be free all the same.
xl block-attach $LAB_DEFAULT_GUEST phy:/dev/ram1,xvdb,w ||
	fail "block-attach failed while a stalled disk was being torn down"
guest_wait_bdev $LAB_DEFAULT_GUEST xvdb ||
	fail "a disk attached while a stalled disk was being torn down did not appear: xenwatch is blocked"
guest_run $LAB_DEFAULT_GUEST 'dd if=/dev/xvdb of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null' ||
	fail "reading the new disk failed"
wait_for 30 "! xenstore-exists /local/domain/0/backend/vbd/$id" ||
	fail "the destroyed guest's backend directory is still there"
[ "$(cat $rd/held)" -ge 2 ] || fail "the device let the requests go too early: the test proves nothing"
wait_for 10 "! kill -0 $reader 2>/dev/null" ||
	fail "the statistics reader still runs: $stats outlived the backend directory ($(cat /proc/$reader/wchan 2>/dev/null))"
reader=
log "attach and I/O on another disk done while the device held $(cat $rd/held) requests"
echo 0 >$rd/stall
wait_for 60 "! xl list | grep -q '(null)'" ||
	fail "domain $id still dying after the device answered: $(xl list | tail -n +2 | tr '\n' ';')"
wait_for 30 "! ls /sys/bus/xen-backend/devices | grep -q '^vbd-$id-'" ||
	fail "backend device of domain $id left"
xl block-detach $LAB_DEFAULT_GUEST xvdb || fail "block-detach failed"
log "teardown finished once the device answered; no dying domain"
