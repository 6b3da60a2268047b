// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: xenbus device, state machine and connection set-up.
 *
 * All xenbus callbacks (probe, remove, watches, otherend_changed) run in
 * the xenwatch thread and are serialised by it; be->lock additionally
 * keeps sysfs readers and memory reclaim away from rings being allocated
 * or freed (never held while waiting for I/O).
 */

#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "common.h"

/* A frontend may ask for this many ring pages at most. */
#define XBB_MAX_RING_PAGES	BIT(XENBUS_MAX_RING_GRANT_ORDER)

static void xbb_close_bdev(struct xbb_device *be)
{
	if (be->bdev) {
		xen_blk_bdev_close(&be->bdev_handle);
		be->bdev = NULL;
	}
}

/*
 * The rings are drained without be->lock: waiting there for a backing
 * device that stopped answering, it would hold every statistics reader
 * too, and the removal of the device's sysfs files (in xenwatch, on
 * device_unregister()) waits for the readers in them.  Readers only read
 * counters of ring structures that stay in place until freed below, under
 * the lock, in the same step that folds their counters into the device's.
 * Only xenwatch and the teardown work call this, never both at once.
 */
static void xbb_disconnect(struct xbb_device *be)
{
	struct xbb_ring *rings;
	unsigned int i;

	for (i = 0; i < be->nr_rings; i++)
		xbb_ring_disconnect(&be->rings[i]);

	mutex_lock(&be->lock);
	rings = be->rings;
	for (i = 0; i < be->nr_rings; i++) {
		xbb_stats_retire(be, &rings[i].st);
		xbb_stats_retire(be, &rings[i].cst);
	}
	be->rings = NULL;
	be->nr_rings = 0;
	mutex_unlock(&be->lock);
	kfree(rings);
}

/*
 * Teardown off the xenwatch thread.  Disconnecting waits until the backing
 * device has completed every request in flight.  Done inline in a xenbus
 * callback, a device that stops answering would hold the one xenwatch
 * thread, and with it every xenbus device of the host.  So when the
 * frontend has closed or is gone and requests are still in flight, the
 * wait runs on xbb_td_wq and xenwatch goes on: the device says Closed
 * when its teardown is done, and a device removed meanwhile is freed by
 * its teardown (which holds a reference to the xenbus device).  Module
 * exit waits for every teardown.  A ring the frontend still uses (the
 * driver unbound under a running guest, for a new one to take over) is
 * always drained before remove() returns.
 */
static struct workqueue_struct *xbb_td_wq;

/*
 * Stop every ring consuming requests (the connection is going), and say
 * whether any is still busy.  A ring found idle cannot become busy again,
 * so its inline teardown waits for no I/O the frontend posts meanwhile.
 */
static bool xbb_close_rings(struct xbb_device *be)
{
	bool busy = false;
	unsigned int i;

	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++)
		busy |= xbb_ring_close(&be->rings[i]);
	mutex_unlock(&be->lock);
	return busy;
}

static bool xbb_td_pending(struct xbb_device *be)
{
	bool pending;

	spin_lock(&be->td_lock);
	pending = be->td_pending;
	spin_unlock(&be->td_lock);
	return pending;
}

/*
 * Disconnect in the background if requests are in flight; @removed: for
 * remove(), which hands the device over and must not touch it after.
 * Returns false if nothing is left to the background: the caller
 * disconnects itself (at once: nothing is in flight).
 */
static bool xbb_teardown_async(struct xbb_device *be, bool removed)
{
	bool busy = false, queue = false, deferred;

	/* Only this function sets td_pending; xenwatch calls it. */
	if (!xbb_td_pending(be))
		busy = xbb_close_rings(be);
	spin_lock(&be->td_lock);
	if (busy && !be->td_pending) {
		be->td_pending = true;
		queue = true;
	}
	deferred = be->td_pending;
	if (deferred && removed) {
		get_device(&be->dev->dev);
		be->td_removed = true;
	}
	spin_unlock(&be->td_lock);
	/* Not queued yet: nothing can free the device under us here. */
	if (queue) {
		dev_info(&be->dev->dev,
			 "requests in flight: teardown goes on in the background\n");
		queue_work(xbb_td_wq, &be->td_work);
	}
	return deferred;
}

