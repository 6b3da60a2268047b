# SPDX-License-Identifier: GPL-2.0
#
# dom0 test library, lab core: how a test reports (lab_mark, lab_out, log,
# fail, skip, lab_cases), wait_for, and the runner /init calls
# (lab_run_all).  Sourced through /lab/tests/test_common.sh.

lab_mark() { # TAG text...
	echo "@@$LAB_NONCE@@ $*" >/dev/console
}

# Text for the host to print in the run's summary (make demo uses it).
lab_out() {
	lab_mark OUT "$*"
}

# Log lines carry dom0's uptime, so a slow step shows in the console log.
log() {
	echo "[$(basename "${0%.sh}") $(lab_uptime)s] $*"
}

fail() {
	log "FAIL: $*"
	echo "$*" >/run/lab/case-fail 2>/dev/null
	exit 1
}

# A test that checks several scenarios at once (one per disk of one guest,
# say) names them with lab_cases; each is then also reported as a test of
# its own, "<test>/<case>".  The verdict is the test's: every case passes
# when it passes; when it fails, the case being checked (lab_case) fails
# with the reason and the others fail as not verified.
lab_cases() { # NAME...
	echo "$*" >/run/lab/cases
	: >/run/lab/case-cur
}

lab_case() { # NAME, or nothing for checks shared by every case
	echo "$1" >/run/lab/case-cur
}

skip() {
	log "SKIP: $*"
	exit 77
}

# Whole seconds since dom0 booted: the clock of every bound in this
# library.  A bound kept as a count of short sleeps stretches with the
# commands between them (xl and xenstore calls take seconds on the debug
# kernel), so that a 150 s wait once lasted 40 minutes.
lab_uptime() {
	local u
	read -r u _ </proc/uptime
	echo "${u%.*}"
}

# lab_slow SECS: a bound as this kernel needs it.  The debug kernel
# (LAB_KERNEL=debug) does everything two to eight times as slowly (test
# bodies, guest boots, xl), so there every bound of the library, and each
# test's own (lab_test_timeout), is four times as long.
lab_slow() {
	if [ "${LAB_KERNEL:-debian}" = debug ]; then
		echo $(($1 * 4))
	else
		echo "$1"
	fi
}

# lab_poll: seconds between two looks of guest_start's wait.  Each look
# starts a tool in dom0, which shares its emulated CPU with the guest
# being waited for; on the debug kernel a xenstore-read costs about half a
# second of it and an xl call about two and a half (measured 2026-12-05),
# so there it looks once a second.
lab_poll() {
	if [ "${LAB_KERNEL:-debian}" = debug ]; then
		echo 1
	else
		echo 0.2
	fi
}

# Wait (bounded) until a shell condition holds: wait_for SECS CMD...
# SECS is seconds of dom0's clock, scaled by lab_slow.
wait_for() {
	local end

	end=$(($(lab_uptime) + $(lab_slow "$1")))
	shift
	until eval "$@"; do
		[ "$(lab_uptime)" -lt $end ] || return 1
		sleep 0.2
	done
}


# A test's bound: its "# lab-timeout: SECS" line (600 without one), four
# times as long on the debug kernel (lab_slow): test_hostile_01 ran past
# 900 s there, while its attacker guest was still booting.
lab_test_timeout() { # script
	local t
	t=$(sed -n 's/^# lab-timeout: *\([0-9]*\).*/\1/p' "$1" | head -1)
	lab_slow "${t:-600}"
}

# Where the vCPUs of guest domain ID are: registers and stack of each, by
# xenctx, named with the guest kernel's symbols when the image has them.
lab_guest_ctx() { # id
	local map=

	command -v xenctx >/dev/null || return 0
	[ -r /lab/domu/System.map ] && map="-s /lab/domu/System.map"
	echo "lab: | domain $1:"
	# Whole, into a file: xenctx pauses the domain while it reads it,
	# and one cut short by a closed pipe would leave it paused.
	# shellcheck disable=SC2086
	timeout 60 xenctx -C $map "$1" >/run/lab/ctx.txt 2>&1
	xl unpause "$1" 2>/dev/null
	# not "Call Trace:", which the host's scan takes for a kernel report
	head -60 /run/lab/ctx.txt |
		sed 's/Call Trace:/stack walk (xenctx):/; s/^/lab: |   /'
	rm -f /run/lab/ctx.txt
}

# A test that ran out of time was killed, but what it was waiting for
# is still there (its children outlive its shell): name it.  Processes
# but kernel threads, and the kernel stack of each one in D state, so
# that a hang in a driver shows where it waits; then the domains, and
# where the vCPUs of each guest are (xenctx, with the guest kernel's
# symbols when the image has them), for a guest that never came up.
lab_timeout_dump() { # test
	local p st d
	{
		echo "lab: $1 ran out of time; processes left:"
		ps -o pid,ppid,stat,args | awk '$4 !~ /^\[/' | tail -60 | cut -c1-200 |
			sed 's/^/lab: | /'
		for p in /proc/[0-9]*; do
			st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$p/status" 2>/dev/null)
			[ "$st" = D ] || continue
			echo "lab: | ${p#/proc/} ($(cat "$p/comm" 2>/dev/null)) waits in:"
			head -16 "$p/stack" 2>/dev/null | sed 's/^/lab: |   /'
		done
		xl list 2>&1 | sed 's/^/lab: | /'
		for d in $(xl list 2>/dev/null | awk 'NR > 2 { print $2 }'); do
			lab_guest_ctx "$d"
		done
	} >/dev/console 2>&1
}

