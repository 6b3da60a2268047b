#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: attacks on the shared ring (4-page rings):
# xvdb  ring overflow: a producer index 100 rings ahead of the consumer halts
#       that ring with exactly one message naming the device; a hundred more
#       kicks neither wake it nor log again; it is torn down cleanly;
# xvdc  double fetch: each request (opcode, segment count, sector, segment
#       bounds and grant, indirect descriptors) is rewritten continuously
#       while the backend reads it: every one is answered exactly once with
#       ok or an error, and the ring keeps working.
. /lab/tests/test_common.sh

hf_need_ours
lab_cases ring_overflow double_fetch
hf_begin ring
hf_attack overflow,doublefetch "ring_order=2 storm_ms=6000" \
	phy:/dev/ram1,xvdb,w phy:/dev/ram2,xvdc,w
hf_report 90
lab_case ring_overflow
hf_expect b.good=ok b.ring=128 b.answers_after=0
lab_case double_fetch
hf_expect c.good=ok c.after=ok
a=$(hf_value c.answered)
[ -n "$a" ] || fail "no double-fetch count"
[ "${a%/*}" = "${a#*/}" ] || fail "requests not all answered: $a"
[ "${a%/*}" -ge 10 ] || fail "too few racing requests ($a)"
[ $(($(hf_value c.race_ok) + $(hf_value c.race_err))) = "${a%/*}" ] ||
	fail "answers do not add up"
lab_case ring_overflow
hf_expect_msg "bogus request producer" 1
lab_case
hf_end
