// SPDX-License-Identifier: GPL-2.0
/*
 * rogue_back: a test-only block backend that turns hostile on request.
 *
 * It serves devices of type "rvbd" (created by hand in xenstore by the
 * lab's hostile tests) from a small in-memory disk, honestly at first, so
 * that a guest's frontend connects and scans the disk.  Writing a mode to
 * /sys/module/rogue_back/parameters/mode then makes it break the block
 * protocol in one chosen way; the tests check that the frontend survives.
 *
 * Never load this outside the lab.
 */

#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>

enum rogue_mode {
	ROGUE_HONEST,		/* serve correctly */
	ROGUE_BAD_ID,		/* answer with id == ring size */
	ROGUE_DUP_ID,		/* answer one request twice, drop the next */
	ROGUE_BAD_OP,		/* answer with the wrong operation */
	ROGUE_OVERFLOW,		/* publish a producer past the requests */
	ROGUE_NO_UNMAP,		/* keep data grants mapped after answering */
	ROGUE_STORM,		/* flood the frontend with events */
	ROGUE_NO_FLUSH,		/* refuse flushes after offering them */
	ROGUE_VANISH,		/* stop answering, then close and unmap */
	ROGUE_NR_MODES,
};

static unsigned int mode;
module_param(mode, uint, 0644);
MODULE_PARM_DESC(mode, "0 honest, 1 bad id, 2 duplicate id, 3 bad op, 4 producer overflow, 5 never unmap, 6 event storm, 7 refuse flush, 8 vanish");

static unsigned int disk_mib = 4;
module_param(disk_mib, uint, 0444);
MODULE_PARM_DESC(disk_mib, "size of the in-memory disk, MiB");

static unsigned int vanish_ms = 4000;
module_param(vanish_ms, uint, 0644);
MODULE_PARM_DESC(vanish_ms, "in vanish mode: close this long after the first swallowed request, ms");

static unsigned int storm_ms = 3000;
module_param(storm_ms, uint, 0644);
MODULE_PARM_DESC(storm_ms, "length of an event storm, ms");

static unsigned int discard_granularity;
module_param(discard_granularity, uint, 0444);
MODULE_PARM_DESC(discard_granularity, "if not 0, offer discard with this discard-granularity (bytes, written as given)");

/* Read-only counters for the tests (all devices together). */
static unsigned int requests;
module_param(requests, uint, 0444);
static unsigned int misbehaved;
module_param(misbehaved, uint, 0444);
static unsigned int held_grants;
module_param(held_grants, uint, 0444);
static unsigned int storm_events;
module_param(storm_events, uint, 0444);
static unsigned int flushes_refused;
module_param(flushes_refused, uint, 0444);

#define ROGUE_SEGS		BLKIF_MAX_SEGMENTS_PER_REQUEST
#define ROGUE_MAX_HOLDS		16

/* Data grants of one request kept mapped on purpose (ROGUE_NO_UNMAP). */
struct rogue_hold {
	unsigned int nr;
	struct page *pages[ROGUE_SEGS];
	grant_handle_t handles[ROGUE_SEGS];
};

struct rogue_dev {
	struct xenbus_device *xbdev;
	struct mutex lock;	/* connect and disconnect */
	bool connected;
	struct page **disk;
	unsigned int nr_pages;
	struct blkif_back_ring ring;
	void *ring_addr;
	int irq;
	struct work_struct work;
	struct delayed_work storm;
	struct delayed_work vanish;
	bool storm_started;
	bool vanish_started;
	bool have_held;
	u64 held_id;
	u8 held_op;
	struct rogue_hold holds[ROGUE_MAX_HOLDS];
	unsigned int nr_holds;
	/* not on the stack: gnttab_unmap_refs_async() initialises a work in it */
	struct gntab_unmap_queue_data unmap_q;
};

