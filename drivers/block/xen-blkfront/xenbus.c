// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the xenbus state machine, probe and remove.
 *
 * What each transition does is done elsewhere: negotiate.c reads and
 * writes the keys, ring.c builds and takes down the rings, disk.c owns
 * the gendisk and its limits.  This file decides when.
 */

#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/major.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/platform_pci.h>

#include "blkfront.h"

/* Backend is in InitWait (or beyond): build the rings and publish them. */
static int blkfront_talk(struct blkfront_info *info)
{
	int err;

	/* Leftovers of a connection that never completed. */
	blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);

	blkfront_negotiate_rings(info);
	err = blkfront_setup_rings(info);
	if (!err)
		err = blkfront_publish(info);
	if (err) {
		blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);
		return err;
	}
	xenbus_switch_state(info->xbdev, XenbusStateInitialised);
	return 0;
}

static void blkfront_requeue_recovered(struct blkfront_info *info)
{
	struct request *rq, *tmp;
	unsigned int n = 0;

	list_for_each_entry_safe(rq, tmp, &info->recover, queuelist) {
		list_del_init(&rq->queuelist);
		blk_mq_requeue_request(rq, false);
		n++;
	}
	if (n)
		dev_info(&info->xbdev->dev, "%s: reissuing %u requests\n",
			 info->gd->disk_name, n);
	blk_mq_start_stopped_hw_queues(info->gd->queue, true);
	blk_mq_kick_requeue_list(info->gd->queue);
}

/* Backend is Connected: size everything, go live. */
static void blkfront_connect(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned long long sectors;
	bool first = !info->gd;
	unsigned int noio;
	int err;

	if (info->state == BLKFRONT_CONNECTED) {
		blkfront_disk_resize(info);
		return;
	}
	if (info->state == BLKFRONT_ERROR || !info->rings[0].sring ||
	    info->rings[0].shadow)
		return;

	if (blkfront_negotiate_disk(info, &sectors))
		return;

	noio = memalloc_noio_save();
	err = blkfront_size_rings(info);
	if (!err)
		err = blkfront_disk_connect(info, sectors);
	memalloc_noio_restore(noio);
	if (err) {
		xenbus_dev_fatal(dev, err, "sizing rings and disk");
		blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);
		return;
	}

	blkfront_start_rings(info);
	WRITE_ONCE(info->state, BLKFRONT_CONNECTED);
	xenbus_switch_state(dev, XenbusStateConnected);

	dev_info(&dev->dev,
		 "%s: %llu sectors of 512 bytes, logical/physical block %u/%u; %u queue(s), ring order %u; %s; persistent grants %s; %s; indirect %u; discard %s%s\n",
		 info->gd->disk_name, sectors, info->sector_size,
		 info->physical_sector_size, info->nr_rings, info->ring_order,
		 !info->feature_flush ? "no flush" :
		 info->flush_op == BLKIF_OP_WRITE_BARRIER ? "barrier" :
		 "flush-cache",
		 info->persistent ? "on" : "off",
		 info->direct ? "pages granted" : "data copied",
		 info->layout.indirect ? info->layout.grants_per_slot : 0,
		 info->feature_discard ? "on" : "off",
		 info->untrusted ? "; untrusted backend" : "");

	if (first) {
		err = blkfront_disk_add(info);
		if (err)
			xenbus_dev_fatal(dev, err, "adding disk");
	} else {
		blkfront_requeue_recovered(info);
	}
}

/*
 * Backend is Closed: whatever it still holds will never be answered, so
 * fail it now instead of leaving its submitters blocked for good.  The
 * units of those slots stay out of service (the backend may still map
 * them); they are revoked (later, if the backend still maps them) when the
 * rings are taken down.
 */
static void blkfront_backend_closed(struct blkfront_info *info)
{
	unsigned int n;

	if (info->state != BLKFRONT_CONNECTED && info->state != BLKFRONT_ERROR)
		return;
	WRITE_ONCE(info->state, BLKFRONT_DISCONNECTED);
	n = blkfront_stop_rings(info);
	if (n)
		dev_err_ratelimited(&info->xbdev->dev,
				    "%s: backend closed with %u requests in flight; failing them\n",
				    info->gd ? info->gd->disk_name : "disk", n);
	blkfront_kick_queues(info);
}

/* Backend is going away (detach): stop using the disk. */
static void blkfront_closing(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;

	if (dev->state == XenbusStateClosing || dev->state == XenbusStateClosed)
		return;
	if (info->gd) {
		blk_mq_stop_hw_queues(info->gd->queue);
		blk_mark_disk_dead(info->gd);
	}
	xenbus_frontend_closed(dev);
}

