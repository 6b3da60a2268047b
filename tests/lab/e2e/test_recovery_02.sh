#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# xl save + xl restore during a verified fio run, with the backend told in
# between to offer less: no persistent grants and a single queue.  The
# frontend renegotiates, re-issues what was in flight, and the run verifies.
. /lab/tests/test_common.sh

[ "${LAB_ARCH:-x86}" = arm64 ] && skip "Xen/ARM has no xl save/restore"

g=domu
vd=51712
persist=$(back_param feature_persistent)
queues=$(back_param max_queues)
trap 'back_param feature_persistent $persist; back_param max_queues $queues' EXIT
fe() { xenstore-read "/local/domain/$(domid $g)/device/vbd/$vd/$1" 2>/dev/null; }

log "before: persistent $(fe feature-persistent), queues $(fe multi-queue-num-queues || echo 1)"
guest_run $g 'rm -f /tmp/sr2.rc; (sh /lab/guest/fio_verify /dev/xvda 16k randwrite 16 24M;
	echo $? >/tmp/sr2.rc) >/dev/console 2>&1 &'
sleep 3
# The point is I/O in flight across the save: a run already over proves nothing.
guest_run $g '[ ! -f /tmp/sr2.rc ]' || fail "fio ended before the save; lengthen its run"
xl save $g /tmp/domu.save || fail "xl save failed"
back_param feature_persistent N
back_param max_queues 1
xl restore /tmp/domu.save || fail "xl restore failed"
rm -f /tmp/domu.save
lab_tail_console $g
guest_run -t 600 $g 'i=0; while [ ! -f /tmp/sr2.rc ] && [ $i -lt 2500 ]; do sleep 0.2; i=$((i+1)); done;
	test "$(cat /tmp/sr2.rc 2>/dev/null)" = 0' || fail "fio across the downgrade did not verify"
p=$(fe feature-persistent) q=$(fe multi-queue-num-queues || echo 1)
log "after: frontend feature-persistent $p, queues $q"
be=/local/domain/0/backend/vbd/$(domid $g)/$vd
[ "$(xenstore-read $be/feature-persistent)" = 0 ] || fail "backend still offers persistent grants"
[ "${q:-1}" = 1 ] || fail "frontend uses $q queues against a one-queue backend"
guest_run $g 'sh /lab/guest/fio_verify /dev/xvda 4k randwrite 16 4M' || fail "I/O after the downgrade failed"
log "save/restore onto a backend offering fewer features: I/O verified"
