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

#include <linux/atomic.h>
#include <linux/jiffies.h>

#include "common.h"
#include "trace.h"

/*
 * Pages taken from the grant page allocator and not yet given back, all
 * devices together: in pools, mapping persistent grants, or in flight.
 * Changed only when a pool grows or shrinks, never per request.
 */
static atomic_long_t xbb_pages_held = ATOMIC_LONG_INIT(0);

/**
 * xbb_pool_pages_held() - pages the backend holds from the grant allocator
 *
 * Context: any context.
 * Return: the count, over every device; 0 once every device is gone.
 */
long xbb_pool_pages_held(void)
{
	return atomic_long_read(&xbb_pages_held);
}

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
 * xbb_pool_get() - take a page from the pool, refilling it if it is empty
 * @ring: the ring
 * @page: receives the page
 * @want: pages the caller may still take for this request, this one
 *	  included
 *
 * An empty pool is refilled with up to @want pages (at most %XBB_BATCH)
 * in one allocation.  With ballooned grant pages every allocation takes
 * the balloon lock, flushes the TLBs of all CPUs and makes hypercalls
 * whatever its size, so page by page a 128 KiB request paid that 32
 * times.  Pages the request then does not use stay in the pool, which
 * xbb_pool_trim() keeps within max_buffer_pages.
 *
 * Context: ring thread (the only one taking pages); may sleep.
 * Return: 0, or -ENOMEM.
 */
int xbb_pool_get(struct xbb_ring *ring, struct page **page,
		 unsigned int want)
{
	struct page **pages = ring->pool_pages;
	unsigned int n = clamp_t(unsigned int, want, 1, XBB_BATCH);

	/* Only this thread takes pages: a non-empty pool stays non-empty. */
	if (READ_ONCE(ring->pool.num_pages))
		return gnttab_page_cache_get(&ring->pool, page);

	if (n > 1 && !gnttab_alloc_pages(n, pages)) {
		*page = pages[0];
		gnttab_page_cache_put(&ring->pool, pages + 1, n - 1);
		atomic_long_add(n, &xbb_pages_held);
		return 0;
	}
	/* One page wanted, or short of memory: the one needed now. */
	if (gnttab_alloc_pages(1, page))
		return -ENOMEM;
	atomic_long_inc(&xbb_pages_held);
	return 0;
}

/**
 * xbb_pool_put() - give unmapped pages back to the pool
 * @ring: the ring
 * @pages: the pages
 * @nr: entries in @pages
 *
 * Context: any (the page cache has its own lock): the ring thread,
 * teardown, or the end of an asynchronous unmap.
 */
void xbb_pool_put(struct xbb_ring *ring, struct page **pages, unsigned int nr)
{
	gnttab_page_cache_put(&ring->pool, pages, nr);
}

/*
 * Free the pages above @target, %XBB_BATCH per call into the grant table
 * (gnttab_page_cache_shrink() frees ten at a time; with ballooned pages
 * each call takes the balloon lock and wakes the balloon thread).
 * Returns the number of pages freed.
 */
static unsigned int xbb_pool_shrink(struct xbb_ring *ring,
				    unsigned int target)
{
	struct page **pages = ring->pool_pages;
	unsigned int excess, n, i, freed = 0;

	while ((excess = xbb_pool_excess(READ_ONCE(ring->pool.num_pages),
					 target))) {
		n = min_t(unsigned int, excess, XBB_BATCH);
		/* Never allocates: only this thread takes pages. */
		for (i = 0; i < n; i++)
			if (gnttab_page_cache_get(&ring->pool, &pages[i]))
				break;
		if (!i)
			break;
		gnttab_free_pages(i, pages);
		atomic_long_sub(i, &xbb_pages_held);
		freed += i;
	}
	return freed;
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
	unsigned int target, freed;
	bool squeezing;

	if (gen != ring->squeeze_seen) {
		ring->squeeze_seen = gen;
		/* Pairs with the smp_wmb() in xbb_reclaim_memory(). */
		smp_rmb();
		xbb_squeeze_arm(&ring->squeeze, READ_ONCE(be->squeeze_until));
	}
	squeezing = xbb_squeeze_active(&ring->squeeze, jiffies);
	target = xbb_pool_target(READ_ONCE(xbb_max_buffer_pages), squeezing);
	freed = xbb_pool_shrink(ring, target);
	if (freed)
		trace_xen_blkback_pool_squeeze(ring, freed, target, squeezing);
}

/**
 * xbb_pool_destroy() - free every page of the pool
 * @ring: the ring, with all its grants unmapped
 *
 * Context: teardown; may sleep.
 */
void xbb_pool_destroy(struct xbb_ring *ring)
{
	xbb_pool_shrink(ring, 0);
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