static void xbb_free(struct xbb_device *be)
{
	/* No request is left to refuse a flush: the last work, if any. */
	cancel_work_sync(&be->flush_off);
	xbb_close_bdev(be);
	kfree(be);
}

/* A frontend starting over once we are Closed: offer a new connection. */
static void xbb_frontend_restart(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;

	if (dev->state == XenbusStateClosed &&
	    xenbus_read_driver_state(dev->otherend) ==
	    XenbusStateInitialising) {
		dev_info(&dev->dev, "prepare for reconnect\n");
		xenbus_switch_state(dev, XenbusStateInitWait);
	}
}

static void xbb_teardown_work(struct work_struct *work)
{
	struct xbb_device *be = container_of(work, struct xbb_device,
					     td_work);
	struct xenbus_device *dev = be->dev;
	bool removed;

	xbb_disconnect(be);
	spin_lock(&be->td_lock);
	removed = be->td_removed;
	be->td_pending = false;
	spin_unlock(&be->td_lock);
	if (removed) {
		dev_info(&dev->dev, "teardown done, after removal\n");
		xbb_free(be);
		put_device(&dev->dev);
		return;
	}
	/* remove() waits for the rest (flush_work()). */
	dev_info(&dev->dev, "teardown done\n");
	xenbus_switch_state(dev, XenbusStateClosed);
	xbb_frontend_restart(be);
}

static int xbb_read_ring_refs(struct xbb_device *be, const char *dir,
			      grant_ref_t *grefs, unsigned int nr,
			      bool legacy)
{
	unsigned int i;
	int err;

	if (legacy) {
		err = xenbus_scanf(XBT_NIL, dir, "ring-ref", "%u", &grefs[0]);
		if (err != 1)
			goto out_missing;
		return 0;
	}
	for (i = 0; i < nr; i++) {
		/* Room for any unsigned int, not just the indices we allow. */
		char key[sizeof("ring-ref4294967295")];

		snprintf(key, sizeof(key), "ring-ref%u", i);
		err = xenbus_scanf(XBT_NIL, dir, key, "%u", &grefs[i]);
		if (err != 1)
			goto out_missing;
	}
	return 0;

out_missing:
	err = err < 0 ? err : -EINVAL;
	xenbus_dev_fatal(be->dev, err, "reading %s/ring-ref", dir);
	return err;
}

static int xbb_connect_queue(struct xbb_device *be, struct xbb_ring *ring,
			     const char *dir, bool legacy, bool attach)
{
	grant_ref_t grefs[XBB_MAX_RING_PAGES];
	evtchn_port_t evtchn;
	int err;

	err = xenbus_scanf(XBT_NIL, dir, "event-channel", "%u", &evtchn);
	if (err != 1) {
		err = err < 0 ? err : -EINVAL;
		xenbus_dev_fatal(be->dev, err, "reading %s/event-channel", dir);
		return err;
	}
	err = xbb_read_ring_refs(be, dir, grefs, be->nr_ring_pages, legacy);
	if (err)
		return err;
	err = xbb_ring_connect(ring, grefs, be->nr_ring_pages, evtchn, attach);
	if (err)
		xenbus_dev_fatal(be->dev, err, "mapping ring of queue %u",
				 ring->index);
	return err;
}

/*
 * Read the frontend's transport parameters and map all its rings.  A
 * frontend that is already Connected has been using its rings with a
 * backend instance before us: they are taken over where they stand.
 */
