#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 400
#
# Our backend's sysfs statistics and the persistent grant cap at run time.
. /lab/tests/test_common.sh

[ "$LAB_BACK" = ours ] || skip "only for our backend"
d=/sys/bus/xen-backend/devices/vbd-$(domid domu)-51712
s=$d/statistics
[ -d "$s" ] || fail "no $s"
for f in oo_req rd_req wr_req f_req ds_req rd_sect wr_sect persistent_grants \
	 pgrant_hits pgrant_misses grants_mapped grants_unmapped grants_purged \
	 unmaps_deferred poll_hits poll_misses \
	 pool_pages squeezes; do
	[ -r "$s/$f" ] || fail "missing statistics/$f"
done
log "physical_device $(cat $d/physical_device) mode $(cat $d/mode)"
[ "$(cat $d/mode)" = w ] || fail "mode is not w"
rd0=$(cat $s/rd_req) wr0=$(cat $s/wr_req)
guest_run domu 'dd if=/dev/urandom of=/dev/xvda bs=4k count=256 oflag=direct 2>/dev/null &&
	dd if=/dev/xvda of=/dev/null bs=4k count=256 iflag=direct 2>/dev/null' ||
	fail "guest I/O failed"
rd1=$(cat $s/rd_req) wr1=$(cat $s/wr_req)
[ "$rd1" -gt "$rd0" ] && [ "$wr1" -gt "$wr0" ] || fail "rd_req/wr_req did not move ($rd0->$rd1, $wr0->$wr1)"
pg=$(cat $s/persistent_grants)
log "rd_req $rd1 wr_req $wr1 rd_sect $(cat $s/rd_sect) wr_sect $(cat $s/wr_sect) persistent $pg hits $(cat $s/pgrant_hits) misses $(cat $s/pgrant_misses) mapped $(cat $s/grants_mapped) unmapped $(cat $s/grants_unmapped) pool $(cat $s/pool_pages)"
[ "$pg" -gt 0 ] || fail "no persistent grants held after I/O"
old=$(back_param max_persistent_grants)
back_param max_persistent_grants 4
sleep 1
pg=$(cat $s/persistent_grants)
back_param max_persistent_grants "$old"
nq=$(xenstore-read /local/domain/$(domid domu)/device/vbd/51712/multi-queue-num-queues 2>/dev/null || echo 1)
[ "$pg" -le $((4 * nq)) ] || fail "persistent_grants $pg above cap 4 x $nq queues after 1 s"
log "cap lowered to 4: persistent_grants $pg, purged $(cat $s/grants_purged)"
echo -1 > /sys/module/xen_blkback/parameters/lru_num_clean 2>/dev/null && fail "lru_num_clean=-1 accepted"
log "statistics and runtime cap verified"
