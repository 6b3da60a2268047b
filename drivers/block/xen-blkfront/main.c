// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: module entry points, parameters and minor numbers.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/major.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/platform_pci.h>

#include <xen-blkif/param.h>

#include "blkfront.h"

/* The tracepoints of trace.h are instantiated here, once per module. */
#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * DOC: theory of operation
 *
 * One xenbus device ("vbd") is one virtual disk.  The backend publishes
 * its features and waits in InitWait; we then allocate up to
 * ``max_queues`` shared rings (each ``2^ring_order`` pages, one late-EOI
 * event channel each), publish them and go to Initialised.  Once the
 * backend is Connected we read the disk's size and the remaining
 * features, size the per-ring bounce pools, create the gendisk (first
 * time only) and go to Connected::
 *
 *   - Initialising, backend InitWait: publish the rings, go Initialised
 *   - Initialised, backend Connected: size the disk, go Connected
 *   - Connected, backend Connected again: re-read the size (resize)
 *   - any, backend Closing or Closed: mark the disk dead, go Closed
 *   - Connected, resume after save/restore: tear the rings down, keep
 *     the requests in flight for reissue, go Initialising
 *
 * With persistent grants, or a backend that is not trusted, data never
 * travels in guest pages: every request is copied into (write) or out of
 * (read) grant-sized units of a per-ring pool of zeroed pages.  A guest
 * page of 64 KiB is carved into 16 such units.  When both ends agree on
 * persistent grants a unit keeps its grant for the whole connection and
 * the pool is reused LIFO; otherwise the grant is revoked with
 * gnttab_try_end_foreign_access() when the request completes, and a
 * backend that still maps it puts the device in the error state; at
 * teardown such grants go to the grant table's deferred revocation, which
 * frees their pages once the backend lets go.  Without persistent grants
 * to a trusted backend the copy buys nothing: the Xen pages of the
 * request's own pages are granted instead, each grant holding a reference
 * to its page, and revoked the same way (the pool then holds only
 * indirect frames).
 *
 * A block request is cut into grant-sized chunks that hold data (no empty
 * chunk is ever sent).  The chunks fill one or more ring slots: one
 * indirect request normally, or two plain requests for a 64 KiB page when
 * the backend lacks indirect descriptors, or more after a reconnect to a
 * backend with smaller limits.  The request completes when all its slots
 * have been answered.
 *
 * Responses are copied out of the ring once and validated (producer
 * index, id, slot in flight, operation) before use; a violation stops
 * the ring, fails the I/O in flight and marks the device broken.  Events
 * that bring no response are answered with a spurious late EOI (Xen then
 * throttles the channel); a run of them is named once as an event storm
 * and counted.  On
 * save/restore the rings are rebuilt, the features renegotiated and the
 * requests that were in flight are requeued, so no acknowledged write
 * depends on the old backend.
 */

/*
 * The load-time parameters are checked once, as they are set: a value
 * above the limit is capped with a message (as the in-tree driver does,
 * so that its configuration still loads), anything not a number is
 * refused.  The driver reads the stored values as they are.
 */