static int xbb_connect_rings(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;
	unsigned int nr_queues, order, i;
	bool legacy = false, attach;
	char *proto;
	int err;

	attach = xenbus_read_driver_state(dev->otherend) ==
		 XenbusStateConnected;

	proto = xenbus_read(XBT_NIL, dev->otherend, "protocol", NULL);
	err = xbb_parse_protocol(be, IS_ERR(proto) ? NULL : proto,
				 &be->protocol);
	if (!IS_ERR(proto))
		kfree(proto);
	if (err)
		return err;

	nr_queues = xenbus_read_unsigned(dev->otherend,
					 "multi-queue-num-queues", 1);
	if (!nr_queues || nr_queues > be->max_queues) {
		xenbus_dev_fatal(dev, -EINVAL,
				 "frontend asks for %u queues, at most %u offered",
				 nr_queues, be->max_queues);
		return -EINVAL;
	}

	err = xenbus_scanf(XBT_NIL, dev->otherend, "ring-page-order", "%u",
			   &order);
	if (err != 1) {
		order = 0;
		legacy = true;
	} else if (order > be->max_ring_order) {
		xenbus_dev_fatal(dev, -EINVAL,
				 "frontend asks for ring page order %u, at most %u offered",
				 order, be->max_ring_order);
		return -EINVAL;
	}
	be->nr_ring_pages = 1U << order;

	/* Sample the parameter once: it is both advertised and used. */
	be->persistent_adv = READ_ONCE(xbb_feature_persistent);
	if (be->live && be->prev.persistent && !be->persistent_adv) {
		dev_info(&dev->dev,
			 "keeping persistent grants the running frontend was offered (feature_persistent is off)\n");
		be->persistent_adv = true;
	}
	be->persistent = be->persistent_adv &&
		xenbus_read_unsigned(dev->otherend, "feature-persistent", 0);

	mutex_lock(&be->lock);
	be->rings = kcalloc(nr_queues, sizeof(*be->rings), GFP_KERNEL);
	if (!be->rings) {
		mutex_unlock(&be->lock);
		return -ENOMEM;
	}
	be->nr_rings = nr_queues;
	for (i = 0; i < nr_queues; i++)
		xbb_ring_init(&be->rings[i], be, i);
	mutex_unlock(&be->lock);

	for (i = 0; i < nr_queues; i++) {
		char *dir;

		if (nr_queues == 1) {
			err = xbb_connect_queue(be, &be->rings[i],
						dev->otherend, legacy, attach);
		} else {
			dir = kasprintf(GFP_KERNEL, "%s/queue-%u",
					dev->otherend, i);
			if (!dir)
				return -ENOMEM;
			err = xbb_connect_queue(be, &be->rings[i], dir, legacy,
						attach);
			kfree(dir);
		}
		if (err)
			return err;
	}

	dev_info(&dev->dev,
		 "%u queue(s), ring order %u, protocol %d, persistent grants %s\n",
		 nr_queues, order, be->protocol,
		 be->persistent ? "in use" : "not in use");
	return 0;
}

/* Discard keys; only offered if the toolstack and the device allow. */
static void xbb_write_discard(struct xenbus_transaction xbt,
			      struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;
	struct block_device *bdev = be->bdev;
	int err;

	be->discard = !be->readonly && bdev_max_discard_sectors(bdev) &&
		      xenbus_read_unsigned(dev->nodename, "discard-enable", 1);
	be->discard_secure = be->discard &&
			     bdev_max_secure_erase_sectors(bdev);
	if (be->live && be->prev.discard && !be->discard) {
		/* Withdrawn under the frontend, it would fail its discards. */
		if (!be->readonly && bdev_max_discard_sectors(bdev)) {
			be->discard = true;
			be->discard_secure = be->prev.discard_secure &&
					     bdev_max_secure_erase_sectors(bdev);
			dev_info(&dev->dev,
				 "keeping discard the running frontend was offered\n");
		} else {
			dev_warn(&dev->dev,
				 "the running frontend was offered discard, which the backing device no longer supports: its discards are answered as unsupported\n");
		}
	}

	if (be->discard) {
		err = xenbus_printf(xbt, dev->nodename, "discard-granularity",
				    "%u", bdev_discard_granularity(bdev));
		if (!err)
			err = xenbus_printf(xbt, dev->nodename,
					    "discard-alignment", "%u",
					    bdev_discard_alignment(bdev));
		if (!err)
			err = xenbus_printf(xbt, dev->nodename,
					    "discard-secure", "%d",
					    be->discard_secure);
		if (err) {
			dev_warn(&dev->dev, "writing discard keys (%d)\n",
				 err);
			be->discard = false;
			be->discard_secure = false;
		}
	}
	err = xenbus_printf(xbt, dev->nodename, "feature-discard", "%d",
			    be->discard);
	if (err)
		dev_warn(&dev->dev, "writing feature-discard (%d)\n", err);
}

