// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: turning ring requests into bios and completions into
 * responses.
 */

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/kthread.h>
#include <linux/sched/clock.h>

#include "common.h"
#include "trace.h"

/*
 * The three response layouts name their fields alike and differ only in
 * padding and alignment; fill whichever one @rsp points to.
 */
#define XBB_FILL_RESPONSE(rsp, rsp_id, rsp_op, rsp_status)		\
	do {								\
		typeof(rsp) __rsp = (rsp);				\
									\
		__rsp->id = (rsp_id);					\
		__rsp->operation = (rsp_op);				\
		__rsp->status = (rsp_status);				\
	} while (0)

/*
 * Write one response directly into the next private response slot, field
 * by field, so no uninitialised padding of ours can leak into the shared
 * page.  The caller holds rsp_lock and pushes.
 */
static void xbb_put_response(struct xbb_ring *ring, u64 id, u8 op,
			     int status)
{
	union xbb_back_rings *r = &ring->rings;
	RING_IDX idx;

	lockdep_assert_held(&ring->rsp_lock);
	idx = r->common.rsp_prod_pvt;

	switch (ring->be->protocol) {
	case XBB_PROTO_X86_32:
		XBB_FILL_RESPONSE(RING_GET_RESPONSE(&r->x86_32, idx),
				  id, op, status);
		break;
	case XBB_PROTO_X86_64:
		XBB_FILL_RESPONSE(RING_GET_RESPONSE(&r->x86_64, idx),
				  id, op, status);
		break;
	case XBB_PROTO_NATIVE:
	default:
		XBB_FILL_RESPONSE(RING_GET_RESPONSE(&r->native, idx),
				  id, op, status);
		break;
	}
	r->common.rsp_prod_pvt = idx + 1;
}

/* Make the responses put so far visible; true if the frontend wants an event. */
static bool xbb_push_responses(struct xbb_ring *ring)
{
	int notify;

	lockdep_assert_held(&ring->rsp_lock);
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring->rings.common, notify);
	return notify;
}

/* Answer one request.  Called from the ring thread and from bio completion. */
static void xbb_send_response(struct xbb_ring *ring, u64 id, u8 op,
			      int status)
{
	unsigned long flags;
	bool notify;

	spin_lock_irqsave(&ring->rsp_lock, flags);
	xbb_put_response(ring, id, op, status);
	notify = xbb_push_responses(ring);
	spin_unlock_irqrestore(&ring->rsp_lock, flags);
	trace_xen_blkback_respond(ring, id, op, status, notify);
	if (notify)
		notify_remote_via_irq(ring->irq);
}

/*
 * A free request slot, counted in @inflight from here on (one round trip
 * of done_lock for both); none marks the ring starved until one is freed.
 */
static struct xbb_req *xbb_req_alloc(struct xbb_ring *ring)
{
	struct xbb_req *req;

	spin_lock_irq(&ring->done_lock);
	req = list_first_entry_or_null(&ring->free_reqs, struct xbb_req, node);
	if (req) {
		list_del(&req->node);
		ring->inflight++;
	} else {
		WRITE_ONCE(ring->starved, true);
	}
	spin_unlock_irq(&ring->done_lock);
	return req;
}

static void __xbb_req_free(struct xbb_ring *ring, struct xbb_req *req)
{
	lockdep_assert_held(&ring->done_lock);
	list_add(&req->node, &ring->free_reqs);
	if (ring->starved) {
		WRITE_ONCE(ring->starved, false);
		set_bit(XBB_RING_KICK, &ring->flags);
		wake_up(&ring->wq);
	}
}

/**
 * __xbb_inflight_put() - a request of @ring is done with (see @inflight)
 * @ring: the ring
 *
 * Unless something else still holds the ring (an asynchronous unmap
 * counted in @unmaps_pending), teardown may free it as soon as the
 * caller drops done_lock.
 *
 * Context: any, with @ring's done_lock held.
 */
void __xbb_inflight_put(struct xbb_ring *ring)
{
	lockdep_assert_held(&ring->done_lock);
	ring->inflight--;
	/*
	 * Waiters test @inflight under this lock, so no wake-up is lost: a
	 * barrier waits for 1 (itself), teardown for 0.
	 */
	if (ring->inflight <= 1 && wq_has_sleeper(&ring->inflight_wq))
		wake_up(&ring->inflight_wq);
}

