# SPDX-License-Identifier: GPL-2.0
#
# dom0 test library, the debug kernel's own check (make check-debug, make
# lab LAB_KERNEL=debug): after the last test, every domain is scanned for
# leaks.  Sourced through /lab/tests/test_common.sh.

LAB_KMEMLEAK=/sys/kernel/debug/kmemleak

# A domain's checkers, still on at the end of the run: lockdep turns itself
# off at its first report (or a lock it cannot track), and a run whose
# lockdep went off early proves nothing of what came after.  Prints
# "lockdep=1 kfence=1" when both are on.
debug_state_cmd="echo lockdep=\$(grep -c 'debug_locks: *1' /proc/lockdep_stats) \
	kfence=\$(grep -c 'enabled: 1' /sys/kernel/debug/kfence/stats)"

# Scan twice (an object is reported once it was found unreferenced by two
# scans in a row, so that pointers in flight are not taken for leaks), then
# print how many objects are suspected, or "off" if kmemleak refused to
# scan (it disables itself on an internal error).
kmemleak_scan_cmd="if echo scan 2>/dev/null >$LAB_KMEMLEAK && sleep 6 &&
	echo scan 2>/dev/null >$LAB_KMEMLEAK; then
	grep -c '^unreferenced object' $LAB_KMEMLEAK; else echo off; fi"

# lab_kmemleak: the run's last check.  The guests still running are
# scanned with our frontend loaded (their disks are attached) and their
# reports go to their consoles; then they are stopped, our backend is
# unloaded once it has let go of every device, and dom0 is scanned.  Any
# suspected leak fails the check, with the reports in the console, and so
# does lockdep or KFENCE found off in any domain.
lab_kmemleak() {
	local g n bad=0

	[ -w $LAB_KMEMLEAK ] || skip "this kernel has no kmemleak"
	for g in $(xl list | awk 'NR > 2 { print $1 }'); do
		n=$(guest_out -t 60 "$g" "$debug_state_cmd")
		log "guest $g: $n"
		[ "$n" = "lockdep=1 kfence=1" ] || bad=1
		n=$(guest_out -t 900 "$g" "$kmemleak_scan_cmd")
		log "guest $g: ${n:-no answer} objects suspected of leaking"
		if [ "$n" != 0 ]; then
			guest_run -t 60 "$g" "head -c 20000 $LAB_KMEMLEAK"
			bad=1
		fi
		guest_stop "$g"
	done
	wait_for 60 '! ls /sys/bus/xen-backend/devices | grep -q ^vbd-' ||
		fail "backend devices left after every guest stopped: $(ls /sys/bus/xen-backend/devices)"
	lab_unload_back || fail "rmmod xen_blkback failed"
	n=$(sh -c "$debug_state_cmd")
	log "dom0: $n"
	[ "$n" = "lockdep=1 kfence=1" ] || bad=1
	n=$(sh -c "$kmemleak_scan_cmd")
	log "dom0: $n objects suspected of leaking (backend unloaded)"
	if [ "$n" != 0 ]; then
		head -c 20000 $LAB_KMEMLEAK
		bad=1
	fi
	[ $bad = 0 ] || fail "kmemleak suspects leaks, or a checker was off (above)"
}
