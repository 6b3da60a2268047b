# SPDX-License-Identifier: GPL-2.0
#
# dom0 test library, the rogue peers (tests/rogue/): rb_* drive the rogue
# backend against our frontend (test_hostile_40..), hf_* an attacker guest
# running the rogue frontend against our backend (test_hostile_01..39).
# Sourced through /lab/tests/test_common.sh.

# ---------------------------------------------------------------------------
# hostile backend: helpers for test_hostile_40 .. 59 (tests/rogue/rogue_back.c)
#
# The real backend keeps serving the guest's xvda; the rogue serves one more
# disk of type "rvbd", created here by hand in xenstore, which the guest's
# frontend sees as an ordinary vbd.  Then the rogue is told to misbehave.
# ---------------------------------------------------------------------------

RB_GUEST=domu
RB_DEV=51728			# xvdb
RB_NAME=xvdb
RB_PARAMS=/sys/module/rogue_back/parameters

rb_param() { # NAME [VALUE]
	if [ $# -gt 1 ]; then
		echo "$2" >"$RB_PARAMS/$1"
	else
		cat "$RB_PARAMS/$1"
	fi
}

rb_mode_num() { # name
	case "$1" in
	honest) echo 0 ;; bad_id) echo 1 ;; dup_id) echo 2 ;; bad_op) echo 3 ;;
	overflow) echo 4 ;; no_unmap) echo 5 ;; storm) echo 6 ;;
	no_flush) echo 7 ;; vanish) echo 8 ;;
	*) return 1 ;;
	esac
}

rb_mode() { # name
	rb_param mode "$(rb_mode_num "$1")"
}

rb_fe() { echo "/local/domain/$(domid $RB_GUEST)/device/vbd/$RB_DEV"; }
rb_be() { echo "/local/domain/0/backend/rvbd/$(domid $RB_GUEST)/$RB_DEV"; }

# Guest-side sysfs directory of the rogue disk's frontend device.
RB_GSYS=/sys/bus/xen/devices/vbd-$RB_DEV

# Run a guest command; print its output (one line, up to 1000 bytes) here.
# It comes back through xenstore: the console log would be racy.
rb_gout() { # guest-cmd
	local id
	id=$(domid $RB_GUEST)
	xenstore-rm "/local/domain/$id/data/lab/out" 2>/dev/null
	guest_run -t "${RB_T:-30}" $RB_GUEST "o=\$( ($1) 2>&1 | tr '\n' ' ' | cut -c1-1000);
		xenstore-write data/lab/out \"\$o.\"" >/dev/null
	xenstore-read "/local/domain/$id/data/lab/out" 2>/dev/null | sed 's/ *\.$//'
}

# Load the rogue (honest) and attach its disk to the guest as xvdb.
# RB_TRUSTED=0 marks the disk's backend untrusted (the toolstack's
# trusted=0), so that our frontend copies through its pool.
rb_setup() {
	local id fe be
	[ "$LAB_FRONT" = ours ] || skip "the hostile suite proves our frontend"
	[ -f /lab/mod/rogue_back.ko ] || fail "rogue_back.ko not shipped"
	id=$(domid $RB_GUEST)
	[ -n "$id" ] || fail "no guest $RB_GUEST"
	fe=$(rb_fe)
	be=$(rb_be)
	# Leftovers of a failed test: a stale rogue disk, a loaded rogue.
	if [ -n "$(xenstore-read "$fe/backend" 2>/dev/null)" ] ||
	   [ -n "$(xenstore-read "$be/frontend" 2>/dev/null)" ]; then
		log "removing a stale rogue disk"
		xenstore-rm "$fe" 2>/dev/null
		wait_for 20 'guest_run -t 10 $RB_GUEST "! test -e $RB_GSYS"'
		xenstore-rm "/local/domain/0/backend/rvbd/$id" 2>/dev/null
	fi
	rb_unload
	insmod /lab/mod/rogue_back.ko "$@" || fail "insmod rogue_back"
	# Frontend keys first, without a state: the guest's bus ignores the
	# node until its state says Initialising.
	xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 \
		"$fe/virtual-device" $RB_DEV "$fe/device-type" disk
	[ "${RB_TRUSTED:-1}" = 0 ] && xenstore-write "$fe/trusted" 0
	xenstore-chmod -r "$fe" "n$id" r0
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$id" \
		"$be/online" 1 "$be/removable" 0 "$be/mode" w
	xenstore-chmod -r "/local/domain/0/backend/rvbd/$id" n0 "r$id"
	xenstore-write "$be/state" 1
	xenstore-chmod "$be/state" n0 "r$id"
	xenstore-write "$fe/state" 1
	xenstore-chmod "$fe/state" "n$id" r0
	wait_for 40 '[ "$(xenstore-read $be/state 2>/dev/null)" = 4 ]' ||
		fail "rogue backend never connected (state $(xenstore-read "$be/state" 2>/dev/null))"
	wait_for 40 'guest_run -t 10 $RB_GUEST "test -b /dev/$RB_NAME"' ||
		fail "guest has no /dev/$RB_NAME"
	guest_run -t 30 $RB_GUEST "dd if=/dev/$RB_NAME of=/dev/null bs=64k count=4 iflag=direct 2>/dev/null" ||
		fail "honest read of $RB_NAME failed"
	RB_DMESG0=$(rb_gout "dmesg | wc -l")
	log "rogue disk $RB_NAME up (guest dmesg at line $RB_DMESG0)"
}