static void rogue_respond(struct rogue_dev *rd, u64 id, u8 op, s16 status)
{
	struct blkif_response *rsp;
	int notify;

	rsp = RING_GET_RESPONSE(&rd->ring, rd->ring.rsp_prod_pvt);
	rsp->id = id;
	rsp->operation = op;
	rsp->status = status;
	rd->ring.rsp_prod_pvt++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&rd->ring, notify);
	if (notify)
		notify_remote_via_irq(rd->irq);
}

/* Copy one request's data between the guest's grants and the disk. */
static int rogue_copy(struct rogue_dev *rd, const struct blkif_request *req)
{
	struct gnttab_copy ops[ROGUE_SEGS * 2];
	bool write = req->operation == BLKIF_OP_WRITE;
	unsigned int nseg = req->u.rw.nr_segments, n = 0, i;
	u64 pos = req->u.rw.sector_number << 9;
	u64 size = (u64)rd->nr_pages << PAGE_SHIFT;

	if (!nseg || nseg > ROGUE_SEGS)
		return -EINVAL;
	for (i = 0; i < nseg; i++) {
		const struct blkif_request_segment *seg = &req->u.rw.seg[i];
		unsigned int goff = seg->first_sect << 9;
		unsigned int len;

		if (seg->first_sect > seg->last_sect || seg->last_sect > 7)
			return -EINVAL;
		len = (seg->last_sect - seg->first_sect + 1) << 9;
		if (pos + len > size)
			return -EINVAL;
		while (len) {
			struct gnttab_copy *op = &ops[n++];
			unsigned int doff = pos & ~PAGE_MASK;
			unsigned int chunk = min_t(unsigned int, len,
						   PAGE_SIZE - doff);
			xen_pfn_t gfn = xen_page_to_gfn(rd->disk[pos >> PAGE_SHIFT]);
			typeof(op->source) *theirs, *ours;

			memset(op, 0, sizeof(*op));
			op->len = chunk;
			/* A write copies from the frontend's grant, a read to it. */
			op->flags = write ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
			theirs = write ? &op->source : &op->dest;
			ours = write ? &op->dest : &op->source;
			theirs->u.ref = seg->gref;
			theirs->domid = rd->xbdev->otherend_id;
			theirs->offset = goff;
			ours->u.gmfn = gfn;
			ours->domid = DOMID_SELF;
			ours->offset = doff;
			goff += chunk;
			pos += chunk;
			len -= chunk;
		}
	}
	gnttab_batch_copy(ops, n);
	for (i = 0; i < n; i++)
		if (ops[i].status != GNTST_okay)
			return -EIO;
	return 0;
}

/* Map the request's data grants and keep them (ROGUE_NO_UNMAP). */
static void rogue_hold(struct rogue_dev *rd, const struct blkif_request *req)
{
	struct gnttab_map_grant_ref map[ROGUE_SEGS];
	struct rogue_hold *h;
	u32 flags = GNTMAP_host_map;
	unsigned int i, nseg = req->u.rw.nr_segments;

	if (rd->nr_holds >= ROGUE_MAX_HOLDS || !nseg || nseg > ROGUE_SEGS)
		return;
	h = &rd->holds[rd->nr_holds];
	if (gnttab_alloc_pages(nseg, h->pages))
		return;
	/* The frontend grants write data read-only. */
	if (req->operation == BLKIF_OP_WRITE)
		flags |= GNTMAP_readonly;
	for (i = 0; i < nseg; i++)
		gnttab_set_map_op(&map[i],
				  (unsigned long)pfn_to_kaddr(page_to_pfn(h->pages[i])),
				  flags, req->u.rw.seg[i].gref,
				  rd->xbdev->otherend_id);
	if (gnttab_map_refs(map, NULL, h->pages, nseg)) {
		gnttab_free_pages(nseg, h->pages);
		return;
	}
	h->nr = 0;
	for (i = 0; i < nseg; i++) {
		if (map[i].status != GNTST_okay) {
			h->handles[i] = INVALID_GRANT_HANDLE;
			continue;
		}
		h->handles[i] = map[i].handle;
		h->nr++;
	}
	held_grants += h->nr;
	h->nr = nseg;
	rd->nr_holds++;
}

