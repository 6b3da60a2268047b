// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: shared rings, event channels and response handling.
 */

#include <linux/highmem.h>
#include <linux/interrupt.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <xen/events.h>
#include <xen/page.h>

#include "blkfront.h"
#include "trace.h"

static irqreturn_t blkfront_interrupt(int irq, void *dev_id);

/*
 * Allocate a shared ring of 2^info->ring_order pages and its event channel.
 * The ring pages are zeroed and granted by xenbus_setup_ring(); the event
 * channel is bound with late EOI so that a storm of events from the
 * backend cannot keep this CPU in the handler.  The ring is not live yet.
 * On failure nothing is left allocated.
 */
static int blkfront_ring_setup(struct blkfront_ring *ring)
{
	struct blkfront_info *info = ring->info;
	struct xenbus_device *dev = info->xbdev;
	unsigned int nr = 1U << info->ring_order;
	void *addr = NULL;
	int err;

	err = xenbus_setup_ring(dev, GFP_NOIO, &addr, nr, ring->refs);
	if (err)
		return err;
	ring->sring = addr;
	XEN_FRONT_RING_INIT(&ring->ring, ring->sring, XEN_PAGE_SIZE * nr);

	err = xenbus_alloc_evtchn(dev, &ring->evtchn);
	if (err)
		goto out_ring;

	snprintf(ring->irq_name, sizeof(ring->irq_name), "blkif-%s-%u",
		 dev_name(&dev->dev), ring->index);
	err = bind_evtchn_to_irqhandler_lateeoi(ring->evtchn,
						blkfront_interrupt, 0,
						ring->irq_name, ring);
	if (err < 0) {
		xenbus_dev_fatal(dev, err, "binding event channel");
		xenbus_free_evtchn(dev, ring->evtchn);
		ring->evtchn = 0;
		goto out_ring;
	}
	ring->irq = err;
	return 0;

out_ring:
	xenbus_teardown_ring(&addr, nr, ring->refs);
	ring->sring = NULL;
	return err;
}

/* Size a ring for the connection's layout: its shadows and its pool. */
static int blkfront_ring_alloc_shadows(struct blkfront_ring *ring)
{
	struct blkfront_info *info = ring->info;
	unsigned int size = info->ring_size;
	unsigned int per = info->layout.grants_per_slot;
	unsigned int i, units, largest;
	int err;

	ring->shadow = kvcalloc(size, sizeof(*ring->shadow), GFP_KERNEL);
	ring->uses = kvcalloc(size * per, sizeof(*ring->uses), GFP_KERNEL);
	if (!ring->shadow || !ring->uses)
		goto out_free;

	for (i = 0; i < size; i++) {
		ring->shadow[i].uses = &ring->uses[i * per];
		ring->shadow[i].next_free = i + 1;
	}
	ring->shadow_free = 0;

	if (info->direct) {
		units = xbf_frame_pool_units(&info->layout, size);
	} else {
		/* A segment stays within one guest page. */
		largest = xbf_units_for(&info->layout, &blkfront_geom,
					info->sg_max *
					xbf_grants_per_page(&blkfront_geom));
		units = xbf_pool_units(&info->layout, size, largest);
	}
	err = blkfront_pool_init(ring, units);
	if (err)
		goto out_free;
	return 0;

out_free:
	kvfree(ring->uses);
	kvfree(ring->shadow);
	ring->uses = NULL;
	ring->shadow = NULL;
	return -ENOMEM;
}

/**
 * blkfront_slots_free() - ring slots we may still produce into
 * @ring: ring
 *
 * Context: ring lock held.
 * Return: number of free slots.
 */
unsigned int blkfront_slots_free(struct blkfront_ring *ring)
{
	lockdep_assert_held(&ring->lock);
	return ring->info->ring_size -
	       (ring->ring.req_prod_pvt - ring->ring.rsp_cons);
}

/*
 * A slot is finished; the last slot of a request ends the request.  In
 * the interrupt handler (@iob set), a request that did not fail and that
 * blk-mq completes on this CPU (rather than on the one that submitted it)
 * joins @iob, and is ended with the others of the interrupt once the
 * ring lock is dropped: their tags and queue references are given back
 * in one pass, and a submitter on another CPU does not wait for the lock
 * meanwhile.  Without @iob (a ring being torn down) it is ended at once.
 */