# Guest dmesg lines since rb_setup that match a pattern.
rb_dmesg() { # pattern
	rb_gout "dmesg | tail -n +$((RB_DMESG0 + 1)) | grep -E '$1'"
}

rb_dmesg_count() { # pattern
	rb_gout "dmesg | tail -n +$((RB_DMESG0 + 1)) | grep -cE '$1'"
}

# Verified fio on the well-behaved xvda, in the background.
rb_victim_start() {
	guest_run -t 20 $RB_GUEST 'rm -f /tmp/rbv.rc; (sh /lab/guest/fio_verify /dev/xvda 16k randwrite 8 8M;
		echo $? >/tmp/rbv.rc) >/dev/console 2>&1 &'
}

rb_victim_check() {
	guest_run -t 300 $RB_GUEST 'i=0; while [ ! -f /tmp/rbv.rc ] && [ $i -lt 1400 ]; do sleep 0.2; i=$((i+1)); done;
		test "$(cat /tmp/rbv.rc 2>/dev/null)" = 0' ||
		fail "verified fio on the well-behaved xvda failed or hung"
	log "verified fio on xvda passed alongside the attack"
}

# The guest answers, and I/O to the rogue disk errors out promptly.
# I/O to the failed disk must end at once without data: an error, or, on
# kernels whose blk_mark_disk_dead() sets the capacity to 0 (6.2 on), the
# end of the device (dd exits 0 having read "0+0 records").
rb_assert_failed_fast() {
	local out
	lab_guest_alive $RB_GUEST || fail "guest $RB_GUEST no longer answers"
	guest_run -t 40 $RB_GUEST "timeout 20 dd if=/dev/$RB_NAME of=/dev/null bs=4k count=1 skip=7 iflag=direct 2>/tmp/rbff.err; echo \$? >/tmp/rbff.rc"
	out=$(rb_gout "cat /tmp/rbff.rc; grep 'records in' /tmp/rbff.err")
	case "$out" in
	124*) fail "I/O to the failed $RB_NAME hung" ;;
	"0 0+0 records in"*) log "I/O to $RB_NAME ends at once, at a device end of 0 (the dead disk's size)" ;;
	0*) fail "I/O to the failed $RB_NAME still succeeds ($out)" ;;
	"") fail "no result from the guest for I/O to $RB_NAME" ;;
	*) log "I/O to $RB_NAME fails promptly (dd exit ${out%% *})" ;;
	esac
}

# Write 256 KiB of random data to the rogue disk, read it back and compare
# (the disk still works after an attack the frontend survived).
rb_disk_works() { # after-what
	guest_run -t 60 $RB_GUEST "dd if=/dev/urandom of=/tmp/rbw.p bs=64k count=4 2>/dev/null &&
		timeout 30 dd if=/tmp/rbw.p of=/dev/$RB_NAME bs=64k oflag=direct 2>/dev/null &&
		timeout 30 dd if=/dev/$RB_NAME of=/tmp/rbw.q bs=64k count=4 iflag=direct 2>/dev/null &&
		cmp /tmp/rbw.p /tmp/rbw.q" || fail "rogue disk unusable after $1"
}