static unsigned int xbb_vdisk_info(struct xbb_device *be)
{
	unsigned int info = 0;

	if (be->readonly)
		info |= VDISK_READONLY;
	if (be->cdrom)
		info |= VDISK_CDROM;
	if (be->bdev->bd_disk->flags & GENHD_FL_REMOVABLE)
		info |= VDISK_REMOVABLE;
	return info;
}

/* Publish the device properties and switch to Connected. */
static int xbb_publish(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;
	struct xenbus_transaction xbt;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		xenbus_dev_fatal(dev, err, "starting transaction");
		return err;
	}

	/*
	 * A flush is harmless on a device without a volatile cache; one the
	 * device refused is not offered again.
	 */
	be->flush = !test_bit(XBB_DEV_FLUSH_REFUSED, &be->flags) &&
		    (bdev_write_cache(be->bdev) || (be->live && be->prev.flush));
	err = xenbus_printf(xbt, dev->nodename, "feature-flush-cache", "%d",
			    be->flush);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "feature-barrier", "%d",
				    be->flush);
	xbb_write_discard(xbt, be);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "feature-persistent",
				    "%u", be->persistent_adv);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "sectors", "%llu",
				    (unsigned long long)be->size);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "info", "%u",
				    xbb_vdisk_info(be));
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "sector-size", "%u",
				    bdev_logical_block_size(be->bdev));
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "physical-sector-size",
				    "%u", bdev_physical_block_size(be->bdev));
	if (err) {
		xenbus_transaction_end(xbt, 1);
		xenbus_dev_fatal(dev, err, "writing device properties");
		return err;
	}

	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err) {
		xenbus_dev_fatal(dev, err, "ending transaction");
		return err;
	}

	err = xenbus_switch_state(dev, XenbusStateConnected);
	if (err)
		xenbus_dev_fatal(dev, err, "switching to Connected");
	return err;
}

/* Frontend is ready: map its rings, publish, start serving. */
static void xbb_connect(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;
	unsigned int i;
	int err;

	/*
	 * Connected already, or failed (xenbus_dev_fatal() went Closing):
	 * the other of the two watches that may call us changes nothing.
	 */
	if (dev->state == XenbusStateConnected ||
	    dev->state == XenbusStateClosing || be->refuse)
		return;
	if (!be->bdev) {
		/* physical-device not written yet; its watch connects. */
		return;
	}
	/*
	 * A previous connection may linger (frontend reconnecting).  With
	 * requests in flight it is torn down in the background, and the
	 * frontend starts over once we are Closed.
	 */
	if (xbb_teardown_async(be, false)) {
		dev_warn_ratelimited(&dev->dev,
				     "frontend connecting during a teardown: it starts over after it\n");
		return;
	}
	xbb_disconnect(be);

	err = xbb_connect_rings(be);
	if (err)
		goto out_disconnect;
	be->size = bdev_nr_sectors(be->bdev);
	err = xbb_publish(be);
	if (err)
		goto out_disconnect;
	for (i = 0; i < be->nr_rings; i++) {
		err = xbb_ring_start(&be->rings[i]);
		if (err) {
			xenbus_dev_fatal(dev, err, "starting queue %u", i);
			goto out_disconnect;
		}
	}
	return;

out_disconnect:
	xbb_disconnect(be);
}

