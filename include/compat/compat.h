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

#endif /* XEN_BLK_COMPAT_H */
