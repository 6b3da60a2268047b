/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: free page pool trimming and squeezing policy.
 *
 * Each ring keeps the pages it maps grants into in a pool that grows on
 * demand.  The ring thread trims the pool to max_buffer_pages at least
 * every 100 ms.  When dom0 comes under memory pressure the xenbus core
 * asks the driver to reclaim memory; the pool is then "squeezed" to zero
 * for buffer_squeeze_duration_ms.  Only the decision lives here, so the
 * unit tests see the same code as the module.
 */
#ifndef XEN_BLKBACK_POOL_H
#define XEN_BLKBACK_POOL_H

#ifndef XENBLK_UNIT_TEST
#include <linux/types.h>
#endif

/**
 * struct xbb_squeeze - one ring's view of a memory-pressure squeeze
 * @until: end of the squeeze (jiffies)
 * @armed: a squeeze was requested and has not expired yet
 * @owed: the pool has not been emptied for the squeeze yet (it is, once,
 *	  even when the squeeze is first seen after its deadline)
 */
struct xbb_squeeze {
	unsigned long until;
	bool armed;
	bool owed;
};

/**
 * xbb_squeeze_arm() - start (or extend) a squeeze
 * @s: squeeze state
 * @deadline: end of the squeeze (jiffies)
 */
static inline void xbb_squeeze_arm(struct xbb_squeeze *s,
				   unsigned long deadline)
{
	s->until = deadline;
	s->armed = true;
	s->owed = true;
}

/**
 * xbb_squeeze_active() - whether the pool must be emptied now
 * @s: squeeze state
 * @now: current time (jiffies)
 *
 * An expired squeeze disarms itself, so a stale deadline can never come
 * back to life when the counter wraps.  A squeeze that is noticed only
 * after its deadline (the ring thread was busy or descheduled for longer
 * than the window) still empties the pool once: memory pressure must never
 * be ignored because the window was short.
 *
 * Return: true while a squeeze is in force.
 */
static inline bool xbb_squeeze_active(struct xbb_squeeze *s, unsigned long now)
{
	if (!s->armed)
		return false;
	if ((long)(now - s->until) < 0) {
		s->owed = false;
		return true;
	}
	s->armed = false;
	if (s->owed) {
		s->owed = false;
		return true;
	}
	return false;
}

/**
 * xbb_pool_target() - pages the free pool may keep
 * @max_buffer_pages: the max_buffer_pages parameter
 * @squeezing: result of xbb_squeeze_active()
 *
 * Return: 0 while squeezing, else @max_buffer_pages.
 */
static inline unsigned int xbb_pool_target(unsigned int max_buffer_pages,
					   bool squeezing)
{
	return squeezing ? 0 : max_buffer_pages;
}

/**
 * xbb_pool_excess() - pages to give back to the system
 * @free_pages: pages now in the pool
 * @target: see xbb_pool_target()
 *
 * Return: how many pages to free, 0 if the pool is within @target.
 */
static inline unsigned int xbb_pool_excess(unsigned int free_pages,
					   unsigned int target)
{
	return free_pages > target ? free_pages - target : 0;
}

#endif /* XEN_BLKBACK_POOL_H */
