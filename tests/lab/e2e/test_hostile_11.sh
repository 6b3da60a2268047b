#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# Hostile frontend: one disk's flood cannot silence another disk.  xvdb
# sends bad operations, then 200 more in a row (scenario badop); three
# seconds after it started, xvdc sends one bad operation of its own
# (scenario late).  The backend's messages are ratelimited per device:
# xvdb's are cut to a handful, and xvdc's one message is printed.
. /lab/tests/test_common.sh

hf_need_ours
hf_begin late
hf_attack badop,late "" phy:/dev/ram1,xvdb,w phy:/dev/ram2,xvdc,w
hf_report 90
hf_expect b.good=ok b.flood=200/200 b.after=ok c.good=ok c.late=eop c.after=ok
nb=$(hf_kmsg | grep "vbd-$HF_ID-51728" | grep -c 'op ')
nc=$(hf_kmsg | grep "vbd-$HF_ID-51744" | grep -c 'op 4 ')
log "messages about bad requests: xvdb $nb, xvdc $nc"
[ "$nc" -ge 1 ] || fail "xvdc's bad request was not reported: xvdb's flood silenced it"
[ "$nb" -le 20 ] || fail "xvdb's flood printed $nb messages: not ratelimited"
hf_end
