#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 900
#
# Hostile frontend: grants and request ids, one attack per disk:
# xvdb  indirect requests with more segments than advertised (256) or than
#       8 indirect pages hold, or none; indirect or data pages the backend
#       was never granted (revoked, granted to another domain, a bogus
#       reference); malformed descriptors inside an indirect page: errors,
#       while valid indirect requests work;
# xvdc  the same grant in flight twice: with persistent grants the second
#       use is refused (error), never mapped twice; the same grant twice in
#       one request is served; twenty requests on one grant all answered.
#       This disk is a null_blk that completes after 200 ms: the backend
#       answers a request as soon as its I/O completes, and on a disk that
#       completes within submit_bio (brd) the first request would be over
#       before the second is even read, so nothing would be in flight twice;
# xvdd  reused request ids: eight requests in flight with one id, 24 reusing
#       the id of a request in flight, id 2^64-1: each answered with its id.
. /lab/tests/test_common.sh

hf_need_ours
lab_cases indirect_and_foreign_grants gref_twice_in_flight reused_ids
hf_begin grants
hf_nullb irqmode=2 completion_nsec=200000000
hf_attack indirect,dupgref,ids "" phy:/dev/ram1,xvdb,w phy:/dev/nullb0,xvdc,w \
	phy:/dev/ram3,xvdd,w
hf_report 90
lab_case indirect_and_foreign_grants
hf_expect b.good=ok b.ind32=ok b.ind256=ok b.ind257=err b.ind4096=err \
	b.ind4097=err b.ind65535=err b.ind0=err b.deadind=err b.otherind=err \
	b.badrefind=err b.deadseg=err b.otherseg=err b.badrefseg=err \
	b.indsect=err b.indorder=err b.deaddirect=err b.otherdirect=err b.after=ok
lab_case gref_twice_in_flight
hf_expect c.good=ok c.first=ok c.second=err c.samereq=ok c.wsame=ok \
	c.rsame=err c.many=20/20 c.after=ok
lab_case reused_ids
hf_expect d.good=ok d.dup=8/8 d.dup=ok d.maxid=echoed d.reuse=24/24 d.after=ok
lab_case indirect_and_foreign_grants
hf_expect_msg "malformed request" 30
hf_expect_msg "mapping grant" 40
lab_case gref_twice_in_flight
hf_expect_msg "already in use" 30
lab_case
hf_end
hf_nullb_done