static int blkfront_param_set_capped(const char *val,
				     const struct kernel_param *kp,
				     unsigned int min, unsigned int max)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v)) {
		pr_warn("%s: %s=%.*s refused: not a number\n", BLKFRONT_NAME,
			kp->name, (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	if (v < min || v > max) {
		pr_info("%s: %s=%u out of %u..%u, using %u\n", BLKFRONT_NAME,
			kp->name, v, min, max, clamp(v, min, max));
		v = clamp(v, min, max);
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

/* A bound for the parameter; online CPUs cap it further at connect. */
#define BLKFRONT_MAX_QUEUES_LIMIT	256

XENBLK_PARAM_UINT_OPS(blkfront_indirect_ops, blkfront_param_set_capped,
		      0, XENBLK_MAX_INDIRECT_PAGES *
			 (XEN_PAGE_SIZE / sizeof(struct blkif_request_segment)));
XENBLK_PARAM_UINT_OPS(blkfront_queues_ops, blkfront_param_set_capped,
		      1, BLKFRONT_MAX_QUEUES_LIMIT);
XENBLK_PARAM_UINT_OPS(blkfront_ring_order_ops, blkfront_param_set_capped,
		      0, XENBUS_MAX_RING_GRANT_ORDER);

unsigned int blkfront_max_indirect_segments = 256;
module_param_cb(max_indirect_segments, &blkfront_indirect_ops,
		&blkfront_max_indirect_segments, 0444);
MODULE_PARM_DESC(max_indirect_segments,
		 "Maximum 4 KiB grants per indirect request (segments, 0..4096, larger is capped; default 256, 1 MiB); the backend's maximum caps it too, and 11 or less disables indirect descriptors");

unsigned int blkfront_max_queues = 4;
module_param_cb(max_queues, &blkfront_queues_ops, &blkfront_max_queues, 0444);
MODULE_PARM_DESC(max_queues,
		 "Maximum hardware queues (rings) per device (queues, 1..256, 0 is taken as 1, larger is capped; default 4); online CPUs and the backend's maximum cap it at connect");

unsigned int blkfront_max_ring_page_order;
module_param_cb(max_ring_page_order, &blkfront_ring_order_ops,
		&blkfront_max_ring_page_order, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Maximum log2 of the pages per shared ring (0..4, larger is capped; default 0); the backend's maximum caps it too");

bool blkfront_trusted = true;
module_param_named(trusted, blkfront_trusted, bool, 0644);
MODULE_PARM_DESC(trusted,
		 "Trust backends; if N every unit shared with a backend is zeroed before use, like the toolstack's trusted=0 (bool, default Y)");

bool blkfront_feature_persistent = true;
module_param_named(feature_persistent, blkfront_feature_persistent,
		   bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Advertise persistent grants; sampled at each connect (bool, default Y)");

static DEFINE_SPINLOCK(blkfront_minor_lock);
static unsigned long *blkfront_minors;
static unsigned int blkfront_nr_minors;

/**
 * blkfront_reserve_minors() - claim a range of minors of XENVBD_MAJOR
 * @minor: first minor
 * @nr: number of minors
 *
 * Context: process context, may sleep.
 * Return: 0, -EBUSY if part of the range is taken, or -ENOMEM.
 */
int blkfront_reserve_minors(unsigned int minor, unsigned int nr)
{
	unsigned int end = minor + nr;
	unsigned long *bitmap, *old = NULL;
	int ret = 0;

	if (end > blkfront_nr_minors) {
		unsigned int want = round_up(end, BITS_PER_LONG);

		bitmap = bitmap_zalloc(want, GFP_KERNEL);
		if (!bitmap)
			return -ENOMEM;
		spin_lock(&blkfront_minor_lock);
		if (end > blkfront_nr_minors) {
			if (blkfront_minors)
				bitmap_copy(bitmap, blkfront_minors,
					    blkfront_nr_minors);
			old = blkfront_minors;
			blkfront_minors = bitmap;
			blkfront_nr_minors = want;
		} else {
			old = bitmap;
		}
		spin_unlock(&blkfront_minor_lock);
		bitmap_free(old);
	}

	spin_lock(&blkfront_minor_lock);
	if (find_next_bit(blkfront_minors, end, minor) < end)
		ret = -EBUSY;
	else
		bitmap_set(blkfront_minors, minor, nr);
	spin_unlock(&blkfront_minor_lock);
	return ret;
}

/**
 * blkfront_release_minors() - give back minors of blkfront_reserve_minors()
 * @minor: first minor
 * @nr: number of minors
 *
 * Context: any context.
 */
void blkfront_release_minors(unsigned int minor, unsigned int nr)
{
	spin_lock(&blkfront_minor_lock);
	if (!WARN_ON_ONCE(minor + nr > blkfront_nr_minors))
		bitmap_clear(blkfront_minors, minor, nr);
	spin_unlock(&blkfront_minor_lock);
}

static int __init blkfront_init(void)
{
	int ret;

	/* Protocol constants are checked in <xen-blkif/wire.h>. */
	BUILD_BUG_ON(XBF_XVD_MAJOR != XENVBD_MAJOR);
	BUILD_BUG_ON(XBF_MINORBITS != MINORBITS);

	if (!xen_domain())
		return -ENODEV;
	if (!xen_has_pv_disk_devices())
		return -ENODEV;

	ret = register_blkdev(XENVBD_MAJOR, "xvd");
	if (ret) {
		pr_warn("%s: cannot get major %d\n", BLKFRONT_NAME,
			XENVBD_MAJOR);
		return -ENODEV;
	}

	blkfront_debugfs_init();
	ret = xenbus_register_frontend(&blkfront_driver);
	if (ret)
		goto out_debugfs;
	return 0;

out_debugfs:
	blkfront_debugfs_exit();
	unregister_blkdev(XENVBD_MAJOR, "xvd");
	return ret;
}
module_init(blkfront_init);

static void __exit blkfront_exit(void)
{
	xenbus_unregister_driver(&blkfront_driver);
	blkfront_debugfs_exit();
	unregister_blkdev(XENVBD_MAJOR, "xvd");
	bitmap_free(blkfront_minors);
}
module_exit(blkfront_exit);

MODULE_DESCRIPTION("Xen virtual block device frontend");
MODULE_LICENSE("GPL");
MODULE_ALIAS_BLOCKDEV_MAJOR(XENVBD_MAJOR);
MODULE_ALIAS("xen:vbd");
MODULE_ALIAS("xenblk");
