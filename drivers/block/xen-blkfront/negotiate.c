// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: feature negotiation with the backend.
 *
 * Every xenstore key the two ends exchange about the connection is read
 * or written here: the ring geometry we choose from the backend's maxima
 * and our parameters, the keys we publish, and the disk's properties and
 * optional features once the backend is connected.  The parameters were
 * bounded when they were set (main.c); they are only combined with the
 * backend's offer and the machine here.
 */

#include <linux/log2.h>
#include <linux/slab.h>
#include <xen/page.h>
#include <xen/interface/io/protocols.h>

#include "blkfront.h"

/**
 * blkfront_sg_max() - segments a request may ever need
 * @g: page geometry of this kernel
 *
 * The largest segment count of any layout a connection can negotiate:
 * without indirect descriptors, or with as many as the parameter allows
 * (the backend can only lower it).  Fixed for the tag set's lifetime.
 *
 * Context: any context.
 * Return: entries per request.
 */
unsigned int blkfront_sg_max(const struct xbf_geom *g)
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

/**
 * blkfront_negotiate_rings() - choose the rings of a new connection
 * @info: device whose backend is in InitWait (or beyond)
 *
 * Samples the runtime-writable parameters and picks the ring order and
 * the number of rings from the backend's maxima and ours.
 *
 * Context: process context; info->mutex held.
 */
