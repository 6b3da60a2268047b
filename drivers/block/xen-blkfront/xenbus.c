// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: xenbus state machine, feature negotiation and the gendisk.
 */

#include <linux/hdreg.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/major.h>
#include <linux/scatterlist.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/platform_pci.h>
#include <xen/interface/io/protocols.h>

#include "blkfront.h"

static int blkfront_getgeo(struct block_device *bdev, struct hd_geometry *hg)
{
	/* No real geometry; report one consistent with the capacity. */
	sector_t cylinders = get_capacity(bdev->bd_disk);

	hg->heads = 0xff;
	hg->sectors = 0x3f;
	sector_div(cylinders, hg->heads * hg->sectors);
	hg->cylinders = cylinders > 0xffff ? 0xffff : cylinders;
	return 0;
}

static const struct block_device_operations blkfront_fops = {
	.owner	= THIS_MODULE,
	.getgeo	= blkfront_getgeo,
};

/*
 * Take every ring down; @why as for blkfront_ring_teardown().  Two passes:
 * the error work can be scheduled from any ring's interrupt and walks all
 * the rings' shadows, so every ring is quiesced before it is cancelled,
 * and it is cancelled before the first ring's shadows are freed.
 */
static void blkfront_teardown_rings(struct blkfront_info *info,
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

static int blkfront_write_ring(struct xenbus_transaction xbt,
			       struct blkfront_ring *ring, const char *dir)
{
	unsigned int i, nr = 1U << ring->info->ring_order;
	/* Room for any unsigned int, not just the indices we allow. */
	char key[sizeof("ring-ref4294967295")];
	int err;

	if (nr == 1) {
		err = xenbus_printf(xbt, dir, "ring-ref", "%u", ring->refs[0]);
		if (err)
			return err;
	}
	for (i = 0; nr > 1 && i < nr; i++) {
		snprintf(key, sizeof(key), "ring-ref%u", i);
		err = xenbus_printf(xbt, dir, key, "%u", ring->refs[i]);
		if (err)
			return err;
	}
	return xenbus_printf(xbt, dir, "event-channel", "%u", ring->evtchn);
}

static int blkfront_publish(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	struct xenbus_transaction xbt;
	const char *what = "";
	unsigned int i;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		xenbus_dev_fatal(dev, err, "starting transaction");
		return err;
	}

	what = "ring-page-order";
	if (info->ring_order)
		err = xenbus_printf(xbt, dev->nodename, what, "%u",
				    info->ring_order);
	else
		xenbus_rm(xbt, dev->nodename, what);
	if (err)
		goto abort;

	what = "rings";
	if (info->nr_rings == 1) {
		xenbus_rm(xbt, dev->nodename, "multi-queue-num-queues");
		err = blkfront_write_ring(xbt, &info->rings[0], dev->nodename);
		if (err)
			goto abort;
	} else {
		err = xenbus_printf(xbt, dev->nodename,
				    "multi-queue-num-queues", "%u",
				    info->nr_rings);
		if (err)
			goto abort;
		for (i = 0; i < info->nr_rings; i++) {
			char *path = kasprintf(GFP_NOIO, "%s/queue-%u",
					       dev->nodename, i);

			if (!path) {
				err = -ENOMEM;
				goto abort;
			}
			err = blkfront_write_ring(xbt, &info->rings[i], path);
			kfree(path);
			if (err)
				goto abort;
		}
	}

	what = "protocol";
	err = xenbus_printf(xbt, dev->nodename, what, "%s",
			    XEN_IO_PROTO_ABI_NATIVE);
	if (err)
		goto abort;
	/* Our capability only: never what was negotiated last time. */
	what = "feature-persistent";
	err = xenbus_printf(xbt, dev->nodename, what, "%u",
			    info->persistent_adv ? 1 : 0);
	if (err)
		goto abort;

	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err)
		xenbus_dev_fatal(dev, err, "completing transaction");
	return err;

abort:
	xenbus_transaction_end(xbt, 1);
	xenbus_dev_fatal(dev, err, "writing %s", what);
	return err;
}

