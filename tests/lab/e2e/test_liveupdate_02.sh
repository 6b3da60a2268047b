#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Live update across implementations under verified fio: swap the lab's
# backend for the other one (Debian's stock xen-blkback or ours) and back,
# with xen-blkback-swap: stock -> ours -> stock in a lab with the stock
# backend, ours -> stock -> ours in one with ours.
. /lab/tests/test_common.sh

g=$LAB_DEFAULT_GUEST
if [ "$LAB_BACK" = ours ]; then other=stock; else other=ours; fi
[ -f /lab/mod/xen-blkback.ko ] || fail "our backend is not in the image"
find /lib/modules/"$(uname -r)" -name 'xen-blkback.ko*' | grep -q . ||
	fail "Debian's backend is not in the image"

lu_fio_start
lu_fio_progress 120
for b in $other $LAB_BACK; do
	lu_swap "$(lu_module "$b")"
	[ "$(xenstore-read /local/domain/"$(domid "$g")"/device/vbd/51712/state)" = 4 ] ||
		fail "after the swap to $b the guest's disk is no longer Connected"
	lu_fio_progress 120
done
lu_fio_stop
