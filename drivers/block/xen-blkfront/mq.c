// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: blk-mq operations and the translation of block requests
 * into ring requests.
 */

#include <linux/highmem.h>
#include <xen/events.h>
#include <xen/page.h>

#include "blkfront.h"
#include "trace.h"

static struct blkfront_seg *blkfront_cmd_segs(struct blkfront_cmd *cmd)
{
	return (struct blkfront_seg *)(cmd + 1);
}

/*
 * The request's data as runs of bytes within one guest page each: the
 * segments the block layer counted for our limits (a segment never
 * crosses a page), found without blk_rq_map_sg(), whose scatterlist
 * and checks for machine-contiguous pages we have no use for.  A bio
 * vector may span several pages; each page of it starts a run, except
 * that a piece continuing the previous run in the same page extends it.
 * Returns the number of runs, or 0 if there are more than @max.
 */
static unsigned int blkfront_map_segs(struct request *rq,
				      struct blkfront_seg *segs,
				      unsigned int max)
{
	struct blkfront_seg *run = NULL;
	struct req_iterator iter;
	unsigned int n = 0;
	struct bio_vec bv;

	rq_for_each_bvec(bv, rq, iter) {
		struct page *page = nth_page(bv.bv_page,
					     bv.bv_offset >> PAGE_SHIFT);
		unsigned int off = offset_in_page(bv.bv_offset);
		unsigned int left = bv.bv_len, len;

		while (left) {
			len = min_t(unsigned int, left, PAGE_SIZE - off);
			if (run && page == run->page &&
			    off == run->off + run->len) {
				run->len += len;
			} else {
				if (n == max)
					return 0;
				run = &segs[n++];
				run->page = page;
				run->off = off;
				run->len = len;
			}
			left -= len;
			page = nth_page(page, 1);
			off = 0;
		}
	}
	return n;
}

/**
 * blkfront_kick_queues() - rerun hardware queues stopped for lack of room
 * @info: device
 *
 * Context: any context.
 */
void blkfront_kick_queues(struct blkfront_info *info)
{
	if (info->gd)
		blk_mq_start_stopped_hw_queues(info->gd->queue, true);
}

/**
 * blkfront_restart_work() - grant references are available again
 * @work: ring->restart_work
 *
 * Context: workqueue; takes the ring lock.
 */
void blkfront_restart_work(struct work_struct *work)
{
	struct blkfront_ring *ring = container_of(work, struct blkfront_ring,
						  restart_work);

	/*
	 * ->queue_rq asks for the callback and stops its queue in one hold
	 * of the ring lock, and the callback can run on another CPU at once:
	 * a restart outside the lock could come between the two and find
	 * nothing stopped, leaving the queue stopped for good.
	 */
	spin_lock_irq(&ring->lock);
	blkfront_kick_queues(ring->info);
	spin_unlock_irq(&ring->lock);
}

static void blkfront_gref_callback(void *arg)
{
	struct blkfront_ring *ring = arg;

	schedule_work(&ring->restart_work);
}

static unsigned int blkfront_take_slot(struct blkfront_ring *ring,
				       struct request *rq)
{
	unsigned int id = ring->shadow_free;
	struct blkfront_shadow *s = &ring->shadow[id];

	ring->shadow_free = s->next_free;
	s->next_free = ring->info->ring_size;
	s->rq = rq;
	s->nr_uses = 0;
	s->nr_indirect = 0;
	blkfront_cmd(rq)->slots_left++;
	return id;
}

/*
 * A slot is complete and placed on the ring (not yet published).  Its
 * time is taken only while the complete event, which reports the
 * latency, is on.
 */
static __always_inline void blkfront_trace_submit(struct blkfront_ring *ring,
						  struct request *rq,
						  unsigned int id, u64 sector,
						  unsigned int nr_segs)
{
	ring->shadow[id].submit_ns = trace_xen_blkfront_complete_enabled() ?
				     ktime_get_ns() : 0;
	trace_xen_blkfront_submit(ring, rq, id, sector, nr_segs);
}