/**
 * xbb_check_resize() - publish a new size if the backing device changed
 * @be: the device
 *
 * Rewrites ``sectors`` and, in the same transaction, ``state`` so that the
 * frontend's watch fires and it re-reads the size.
 *
 * Context: the thread of queue 0, while connected; may sleep.
 */
void xbb_check_resize(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;
	sector_t new_size = bdev_nr_sectors(be->bdev);
	struct xenbus_transaction xbt;
	int err;

	if (likely(new_size == READ_ONCE(be->size)))
		return;
	dev_info(&dev->dev, "backing device resized from %llu to %llu sectors\n",
		 (unsigned long long)be->size, (unsigned long long)new_size);
	WRITE_ONCE(be->size, new_size);

again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		dev_warn(&dev->dev, "resize: starting transaction (%d)\n", err);
		return;
	}
	err = xenbus_printf(xbt, dev->nodename, "sectors", "%llu",
			    (unsigned long long)new_size);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "state", "%d",
				    dev->state);
	if (err) {
		xenbus_transaction_end(xbt, 1);
		dev_warn(&dev->dev, "resize: writing sectors (%d)\n", err);
		return;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err)
		dev_warn(&dev->dev, "resize: ending transaction (%d)\n", err);
}

/* The hotplug script wrote (or rewrote) physical-device. */
static void xbb_pdev_changed(struct xenbus_watch *watch, const char *path,
			     const char *token)
{
	struct xbb_device *be = container_of(watch, struct xbb_device,
					     pdev_watch);
	struct xenbus_device *dev = be->dev;
	unsigned int major, minor;
	struct xen_blk_bdev_handle handle;
	struct block_device *bdev;
	char *mode, *type;
	int err;

	err = xenbus_scanf(XBT_NIL, dev->nodename, "physical-device", "%x:%x",
			   &major, &minor);
	if (err == -ENOENT)
		return;		/* not written yet */
	if (err != 2) {
		xenbus_dev_fatal(dev, err < 0 ? err : -EINVAL,
				 "reading physical-device");
		return;
	}

	if (be->bdev) {
		if (be->major != major || be->minor != minor)
			dev_warn(&dev->dev,
				 "changing physical device from %x:%x to %x:%x is not supported\n",
				 be->major, be->minor, major, minor);
		return;
	}

	mode = xenbus_read(XBT_NIL, dev->nodename, "mode", NULL);
	if (IS_ERR(mode)) {
		xenbus_dev_fatal(dev, PTR_ERR(mode), "reading mode");
		return;
	}
	be->readonly = !strchr(mode, 'w');
	kfree(mode);

	type = xenbus_read(XBT_NIL, dev->otherend, "device-type", NULL);
	be->cdrom = !IS_ERR(type) && !strcmp(type, "cdrom");
	if (!IS_ERR(type))
		kfree(type);

	bdev = xen_blk_bdev_open(MKDEV(major, minor), !be->readonly, &handle);
	if (IS_ERR(bdev)) {
		xenbus_dev_fatal(dev, PTR_ERR(bdev),
				 "opening backing device %x:%x", major, minor);
		return;
	}
	if (!be->readonly && bdev_read_only(bdev)) {
		xen_blk_bdev_close(&handle);
		xenbus_dev_fatal(dev, -EROFS,
				 "backing device %x:%x is read-only", major,
				 minor);
		return;
	}

	mutex_lock(&be->lock);
	be->bdev = bdev;
	be->bdev_handle = handle;
	be->major = major;
	be->minor = minor;
	be->size = bdev_nr_sectors(bdev);
	mutex_unlock(&be->lock);

	dev_info(&dev->dev, "backing device %x:%x, %llu sectors, %s\n",
		 major, minor, (unsigned long long)be->size,
		 be->readonly ? "read-only" : "read-write");

	/* The frontend may have been waiting for us. */
	switch (xenbus_read_driver_state(dev->otherend)) {
	case XenbusStateInitialised:
	case XenbusStateConnected:
		xbb_connect(be);
		break;
	default:
		break;
	}
}

