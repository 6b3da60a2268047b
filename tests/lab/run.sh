#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab: boot Xen 4.17 and a Debian PV dom0 in QEMU (TCG), start PV
# guests, run the e2e tests inside dom0 and the guests, and report.
#
# Prints one line per test and last "N passed, N failed"; exits non-zero if
# anything failed or did not run.  Every wait is bounded and QEMU is always
# stopped.  `make lab` calls this; `tests/lab/run.sh --help` lists the
# options.
#
# The steps live in tests/lab/host/, one file each:
#   options.sh  parse the command line
#   build.sh    the kernels to boot, our modules and the rogue peers
#   stage.sh    which tests, and the dom0 and guest images
#   boot.sh     QEMU, watched until dom0 is done
#   tally.sh    one line per test from the console, and the count
# What runs inside the lab is in tests/lab/rootfs/ (each domain's /init),
# tests/lab/dom0/ (the library tests source), tests/lab/e2e/ (the tests)
# and tests/lab/guest/ (scripts run in the guests).
set -uo pipefail

wing=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$wing/../.." && pwd)
host=$wing/host
for step in options build stage boot tally; do
	# shellcheck source=/dev/null
	. "$host/$step.sh"
done

lab_parse "$@"

lab_kernels
mkdir -p "$labdir"
bdir=$labdir/build-$$
run= qpid=
cleanup() {
	lab_stop_qemu
	rm -rf "$bdir"
	[ -n "$run" ] || return 0
	rm -f "$run"/*.cpio "$run/xen"
	if [ "$keep" = 0 ] && [ "${lab_ok:-0}" = 1 ]; then
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_build_ours
lab_base_images
lab_select
[ -n "$rogue" ] && lab_build_rogue

run=$(mktemp -d "$labdir/run-XXXXXX")
lab_stage
lab_boot
lab_watch
lab_tally

if [ "$failn" -eq 0 ] && [ -z "$why" ]; then
	lab_ok=1
	exit 0
fi
keep=1
exit 1