# A guest command in the background, watched from here: a command stuck in
# the guest's kernel would also keep the guest's agent from answering.
# rb_bg starts it (its exit status goes to the guest's /tmp/NAME.rc),
# rb_bg_done is true once it has ended, rb_bg_rc prints that status.
rb_bg() { # name guest-cmd
	guest_run -t 30 $RB_GUEST "rm -f /tmp/$1.rc; ($2; echo \$? >/tmp/$1.rc) >/dev/null 2>&1 &"
}

rb_bg_done() { # name
	guest_run -t 10 $RB_GUEST "test -f /tmp/$1.rc"
}

rb_bg_rc() { # name
	rb_gout "cat /tmp/$1.rc"
}

rb_guest_dev_state() {
	rb_gout "cat $RB_GSYS/blkfront/state 2>/dev/null || echo gone"
}

# Bounded, named error output: at least one message naming the device that
# matches PATTERN, and at most MAX lines naming the device in all.
rb_assert_msg() { # pattern [max]
	local n all max=${2:-12}
	n=$(rb_dmesg_count "vbd-$RB_DEV: .*($1)")
	all=$(rb_dmesg_count "vbd-$RB_DEV")
	log "guest messages: $n matching '$1', $all naming vbd-$RB_DEV"
	[ "${n:-0}" -ge 1 ] || { rb_dmesg "vbd-$RB_DEV|xen-blkfront" | head -c 600; echo; fail "no message naming vbd-$RB_DEV matching '$1'"; }
	[ "${all:-0}" -le "$max" ] || fail "$all messages naming vbd-$RB_DEV (more than $max)"
}

# Detach the rogue disk the way a toolstack does and check it went away.
rb_detach() {
	local fe be
	fe=$(rb_fe)
	be=$(rb_be)
	if [ -n "$(xenstore-read "$be/state" 2>/dev/null)" ] &&
	   [ -n "$(xenstore-read "$fe/state" 2>/dev/null)" ]; then
		xenstore-write "$be/online" 0
		[ "$(xenstore-read "$be/state" 2>/dev/null)" = 6 ] ||
			xenstore-write "$be/state" 5
		wait_for 20 '[ "$(xenstore-read $fe/state 2>/dev/null)" = 6 ]' ||
			log "frontend did not close (state $(xenstore-read "$fe/state" 2>/dev/null)); removing it anyway"
	fi
	xenstore-rm "$fe" 2>/dev/null
	wait_for 30 'guest_run -t 10 $RB_GUEST "! test -e $RB_GSYS"' ||
		fail "guest still has vbd-$RB_DEV after detach"
	xenstore-rm "$be" 2>/dev/null
	xenstore-rm "/local/domain/0/backend/rvbd/$(domid $RB_GUEST)" 2>/dev/null
	if [ -d $RB_PARAMS ]; then
		wait_for 20 '[ "$(rb_param held_grants)" = 0 ]' ||
			fail "rogue still holds $(rb_param held_grants) grants after detach"
	fi
	log "rogue disk detached; guest device gone"
}

# Unload the rogue once the backend bus has dropped its devices (each one
# pins the module until it is removed).
rb_unload() {
	[ -d $RB_PARAMS ] || return 0
	wait_for 20 '! ls -d /sys/bus/xen-backend/devices/rvbd-* >/dev/null 2>&1' ||
		fail "rogue devices still present: $(ls /sys/bus/xen-backend/devices/)"
	wait_for 10 'rmmod rogue_back 2>/dev/null' || fail "rmmod rogue_back failed"
}

# Common end of a scenario: the guest survived, the victim verified, the
# device is torn down, the rogue leaves nothing behind.
rb_finish() {
	lab_guest_alive $RB_GUEST || fail "guest $RB_GUEST no longer answers"
	rb_victim_check
	rb_detach
	rb_unload
	lab_guest_alive $RB_GUEST || fail "guest $RB_GUEST died at detach"
	# Every grant of the rogue disk was revoked and its pages freed,
	# unless the scenario kept them mapped on purpose (RB_LEAK_OK).
	if [ -z "${RB_LEAK_OK:-}" ] &&
	   [ "$(rb_dmesg_count "vbd-$RB_DEV: .*(leaking|still map)")" != 0 ]; then
		fail "frontend leaked grants of a backend that let go of them: $(rb_dmesg "vbd-$RB_DEV: .*(leaking|still map)" | head -c 400)"
	fi
}

