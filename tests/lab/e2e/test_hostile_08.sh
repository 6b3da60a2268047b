#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile frontend during a live update: while two of its vbds are unbound
# from the backend, the guest's keys are rewritten (a bogus ring-ref on
# xvdb, a bogus event-channel on xvdc; written from dom0 here, which is
# what a guest can do to its own keys).  Bound again, the backend reads
# them as at any connect: each device fails with a message naming it,
# nothing is left mapped, and the guest's xvda, reloaded in the same way,
# keeps doing verified I/O.
. /lab/tests/test_common.sh

hf_need_ours
g=$LAB_DEFAULT_GUEST
id=$(domid "$g")
fe=/local/domain/$id/device/vbd
drv=/sys/bus/xen-backend/drivers/vbd
lab_cases ring-ref event-channel

xl block-attach "$g" phy:/dev/ram1,xvdb,w || fail "block-attach xvdb failed"
xl block-attach "$g" phy:/dev/ram2,xvdc,w || fail "block-attach xvdc failed"
guest_wait_bdev "$g" xvdb || fail "xvdb did not appear"
guest_wait_bdev "$g" xvdc || fail "xvdc did not appear"
lu_fio_start
lu_fio_progress 120

# The first key of its kind under a vbd's frontend directory.
first_key() { # vdev key-regex
	xenstore-ls -f "$fe/$1" | sed -n "s|^\(.*/$2\) = .*|\1|p" | head -1
}

echo "hostile: begin rebind" >/dev/kmsg
for d in 51712 51728 51744; do
	echo "vbd-$id-$d" >"$drv/unbind" || fail "unbind vbd-$id-$d failed"
done
k=$(first_key 51728 'ring-ref[0-9]*')
[ -n "$k" ] || fail "no ring-ref under $fe/51728"
xenstore-write "$k" 2147483647
k2=$(first_key 51744 'event-channel')
[ -n "$k2" ] || fail "no event-channel under $fe/51744"
xenstore-write "$k2" 4095
log "rewrote $k and $k2 while unbound"
for d in 51712 51728 51744; do
	echo "vbd-$id-$d" >"$drv/bind" || fail "bind vbd-$id-$d failed"
done

be=/local/domain/0/backend/vbd/$id
msgs() { dmesg | sed -n '/hostile: begin rebind$/,$p' | grep "vbd-$id-$1"; }
lab_case ring-ref
wait_for 30 '[ "$(xenstore-read $be/51728/state)" -ge 5 ]' ||
	fail "vbd-$id-51728 with a bogus ring-ref: backend state $(xenstore-read "$be/51728/state")"
msgs 51728 | grep -q 'mapping ring of queue' || fail "no message naming vbd-$id-51728"
lab_case event-channel
wait_for 30 '[ "$(xenstore-read $be/51744/state)" -ge 5 ]' ||
	fail "vbd-$id-51744 with a bogus event-channel: backend state $(xenstore-read "$be/51744/state")"
msgs 51744 | grep -q 'mapping ring of queue' || fail "no message naming vbd-$id-51744"
lab_case
for d in 51728 51744; do
	n=$(msgs $d | wc -l)
	[ "$n" -le 12 ] || fail "$n messages naming vbd-$id-$d"
done
wait_for 30 '[ "$(xenstore-read $be/51712/state)" = 4 ]' || fail "xvda was not taken over"
lu_fio_progress 120
log "both devices failed with a message; xvda taken over and verified"

xl block-detach "$g" xvdb
xl block-detach "$g" xvdc
wait_for 30 "! xenstore-exists $be/51728 && ! xenstore-exists $be/51744" ||
	fail "backend directories left after detach"
lu_fio_stop
