#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: good and bad requests published in one go (the
# rogue's "mixbatch": grants revoked, granted to another domain or never
# issued, a malformed segment, among reads and writes of 1, 2, 3 and 11
# good segments).  Our backend takes them in one pass; without persistent
# grants it maps the grants of that pass with one hypercall and, as the
# RAM disk completes each bio inside the thread's submission, unmaps the
# good requests of the pass with one hypercall at its end.  Either way
# every bad request fails alone and every good one succeeds; without
# persistent grants the attacker's ring thread makes no more map calls
# than its passes (3: the read before, the batch, the read after), and
# no more unmap calls than its passes and the two bad requests that had
# a grant mapped (badref2, dead3: each unmapped where it failed).
. /lab/tests/test_common.sh

hf_need_ours
lab_cases mixed_batch_persistent_off mixed_batch_persistent_on
persist=$(back_param feature_persistent)
T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/kprobe_events ] || T=/sys/kernel/debug/tracing
# Counted from the trace buffer: the debug kernel has no histogram triggers.
[ -d $T/events/hostile16/gmap ] ||
	echo 'p:hostile16/gmap gnttab_map_refs' >>$T/kprobe_events ||
	fail "no kprobe on gnttab_map_refs"
[ -d $T/events/hostile16/gunmap ] ||
	echo 'p:hostile16/gunmap gnttab_unmap_refs' >>$T/kprobe_events ||
	fail "no kprobe on gnttab_unmap_refs"
trap 'echo 0 >$T/events/hostile16/enable 2>/dev/null
	back_param feature_persistent $persist; xl destroy rogue >/dev/null 2>&1' EXIT

# Calls (event $1: gmap or gunmap) made by the attacker's ring threads,
# whose names start with "<domid>." (the trace shows each call's task as
# NAME-PID).
ring_calls() {
	grep -c "^ *$HF_ID\.[^ ]*-[0-9]* .* $1:" $T/trace
}

for mode in N Y; do
	case $mode in
	N) lab_case mixed_batch_persistent_off ;;
	Y) lab_case mixed_batch_persistent_on ;;
	esac
	back_param feature_persistent $mode
	hf_begin mixbatch-$mode
	echo >$T/trace
	echo 1 >$T/events/hostile16/enable || fail "cannot enable the probes"
	hf_attack mixbatch "" phy:/dev/ram1,xvdb,w
	hf_report 60
	hf_expect b.good=ok b.g1=ok b.dead=err b.gw1=ok b.other=err \
		b.badref2=err b.g2=ok b.malformed=err b.g11=ok b.gw3=ok \
		b.dead3=err b.after=ok
	echo 0 >$T/events/hostile16/enable
	calls=$(ring_calls gmap)
	unmaps=$(ring_calls gunmap)
	log "persistent=$mode: the attacker's ring thread made $calls map call(s), $unmaps unmap call(s)"
	if [ $mode = N ]; then
		[ "$(xenstore-read /local/domain/0/backend/vbd/$HF_ID/51728/feature-persistent 2>/dev/null)" = 0 ] ||
			fail "the backend offered persistent grants"
		[ "$calls" -ge 1 ] || fail "no map call counted: the count proves nothing"
		[ "$calls" -le 3 ] ||
			fail "$calls map calls for three passes: the batch was not mapped together"
		[ "$unmaps" -ge 1 ] ||
			fail "no unmap call counted: the count proves nothing"
		[ "$unmaps" -le 5 ] ||
			fail "$unmaps unmap calls for three passes and two failed requests: the batch was not unmapped together"
	fi
	hf_expect_msg "mapping grant" 40
	hf_end
done
back_param feature_persistent $persist
