#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Ten reloads of the lab's backend under verified fio.  While no backend is
# loaded, Xen's grant table dump (debug key 'g', read back with xl dmesg)
# must show the guest's grant table with the same number of mapped entries
# every time, the baseline of the mappings other than the disk's
# (xenconsoled, xenstored): the backend left nothing mapped.
. /lab/tests/test_common.sh

g=$LAB_DEFAULT_GUEST
id=$(domid $g)
mod=$(lu_module "$LAB_BACK")
out=/run/lab/lu-grants

# The method sees the backend's mappings: with persistent grants dropped
# (so that the dump stays short), our backend still maps the rings, more
# than the baseline found below.
loaded=
if [ "$LAB_BACK" = ours ]; then
	back_param max_persistent_grants 0
	sleep 1
	loaded=$(lu_guest_grants "$id")
	log "with the backend loaded and idle, domain $id has $loaded grant(s) mapped"
	case "$loaded" in
	'' | *[!0-9]*) fail "no grant table of d$id in Xen's dump ('$loaded')" ;;
	esac
fi

lu_fio_start
lu_fio_progress 120
base=
for c in 1 2 3 4 5 6 7 8 9 10; do
	rm -f $out
	lu_swap --exec-unloaded ". /lab/tests/test_common.sh; lu_guest_grants $id >$out" "$mod"
	n=$(cat $out 2>/dev/null)
	log "cycle $c: domain $id has ${n:-?} grant(s) mapped while no backend is loaded"
	case "$n" in
	'' | *[!0-9]*) fail "cycle $c: no grant table of d$id in Xen's dump ('$n')" ;;
	esac
	if [ -z "$base" ]; then
		base=$n
		[ -z "$loaded" ] || [ "$loaded" -gt "$base" ] ||
			fail "Xen's dump shows no more grants mapped with the backend loaded ($loaded) than without ($base)"
	fi
	[ "$n" = "$base" ] || fail "cycle $c: $n grants mapped while unloaded, baseline $base"
	[ "$n" -le 4 ] || fail "cycle $c: $n grants mapped with no backend loaded"
	# Every other cycle, wait for a round: I/O still flows.
	if [ $((c % 2)) = 0 ]; then
		lu_fio_progress 120
		sleep 1
	fi
done
lu_fio_stop