static void blkfront_end_slot(struct blkfront_ring *ring,
			      struct blkfront_shadow *s, blk_status_t status,
			      struct io_comp_batch *iob)
{
	struct request *rq = s->rq;
	struct blkfront_cmd *cmd = blkfront_cmd(rq);

	s->rq = NULL;
	if (status && !cmd->status)
		cmd->status = status;
	if (WARN_ON_ONCE(!cmd->slots_left))
		return;
	if (--cmd->slots_left)
		return;
	if (iob) {
		if (blk_mq_complete_request_remote(rq))
			return;
		if (blk_mq_add_to_batch(rq, iob, cmd->status != BLK_STS_OK,
					blk_mq_end_request_batch))
			return;
	}
	blk_mq_end_request(rq, cmd->status);
}

/**
 * blkfront_release_slot() - finish a slot the backend answered
 * @ring: ring
 * @id: slot
 * @completed: the backend reported success (copy read data out)
 * @is_read: the slot carried read data
 *
 * Copies read data from the units into the request's pages, then returns
 * the units to the pool; without persistent grants their grants are
 * revoked first.  Grants of the request's own pages (no unit) are
 * revoked.  The slot goes back on the free list.
 *
 * Context: ring lock held.
 * Return: false if the backend still maps a non-persistent grant.
 */
bool blkfront_release_slot(struct blkfront_ring *ring, unsigned int id,
			   bool completed, bool is_read)
{
	struct blkfront_info *info = ring->info;
	struct blkfront_shadow *s = &ring->shadow[id];
	unsigned int gmask = xbf_grant_size(&blkfront_geom) - 1;
	bool ok = true;
	unsigned int i;

	lockdep_assert_held(&ring->lock);
	for (i = 0; i < s->nr_uses; i++) {
		struct blkfront_use *use = &s->uses[i];

		if (!use->unit) {
			if (!blkfront_use_revoke(use))
				ok = false;
			continue;
		}
		if (completed && is_read) {
			void *src = blkfront_unit_map(use->unit);

			memcpy_to_page(use->page, use->off,
				       src + (use->off & gmask), use->len);
			blkfront_unit_unmap(src);
		}
		if (!info->persistent && !blkfront_unit_release(ring, use->unit)) {
			ok = false;
			continue;
		}
		blkfront_unit_put(ring, use->unit);
	}
	for (i = 0; i < s->nr_indirect; i++) {
		if (!info->persistent &&
		    !blkfront_unit_release(ring, s->indirect[i])) {
			ok = false;
			continue;
		}
		blkfront_unit_put(ring, s->indirect[i]);
	}
	s->nr_uses = 0;
	s->nr_indirect = 0;
	s->next_free = ring->shadow_free;
	ring->shadow_free = id;
	return ok;
}

static bool blkfront_is_read(const struct blkfront_shadow *s)
{
	return s->op == BLKIF_OP_READ ||
	       (s->op == BLKIF_OP_INDIRECT && s->indirect_op == BLKIF_OP_READ);
}

/* Handle one validated response. Returns false on a protocol violation. */
static bool blkfront_handle_rsp(struct blkfront_ring *ring,
				const struct blkif_response *rsp,
				struct io_comp_batch *iob)
{
	struct blkfront_info *info = ring->info;
	struct device *dev = &info->xbdev->dev;
	struct blkfront_shadow *s = NULL;
	enum xbf_rsp_verdict v;
	blk_status_t status = BLK_STS_OK;
	int err;

	if (rsp->id < info->ring_size) {
		s = &ring->shadow[rsp->id];
		v = xbf_check_rsp(rsp->id, info->ring_size, s->rq, s->op,
				  s->indirect_op, rsp->operation);
	} else {
		v = xbf_check_rsp(rsp->id, info->ring_size, false, 0, 0,
				  rsp->operation);
	}
	switch (v) {
	case XBF_RSP_VALID:
		break;
	case XBF_RSP_BAD_ID:
		dev_err_ratelimited(dev, "ring %u: response id %llu out of range\n",
				    ring->index, (unsigned long long)rsp->id);
		return false;
	case XBF_RSP_NOT_INFLIGHT:
		dev_err_ratelimited(dev, "ring %u: response for idle slot %llu\n",
				    ring->index, (unsigned long long)rsp->id);
		return false;
	default:
		dev_err_ratelimited(dev, "ring %u: response op %u for request op %u\n",
				    ring->index, rsp->operation, s->op);
		return false;
	}

