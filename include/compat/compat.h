/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version compatibility for xen-blkback and xen-blkfront.
 *
 * Kbuild force-includes this header ahead of every source file of both
 * modules, so it is the one place that looks at LINUX_VERSION_CODE.  The
 * drivers are written against the interfaces of the newest kernel we
 * build for; each section below provides one of those interfaces on the
 * older kernel, in terms of what that kernel has, and names the release
 * that introduced it.
 *
 * Built for (W=1, warning-free): Debian's 6.1 and 6.12 kernels; the lab
 * runs 6.1.  The kernels in between are refused: several of the
 * interfaces below changed more than once there (the block device open
 * calls in 6.5, 6.7 and 6.9, the queue limits from 6.9 to 6.11), and no
 * shim was written or tried for those intermediate forms.  Kernels after
 * 6.12 are let through but were never built.
 */
#ifndef XEN_BLK_COMPAT_H
#define XEN_BLK_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0))
#error "xen-blk: Linux 6.1.y or 6.12 (or later, untried) required"
#endif

#include <linux/blkdev.h>

/*
 * Opening a block device by number (xen-blkback's backing device).  Since
 * 6.9 bdev_file_open_by_dev() returns a struct file and fput() closes it;
 * 6.1 has blkdev_get_by_dev() and blkdev_put(), which needs the open mode
 * back.  struct xen_blk_bdev_handle holds whatever the close needs.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)

#include <linux/file.h>

/**
 * struct xen_blk_bdev_handle - an open block device, as the kernel wants
 *	it back at close
 * @file: the block device file
 */
struct xen_blk_bdev_handle {
	struct file *file;
};

/**
 * xen_blk_bdev_open() - open a block device, not exclusively
 * @dev: device number
 * @write: open for writing as well as reading
 * @h: filled in for xen_blk_bdev_close() on success
 *
 * Context: process context; may sleep.
 * Return: the block device, or an ERR_PTR() on failure.
 */
static inline struct block_device *
xen_blk_bdev_open(dev_t dev, bool write, struct xen_blk_bdev_handle *h)
{
	blk_mode_t mode = BLK_OPEN_READ | (write ? BLK_OPEN_WRITE : 0);
	struct file *file;

	file = bdev_file_open_by_dev(dev, mode, NULL, NULL);
	if (IS_ERR(file))
		return ERR_CAST(file);
	h->file = file;
	return file_bdev(file);
}

/**
 * xen_blk_bdev_close() - close what xen_blk_bdev_open() opened
 * @h: the handle it filled in
 *
 * The last reference to the file may be dropped later, from a work item,
 * when the caller is a kernel thread (see fput()).
 *
 * Context: process context.
 */
static inline void xen_blk_bdev_close(struct xen_blk_bdev_handle *h)
{
	fput(h->file);
	h->file = NULL;
}

#else /* before 6.9 */

struct xen_blk_bdev_handle {
	struct block_device *bdev;
	fmode_t mode;
};

static inline struct block_device *
xen_blk_bdev_open(dev_t dev, bool write, struct xen_blk_bdev_handle *h)
{
	fmode_t mode = FMODE_READ | (write ? FMODE_WRITE : 0);
	struct block_device *bdev;

	bdev = blkdev_get_by_dev(dev, mode, NULL);
	if (IS_ERR(bdev))
		return bdev;
	h->bdev = bdev;
	h->mode = mode;
	return bdev;
}

static inline void xen_blk_bdev_close(struct xen_blk_bdev_handle *h)
{
	blkdev_put(h->bdev, h->mode);
	h->bdev = NULL;
}

#endif /* bdev_file_open_by_dev() */

/*
 * Queue limits as one structure, filled by the driver and applied at once:
 * blk_mq_alloc_disk() takes them and queue_limits_start_update() and
 * queue_limits_commit_update() change them (6.9); the blk_queue_*()
 * setters went away, the write cache, FUA and rotational flags became
 * limits.features, and blk_queue_disable_discard() and
 * blk_queue_disable_secure_erase() came to turn discard off from a
 * completion handler (6.10 and 6.11).
 *
 * On 6.1 the limits are set one at a time on a live queue.  The drivers'
 * struct queue_limits is then a structure of this header's own, with the
 * fields the drivers use; committing it calls the 6.1 setters for every
 * one of those fields, in a fixed order, and starting an update reads
 * them back from the queue.  The macro below gives it the kernel's name:
 * the kernel's own structure (the type of q->limits) was declared under
 * that name by <linux/blkdev.h> above, and only blkdev.h and
 * device-mapper.h name it on 6.1.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)

#include <linux/blk-mq.h>

#define BLK_FEAT_WRITE_CACHE	BIT(0)
#define BLK_FEAT_FUA		BIT(1)
#define BLK_FEAT_ROTATIONAL	BIT(2)

#define queue_limits xen_blk_queue_limits

/**
 * struct xen_blk_queue_limits - the queue limits the drivers set, on 6.1
 * @features: BLK_FEAT_* (6.1: QUEUE_FLAG_HW_WC, QUEUE_FLAG_FUA and the
 *	absence of QUEUE_FLAG_NONROT)
 * @seg_boundary_mask: as in the kernel's struct queue_limits
 * @max_hw_sectors: as in the kernel's struct queue_limits
 * @max_segment_size: as in the kernel's struct queue_limits
 * @physical_block_size: as in the kernel's struct queue_limits
 * @logical_block_size: as in the kernel's struct queue_limits
 * @max_hw_discard_sectors: as in the kernel's struct queue_limits
 * @max_secure_erase_sectors: as in the kernel's struct queue_limits
 * @discard_granularity: as in the kernel's struct queue_limits
 * @discard_alignment: as in the kernel's struct queue_limits
 * @max_segments: as in the kernel's struct queue_limits
 * @dma_alignment: as in the kernel's struct queue_limits
 *
 * Unlike on 6.12, a zero is applied as it is, not replaced by a default:
 * a driver fills in every field.
 */