# After a test ran out of time: end what it left behind, so that the next
# test starts as every test does.  The runner's timeout kills the test's
# shell only: its other processes (it runs as a process group of its own,
# PGRP) are ended here, and every domain but dom0 and the default guest
# is destroyed; the next test checks the default guest and brings it
# back if need be.
lab_timeout_reap() { # pgrp
	local p st d n=0

	for p in /proc/[0-9]*; do
		[ -n "$1" ] || break
		read -r st <"$p/stat" 2>/dev/null || continue
		# after "(comm) ": state, ppid, pgrp
		# shellcheck disable=SC2086
		set -- "$1" ${st##*) }
		[ "$4" = "$1" ] || continue
		kill -KILL "${p#/proc/}" 2>/dev/null && n=$((n + 1))
	done
	echo "lab: ended $n process(es) the test left" >/dev/console
	for d in $(xl list 2>/dev/null | awk 'NR > 1 { print $1 }'); do
		case "$d" in Domain-0 | "$LAB_DEFAULT_GUEST") continue ;; esac
		timeout 120 xl destroy "$d" 2>/dev/null
		lab_untail_console "$d"
		echo "lab: destroyed domain $d, left by the test" >/dev/console
	done
	# its console stream may have been one of them
	[ -n "$(domid "$LAB_DEFAULT_GUEST")" ] && lab_tail_console "$LAB_DEFAULT_GUEST"
	return 0
}

# Report the cases a test declared with lab_cases (see there).
lab_report_cases() { # test rc
	local c cur why

	[ -s /run/lab/cases ] || { rm -f /run/lab/case-fail; return 0; }
	cur=$(cat /run/lab/case-cur 2>/dev/null)
	why=$(head -c 300 /run/lab/case-fail 2>/dev/null)
	[ -n "$why" ] || why="exit $2"
	[ "$2" = 124 ] || [ "$2" = 137 ] && why="timeout"
	for c in $(cat /run/lab/cases); do
		case "$2" in
		0) lab_mark RESULT "$1/$c" PASS "verified by $1" ;;
		77) lab_mark RESULT "$1/$c" SKIP "$why" ;;
		*)
			if [ "$c" = "$cur" ]; then
				lab_mark RESULT "$1/$c" FAIL "$why"
			elif [ -z "$cur" ]; then
				lab_mark RESULT "$1/$c" FAIL "a check shared by every case failed: $why"
			else
				lab_mark RESULT "$1/$c" FAIL "not verified: $1 failed in case $cur"
			fi
			;;
		esac
	done
	rm -f /run/lab/cases /run/lab/case-cur /run/lab/case-fail
}

# Run every test named in LAB_TESTS: "name" for /lab/tests/name.sh,
# "domu:name" for a guest-side script /lab/guest/name run in the default guest.
lab_run_all() {
	local t rc s secs start

	for t in $LAB_TESTS; do
		lab_mark START "$t"
		if ! lab_ensure_default_guest; then
			lab_mark RESULT "$t" FAIL "default guest did not start"
			continue
		fi
		start=$(date +%s)
		case "$t" in
		kmemleak)
			# the debug kernel's leak scan, after every test
			(lab_kmemleak)
			rc=$?
			;;
		domu:*)
			s=/lab/guest/${t#domu:}
			secs=600	# the script lives in the guest image only
			guest_run -t "$secs" "$LAB_DEFAULT_GUEST" "sh $s"
			rc=$?
			;;
		*)
			s=/lab/tests/$t.sh
			secs=$(lab_test_timeout "$s")
			rm -f /run/lab/test.pgrp
			# a process group of its own, for lab_timeout_reap()
			# shellcheck disable=SC2016
			timeout -s KILL "$secs" setsid sh -c \
				'echo $$ >/run/lab/test.pgrp; exec sh "$0"' "$s"
			rc=$?
			if [ $rc = 137 ]; then
				lab_timeout_dump "$t"
				lab_timeout_reap "$(cat /run/lab/test.pgrp 2>/dev/null)"
			fi
			;;
		esac
		secs=$(($(date +%s) - start))
		lab_report_cases "$t" "$rc"
		case $rc in
		0) lab_mark RESULT "$t" PASS "${secs}s" ;;
		77) lab_mark RESULT "$t" SKIP "${secs}s" ;;
		124 | 137) lab_mark RESULT "$t" FAIL "timeout after ${secs}s" ;;
		*) lab_mark RESULT "$t" FAIL "exit $rc after ${secs}s" ;;
		esac
	done
}