	trace_xen_blkfront_complete(ring, rsp, s);
	err = xbf_rsp_errno(rsp->status);
	if (err == -EOPNOTSUPP && s->nr_uses == 0 &&
	    s->op != BLKIF_OP_INDIRECT) {
		blkfront_feature_refused(info, s->op);
		status = BLK_STS_NOTSUPP;
	} else if (err) {
		dev_err_ratelimited(dev, "%s: backend error %d on op %u\n",
				    info->gd->disk_name, rsp->status, s->op);
		status = BLK_STS_IOERR;
	}

	if (!blkfront_release_slot(ring, rsp->id, !err, blkfront_is_read(s))) {
		/* Data is fine, but a grant is stuck: complete, then fail. */
		blkfront_end_slot(ring, s, status, iob);
		dev_err_ratelimited(dev, "ring %u: backend kept a non-persistent grant mapped\n",
				    ring->index);
		return false;
	}
	blkfront_end_slot(ring, s, status, iob);
	return true;
}

/*
 * A slot leaves the ring unanswered (failed, or collected for reissue):
 * revoke the grants of the request's own pages now, before the request
 * gives them back to their owner.  One the backend still maps keeps its
 * page until it lets go (blkfront_use_revoke()).  Units are left alone.
 */
static void blkfront_slot_revoke_pages(struct blkfront_ring *ring,
				       struct blkfront_shadow *s)
{
	unsigned int i, stuck = 0;

	for (i = 0; i < s->nr_uses; i++)
		if (!s->uses[i].unit && !blkfront_use_revoke(&s->uses[i]))
			stuck++;
	if (stuck)
		dev_warn_ratelimited(&ring->info->xbdev->dev,
				     "ring %u: backend still maps %u page(s) of a request it did not answer\n",
				     ring->index, stuck);
}

/*
 * Fail every request a ring that is no longer live holds; returns the
 * number of slots that were in flight (a request spread over several
 * slots counts once per slot).  The units of the failed slots are not
 * reused: the backend may still access them.  They are revoked when the
 * pool is destroyed.  Grants of the requests' own pages are revoked now.
 */
static unsigned int blkfront_ring_fail_inflight(struct blkfront_ring *ring)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&ring->lock);
	for (i = 0; ring->shadow && i < ring->info->ring_size; i++) {
		struct blkfront_shadow *s = &ring->shadow[i];

		if (!s->rq)
			continue;
		blkfront_slot_revoke_pages(ring, s);
		blkfront_end_slot(ring, s, BLK_STS_IOERR, NULL);
		n++;
	}
	return n;
}

/*
 * The one way a ring leaves service: ->queue_rq and the interrupt handler
 * test ring->live under the ring lock and leave a ring that is not live
 * alone.  With @fail, the requests it holds are failed as well; without,
 * they stay in the shadows for blkfront_ring_teardown() to collect.
 */
static unsigned int blkfront_ring_stop_locked(struct blkfront_ring *ring,
					      bool fail)
{
	lockdep_assert_held(&ring->lock);
	ring->live = false;
	return fail ? blkfront_ring_fail_inflight(ring) : 0;
}

/**
 * blkfront_stop_rings() - take every ring out of service and fail its I/O
 * @info: device
 *
 * Marks each of the @info->max_rings rings not live, so that neither
 * ->queue_rq nor the interrupt handler touches it again, and fails the
 * requests it holds with blkfront_ring_fail_inflight().  Event channels,
 * ring pages and pools are left for blkfront_ring_teardown().  The caller
 * kicks the queues once it is done, so that waiting submitters see the
 * new state.
 *
 * Context: process context; takes each ring lock with interrupts off.
 * Return: number of ring slots that were in flight.
 */
