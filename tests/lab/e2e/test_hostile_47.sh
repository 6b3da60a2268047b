#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend stops answering with reads in flight, then disappears:
# a few seconds later it unmaps the ring and switches itself to Closed, as
# a crashed or unloaded backend driver would.  The reads must complete with
# errors promptly (no hung task), with one message naming the device, and
# the device must go away cleanly.
. /lab/tests/test_common.sh

rb_setup
rb_victim_start
# Long enough for this slow lab to see the read blocked first.
rb_param vanish_ms 12000
rb_mode vanish
r0=$(rb_param requests)
# The read must still be blocked 2 s after it started: checked in the
# guest, on the guest's clock, so that a dom0 slowed down by a loaded host
# cannot look only after the rogue has vanished (12 s after the first
# request it swallows) and mistake the reads failed then for an answer
# (rb_bg's form, with the check in the same guest command).
guest_run -t 30 $RB_GUEST "rm -f /tmp/rbd.rc; (timeout 200 dd if=/dev/$RB_NAME of=/dev/null bs=64k count=32 iflag=direct; echo \$? >/tmp/rbd.rc) >/dev/null 2>&1 & sleep 2; test ! -f /tmp/rbd.rc" ||
	fail "the read finished although the rogue answers nothing"
wait_for 30 '[ "$(rb_param requests)" -gt "$r0" ]' || fail "no request reached the rogue"
log "$(($(rb_param requests) - r0)) requests swallowed; waiting for the rogue to vanish"
wait_for 30 '[ "$(xenstore-read $(rb_be)/state 2>/dev/null)" = 6 ]' ||
	fail "the rogue did not close its end"
wait_for 40 'rb_bg_done rbd' ||
	fail "in-flight read still blocked 40s after the backend vanished"
rc=$(rb_bg_rc rbd)
log "in-flight read ended with exit $rc"
[ "$rc" != 0 ] || fail "the read reported success though nothing was read"
[ "$rc" != 124 ] || fail "the read only ended by timeout"
rb_assert_msg "backend closed with [0-9]+ requests in flight"
rb_assert_failed_fast
rb_finish
