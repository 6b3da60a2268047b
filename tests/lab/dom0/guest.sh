# SPDX-License-Identifier: GPL-2.0
#
# dom0 test library, guests: start and stop them, run a command in one
# (guest_run, guest_out), stream their consoles into dom0's, wait for their
# disks, verified fio, and keep the default guest alive between tests.
# Sourced through /lab/tests/test_common.sh.

domid() { # name
	xl domid "$1" 2>/dev/null
}

# Start streaming a guest's console into dom0's, prefixed with its name.
lab_tail_console() { # name
	local n=$1 f=/run/lab/tail-$1.fifo

	lab_untail_console "$n"
	: >>"/var/log/xen/guest-$n.log"
	rm -f "$f"
	mkfifo "$f"
	# The reader ends by itself when tail, the only writer, is killed.
	(while IFS= read -r l; do echo "[$n] $l"; done <"$f" >/dev/console) &
	tail -n 0 -F "/var/log/xen/guest-$n.log" >"$f" 2>/dev/null &
	echo $! >"/run/lab/tail-$n.pid"
}

lab_untail_console() { # name
	[ -f "/run/lab/tail-$1.pid" ] || return 0
	kill "$(cat "/run/lab/tail-$1.pid")" 2>/dev/null
	rm -f "/run/lab/tail-$1.pid" "/run/lab/tail-$1.fifo"
}

# guest_start NAME [--mem MiB] [--vcpus N] [--front ours|stock|none]
#	[--fparams a=b,c=d] [DISK...]
# DISK is an xl disk spec such as phy:/dev/ram0,xvda,w.  --front none starts
# the guest without any frontend loaded.  Waits until the guest's agent
# answers, bounded by LAB_READY_TIMEOUT seconds (scaled by lab_slow).
guest_start() {
	local n=$1 mem=512 vcpus=2 front=$LAB_FRONT fparams= disks= d id t end
	local now next= poll gone
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		--mem) mem=$2; shift ;;
		--front) front=$2; shift ;;
		--vcpus) vcpus=$2; shift ;;
		--fparams) fparams=$2; shift ;;
		*) disks="$disks${disks:+, }'$1'" ;;
		esac
		shift
	done
	# The debug kernel does not boot in less: with 256 MiB its boot
	# stopped, idle, before the second vCPU came up (test_hostile_14).
	[ "${LAB_KERNEL:-debian}" = debug ] && [ "$mem" -lt 512 ] && mem=512
	# Xen/ARM has one kind of guest, and no "type" for it.
	local type='type = "pv"'
	[ "${LAB_ARCH:-x86}" = arm64 ] && type=
	# LAB_GUEST_TSC: xl's tsc_mode for x86 guests (make bench: native)
	if [ -n "$type" ] && [ -n "${LAB_GUEST_TSC:-}" ]; then
		type="$type
tsc_mode = \"$LAB_GUEST_TSC\""
	fi
	cat >"/run/lab/$n.cfg" <<CFG
name = "$n"
$type
kernel = "/lab/domu/vmlinuz"
ramdisk = "/lab/domu/initrd.cpio"
extra = "console=hvc0 rdinit=/init loglevel=4 rootfstype=ramfs lab.front=$front${fparams:+ lab.fparams=$fparams}${LAB_KCMDLINE:+ $LAB_KCMDLINE}"
memory = $mem
vcpus = $vcpus
disk = [ $disks ]
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
CFG
	lab_tail_console "$n"
	lab_xl_create "$n" || return 1
	id=$(domid "$n")
	t=$(lab_slow "$LAB_READY_TIMEOUT")
	now=$(lab_uptime)
	end=$((now + t))
	poll=$(lab_poll)
	lab_stall_reset
	# Cheap looks only: the agent's "ready" at each, the domain's own
	# xenstore directory (gone with the domain) every five seconds; no xl.
	while [ -z "$(xenstore-read "/local/domain/$id/data/lab/ready" 2>/dev/null)" ]; do
		gone=
		if [ "$now" -ge "${next:-0}" ]; then
			next=$((now + 5))
			xenstore-read "/local/domain/$id/name" >/dev/null 2>&1 || gone=1
		fi
		if [ "$now" -ge $end ] || [ -n "$gone" ]; then
			log "guest $n did not come up within ${t}s"
			xenstore-ls -f "/local/domain/$id" 2>/dev/null | head -40
			xl list 2>&1
			lab_guest_ctx "$id" >/dev/console 2>&1
			xl destroy "$n" 2>/dev/null
			return 1
		fi
		if [ "${LAB_KERNEL:-debian}" = debug ] && lab_stall_check "$n" "$id"; then
			# started again: a fresh bound for the new boot
			id=$(domid "$n")
			end=$(($(lab_uptime) + t))
		fi
		sleep "$poll"
		now=$(lab_uptime)
	done
}

