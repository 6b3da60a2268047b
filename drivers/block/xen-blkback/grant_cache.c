// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: mapping the frontend's grants, persistently or per request.
 *
 * All functions here but xbb_release_persistent() run in the ring thread
 * (or in teardown after the thread has stopped); the cache tree, the pool,
 * the scratch arrays and the counters are therefore used without locks.
 */

#include <linux/slab.h>

#include <xen/page.h>

#include "common.h"
#include "trace.h"

static unsigned long xbb_page_vaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/*
 * Unmap one batch synchronously and give the pages back to the pool.  The
 * hypercall can succeed while single operations of it fail: a page whose
 * own unmap failed may still hold the guest's frame, so it is never
 * reused, only counted and named.
 */
static void xbb_unmap_batch(struct xbb_ring *ring, unsigned int n)
{
	struct gntab_unmap_queue_data *unmap_data = &ring->unmap_data;
	unsigned int i, kept = 0;
	int err;

	if (!n)
		return;
	unmap_data->unmap_ops = ring->unmap_ops;
	unmap_data->kunmap_ops = NULL;
	unmap_data->pages = ring->batch_pages;
	unmap_data->count = n;
	err = gnttab_unmap_refs_sync(unmap_data);
	if (err) {
		/* The pages may still hold foreign frames: never reuse them. */
		xbb_ring_err(ring,
			     "queue %u: unmapping %u grants failed (%d), leaking their pages\n",
			     ring->index, n, err);
		return;
	}
	for (i = 0; i < n; i++) {
		s16 st = ring->unmap_ops[i].status;

		if (st == GNTST_okay) {
			ring->batch_pages[kept++] = ring->batch_pages[i];
			continue;
		}
		xbb_ring_err(ring,
			     "queue %u: unmapping handle %u failed (status %d), leaking its page\n",
			     ring->index, ring->unmap_ops[i].handle, st);
	}
	ring->st.grants_unmapped += kept;
	xbb_pool_put(ring, ring->batch_pages, kept);
}

static unsigned int xbb_queue_unmap(struct xbb_ring *ring, unsigned int n,
				    struct page *page, grant_handle_t handle)
{
	gnttab_set_unmap_op(&ring->unmap_ops[n], xbb_page_vaddr(page),
			    GNTMAP_host_map, handle);
	ring->batch_pages[n++] = page;
	if (n == XBB_BATCH) {
		xbb_unmap_batch(ring, n);
		n = 0;
	}
	return n;
}

/* Keep a freshly mapped grant as persistent if there is room. */
static void xbb_try_persist(struct xbb_ring *ring, struct xbb_map *m)
{
	struct xbb_pgnt *p;

	if (ring->gcache.count >= READ_ONCE(xbb_max_pgrants)) {
		ring->gcache.overflow = true;
		return;
	}
	p = kzalloc(sizeof(*p), GFP_NOIO);
	if (!p)
		return;
	p->g.gref = m->gref;
	p->page = m->page;
	p->handle = m->handle;
	if (xbb_gcache_insert(&ring->gcache, &p->g, jiffies)) {
		/* Same grant twice in one batch: keep this one per request. */
		kfree(p);
		return;
	}
	m->pgnt = p;
	m->handle = XBB_INVALID_HANDLE;
	trace_xen_blkback_pgrant_add(ring, p->g.gref);
}

/*
 * Map the batch queued in ring->map_ops; returns 0 or the first error.
 * Per-entry statuses are trusted even when the call as a whole fails, so a
 * grant that did get mapped is never lost track of.
 */
static int xbb_map_batch(struct xbb_ring *ring, unsigned int n,
			 bool persistent)
{
	unsigned int i;
	int err, ret = 0;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		ring->map_ops[i].status = GNTST_general_error;
	err = gnttab_map_refs(ring->map_ops, NULL, ring->batch_pages, n);
	if (err) {
		xbb_ring_err(ring,
			     "queue %u: mapping %u grants failed (%d)\n",
			     ring->index, n, err);
		ret = err;
	}

	for (i = 0; i < n; i++) {
		struct xbb_map *m = ring->batch_maps[i];

		if (ring->map_ops[i].status != GNTST_okay) {
			xbb_ring_err(ring,
				     "queue %u: mapping grant %u failed (status %d)\n",
				     ring->index, m->gref,
				     ring->map_ops[i].status);
			/* The page goes back to the pool on release. */
			m->handle = XBB_INVALID_HANDLE;
			ret = ret ?: -EIO;
			continue;
		}
		m->handle = ring->map_ops[i].handle;
		ring->st.grants_mapped++;
		if (persistent)
			xbb_try_persist(ring, m);
	}
	return ret;
}

