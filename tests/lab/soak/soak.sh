#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 10800
#
# make soak, in dom0: long runs of what administrators do to running
# guests, in one boot, each phase checked for leaks when it is over.
#
#   save      SOAK_SAVES xl save/restore cycles of a guest running verified
#             fio (crc32c) on xvda and writing files on ext4 on xvdc
#   attach    SOAK_ATTACH xl block-attach/block-detach cycles of a second
#             disk (read through each time) while xvda runs verified fio
#   flip      SOAK_FLIPS backend parameter changes (feature_persistent,
#             max_queues, max_ring_page_order) under the same load, each
#             checked on a disk attached after it; the ring order is a
#             load-time parameter, changed by swapping the backend module
#             under the running guest (xen-blkback-swap) and written verified
#   reload    SOAK_RELOADS frontend (in a guest) and backend (in dom0)
#             unload/load cycles with no disk attached
#
# The default guest is stopped first, so the soak's guests are the only
# ones.  After each phase, with the phase's disks detached or its guests
# gone: the guests' grants dom0 still maps (Xen's 'g' key: zero for a guest
# with no disk, and dom0's total back to the baseline taken with no guest),
# no dying domain left behind, no backend device left, kmemleak (a debug
# kernel only) with no suspects, and the slab (SUnreclaim) against the
# phase's start: reported, not judged, as the kernel's own caches move.
# Every number is printed as "SOAK <phase> key=value ..." (lab_out).
. /lab/tests/test_common.sh

SAVES=${SOAK_SAVES:-50}
ATTACH=${SOAK_ATTACH:-100}
FLIPS=${SOAK_FLIPS:-20}
RELOADS=${SOAK_RELOADS:-20}
PHASES=${SOAK_PHASES:-"save attach flip reload"}
g=soak
X=/local/domain
XBB_DRV=/sys/bus/xen-backend/drivers/vbd

soak_out() { lab_out "SOAK $*"; log "$*"; }

trap 'xl destroy $g >/dev/null 2>&1; lab_untail_console $g' EXIT

# Grants of domain ID that dom0 maps now (ID "all": of every domain),
# from the active entries Xen's 'g' key prints, leaving out the reserved
# entries (0-7: the console and xenstore pages xenconsoled and xenstored
# map).  The phases count them when few are expected, so that the dump
# fits Xen's console ring.
dom0_maps() { # domid|all
	xl dmesg -c >/dev/null
	xl debug-keys g
	sleep 1
	xl dmesg | awk -v want="$1" '
		function num(h,  i, v) {
			if (h !~ /^0x/)
				return h + 0
			for (i = 3; i <= length(h); i++)
				v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v
		}
		/grant-table for remote d/ {
			d = $0; sub(/.*remote d/, "", d); sub(/[^0-9].*/, "", d)
			cur = (want == "all" || d == want); seen += cur; next
		}
		cur && match($0, /\[ *(0x)?[0-9a-f]+\] +-?[0-9]+ 0x/) {
			s = substr($0, RSTART + 1, RLENGTH - 1)
			r = s; sub(/\].*/, "", r); gsub(/ /, "", r)
			sub(/^[^]]*\] +/, "", s); split(s, f, " ")
			if (f[1] == 0 && num(r) >= 8) n++
		}
		END { if (seen) print n + 0; else print "none" }'
}

meminfo() { # field: kB
	awk -v f="$1:" '$1 == f { print $2 }' /proc/meminfo
}

# The state a phase starts from, for phase_end to compare with.
phase_begin() { # name
	phase=$1 t0=$(date +%s)
	sync
	echo 3 >/proc/sys/vm/drop_caches
	slab0=$(meminfo SUnreclaim)
	log "=== phase $phase"
}

# No grant, domain or backend device of the soak's guests left; kmemleak
# (if the kernel has it) and the slab.  Guests must be gone by now.
phase_end() { # key=value... (the phase's own numbers)
	local maps dying leaks=n/a slab pages

	wait_for 30 '! ls /sys/bus/xen-backend/devices | grep -q "^vbd-"' ||
		fail "$phase: backend devices left: $(ls /sys/bus/xen-backend/devices | tr '\n' ' ')"
	wait_for 30 '! xl list | grep -q "(null)"' ||
		fail "$phase: a destroyed domain is still dying (grants still mapped?): $(xl list | tail -n +2 | tr '\n' ';')"
	dying=$(xl list | grep -c '(null)')
	maps=$(dom0_maps all)
	[ "$maps" = "$maps0" ] ||
		fail "$phase: dom0 maps $maps grants with every soak guest gone, $maps0 at the start"
	# our backend counts the pages it holds, all devices together
	pages=n/a
	if [ -r "$XBB_DRV/grant_pages" ]; then
		pages=$(cat "$XBB_DRV/grant_pages")
		[ "$pages" = 0 ] || fail "$phase: the backend holds $pages grant pages with no device"
	fi
	if [ -w "$LAB_KMEMLEAK" ]; then
		leaks=$(sh -c "$kmemleak_scan_cmd")
		[ "$leaks" = 0 ] || {
			head -c 20000 "$LAB_KMEMLEAK"
			fail "$phase: kmemleak: $leaks objects suspected"
		}
	fi
	sync
	echo 3 >/proc/sys/vm/drop_caches
	slab=$(meminfo SUnreclaim)
	soak_out "$phase $* secs=$(($(date +%s) - t0)) dom0_maps=$maps baseline=$maps0 grant_pages=$pages dying=$dying kmemleak=$leaks slab_kib_delta=$((slab - slab0))"
}

