#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Detach with I/O in flight, then unload the backend: every grant is
# unmapped (the destroyed guest does not linger as a zombie domain, which
# it would while dom0 still maps its pages), the backend holds no page from
# the grant allocator, and rmmod succeeds.
. /lab/tests/test_common.sh

g=domu
guest_run $g '(fio --filename=/dev/xvda --ioengine=libaio --direct=1 --rw=randrw --bs=16k \
	--iodepth=32 --size=32M --time_based --runtime=60 --name=busy --minimal >/dev/null 2>&1 &)'
sleep 4
id=$(domid $g)
xl destroy $g || fail "xl destroy failed"
lab_untail_console $g
wait_for 30 "! xl list | grep -q '(null)'" || {
	xl list
	fail "domain $id lingers after destroy: dom0 still maps its grants"
}
wait_for 30 "! xenstore-exists /local/domain/0/backend/vbd/$id" || fail "backend directory left behind"
# Ours counts the pages it holds from the grant allocator: none now.
gp=/sys/bus/xen-backend/drivers/vbd/grant_pages
if [ -r $gp ] && ! ls /sys/bus/xen-backend/devices | grep -q '^vbd-'; then
	wait_for 10 "[ \"\$(cat $gp)\" = 0 ]" || fail "the backend still holds $(cat $gp) grant pages with no device"
	log "grant pages held with no device: $(cat $gp)"
fi
rmmod xen_blkback || fail "rmmod xen_blkback failed"
dmesg | grep 'still held at unload' && fail "the backend reported pages leaked at unload"
log "guest destroyed with I/O in flight; no zombie domain; module unloaded"
lab_load_back || fail "reloading the backend failed"