/**
 * xbb_map_grants() - map the grants of one request
 * @ring: the ring
 * @maps: one entry per granted page, with @gref set
 * @nr: entries in @maps
 * @readonly: the pages are only read by us (a WRITE)
 *
 * With persistent grants, cached grants are reused (a grant already in
 * flight is refused) and new mappings are kept in the cache while it is
 * under max_persistent_grants; everything is mapped read-write then, as
 * the protocol requires.  Without them, mappings live for this request
 * only and @readonly pages are mapped read-only.
 *
 * Mapping stops at the first failing batch.  Whatever the outcome every
 * entry is left in a state xbb_release_grants() undoes correctly, and
 * valid persistent grants stay in the cache.
 *
 * Context: ring thread; may sleep.
 * Return: 0, -EBUSY if a grant is in flight, -ENOMEM if no page was
 * available, or another negative errno if a grant could not be mapped.
 */
int xbb_map_grants(struct xbb_ring *ring, struct xbb_map *maps,
		   unsigned int nr, bool readonly)
{
	bool persistent = ring->be->persistent;
	u32 flags = GNTMAP_host_map;
	unsigned int i, n = 0;
	int err;

	if (!persistent && readonly)
		flags |= GNTMAP_readonly;

	for (i = 0; i < nr; i++) {
		maps[i].page = NULL;
		maps[i].pgnt = NULL;
		maps[i].handle = XBB_INVALID_HANDLE;
	}

	for (i = 0; i < nr; i++) {
		struct xbb_map *m = &maps[i];

		if (persistent) {
			struct xbb_gnode *g;

			g = xbb_gcache_lookup(&ring->gcache, m->gref);
			if (g) {
				if (xbb_gcache_get(g, jiffies)) {
					xbb_ring_err(ring,
						     "queue %u: grant %u is already in use\n",
						     ring->index, m->gref);
					err = -EBUSY;
					goto out_flush;
				}
				m->pgnt = container_of(g, struct xbb_pgnt, g);
				m->page = m->pgnt->page;
				ring->st.pgrant_hits++;
				continue;
			}
			ring->st.pgrant_misses++;
		}

		if (xbb_pool_get(ring, &m->page, nr - i)) {
			xbb_ring_warn(ring,
				      "queue %u: no page to map a grant into\n",
				      ring->index);
			m->page = NULL;
			err = -ENOMEM;
			goto out_flush;
		}
		gnttab_set_map_op(&ring->map_ops[n], xbb_page_vaddr(m->page),
				  flags, m->gref, ring->be->domid);
		ring->batch_pages[n] = m->page;
		ring->batch_maps[n] = m;
		if (++n == XBB_BATCH) {
			err = xbb_map_batch(ring, n, persistent);
			n = 0;
			if (err)
				return err;
		}
	}
	return xbb_map_batch(ring, n, persistent);

out_flush:
	/*
	 * Pages already queued for mapping were never mapped: their entries
	 * keep an invalid handle and the pages return to the pool on release.
	 */
	return err;
}

/**
 * xbb_release_grants_queued() - undo xbb_map_grants(), unmaps left queued
 * @ring: the ring
 * @maps: entries as left by xbb_map_grants()
 * @nr: entries in @maps
 * @queued: unmaps already queued in the ring's batch
 *
 * Persistent grants are marked free and used and unused pages go back to
 * the pool at once; per-request mappings join the ring's unmap batch,
 * which goes to Xen only when it is full.  The caller sends the rest with
 * xbb_unmap_queued() before it answers any request whose grants it
 * queued, and maps nothing in between (the batch shares scratch space
 * with mapping).  Several requests thus share one unmap hypercall.
 *
 * Context: ring thread, or teardown after the thread stopped; may sleep.
 * Return: the unmaps now queued.
 */
unsigned int xbb_release_grants_queued(struct xbb_ring *ring,
				       struct xbb_map *maps, unsigned int nr,
				       unsigned int queued)
{
	unsigned long now = jiffies;
	unsigned int i, n = queued;

	for (i = 0; i < nr; i++) {
		struct xbb_map *m = &maps[i];

		if (m->pgnt)
			xbb_gcache_put(&m->pgnt->g, now);
		else if (m->handle != XBB_INVALID_HANDLE)
			n = xbb_queue_unmap(ring, n, m->page, m->handle);
		else if (m->page)
			xbb_pool_put(ring, &m->page, 1);
		m->page = NULL;
		m->pgnt = NULL;
		m->handle = XBB_INVALID_HANDLE;
	}
	return n;
}