# --- load in the soak guest: verified fio rounds on xvda ------------------
# The guest counts rounds in data/lab/sk_n (its own path, so the count
# follows it across a restore) and writes sk_rc when it stops.
load_start() {
	guest_run $g 'rm -f /tmp/sk.stop; xenstore-write data/lab/sk_n 0
		(n=0; rc=0; while [ ! -f /tmp/sk.stop ]; do
			sh /lab/guest/fio_verify /dev/xvda 16k randwrite 16 8M >/tmp/sk.log 2>&1 ||
				{ rc=1; cat /tmp/sk.log; break; }
			n=$((n + 1)); xenstore-write data/lab/sk_n $n
		done; xenstore-write data/lab/sk_rc $rc) >/dev/console 2>&1 &' ||
		fail "could not start fio in $g"
}

load_rounds() {
	xenstore-read "$X/$(domid $g)/data/lab/sk_n" 2>/dev/null || echo 0
}

load_rc() {
	xenstore-read "$X/$(domid $g)/data/lab/sk_rc" 2>/dev/null
}

# Wait until the load finished one more round: I/O is flowing.
load_progress() {
	local n0
	n0=$(load_rounds)
	wait_for 300 '[ "$(load_rounds)" -gt "$n0" ] || [ -n "$(load_rc)" ]' ||
		fail "$phase: no verified fio round within 300s (rounds $(load_rounds))"
	[ -z "$(load_rc)" ] || fail "$phase: verified fio failed in $g"
}

# Requests the backend has served on the soak guest's xvda (this device
# instance: a restored guest's counts start again from zero).
xvda_reqs() {
	local d
	d=$(backend_dir $g 51712)/statistics
	echo $(($(cat "$d/rd_req" 2>/dev/null || echo 0) + $(cat "$d/wr_req" 2>/dev/null || echo 0)))
}

# I/O is flowing: the backend served 16 more requests on xvda.
load_moving() {
	local n0
	n0=$(xvda_reqs)
	wait_for 120 '[ "$(xvda_reqs)" -ge $((n0 + 16)) ] || [ -n "$(load_rc)" ]' ||
		fail "$phase: no I/O on xvda within 120s"
	[ -z "$(load_rc)" ] || fail "$phase: verified fio failed in $g"
}

load_stop() {
	guest_run -t 30 $g 'touch /tmp/sk.stop' || fail "$phase: $g does not answer"
	wait_for 300 '[ -n "$(load_rc)" ]' || fail "$phase: fio in $g did not stop"
	[ "$(load_rc)" = 0 ] || fail "$phase: verified fio in $g failed"
	rounds=$(load_rounds)
	guest_run -t 30 $g 'dmesg | grep -iE "I/O error|blk_update_request|Buffer I/O" | head -5 | grep .' &&
		fail "$phase: I/O errors in $g's log"
	return 0
}

# Detach every disk of the soak guest, see that dom0 maps none of its
# grants any more, and stop it.
guest_release() { # vdev...
	local d id

	id=$(domid $g)
	for d in "$@"; do
		xl block-detach $g "$d" || fail "$phase: block-detach $d failed"
	done
	wait_for 60 '[ -z "$(xenstore-list "$X/0/backend/vbd/$id" 2>/dev/null)" ]' ||
		fail "$phase: backend of $g kept a disk after detach"
	n=$(dom0_maps "$id")
	[ "$n" = 0 ] || [ "$n" = none ] ||
		fail "$phase: dom0 still maps $n grants of $g with no disk attached"
	guest_maps=$n
	guest_stop $g
}