/* Backend is in InitWait (or beyond): build the rings and publish them. */
static int blkfront_talk(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int order, queues, i;
	int err;

	/* Leftovers of a connection that never completed. */
	blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);

	info->persistent_adv = READ_ONCE(blkfront_feature_persistent);
	info->untrusted = !READ_ONCE(blkfront_trusted) ||
			  !xenbus_read_unsigned(dev->nodename, "trusted", 1);

	order = xenbus_read_unsigned(dev->otherend, "max-ring-page-order", 0);
	info->ring_order = min3(order, blkfront_max_ring_page_order,
				(unsigned int)XENBUS_MAX_RING_GRANT_ORDER);
	info->ring_size = __CONST_RING_SIZE(blkif,
					    XEN_PAGE_SIZE << info->ring_order);

	queues = xenbus_read_unsigned(dev->otherend, "multi-queue-max-queues",
				      1);
	queues = clamp(queues, 1U, info->max_rings);
	/* The hardware queue count is fixed once the disk exists. */
	if (info->gd)
		queues = min(queues, info->nr_hw_queues);
	info->nr_rings = queues;

	for (i = 0; i < info->nr_rings; i++) {
		err = blkfront_ring_setup(&info->rings[i]);
		if (err)
			goto out_teardown;
	}
	err = blkfront_publish(info);
	if (err)
		goto out_teardown;

	xenbus_switch_state(dev, XenbusStateInitialised);
	return 0;

out_teardown:
	blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);
	return err;
}

static void blkfront_gather_features(struct blkfront_info *info)
{
	const char *be = info->xbdev->otherend;
	unsigned int indirect;

	info->persistent = info->persistent_adv &&
			   xenbus_read_unsigned(be, "feature-persistent", 0);

	info->feature_fua = false;
	if (xenbus_read_unsigned(be, "feature-flush-cache", 0)) {
		info->feature_flush = true;
		info->flush_op = BLKIF_OP_FLUSH_DISKCACHE;
	} else if (xenbus_read_unsigned(be, "feature-barrier", 0)) {
		info->feature_flush = true;
		info->flush_op = BLKIF_OP_WRITE_BARRIER;
	} else {
		info->feature_flush = false;
		info->flush_op = 0;
	}

	info->feature_discard = xenbus_read_unsigned(be, "feature-discard", 0);
	if (info->feature_discard) {
		info->discard_granularity =
			xenbus_read_unsigned(be, "discard-granularity", 0);
		info->discard_alignment =
			xenbus_read_unsigned(be, "discard-alignment", 0);
		if (info->discard_granularity &&
		    info->discard_alignment >= info->discard_granularity)
			info->discard_alignment = 0;
		info->feature_secdiscard =
			xenbus_read_unsigned(be, "discard-secure", 0);
	} else {
		info->feature_secdiscard = false;
	}

	indirect = xenbus_read_unsigned(be, "feature-max-indirect-segments", 0);
	indirect = xbf_effective_indirect(&info->geom, indirect,
					  blkfront_max_indirect_segments);
	xbf_layout_init(&info->layout, &info->geom, indirect);
}

static int blkfront_alloc_disk(struct blkfront_info *info, sector_t sectors)
{
	struct blk_mq_tag_set *set = &info->tag_set;
	struct queue_limits lim = {};
	struct gendisk *gd;
	int err;

	err = blkfront_reserve_minors(info->vd.minor, info->vd.nr_minors);
	if (err)
		return err;

	memset(set, 0, sizeof(*set));
	set->ops = &blkfront_mq_ops;
	set->nr_hw_queues = info->nr_rings;
	/* A request at the limits may take more than one slot. */
	set->queue_depth = max(info->ring_size / info->layout.max_slots, 1U);
	set->numa_node = NUMA_NO_NODE;
	set->flags = BLK_MQ_F_SHOULD_MERGE;
	set->cmd_size = sizeof(struct blkfront_cmd) +
			info->sg_max * sizeof(struct scatterlist);
	set->driver_data = info;
	err = blk_mq_alloc_tag_set(set);
	if (err)
		goto out_minors;
	info->nr_hw_queues = info->nr_rings;

	blkfront_set_limits(info, &lim);
	gd = blk_mq_alloc_disk(set, &lim, info);
	if (IS_ERR(gd)) {
		err = PTR_ERR(gd);
		goto out_tag_set;
	}
	err = xbf_disk_name(gd->disk_name, DISK_NAME_LEN, &info->vd);
	if (err)
		goto out_disk;
	gd->major = XENVBD_MAJOR;
	gd->first_minor = info->vd.minor;
	gd->minors = info->vd.nr_minors;
	gd->fops = &blkfront_fops;
	gd->private_data = info;
	if (info->vdisk_info & (VDISK_REMOVABLE | VDISK_CDROM))
		gd->flags |= GENHD_FL_REMOVABLE;
	set_capacity(gd, sectors);
	info->gd = gd;
	return 0;

out_disk:
	put_disk(gd);
out_tag_set:
	blk_mq_free_tag_set(set);
out_minors:
	blkfront_release_minors(info->vd.minor, info->vd.nr_minors);
	return err;
}

