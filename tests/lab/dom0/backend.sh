# SPDX-License-Identifier: GPL-2.0
#
# dom0 test library, the backend: the one way tests, benchmarks and /init
# load and unload it (lab_load_back, lab_unload_back), its module
# parameters (back_param), its sysfs directories, and the live update of
# the backend under running guests (lu_*).  Sourced through
# /lab/tests/test_common.sh.

# lab_load_back [ours|stock] [NAME=VALUE ...]: load a backend, ours
# (/lab/mod/xen-blkback.ko) or the kernel's (modprobe); without a kind the
# run's (LAB_BACK).  /init passes make lab's BPARAMS.
lab_load_back() {
	local kind=$LAB_BACK

	case "${1:-}" in
	ours | stock) kind=$1; shift ;;
	esac
	if [ "$kind" = ours ]; then
		insmod /lab/mod/xen-blkback.ko "$@"
	else
		modprobe xen-blkback "$@"
	fi
}

lab_unload_back() {
	[ -d /sys/module/xen_blkback ] || return 0
	rmmod xen_blkback
}

# lab_reload_back [ours|stock] [NAME=VALUE ...]: unload whatever backend
# is loaded and load this one; fails the test if either step fails.
lab_reload_back() {
	lab_unload_back || fail "rmmod xen_blkback failed"
	lab_load_back "$@" || fail "cannot load the ${1:-$LAB_BACK} backend ($*)"
}

# Backend module parameter: back_param NAME [VALUE]
back_param() {
	if [ $# -gt 1 ]; then
		echo "$2" >"/sys/module/xen_blkback/parameters/$1"
	else
		cat "/sys/module/xen_blkback/parameters/$1"
	fi
}

# The backend's sysfs directory for NAME's device DEV (e.g. xvdb -> 51728).
backend_dir() { # name vdev-number
	echo "/sys/bus/xen-backend/devices/vbd-$(domid "$1")-$2"
}

# ---- live update of the backend (test_liveupdate_*) ----------------------
# The admin's tool, scripts/xen-blkback-swap, swaps the backend module under
# the running guests while the default guest runs verified fio.

LU_SWAP=/lab/xen-blkback-swap

# lu_module ours|stock: what xen-blkback-swap loads for that backend.
lu_module() {
	if [ "$1" = ours ]; then echo /lab/mod/xen-blkback.ko; else echo stock; fi
}

# Verified fio rounds (4 MiB each) on the default guest's xvda until
# lu_fio_stop; the guest's kernel log is marked for lu_fio_stop to search.
# The guest reports rounds done and the result in its data/lab/lu_* keys.
lu_fio_start() {
	LU_DATA=/local/domain/$(domid "$LAB_DEFAULT_GUEST")/data/lab
	xenstore-rm "$LU_DATA/lu_n" "$LU_DATA/lu_rc" 2>/dev/null
	guest_run "$LAB_DEFAULT_GUEST" 'rm -f /tmp/lu.stop; xenstore-write data/lab/lu_n 0
		echo "lab: live update begins" >/dev/kmsg
		(n=0; rc=0; while [ ! -f /tmp/lu.stop ]; do
			sh /lab/guest/fio_verify /dev/xvda 16k randwrite 8 4M >/tmp/lu.log 2>&1 ||
				{ rc=1; cat /tmp/lu.log; break; }
			n=$((n + 1)); xenstore-write data/lab/lu_n $n
		done; xenstore-write data/lab/lu_rc $rc) >/dev/console 2>&1 &' ||
		fail "could not start fio in $LAB_DEFAULT_GUEST"
}

lu_fio_rounds() {
	xenstore-read "$LU_DATA/lu_n" 2>/dev/null || echo 0
}

lu_fio_rc() {
	xenstore-read "$LU_DATA/lu_rc" 2>/dev/null
}

# lu_fio_progress SECS: wait until fio finishes one more round (I/O flows),
# then two seconds, so that the next round is under way.
lu_fio_progress() {
	local n0
	n0=$(lu_fio_rounds)
	wait_for "$1" '[ "$(lu_fio_rounds)" -gt "$n0" ] || [ -n "$(lu_fio_rc)" ]' ||
		fail "no verified fio round completed within $1s (rounds: $(lu_fio_rounds))"
	[ -z "$(lu_fio_rc)" ] || fail "verified fio failed in $LAB_DEFAULT_GUEST"
	sleep 2
}

# lu_swap [OPTIONS] MODULE: swap the backend with the admin's tool.
lu_swap() {
	local t0
	t0=$(date +%s)
	sh $LU_SWAP "$@" || fail "xen-blkback-swap $* failed"
	log "swap done in $(($(date +%s) - t0))s"
}

# Stop fio; every round verified, no I/O error in the guest.
lu_fio_stop() {
	local n
	guest_run -t 20 "$LAB_DEFAULT_GUEST" 'touch /tmp/lu.stop'
	wait_for 240 '[ -n "$(lu_fio_rc)" ]' || fail "fio in $LAB_DEFAULT_GUEST did not stop"
	[ "$(lu_fio_rc)" = 0 ] || fail "verified fio in $LAB_DEFAULT_GUEST failed"
	n=$(lu_fio_rounds)
	[ "$n" -ge 1 ] || fail "no fio round completed"
	guest_run -t 20 "$LAB_DEFAULT_GUEST" 'dmesg | sed -n "/lab: live update begins/,\$p" |
		grep -iE "I/O error|failing them|blk_update_request|Buffer I/O|closed" |
		grep -E "xvda|vbd-51712"' &&
		fail "I/O errors or a closed disk in the guest's log"
	log "$n verified fio rounds, no I/O error"
	# Our backend says how many requests waited when it took a ring over.
	dmesg | grep 'attached to the live ring' | tail -4
}

# Active (mapped) entries of domain ID's grant table, from Xen's 'g' key.
lu_guest_grants() { # domid
	xl dmesg -c >/dev/null
	xl debug-keys g
	sleep 1
	xl dmesg | awk -v hdr="grant-table for remote d$1 " '
		index($0, "grant-table for remote") { cur = index($0, hdr) > 0; seen += cur; next }
		/gnttab_usage_print_all.*done/ { cur = 0 }
		cur && /\[ *(0x)?[0-9a-f]+\] +-?[0-9]+ 0x/ { n++ }
		END { if (seen) print n + 0; else print "none" }'
}
