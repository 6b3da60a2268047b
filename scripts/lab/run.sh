#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab moved to tests/lab/ (see Documentation/xen-blk-testing.rst);
# this old path still runs it, with the same options.
exec "$(dirname "$0")/../../tests/lab/run.sh" "$@"