phase_save() {
	local i id old sum

	[ "${LAB_ARCH:-x86}" = arm64 ] && { log "save: Xen/ARM has no xl save/restore"; return 0; }
	phase_begin save
	guest_start $g --mem 256 phy:/dev/ram2,xvda,w phy:/dev/ram3,xvdc,w ||
		fail "save: guest did not start"
	guest_wait_bdev $g xvdc || fail "save: xvdc did not appear"
	guest_run -t 120 $g 'modprobe crc32c_generic; modprobe ext4 &&
		mkfs.ext4 -q -F /dev/xvdc 64M && mkdir -p /mnt/s && mount /dev/xvdc /mnt/s' ||
		fail "save: ext4 on xvdc failed"
	# ext4 writer: a new file per step, fsynced, its sum kept aside
	guest_run $g 'rm -f /tmp/sk.fs /tmp/fs.stop; (i=0; while [ ! -f /tmp/fs.stop ]; do
		i=$((i + 1)); f=/mnt/s/f$((i % 40))
		dd if=/dev/urandom of=$f.new bs=16k count=8 conv=fsync 2>/dev/null &&
			mv $f.new $f && sha256sum $f >>/tmp/sk.fs ||
			{ echo "ext4 writer failed at $i"; break; }
		sleep 0.5; done; echo $i >/tmp/fs.n) >/dev/console 2>&1 &' ||
		fail "save: ext4 writer did not start"
	load_start
	for i in $(seq "$SAVES"); do
		load_moving
		old=$(domid $g)
		xl save $g /tmp/soak.save >/tmp/soak-save.log 2>&1 ||
			{ cat /tmp/soak-save.log; fail "save: xl save failed in cycle $i"; }
		xl restore /tmp/soak.save >/tmp/soak-save.log 2>&1 ||
			{ cat /tmp/soak-save.log; fail "save: xl restore failed in cycle $i"; }
		rm -f /tmp/soak.save
		lab_tail_console $g
		wait_for 30 '! xl list | grep -q "(null)"' ||
			fail "save: domain $old still dying after cycle $i"
		[ $((i % 10)) = 0 ] && log "save: $i cycles, domain $(domid $g), $(load_rounds) fio rounds"
	done
	load_progress
	load_stop
	guest_run -t 120 $g 'touch /tmp/fs.stop; while [ ! -f /tmp/fs.n ]; do sleep 0.2; done
		awk "{ last[\$2] = \$0 } END { for (f in last) print last[f] }" /tmp/sk.fs >/tmp/sk.last
		sha256sum -c /tmp/sk.last >/dev/null' ||
		fail "save: ext4 files differ from what was written"
	guest_run -t 120 $g 'cd / && umount /mnt/s && e2fsck -fn /dev/xvdc >/tmp/fsck.log 2>&1 ||
		{ cat /tmp/fsck.log; false; }' || fail "save: e2fsck on xvdc not clean"
	sum=$(guest_out $g 'cat /tmp/fs.n')
	guest_release xvda xvdc
	phase_end "cycles=$SAVES fio_rounds=$rounds verify_errors=0 ext4_files_written=$sum e2fsck=clean guest_maps_after_detach=$guest_maps"
}

phase_attach() {
	local i

	phase_begin attach
	guest_start $g --mem 256 phy:/dev/ram2,xvda,w || fail "attach: guest did not start"
	load_start
	load_progress
	for i in $(seq "$ATTACH"); do
		xl block-attach $g phy:/dev/ram1,xvdb,w || fail "attach: block-attach failed in cycle $i"
		guest_wait_bdev $g xvdb || fail "attach: xvdb did not appear in cycle $i"
		guest_run -t 60 $g 'dd if=/dev/xvdb of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null' ||
			fail "attach: reading xvdb failed in cycle $i"
		xl block-detach $g xvdb || fail "attach: block-detach failed in cycle $i"
		guest_wait_bdev $g xvdb gone || fail "attach: xvdb still there in cycle $i"
		[ -z "$(load_rc)" ] || fail "attach: verified fio on xvda failed by cycle $i"
		[ $((i % 25)) = 0 ] && log "attach: $i cycles, $(load_rounds) fio rounds"
	done
	load_progress
	load_stop
	guest_release xvda
	phase_end "cycles=$ATTACH fio_rounds=$rounds verify_errors=0 guest_maps_after_detach=$guest_maps"
}

