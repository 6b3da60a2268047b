#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 1200
#
# The feature matrix: one guest, booted without a frontend, takes each
# configuration in turn: the frontend is loaded with that configuration's
# module parameters, a disk is attached with xl block-attach, a verified
# fio job runs, what the two sides negotiated is checked, and the disk is
# detached and the frontend unloaded again.  Backend parameters are
# written to /sys/module/xen_blkback/parameters at run time (the backend
# samples them at connect).  Reloading instead of booting a guest per
# configuration also covers unload/reload of the frontend and re-attach.
. /lab/tests/test_common.sh

g=cfg
vd=51712
fe() { xenstore-read "/local/domain/$(domid $g)/device/vbd/$vd/$1" 2>/dev/null; }
be() { xenstore-read "/local/domain/0/backend/vbd/$(domid $g)/$vd/$1" 2>/dev/null; }

# Load the frontend under test in the guest with PARAMS (a=b c=d).
load_front() {
	guest_run $g "sh /lab/guest/load_front $LAB_FRONT $1"
}

# run_cfg LABEL FPARAMS CHECK: CHECK is a dom0 shell condition over fe/be
# and the guest, evaluated once the disk is connected.
run_cfg() {
	log "config: $1 (frontend: ${2:-defaults})"
	load_front "$2" || fail "$1: loading the frontend failed"
	xl block-attach $g phy:/dev/ram2,xvda,w || fail "$1: block-attach failed"
	guest_wait_bdev $g xvda || fail "$1: xvda did not appear"
	guest_run -t 500 $g "sh /lab/guest/fio_verify /dev/xvda 4k randwrite 32 1M &&
		sh /lab/guest/fio_verify /dev/xvda 1M write 4 8M" ||
		fail "$1: verified I/O failed"
	log "config: I/O verified"
	if ! eval "$3"; then
		xenstore-ls -f "/local/domain/$(domid $g)/device/vbd/$vd"
		xenstore-ls -f "/local/domain/0/backend/vbd/$(domid $g)/$vd"
		guest_run $g "grep . /sys/block/xvda/queue/max_segments; ls /sys/block/xvda/mq"
		fail "$1: negotiation check failed: $3"
	fi
	log "config: negotiation checked"
	xl block-detach $g xvda || fail "$1: block-detach failed"
	guest_wait_bdev $g xvda gone || fail "$1: xvda still present after detach"
	wait_for 30 "! xenstore-exists /local/domain/0/backend/vbd/$(domid $g)/$vd" ||
		fail "$1: backend directory left behind"
	log "config: detached"
	guest_run $g "rmmod xen_blkfront" || fail "$1: unloading the frontend failed"
}

persist=$(back_param feature_persistent)
queues=$(back_param max_queues)
trap 'guest_stop $g; back_param feature_persistent $persist; back_param max_queues $queues' EXIT
# The backend offers as many queues as dom0 has CPUs unless told otherwise.
back_param max_queues 2
# Ours never offers more queues than dom0 has CPUs: a dom0 with one (as
# Debian's 6.12 boots in this lab, whatever dom0_max_vcpus says) gets one.
q2=2
if [ "$LAB_BACK" = ours ] && [ "$(nproc)" -lt 2 ]; then
	q2=1
	log "dom0 has $(nproc) CPU: our backend offers 1 queue, the 2-queue case is not exercised"
fi
# Grants one guest page takes (16 on 64 KiB-page guests): without indirect
# descriptors a request carries at most 11 grants, or one page's worth.
gpp=$((${LAB_GUEST_PAGE_SIZE:-4096} / 4096))
maxorder=$(xenstore-read /local/domain/0/backend/vbd/$(domid domu)/$vd/max-ring-page-order)
[ -n "$maxorder" ] || maxorder=0
# The stock frontend backs every persistent grant with a whole guest page
# and fills the pool at connect: slots x (segments + indirect) x 64 KiB on
# a 64 KiB-page guest, about 1 GiB per queue at ring order 4, which
# panics a 512 MiB guest (out of memory).  It gets one ring page there.
if [ "$LAB_FRONT" = stock ] && [ "${LAB_GUEST_PAGE_SIZE:-4096}" -gt 4096 ]; then
	log "stock frontend on ${LAB_GUEST_PAGE_SIZE}-byte pages: ring order 0, not $maxorder"
	maxorder=0
fi

# Our frontend copies through its pool with persistent grants or an
# untrusted backend, and grants the request's pages otherwise (sysfs
# bounce); the stock frontend has no such file.
bounce_is() { # 0|1
	[ "$LAB_FRONT" != ours ] ||
		guest_run $g "test \"\$(cat /sys/bus/xen/devices/vbd-$vd/blkfront/bounce)\" = $1"
}

# Our frontend leaves the guest's I/O scheduling to dom0: its queues get
# none, even a single one, which the kernel would give mq-deadline (as it
# does the stock frontend's).
sched_none() {
	[ "$LAB_FRONT" != ours ] ||
		guest_run $g "grep -q '^\[none\]' /sys/block/xvda/queue/scheduler"
}

guest_start $g --front none || fail "guest did not start"

# Four configurations cover the matrix; every setting is checked on its own.
run_cfg "persistent on, indirect on, $q2 queues, ring order $maxorder" \
	"max_queues=2 max_ring_page_order=$maxorder" \
	'[ "$(be feature-persistent)" = 1 ] && [ "$(fe feature-persistent)" = 1 ] &&
	 [ "$(fe multi-queue-num-queues || echo 1)" = $q2 ] &&
	 guest_run $g "test -d /sys/block/xvda/mq/$((q2 - 1))" &&
	 [ "$(fe ring-page-order || echo 0)" = "$maxorder" ] &&
	 guest_run $g "test \$((\$(cat /sys/block/xvda/queue/max_segments) * $gpp)) -gt 16" &&
	 bounce_is 1'
run_cfg "frontend persistent off, indirect off, 1 queue, ring order 0" \
	"feature_persistent=0 max_indirect_segments=11 max_queues=1 max_ring_page_order=0" \
	'[ "$(fe feature-persistent)" = 0 ] && [ "$(fe multi-queue-num-queues)" != 2 ] &&
	 [ "$(fe ring-page-order || echo 0)" = 0 ] &&
	 guest_run $g "test \$((\$(cat /sys/block/xvda/queue/max_segments) * $gpp)) -le 16" &&
	 bounce_is 0 && sched_none'
back_param feature_persistent N
run_cfg "backend persistent off, untrusted backend (trusted=0)" "trusted=0" \
	'[ "$(be feature-persistent)" = 0 ] && bounce_is 1'
# The requests' own pages granted, with indirect frames and two queues.
run_cfg "backend persistent off, indirect on, $q2 queues" "max_queues=2" \
	'[ "$(be feature-persistent)" = 0 ] &&
	 [ "$(fe multi-queue-num-queues || echo 1)" = $q2 ] &&
	 guest_run $g "test \$((\$(cat /sys/block/xvda/queue/max_segments) * $gpp)) -gt 16" &&
	 bounce_is 0'
back_param feature_persistent "$persist"
log "all configurations verified"
