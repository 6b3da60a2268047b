#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Live update: reload the lab's backend twice with xen-blkback-swap (unbind
# every vbd, rmmod, load again) while the guest runs verified fio.  The
# guest's disk stays Connected, every fio round verifies, no I/O error; the
# backend's statistics start again from zero.  With our backend the first
# reload asks for less than the guest negotiated (one queue, one ring
# page, no persistent grants): what was offered must not shrink.
. /lab/tests/test_common.sh

be=/local/domain/0/backend/vbd/$(domid "$LAB_DEFAULT_GUEST")/51712
offers() {
	for k in multi-queue-max-queues max-ring-page-order feature-persistent \
		 feature-max-indirect-segments feature-flush-cache feature-discard; do
		printf '%s=%s ' $k "$(xenstore-read "$be/$k" 2>/dev/null)"
	done
}

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
	offered=$(offers)
	params=
	if [ "$LAB_BACK" = ours ] && [ $c = 1 ]; then
		params="max_queues=1 max_ring_page_order=0 feature_persistent=0"
		echo "lab: reload with $params" >/dev/kmsg
	fi
	# shellcheck disable=SC2086
	lu_swap "$mod" $params
	after=$(cat "$stats/wr_req")
	[ "$(offers)" = "$offered" ] ||
		fail "cycle $c: offers changed under the frontend: $offered-> $(offers)"
	if [ -n "$params" ]; then
		dmesg | sed -n '/lab: reload with/,$p' | grep "$dev: keeping"
		[ "$(dmesg | sed -n '/lab: reload with/,$p' | grep -c "$dev: keeping")" -ge 2 ] ||
			fail "cycle $c: no message about what was kept"
	fi
	log "cycle $c: $dev wrote $before requests before, $after after the reload"
	[ "$after" -lt "$before" ] ||
		fail "cycle $c: statistics did not start again ($before before, $after after)"
	[ "$(xenstore-read /local/domain/"$(domid "$g")"/device/vbd/51712/state)" = 4 ] ||
		fail "cycle $c: the guest's disk is no longer Connected"
done
lu_fio_progress 120
lu_fio_stop