# One flip: the settings, then a disk attached under them, checked in
# xenstore and written verified while xvda's load goes on.
flip_one() { # i persistent queues order
	local id bd fp mq ro

	if [ "$(back_param max_ring_page_order)" != "$4" ]; then
		# a load-time parameter: the backend is swapped under the load
		# shellcheck disable=SC2086
		lu_swap "$(lu_module $LAB_BACK)" $LAB_BPARAMS feature_persistent="$2" \
			max_queues="$3" max_ring_page_order="$4"
		swaps=$((swaps + 1))
	fi
	back_param feature_persistent "$2" && back_param max_queues "$3" ||
		fail "flip: setting parameters failed in flip $1"
	xl block-attach $g phy:/dev/ram1,xvdb,w || fail "flip: block-attach failed in flip $1"
	guest_wait_bdev $g xvdb || fail "flip: xvdb did not appear in flip $1"
	id=$(domid $g)
	bd=$X/0/backend/vbd/$id/51728
	wait_for 30 '[ "$(xenstore-read $bd/state 2>/dev/null)" = 4 ]' ||
		fail "flip: xvdb not connected in flip $1"
	fp=$(xenstore-read "$bd/feature-persistent" 2>/dev/null)
	mq=$(xenstore-read "$bd/multi-queue-max-queues" 2>/dev/null)
	ro=$(xenstore-read "$bd/max-ring-page-order" 2>/dev/null)
	[ "$fp" = "$2" ] && [ "$mq" = "$3" ] && [ "$ro" = "$4" ] ||
		fail "flip $1: backend offers persistent=$fp queues=$mq order=$ro, set $2 $3 $4"
	guest_run -t 300 $g 'sh /lab/guest/fio_verify /dev/xvdb 16k randwrite 8 1M >/tmp/fl.log 2>&1 ||
		{ cat /tmp/fl.log; false; }' || fail "flip $1: verified fio on xvdb failed"
	xl block-detach $g xvdb || fail "flip: block-detach failed in flip $1"
	guest_wait_bdev $g xvdb gone || fail "flip: xvdb still there in flip $1"
	[ -z "$(load_rc)" ] || fail "flip: verified fio on xvda failed by flip $1"
}

phase_flip() {
	local i p0 q0 o0

	swaps=0
	phase_begin flip
	p0=$(back_param feature_persistent) q0=$(back_param max_queues)
	o0=$(back_param max_ring_page_order)
	[ "$p0" = Y ] && p0=1
	[ "$p0" = N ] && p0=0
	guest_start $g --mem 256 phy:/dev/ram2,xvda,w || fail "flip: guest did not start"
	load_start
	load_progress
	for i in $(seq "$FLIPS"); do
		# persistent on/off every flip, queues 1/2 every other, order 0..3
		flip_one "$i" $((i % 2)) $((1 + (i / 2) % 2)) $(((i / 4) % 4))
		[ $((i % 5)) = 0 ] && log "flip: $i flips, $(load_rounds) fio rounds"
	done
	if [ "$(back_param max_ring_page_order)" != "$o0" ]; then
		# shellcheck disable=SC2086
		lu_swap "$(lu_module $LAB_BACK)" $LAB_BPARAMS
	fi
	back_param feature_persistent "$p0"
	back_param max_queues "$q0"
	load_progress
	load_stop
	guest_release xvda
	phase_end "flips=$FLIPS backend_swaps=$swaps fio_rounds=$rounds verify_errors=0 guest_maps_after_detach=$guest_maps"
}

phase_reload() {
	local i

	phase_begin reload
	guest_start $g --mem 256 || fail "reload: diskless guest did not start"
	for i in $(seq "$RELOADS"); do
		guest_run -t 60 $g "rmmod xen_blkfront && sh /lab/guest/load_front $LAB_FRONT" ||
			fail "reload: frontend unload/load failed in cycle $i"
	done
	guest_run -t 30 $g 'dmesg | grep -E "BUG:|WARNING:|Call Trace|unreferenced object" | head -5 | grep .' &&
		fail "reload: the guest's log has a report"
	guest_stop $g
	for i in $(seq "$RELOADS"); do
		lab_unload_back || fail "reload: rmmod xen_blkback failed in cycle $i"
		# shellcheck disable=SC2086
		lab_load_back $LAB_BPARAMS || fail "reload: loading the backend failed in cycle $i"
	done
	dmesg | grep 'still held at unload' && fail "reload: the backend reported leaked pages"
	phase_end "frontend_reloads=$RELOADS backend_reloads=$RELOADS"
}

guest_stop "$LAB_DEFAULT_GUEST"
wait_for 60 '! xl list | grep -q "(null)"' || fail "a domain is still dying before the soak"
maps0=$(dom0_maps all)
# The counts of the phases this run has (SOAK_PHASES), no others.
counts=
for p in $PHASES; do
	case $p in
	save) counts="$counts saves=$SAVES" ;;
	attach) counts="$counts attach=$ATTACH" ;;
	flip) counts="$counts flips=$FLIPS" ;;
	reload) counts="$counts reloads=$RELOADS" ;;
	*) fail "unknown phase '$p' in SOAK_PHASES (save attach flip reload)" ;;
	esac
done
soak_out "start baseline_dom0_maps=$maps0$counts kernel=$(uname -r)"
for p in $PHASES; do
	"phase_$p"
done
soak_out "done phases=$(echo $PHASES | tr ' ' ,)"