unsigned int blkfront_stop_rings(struct blkfront_info *info)
{
	unsigned int i, n = 0;

	for (i = 0; i < info->max_rings; i++) {
		struct blkfront_ring *ring = &info->rings[i];

		spin_lock_irq(&ring->lock);
		n += blkfront_ring_stop_locked(ring, true);
		spin_unlock_irq(&ring->lock);
	}
	return n;
}

/**
 * blkfront_start_rings() - put the rings of a new connection in service
 * @info: device whose @info->nr_rings rings are set up and sized
 *
 * Context: process context; info->mutex held.
 */
void blkfront_start_rings(struct blkfront_info *info)
{
	unsigned int i;

	lockdep_assert_held(&info->mutex);
	for (i = 0; i < info->nr_rings; i++) {
		spin_lock_irq(&info->rings[i].lock);
		info->rings[i].live = true;
		spin_unlock_irq(&info->rings[i].lock);
	}
}

/**
 * blkfront_device_error() - the backend broke the protocol on some ring
 * @info: device
 *
 * Marks the device broken; the error work stops every ring and fails
 * the I/O they hold; new I/O fails at once.
 *
 * Context: any context.
 */
void blkfront_device_error(struct blkfront_info *info)
{
	WRITE_ONCE(info->state, BLKFRONT_ERROR);
	schedule_work(&info->error_work);
}

/**
 * blkfront_error_work() - stop all rings of a broken device
 * @work: info->error_work
 *
 * Context: workqueue; takes the ring locks.
 */
void blkfront_error_work(struct work_struct *work)
{
	struct blkfront_info *info = container_of(work, struct blkfront_info,
						  error_work);

	/*
	 * No info->mutex here: teardown cancels this work with the mutex
	 * held, after making sure nothing can schedule it again.
	 */
	if (READ_ONCE(info->state) != BLKFRONT_ERROR)
		return;
	dev_err(&info->xbdev->dev, "device failed; all I/O will error\n");
	blkfront_stop_rings(info);
	/* Let anything parked on a stopped queue see the error. */
	blkfront_kick_queues(info);
}

static void blkfront_ring_broken(struct blkfront_ring *ring)
{
	blkfront_ring_stop_locked(ring, true);
	blkfront_device_error(ring->info);
}

static irqreturn_t blkfront_interrupt(int irq, void *dev_id)
{
	struct blkfront_ring *ring = dev_id;
	struct blkfront_info *info = ring->info;
	unsigned int eoiflag = XEN_EOI_FLAG_SPURIOUS;
	DEFINE_IO_COMP_BATCH(iob);
	unsigned long flags;
	RING_IDX i, rp;
	int more;

	spin_lock_irqsave(&ring->lock, flags);
	ring->stat_irqs++;
	if (!ring->live)
		goto out;
	do {
		rp = READ_ONCE(ring->ring.sring->rsp_prod);
		virt_rmb();	/* read responses only after the index */
		if (!xbf_rsp_prod_ok(rp, ring->ring.rsp_cons,
				     ring->ring.req_prod_pvt, info->ring_size)) {
			dev_err_ratelimited(&info->xbdev->dev,
					    "ring %u: bogus response producer %u (cons %u, prod %u)\n",
					    ring->index, rp, ring->ring.rsp_cons,
					    ring->ring.req_prod_pvt);
			blkfront_ring_broken(ring);
			goto out;
		}
		for (i = ring->ring.rsp_cons; i != rp; i++) {
			struct blkif_response rsp;

			RING_COPY_RESPONSE(&ring->ring, i, &rsp);
			ring->ring.rsp_cons = i + 1;
			ring->stat_rsps++;
			eoiflag = 0;
			if (!blkfront_handle_rsp(ring, &rsp, &iob)) {
				blkfront_ring_broken(ring);
				goto out;
			}
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&ring->ring, more);
	} while (more);

	/*
	 * Slots and units are this ring's, taken and given back under its
	 * lock: only a queue stopped for want of them can be waiting for
	 * what this pass freed.
	 */
	if (ring->hctx_stopped) {
		ring->hctx_stopped = false;
		blk_mq_start_stopped_hw_queues(info->gd->queue, true);
	}
out:
	if (eoiflag)
		ring->stat_spurious++;
	if (xbf_storm_note(&ring->spurious_run, eoiflag)) {
		ring->stat_storms++;
		dev_warn_ratelimited(&info->xbdev->dev,
				     "ring %u: event storm from the backend: %u events in a row without a response, throttled\n",
				     ring->index, XBF_STORM_RUN);
	}
	spin_unlock_irqrestore(&ring->lock, flags);
	if (iob.complete)
		iob.complete(&iob);
	xen_irq_lateeoi(irq, eoiflag);
	return IRQ_HANDLED;
}

