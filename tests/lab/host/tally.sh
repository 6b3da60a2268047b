# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run.sh, step 5: read the console and print one line per test
# and last "N passed, N failed".  A test fails if it said so, never
# reported, or an oops, BUG, WARN, panic, hung task or a debug kernel's
# report appeared in dom0 or a guest while it ran.  Sets failn.

# Every line dom0 reported with lab_out, without the marker.
lab_out_lines() {
	awk -v n="@@$nonce@@ OUT " 'index($0, n) { print substr($0, index($0, n) + length(n)) }' \
		"$run/console.txt"
}

# The test's own output, for the reader of a failure.
show_output() { # test
	awk -v n="@@$nonce@@" -v t="$1" '
		index($0, n " START " t " ") || $0 ~ (n " START " t "$") { on = 1; next }
		on && index($0, n " RESULT ") { exit }
		on { print "    | " $0 }' "$run/console.txt" | tail -40
}

# count VERDICT NAME INFO: one result line, counted.
count() {
	case "$1" in
	PASS) pass=$((pass + 1)) ;;
	SKIP) skipn=$((skipn + 1)) ;;
	*) failn=$((failn + 1)) ;;
	esac
	echo "$1 $2 ($3)"
}

# A test that declared cases (lab_cases) counts as its cases, under its
# own verdict: a case cannot pass in a test that failed.
tally_cases() { # test verdict info
	local sn sst sinfo

	while read -r sn sst sinfo; do
		if [ "$sst" = PASS ] && [ "$2" != PASS ]; then
			sst=FAIL
			sinfo="$1: ${3:-did not finish${why:+: $why}}"
		fi
		case "$sst" in PASS | SKIP) ;; *) sst=FAIL ;; esac
		count "$sst" "$sn" "$sinfo"
	done
}

lab_tally() {
	local bad_re t line st info oops subs outside

	pass=0 failn=0 skipn=0
	tr -d '\r' <"$run/serial.log" >"$run/console.txt"
	# (the debug kernel adds SLUB's "BUG <cache> (...)" reports and
	# kmemleak's "unreferenced object"; its KFENCE, lockdep, ODEBUG and
	# sleep-in-atomic reports are BUG: or WARNING: lines with a trace)
	bad_re='Oops|BUG:|WARNING:|Kernel panic|general protection fault|blocked for more than|Call Trace:|Panic on CPU|BUG [^ :]+ [(]|unreferenced object'
	awk -v n="@@$nonce@@" -v re="$bad_re" '
		index($0, n " START ") { cur = $3; next }
		index($0, n " RESULT ") { cur = ""; next }
		# one line per test: "\\n" stays a literal backslash-n for echo -e
		$0 ~ re { k = cur == "" ? "(outside tests)" : cur; gsub(/\t/, " "); bad[k] = bad[k] "\\n    " $0 }
		END { for (t in bad) printf "%s\t%s\n", t, substr(bad[t], 1, 2000) }
	' "$run/console.txt" >"$run/bad.txt"

	if [ "$demo" = 1 ]; then
		# dom0's OUT lines, and what the guest printed of fio and blkfront
		awk -v n="@@$nonce@@ OUT " '
			index($0, n) { print substr($0, index($0, n) + length(n)); next }
			/^\[domu\] fio / || /^\[domu\] .*blkfront/ { print "  guest: " substr($0, 8) }
		' "$run/console.txt"
	fi
	[ -n "$outfile" ] && lab_out_lines >"$outfile"
	for t in $names; do
		line=$(grep -a "@@$nonce@@ RESULT $t " "$run/console.txt" | tail -1)
		st=$(echo "$line" | awk '{print $4}')
		info=$(echo "$line" | cut -d' ' -f5-)
		oops=$(awk -F'\t' -v t="$t" '$1 == t {print $2}' "$run/bad.txt")
		if [ -n "$oops" ] && [ "$st" != FAIL ]; then
			st=FAIL
			info="kernel reported a problem:$(echo -e "$oops")"
		fi
		subs=$(grep -a "@@$nonce@@ RESULT $t/" "$run/console.txt" |
		       sed "s/.*@@$nonce@@ RESULT //")
		if [ -n "$subs" ]; then
			tally_cases "$t" "$st" "$info" <<<"$subs"
		else
			case "$st" in
			PASS | SKIP | FAIL) count "$st" "$t" "$info" ;;
			*) count FAIL "$t" "did not run${why:+: $why}" ;;
			esac
		fi
		case "$st" in PASS | SKIP) ;; *) show_output "$t" ;; esac
	done
	outside=$(awk -F'\t' '$1 == "(outside tests)" {print $2}' "$run/bad.txt")
	if [ -n "$outside" ]; then
		failn=$((failn + 1))
		echo "FAIL lab (kernel reported a problem outside any test):$(echo -e "$outside")"
	fi
	if [ -n "$why" ]; then
		echo "lab: run stopped: $why; last console lines:"
		tail -25 "$run/console.txt" | sed 's/^/    | /'
	fi
	# run.sh removes the run's directory after a clean run without --keep
	if [ "$keep" = 1 ] || [ "$failn" -gt 0 ] || [ -n "$why" ]; then
		echo "lab: QEMU ran ${wall}s; console log kept in $run/console.txt"
	else
		echo "lab: QEMU ran ${wall}s; every test passed, console log removed (--keep keeps it)"
	fi
	[ "$skipn" -gt 0 ] && echo "lab: $skipn skipped"
	echo "$pass passed, $failn failed"
}
