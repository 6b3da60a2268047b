#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Live update: reload the lab's backend twice with xen-blkback-swap (unbind
# every vbd, rmmod, load again) while the guest runs verified fio.  The
# guest's disk stays Connected, every fio round verifies, no I/O error; the
# backend's statistics start again from zero.
. /lab/tests/test_common.sh

g=$LAB_DEFAULT_GUEST
mod=$(lu_module "$LAB_BACK")
dev=vbd-$(domid "$g")-51712
stats=/sys/bus/xen-backend/devices/$dev/statistics

lu_fio_start
for c in 1 2; do
	# Two rounds first, so the old counters are well above what the
	# new instance counts before they are read.
	lu_fio_progress 120
	lu_fio_progress 120
	before=$(cat "$stats/wr_req")
	lu_swap "$mod"
	after=$(cat "$stats/wr_req")
	log "cycle $c: $dev wrote $before requests before, $after after the reload"
	[ "$after" -lt "$before" ] ||
		fail "cycle $c: statistics did not start again ($before before, $after after)"
	[ "$(xenstore-read /local/domain/"$(domid "$g")"/device/vbd/51712/state)" = 4 ] ||
		fail "cycle $c: the guest's disk is no longer Connected"
done
lu_fio_progress 120
lu_fio_stop