void blkfront_negotiate_rings(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int order, queues;

	lockdep_assert_held(&info->mutex);
	info->persistent_adv = READ_ONCE(blkfront_feature_persistent);
	info->untrusted = !READ_ONCE(blkfront_trusted) ||
			  !xenbus_read_unsigned(dev->nodename, "trusted", 1);

	order = xenbus_read_unsigned(dev->otherend, "max-ring-page-order", 0);
	info->ring_order = min(order, blkfront_max_ring_page_order);
	info->ring_size = __CONST_RING_SIZE(blkif,
					    XEN_PAGE_SIZE << info->ring_order);

	queues = xenbus_read_unsigned(dev->otherend, "multi-queue-max-queues",
				      1);
	queues = clamp(queues, 1U, info->max_rings);
	/* The hardware queue count is fixed once the disk exists. */
	if (info->gd)
		queues = min(queues, info->nr_hw_queues);
	info->nr_rings = queues;
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

static int blkfront_write_rings(struct xenbus_transaction xbt,
				struct blkfront_info *info)
{
	const char *dir = info->xbdev->nodename;
	unsigned int i;
	int err;

	if (info->nr_rings == 1) {
		xenbus_rm(xbt, dir, "multi-queue-num-queues");
		return blkfront_write_ring(xbt, &info->rings[0], dir);
	}
	err = xenbus_printf(xbt, dir, "multi-queue-num-queues", "%u",
			    info->nr_rings);
	for (i = 0; !err && i < info->nr_rings; i++) {
		char *path = kasprintf(GFP_NOIO, "%s/queue-%u", dir, i);

		if (!path)
			return -ENOMEM;
		err = blkfront_write_ring(xbt, &info->rings[i], path);
		kfree(path);
	}
	return err;
}

/* The keys of blkfront_publish(); *@what names the one that failed. */
static int blkfront_write_keys(struct xenbus_transaction xbt,
			       struct blkfront_info *info, const char **what)
{
	const char *dir = info->xbdev->nodename;
	int err = 0;

	*what = "ring-page-order";
	if (info->ring_order)
		err = xenbus_printf(xbt, dir, *what, "%u", info->ring_order);
	else
		xenbus_rm(xbt, dir, *what);
	if (err)
		return err;

	*what = "rings";
	err = blkfront_write_rings(xbt, info);
	if (err)
		return err;

	*what = "protocol";
	err = xenbus_printf(xbt, dir, *what, "%s", XEN_IO_PROTO_ABI_NATIVE);
	if (err)
		return err;

	/* Our capability only: never what was negotiated last time. */
	*what = "feature-persistent";
	return xenbus_printf(xbt, dir, *what, "%u",
			     info->persistent_adv ? 1 : 0);
}

/**
 * blkfront_publish() - publish the rings and our features
 * @info: device whose rings blkfront_setup_rings() set up
 *
 * Writes everything in one transaction, retried while xenstore reports a
 * conflict.
 *
 * Context: process context, may sleep; info->mutex held.
 * Return: 0 or a negative errno (the device is then failed through
 * xenbus_dev_fatal()).
 */
int blkfront_publish(struct blkfront_info *info)
{
	struct xenbus_device *dev = info->xbdev;
	struct xenbus_transaction xbt;
	const char *what;
	int err;

	do {
		err = xenbus_transaction_start(&xbt);
		if (err) {
			xenbus_dev_fatal(dev, err, "starting transaction");
			return err;
		}
		err = blkfront_write_keys(xbt, info, &what);
		if (err) {
			xenbus_transaction_end(xbt, 1);
			xenbus_dev_fatal(dev, err, "writing %s", what);
			return err;
		}
		err = xenbus_transaction_end(xbt, 0);
	} while (err == -EAGAIN);
	if (err)
		xenbus_dev_fatal(dev, err, "completing transaction");
	return err;
}

static void blkfront_gather_features(struct blkfront_info *info)
{
	const char *be = info->xbdev->otherend;
	unsigned int indirect;

	info->persistent = info->persistent_adv &&
			   xenbus_read_unsigned(be, "feature-persistent", 0);
	/*
	 * Copying through the pool buys two things: grants that stay
	 * mapped (persistent), and that an untrusted backend never sees a
	 * guest page.  With neither, the copy is pure cost: grant the
	 * request's pages themselves, as the in-tree driver does.
	 */
	info->direct = !info->persistent && !info->untrusted;

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
		unsigned int gran, align;

		gran = xenbus_read_unsigned(be, "discard-granularity", 0);
		align = xenbus_read_unsigned(be, "discard-alignment", 0);
		if (gran && !xbf_discard_granularity_ok(gran, info->sector_size)) {
			dev_warn_ratelimited(&info->xbdev->dev,
					     "ignoring discard-granularity %u: not a power of two of at least %u bytes\n",
					     gran, info->sector_size);
			gran = 0;
		}
		info->discard_granularity = gran;
		/*
		 * An offset into a granule (the physical block when none is
		 * given), in whole logical blocks.
		 */
		if (align >= (gran ?: info->physical_sector_size) ||
		    align % info->sector_size)
			align = 0;
		info->discard_alignment = align;
		info->feature_secdiscard =
			xenbus_read_unsigned(be, "discard-secure", 0);
	} else {
		info->feature_secdiscard = false;
	}

	indirect = xenbus_read_unsigned(be, "feature-max-indirect-segments", 0);
	indirect = xbf_effective_indirect(&blkfront_geom, indirect,
					  blkfront_max_indirect_segments);
	xbf_layout_init(&info->layout, &blkfront_geom, indirect);
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

/**
 * blkfront_negotiate_disk() - read the disk and its features
 * @info: device whose backend is Connected
 * @sectors: the disk's capacity in 512-byte sectors, on success
 *
 * Reads the disk's properties (block sizes, info bits, mode) and the
 * backend's optional features, and derives the request layout of the
 * connection.  A reconnect must keep the logical block size.
 *
 * Context: process context; info->mutex held.
 * Return: 0, or a negative errno (the device is then failed through
 * xenbus_dev_fatal()).
 */
int blkfront_negotiate_disk(struct blkfront_info *info,
			    unsigned long long *sectors)
{
	struct xenbus_device *dev = info->xbdev;
	unsigned int binfo, ssize, pssize;
	int err;

	lockdep_assert_held(&info->mutex);
	err = xenbus_gather(XBT_NIL, dev->otherend,
			    "sectors", "%llu", sectors,
			    "info", "%u", &binfo,
			    "sector-size", "%u", &ssize, NULL);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading backend fields at %s",
				 dev->otherend);
		return err;
	}
	if (ssize < XENBLK_SECTOR_SIZE || ssize > PAGE_SIZE ||
	    !is_power_of_2(ssize) || (info->gd && ssize != info->sector_size)) {
		xenbus_dev_fatal(dev, -EINVAL, "unusable sector-size %u", ssize);
		return -EINVAL;
	}
	pssize = xenbus_read_unsigned(dev->otherend, "physical-sector-size",
				      ssize);
	if (pssize < ssize || !is_power_of_2(pssize))
		pssize = ssize;
	info->sector_size = ssize;
	info->physical_sector_size = pssize;
	info->vdisk_info = binfo;
	info->readonly = blkfront_backend_readonly(info);

	blkfront_gather_features(info);
	return 0;
}
