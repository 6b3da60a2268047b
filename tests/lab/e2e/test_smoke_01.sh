#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 300
#
# The default guest sees its disk with the backend's size, and data written
# through it reads back identically from dom0's side of the disk.
. /lab/tests/test_common.sh

guest_run domu 'test -b /dev/xvda' || fail "guest has no /dev/xvda"
want=$(blockdev --getsize64 /dev/ram0)
guest_run domu "test \$(blockdev --getsize64 /dev/xvda) = $want" ||
	fail "guest disk size differs from the backing device ($want)"
guest_run domu 'dd if=/dev/urandom of=/tmp/pat bs=64k count=64 2>/dev/null &&
	dd if=/tmp/pat of=/dev/xvda bs=64k oflag=direct 2>/dev/null &&
	sha256sum </tmp/pat | cut -d" " -f1 >/tmp/pat.sum' || fail "guest write failed"
guest_run domu 'dd if=/dev/xvda bs=64k count=64 iflag=direct 2>/dev/null |
	sha256sum | cut -d" " -f1 | cmp -s - /tmp/pat.sum' || fail "guest read-back differs"
# What reached the backing device must be what the guest wrote.
gsum=$(dd if=/dev/ram0 bs=64k count=64 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
guest_run domu "echo $gsum | cmp -s - /tmp/pat.sum" || fail "backing device content differs"
log "4 MiB written by the guest reached the backing device intact"
