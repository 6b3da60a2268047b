#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 480
#
# Live update refused: the guest's frontend was offered more segments per
# request (512, written while the backend is unloaded) than our backend
# serves.  The new instance must not take the device over, must say why
# (kernel log, the device's error node, xen-blkback-swap's report) and
# must fail no request: the guest's I/O waits.  Once the offer is one it
# can serve, the next swap takes the device over and fio verifies.
. /lab/tests/test_common.sh

[ "$LAB_BACK" = ours ] || skip "the refusal is our backend's"
g=$LAB_DEFAULT_GUEST
id=$(domid "$g")
be=/local/domain/0/backend/vbd/$id/51712
mod=/lab/mod/xen-blkback.ko

lu_fio_start
lu_fio_progress 120
out=$(sh $LU_SWAP --timeout 20 --exec-unloaded \
	"xenstore-write $be/feature-max-indirect-segments 512" $mod 2>&1)
rc=$?
echo "$out"
[ $rc = 1 ] || fail "xen-blkback-swap exited $rc with a vbd it cannot serve"
echo "$out" | grep -q "vbd-$id-51712: .*512 segments" ||
	fail "xen-blkback-swap did not name the refused vbd"
dmesg | grep -q "vbd-$id-51712: .*512 segments per request.*not taking the device over" ||
	fail "no kernel message naming the refused vbd"
[ "$(xenstore-read "$be/feature-max-indirect-segments")" = 512 ] ||
	fail "the refusing backend rewrote the offer"
sleep 5
[ -z "$(lu_fio_rc)" ] || fail "fio failed while no backend served the disk"
log "refused with a message; the guest's I/O waits"

lu_swap --exec-unloaded "xenstore-write $be/feature-max-indirect-segments 256" $mod
lu_fio_progress 120
lu_fio_stop