/*
 * Stop a ring's I/O and its interrupt.  Marks the ring not live, so that
 * ->queue_rq and the interrupt handler leave it alone, and unbinds its
 * event channel, which also waits for a handler still running.  From then
 * on nothing on this ring can schedule the device's error work.  Requests
 * in flight, the shadows, the pool and the ring pages stay as they are,
 * for blkfront_ring_teardown().  Idempotent.  Called with info->mutex held.
 */
static void blkfront_ring_quiesce(struct blkfront_ring *ring)
{
	spin_lock_irq(&ring->lock);
	blkfront_ring_stop_locked(ring, false);
	spin_unlock_irq(&ring->lock);

	if (ring->irq > 0) {
		/* Also closes the event channel; waits for the handler. */
		unbind_from_irqhandler(ring->irq, ring);
		ring->irq = 0;
		ring->evtchn = 0;
	}
}

/*
 * Take a ring down.  @why: BLKFRONT_SUSPENDED keeps the requests in flight
 * on info->recover for reissue; anything else fails them.
 *
 * Quiesces the ring first (a no-op if the caller already did), then
 * releases everything else.  The caller must also make sure the device's
 * error work is not running: it fails requests through the shadows that
 * are freed here.
 *
 * Idempotent: every step checks whether it still has something to undo.
 * Called with info->mutex held.
 */
static void blkfront_ring_teardown(struct blkfront_ring *ring,
				   enum blkfront_state why)
{
	struct blkfront_info *info = ring->info;
	unsigned int nr = 1U << info->ring_order;
	unsigned int i;
	struct page *pg;
	bool stuck = false;

	blkfront_ring_quiesce(ring);
	gnttab_cancel_free_callback(&ring->callback);
	cancel_work_sync(&ring->restart_work);

	spin_lock_irq(&ring->lock);
	for (i = 0; ring->shadow && i < info->ring_size; i++) {
		struct blkfront_shadow *s = &ring->shadow[i];
		struct blkfront_cmd *cmd;

		if (!s->rq)
			continue;
		blkfront_slot_revoke_pages(ring, s);
		if (why != BLKFRONT_SUSPENDED) {
			blkfront_end_slot(ring, s, BLK_STS_IOERR, NULL);
			continue;
		}
		cmd = blkfront_cmd(s->rq);
		if (!cmd->collected) {
			cmd->collected = true;
			list_add_tail(&s->rq->queuelist, &info->recover);
		}
		s->rq = NULL;
	}
	spin_unlock_irq(&ring->lock);

	blkfront_pool_destroy(ring);
	kvfree(ring->uses);
	kvfree(ring->shadow);
	ring->uses = NULL;
	ring->shadow = NULL;

	if (ring->sring) {
		for (i = 0; i < nr; i++) {
			if (ring->refs[i] == INVALID_GRANT_REF)
				continue;
			pg = virt_to_page((char *)ring->sring + i * XEN_PAGE_SIZE);
			if (!blkfront_end_grant(ring->refs[i], pg))
				stuck = true;
			ring->refs[i] = INVALID_GRANT_REF;
		}
		if (stuck)
			dev_warn(&info->xbdev->dev,
				 "ring %u still mapped by the backend; freed once it lets go\n",
				 ring->index);
		free_pages_exact(ring->sring, nr * XEN_PAGE_SIZE);
		ring->sring = NULL;
	}
	memset(&ring->ring, 0, sizeof(ring->ring));
	ring->spurious_run = 0;		/* interrupt state, not a statistic */
	ring->stat_reqs = 0;
	ring->stat_slots = 0;
	ring->stat_new_grants = 0;
	ring->stat_notify = 0;
	ring->stat_irqs = 0;
	ring->stat_spurious = 0;
	ring->stat_storms = 0;
	ring->stat_rsps = 0;
	ring->stat_rw_reqs = 0;
	ring->stat_data_grants = 0;
	ring->stat_units_reserved = 0;
}