static void rogue_release_holds(struct rogue_dev *rd)
{
	struct gnttab_unmap_grant_ref unmap[ROGUE_SEGS];
	struct gntab_unmap_queue_data *q = &rd->unmap_q;
	unsigned int i, j, n;

	for (i = 0; i < rd->nr_holds; i++) {
		struct rogue_hold *h = &rd->holds[i];
		struct page *pages[ROGUE_SEGS];

		n = 0;
		for (j = 0; j < h->nr; j++) {
			if (h->handles[j] == INVALID_GRANT_HANDLE)
				continue;
			gnttab_set_unmap_op(&unmap[n],
					    (unsigned long)pfn_to_kaddr(page_to_pfn(h->pages[j])),
					    GNTMAP_host_map, h->handles[j]);
			pages[n++] = h->pages[j];
		}
		if (n) {
			memset(q, 0, sizeof(*q));
			q->unmap_ops = unmap;
			q->pages = pages;
			q->count = n;
			if (gnttab_unmap_refs_sync(q))
				pr_info("rogue_back: unmapping held grants failed\n");
			held_grants -= n;
		}
		gnttab_free_pages(h->nr, h->pages);
	}
	rd->nr_holds = 0;
}

static void rogue_storm_fn(struct work_struct *work)
{
	struct rogue_dev *rd = container_of(to_delayed_work(work),
					    struct rogue_dev, storm);
	unsigned long end = jiffies + msecs_to_jiffies(storm_ms);
	unsigned int n = 0;

	while (time_before(jiffies, end)) {
		notify_remote_via_irq(rd->irq);
		storm_events++;
		if (++n % 32 == 0)
			cond_resched();
	}
}