static void blkfront_backend_changed(struct xenbus_device *dev,
				     enum xenbus_state backend_state)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "backend %s, frontend %s\n",
		xenbus_strstate(backend_state), xenbus_strstate(dev->state));

	mutex_lock(&info->mutex);
	switch (backend_state) {
	case XenbusStateInitWait:
		if (dev->state != XenbusStateInitialising)
			break;
		blkfront_talk(info);
		break;
	case XenbusStateConnected:
		/* The backend may skip InitWait. */
		if (dev->state == XenbusStateInitialising &&
		    blkfront_talk(info))
			break;
		if (dev->state == XenbusStateClosing ||
		    dev->state == XenbusStateClosed)
			break;
		blkfront_connect(info);
		break;
	case XenbusStateClosed:
		blkfront_backend_closed(info);
		if (dev->state == XenbusStateClosed)
			break;
		fallthrough;
	case XenbusStateClosing:
		blkfront_closing(info);
		break;
	default:
		break;
	}
	mutex_unlock(&info->mutex);
}

static int blkfront_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct blkfront_info *info;
	const char *leaf;
	unsigned int vdevice, handle;
	int err;

	err = xenbus_scanf(XBT_NIL, dev->nodename, "virtual-device", "%u",
			   &vdevice);
	if (err != 1) {
		err = xenbus_scanf(XBT_NIL, dev->nodename,
				   "virtual-device-ext", "%u", &vdevice);
		if (err != 1) {
			xenbus_dev_fatal(dev, err < 0 ? err : -ENOENT,
					 "reading virtual-device");
			return err < 0 ? err : -ENOENT;
		}
	}

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	if (xbf_vdev_decode(vdevice, &info->vd)) {
		dev_warn(&dev->dev, "unsupported virtual-device %#x\n", vdevice);
		err = -ENODEV;
		goto out_free;
	}
	/* Emulated disks still present: only take real xvd devices. */
	if (xen_hvm_domain() && xen_has_pv_and_legacy_disk_devices() &&
	    !(vdevice & XBF_VDEV_EXT_FLAG) &&
	    (vdevice >> 8) != XENVBD_MAJOR) {
		dev_info(&dev->dev, "leaving emulated disk %#x alone\n",
			 vdevice);
		err = -ENODEV;
		goto out_free;
	}

	leaf = strrchr(dev->nodename, '/');
	if (!leaf || kstrtouint(leaf + 1, 0, &handle))
		handle = vdevice;

	mutex_init(&info->mutex);
	INIT_LIST_HEAD(&info->recover);
	INIT_WORK(&info->error_work, blkfront_error_work);
	info->xbdev = dev;
	info->vdevice = vdevice;
	info->handle = handle;
	info->state = BLKFRONT_DISCONNECTED;
	info->sg_max = blkfront_sg_max(&blkfront_geom);
	/* The parameter is at least 1 (checked when set). */
	info->max_rings = min(blkfront_max_queues, num_online_cpus());
	err = blkfront_alloc_rings(info);
	if (err)
		goto out_free;

	dev_set_drvdata(&dev->dev, info);
	blkfront_debugfs_add(info);
	return 0;

out_free:
	kfree(info);
	return err;
}

/* The mirror of blkfront_probe(), after the undoing of every connect. */
static void blkfront_remove(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);
	struct request *rq, *tmp;

	mutex_lock(&info->mutex);
	WRITE_ONCE(info->state, BLKFRONT_DISCONNECTED);
	blkfront_teardown_rings(info, BLKFRONT_DISCONNECTED);
	list_for_each_entry_safe(rq, tmp, &info->recover, queuelist) {
		list_del_init(&rq->queuelist);
		blk_mq_end_request(rq, BLK_STS_IOERR);
	}
	mutex_unlock(&info->mutex);
	blkfront_free_disk(info);

	blkfront_debugfs_remove(info);
	dev_set_drvdata(&dev->dev, NULL);
	blkfront_free_rings(info);
	kfree(info);
}

static int blkfront_resume(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "resuming\n");
	mutex_lock(&info->mutex);
	if (info->gd)
		blk_mq_stop_hw_queues(info->gd->queue);
	WRITE_ONCE(info->state, info->gd ? BLKFRONT_SUSPENDED :
					    BLKFRONT_DISCONNECTED);
	/* In-flight requests go to info->recover; reconnect at InitWait. */
	blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);
	mutex_unlock(&info->mutex);
	return 0;
}

static const struct xenbus_device_id blkfront_ids[] = {
	{ "vbd" },
	{ "" }
};

struct xenbus_driver blkfront_driver = {
	.ids			= blkfront_ids,
	.probe			= blkfront_probe,
	.remove			= blkfront_remove,
	.resume			= blkfront_resume,
	.otherend_changed	= blkfront_backend_changed,
	.not_essential		= true,
	.driver.dev_groups	= blkfront_dev_groups,
};
