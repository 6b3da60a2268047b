#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile frontend during a live update: while its vbd is unbound from the
# backend, the rogue moves the request producer of its shared ring two
# rings ahead of the responses.  Bound again, the backend checks the
# indexes it finds before taking the ring over, as the request loop checks
# every producer index: it refuses the ring with a message naming the
# device, answers nothing, and the device fails.  The default guest's
# verified fio is unaffected.
. /lab/tests/test_common.sh

hf_need_ours
hf_begin attach
hf_attack attach "" phy:/dev/ram1,xvdb,w
wait_for 60 'guest_run -t 10 "$HF_GUEST" "grep -q b.good=ok /sys/module/rogue_front/parameters/report"' ||
	fail "the rogue's first read did not succeed"
dev=vbd-$HF_ID-51728
echo "$dev" >/sys/bus/xen-backend/drivers/vbd/unbind || fail "unbind $dev failed"
guest_run -t 60 "$HF_GUEST" "echo 1 >/sys/module/rogue_front/parameters/go" ||
	fail "could not tell the rogue to corrupt its ring"
sleep 1
echo "$dev" >/sys/bus/xen-backend/drivers/vbd/bind || fail "bind $dev failed"
hf_report 60
hf_expect b.good=ok b.corrupted=1 b.backend=closing
hf_expect_msg "refusing to attach" 5
hf_end