static void xbb_frontend_changed(struct xenbus_device *dev,
				 enum xenbus_state frontend_state)
{
	struct xbb_device *be = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "frontend %s, backend %s\n",
		xenbus_strstate(frontend_state), xenbus_strstate(dev->state));

	switch (frontend_state) {
	case XenbusStateInitialising:
		xbb_frontend_restart(be);
		break;

	case XenbusStateInitialised:
	case XenbusStateConnected:
		xbb_connect(be);
		break;

	case XenbusStateClosing:
		xenbus_switch_state(dev, XenbusStateClosing);
		break;

	case XenbusStateClosed:
		/*
		 * The frontend we took over is done: a next connection is a
		 * fresh one, offered what the parameters say now.
		 */
		be->live = false;
		if (!xbb_teardown_async(be, false)) {
			xbb_disconnect(be);
			xenbus_switch_state(dev, XenbusStateClosed);
		}
		if (xenbus_dev_is_online(dev))
			break;
		fallthrough;
	case XenbusStateUnknown:
		/* be is freed by remove() inside device_unregister(). */
		be->unregistering = true;
		device_unregister(&dev->dev);
		break;

	case XenbusStateInitWait:
	case XenbusStateReconfiguring:
	case XenbusStateReconfigured:
		break;

	default:
		xenbus_dev_fatal(dev, -EINVAL, "frontend in unknown state %d",
				 frontend_state);
		break;
	}
}

static void xbb_flush_off_work(struct work_struct *work)
{
	struct xbb_device *be = container_of(work, struct xbb_device,
					     flush_off);
	int err;

	err = xenbus_printf(XBT_NIL, be->dev->nodename, "feature-flush-cache",
			    "%d", 0);
	if (!err)
		err = xenbus_printf(XBT_NIL, be->dev->nodename,
				    "feature-barrier", "%d", 0);
	if (err)
		dev_warn(&be->dev->dev,
			 "backing device %x:%x refused a flush; withdrawing feature-flush-cache failed (%d)\n",
			 be->major, be->minor, err);
	else
		dev_warn(&be->dev->dev,
			 "backing device %x:%x refused a flush (EOPNOTSUPP): feature-flush-cache and feature-barrier withdrawn\n",
			 be->major, be->minor);
}

/**
 * xbb_flush_refused() - the backing device failed a flush with EOPNOTSUPP
 * @be: the device
 *
 * The request is answered BLKIF_RSP_EOPNOTSUPP by the caller; from here on
 * flushes and barriers are no longer offered: the keys saying so are
 * cleared in xenstore (on a work item, as xenstore can sleep) and a
 * reconnect does not offer them again.  Said once per device.
 *
 * Context: any context (bio completion).
 */
void xbb_flush_refused(struct xbb_device *be)
{
	if (!test_and_set_bit(XBB_DEV_FLUSH_REFUSED, &be->flags))
		schedule_work(&be->flush_off);
}

/*
 * remove() hands a frontend still using its rings over to the driver
 * bound next (ours or the stock one, unbound or unloaded under a running
 * guest): it drains them first, in the caller's context.  Never when the
 * device goes away for good, whatever state the frontend writes: when we
 * unregister it ourselves, or when the toolstack removed its directory
 * (xenwatch then removes the device, and must not wait for I/O).
 */
static bool xbb_handover(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;

	return !be->unregistering &&
	       xenbus_read_driver_state(dev->otherend) ==
	       XenbusStateConnected &&
	       xenbus_exists(XBT_NIL, dev->nodename, "") > 0;
}

static void xbb_remove(struct xenbus_device *dev)
{
	struct xbb_device *be = dev_get_drvdata(&dev->dev);

	if (!be)
		return;
	if (be->watching) {
		unregister_xenbus_watch(&be->pdev_watch);
		kfree(be->pdev_watch.node);
		be->pdev_watch.node = NULL;
		be->watching = false;
	}
	dev_set_drvdata(&dev->dev, NULL);
	/*
	 * A frontend still Connected keeps using its rings (the driver is
	 * unbound for another to take over): drained here, whatever it takes.
	 */
	if (!xbb_handover(be) && xbb_teardown_async(be, true))
		return;
	/* A teardown that finished may still be saying Closed. */
	flush_work(&be->td_work);
	xbb_disconnect(be);
	xbb_free(be);
}

