#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Ten cycles of xl block-attach / xl block-detach on a running guest.  Each
# cycle checks the data written in the previous one, then writes new data.
. /lab/tests/test_common.sh

g=domu
vdev=$(xvd_num b)
guest_run $g 'rm -f /tmp/hp.sum'
for c in 1 2 3 4 5 6 7 8 9 10; do
	xl block-attach $g phy:/dev/ram1,xvdb,w || fail "cycle $c: block-attach failed"
	guest_wait_bdev $g xvdb || fail "cycle $c: xvdb did not appear"
	guest_run $g '[ ! -f /tmp/hp.sum ] || dd if=/dev/xvdb bs=64k count=32 iflag=direct 2>/dev/null |
		sha256sum | cmp -s - /tmp/hp.sum' || fail "cycle $c: data from the previous cycle differs"
	guest_run $g 'dd if=/dev/urandom of=/tmp/hp bs=64k count=32 2>/dev/null &&
		dd if=/tmp/hp of=/dev/xvdb bs=64k oflag=direct 2>/dev/null && sync &&
		sha256sum </tmp/hp >/tmp/hp.sum' || fail "cycle $c: write failed"
	xl block-detach $g xvdb || fail "cycle $c: block-detach failed"
	guest_wait_bdev $g xvdb gone || fail "cycle $c: xvdb still present after detach"
	wait_for 30 "! xenstore-exists /local/domain/0/backend/vbd/$(domid $g)/$vdev" ||
		fail "cycle $c: backend directory left behind"
done
# The last cycle's data must be on the backing device.
sum=$(dd if=/dev/ram1 bs=64k count=32 iflag=direct 2>/dev/null | sha256sum)
guest_run $g "echo '$sum' | cmp -s - /tmp/hp.sum" || fail "backing device holds other data"
log "10 attach/detach cycles, data intact"