/* Handle one request the honest way; returns the status to answer. */
static s16 rogue_serve(struct rogue_dev *rd, const struct blkif_request *req,
		       unsigned int m)
{
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (rogue_copy(rd, req))
			return BLKIF_RSP_ERROR;
		if (m == ROGUE_NO_UNMAP) {
			rogue_hold(rd, req);
			misbehaved++;
		}
		return BLKIF_RSP_OKAY;
	case BLKIF_OP_FLUSH_DISKCACHE:
		if (m == ROGUE_NO_FLUSH) {
			flushes_refused++;
			misbehaved++;
			xenbus_printf(XBT_NIL, rd->xbdev->nodename,
				      "feature-flush-cache", "%u", 0);
			return BLKIF_RSP_EOPNOTSUPP;
		}
		return BLKIF_RSP_OKAY;
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

static void rogue_one(struct rogue_dev *rd, const struct blkif_request *req)
{
	unsigned int m = READ_ONCE(mode);
	u64 id = req->u.rw.id;
	s16 st;

	requests++;
	if (m == ROGUE_VANISH) {
		misbehaved++;
		if (!rd->vanish_started) {
			rd->vanish_started = true;
			queue_delayed_work(system_unbound_wq, &rd->vanish,
					   msecs_to_jiffies(vanish_ms));
		}
		return;
	}
	st = rogue_serve(rd, req, m);
	switch (m) {
	case ROGUE_BAD_ID:
		misbehaved++;
		rogue_respond(rd, RING_SIZE(&rd->ring), req->operation, st);
		return;
	case ROGUE_BAD_OP:
		misbehaved++;
		rogue_respond(rd, id, req->operation == BLKIF_OP_READ ?
			      BLKIF_OP_WRITE : BLKIF_OP_READ, st);
		return;
	case ROGUE_DUP_ID:
		if (!rd->have_held) {
			/* Keep the first one back until a second arrives. */
			rd->have_held = true;
			rd->held_id = id;
			rd->held_op = req->operation;
			return;
		}
		misbehaved++;
		rd->have_held = false;
		rogue_respond(rd, rd->held_id, rd->held_op, BLKIF_RSP_OKAY);
		rogue_respond(rd, rd->held_id, rd->held_op, BLKIF_RSP_OKAY);
		return;
	case ROGUE_OVERFLOW:
		misbehaved++;
		rogue_respond(rd, id, req->operation, st);
		/* Claim far more responses than there are requests. */
		virt_wmb();
		WRITE_ONCE(rd->ring.sring->rsp_prod,
			   rd->ring.rsp_prod_pvt + RING_SIZE(&rd->ring) + 7);
		notify_remote_via_irq(rd->irq);
		return;
	case ROGUE_STORM:
		if (!rd->storm_started) {
			rd->storm_started = true;
			misbehaved++;
			queue_delayed_work(system_unbound_wq, &rd->storm, 0);
		}
		break;
	default:
		break;
	}
	rogue_respond(rd, id, req->operation, st);
}

static void rogue_work_fn(struct work_struct *work)
{
	struct rogue_dev *rd = container_of(work, struct rogue_dev, work);
	struct blkif_request req;
	RING_IDX rc, rp;
	int more;

	do {
		rc = rd->ring.req_cons;
		rp = READ_ONCE(rd->ring.sring->req_prod);
		virt_rmb();	/* read requests only after the index */
		if (rp - rc > RING_SIZE(&rd->ring)) {
			pr_info("rogue_back: frontend overflowed the ring\n");
			return;
		}
		while (rc != rp) {
			RING_COPY_REQUEST(&rd->ring, rc, &req);
			rd->ring.req_cons = ++rc;
			rogue_one(rd, &req);
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&rd->ring, more);
	} while (more);
}

static irqreturn_t rogue_interrupt(int irq, void *dev_id)
{
	struct rogue_dev *rd = dev_id;

	schedule_work(&rd->work);
	xen_irq_lateeoi(irq, 0);
	return IRQ_HANDLED;
}

static void rogue_disconnect(struct rogue_dev *rd)
{
	mutex_lock(&rd->lock);
	/* The storm notifies through the irq: stop it before unbinding. */
	cancel_delayed_work_sync(&rd->storm);
	if (rd->irq > 0) {
		unbind_from_irqhandler(rd->irq, rd);
		rd->irq = 0;
	}
	cancel_work_sync(&rd->work);
	rogue_release_holds(rd);
	if (rd->ring_addr) {
		xenbus_unmap_ring_vfree(rd->xbdev, rd->ring_addr);
		rd->ring_addr = NULL;
	}
	rd->connected = false;
	rd->have_held = false;
	rd->storm_started = false;
	mutex_unlock(&rd->lock);
}

/* Vanish: drop the ring with requests unanswered and close this end. */
static void rogue_vanish_fn(struct work_struct *work)
{
	struct rogue_dev *rd = container_of(to_delayed_work(work),
					    struct rogue_dev, vanish);

	rogue_disconnect(rd);
	xenbus_switch_state(rd->xbdev, XenbusStateClosed);
	pr_info("rogue_back: %s vanished\n", rd->xbdev->nodename);
}

static int rogue_connect(struct rogue_dev *rd)
{
	struct xenbus_device *dev = rd->xbdev;
	struct xenbus_transaction xbt;
	unsigned int evtchn;
	grant_ref_t ref;
	int err;

	mutex_lock(&rd->lock);
	if (rd->connected) {
		mutex_unlock(&rd->lock);
		return 0;
	}
	err = xenbus_gather(XBT_NIL, dev->otherend, "ring-ref", "%u", &ref,
			    "event-channel", "%u", &evtchn, NULL);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading ring-ref/event-channel");
		goto out;
	}
	err = xenbus_map_ring_valloc(dev, &ref, 1, &rd->ring_addr);
	if (err)
		goto out;
	BACK_RING_INIT(&rd->ring, (struct blkif_sring *)rd->ring_addr,
		       XEN_PAGE_SIZE);
	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, evtchn,
							    rogue_interrupt, 0,
							    "rogue_back", rd);
	if (err < 0) {
		xenbus_unmap_ring_vfree(dev, rd->ring_addr);
		rd->ring_addr = NULL;
		goto out;
	}
	rd->irq = err;
	rd->connected = true;

