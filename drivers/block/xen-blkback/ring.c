// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: shared rings, event channels and ring threads.
 */

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "common.h"

static irqreturn_t xbb_irq(int irq, void *dev_id)
{
	struct xbb_ring *ring = dev_id;

	/* The event stays masked until the thread sends the late EOI. */
	set_bit(XBB_RING_EOI, &ring->flags);
	set_bit(XBB_RING_KICK, &ring->flags);
	wake_up(&ring->wq);
	return IRQ_HANDLED;
}

static bool xbb_ring_has_work(struct xbb_ring *ring)
{
	return (test_bit(XBB_RING_KICK, &ring->flags) && !ring->halted &&
		!READ_ONCE(ring->starved)) ||
	       !list_empty_careful(&ring->done_list) ||
	       atomic_read(&ring->be->squeeze_gen) != ring->squeeze_seen;
}

static void xbb_print_stats(struct xbb_ring *ring)
{
	struct xbb_stats *st = &ring->st;

	pr_info("xen-blkback: %s: oo %llu | rd %llu | wr %llu | f %llu | ds %llu | pg %u/%u | pool %u\n",
		current->comm, st->oo_req, st->rd_req, st->wr_req, st->f_req,
		st->ds_req, ring->gcache.count, READ_ONCE(xbb_max_pgrants),
		READ_ONCE(ring->pool.num_pages));
	ring->next_stats = jiffies + XBB_STATS_INTERVAL;
}

static void xbb_housekeeping(struct xbb_ring *ring)
{
	unsigned long now = jiffies;

	if (time_after_eq(now, ring->next_lru)) {
		xbb_gcache_purge(ring);
		ring->next_lru = now +
			msecs_to_jiffies(READ_ONCE(xbb_lru_interval_ms));
	}
	xbb_pool_trim(ring);
	if (ring->index == 0)
		xbb_check_resize(ring->be);
	if (READ_ONCE(xbb_log_stats) && time_after_eq(now, ring->next_stats))
		xbb_print_stats(ring);
}

static int xbb_ring_thread(void *arg)
{
	struct xbb_ring *ring = arg;

	ring->eoi_flags = XEN_EOI_FLAG_SPURIOUS;
	ring->next_lru = jiffies;
	ring->next_idle_scan = jiffies;
	ring->next_stats = jiffies + XBB_STATS_INTERVAL;

	while (!kthread_should_stop()) {
		unsigned int ms = min_t(unsigned int,
					READ_ONCE(xbb_lru_interval_ms),
					XBB_HOUSEKEEPING_MS);

		wait_event_interruptible_timeout(ring->wq,
						 xbb_ring_has_work(ring) ||
						 kthread_should_stop(),
						 msecs_to_jiffies(ms) ?: 1);
		if (kthread_should_stop())
			break;

		xbb_finish_done(ring);

		if (test_and_clear_bit(XBB_RING_KICK, &ring->flags)) {
			/* Clear the kick before looking at the ring. */
			smp_mb__after_atomic();
			if (xbb_process_ring(ring))
				set_bit(XBB_RING_KICK, &ring->flags);
		}

		/*
		 * Unmask the event channel only once everything it announced
		 * was consumed; a halted ring stays masked for good.
		 */
		if (!ring->halted && !READ_ONCE(ring->starved) &&
		    !test_bit(XBB_RING_KICK, &ring->flags) &&
		    test_and_clear_bit(XBB_RING_EOI, &ring->flags)) {
			xen_irq_lateeoi(ring->irq, ring->eoi_flags);
			ring->eoi_flags = XEN_EOI_FLAG_SPURIOUS;
		}

		xbb_housekeeping(ring);
	}
	return 0;
}

/*
 * Take over a ring another backend instance served: the indexes in the
 * shared page are the guest's, read once and checked like any producer
 * index before they are trusted.
 */
static int xbb_ring_attach(struct xbb_ring *ring)
{
	struct xbb_common_back_ring *c = &ring->rings.common;
	RING_IDX req_prod, rsp_prod;

	rsp_prod = READ_ONCE(c->sring->rsp_prod);
	req_prod = READ_ONCE(c->sring->req_prod);
	if (!xbb_attach_indexes_ok(req_prod, rsp_prod, RING_SIZE(c))) {
		xbb_ring_err(ring,
			     "queue %u: live ring has request producer %u, responses at %u, ring size %u: refusing to attach\n",
			     ring->index, req_prod, rsp_prod, RING_SIZE(c));
		return -EPROTO;
	}
	c->rsp_prod_pvt = rsp_prod;
	c->req_cons = rsp_prod;
	dev_info(xbb_dev(ring),
		 "queue %u: attached to the live ring at response %u, %u request(s) waiting\n",
		 ring->index, rsp_prod, req_prod - rsp_prod);
	return 0;
}

/**
 * xbb_ring_init() - initialise a zeroed ring structure
 * @ring: the ring
 * @be: owning device
 * @index: queue number
 *
 * Makes the ring safe for xbb_ring_disconnect(), sysfs readers and memory
 * reclaim before anything is mapped.
 *
 * Context: process context, be->lock held.
 */