# A guest of the debug kernel sometimes stops early in its boot, before
# its second vCPU comes up and long before any driver of ours is loaded:
# every vCPU blocked in the idle loop, its CPU time no longer growing
# (seen in make check-debug, one guest boot in tens; Debian's kernel has
# not done it).  guest_start watches for that on the debug kernel: after
# LAB_STALL_SECS (90) of dom0's clock without a second of CPU time for a
# guest that is not up, it prints the guest's vCPUs and sends a newline
# to its console, whose event wakes a vCPU that waits for a wake-up that
# never came; if the guest still does not move, it is destroyed and
# started again, once per guest_start.  Every step is logged.
lab_stall_reset() {
	LAB_STALL_CPU=
	LAB_STALL_SINCE=$(lab_uptime)
	LAB_STALL_NEXT=$LAB_STALL_SINCE
	LAB_STALL_NUDGED=
	LAB_STALL_RESTARTED=
}

# lab_xl_create NAME: create the guest from /run/lab/NAME.cfg, written by
# guest_start; logs and returns 1 when xl fails or takes over two minutes.
lab_xl_create() {
	timeout 120 xl create -q "/run/lab/$1.cfg" && return 0
	log "xl create $1 failed"
	return 1
}

# lab_stall_check NAME ID: called while guest_start waits; returns 0 only
# when it started the guest again.
lab_stall_check() {
	local n=$1 id=$2 now cpu tty
	now=$(lab_uptime)
	[ "$now" -ge "$LAB_STALL_NEXT" ] || return 1
	# xl costs seconds of dom0's CPU on the debug kernel: a look every
	# 15 s is enough to see 90 s without progress.
	LAB_STALL_NEXT=$((now + 15))
	cpu=$(xl list "$n" 2>/dev/null | awk 'NR == 2 { print int($6) }')
	if [ "$cpu" != "$LAB_STALL_CPU" ]; then
		LAB_STALL_CPU=$cpu
		LAB_STALL_SINCE=$now
		return 1
	fi
	[ $((now - LAB_STALL_SINCE)) -ge "${LAB_STALL_SECS:-90}" ] || return 1
	LAB_STALL_SINCE=$now
	if [ -z "$LAB_STALL_NUDGED" ]; then
		LAB_STALL_NUDGED=1
		log "guest $n: not up and no CPU time for ${LAB_STALL_SECS:-90}s (${cpu}s in all): stalled in its boot; its vCPUs:"
		lab_guest_ctx "$id" >/dev/console 2>&1
		tty=$(xenstore-read "/local/domain/$id/console/tty" 2>/dev/null)
		if [ -n "$tty" ] && timeout 5 sh -c "printf '\\n' >'$tty'"; then
			log "guest $n: sent a newline to its console ($tty) to wake it"
		else
			log "guest $n: could not write to its console (${tty:-no tty})"
		fi
		return 1
	fi
	[ -z "$LAB_STALL_RESTARTED" ] || return 1
	LAB_STALL_RESTARTED=1
	log "guest $n: still stalled after the wake-up: destroying it and starting it again (once)"
	xl destroy "$n" 2>/dev/null
	lab_xl_create "$n" || return 1
	LAB_STALL_CPU=
	LAB_STALL_NUDGED=
	return 0
}

guest_stop() { # name
	local end id poll

	id=$(domid "$1")
	[ -n "$id" ] || return 0
	end=$(($(lab_uptime) + $(lab_slow 20)))
	poll=$(lab_poll)
	xl shutdown "$1" >/dev/null 2>&1
	# As in guest_start's wait, cheap looks (the domain's xenstore
	# directory goes when the toolstack has torn it down), then one xl
	# call to be sure it is gone.
	while xenstore-read "/local/domain/$id/name" >/dev/null 2>&1 ||
	      [ -n "$(domid "$1")" ]; do
		if [ "$(lab_uptime)" -ge $end ]; then
			xl destroy "$1"
			break
		fi
		sleep "$poll"
	done
	lab_untail_console "$1"
}