static int xbb_errno_to_status(int err)
{
	if (!err)
		return BLKIF_RSP_OKAY;
	return err == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

/* Answer a request that never reached the block layer.  Ring thread. */
static void xbb_end_early(struct xbb_ring *ring, struct xbb_req *req, int err)
{
	spin_lock_irq(&ring->done_lock);
	xbb_send_response(ring, req->id, req->data_op,
			  xbb_errno_to_status(err));
	__xbb_req_free(ring, req);
	__xbb_inflight_put(ring);
	spin_unlock_irq(&ring->done_lock);
	if (err != -EINVAL || ++ring->malformed_run < XBB_MALFORMED_RUN_MAX)
		return;
	/*
	 * Back off from a frontend that sends nothing but garbage: stop
	 * reading this queue (its later requests go unanswered) until the
	 * frontend reconnects.  Said once, whatever the ratelimit.
	 */
	ring->halted = true;
	dev_err(xbb_dev(ring),
		"queue %u: %u malformed requests in a row, halting queue until the frontend reconnects\n",
		ring->index, ring->malformed_run);
}

/*
 * The last reference to a request with I/O, in whatever context completed
 * its last bio.  With only persistent grants (or none) it is answered
 * right here.  Per-request mappings are unmapped from here too, without
 * waiting, and the request answered once they are gone
 * (xbb_release_async(), which also ends its count in @inflight).  Two
 * cases go to the ring thread's done list instead, where the mappings
 * of many requests share one unmap: a completion inside the thread's
 * own submission (a device that completes in its submit path, as
 * null_blk and RAM disks do), which the end of the pass takes care of
 * (xbb_process_ring()), and one for which no memory could be had.
 */
static void xbb_req_put(struct xbb_req *req)
{
	struct xbb_ring *ring = req->ring;
	unsigned long flags;
	bool direct, in_thread = false;

	if (!atomic_dec_and_test(&req->pending))
		return;

	/* The grants are released before the frontend may reuse them. */
	direct = xbb_release_persistent(req->maps, req->nr_segs);
	if (!direct) {
		/*
		 * In task context: an interrupt that happens to land on the
		 * thread's CPU is not part of its pass, and could come just
		 * before it sleeps.
		 */
		in_thread = in_task() && current == ring->thread;
		if (!in_thread && xbb_release_async(ring, req))
			return;
	}

	spin_lock_irqsave(&ring->done_lock, flags);
	if (direct) {
		/*
		 * Answer and free the slot in one go (rsp_lock nests inside
		 * done_lock): a frontend that reuses the id at once finds
		 * the slot free, not a starved ring.
		 */
		xbb_send_response(ring, req->id, req->data_op,
				  READ_ONCE(req->status));
		__xbb_req_free(ring, req);
	} else {
		list_add_tail(&req->node, &ring->done_list);
		/* The thread itself looks at its done list before it sleeps. */
		if (!in_thread)
			wake_up(&ring->wq);
	}
	__xbb_inflight_put(ring);
	/* Teardown may free the ring as soon as this lock is dropped. */
	spin_unlock_irqrestore(&ring->done_lock, flags);
}

static void xbb_bio_end_io(struct bio *bio)
{
	struct xbb_req *req = bio->bi_private;

	trace_xen_blkback_end_io(req, bio);
	if (unlikely(bio->bi_status)) {
		if (bio->bi_status == BLK_STS_NOTSUPP &&
		    (req->data_op == BLKIF_OP_FLUSH_DISKCACHE ||
		     req->data_op == BLKIF_OP_WRITE_BARRIER)) {
			WRITE_ONCE(req->status, BLKIF_RSP_EOPNOTSUPP);
			xbb_flush_refused(req->ring->be);
		} else {
			xbb_ring_err(req->ring,
				     "queue %u: I/O error %d, op %u sector %llu\n",
				     req->ring->index,
				     blk_status_to_errno(bio->bi_status),
				     req->data_op,
				     (unsigned long long)req->hdr.sector);
			WRITE_ONCE(req->status, BLKIF_RSP_ERROR);
		}
	}
	if (bio == &req->bio)
		bio_uninit(bio);
	else
		bio_put(bio);
	xbb_req_put(req);
}

/*
 * A bio for @nr_vecs vectors of @req: for its @first bio, if small
 * enough, the one the request carries, else an allocated one.
 */
static struct bio *xbb_bio_new(struct xbb_req *req, unsigned int nr_vecs,
			       blk_opf_t opf, sector_t sector, bool first)
{
	struct block_device *bdev = req->ring->be->bdev;
	struct bio *bio;

	if (first && nr_vecs <= XBB_INLINE_VECS) {
		bio = &req->bio;
		bio_init(bio, bdev, req->bvecs, XBB_INLINE_VECS, opf);
	} else {
		bio = bio_alloc(bdev, nr_vecs, opf, GFP_NOIO);
	}
	bio->bi_iter.bi_sector = sector;
	bio->bi_private = req;
	bio->bi_end_io = xbb_bio_end_io;
	atomic_inc(&req->pending);
	return bio;
}

/*
 * Writes from the guest are the guest's foreground I/O, already shaped by
 * its own block layer: submit them like O_DIRECT writes (REQ_SYNC |
 * REQ_IDLE), which dom0's writeback throttling leaves alone.  Without
 * REQ_IDLE, wbt held a QD32 random-write stream to 8 in flight on a
 * device and put the ring thread to sleep in submit_bio().
 */
#define XBB_WRITE_OPF	(REQ_OP_WRITE | REQ_SYNC | REQ_IDLE)

static blk_opf_t xbb_opf(u8 op, bool has_data)
{
	switch (op) {
	case BLKIF_OP_READ:
		return REQ_OP_READ;
	case BLKIF_OP_WRITE_BARRIER:
		/* Ordered and durable: flush before, FUA for the data. */
		return XBB_WRITE_OPF | REQ_PREFLUSH | (has_data ? REQ_FUA : 0);
	case BLKIF_OP_FLUSH_DISKCACHE:
		return XBB_WRITE_OPF | REQ_PREFLUSH;
	case BLKIF_OP_WRITE:
	default:
		return XBB_WRITE_OPF;
	}
}

static void xbb_account(struct xbb_ring *ring, u8 op, u64 sectors)
{
	switch (op) {
	case BLKIF_OP_READ:
		ring->st.rd_req++;
		ring->st.rd_sect += sectors;
		break;
	case BLKIF_OP_WRITE:
		ring->st.wr_req++;
		ring->st.wr_sect += sectors;
		break;
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		ring->st.f_req++;
		ring->st.wr_sect += sectors;
		break;
	}
}

/* Submit the bios of a mapped, validated request (under the batch plug). */
static void xbb_submit(struct xbb_ring *ring, struct xbb_req *req)
{
	unsigned int nr = req->nr_segs, i;
	sector_t sector = req->hdr.sector;
	blk_opf_t opf = xbb_opf(req->data_op, nr);
	struct bio *bio = NULL;

	req->status = BLKIF_RSP_OKAY;
	/* One reference for the submitter until every bio is out. */
	atomic_set(&req->pending, 1);

	/*
	 * Before the first bio: a bio-based device (a RAM disk) completes
	 * it inside submit_bio().
	 */
	trace_xen_blkback_submit(ring, req);
	if (!nr) {
		/* A flush without data. */
		bio = xbb_bio_new(req, 0, opf, 0, true);
		submit_bio(bio);
		bio = NULL;
	}
	for (i = 0; i < nr; i++) {
		unsigned int off = req->segs[i].first_sect << SECTOR_SHIFT;
		unsigned int len = (req->segs[i].last_sect -
				    req->segs[i].first_sect + 1) << SECTOR_SHIFT;

		if (!bio || bio->bi_vcnt == bio->bi_max_vecs) {
			if (bio)
				submit_bio(bio);
			bio = xbb_bio_new(req, min_t(unsigned int, nr - i,
						     BIO_MAX_VECS),
					  opf, sector, !i);
		}
		/*
		 * One vector per segment: granted pages are seldom
		 * neighbours, so bio_add_page()'s try to merge into the
		 * last vector rarely pays, and the block layer merges
		 * neighbours anyway when it counts segments.  The bio has
		 * room (above); a request's at most 1 MiB is far below a
		 * bio's size limit.
		 */
		__bio_add_page(bio, req->maps[i].page, len, off);
		sector += len >> SECTOR_SHIFT;
	}
	if (bio)
		submit_bio(bio);

	xbb_req_put(req);
}

static bool xbb_inflight_is(struct xbb_ring *ring, unsigned int n)
{
	bool is;

	spin_lock_irq(&ring->done_lock);
	is = ring->inflight == n;
	spin_unlock_irq(&ring->done_lock);
	return is;
}

/*
 * Wait until @ring has @n requests in flight: 1 for the ring thread,
 * which counts the request it is dispatching, to see every other one
 * complete; 0 for all of them.
 */
static void xbb_wait_inflight(struct xbb_ring *ring, unsigned int n)
{
	wait_event(ring->inflight_wq, xbb_inflight_is(ring, n));
}

static void xbb_do_discard(struct xbb_ring *ring, struct xbb_req *req)
{
	struct xbb_device *be = ring->be;
	int err;

	ring->st.ds_req++;
	if (!req->hdr.nr_sectors) {
		xbb_end_early(ring, req, 0);
		return;
	}
	if (req->hdr.discard_flag & BLKIF_DISCARD_SECURE)
		err = blkdev_issue_secure_erase(be->bdev, req->hdr.sector,
						req->hdr.nr_sectors,
						GFP_KERNEL);
	else
		err = blkdev_issue_discard(be->bdev, req->hdr.sector,
					   req->hdr.nr_sectors, GFP_KERNEL);
	if (err && err != -EOPNOTSUPP)
		xbb_ring_err(ring,
			     "queue %u: discard of %llu sectors at %llu failed (%d)\n",
			     ring->index,
			     (unsigned long long)req->hdr.nr_sectors,
			     (unsigned long long)req->hdr.sector, err);
	xbb_end_early(ring, req, err);
}

/* Map the indirect pages, copy the descriptors out, unmap them again. */
static int xbb_read_indirect(struct xbb_ring *ring, struct xbb_req *req)
{
	unsigned int pages = xbb_indirect_pages(req->hdr.nr_segs);
	int err;

	err = xbb_map_grants(ring, req->indirect, pages, true);
	if (!err)
		err = xbb_copy_indirect_segs(ring, req);
	xbb_release_grants(ring, req->indirect, pages);
	return err;
}

/*
 * Map what @mapped's requests queued (xbb_map_queue()), one hypercall
 * for all, and submit them in the order they came; a request whose
 * mapping failed is answered with an error instead.  Called before
 * anything else that needs the scratch arrays or must come after these
 * requests, and at the end of every pass.
 */
static void xbb_submit_mapped(struct xbb_ring *ring, struct list_head *mapped)
{
	struct xbb_req *req, *next;

	if (list_empty(mapped))
		return;
	xbb_map_flush(ring);
	list_for_each_entry_safe(req, next, mapped, node) {
		list_del(&req->node);
		if (!xbb_maps_ok(req->maps, req->nr_segs)) {
			xbb_release_grants(ring, req->maps, req->nr_segs);
			xbb_end_early(ring, req, -EIO);
			continue;
		}
		trace_xen_blkback_map(ring, req, req->nr_segs, 0);
		xbb_account(ring, req->data_op, req->sectors);
		xbb_submit(ring, req);
	}
}

/*
 * Without persistent grants, a request that fits what is left of the map
 * batch is queued on @mapped and mapped with the others of its pass.
 * Return: true if @req was queued or answered.
 */
static bool xbb_queue_mapped(struct xbb_ring *ring, struct xbb_req *req,
			     struct list_head *mapped)
{
	int err;

	if (ring->be->persistent || req->nr_segs > XBB_BATCH ||
	    req->data_op == BLKIF_OP_WRITE_BARRIER)
		return false;
	if (req->nr_segs > XBB_BATCH - ring->map_n)
		xbb_submit_mapped(ring, mapped);
	err = xbb_map_queue(ring, req->maps, req->nr_segs,
			    req->data_op != BLKIF_OP_READ);
	if (!err) {
		list_add_tail(&req->node, mapped);
		return true;
	}
	/* Map what was queued, this request's part included, to undo it. */
	xbb_submit_mapped(ring, mapped);
	xbb_map_flush(ring);
	xbb_release_grants(ring, req->maps, req->nr_segs);
	xbb_end_early(ring, req, err);
	return true;
}

static void xbb_dispatch(struct xbb_ring *ring, const struct xenblk_req *r,
			 struct xbb_req *req, struct list_head *mapped)
{
	u64 mapped0 = 0, hits0 = 0;
	bool tr_map;
	int err;

	err = xbb_check_request(ring, r, req);
	if (err) {
		xbb_end_early(ring, req, err);
		return;
	}
	if (req->hdr.operation == BLKIF_OP_DISCARD) {
		ring->malformed_run = 0;
		xbb_submit_mapped(ring, mapped);
		xbb_do_discard(ring, req);
		return;
	}
	if (req->hdr.operation == BLKIF_OP_INDIRECT) {
		/* Its indirect pages are mapped with the scratch arrays. */
		xbb_submit_mapped(ring, mapped);
		err = xbb_read_indirect(ring, req);
		if (err) {
			xbb_end_early(ring, req, err);
			return;
		}
	}
	err = xbb_check_data(ring, req, &req->sectors);
	if (err) {
		xbb_end_early(ring, req, err);
		return;
	}
	ring->malformed_run = 0;
	if (xbb_queue_mapped(ring, req, mapped))
		return;
	/* Alone: a barrier below waits for every request before it. */
	xbb_submit_mapped(ring, mapped);
	/* The counters tell the map event what the mapping did. */
	tr_map = trace_xen_blkback_map_enabled();
	if (tr_map) {
		mapped0 = ring->st.grants_mapped;
		hits0 = ring->st.pgrant_hits;
	}
	/* Everything but a read only reads the guest's pages. */
	err = xbb_map_grants(ring, req->maps, req->nr_segs,
			     req->data_op != BLKIF_OP_READ);
	if (err) {
		xbb_release_grants(ring, req->maps, req->nr_segs);
		xbb_end_early(ring, req, err == -EOPNOTSUPP ? -EIO : err);
		return;
	}
	if (tr_map)
		trace_xen_blkback_map(ring, req, ring->st.grants_mapped - mapped0,
				      ring->st.pgrant_hits - hits0);
	xbb_account(ring, req->data_op, req->sectors);
	if (req->data_op != BLKIF_OP_WRITE_BARRIER) {
		xbb_submit(ring, req);
		return;
	}
	/*
	 * A barrier orders, which REQ_PREFLUSH alone does not (it covers
	 * only writes already completed): every request before it
	 * completes before it starts, and none after it starts before it
	 * has completed.  Sleeping here submits what is plugged.
	 */
	xbb_wait_inflight(ring, 1);
	xbb_submit(ring, req);
	xbb_wait_inflight(ring, 0);
}

/*
 * poll_us: after a pass that consumed requests (so an idle ring costs
 * nothing), watch the producer index for up to poll_us before req_event
 * is armed, so that the frontend sends no event, and the thread takes no
 * interrupt and no wake-up, for what is found.  A hit goes back through
 * the thread's loop (completions, EOI, housekeeping) before consuming.
 * The watch ends early when the scheduler wants the CPU.
 *
 * A watch pays if requests came before req_event was armed: during it,
 * or before the final check that ends it.  A ring whose watches keep
 * not paying (a frontend with one request at a time, or dom0 sharing its
 * CPU with the guest) stops paying for them: after XBB_POLL_MISSES such
 * watches in a row the thread skips the watch for 1, 2, 4 ... 256 passes
 * between tries; one that pays ends the back-off.
 */
#define XBB_POLL_MISSES		8
#define XBB_POLL_SKIP_SHIFT	8	/* at most 256 passes skipped */

enum xbb_poll_result { XBB_POLL_NONE, XBB_POLL_HIT, XBB_POLL_MISS };

/* @rp: the producer the pass read. */
static enum xbb_poll_result xbb_poll(struct xbb_ring *ring, RING_IDX rp)
{
	struct xbb_common_back_ring *c = &ring->rings.common;
	unsigned int us = READ_ONCE(xbb_poll_us);
	u64 end;

	if (!us || c->req_cons == ring->poll_cons)
		return XBB_POLL_NONE;
	ring->poll_cons = c->req_cons;
	if (ring->poll_skip) {
		ring->poll_skip--;
		return XBB_POLL_NONE;
	}
	end = local_clock() + (u64)us * NSEC_PER_USEC;
	do {
		if (READ_ONCE(c->sring->req_prod) != rp)
			return XBB_POLL_HIT;
		cpu_relax();
	} while (local_clock() < end && !need_resched() &&
		 !kthread_should_stop());
	return XBB_POLL_MISS;
}

/* Account a watch; @found: it, or the final check after it, found more. */
static void xbb_poll_done(struct xbb_ring *ring, bool found)
{
	if (found) {
		ring->st.poll_hits++;
		ring->poll_miss_run = 0;
		return;
	}
	ring->st.poll_misses++;
	if (ring->poll_miss_run < XBB_POLL_MISSES + XBB_POLL_SKIP_SHIFT)
		ring->poll_miss_run++;
	if (ring->poll_miss_run >= XBB_POLL_MISSES)
		ring->poll_skip = 1U << (ring->poll_miss_run - XBB_POLL_MISSES);
}

/*
 * A producer index more than a ring's worth ahead of our responses is a
 * protocol violation: the ring is halted and no further request is read;
 * so it is after a long run of malformed requests (xbb_end_early()).
 */
static bool xbb_consume(struct xbb_ring *ring)
{
	struct xbb_common_back_ring *c = &ring->rings.common;
	struct xenblk_req r;
	struct blk_plug plug;
	LIST_HEAD(mapped);
	enum xbb_poll_result polled;
	RING_IDX rc, rp;
	int more;

	if (ring->halted || READ_ONCE(ring->starved))
		return false;

	rc = c->req_cons;
	rp = READ_ONCE(c->sring->req_prod);
	virt_rmb(); /* req_prod before the slots it covers */

	if (RING_REQUEST_PROD_OVERFLOW(c, rp)) {
		ring->halted = true;
		xbb_ring_err(ring,
			     "queue %u: bogus request producer %u (consumer %u, ring size %u), halting queue\n",
			     ring->index, rp, rc, RING_SIZE(c));
		return false;
	}

	/*
	 * One plug for the whole batch: the block layer sees the requests
	 * the frontend queued together as a batch, not one at a time.
	 * (Sleeping, e.g. in cond_resched(), flushes it early.)
	 */
	blk_start_plug(&plug);
	while (rc != rp) {
		struct xbb_req *req;

		if (RING_REQUEST_CONS_OVERFLOW(c, rc) || kthread_should_stop())
			break;
		req = xbb_req_alloc(ring);
		if (!req) {
			/* Marked starved: the next free slot kicks us. */
			ring->st.oo_req++;
			xbb_submit_mapped(ring, &mapped);
			blk_finish_plug(&plug);
			return false;
		}
		xbb_copy_request(ring, rc, &r);
		trace_xen_blkback_fetch(ring, rc, &r);
		c->req_cons = ++rc;
		ring->eoi_flags &= ~XEN_EOI_FLAG_SPURIOUS;

		xbb_dispatch(ring, &r, req, &mapped);
		if (ring->halted)
			break;
		cond_resched();
	}
	xbb_submit_mapped(ring, &mapped);
	blk_finish_plug(&plug);
	/* What completed during the pass: unmapped together, answered. */
	xbb_finish_done(ring);
	if (ring->halted)
		return false;
	polled = xbb_poll(ring, rp);
	if (polled == XBB_POLL_HIT) {
		xbb_poll_done(ring, true);
		return true;
	}

	RING_FINAL_CHECK_FOR_REQUESTS(c, more);
	if (polled == XBB_POLL_MISS)
		xbb_poll_done(ring, more);
	return more;
}

/**
 * xbb_process_ring() - consume the requests the frontend has produced
 * @ring: the ring
 *
 * Consumes nothing once xbb_ring_close() has been called: the thread
 * says it is consuming, then looks for the close, and the closer says
 * so, then looks for a consuming thread, each with a full barrier in
 * between, so that at least one of the two sees the other.
 *
 * Context: ring thread; may sleep.
 * Return: true if requests remain to be consumed.
 */
bool xbb_process_ring(struct xbb_ring *ring)
{
	bool more = false;

	set_bit(XBB_RING_CONSUMING, &ring->flags);
	smp_mb__after_atomic();	/* pairs with xbb_ring_close() */
	if (!test_bit(XBB_RING_CLOSING, &ring->flags))
		more = xbb_consume(ring);
	/* What the pass did (in flight, unmaps) before it says it is done. */
	clear_bit_unlock(XBB_RING_CONSUMING, &ring->flags);
	return more;
}

/**
 * xbb_answer_list() - answer requests whose grants are released
 * @ring: the ring
 * @list: the requests; emptied
 *
 * One push (so at most one event) for all of them, and their slots freed
 * in the same critical section, as the completion path does.
 *
 * Context: any, bio completion included.
 */
void xbb_answer_list(struct xbb_ring *ring, struct list_head *list)
{
	unsigned long flags;
	bool notify;

	spin_lock_irqsave(&ring->done_lock, flags);
	notify = __xbb_answer_list(ring, list);
	spin_unlock_irqrestore(&ring->done_lock, flags);
	if (notify)
		notify_remote_via_irq(ring->irq);
}

/**
 * __xbb_answer_list() - xbb_answer_list() for a caller holding done_lock
 * @ring: the ring
 * @list: the requests; emptied
 *
 * Context: any, with @ring's done_lock held.
 * Return: true if the frontend wants an event; the caller sends it.
 */
bool __xbb_answer_list(struct xbb_ring *ring, struct list_head *list)
{
	struct xbb_req *req, *tmp;
	bool notify;

	lockdep_assert_held(&ring->done_lock);
	spin_lock(&ring->rsp_lock);
	list_for_each_entry(req, list, node)
		xbb_put_response(ring, req->id, req->data_op,
				 READ_ONCE(req->status));
	notify = xbb_push_responses(ring);
	spin_unlock(&ring->rsp_lock);
	list_for_each_entry_safe(req, tmp, list, node) {
		trace_xen_blkback_respond(ring, req->id, req->data_op,
					  READ_ONCE(req->status), notify);
		list_del(&req->node);
		__xbb_req_free(ring, req);
	}
	return notify;
}

/**
 * xbb_finish_done() - answer the requests whose I/O completed
 * @ring: the ring
 *
 * These are the requests that hold per-request mappings and that
 * completed inside the thread's own submission, or that their completion
 * could not unmap for want of memory.  Their grants are unmapped
 * together, in as few hypercalls as the batch size allows, and the
 * requests are answered, with one push per hypercall, once their grants
 * are unmapped (xbb_release_done()).
 *
 * Context: ring thread, or teardown after the thread stopped; may sleep.
 */
void xbb_finish_done(struct xbb_ring *ring)
{
	LIST_HEAD(done);

	/*
	 * One added after this look by another context wakes the thread;
	 * one added by the thread itself is seen before it sleeps
	 * (xbb_ring_has_work()).
	 */
	if (!list_empty_careful(&ring->done_list)) {
		spin_lock_irq(&ring->done_lock);
		list_splice_init(&ring->done_list, &done);
		spin_unlock_irq(&ring->done_lock);
		xbb_release_done(ring, &done);
	}
}

/**
 * xbb_ring_busy() - whether requests of a ring are still outstanding
 * @ring: the ring
 *
 * Context: any context but hard interrupt.
 * Return: true while the block layer holds some request of @ring, or the
 * grants of one wait to be unmapped.
 */
bool xbb_ring_busy(struct xbb_ring *ring)
{
	return !xbb_inflight_is(ring, 0) || xbb_unmaps_pending(ring);
}

/**
 * xbb_ring_close() - stop a ring consuming requests; is it still busy?
 * @ring: the ring, about to be disconnected
 *
 * After this the ring thread starts no new pass over the ring
 * (xbb_process_ring()).  A pass under way counts as busy: it may be
 * about to submit I/O, or to discard the whole disk, which the thread
 * does synchronously.  So a ring found idle here stays idle, and its
 * teardown waits for no I/O, whatever the frontend posts meanwhile.
 *
 * Context: process context; the caller disconnects the ring afterwards.
 * Return: true while a pass is under way, the block layer holds some
 * request of @ring, or the grants of one wait to be unmapped.
 */
bool xbb_ring_close(struct xbb_ring *ring)
{
	set_bit(XBB_RING_CLOSING, &ring->flags);
	smp_mb__after_atomic();	/* pairs with xbb_process_ring() */
	if (test_bit(XBB_RING_CONSUMING, &ring->flags))
		return true;
	smp_rmb();	/* a finished pass's work, after its end */
	return xbb_ring_busy(ring);
}

/**
 * xbb_drain_done() - wait for all outstanding I/O of a ring and answer it
 * @ring: the ring, whose thread has been stopped
 *
 * Context: teardown, process context; sleeps until the block layer has
 * completed every bio and every page it held is unmapped.
 */
void xbb_drain_done(struct xbb_ring *ring)
{
	xbb_wait_inflight(ring, 0);
	xbb_finish_done(ring);
	wait_event(ring->inflight_wq, !xbb_unmaps_pending(ring));
}