static struct blkif_request *blkfront_next_req(struct blkfront_ring *ring)
{
	struct blkif_request *req;

	/* Built in place; zeroed so no stale bytes reach the backend. */
	req = RING_GET_REQUEST(&ring->ring, ring->ring.req_prod_pvt);
	memset(req, 0, sizeof(*req));
	ring->ring.req_prod_pvt++;
	ring->stat_slots++;
	return req;
}

/* Flush, barrier and discard: one slot without data. */
static blk_status_t blkfront_queue_ctrl(struct blkfront_ring *ring,
					struct request *rq, u8 op)
{
	struct blkfront_info *info = ring->info;
	struct blkif_request *req;
	unsigned int id;

	if (!blkfront_slots_free(ring))
		return BLK_STS_DEV_RESOURCE;
	id = blkfront_take_slot(ring, rq);
	ring->shadow[id].op = op;
	ring->shadow[id].indirect_op = 0;
	req = blkfront_next_req(ring);
	req->operation = op;
	if (op == BLKIF_OP_DISCARD) {
		req->u.discard.flag = req_op(rq) == REQ_OP_SECURE_ERASE ?
				      BLKIF_DISCARD_SECURE : 0;
		req->u.discard.id = id;
		req->u.discard.sector_number = blk_rq_pos(rq);
		req->u.discard.nr_sectors = blk_rq_sectors(rq);
	} else {
		req->u.rw.nr_segments = 0;
		req->u.rw.handle = info->handle;
		req->u.rw.id = id;
		req->u.rw.sector_number = blk_rq_pos(rq);
	}
	blkfront_trace_submit(ring, rq, id, blk_rq_pos(rq), 0);
	return BLK_STS_OK;
}

/* Units on top of the free stack that still need a grant reference. */
static unsigned int blkfront_refs_needed(struct blkfront_ring *ring,
					 unsigned int units)
{
	struct blkfront_pool *p = &ring->pool;
	unsigned int i, n = 0;

	for (i = 0; i < units; i++)
		if (p->free[p->nr_free - 1 - i]->gref == BLKFRONT_NO_GREF)
			n++;
	return n;
}

/**
 * struct blkfront_build - state while filling the slots of one request
 * @ring: ring
 * @rq: request
 * @head: grant references reserved for the request
 * @run: the run of the request's data being cut into grants
 * @it: how far @run has been cut
 * @sector: first sector of the next slot
 * @indirect: slots are indirect requests
 * @write: data goes to the backend
 * @readonly: grant data units read-only
 * @direct: grant the request's pages themselves (&blkfront_info.direct)
 * @untrusted: wipe units before use (&blkfront_info.untrusted)
 */
struct blkfront_build {
	struct blkfront_ring *ring;
	struct request *rq;
	grant_ref_t head;
	const struct blkfront_seg *run;
	struct xbf_split it;
	sector_t sector;
	bool indirect;
	bool write;
	bool readonly;
	bool direct;
	bool untrusted;
};

/* Grant a unit at its first use; wipe it for an untrusted backend. */
static noinline void blkfront_prepare_unit(struct blkfront_build *b,
					   struct blkfront_unit *u,
					   bool readonly)
{
	struct blkfront_ring *ring = b->ring;
	int ref;

	if (u->gref == BLKFRONT_NO_GREF) {
		ref = gnttab_claim_grant_reference(&b->head);
		/* Reserved beforehand: cannot fail. */
		WARN_ON_ONCE(ref < 0);
		blkfront_unit_grant(ring, u, ref, readonly);
		ring->stat_new_grants++;
	}
	if (b->untrusted) {
		void *va = blkfront_unit_map(u);

		memset(va, 0, xbf_grant_size(&blkfront_geom));
		blkfront_unit_unmap(va);
	}
}

/* The top unit of the free stack (reserved beforehand), ready to use. */
static __always_inline struct blkfront_unit *
blkfront_build_unit(struct blkfront_build *b, bool readonly)
{
	struct blkfront_unit *u = blkfront_unit_get(b->ring);

	if (unlikely(u->gref == BLKFRONT_NO_GREF || b->untrusted))
		blkfront_prepare_unit(b, u, readonly);
	return u;
}

