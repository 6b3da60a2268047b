// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the gendisk, its tag set and its queue limits.
 *
 * Everything the block layer is told about the disk is decided here: the
 * limits of a new queue, their update at each reconnect, and what is
 * withdrawn when the backend refuses an operation it had offered.
 */

#include <linux/hdreg.h>
#include <linux/major.h>
#include <linux/module.h>

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
 * The limits of the current connection.  @lim is zeroed for a new disk,
 * or the queue's own between queue_limits_start_update() and
 * queue_limits_commit_update().
 */
static void blkfront_set_limits(struct blkfront_info *info,
				struct queue_limits *lim)
{
	lim->features &= ~BLK_FEAT_ROTATIONAL;
	lim->logical_block_size = info->sector_size;
	lim->physical_block_size = info->physical_sector_size;
	lim->max_hw_sectors = info->layout.max_hw_sectors;
	/* Each segment lies within one guest page ... */
	lim->seg_boundary_mask = PAGE_SIZE - 1;
	lim->max_segment_size = PAGE_SIZE;
	/*
	 * ... so this many segments fit the slots of one request.  Each
	 * request has room for sg_max segments, fixed when the tag set was
	 * created.
	 */
	lim->max_segments = min(info->layout.max_segments, info->sg_max);
	/*
	 * A chunk keeps the offset of its data in the page, and the protocol
	 * wants each one to start and end on a logical block: so must the
	 * memory of every request (O_DIRECT from elsewhere gets EINVAL).
	 */
	lim->dma_alignment = info->sector_size - 1;

