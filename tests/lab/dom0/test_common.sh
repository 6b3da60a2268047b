# SPDX-License-Identifier: GPL-2.0
#
# The dom0 test library: every lab test sources this file, in dom0, as
#
#	. /lab/tests/test_common.sh
#
# and /init sources it too.  It reads the run's /lab/config and the
# library's parts, one file per role, installed in /lab/lib:
#
#	lab.sh      results, logging, cases, wait_for and the test runner
#	guest.sh    guests: start, stop, run commands, consoles, fio
#	backend.sh  the backend: the one loader, parameters, live update
#	rogue.sh    the hostile suite's rogue backend and rogue frontend
#
# A test is a shell script run in dom0 with a bounded time.  Exit 0 passes,
# 77 skips, anything else fails.  The lab keeps one guest "domu" running with
# /dev/ram0 as its xvda and the chosen frontend loaded; a test may change
# that, and the harness brings it back before the next test.
#
# Results reach the host only as lines "@@<nonce>@@ RESULT ..." written by
# dom0 itself; the nonce is on dom0's command line, which no guest can read,
# so guest console output can never fake a pass.

[ -n "${LAB_NONCE:-}" ] || . /lab/config

LAB_DEFAULT_GUEST=domu
LAB_READY_TIMEOUT=${LAB_READY_TIMEOUT:-150}

for lab_part in lab guest backend rogue debug; do
	. "/lab/lib/$lab_part.sh"
done
unset lab_part