/*
 * Grant the Xen page of @page that holds chunk @c, for a connection
 * without persistent grants to a trusted backend: no copy.  The request
 * holds @page until the grant is revoked; a backend slow to unmap it
 * gets a reference of its own then, so that it never writes into a page
 * freed and used again (blkfront_use_revoke()).
 */
static grant_ref_t blkfront_build_direct(struct blkfront_build *b,
					 struct page *page,
					 const struct xbf_chunk *c)
{
	struct blkfront_ring *ring = b->ring;
	unsigned long gfn;
	int ref;

	ref = gnttab_claim_grant_reference(&b->head);
	/* Reserved beforehand: cannot fail. */
	WARN_ON_ONCE(ref < 0);
	gfn = pfn_to_gfn(page_to_xen_pfn(page) +
			 (c->page_off >> XEN_PAGE_SHIFT));
	gnttab_grant_foreign_access_ref(ref, ring->info->xbdev->otherend_id,
					gfn, b->readonly);
	ring->stat_new_grants++;
	return ref;
}

/*
 * The request's next grant-sized chunk of data, from the current run or
 * the ones after it.  The caller asks for no more chunks than the runs
 * were counted to hold.
 */
static void blkfront_next_chunk(struct blkfront_build *b, struct xbf_chunk *c)
{
	while (!xbf_split_next(&b->it, &blkfront_geom, c)) {
		b->run++;
		/* Each run was accepted by xbf_split_init() beforehand. */
		xbf_split_begin(&b->it, b->run->off, b->run->len);
	}
}

/*
 * Put the request's next @n data grants into a new ring slot: their
 * descriptors go into the slot itself or into its indirect frames, and
 * the slot's shadow records where each grant's data belongs.
 */
static void blkfront_build_slot(struct blkfront_build *b, unsigned int n)
{
	const unsigned int per_frame = xbf_segs_per_indirect(&blkfront_geom);
	struct blkfront_ring *ring = b->ring;
	struct blkfront_info *info = ring->info;
	u8 dir = b->write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
	struct blkif_request_segment *desc = NULL, *frame = NULL;
	struct blkfront_shadow *s;
	struct blkif_request *req;
	unsigned int id, k, sectors = 0;

	id = blkfront_take_slot(ring, b->rq);
	s = &ring->shadow[id];
	req = blkfront_next_req(ring);
	if (b->indirect) {
		s->op = BLKIF_OP_INDIRECT;
		s->indirect_op = dir;
		req->operation = BLKIF_OP_INDIRECT;
		req->u.indirect.indirect_op = dir;
		req->u.indirect.nr_segments = n;
		req->u.indirect.handle = info->handle;
		req->u.indirect.id = id;
		req->u.indirect.sector_number = b->sector;
	} else {
		s->op = dir;
		s->indirect_op = 0;
		req->operation = dir;
		req->u.rw.nr_segments = n;
		req->u.rw.handle = info->handle;
		req->u.rw.id = id;
		req->u.rw.sector_number = b->sector;
		desc = req->u.rw.seg;
	}

	for (k = 0; k < n; k++) {
		struct blkfront_use *use = &s->uses[k];
		struct blkfront_unit *u;
		struct xbf_chunk c;

		blkfront_next_chunk(b, &c);
		use->page = b->run->page;
		use->off = c.page_off;
		use->len = c.len;
		if (b->direct) {
			use->unit = NULL;
			use->gref = blkfront_build_direct(b, use->page, &c);
		} else {
			u = blkfront_build_unit(b, b->readonly);
			if (b->write) {
				void *va = blkfront_unit_map(u);

				memcpy_from_page(va + c.grant_off, use->page,
						 c.page_off, c.len);
				blkfront_unit_unmap(va);
			}
			use->unit = u;
			use->gref = u->gref;
		}

		if (b->indirect && !(k % per_frame)) {
			/*
			 * The backend only reads indirect frames, and only
			 * the request's descriptors in them: the rest of the
			 * frame is left as the pool had it, like a data unit
			 * (wiped for an untrusted backend by
			 * blkfront_build_unit()).
			 */
			u = blkfront_build_unit(b, !info->persistent);
			s->indirect[s->nr_indirect] = u;
			req->u.indirect.indirect_grefs[s->nr_indirect] = u->gref;
			s->nr_indirect++;
			if (frame)
				blkfront_unit_unmap(frame);
			frame = blkfront_unit_map(u);
			desc = frame;
		}
		desc->gref = use->gref;
		desc->first_sect = c.first_sect;
		desc->last_sect = c.last_sect;
		desc++;
		sectors += c.len >> XENBLK_SECTOR_SHIFT;
	}
	s->nr_uses = n;
	if (frame)
		blkfront_unit_unmap(frame);
	blkfront_trace_submit(ring, b->rq, id, b->sector, n);
	b->sector += sectors;
}

