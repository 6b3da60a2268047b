#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Rogue backend offers discard with a discard-granularity that is not a
# power of two (0xffffffff).  The block layer aligns and splits discards
# with masks of it: given that value, it builds discards of no sectors,
# and the guest's kernel hit BUG() in blk_mq_end_request() ending one
# (before the frontend checked the value, 2026-12-07).  The frontend must
# ignore the value with a message naming the device, keep the disk's own
# block as the granularity, and a discard must end (the rogue refuses
# it) while the disk keeps working.
. /lab/tests/test_common.sh

rb_setup discard_granularity=4294967295
rb_victim_start
# Named at connect, before rb_setup's dmesg mark: the whole log.
n=$(rb_gout "dmesg | grep -cE 'vbd-$RB_DEV: ignoring discard-granularity 4294967295'")
[ "${n:-0}" -ge 1 ] || fail "the frontend did not name the bad discard-granularity"
g=$(rb_gout "cat /sys/block/$RB_NAME/queue/discard_granularity")
log "discard_granularity of $RB_NAME: $g"
[ "$g" = 512 ] || fail "discard_granularity '$g', expected the disk's 512-byte block"
rb_bg rbg "timeout 60 blkdiscard /dev/$RB_NAME" || fail "could not start the discard"
wait_for 60 'rb_bg_done rbg' || fail "a discard of the whole disk did not end"
rc=$(rb_bg_rc rbg)
log "blkdiscard of the whole disk: exit $rc (the rogue refuses discards)"
[ "$rc" != 124 ] || fail "a discard of the whole disk ran into its timeout"
rb_disk_works "the discard"
st=$(rb_guest_dev_state)
[ "$st" = connected ] || fail "frontend state '$st' after a refused discard"
rb_finish
