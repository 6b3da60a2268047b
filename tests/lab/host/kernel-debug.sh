#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find current) the debug kernel of make check-debug and of
# run.sh --kernel debug: kernel.sh with debug.config and the patches below,
# in the order given.  The one list of them, for every caller.
#
#   kernel-debug.sh OUTDIR
#
# debug-gntdev.patch, debug-rcu-tasks.patch, debug-gnttab-onstack.patch
# and debug-xenbus-translock.patch each say in their header what they fix
# and which test found it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
exec "$here/kernel.sh" "${1:?usage: kernel-debug.sh OUTDIR}" debug.config \
	debug-gntdev.patch debug-rcu-tasks.patch debug-gnttab-onstack.patch \
	debug-xenbus-translock.patch