# guest_run [-t SECS] NAME COMMAND...: run a shell command in the guest.
# Returns its exit status, or 124 if it did not finish within SECS (300;
# lab_slow scales it).
guest_run() {
	local t=300 n id seq rc= dir fifo wpid end up sent= got=
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	t=$(lab_slow "$t")
	n=$1
	shift
	id=$(domid "$n") || return 125
	[ -n "$id" ] || return 125
	dir=/local/domain/$id/data/lab
	# A fresh id per call, from the kernel: calls running at once (one per
	# guest, as the benchmarks make them) share no counter that could
	# hand two of them the same id.
	read -r seq </proc/sys/kernel/random/uuid || return 125
	# Wait on a watch of the guest's answer set up before the command is
	# written (its first event says it is in place), so that no answer
	# can come between a look and the wait: no polling, no lost window.
	fifo=/run/lab/run-$seq
	mkfifo "$fifo" || return 125
	xenstore-watch "$dir/rc" >"$fifo" 2>/dev/null &
	wpid=$!
	read -r up _ </proc/uptime
	end=$((${up%.*} + t))
	while :; do
		read -r up _ </proc/uptime
		[ "${up%.*}" -lt $end ] || break
		read -r -t $((end - ${up%.*})) _ || break
		if [ -z "$sent" ]; then
			xenstore-write -R "$dir/cmd" "$seq $*" || break
			sent=1
			continue
		fi
		rc=$(xenstore-read "$dir/rc" 2>/dev/null)
		if [ "${rc%% *}" = "$seq" ]; then
			got=1
			break
		fi
	done <"$fifo"
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	rm -f "$fifo"
	[ -n "$sent" ] || return 125
	if [ -z "$got" ]; then
		log "guest $n: '$*' still running after ${t}s"
		return 124
	fi
	sleep 0.1	# let xenconsoled pass on the last lines
	return "${rc#* }"
}

# guest_out [-t SECS] NAME COMMAND...: run a shell command in the guest and
# print its output here (one line, at most 1000 bytes), carried back through
# the guest's own xenstore directory: guest-controlled text, use it as data.
guest_out() {
	local t=60 id
	if [ "$1" = -t ]; then
		t=$2
		shift 2
	fi
	id=$(domid "$1") || return 125
	xenstore-rm "/local/domain/$id/data/lab/out" 2>/dev/null
	guest_run -t "$t" "$1" "o=\$( ($2) 2>&1 | tr '\n' ' ' | cut -c1-1000);
		xenstore-write data/lab/out \"\$o.\"" >/dev/null || return
	xenstore-read "/local/domain/$id/data/lab/out" 2>/dev/null | sed 's/ *\.$//'
}

# guest_wait_bdev NAME DEV [gone]: wait up to 50 s until the block device
# /dev/DEV (xvdb) shows up in guest NAME, or with "gone" until it is gone.
guest_wait_bdev() {
	local cond="-b /dev/$2"

	[ "${3:-}" = gone ] && cond="! -b /dev/$2"
	guest_run -t 60 "$1" "i=0; until [ $cond ] || [ \$i -ge 250 ]; do
		sleep 0.2; i=\$((i + 1)); done; [ $cond ]"
}

# Linux xvd numbering: xvda=51712, xvdb=51728, ... (202 << 8 | 16 * n).
xvd_num() { # letter
	local idx
	idx=$(printf '%d' "'$1")
	echo $(((202 << 8) | ((idx - 97) << 4)))
}

# Run fio in the guest with crc32c verification: guest_fio NAME ARGS...
guest_fio() {
	local n=$1
	shift
	guest_run -t 600 "$n" "fio --output-format=terse --terse-version=3 \
		--ioengine=libaio --direct=1 --verify=crc32c --verify_fatal=1 \
		--do_verify=1 --group_reporting --name=lab $* >/tmp/fio.out 2>&1; \
		rc=\$?; cut -d';' -f3,5,6,8,46,47,48,50 /tmp/fio.out | head -3; \
		grep -iE 'error|verify|bad' /tmp/fio.out | head -5; exit \$rc"
}

lab_guest_alive() { # name
	[ -n "$(domid "$1")" ] && guest_run -t 30 "$1" true
}

lab_ensure_default_guest() {
	lab_guest_alive "$LAB_DEFAULT_GUEST" && return 0
	xl destroy "$LAB_DEFAULT_GUEST" >/dev/null 2>&1
	guest_start "$LAB_DEFAULT_GUEST" phy:/dev/ram0,xvda,w
}

# guests_bench_fio SECS KEY "ARGS" NAME...: run /lab/guest/bench_fio KEY
# ARGS in every guest NAME at once, each bounded by SECS, and print a line
# "NAME RC KIB IOPS" per guest from what it stored under data/lab/KEY
# (guest-written: numbers only are kept; a guest that stored nothing gets
# a short line).
guests_bench_fio() {
	local t=$1 key=$2 args=$3 n pids=
	shift 3
	for n in "$@"; do
		guest_run -t "$t" "$n" "sh /lab/guest/bench_fio $key $args" >&2 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	for n in "$@"; do
		echo "$n $(xenstore-read "/local/domain/$(domid "$n")/data/lab/$key" 2>/dev/null |
			tr -cd '0-9 ')"
	done
}