/*
 * Bound to a device whose frontend is already Connected: the driver was
 * rebound or replaced under a running guest.  What the frontend was
 * offered is still in our directory, written by the instance before us;
 * nothing may shrink under it.  Limits we can raise, we raise; segments
 * per request we cannot: then the device is left alone for a driver that
 * can serve it, its state untouched; the error is logged and written to
 * our error node, where tools (xen-blkback-swap) look for it.
 */
static void xbb_rebind_check(struct xbb_device *be)
{
	struct xenbus_device *dev = be->dev;
	const char *node = dev->nodename;
	unsigned int v;

	be->live = true;

	v = xenbus_read_unsigned(node, "feature-max-indirect-segments", 0);
	if (v > XBB_MAX_INDIRECT_SEGS) {
		xenbus_dev_error(dev, -EOPNOTSUPP,
				 "the running frontend was offered %u segments per request, this driver serves %u: not taking the device over",
				 v, XBB_MAX_INDIRECT_SEGS);
		be->refuse = true;
		return;
	}

	v = xenbus_read_unsigned(node, "multi-queue-max-queues", 1);
	if (v > be->max_queues) {
		if (v > XBB_MAX_QUEUES_LIMIT) {
			xenbus_dev_error(dev, -EOPNOTSUPP,
					 "the running frontend was offered %u queues, this driver serves %u: not taking the device over",
					 v, XBB_MAX_QUEUES_LIMIT);
			be->refuse = true;
			return;
		}
		dev_info(&dev->dev,
			 "keeping the %u queues the running frontend was offered (max_queues gives %u)\n",
			 v, be->max_queues);
		be->max_queues = v;
	}

	v = xenbus_read_unsigned(node, "max-ring-page-order", 0);
	if (v > be->max_ring_order) {
		if (v > XENBUS_MAX_RING_GRANT_ORDER) {
			xenbus_dev_error(dev, -EOPNOTSUPP,
					 "the running frontend was offered ring page order %u, this driver serves %u: not taking the device over",
					 v, XENBUS_MAX_RING_GRANT_ORDER);
			be->refuse = true;
			return;
		}
		dev_info(&dev->dev,
			 "keeping ring page order %u the running frontend was offered (max_ring_page_order is %u)\n",
			 v, be->max_ring_order);
		be->max_ring_order = v;
	}

	be->prev.persistent = xenbus_read_unsigned(node, "feature-persistent",
						   0);
	be->prev.flush = xenbus_read_unsigned(node, "feature-flush-cache", 0) ||
			 xenbus_read_unsigned(node, "feature-barrier", 0);
	be->prev.discard = xenbus_read_unsigned(node, "feature-discard", 0);
	be->prev.discard_secure = xenbus_read_unsigned(node, "discard-secure",
						       0);
	dev_info(&dev->dev, "frontend already connected: taking over its rings\n");
}

/*
 * Ring threads are named "<domid>.<device>-<queue>" (5.xvda-0), as the
 * in-tree driver names them, so that tools watching them by name keep
 * working: the device as the toolstack named it in the backend's "dev"
 * key, or its number (5.51712-0) when that key is missing or unusual.
 * With a domid of up to five digits, a name of up to six characters and
 * up to 100 queues, every name fits in TASK_COMM_LEN and tells the
 * device's queues apart.
 */
