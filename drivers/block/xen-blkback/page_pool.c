// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: per-ring pool of pages to map grants into.
 *
 * Pages come from the grant table's page cache helpers (ballooned or
 * unpopulated pages, as the kernel is configured).  The pool grows on
 * demand, is trimmed by the ring thread to max_buffer_pages and emptied
 * for buffer_squeeze_duration_ms after the xenbus core reports memory
 * pressure; the policy is in include/xen-blkback/pool.h.
 */

#include <linux/jiffies.h>

#include "common.h"

/**
 * xbb_pool_init() - set up an empty pool
 * @ring: the ring
 *
 * Context: process context.
 */
void xbb_pool_init(struct xbb_ring *ring)
{
	gnttab_page_cache_init(&ring->pool);
}

/**
 * xbb_pool_get() - take a page from the pool, allocating if it is empty
 * @ring: the ring
 * @page: receives the page
 *
 * Context: ring thread; may sleep.
 * Return: 0, or -ENOMEM.
 */
int xbb_pool_get(struct xbb_ring *ring, struct page **page)
{
	return gnttab_page_cache_get(&ring->pool, page);
}

/**
 * xbb_pool_put() - give unmapped pages back to the pool
 * @ring: the ring
 * @pages: the pages
 * @nr: entries in @pages
 *
 * Context: ring thread or teardown.
 */
void xbb_pool_put(struct xbb_ring *ring, struct page **pages, unsigned int nr)
{
	gnttab_page_cache_put(&ring->pool, pages, nr);
}

/**
 * xbb_pool_trim() - shrink the pool to what the policy allows now
 * @ring: the ring
 *
 * Picks up a new memory-pressure squeeze from the device, then frees the
 * pages above max_buffer_pages (all of them while squeezing).
 *
 * Context: ring thread.
 */
void xbb_pool_trim(struct xbb_ring *ring)
{
	struct xbb_device *be = ring->be;
	unsigned int gen = atomic_read(&be->squeeze_gen);
	unsigned int target;

	if (gen != ring->squeeze_seen) {
		ring->squeeze_seen = gen;
		/* Pairs with the smp_wmb() in xbb_reclaim_memory(). */
		smp_rmb();
		xbb_squeeze_arm(&ring->squeeze, READ_ONCE(be->squeeze_until));
	}
	target = xbb_pool_target(READ_ONCE(xbb_max_buffer_pages),
				 xbb_squeeze_active(&ring->squeeze, jiffies));
	if (xbb_pool_excess(READ_ONCE(ring->pool.num_pages), target))
		gnttab_page_cache_shrink(&ring->pool, target);
}

/**
 * xbb_pool_destroy() - free every page of the pool
 * @ring: the ring, with all its grants unmapped
 *
 * Context: teardown; may sleep.
 */
void xbb_pool_destroy(struct xbb_ring *ring)
{
	gnttab_page_cache_shrink(&ring->pool, 0);
}

/**
 * xbb_reclaim_memory() - xenbus callback on dom0 memory pressure
 * @dev: the vbd device
 *
 * Records a squeeze deadline for the device and wakes its ring threads,
 * which then empty their pools until the deadline passes.
 *
 * Context: shrinker (reclaim) context; must not sleep on our locks.
 */
void xbb_reclaim_memory(struct xenbus_device *dev)
{
	struct xbb_device *be = dev_get_drvdata(&dev->dev);
	unsigned int ms = READ_ONCE(xbb_squeeze_ms);
	unsigned int i;

	/*
	 * A zero duration turns squeezing off, as in the stock driver: an
	 * armed squeeze always empties the pool once, even when late.
	 */
	if (!be || !ms)
		return;
	WRITE_ONCE(be->squeeze_until, jiffies + msecs_to_jiffies(ms));
	/* Deadline before generation; pairs with smp_rmb() in xbb_pool_trim(). */
	smp_wmb();
	atomic_inc(&be->squeeze_gen);

	/* Without the lock the threads notice within 100 ms anyway. */
	if (!mutex_trylock(&be->lock))
		return;
	for (i = 0; i < be->nr_rings; i++)
		wake_up(&be->rings[i].wq);
	mutex_unlock(&be->lock);
}
