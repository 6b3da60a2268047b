#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: good and bad requests published in one go (the
# rogue's "mixbatch": grants revoked, granted to another domain or never
# issued, a malformed segment, among reads and writes of 1, 2, 3 and 11
# good segments).  Our backend takes them in one pass; without persistent
# grants it maps the grants of that pass with one hypercall.  Either way
# every bad request fails alone and every good one succeeds; without
# persistent grants the attacker's ring thread makes no more map calls
# than its passes (3: the read before, the batch, the read after).
. /lab/tests/test_common.sh

hf_need_ours
lab_cases mixed_batch_persistent_off mixed_batch_persistent_on
persist=$(back_param feature_persistent)
T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/kprobe_events ] || T=/sys/kernel/debug/tracing
TRIG='hist:keys=common_pid:vals=hitcount'
[ -d $T/events/hostile16/gmap ] ||
	echo 'p:hostile16/gmap gnttab_map_refs' >>$T/kprobe_events ||
	fail "no kprobe on gnttab_map_refs"
trap 'echo "!$TRIG" >$T/events/hostile16/gmap/trigger 2>/dev/null
	back_param feature_persistent $persist; xl destroy rogue >/dev/null 2>&1' EXIT

# Map calls made by the attacker's ring threads ("<domid>.<dev>-<queue>").
ring_map_calls() {
	local pids
	pids=" $(ps -eo pid,comm | awk -v p="^$HF_ID[.]" '$2 ~ p { printf "%s ", $1 }')"
	awk -v pids="$pids" '/common_pid:/ {
		k = $0; sub(/.*common_pid:/, "", k); sub(/}.*/, "", k)
		if (k ~ /\[/) { sub(/.*\[ */, "", k); sub(/\].*/, "", k) }
		gsub(/ /, "", k)
		if (index(pids, " " k " ") == 0) next
		for (i = 1; i < NF; i++) if ($i == "hitcount:") s += $(i + 1)
	} END { print s + 0 }' $T/events/hostile16/gmap/hist
}

for mode in N Y; do
	case $mode in
	N) lab_case mixed_batch_persistent_off ;;
	Y) lab_case mixed_batch_persistent_on ;;
	esac
	back_param feature_persistent $mode
	hf_begin mixbatch-$mode
	echo "$TRIG" >$T/events/hostile16/gmap/trigger || fail "cannot arm the probe"
	hf_attack mixbatch "" phy:/dev/ram1,xvdb,w
	hf_report 60
	hf_expect b.good=ok b.g1=ok b.dead=err b.gw1=ok b.other=err \
		b.badref2=err b.g2=ok b.malformed=err b.g11=ok b.gw3=ok \
		b.dead3=err b.after=ok
	calls=$(ring_map_calls)
	echo "!$TRIG" >$T/events/hostile16/gmap/trigger
	log "persistent=$mode: the attacker's ring thread made $calls map call(s)"
	if [ $mode = N ]; then
		[ "$(xenstore-read /local/domain/0/backend/vbd/$HF_ID/51728/feature-persistent 2>/dev/null)" = 0 ] ||
			fail "the backend offered persistent grants"
		[ "$calls" -ge 1 ] || fail "no map call counted: the count proves nothing"
		[ "$calls" -le 3 ] ||
			fail "$calls map calls for three passes: the batch was not mapped together"
	fi
	hf_expect_msg "mapping grant" 40
	hf_end
done
back_param feature_persistent $persist
