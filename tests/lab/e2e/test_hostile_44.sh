#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend answers, but never unmaps the data grant it was given
# (feature-persistent=0).  The frontend must notice that it cannot revoke
# the grant, keep that page out of service instead of reusing it, fail the
# device with a clear message and, if the device goes away while the rogue
# still maps the page, say so and leave the page to the grant table's
# deferred revocation, which frees it only once the rogue lets go (the
# lesson of XSA-396).
. /lab/tests/test_common.sh

rb_setup
rb_victim_start
rb_mode no_unmap
guest_run -t 60 $RB_GUEST "timeout 30 dd if=/dev/$RB_NAME of=/dev/null bs=4k count=1 iflag=direct"
st=$?
log "read against the no_unmap rogue: exit $st"
[ $st = 124 ] && fail "read against the no_unmap rogue hung"
held=$(rb_param held_grants)
[ "$held" -ge 1 ] || fail "the rogue holds no grant mapping"
st=$(rb_guest_dev_state)
[ "$st" = error ] || fail "frontend state '$st' with a grant it cannot revoke, expected error"
rb_assert_msg "kept a non-persistent grant mapped"
granted=$(rb_gout "cat $RB_GSYS/blkfront/pool_units_granted")
log "rogue maps $held grants; frontend still counts $granted units granted"
[ "${granted:-0}" -ge "$held" ] ||
	fail "frontend counts only $granted granted units while the rogue maps $held"
rb_assert_failed_fast

# Take the disk away from the guest while the rogue still maps the page.
xenstore-rm "$(rb_fe)"
wait_for 30 'guest_run -t 10 $RB_GUEST "! test -e $RB_GSYS"' ||
	fail "guest did not drop vbd-$RB_DEV"
leak=$(rb_dmesg "vbd-$RB_DEV: .*backend still maps [0-9]+ grants; their pages are freed once it lets go")
log "frontend at removal: $leak"
[ -n "$leak" ] || fail "no deferred-revocation message although the rogue still mapped grants"
RB_LEAK_OK=1
rb_finish
