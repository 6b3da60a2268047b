#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: vanishing in the middle of I/O.  On a null_blk disk that
# completes after 3 s, the rogue fills its ring and the domain is destroyed
# with every request in flight: the backend waits for the I/O, unmaps
# everything and the domain disappears completely (no zombie).
. /lab/tests/test_common.sh

hf_need_ours
hf_nullb irqmode=2 completion_nsec=3000000000
hf_begin vanish
hf_attack vanish "" phy:/dev/nullb0,xvdb,w
hf_report 60
hf_expect b.good=ok b.pushed=32
[ "$(hf_value b.answered)" -lt 32 ] || fail "nothing was in flight"
s=$(backend_dir "$HF_GUEST" 51728)/statistics
n=$(($(cat "$s/rd_req") + $(cat "$s/wr_req")))
log "backend took $n requests, $(hf_value b.answered) answered when destroyed"
[ "$n" -ge 33 ] || fail "the backend had not taken the requests ($n)"
hf_end
hf_nullb_done