static blk_status_t blkfront_queue_rw(struct blkfront_ring *ring,
				      struct request *rq)
{
	struct blkfront_info *info = ring->info;
	const struct xbf_geom *g = &blkfront_geom;
	struct blkfront_seg *segs = blkfront_cmd_segs(blkfront_cmd(rq)), *run;
	struct blkfront_build b = { .ring = ring, .rq = rq };
	unsigned int nseg, grants = 0, slots, units, refs, i;
	struct xbf_split it;

	/* The block layer kept to max_segments, which is at most sg_max. */
	nseg = blkfront_map_segs(rq, segs, info->sg_max);
	if (WARN_ON_ONCE(!nseg))
		return BLK_STS_IOERR;

	/* Validate and count before taking anything. */
	for (i = 0, run = segs; i < nseg; i++, run++) {
		if (WARN_ON_ONCE(xbf_split_init(&it, g, run->off, run->len)))
			return BLK_STS_IOERR;
		grants += xbf_chunks(g, run->off, run->len);
	}
	if (WARN_ON_ONCE(!grants))
		return BLK_STS_IOERR;
	slots = xbf_slots_for(&info->layout, grants);
	b.direct = info->direct;
	if (b.direct)
		units = xbf_frames_for(&info->layout, g, grants);
	else
		units = xbf_units_for(&info->layout, g, grants);
	if (slots > info->ring_size) {
		dev_err_ratelimited(&info->xbdev->dev,
				    "request of %u grants cannot fit the ring\n",
				    grants);
		return BLK_STS_IOERR;
	}
	if (blkfront_slots_free(ring) < slots || ring->pool.nr_free < units)
		return BLK_STS_DEV_RESOURCE;

	refs = blkfront_refs_needed(ring, units) + (b.direct ? grants : 0);
	if (refs && gnttab_alloc_grant_references(refs, &b.head) < 0) {
		gnttab_request_free_callback(&ring->callback,
					     blkfront_gref_callback, ring, refs);
		return BLK_STS_DEV_RESOURCE;
	}

	b.indirect = xbf_req_indirect(&info->layout, grants);
	b.write = rq_data_dir(rq) == WRITE;
	/* Persistent grants are always read-write (the spec says so). */
	b.readonly = b.write && !info->persistent;
	b.untrusted = info->untrusted;
	b.sector = blk_rq_pos(rq);
	trace_xen_blkfront_grant(ring, rq, grants, refs, units, b.indirect);
	b.run = segs;
	xbf_split_begin(&b.it, segs->off, segs->len);
	for (i = 0; i < slots; i++)
		blkfront_build_slot(&b, xbf_slot_grants(&info->layout, grants, i));
	/*
	 * Normally every reference reserved was claimed; giving back none
	 * would still take the grant table's global lock.
	 */
	if (refs && !gnttab_empty_grant_references(&b.head))
		gnttab_free_grant_references(b.head);
	ring->stat_rw_reqs++;
	ring->stat_data_grants += grants;
	ring->stat_units_reserved += units + (b.direct ? grants : 0);
	return BLK_STS_OK;
}

static blk_status_t blkfront_queue_one(struct blkfront_ring *ring,
				       struct request *rq)
{
	struct blkfront_info *info = ring->info;

