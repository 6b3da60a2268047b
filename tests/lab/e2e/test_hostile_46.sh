#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend offers feature-flush-cache, then revokes it mid-run: it
# answers flushes with BLKIF_RSP_EOPNOTSUPP and rewrites the xenstore key.
# fsync must return (not hang), the frontend must stop sending flushes with
# one clear message, and no acknowledged data may be lost.
. /lab/tests/test_common.sh

flush() { rb_gout "cat $RB_GSYS/blkfront/flush"; }

rb_setup
rb_victim_start
f=$(flush)
[ "$f" = flush-cache ] || fail "rogue disk came up with flush '$f', expected flush-cache"
rb_mode no_flush
rb_run "write + fsync while flushes are refused" \
	"dd if=/dev/urandom of=/tmp/nf.p bs=64k count=16 2>/dev/null &&
	timeout 30 dd if=/tmp/nf.p of=/dev/$RB_NAME bs=64k conv=fsync 2>/dev/null"
[ "$(rb_param flushes_refused)" -ge 1 ] || fail "no flush reached the rogue"
f=$(flush)
[ "$f" = none ] || fail "frontend still offers flushes ('$f') after they were refused"
guest_run -t 60 $RB_GUEST "timeout 30 dd if=/tmp/nf.p of=/dev/$RB_NAME bs=64k seek=32 conv=fsync 2>/dev/null" ||
	fail "write + fsync after the revocation failed"
guest_run -t 60 $RB_GUEST "timeout 30 dd if=/dev/$RB_NAME of=/tmp/nf.a bs=64k count=16 iflag=direct 2>/dev/null &&
	timeout 30 dd if=/dev/$RB_NAME of=/tmp/nf.b bs=64k skip=32 count=16 iflag=direct 2>/dev/null &&
	cmp /tmp/nf.p /tmp/nf.a && cmp /tmp/nf.p /tmp/nf.b" ||
	fail "acknowledged data did not reach the disk"
st=$(rb_guest_dev_state)
[ "$st" = connected ] || fail "frontend state '$st'; a refused flush is no reason to fail the disk"
rb_assert_msg "flush refused, disabling it" 6
rb_finish
