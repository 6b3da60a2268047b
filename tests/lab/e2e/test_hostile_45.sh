#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend floods the frontend with event notifications for a few
# seconds while otherwise serving honestly.  The frontend's late-EOI
# binding must throttle the storm: the guest keeps answering, its other
# disk verifies, the spurious events are counted, the storm is named once
# in the guest's log, the rogue disk still works afterwards and nothing
# floods the log.
. /lab/tests/test_common.sh

spurious() {
	rb_gout "sed -n 's/.* spurious \([0-9]*\).*/\1/p' /sys/kernel/debug/xen-blkfront/vbd-$RB_DEV/rings | head -1"
}

rb_setup
rb_victim_start
sp0=$(spurious)
rb_mode storm
guest_run -t 60 $RB_GUEST "timeout 30 dd if=/dev/$RB_NAME of=/dev/null bs=4k count=1 iflag=direct" ||
	fail "read that started the storm failed"
wait_for 20 '[ "$(rb_param storm_events)" -gt 0 ]' || fail "the storm did not start"
t0=$(date +%s)
lab_guest_alive $RB_GUEST || fail "guest stopped answering during the storm"
log "guest answered in $(($(date +%s) - t0))s during the storm"
sleep $(($(rb_param storm_ms) / 1000 + 1))
ev=$(rb_param storm_events)
sp1=$(spurious)
log "storm: $ev events sent; frontend counted ${sp0:-?} -> ${sp1:-?} spurious interrupts"
[ "$ev" -ge 1000 ] || fail "storm too weak to test anything ($ev events)"
[ "${sp1:-0}" -gt "${sp0:-0}" ] || fail "frontend counted no spurious interrupts"
named=$(rb_dmesg_count "vbd-$RB_DEV: ring [0-9]+: event storm from the backend")
log "storm named ${named:-0} time(s) in the guest's log"
[ "${named:-0}" -ge 1 ] || fail "the frontend throttled the storm but did not name it"
rb_mode honest
rb_disk_works "the storm"
st=$(rb_guest_dev_state)
[ "$st" = connected ] || fail "frontend state '$st' after an event storm"
all=$(rb_dmesg_count "vbd-$RB_DEV")
[ "${all:-0}" -le 12 ] || fail "$all messages naming vbd-$RB_DEV during the storm"
rb_finish
