// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: a hostile backend's responses against the frontend's
 * response validation (include/xen-blkfront/validate.h, as compiled into
 * xen-blkfront).
 *
 * The harness keeps the frontend state that validation consults (shadow
 * entries with their in-flight request, the free list of ids, req_prod_pvt
 * and rsp_cons) and runs the same loop as blkfront_interrupt() in
 * drivers/block/xen-blkfront/ring.c: check the published producer with
 * xbf_rsp_prod_ok(), copy each response once, check it with
 * xbf_check_rsp(), translate its status with xbf_rsp_errno(), free the
 * slot.  Like the driver, the first violation breaks the ring for good.
 *
 * Input layout (missing bytes read as zero):
 *   u8   ring order (ring of 32 << min(order, 4) slots)
 *   u32  initial value of all ring indices (wrap-around is fair game)
 *   then commands, one u8 each followed by its arguments:
 *     0  submit: u8 op, u8 indirect op (frontend, if a slot is free)
 *     1  backend writes a response: u8 id form, id, u8 op, u16 status
 *     2  backend publishes: u8 form, [u32 producer]; frontend consumes
 *     3  backend answers the k-th request in flight correctly: u8 k,
 *        u16 status
 *
 * A model kept beside the frontend state, in 64-bit counts and per-request
 * sequence numbers, re-derives what must hold whenever validation accepts:
 * the id names a slot, that slot holds a request that is in flight and was
 * not answered before, the operation is the request's (or the one an
 * indirect request carried), and no more responses are taken than
 * requests were made.
 */
#include "fuzz.h"
#include <xen-blkfront/validate.h>

struct shadow {
	bool inflight;		/* the driver's s->rq != NULL */
	u8 op;
	u8 indirect_op;
	u32 next_free;
};

struct rsp {
	u64 id;
	u8 op;
	s16 status;
};

struct front {
	u32 ring_size;
	struct shadow *shadow;	/* ring_size entries, as kvcalloc'd */
	struct rsp *sring;	/* the shared response slots */
	u32 shadow_free;
	u32 req_prod_pvt;
	u32 rsp_cons;
	u32 rsp_prod;		/* shared: written by the backend */
	bool broken;
};

/* The harness's own bookkeeping, never consulted by the code under test. */
struct model {
	u64 produced;
	u64 consumed;
	u64 answered;
	u64 nr_seq;
	u64 *seq_of_id;		/* 0: nothing in flight on that id */
	u8 *op_of_seq;
	u8 *iop_of_seq;
	bool *done;
};

static const u8 ops[] = { 0, 1, 2, 3, 5, 6 };

static void submit(struct front *fr, struct model *m, u8 op, u8 iop)
{
	u32 id;

	if (fr->ring_size - (fr->req_prod_pvt - fr->rsp_cons) == 0 ||
	    fr->shadow_free >= fr->ring_size)
		return;
	id = fr->shadow_free;
	fr->shadow_free = fr->shadow[id].next_free;
	fr->shadow[id].inflight = true;
	fr->shadow[id].op = op;
	fr->shadow[id].indirect_op = iop;
	fr->req_prod_pvt++;

	ORACLE(m->seq_of_id[id] == 0);
	m->produced++;
	m->nr_seq++;
	m->seq_of_id[id] = m->nr_seq;
	m->op_of_seq[m->nr_seq] = op;
	m->iop_of_seq[m->nr_seq] = iop;
}

static bool ref_rsp_ok(const struct model *m, u32 ring_size,
		       const struct rsp *r)
{
	u64 seq;

	if (r->id >= ring_size)
		return false;
	seq = m->seq_of_id[r->id];
	if (!seq)
		return false;
	return r->op == m->op_of_seq[seq] ||
	       (m->op_of_seq[seq] == 6 && r->op == m->iop_of_seq[seq]);
}

/* One response, as blkfront_handle_rsp(); false breaks the ring. */
static bool handle_rsp(struct front *fr, struct model *m, const struct rsp *r)
{
	enum xbf_rsp_verdict v;
	struct shadow *s = NULL;
	bool ref_ok = ref_rsp_ok(m, fr->ring_size, r);
	u64 seq;
	int err;

	if (r->id < fr->ring_size) {
		s = &fr->shadow[r->id];
		v = xbf_check_rsp(r->id, fr->ring_size, s->inflight, s->op,
				  s->indirect_op, r->op);
	} else {
		v = xbf_check_rsp(r->id, fr->ring_size, false, 0, 0, r->op);
	}
	FZ_TRACE("rsp id %llu op %u status %d: verdict %d\n",
		 (unsigned long long)r->id, r->op, r->status, v);
	if (v != XBF_RSP_VALID) {
		ORACLE(v == XBF_RSP_BAD_ID || v == XBF_RSP_NOT_INFLIGHT ||
		       v == XBF_RSP_BAD_OP);
		ORACLE((v == XBF_RSP_BAD_ID) == (r->id >= fr->ring_size));
		ORACLE(!ref_ok);
		return false;
	}

	/* Accepted: re-derive everything from the model. */
	ORACLE(r->id < fr->ring_size);
	seq = m->seq_of_id[r->id];
	ORACLE(seq != 0 && seq <= m->nr_seq);
	ORACLE(!m->done[seq]);
	ORACLE(r->op == m->op_of_seq[seq] ||
	       (m->op_of_seq[seq] == 6 && r->op == m->iop_of_seq[seq]));
	ORACLE(ref_ok);
	m->done[seq] = true;
	m->seq_of_id[r->id] = 0;
	m->answered++;
	ORACLE(m->answered <= m->nr_seq);

	err = xbf_rsp_errno(r->status);
	ORACLE(err == 0 || err == -EOPNOTSUPP || err == -EIO);
	ORACLE((err == 0) == (r->status == 0));
	ORACLE((err == -EOPNOTSUPP) == (r->status == -2));

	/* blkfront_release_slot(): the id goes back on the free list. */
	s->inflight = false;
	s->next_free = fr->shadow_free;
	fr->shadow_free = r->id;
	return true;
}