/**
 * blkfront_teardown_rings() - take every ring down
 * @info: device
 * @why: as for blkfront_ring_teardown(): BLKFRONT_SUSPENDED keeps the
 *	requests in flight for reissue, anything else fails them
 *
 * Undoes blkfront_setup_rings() and blkfront_size_rings(), whatever part
 * of them was done.  Two passes: the error work can be scheduled from any
 * ring's interrupt and walks all the rings' shadows, so every ring is
 * quiesced before it is cancelled, and it is cancelled before the first
 * ring's shadows are freed.  Idempotent.
 *
 * Context: process context; info->mutex held.
 */
void blkfront_teardown_rings(struct blkfront_info *info,
			     enum blkfront_state why)
{
	unsigned int i;

	lockdep_assert_held(&info->mutex);
	for (i = 0; i < info->max_rings; i++)
		blkfront_ring_quiesce(&info->rings[i]);
	/* Nothing can schedule the error work any more. */
	cancel_work_sync(&info->error_work);
	for (i = 0; i < info->max_rings; i++)
		blkfront_ring_teardown(&info->rings[i], why);
}

/* Run @step on each ring of the connection, up to the first failure. */
static int blkfront_each_ring(struct blkfront_info *info,
			      int (*step)(struct blkfront_ring *ring))
{
	unsigned int i;
	int err = 0;

	lockdep_assert_held(&info->mutex);
	for (i = 0; !err && i < info->nr_rings; i++)
		err = step(&info->rings[i]);
	return err;
}

/**
 * blkfront_setup_rings() - allocate the shared rings of a new connection
 * @info: device; @info->nr_rings and @info->ring_order are negotiated
 *
 * Allocates, grants and binds @info->nr_rings rings; they are not live
 * until blkfront_start_rings().
 *
 * Context: process context, may sleep; info->mutex held.
 * Return: 0 or a negative errno; blkfront_teardown_rings() undoes a
 * partial setup.
 */
int blkfront_setup_rings(struct blkfront_info *info)
{
	return blkfront_each_ring(info, blkfront_ring_setup);
}

/**
 * blkfront_size_rings() - allocate shadows and pools for the layout
 * @info: device whose rings are set up and whose layout is negotiated
 *
 * Context: process context in a NOIO scope; info->mutex held.
 * Return: 0 or -ENOMEM; blkfront_teardown_rings() undoes a partial
 * allocation.
 */
int blkfront_size_rings(struct blkfront_info *info)
{
	return blkfront_each_ring(info, blkfront_ring_alloc_shadows);
}

/**
 * blkfront_alloc_rings() - allocate the ring array of a new device
 * @info: device; @info->max_rings says how many
 *
 * The rings hold no resources until blkfront_setup_rings().
 *
 * Context: process context, may sleep.
 * Return: 0 or -ENOMEM.
 */
int blkfront_alloc_rings(struct blkfront_info *info)
{
	unsigned int i, j;

	info->rings = kcalloc(info->max_rings, sizeof(*info->rings),
			      GFP_KERNEL);
	if (!info->rings)
		return -ENOMEM;
	for (i = 0; i < info->max_rings; i++) {
		struct blkfront_ring *ring = &info->rings[i];

		ring->info = info;
		ring->index = i;
		spin_lock_init(&ring->lock);
		INIT_WORK(&ring->restart_work, blkfront_restart_work);
		for (j = 0; j < XENBUS_MAX_RING_GRANTS; j++)
			ring->refs[j] = INVALID_GRANT_REF;
	}
	return 0;
}

/**
 * blkfront_free_rings() - free the ring array of blkfront_alloc_rings()
 * @info: device whose rings are torn down
 *
 * Context: process context.
 */
void blkfront_free_rings(struct blkfront_info *info)
{
	kfree(info->rings);
	info->rings = NULL;
}