	/* No FUA: the block layer follows FUA writes with a flush. */
	lim->features &= ~(BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
	if (info->feature_flush)
		lim->features |= BLK_FEAT_WRITE_CACHE;

	if (info->feature_discard) {
		lim->max_hw_discard_sectors = UINT_MAX;
		lim->discard_granularity = info->discard_granularity ?:
					   info->physical_sector_size;
		lim->discard_alignment = info->discard_alignment;
		lim->max_secure_erase_sectors = info->feature_secdiscard ?
						UINT_MAX : 0;
	} else {
		lim->max_hw_discard_sectors = 0;
		lim->max_secure_erase_sectors = 0;
	}
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
	/*
	 * No I/O scheduler unless the administrator picks one: the requests
	 * meet dom0's own scheduler (or the backing file's) behind the ring,
	 * and a single queue would otherwise get mq-deadline, which here
	 * costs a third of the IOPS of 4 KiB random reads and orders nothing
	 * the backend does not reorder again (what loop does too).
	 */
	set->flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	set->cmd_size = sizeof(struct blkfront_cmd) +
			info->sg_max * sizeof(struct blkfront_seg);
	set->driver_data = info;
	err = blk_mq_alloc_tag_set(set);
	if (err)
		goto out_release_minors;
	info->nr_hw_queues = info->nr_rings;

	blkfront_set_limits(info, &lim);
	gd = blk_mq_alloc_disk(set, &lim, info);
	if (IS_ERR(gd)) {
		err = PTR_ERR(gd);
		goto out_free_tag_set;
	}
	err = xbf_disk_name(gd->disk_name, DISK_NAME_LEN, &info->vd);
	if (err)
		goto out_put_disk;
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

out_put_disk:
	put_disk(gd);
out_free_tag_set:
	blk_mq_free_tag_set(set);
out_release_minors:
	blkfront_release_minors(info->vd.minor, info->vd.nr_minors);
	return err;
}

static int blkfront_update_limits(struct blkfront_info *info)
{
	struct request_queue *q = info->gd->queue;
	struct queue_limits lim;

	lim = queue_limits_start_update(q);
	blkfront_set_limits(info, &lim);
	return queue_limits_commit_update(q, &lim);
}

/**
 * blkfront_disk_connect() - fit the disk to a new connection
 * @info: device with its features negotiated
 * @sectors: capacity the backend reports, in 512-byte sectors
 *
 * On the first connect creates the tag set and the gendisk (not yet
 * added); on a reconnect applies the new limits and capacity.  Either
 * way the disk becomes read-only if the backend says so.
 *
 * Context: process context in a NOIO scope; info->mutex held.
 * Return: 0 or a negative errno; nothing changed then on a first
 * connect.
 */
int blkfront_disk_connect(struct blkfront_info *info, sector_t sectors)
{
	int err;

	lockdep_assert_held(&info->mutex);
	if (!info->gd) {
		err = blkfront_alloc_disk(info, sectors);
		if (err)
			return err;
	} else {
		err = blkfront_update_limits(info);
		if (err)
			return err;
		if (sectors != get_capacity(info->gd))
			set_capacity_and_notify(info->gd, sectors);
	}
	set_disk_ro(info->gd, info->readonly);
	return 0;
}

/**
 * blkfront_disk_add() - make the disk of the first connect visible
 * @info: device whose gendisk blkfront_disk_connect() created
 *
 * Context: process context, may sleep; info->mutex held.
 * Return: 0 or the error of device_add_disk().
 */
int blkfront_disk_add(struct blkfront_info *info)
{
	int err;

	err = device_add_disk(&info->xbdev->dev, info->gd, NULL);
	if (!err)
		info->disk_added = true;
	return err;
}

/**
 * blkfront_disk_resize() - follow a change of the backend's capacity
 * @info: connected device
 *
 * Context: process context; info->mutex held.
 */
void blkfront_disk_resize(struct blkfront_info *info)
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

/**
 * blkfront_free_disk() - undo blkfront_disk_connect() and blkfront_disk_add()
 * @info: device whose rings are torn down; no gendisk is fine
 *
 * Requests still parked on a stopped queue are let through to fail.
 *
 * Context: process context, may sleep.
 */
void blkfront_free_disk(struct blkfront_info *info)
{
	if (!info->gd)
		return;
	blk_mq_start_stopped_hw_queues(info->gd->queue, false);
	if (info->disk_added)
		del_gendisk(info->gd);
	put_disk(info->gd);
	blk_mq_free_tag_set(&info->tag_set);
	blkfront_release_minors(info->vd.minor, info->vd.nr_minors);
	info->disk_added = false;
	info->gd = NULL;
}

/**
 * blkfront_feature_refused() - the backend refused an optional operation
 * @info: connected device
 * @op: BLKIF_OP_DISCARD, BLKIF_OP_FLUSH_DISKCACHE or BLKIF_OP_WRITE_BARRIER
 *
 * Stops offering the operation, to the block layer as far as it can be
 * told from here, and to blkfront_queue_one().
 *
 * Context: any context (called from the interrupt handler).
 */
void blkfront_feature_refused(struct blkfront_info *info, u8 op)
{
	struct request_queue *q = info->gd->queue;

	if (op == BLKIF_OP_DISCARD) {
		dev_warn_ratelimited(&info->xbdev->dev,
				     "%s: discard refused, disabling it\n",
				     info->gd->disk_name);
		info->feature_discard = false;
		info->feature_secdiscard = false;
		blk_queue_disable_discard(q);
		blk_queue_disable_secure_erase(q);
	} else if (op == BLKIF_OP_FLUSH_DISKCACHE ||
		   op == BLKIF_OP_WRITE_BARRIER) {
		dev_warn_ratelimited(&info->xbdev->dev,
				     "%s: %s refused, disabling it\n",
				     info->gd->disk_name,
				     op == BLKIF_OP_WRITE_BARRIER ?
				     "barrier" : "flush");
		info->feature_flush = false;
		/*
		 * Where the kernel cannot drop the write cache from here,
		 * flushes keep coming and blkfront_queue_one() ends them.
		 */
		xen_blk_queue_drop_write_cache(q);
	}
}