	switch (req_op(rq)) {
	case REQ_OP_FLUSH:
		if (!info->feature_flush) {
			/* Backend withdrew its cache: nothing to flush. */
			blk_mq_end_request(rq, BLK_STS_OK);
			return BLK_STS_OK;
		}
		return blkfront_queue_ctrl(ring, rq, info->flush_op);
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
		if (!info->feature_discard ||
		    (req_op(rq) == REQ_OP_SECURE_ERASE &&
		     !info->feature_secdiscard))
			return BLK_STS_NOTSUPP;
		return blkfront_queue_ctrl(ring, rq, BLKIF_OP_DISCARD);
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		return blkfront_queue_rw(ring, rq);
	default:
		return BLK_STS_NOTSUPP;
	}
}

/*
 * Publish the requests queued on @ring and kick the backend if it asked
 * to be.  Called with ring->lock held.
 */
static void blkfront_push(struct blkfront_ring *ring)
{
	int notify;

	lockdep_assert_held(&ring->lock);
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&ring->ring, notify);
	if (notify) {
		ring->stat_notify++;
		notify_remote_via_irq(ring->irq);
	}
}

static struct blkfront_ring *blkfront_hctx_ring(struct blk_mq_hw_ctx *hctx)
{
	struct blkfront_info *info = hctx->queue->queuedata;

	return &info->rings[hctx->queue_num %
			    max(READ_ONCE(info->nr_rings), 1U)];
}

/*
 * The requests of one dispatch are published together: a request that is
 * not the last of its batch stays private to the ring until the last one
 * (or commit_rqs, when blk-mq ends a batch early) pushes them all, so the
 * backend is kicked at most once per batch.
 */
static blk_status_t blkfront_queue_rq(struct blk_mq_hw_ctx *hctx,
				      const struct blk_mq_queue_data *bd)
{
	struct blkfront_info *info = hctx->queue->queuedata;
	struct request *rq = bd->rq;
	struct blkfront_cmd *cmd = blkfront_cmd(rq);
	struct blkfront_ring *ring;
	enum blkfront_state state;
	unsigned long flags;
	blk_status_t ret;

	state = READ_ONCE(info->state);
	if (state == BLKFRONT_ERROR || state == BLKFRONT_DISCONNECTED)
		return BLK_STS_IOERR;

	ring = blkfront_hctx_ring(hctx);
	cmd->status = BLK_STS_OK;
	cmd->slots_left = 0;
	cmd->collected = false;
	blk_mq_start_request(rq);
	trace_xen_blkfront_queue(ring, rq);

	spin_lock_irqsave(&ring->lock, flags);
	if (!ring->live) {
		ret = READ_ONCE(info->state) == BLKFRONT_SUSPENDED ?
		      BLK_STS_DEV_RESOURCE : BLK_STS_IOERR;
	} else {
		ret = blkfront_queue_one(ring, rq);
	}
	if (ret == BLK_STS_OK)
		ring->stat_reqs++;
	/* An unqueued request ends the batch: publish what came before. */
	if (ring->live && (bd->last || ret != BLK_STS_OK))
		blkfront_push(ring);
	if (ret == BLK_STS_DEV_RESOURCE) {
		/* Restarted by the interrupt handler or at reconnect. */
		blk_mq_stop_hw_queue(hctx);
		ring->hctx_stopped = true;
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	return ret;
}

static void blkfront_commit_rqs(struct blk_mq_hw_ctx *hctx)
{
	struct blkfront_ring *ring = blkfront_hctx_ring(hctx);
	unsigned long flags;

	spin_lock_irqsave(&ring->lock, flags);
	if (ring->live)
		blkfront_push(ring);
	spin_unlock_irqrestore(&ring->lock, flags);
}

static void blkfront_complete_rq(struct request *rq)
{
	blk_mq_end_request(rq, blkfront_cmd(rq)->status);
}

const struct blk_mq_ops blkfront_mq_ops = {
	.queue_rq	= blkfront_queue_rq,
	.commit_rqs	= blkfront_commit_rqs,
	.complete	= blkfront_complete_rq,
};