# rb_run WHAT CMD: run CMD in the rogue's guest (60 s at most), log its
# exit status, fail the test if it hung; returns that status.
rb_run() {
	local st
	guest_run -t 60 $RB_GUEST "$2"
	st=$?
	log "$1: exit $st"
	[ $st = 124 ] && fail "$1 hung"
	return $st
}

# Scenarios that end in a failed device: attach, start the victim, turn
# the rogue, provoke one read, check the device failed with a clear message.
rb_attack() { # mode message-pattern [dd-bs]
	local st
	rb_setup
	rb_victim_start
	rb_mode "$1"
	rb_run "read against the $1 rogue" \
		"timeout 30 dd if=/dev/$RB_NAME of=/dev/null bs=${3:-4k} count=1 iflag=direct"
	[ "$(rb_param misbehaved)" -gt 0 ] || fail "the rogue never misbehaved"
	st=$(rb_guest_dev_state)
	[ "$st" = error ] || fail "frontend state '$st' after the $1 attack, expected error"
	rb_assert_msg "$2"
	rb_assert_failed_fast
}
# --------------------------- end of hostile backend -------------------------

# ---- hostile frontend --------------------------------------------------
# Shared by tests/lab/e2e/test_hostile_01..39: an attacker guest "rogue", started
# without any frontend, loads tests/rogue/rogue_front.ko with one scenario
# against our backend while the default guest keeps doing verified I/O on
# its own disk.  The rogue only records what came back; these helpers check.

HF_GUEST=rogue

hf_need_ours() {
	[ "$LAB_BACK" = ours ] || skip "the hostile suite proves our backend"
	[ -f /lab/tests/test_common.sh ] || fail "no lab"
}

# hf_begin TAG: mark the kernel log.
hf_begin() {
	HF_TAG=$1
	HF_FREE0=$(xl info free_memory 2>/dev/null)
	echo "hostile: begin $HF_TAG" >/dev/kmsg
}

# Verified fio in the default guest, round after round, until hf_end stops
# it.  Started once the attacker is up, so both boots do not compete.
hf_fio_start() {
	guest_run "$LAB_DEFAULT_GUEST" 'rm -f /tmp/hf.rc /tmp/hf.stop /tmp/hf.n
		(n=0; rc=0; while [ ! -f /tmp/hf.stop ]; do
			sh /lab/guest/fio_verify /dev/xvda 16k randwrite 8 4M >/tmp/hf.log 2>&1 ||
				{ rc=1; cat /tmp/hf.log; break; }
			n=$((n + 1)); echo $n >/tmp/hf.n
		done; echo $rc >/tmp/hf.rc) >/dev/console 2>&1 &' ||
		fail "could not start fio in $LAB_DEFAULT_GUEST"
}

# hf_attack SCENARIOS "MODPARAMS" DISK...: start the attacker with its own
# disks (xvdb, xvdc, ...), start fio in the default guest, then load the
# rogue frontend with SCENARIOS (a,b,c: one per disk, in order).
hf_attack() {
	local scen=$1 params=$2
	shift 2
	HF_NDISKS=$#
	# A test that failed must not leave its attacker to the next one.
	xl destroy "$HF_GUEST" >/dev/null 2>&1
	trap 'xl destroy "$HF_GUEST" >/dev/null 2>&1; lab_untail_console "$HF_GUEST"' EXIT
	guest_start "$HF_GUEST" --mem 320 --vcpus 2 --front none "$@" ||
		fail "attacker guest did not start"
	HF_ID=$(domid "$HF_GUEST")
	hf_fio_start
	log "attacker is domain $HF_ID, scenario $scen $params"
	# In the background: module loading waits for devices to connect.
	guest_run -t 30 "$HF_GUEST" "insmod /lab/mod/rogue_front.ko scenario=$scen $params &" ||
		fail "could not load rogue_front in the attacker"
}

# hf_report SECS: wait for the rogue's scenario, fetch its report.
hf_report() {
	guest_run -t $(($1 + 10)) "$HF_GUEST" "sh /lab/guest/rogue_report $HF_NDISKS $1"
	local rc=$?
	HF_REPORT=" $(xenstore-read "/local/domain/$HF_ID/data/lab/report" 2>/dev/null) "
	log "rogue reported:$HF_REPORT"
	[ $rc = 0 ] || fail "the rogue did not finish its scenario within $1s"
}

# hf_expect TOKEN...: each "disk.case=result" must be in the report.
hf_expect() {
	local t missing=
	for t in "$@"; do
		case "$HF_REPORT" in
		*" $t "*) ;;
		*) missing="$missing $t" ;;
		esac
	done
	[ -z "$missing" ] || fail "expected from the rogue but not seen:$missing"
}

