// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: module entry points, parameters and minor numbers.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/bitmap.h>
#include <linux/slab.h>
#include <linux/major.h>
#include <xen/xen.h>
#include <xen/page.h>
#include <xen/platform_pci.h>

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
 * Data never travels in guest pages: every request is copied into (write)
 * or out of (read) grant-sized units of a per-ring pool of zeroed pages.
 * A guest page of 64 KiB is carved into 16 such units.  When both ends
 * agree on persistent grants a unit keeps its grant for the whole
 * connection and the pool is reused LIFO; otherwise the grant is revoked
 * with gnttab_try_end_foreign_access() when the request completes, and a
 * backend that still maps it puts the device in the error state.
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
 * the ring, fails the I/O in flight and marks the device broken.  On
 * save/restore the rings are rebuilt, the features renegotiated and the
 * requests that were in flight are requeued, so no acknowledged write
 * depends on the old backend.
 */

unsigned int blkfront_max_indirect_segments = 32;
module_param_named(max_indirect_segments, blkfront_max_indirect_segments,
		   uint, 0444);
MODULE_PARM_DESC(max_indirect_segments,
		 "Maximum grants per indirect request, capped by the backend and at 4096; 11 or less disables indirect descriptors (default 32)");

unsigned int blkfront_max_queues = 4;
module_param_named(max_queues, blkfront_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues,
		 "Maximum hardware queues (rings) per device, capped at online CPUs and the backend's maximum (default 4)");

unsigned int blkfront_max_ring_page_order;
module_param_named(max_ring_page_order, blkfront_max_ring_page_order,
		   uint, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Maximum log2 of the pages per shared ring, 0..4, capped by the backend (default 0)");

bool blkfront_trusted = true;
module_param_named(trusted, blkfront_trusted, bool, 0644);
MODULE_PARM_DESC(trusted,
		 "Trust backends; if N every unit shared with a backend is zeroed before use, like the toolstack's trusted=0 (default Y)");

bool blkfront_feature_persistent = true;
module_param_named(feature_persistent, blkfront_feature_persistent,
		   bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Advertise persistent grants; sampled at each connect (default Y)");

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

	if (blkfront_max_ring_page_order > XENBUS_MAX_RING_GRANT_ORDER) {
		pr_info("%s: max_ring_page_order %u capped at %u\n",
			BLKFRONT_NAME, blkfront_max_ring_page_order,
			XENBUS_MAX_RING_GRANT_ORDER);
		blkfront_max_ring_page_order = XENBUS_MAX_RING_GRANT_ORDER;
	}
	if (!blkfront_max_queues)
		blkfront_max_queues = 1;

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
