# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# A bounded pool of background jobs for bash scripts, sourced (not run):
#
#   . "$top/scripts/lib/jobs.sh"
#   jobs_limit "$n"              # at most N commands in flight
#   for x in ...; do
#           jobs_spawn cmd "$x"  # in the background; blocks while N run
#   done
#   jobs_wait                    # every spawned command has ended
#
# A command is any simple command, a shell function included; it runs in a
# subshell, so it reports its result through files, not variables.  Exit
# statuses are not collected here.  A limit of 0 or less runs one command
# at a time.

jobs_max=1
jobs_running=0

jobs_limit() { # n
	jobs_max=$1
	jobs_running=0
}

jobs_spawn() { # command [args...]
	"$@" &
	jobs_running=$((jobs_running + 1))
	if [ "$jobs_running" -ge "$jobs_max" ]; then
		wait -n
		jobs_running=$((jobs_running - 1))
	fi
}

jobs_wait() {
	wait
	# bash's wait leaves ended jobs in the job table, and a later wait -n
	# would return for one of them at once; take them all out, so that a
	# second round of jobs_spawn in the same shell keeps its limit.
	while wait -n 2>/dev/null || [ $? -ne 127 ]; do
		:
	done
	jobs_running=0
}
