#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 1700
#
# make bench-scale, in dom0: the seed 001 curve.  1, 2 and 3 guests, each
# on its own null_blk disk, run 4 KiB random reads at QD32 at the same
# time; we record the summed IOPS with persistent grants on and off
# (backend feature_persistent), for our backend and the stock one, rounds
# alternated, as "BENCH {json}" lines for scripts/bench/report-scale.py.
. /lab/tests/test_common.sh

NG=3
SECS=15
RW=randread BS=4k QD=32

bench() { lab_out "BENCH $*"; }

load_back() { # ours|stock persistent(0|1)
	lab_reload_back "$1" feature_persistent="$2"
}

# feature-persistent as the backend wrote it for guest NAME's xvda
negotiated() { # name
	local id
	id=$(domid "$1")
	xenstore-read "/local/domain/0/backend/vbd/$id/51712/feature-persistent" \
		2>/dev/null || echo "?"
}

run_round() { # back persistent
	local g n pids id r sum fails per pers
	load_back "$1" "$2"
	for g in $(seq 1 $NG); do
		guest_start "s$g" --mem 512 --vcpus 1 \
			"phy:/dev/nullb$((g - 1)),xvda,w" ||
			fail "guest s$g did not start"
	done
	pers=$(negotiated s1)
	for n in $(seq 1 $NG); do
		# shellcheck disable=SC2046
		guests_bench_fio $((SECS + 120)) "sc$n" "$RW $BS $QD $SECS /dev/xvda" \
			$(for g in $(seq 1 "$n"); do echo "s$g"; done) >/run/lab/scale-fio
		sum=0 fails=0 per=
		while read -r g rc kib iops; do
			if [ "$rc" = 0 ] && [ -n "$iops" ]; then
				sum=$((sum + iops))
				per="$per${per:+,}$iops"
			else
				fails=$((fails + 1))
				log "guest $g: fio failed ($rc $kib $iops)"
			fi
		done </run/lab/scale-fio
		bench "{\"kind\":\"scale\",\"back\":\"$back\",\"persistent\":$pers_req,\"negotiated\":\"$pers\",\"guests\":$n,\"iops\":$sum,\"per_guest\":[$per],\"fio_fail\":$fails}"
	done
	for g in $(seq 1 $NG); do
		guest_stop "s$g"
	done
}

guest_stop "$LAB_DEFAULT_GUEST"
[ -f /lab/mod/xen-blkback.ko ] || skip "our backend module is not in the image"
modprobe null_blk nr_devices=$NG queue_mode=2 irqmode=0 gb=4 memory_backed=0 ||
	fail "cannot load null_blk"
wait_for 10 "[ -b /dev/nullb$((NG - 1)) ]" || fail "null_blk devices missing"
bench "{\"kind\":\"setup\",\"guests\":$NG,\"secs\":$SECS,\"rw\":\"$RW\",\"bs\":\"$BS\",\"qd\":$QD,\"nproc\":$(nproc),\"kernel\":\"$(uname -r)\"}"

for pers_req in 1 0; do
	for back in ours stock; do
		run_round "$back" "$pers_req"
	done
done
lab_unload_back
exit 0