static void xbb_set_name(struct xbb_device *be)
{
	const char *dev = NULL, *base;
	char *node;
	size_t i, len = 0;

	node = xenbus_read(XBT_NIL, be->dev->nodename, "dev", NULL);
	if (!IS_ERR(node)) {
		base = strrchr(node, '/');
		dev = base ? base + 1 : node;
		len = strlen(dev);
		for (i = 0; i < len; i++)
			if (!isalnum(dev[i]))
				len = 0;
	}
	if (len >= 1 && len <= 6)
		snprintf(be->name, sizeof(be->name), "%u.%s", be->domid, dev);
	else
		snprintf(be->name, sizeof(be->name), "%u.%u", be->domid,
			 be->handle);
	if (!IS_ERR(node))
		kfree(node);
}

static int xbb_probe(struct xenbus_device *dev,
		     const struct xenbus_device_id *id)
{
	struct xbb_device *be;
	const char *last;
	int err;

	be = kzalloc(sizeof(*be), GFP_KERNEL);
	if (!be) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating backend state");
		return -ENOMEM;
	}
	be->dev = dev;
	be->domid = dev->otherend_id;
	mutex_init(&be->lock);
	INIT_WORK(&be->flush_off, xbb_flush_off_work);
	spin_lock_init(&be->td_lock);
	INIT_WORK(&be->td_work, xbb_teardown_work);
	atomic_set(&be->squeeze_gen, 0);
	ratelimit_state_init(&be->rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	last = strrchr(dev->nodename, '/');
	if (!last || kstrtouint(last + 1, 0, &be->handle))
		be->handle = 0;
	xbb_set_name(be);
	be->max_queues = xbb_effective_max_queues();
	be->max_ring_order = xbb_max_ring_order;
	dev_set_drvdata(&dev->dev, be);

	if (xenbus_read_driver_state(dev->otherend) == XenbusStateConnected) {
		xbb_rebind_check(be);
		if (be->refuse)
			return 0;
	}

	/* Written before InitWait: some frontends read these early. */
	err = xenbus_printf(XBT_NIL, dev->nodename,
			    "feature-max-indirect-segments", "%u",
			    XBB_MAX_INDIRECT_SEGS);
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename,
				    "multi-queue-max-queues", "%u",
				    be->max_queues);
	if (!err)
		err = xenbus_printf(XBT_NIL, dev->nodename,
				    "max-ring-page-order", "%u",
				    be->max_ring_order);
	if (err) {
		xenbus_dev_fatal(dev, err, "writing features");
		goto out_free;
	}

	err = xenbus_watch_pathfmt(dev, &be->pdev_watch, NULL,
				   xbb_pdev_changed, "%s/%s", dev->nodename,
				   "physical-device");
	if (err)
		goto out_free;
	be->watching = true;

	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err)
		goto out_remove;
	return 0;

out_remove:
	xbb_remove(dev);
	return err;
out_free:
	dev_set_drvdata(&dev->dev, NULL);
	kfree(be);
	return err;
}

static const struct xenbus_device_id xbb_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver xbb_driver = {
	.ids = xbb_ids,
	.probe = xbb_probe,
	.remove = xbb_remove,
	.otherend_changed = xbb_frontend_changed,
	.reclaim_memory = xbb_reclaim_memory,
	/* Unbinding leaves the state alone: a new instance takes over. */
	.allow_rebind = true,
	.driver = {
		.groups = xbb_drv_groups,
		.dev_groups = xbb_dev_groups,
	},
};

/**
 * xbb_xenbus_init() - register the "vbd" backend driver
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int xbb_xenbus_init(void)
{
	int err;

	xbb_td_wq = alloc_workqueue("xen-blkback-td", WQ_UNBOUND, 0);
	if (!xbb_td_wq)
		return -ENOMEM;
	err = xenbus_register_backend(&xbb_driver);
	if (err)
		destroy_workqueue(xbb_td_wq);
	return err;
}

/**
 * xbb_xenbus_exit() - unregister the driver, removing every device
 *
 * Waits for the teardowns still going on in the background.
 *
 * Context: module exit.
 */
void xbb_xenbus_exit(void)
{
	xenbus_unregister_driver(&xbb_driver);
	destroy_workqueue(xbb_td_wq);
}
