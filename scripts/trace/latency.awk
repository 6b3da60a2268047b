# SPDX-License-Identifier: GPL-2.0
#
# Per-stage latency of xen-blkfront and xen-blkback requests from the
# xen_blk trace events (Documentation/xen-blkfront.rst, "Tracing", and
# Documentation/xen-blkback.rst):
#
#   awk -f scripts/trace/latency.awk [-v op=read] [-v bar=US] TRACE...
#
# TRACE is the text of /sys/kernel/tracing/trace or trace_pipe, of a guest
# (frontend events) or of dom0 (backend events), any number of each.  The
# clocks of dom0 and of the guests are unrelated: every interval is taken
# between two events of one file, so one domain.  Stages:
#
#   front queue->submit     ->queue_rq took the request .. its first ring
#                           slot was filled (by blk-mq tag; a request put
#                           back and handed over again counts from then)
#   front submit->complete  slot filled .. its response handled (by slot id)
#   back fetch->submit      request off the ring .. its bios submitted
#   back submit->end_io     bios submitted .. the last of them completed
#   back end_io->respond    last bio completed .. response pushed
#   back fetch->respond     the whole request in the backend
#
# With -v op=read (or write) only requests of that operation count (a
# frontend request by the op of its queue event, a backend request by the
# op of its submit event).  Prints, per stage, the number of requests and
# the median and 90th percentile in microseconds (nearest rank), and the
# median as a bar of one # per US microseconds (bar, default 50).  POSIX awk:
# runs with busybox awk in the lab as well as with gawk or mawk.

function us(ts)
{
	sub(/:$/, "", ts)
	return ts * 1000000
}

function add(stage, v)
{
	cnt[stage]++
	val[stage, cnt[stage]] = v
}

function qsort(a, lo, hi,	i, last, t)
{
	if (lo >= hi)
		return
	t = a[lo]; a[lo] = a[int((lo + hi) / 2)]; a[int((lo + hi) / 2)] = t
	last = lo
	for (i = lo + 1; i <= hi; i++)
		if (a[i] < a[lo]) {
			last++
			t = a[last]; a[last] = a[i]; a[i] = t
		}
	t = a[lo]; a[lo] = a[last]; a[last] = t
	qsort(a, lo, last - 1)
	qsort(a, last + 1, hi)
}

function rank(a, n, p,	r)
{
	r = int(n * p)
	if (r < n * p)
		r++
	return a[r < 1 ? 1 : r]
}

# A request's key: in the guest, its disk, queue and blk-mq tag (from
# queue to submit) or ring id (from submit to complete); in dom0, its
# domain, disk, ring and id.  The file name keeps domains apart.
function fkey(which)
{
	return FILENAME " " f["vdev"] " " f["q"] " " f[which]
}

function bkey()
{
	return FILENAME " " f["dom"] " " f["dev"] " " f["q"] " " f["id"]
}

# A request that was stamped in STAMP reached the next stage: count the
# time since (if COUNTS) under STAGE, and forget the stamp.
function lap(stage, stamp, k, counts)
{
	if (!(k in stamp))
		return
	if (counts)
		add(stage, t - stamp[k])
	delete stamp[k]
}

# Each file is one domain: nothing is carried from one to the next.
FNR == 1 {
	split("", qt); split("", qop); split("", st); split("", sok)
	split("", ft); split("", bt); split("", et)
}

{
	for (i = 1; i <= NF; i++)
		if ($i ~ /^xen_blk[a-z_]*:$/)
			break
	if (i > NF || i < 2)
		next
	t = us($(i - 1))
	ev = substr($i, 1, length($i) - 1)
	split("", f)
	for (j = i + 1; j <= NF; j++)
		if (split($j, kv, "=") == 2)
			f[kv[1]] = kv[2]
	wanted = (op == "") || (f["op"] == op)
}

ev == "xen_blkfront_queue" {
	k = fkey("tag")
	qt[k] = t
	qop[k] = wanted
	next
}

ev == "xen_blkfront_submit" {
	k = fkey("tag")
	ok = (k in qop) ? qop[k] : (op == "")
	lap("front queue->submit", qt, k, ok)
	k = fkey("id")
	st[k] = t
	sok[k] = ok
	next
}

ev == "xen_blkfront_complete" {
	k = fkey("id")
	lap("front submit->complete", st, k, sok[k])
	delete sok[k]
	next
}

ev == "xen_blkback_fetch" {
	k = bkey()
	ft[k] = t
	delete bt[k]
	delete et[k]
	next
}

ev == "xen_blkback_submit" {
	k = bkey()
	if (!wanted) {
		delete ft[k]
		next
	}
	if (k in ft)
		add("back fetch->submit", t - ft[k])
	bt[k] = t
	next
}

ev == "xen_blkback_end_io" {
	k = bkey()
	et[k] = t
	next
}

ev == "xen_blkback_respond" {
	k = bkey()
	if (k in bt) {
		if (k in et) {
			add("back submit->end_io", et[k] - bt[k])
			add("back end_io->respond", t - et[k])
		}
		if (k in ft)
			add("back fetch->respond", t - ft[k])
	}
	delete ft[k]
	delete bt[k]
	delete et[k]
	next
}

END {
	n = split("front queue->submit,front submit->complete," \
		  "back fetch->submit,back submit->end_io," \
		  "back end_io->respond,back fetch->respond", order, ",")
	# the picture: one # per "bar" microseconds of median (-v bar=N)
	if (bar <= 0)
		bar = 50
	printf "%-24s %8s %12s %12s  median, # = %d us\n", "stage", "n",
	       "median_us", "p90_us", bar
	for (s = 1; s <= n; s++) {
		stage = order[s]
		m = cnt[stage] + 0
		if (!m)
			continue
		split("", a)
		for (i = 1; i <= m; i++)
			a[i] = val[stage, i]
		qsort(a, 1, m)
		med = rank(a, m, 0.5)
		hashes = ""
		for (i = 1; i <= int(med / bar + 0.5) && i <= 200; i++)
			hashes = hashes "#"
		printf "%-24s %8d %12.1f %12.1f  |%s\n", stage, m,
		       med, rank(a, m, 0.9), hashes
	}
}