/**
 * xbb_unmap_queued() - send the unmaps xbb_release_grants_queued() queued
 * @ring: the ring
 * @queued: its return value
 *
 * Synchronous: when it returns, no page of the batch is mapped any more
 * and every page is back in the pool.
 *
 * Context: ring thread, or teardown after the thread stopped; may sleep.
 */
void xbb_unmap_queued(struct xbb_ring *ring, unsigned int queued)
{
	xbb_unmap_batch(ring, queued);
}

/**
 * xbb_release_grants() - undo xbb_map_grants() after the request ended
 * @ring: the ring
 * @maps: entries as left by xbb_map_grants()
 * @nr: entries in @maps
 *
 * As xbb_release_grants_queued(), with the unmaps sent before returning
 * (synchronously, so no page is reused or answered for while still
 * mapped).
 *
 * Context: ring thread, or teardown after the thread stopped; may sleep.
 */
void xbb_release_grants(struct xbb_ring *ring, struct xbb_map *maps,
			unsigned int nr)
{
	xbb_unmap_batch(ring, xbb_release_grants_queued(ring, maps, nr, 0));
}

/**
 * xbb_release_persistent() - release a request's grants if all are persistent
 * @maps: entries as left by a successful xbb_map_grants()
 * @nr: entries in @maps
 *
 * Releasing persistent grants only marks them free in the cache, which
 * is safe outside the ring thread (see include/xen-blkback/gcache.h), so
 * a request holding nothing else can be answered from its completion.
 *
 * Context: any, including bio completion.
 * Return: true if every entry was a persistent grant (or @nr is 0) and all
 * were released; false, with nothing changed, otherwise.
 */
bool xbb_release_persistent(struct xbb_map *maps, unsigned int nr)
{
	unsigned long now = jiffies;
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (!maps[i].pgnt)
			return false;
	for (i = 0; i < nr; i++) {
		xbb_gcache_put(&maps[i].pgnt->g, now);
		maps[i].pgnt = NULL;
		maps[i].page = NULL;
	}
	return true;
}

static void xbb_unmap_victims(struct xbb_ring *ring, struct xbb_gnode *v)
{
	unsigned int n = 0;

	while (v) {
		struct xbb_pgnt *p = container_of(v, struct xbb_pgnt, g);

		v = v->next_victim;
		trace_xen_blkback_pgrant_evict(ring, p->g.gref);
		n = xbb_queue_unmap(ring, n, p->page, p->handle);
		kfree(p);
	}
	xbb_unmap_batch(ring, n);
}

/**
 * xbb_gcache_purge() - one LRU run over the ring's persistent grants
 * @ring: the ring
 *
 * Drops grants idle for longer than persistent_grant_unused_seconds and,
 * when the cache is over max_persistent_grants or could not keep a
 * mapping, the excess plus lru_num_clean grants in LRU order (see
 * include/xen-blkback/gcache.h).  Grants in flight are kept.
 *
 * Context: ring thread; may sleep.
 */
void xbb_gcache_purge(struct xbb_ring *ring)
{
	struct xbb_gcache *c = &ring->gcache;
	unsigned int cap, target, timeout, dropped;
	struct xbb_gnode *victims;
	u64 start = 0;

	if (!c->count)
		return;
	if (trace_xen_blkback_lru_purge_enabled())
		start = ktime_get_ns();
	cap = READ_ONCE(xbb_max_pgrants);
	target = xbb_lru_target(c->count, cap,
				xbb_lru_batch(READ_ONCE(xbb_lru_num_clean), cap),
				c->overflow);
	timeout = READ_ONCE(xbb_pgrant_timeout_s);
	dropped = xbb_gcache_collect(c, target, jiffies,
				     xbb_idle_jiffies(timeout, HZ), &victims);
	if (!dropped)
		return;
	if (dropped < target)
		dev_dbg(xbb_dev(ring),
			"queue %u: purged %u of %u persistent grants, rest in flight\n",
			ring->index, dropped, target);
	ring->st.grants_purged += dropped;
	xbb_unmap_victims(ring, victims);
	if (start)
		trace_xen_blkback_lru_purge(ring, dropped, start);
}

/**
 * xbb_gcache_free_all() - unmap every persistent grant of a ring
 * @ring: the ring, with no request in flight
 *
 * Context: teardown after the ring thread stopped; may sleep.
 */
void xbb_gcache_free_all(struct xbb_ring *ring)
{
	struct xbb_gnode *g, *victims = NULL;

	while ((g = xbb_gcache_pop(&ring->gcache))) {
		/* Teardown waited for all I/O; an active grant is our bug. */
		WARN_ON_ONCE(xbb_gnode_active(g));
		g->next_victim = victims;
		victims = g;
	}
	xbb_unmap_victims(ring, victims);
	ring->gcache.overflow = false;
}