static void blkfront_check_resize(struct blkfront_info *info)
{
	unsigned long long sectors;

	if (xenbus_scanf(XBT_NIL, info->xbdev->otherend, "sectors", "%llu",
			 &sectors) != 1)
		return;
	if (sectors == get_capacity(info->gd))
		return;
	dev_info(&info->xbdev->dev, "%s: capacity %llu -> %llu sectors\n",
		 info->gd->disk_name,
		 (unsigned long long)get_capacity(info->gd), sectors);
	set_capacity_and_notify(info->gd, sectors);
}

static bool blkfront_backend_readonly(struct blkfront_info *info)
{
	char *mode;
	bool ro = false;

	if (info->vdisk_info & VDISK_READONLY)
		return true;
	mode = xenbus_read(XBT_NIL, info->xbdev->otherend, "mode", NULL);
	if (!IS_ERR(mode)) {
		ro = !strchr(mode, 'w');
		kfree(mode);
	}
	return ro;
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
	unsigned int binfo, ssize, pssize, i, noio;
	bool first = !info->gd;
	int err;

	if (info->state == BLKFRONT_CONNECTED) {
		blkfront_check_resize(info);
		return;
	}
	if (info->state == BLKFRONT_ERROR || !info->rings[0].sring ||
	    info->rings[0].shadow)
		return;

	err = xenbus_gather(XBT_NIL, dev->otherend,
			    "sectors", "%llu", &sectors,
			    "info", "%u", &binfo,
			    "sector-size", "%u", &ssize, NULL);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading backend fields at %s",
				 dev->otherend);
		return;
	}
	if (ssize < XENBLK_SECTOR_SIZE || ssize > PAGE_SIZE ||
	    !is_power_of_2(ssize) || (!first && ssize != info->sector_size)) {
		xenbus_dev_fatal(dev, -EINVAL, "unusable sector-size %u", ssize);
		return;
	}
	pssize = xenbus_read_unsigned(dev->otherend, "physical-sector-size",
				      ssize);
	if (pssize < ssize || !is_power_of_2(pssize))
		pssize = ssize;
	info->sector_size = ssize;
	info->physical_sector_size = pssize;
	info->vdisk_info = binfo;

	blkfront_gather_features(info);

	noio = memalloc_noio_save();
	for (i = 0; i < info->nr_rings; i++) {
		err = blkfront_ring_alloc_shadows(&info->rings[i]);
		if (err)
			break;
	}
	if (!err && first)
		err = blkfront_alloc_disk(info, sectors);
	memalloc_noio_restore(noio);
	if (err) {
		xenbus_dev_fatal(dev, err, "allocating rings and disk");
		blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);
		return;
	}

	/* A new disk got its limits with its queue. */
	if (!first) {
		err = blkfront_update_limits(info);
		if (err) {
			xenbus_dev_fatal(dev, err, "setting queue limits");
			blkfront_teardown_rings(info, BLKFRONT_SUSPENDED);
			return;
		}
	}
	set_disk_ro(info->gd, blkfront_backend_readonly(info));
	if (!first && sectors != get_capacity(info->gd))
		set_capacity_and_notify(info->gd, sectors);

	for (i = 0; i < info->nr_rings; i++) {
		spin_lock_irq(&info->rings[i].lock);
		info->rings[i].live = true;
		spin_unlock_irq(&info->rings[i].lock);
	}
	WRITE_ONCE(info->state, BLKFRONT_CONNECTED);
	xenbus_switch_state(dev, XenbusStateConnected);

	dev_info(&dev->dev,
		 "%s: %llu sectors of 512 bytes, logical/physical block %u/%u; %u queue(s), ring order %u; %s; persistent grants %s; indirect %u; discard %s%s\n",
		 info->gd->disk_name, sectors, ssize, pssize, info->nr_rings,
		 info->ring_order,
		 !info->feature_flush ? "no flush" :
		 info->flush_op == BLKIF_OP_WRITE_BARRIER ? "barrier" :
		 "flush-cache",
		 info->persistent ? "on" : "off",
		 info->layout.indirect ? info->layout.grants_per_slot : 0,
		 info->feature_discard ? "on" : "off",
		 info->untrusted ? "; untrusted backend" : "");

	if (first) {
		err = device_add_disk(&dev->dev, info->gd, NULL);
		if (err) {
			xenbus_dev_fatal(dev, err, "adding disk");
			return;
		}
		info->disk_added = true;
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

static unsigned int blkfront_sg_max(const struct xbf_geom *g)
{
	struct xbf_layout l;
	unsigned int n, indirect;

	xbf_layout_init(&l, g, 0);
	n = l.max_segments;
	indirect = xbf_effective_indirect(g, UINT_MAX,
					  blkfront_max_indirect_segments);
	if (indirect) {
		xbf_layout_init(&l, g, indirect);
		n = max(n, l.max_segments);
	}
	return n;
}

static int blkfront_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct blkfront_info *info;
	const char *leaf;
	unsigned int vdevice, handle, i;
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
	info->geom.page_shift = PAGE_SHIFT;
	info->geom.grant_shift = XEN_PAGE_SHIFT;
	info->sg_max = blkfront_sg_max(&info->geom);
	info->max_rings = clamp(blkfront_max_queues, 1U, num_online_cpus());

	info->rings = kcalloc(info->max_rings, sizeof(*info->rings),
			      GFP_KERNEL);
	if (!info->rings) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < info->max_rings; i++) {
		struct blkfront_ring *ring = &info->rings[i];
		unsigned int j;

		ring->info = info;
		ring->index = i;
		spin_lock_init(&ring->lock);
		INIT_WORK(&ring->restart_work, blkfront_restart_work);
		for (j = 0; j < XENBUS_MAX_RING_GRANTS; j++)
			ring->refs[j] = INVALID_GRANT_REF;
	}

	dev_set_drvdata(&dev->dev, info);
	blkfront_debugfs_add(info);
	return 0;

out_free:
	kfree(info);
	return err;
}

static void blkfront_remove(struct xenbus_device *dev)
{
	struct blkfront_info *info = dev_get_drvdata(&dev->dev);
	struct request *rq, *tmp;

	blkfront_debugfs_remove(info);

	mutex_lock(&info->mutex);
	WRITE_ONCE(info->state, BLKFRONT_DISCONNECTED);
	blkfront_teardown_rings(info, BLKFRONT_DISCONNECTED);
	list_for_each_entry_safe(rq, tmp, &info->recover, queuelist) {
		list_del_init(&rq->queuelist);
		blk_mq_end_request(rq, BLK_STS_IOERR);
	}
	mutex_unlock(&info->mutex);

	if (info->gd) {
		/* Whatever is parked on a stopped queue now fails. */
		blk_mq_start_stopped_hw_queues(info->gd->queue, false);
		if (info->disk_added)
			del_gendisk(info->gd);
		blkfront_release_minors(info->vd.minor, info->vd.nr_minors);
		put_disk(info->gd);
		blk_mq_free_tag_set(&info->tag_set);
	}
	dev_set_drvdata(&dev->dev, NULL);
	kfree(info->rings);
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