# hf_value KEY: the value of "KEY=..." in the report.
hf_value() {
	echo "$HF_REPORT" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}

hf_kmsg() {
	dmesg | sed -n "/hostile: begin $HF_TAG\$/,\$p"
}

# hf_msgs ERE: kernel messages since hf_begin naming the attacker's
# backend devices (vbd-<domid>-<dev>) and matching ERE.  (Our backend
# ratelimits per device, the stock one per call site.)
hf_msgs() {
	hf_kmsg | grep "vbd-$HF_ID-" | grep -cE "$1"
}

# hf_expect_msg PATTERN MAX: at least one such message, at most MAX (the
# backend must name the device, and ratelimit).
hf_expect_msg() {
	local n
	n=$(hf_msgs "$1")
	log "$n backend message(s) matching '$1'"
	[ "$n" -ge 1 ] || fail "no backend message matching '$1' naming vbd-$HF_ID-*"
	[ "$n" -le "$2" ] || fail "$n messages matching '$1': not ratelimited (max $2)"
	n=$(hf_msgs .)
	[ "$n" -le 80 ] || fail "$n messages about the attacker's devices: not ratelimited"
}

# hf_end: destroy the attacker; its domain, backend devices, threads and
# xenstore entries must all go (a domain whose pages the backend still
# maps lingers as a zombie); the default guest's fio must have verified.
hf_end() {
	local id=$HF_ID n rc
	xl destroy "$HF_GUEST" || fail "xl destroy $HF_GUEST failed"
	lab_untail_console "$HF_GUEST"
	if ! wait_for 30 "! xl list | awk 'NR > 1 { print \$2 }' | grep -qx $id"; then
		xl list
		fail "attacker domain $id still exists 30s after destroy (pages still mapped?)"
	fi
	wait_for 10 "! ls -d /sys/bus/xen-backend/devices/vbd-$id-* >/dev/null 2>&1" ||
		fail "backend devices of domain $id remain: $(ls -d /sys/bus/xen-backend/devices/vbd-$id-*)"
	wait_for 10 "! xenstore-ls /local/domain/0/backend/vbd/$id >/dev/null 2>&1" ||
		fail "backend xenstore directory of domain $id remains"
	wait_for 10 "! ps -eo comm | grep -q '^$id\.'" ||
		fail "ring threads of domain $id remain: $(ps -eo comm | grep "^$id\.")"
	log "attacker gone; free memory $HF_FREE0 MiB before, $(xl info free_memory) MiB after"
	[ "$(xenstore-read "/local/domain/0/backend/vbd/$(domid "$LAB_DEFAULT_GUEST")/51712/state")" = 4 ] ||
		fail "the default guest's disk is no longer connected"
	guest_run -t 300 "$LAB_DEFAULT_GUEST" 'touch /tmp/hf.stop; i=0
		while [ ! -f /tmp/hf.rc ] && [ $i -lt 1400 ]; do sleep 0.2; i=$((i + 1)); done
		echo "hostile: fio rounds verified in the default guest: $(cat /tmp/hf.n 2>/dev/null || echo 0)"
		[ "$(cat /tmp/hf.rc 2>/dev/null)" = 0 ] && [ "$(cat /tmp/hf.n 2>/dev/null || echo 0)" -ge 1 ]'
	rc=$?
	[ $rc = 0 ] || fail "verified fio in $LAB_DEFAULT_GUEST failed during the attack ($rc)"
	n=$(hf_kmsg | grep -c "vbd-$(domid "$LAB_DEFAULT_GUEST")-")
	[ "$n" = 0 ] || fail "the backend complained about the well-behaved guest ($n messages)"
}

# hf_nullb PARAMS...: (re)load null_blk with one device /dev/nullb0.
hf_nullb() {
	[ -d /sys/module/null_blk ] && { rmmod null_blk || fail "null_blk is busy"; }
	modprobe null_blk nr_devices=1 "$@" || fail "modprobe null_blk $*"
	wait_for 10 "[ -b /dev/nullb0 ]" || fail "no /dev/nullb0"
}

hf_nullb_done() {
	[ -d /sys/module/null_blk ] || return 0
	wait_for 10 "rmmod null_blk 2>/dev/null" || log "null_blk stays loaded (busy)"
}

