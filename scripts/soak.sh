#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make soak: one lab boot running tests/lab/soak/soak.sh in dom0 (see its
# header for the phases and what is checked after each), then a summary.
#
#   scripts/soak.sh [run.sh options...]    (make soak passes LAB_KERNEL,
#                                           FRONT and BACK through)
#
# Every SOAK_* variable of the environment reaches the dom0 script as a
# shell assignment after its header: SOAK_SAVES (50), SOAK_ATTACH (100),
# SOAK_FLIPS (20), SOAK_RELOADS (20), SOAK_PHASES ("save attach flip
# reload").  Results: build/soak/<UTC time>/ with lab.log (the lab's
# result lines), soak.txt (the SOAK lines: one per phase, its numbers) and
# console.txt; build/soak/latest points at the newest.  Exit status: the
# lab's (non-zero if any phase failed).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
script=$top/tests/lab/soak/soak.sh
stamp=$(date -u +%Y%m%d-%H%M%S)
res=$top/build/soak/$stamp
mkdir -p "$res"
ln -sfn "$stamp" "$top/build/soak/latest"

secs=$(sed -n 's/^# lab-timeout: *\([0-9]*\).*/\1/p' "$script" | head -1)
stage=$res/soak.sh
{
	sed -n '1,/^# lab-timeout:/p' "$script"
	env | grep -E '^SOAK_[A-Z0-9_]*=' | while IFS='=' read -r k v; do
		printf "%s='%s'\n" "$k" "$(printf '%s' "$v" | sed "s/'/'\\\\''/g")"
	done
	sed '1,/^# lab-timeout:/d' "$script"
} >"$stage"

start=$(date +%s)
echo "soak: results in $res"
"$top/tests/lab/run.sh" --tests none --extra-dom0 "$stage" --out "$res/out.txt" \
	--timeout $((secs + 600)) --keep "$@" 2>&1 | tee "$res/lab.log"
rc=${PIPESTATUS[0]}
run=$(sed -n 's/^lab: console log: \(.*\)\/serial.log$/\1/p' "$res/lab.log" | tail -1)
if [ -n "$run" ] && [ -d "$run" ]; then
	cp "$run/console.txt" "$res/console.txt" 2>/dev/null
	[ "$rc" = 0 ] && rm -rf "$run"
fi
touch "$res/out.txt"
sed -n 's/^SOAK //p' "$res/out.txt" >"$res/soak.txt"
echo "soak: $(git -C "$top" describe --always --dirty 2>/dev/null), $(($(date +%s) - start))s, lab exit $rc"
sed 's/^/soak: /' "$res/soak.txt"
exit "$rc"