/* blkfront_interrupt(), minus locking and the block layer. */
static void consume(struct front *fr, struct model *m)
{
	u32 rp = fr->rsp_prod, i, fresh = rp - fr->rsp_cons;
	u64 outstanding = m->produced - m->consumed;
	bool ok;

	ok = xbf_rsp_prod_ok(rp, fr->rsp_cons, fr->req_prod_pvt, fr->ring_size);
	FZ_TRACE("prod %u cons %u: %s\n", rp, fr->rsp_cons, ok ? "ok" : "bogus");
	if (ok) {
		ORACLE(outstanding <= fr->ring_size);
		ORACLE(m->consumed + fresh <= m->produced);
	}
	ORACLE(ok == (fresh <= outstanding));
	if (!ok) {
		fr->broken = true;
		return;
	}
	for (i = fr->rsp_cons; i != rp; i++) {
		struct rsp r = fr->sring[i & (fr->ring_size - 1)];

		fr->rsp_cons = i + 1;
		m->consumed++;
		if (!handle_rsp(fr, m, &r)) {
			fr->broken = true;
			return;
		}
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	struct front fr;
	struct model m;
	u32 bprod, i, start;
	u8 order;

	order = fz_u8(&f) % 5;
	start = fz_u32(&f);

	memset(&fr, 0, sizeof(fr));
	memset(&m, 0, sizeof(m));
	fr.ring_size = 32U << order;
	fr.shadow = calloc(fr.ring_size, sizeof(*fr.shadow));
	fr.sring = calloc(fr.ring_size, sizeof(*fr.sring));
	m.seq_of_id = calloc(fr.ring_size, sizeof(*m.seq_of_id));
	/* At most one submission per input byte. */
	m.op_of_seq = calloc(size + 2, 1);
	m.iop_of_seq = calloc(size + 2, 1);
	m.done = calloc(size + 2, sizeof(*m.done));
	if (!fr.shadow || !fr.sring || !m.seq_of_id || !m.op_of_seq ||
	    !m.iop_of_seq || !m.done)
		goto out;
	for (i = 0; i < fr.ring_size; i++)
		fr.shadow[i].next_free = i + 1;
	fr.req_prod_pvt = start;
	fr.rsp_cons = start;
	fr.rsp_prod = start;
	bprod = start;

	while (f.left && !fr.broken) {
		u8 cmd = fz_u8(&f) % 4, form, k;
		struct rsp *r;

		switch (cmd) {
		case 0: {
			u8 op = fz_u8(&f);
			u8 iop = fz_u8(&f);

			/* Mostly what the driver sends, sometimes anything. */
			if (op & 0x80)
				op &= 0x7f;
			else
				op = ops[op % ARRAY_SIZE(ops)];
			submit(&fr, &m, op, iop & 1);
			break;
		}
		case 1:
			r = &fr.sring[bprod++ & (fr.ring_size - 1)];
			form = fz_u8(&f);
			if (form & 1)
				r->id = fz_u64(&f);
			else
				r->id = fz_u8(&f);
			r->op = fz_u8(&f);
			r->status = (s16)fz_u16(&f);
			break;
		case 2:
			form = fz_u8(&f);
			fr.rsp_prod = (form & 1) ? fz_u32(&f) : bprod;
			consume(&fr, &m);
			break;
		case 3:
			k = fz_u8(&f);
			r = &fr.sring[bprod++ & (fr.ring_size - 1)];
			r->id = ~0ULL;
			r->op = 0;
			r->status = (s16)fz_u16(&f);
			for (i = 0; i < fr.ring_size; i++) {
				u32 id = (i + k) % fr.ring_size;

				if (fr.shadow[id].inflight) {
					r->id = id;
					r->op = fr.shadow[id].op;
					break;
				}
			}
			break;
		}
	}

out:
	free(m.done);
	free(m.iop_of_seq);
	free(m.op_of_seq);
	free(m.seq_of_id);
	free(fr.sring);
	free(fr.shadow);
	return 0;
}
