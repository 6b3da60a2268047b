#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend answers, but never unmaps the data grant it was given
# (feature-persistent=0).  The frontend must notice that it cannot revoke
# the grant, fail the device with a clear message, and never let the page
# be freed and used again while the rogue can still write it (the lesson
# of XSA-396).  Two cases, one per way our frontend moves data without
# persistent grants:
#   copied   the backend is untrusted (trusted=0): data goes through the
#            pool's units; the stuck unit is kept out of service and, when
#            the device goes away, left to the grant table's deferred
#            revocation, which frees it only once the rogue lets go
#   granted  a trusted backend: the request's own page is granted; the
#            stuck grant goes to the deferred revocation at once, with the
#            reference our grant held to the page
. /lab/tests/test_common.sh

lab_cases copied granted

# Sets held: the grant mappings the rogue keeps.
rogue_keeps_grant() {
	local st
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
}

lab_case copied
RB_TRUSTED=0
rogue_keeps_grant
[ "$(rb_gout "cat $RB_GSYS/blkfront/bounce")" = 1 ] ||
	fail "untrusted backend, but the frontend does not copy through its pool"
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

lab_case granted
RB_TRUSTED=1 RB_LEAK_OK=
# The grant table names each grant it takes over in a debug message.
dyn=$(rb_gout "mount -t debugfs none /sys/kernel/debug 2>/dev/null;
	echo 'file drivers/xen/grant-table.c +p' >/sys/kernel/debug/dynamic_debug/control && echo on")
rogue_keeps_grant
[ "$(rb_gout "cat $RB_GSYS/blkfront/bounce")" = 0 ] ||
	fail "trusted backend without persistent grants, but the frontend copies"
# The guest's grant table took the grant over, with its page.
if [ "$dyn" = on ]; then
	n=$(rb_dmesg_count "deferring g\.e\.")
	log "rogue maps $held grants; guest grant table deferred $n"
	[ "${n:-0}" -ge 1 ] || fail "the stuck grant was not left to the grant table's deferred revocation"
else
	log "no dynamic debug in the guest: the deferred revocation is not seen"
fi
rb_assert_failed_fast
# The rogue keeps every grant it was given.  With 64 KiB pages a page is
# 16 grants, a request of one page two slots, and the slots failed with
# the device are still mapped then ("backend still maps N page(s) of a
# request it did not answer", true when said): only what the frontend
# says from here on, with the rogue letting go at detach, is a leak.
RB_DMESG0=$(rb_gout "dmesg | wc -l")
rb_finish