void xbb_ring_init(struct xbb_ring *ring, struct xbb_device *be,
		   unsigned int index)
{
	lockdep_assert_held(&be->lock);
	ring->be = be;
	ring->index = index;
	init_waitqueue_head(&ring->wq);
	init_waitqueue_head(&ring->inflight_wq);
	spin_lock_init(&ring->rsp_lock);
	spin_lock_init(&ring->done_lock);
	INIT_LIST_HEAD(&ring->done_list);
	INIT_LIST_HEAD(&ring->free_reqs);
	xbb_gcache_init(&ring->gcache);
	xbb_pool_init(ring);
	ring->squeeze_seen = atomic_read(&be->squeeze_gen);
}

/**
 * xbb_ring_connect() - map a shared ring and bind its event channel
 * @ring: the ring, set up by xbb_ring_init()
 * @grefs: grant references of the ring pages (from xenstore)
 * @nr_grefs: number of ring pages
 * @evtchn: the frontend's event channel port
 * @attach: the frontend is already using this ring (a backend instance
 *	    before us served it): take it over where it stands instead of
 *	    starting at index 0
 *
 * When attaching, responses continue at the shared response producer and
 * every request after it is read as new, since the previous instance
 * answered all it had consumed before it let go.  A request producer more
 * than a ring's worth ahead is refused (-EPROTO) and named in the log.
 *
 * Also allocates one request slot per ring entry.  On failure everything
 * done so far is undone by xbb_ring_disconnect(), which the caller must
 * call in any case.
 *
 * Context: xenbus (process) context; may sleep.
 * Return: 0 or a negative errno.
 */
int xbb_ring_connect(struct xbb_ring *ring, grant_ref_t *grefs,
		     unsigned int nr_grefs, evtchn_port_t evtchn, bool attach)
{
	struct xbb_device *be = ring->be;
	size_t size = (size_t)XEN_PAGE_SIZE * nr_grefs;
	unsigned int i;
	void *area;
	int err;

	err = xenbus_map_ring_valloc(be->dev, grefs, nr_grefs, &area);
	if (err < 0)
		return err;
	ring->ring_area = area;

	switch (be->protocol) {
	case XBB_PROTO_X86_32:
		BACK_RING_INIT(&ring->rings.x86_32,
			       (struct xbb_x86_32_sring *)area, size);
		break;
	case XBB_PROTO_X86_64:
		BACK_RING_INIT(&ring->rings.x86_64,
			       (struct xbb_x86_64_sring *)area, size);
		break;
	case XBB_PROTO_NATIVE:
	default:
		BACK_RING_INIT(&ring->rings.native,
			       (struct blkif_sring *)area, size);
		break;
	}

	if (attach) {
		err = xbb_ring_attach(ring);
		if (err)
			return err;
	}

	ring->nr_reqs = RING_SIZE(&ring->rings.common);
	ring->reqs = vcalloc(ring->nr_reqs, sizeof(*ring->reqs));
	if (!ring->reqs)
		return -ENOMEM;
	for (i = 0; i < ring->nr_reqs; i++) {
		ring->reqs[i].ring = ring;
		list_add_tail(&ring->reqs[i].node, &ring->free_reqs);
	}

	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(be->dev, evtchn,
							    xbb_irq, 0,
							    "blkif-backend",
							    ring);
	if (err < 0)
		return err;
	ring->irq = err;
	return 0;
}

/**
 * xbb_ring_start() - start the thread of a connected ring
 * @ring: the ring
 *
 * Context: xenbus (process) context.
 * Return: 0 or a negative errno.
 */
int xbb_ring_start(struct xbb_ring *ring)
{
	struct task_struct *t;

	t = kthread_run(xbb_ring_thread, ring, "%s-%u", ring->be->name,
			ring->index);
	if (IS_ERR(t))
		return PTR_ERR(t);
	ring->thread = t;
	/* Requests may already be waiting: look once. */
	set_bit(XBB_RING_KICK, &ring->flags);
	wake_up(&ring->wq);
	return 0;
}

/**
 * xbb_ring_disconnect() - tear a ring down completely
 * @ring: the ring
 *
 * Stops the thread, waits for every bio to complete and answers those
 * requests, unbinds the event channel, unmaps all persistent grants, frees
 * the page pool and request slots and unmaps the shared ring.  Safe to call
 * on a partially connected or already disconnected ring.
 *
 * Context: process context; sleeps while I/O is outstanding.
 */
void xbb_ring_disconnect(struct xbb_ring *ring)
{
	if (ring->thread) {
		kthread_stop(ring->thread);
		ring->thread = NULL;
	}

	if (ring->reqs) {
		/* Completed requests are answered while the ring is mapped. */
		xbb_drain_done(ring);
		if (WARN_ON_ONCE(!list_empty(&ring->done_list)))
			INIT_LIST_HEAD(&ring->done_list);
	}

	if (ring->irq) {
		unbind_from_irqhandler(ring->irq, ring);
		ring->irq = 0;
	}

	xbb_gcache_free_all(ring);
	xbb_pool_destroy(ring);

	vfree(ring->reqs);
	ring->reqs = NULL;
	ring->nr_reqs = 0;
	INIT_LIST_HEAD(&ring->free_reqs);

	if (ring->ring_area) {
		xenbus_unmap_ring_vfree(ring->be->dev, ring->ring_area);
		ring->ring_area = NULL;
	}
	ring->halted = false;
	ring->malformed_run = 0;
	ring->starved = false;
	ring->flags = 0;
}