again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		goto out;
	xenbus_printf(xbt, dev->nodename, "sectors", "%llu",
		      (unsigned long long)rd->nr_pages << (PAGE_SHIFT - 9));
	xenbus_printf(xbt, dev->nodename, "info", "%u", 0);
	xenbus_printf(xbt, dev->nodename, "sector-size", "%u", 512);
	xenbus_printf(xbt, dev->nodename, "feature-flush-cache", "%u", 1);
	xenbus_printf(xbt, dev->nodename, "feature-persistent", "%u", 0);
	if (discard_granularity) {
		xenbus_printf(xbt, dev->nodename, "feature-discard", "%u", 1);
		xenbus_printf(xbt, dev->nodename, "discard-granularity", "%u",
			      discard_granularity);
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	mutex_unlock(&rd->lock);
	if (!err)
		xenbus_switch_state(dev, XenbusStateConnected);
	return err;
out:
	mutex_unlock(&rd->lock);
	return err;
}

static void rogue_frontend_changed(struct xenbus_device *dev,
				   enum xenbus_state fstate)
{
	struct rogue_dev *rd = dev_get_drvdata(&dev->dev);

	switch (fstate) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (dev->state == XenbusStateConnected)
			break;
		if (rogue_connect(rd))
			pr_info("rogue_back: %s: connect failed\n", dev->nodename);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		rogue_disconnect(rd);
		xenbus_switch_state(dev, fstate == XenbusStateClosing ?
				    XenbusStateClosing : XenbusStateClosed);
		break;
	default:
		break;
	}
}

static void rogue_free(struct rogue_dev *rd)
{
	unsigned int i;

	for (i = 0; rd->disk && i < rd->nr_pages; i++)
		if (rd->disk[i])
			__free_page(rd->disk[i]);
	kvfree(rd->disk);
	kfree(rd);
}

static int rogue_probe(struct xenbus_device *dev,
		       const struct xenbus_device_id *id)
{
	struct rogue_dev *rd;
	unsigned int i;

	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return -ENOMEM;
	rd->xbdev = dev;
	mutex_init(&rd->lock);
	INIT_WORK(&rd->work, rogue_work_fn);
	INIT_DELAYED_WORK(&rd->storm, rogue_storm_fn);
	INIT_DELAYED_WORK(&rd->vanish, rogue_vanish_fn);
	rd->nr_pages = clamp(disk_mib, 1U, 64U) << (20 - PAGE_SHIFT);
	rd->disk = kvcalloc(rd->nr_pages, sizeof(*rd->disk), GFP_KERNEL);
	if (!rd->disk)
		goto nomem;
	for (i = 0; i < rd->nr_pages; i++) {
		rd->disk[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!rd->disk[i])
			goto nomem;
	}
	dev_set_drvdata(&dev->dev, rd);
	xenbus_switch_state(dev, XenbusStateInitWait);
	pr_info("rogue_back: serving %s for domain %d\n", dev->nodename,
		dev->otherend_id);
	return 0;
nomem:
	rogue_free(rd);
	return -ENOMEM;
}

static void rogue_remove(struct xenbus_device *dev)
{
	struct rogue_dev *rd = dev_get_drvdata(&dev->dev);

	cancel_delayed_work_sync(&rd->vanish);
	rogue_disconnect(rd);
	dev_set_drvdata(&dev->dev, NULL);
	rogue_free(rd);
	pr_info("rogue_back: %s removed\n", dev->nodename);
}

static const struct xenbus_device_id rogue_ids[] = {
	{ "rvbd" },
	{ "" }
};

static struct xenbus_driver rogue_driver = {
	.ids			= rogue_ids,
	.probe			= rogue_probe,
	.remove			= rogue_remove,
	.otherend_changed	= rogue_frontend_changed,
};

static int __init rogue_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	return xenbus_register_backend(&rogue_driver);
}
module_init(rogue_init);

static void __exit rogue_exit(void)
{
	xenbus_unregister_driver(&rogue_driver);
}
module_exit(rogue_exit);

MODULE_DESCRIPTION("Test-only hostile Xen block backend (lab use only)");
MODULE_LICENSE("GPL");