struct xen_blk_queue_limits {
	unsigned int features;
	unsigned long seg_boundary_mask;
	unsigned int max_hw_sectors;
	unsigned int max_segment_size;
	unsigned int physical_block_size;
	unsigned int logical_block_size;
	unsigned int max_hw_discard_sectors;
	unsigned int max_secure_erase_sectors;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	unsigned short max_segments;
	unsigned int dma_alignment;
};

/**
 * queue_limits_start_update() - read a queue's limits for an update
 * @q: queue
 *
 * 6.1 has no limits lock: the caller serialises its updates itself.
 *
 * Context: any context.
 * Return: the queue's current limits.
 */
static inline struct queue_limits
queue_limits_start_update(struct request_queue *q)
{
	struct queue_limits lim = {
		.seg_boundary_mask = q->limits.seg_boundary_mask,
		.max_hw_sectors = q->limits.max_hw_sectors,
		.max_segment_size = q->limits.max_segment_size,
		.physical_block_size = q->limits.physical_block_size,
		.logical_block_size = q->limits.logical_block_size,
		.max_hw_discard_sectors = q->limits.max_hw_discard_sectors,
		.max_secure_erase_sectors = q->limits.max_secure_erase_sectors,
		.discard_granularity = q->limits.discard_granularity,
		.discard_alignment = q->limits.discard_alignment,
		.max_segments = q->limits.max_segments,
		.dma_alignment = q->limits.dma_alignment,
	};

	if (test_bit(QUEUE_FLAG_HW_WC, &q->queue_flags))
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (test_bit(QUEUE_FLAG_FUA, &q->queue_flags))
		lim.features |= BLK_FEAT_FUA;
	if (!blk_queue_nonrot(q))
		lim.features |= BLK_FEAT_ROTATIONAL;
	return lim;
}

/**
 * queue_limits_commit_update() - apply limits to a queue
 * @q: queue
 * @lim: every field set
 *
 * Calls the 6.1 setter of each field, so the queue's derived limits
 * (max_sectors, io_min, the backing device's io_pages) follow as they
 * always did.
 *
 * Context: process context.
 * Return: 0 (the 6.1 setters adjust what they do not accept).
 */
static inline int queue_limits_commit_update(struct request_queue *q,
					     struct queue_limits *lim)
{
	if (lim->features & BLK_FEAT_ROTATIONAL)
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	blk_queue_logical_block_size(q, lim->logical_block_size);
	blk_queue_physical_block_size(q, lim->physical_block_size);
	blk_queue_max_hw_sectors(q, lim->max_hw_sectors);
	blk_queue_segment_boundary(q, lim->seg_boundary_mask);
	blk_queue_max_segment_size(q, lim->max_segment_size);
	blk_queue_max_segments(q, lim->max_segments);
	blk_queue_dma_alignment(q, lim->dma_alignment);
	blk_queue_write_cache(q, lim->features & BLK_FEAT_WRITE_CACHE,
			      lim->features & BLK_FEAT_FUA);
	blk_queue_max_discard_sectors(q, lim->max_hw_discard_sectors);
	q->limits.discard_granularity = lim->discard_granularity;
	q->limits.discard_alignment = lim->discard_alignment;
	blk_queue_max_secure_erase_sectors(q, lim->max_secure_erase_sectors);
	return 0;
}

/**
 * xen_blk_mq_alloc_disk() - blk_mq_alloc_disk() with limits, on 6.1
 * @set: tag set
 * @lim: limits for the new queue, or NULL for the defaults
 * @queuedata: the queue's queuedata
 * @lkclass: lock class of the call site
 *
 * Context: process context; may sleep.
 * Return: the new disk, or an ERR_PTR() on failure.
 */
static inline struct gendisk *
xen_blk_mq_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
		      void *queuedata, struct lock_class_key *lkclass)
{
	struct gendisk *gd = __blk_mq_alloc_disk(set, queuedata, lkclass);

	if (!IS_ERR(gd) && lim)
		queue_limits_commit_update(gd->queue, lim);
	return gd;
}

#undef blk_mq_alloc_disk
#define blk_mq_alloc_disk(set, lim, queuedata)				\
({									\
	static struct lock_class_key __key;				\
									\
	xen_blk_mq_alloc_disk(set, lim, queuedata, &__key);		\
})

static inline void blk_queue_disable_discard(struct request_queue *q)
{
	blk_queue_max_discard_sectors(q, 0);
}

static inline void blk_queue_disable_secure_erase(struct request_queue *q)
{
	blk_queue_max_secure_erase_sectors(q, 0);
}

/**
 * xen_blk_queue_drop_write_cache() - stop the block layer's flushes, from
 *	a completion handler
 * @q: queue
 *
 * 6.1 clears the queue's write cache and FUA flags.  From 6.11 on they are
 * limits.features, which change only through queue_limits_commit_update()
 * in process context, so this does nothing there: flushes keep coming and
 * the driver completes them itself until its next limits update.
 *
 * Context: any context.
 */
static inline void xen_blk_queue_drop_write_cache(struct request_queue *q)
{
	blk_queue_write_cache(q, false, false);
}

#else /* 6.11 and later */

static inline void xen_blk_queue_drop_write_cache(struct request_queue *q)
{
}

#endif /* struct queue_limits with features */

#endif /* XEN_BLK_COMPAT_H */
