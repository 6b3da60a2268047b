// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: mapping the frontend's grants, persistently or per request.
 *
 * All functions here but xbb_release_persistent() and xbb_release_async()
 * run in the ring thread (or in teardown after the thread has stopped);
 * the cache tree, the scratch arrays and the counters in @st are
 * therefore used without locks.  The two run in bio completion, and so
 * does the end of an asynchronous unmap (xbb_unmap_done()), which may
 * also run in a workqueue: it answers requests and gives pages back to
 * the pool (the grant table's page cache, which has a lock of its own),
 * and counts in @cst under done_lock.
 */

#include <linux/slab.h>

#include <xen/page.h>

#include "common.h"
#include "trace.h"

static unsigned long xbb_page_vaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/* An entry that holds nothing: what xbb_map_grants() starts from. */
static void xbb_map_clear(struct xbb_map *m)
{
	m->page = NULL;
	m->pgnt = NULL;
	m->handle = XBB_INVALID_HANDLE;
}

/*
 * Give back the pages of an unmap that is done.  The hypercall can succeed
 * while single operations of it fail: a page whose own unmap failed may
 * still hold the guest's frame, so it is never reused, only counted and
 * named; so are all the pages of a hypercall that failed as a whole.
 * @pages is compacted in place.  The pool takes pages from any context
 * (its own lock); the caller counts the pages given back, returned.
 */
static unsigned int xbb_unmap_finish(struct xbb_ring *ring, int err,
				     struct gnttab_unmap_grant_ref *ops,
				     struct page **pages, unsigned int n)
{
	unsigned int i, kept = 0;

	if (err) {
		xbb_ring_err(ring,
			     "queue %u: unmapping %u grants failed (%d), leaking their pages\n",
			     ring->index, n, err);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (ops[i].status == GNTST_okay) {
			pages[kept++] = pages[i];
			continue;
		}
		xbb_ring_err(ring,
			     "queue %u: unmapping handle %u failed (status %d), leaking its page\n",
			     ring->index, ops[i].handle, ops[i].status);
	}
	xbb_pool_put(ring, pages, kept);
	return kept;
}

/*
 * Unmap the batch queued in the ring's scratch arrays and give the pages
 * back to the pool before returning.  For pages that never left the
 * driver (failed requests, indirect descriptor pages, teardown), where
 * nobody else can hold a reference and the unmap never waits, and as the
 * fallback of xbb_release_done() when memory is short.
 */
static void xbb_unmap_batch(struct xbb_ring *ring, unsigned int n)
{
	struct gntab_unmap_queue_data *unmap_data = &ring->unmap_data;

	if (!n)
		return;
	unmap_data->unmap_ops = ring->unmap_ops;
	unmap_data->kunmap_ops = NULL;
	unmap_data->pages = ring->batch_pages;
	unmap_data->count = n;
	ring->st.grants_unmapped +=
		xbb_unmap_finish(ring, gnttab_unmap_refs_sync(unmap_data),
				 ring->unmap_ops, ring->batch_pages, n);
}

/* Requests are put in one unmap while their segments add up to this. */
#define XBB_UNMAP_MAX	XBB_MAX_INDIRECT_SEGS

static void xbb_unmap_init(struct xbb_ring *ring, struct xbb_unmap *u,
			   bool inflight)
{
	u->ring = ring;
	INIT_LIST_HEAD(&u->reqs);
	u->inflight = inflight;
	u->data.count = 0;
}

/*
 * An unmap record of its own for up to @max grants, freed once done.
 * @gfp: GFP_NOIO (our own I/O may be what reclaim waits for) or atomic.
 * @inflight: see &struct xbb_unmap.
 */
static struct xbb_unmap *xbb_unmap_new(struct xbb_ring *ring,
				       unsigned int max, gfp_t gfp,
				       bool inflight)
{
	struct xbb_unmap *u;

	u = kmalloc(sizeof(*u) + max * (sizeof(*u->ops) + sizeof(*u->pages)),
		    gfp | __GFP_NOWARN);
	if (!u)
		return NULL;
	u->ops = (struct gnttab_unmap_grant_ref *)(u + 1);
	u->pages = (struct page **)(u->ops + max);
	u->allocated = true;
	xbb_unmap_init(ring, u, inflight);
	return u;
}

/*
 * Xen has unmapped the grants (or failed to).  Runs where the unmap was
 * started (a bio's completion, or the ring thread) when nothing held the
 * pages, else later from a workqueue.  The pages go back to the pool and
 * the requests are answered (any context may do both), and the unmap
 * leaves its count, in one round trip of done_lock.  The ring lives until
 * @inflight and @unmaps_pending are back at zero, which teardown waits
 * for, and the pool is in order by then.
 */
static void xbb_unmap_done(int result, struct gntab_unmap_queue_data *data)
{
	struct xbb_unmap *u = data->data;
	struct xbb_ring *ring = u->ring;
	bool allocated = u->allocated;
	unsigned long flags;
	unsigned int kept;

	kept = xbb_unmap_finish(ring, result, u->ops, u->pages, u->data.count);
	spin_lock_irqsave(&ring->done_lock, flags);
	ring->cst.grants_unmapped += kept;
	/* Retried at least once: some page was still in use. */
	if (u->data.age)
		ring->cst.unmaps_deferred++;
	if (u->inflight)
		__xbb_inflight_put(ring);
	else if (!--ring->unmaps_pending && wq_has_sleeper(&ring->inflight_wq))
		wake_up(&ring->inflight_wq);
	/*
	 * Last: a request's own record is free for its next use once the
	 * request is answered and its slot freed, here, and this lock
	 * dropped.
	 */
	if (!list_empty(&u->reqs) && __xbb_answer_list(ring, &u->reqs))
		notify_remote_via_irq(ring->irq);
	/* Teardown may free the ring as soon as this lock is dropped. */
	spin_unlock_irqrestore(&ring->done_lock, flags);
	if (allocated)
		kfree(u);
}

/*
 * The record @req holds for itself, for up to %XBB_UNMAP_OWN grants:
 * nothing to allocate.  Free while @req is not answered (it is answered
 * from this very unmap's completion).
 */
static struct xbb_unmap *xbb_unmap_own(struct xbb_ring *ring,
				       struct xbb_req *req, bool inflight)
{
	struct xbb_unmap *u = &req->unmap;

	u->ops = req->unmap_ops;
	u->pages = req->unmap_pages;
	u->allocated = false;
	xbb_unmap_init(ring, u, inflight);
	return u;
}

/* Start @u, already counted (xbb_unmap_start(), or in @inflight). */
static void xbb_unmap_go(struct xbb_unmap *u)
{
	u->data.data = u;
	u->data.done = xbb_unmap_done;
	u->data.unmap_ops = u->ops;
	u->data.kunmap_ops = NULL;
	u->data.pages = u->pages;
	gnttab_unmap_refs_async(&u->data);
}

static void xbb_unmap_start(struct xbb_ring *ring, struct xbb_unmap *u)
{
	unsigned long flags;

	spin_lock_irqsave(&ring->done_lock, flags);
	ring->unmaps_pending++;
	spin_unlock_irqrestore(&ring->done_lock, flags);
	xbb_unmap_go(u);
}

/**
 * xbb_unmaps_pending() - asynchronous unmaps of a ring not yet done
 * @ring: the ring
 *
 * Context: any context but hard interrupt.
 * Return: their number.
 */
unsigned int xbb_unmaps_pending(struct xbb_ring *ring)
{
	unsigned int n;

	spin_lock_irq(&ring->done_lock);
	n = ring->unmaps_pending;
	spin_unlock_irq(&ring->done_lock);
	return n;
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

static void xbb_unmap_add(struct xbb_unmap *u, struct page *page,
			  grant_handle_t handle)
{
	gnttab_set_unmap_op(&u->ops[u->data.count], xbb_page_vaddr(page),
			    GNTMAP_host_map, handle);
	u->pages[u->data.count++] = page;
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

/*
 * Take a page for @m and queue its grant at the end of the ring's map
 * batch.  @left: entries of the request still to come, for the pool.
 */
static int xbb_map_add(struct xbb_ring *ring, struct xbb_map *m, u32 flags,
		       unsigned int left)
{
	unsigned int n = ring->map_n;

	if (xbb_pool_get(ring, &m->page, left)) {
		xbb_ring_warn(ring, "queue %u: no page to map a grant into\n",
			      ring->index);
		m->page = NULL;
		return -ENOMEM;
	}
	gnttab_set_map_op(&ring->map_ops[n], xbb_page_vaddr(m->page), flags,
			  m->gref, ring->be->domid);
	ring->batch_pages[n] = m->page;
	ring->batch_maps[n] = m;
	ring->map_n = n + 1;
	return 0;
}

/**
 * xbb_map_flush() - map every grant queued in the ring's map batch
 * @ring: the ring
 *
 * One GNTTABOP_map_grant_ref for all of them.  Each entry learns its own
 * outcome (see xbb_maps_ok()); failures are logged here.
 *
 * Context: ring thread; may sleep.
 */
void xbb_map_flush(struct xbb_ring *ring)
{
	unsigned int n = ring->map_n;

	ring->map_n = 0;
	xbb_map_batch(ring, n, ring->be->persistent);
}

/**
 * xbb_map_queue() - queue the grants of one request, mapped later
 * @ring: the ring; its device does not use persistent grants
 * @maps: one entry per granted page, with @gref set
 * @nr: entries in @maps; at most %XBB_BATCH less what is queued already
 * @readonly: the pages are only read by us (a WRITE)
 *
 * The grants of the requests one pass of the ring thread takes in are
 * mapped together by xbb_map_flush(), one hypercall for all of them
 * rather than one per request.  Only without persistent grants: the
 * cache must see a grant mapped before a later request may name it (a
 * grant in flight is refused), and it maps (almost) nothing then anyway.
 *
 * Context: ring thread.
 * Return: 0, or -ENOMEM if no page was available.  Entries queued before
 * a failure are mapped by the next flush all the same, so that
 * xbb_release_grants() then finds every entry in a state it undoes.
 */
int xbb_map_queue(struct xbb_ring *ring, struct xbb_map *maps,
		  unsigned int nr, bool readonly)
{
	u32 flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0);
	unsigned int i;
	int err;

	for (i = 0; i < nr; i++)
		xbb_map_clear(&maps[i]);
	if (WARN_ON_ONCE(ring->be->persistent || nr > XBB_BATCH - ring->map_n))
		return -EIO;
	for (i = 0; i < nr; i++) {
		err = xbb_map_add(ring, &maps[i], flags, nr - i);
		if (err)
			return err;
	}
	return 0;
}

/**
 * xbb_maps_ok() - whether every entry of a flushed request got its mapping
 * @maps: entries queued by xbb_map_queue() and mapped by xbb_map_flush()
 * @nr: entries in @maps
 *
 * Return: false if the mapping of any entry failed.
 */
bool xbb_maps_ok(const struct xbb_map *maps, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (maps[i].handle == XBB_INVALID_HANDLE && !maps[i].pgnt)
			return false;
	return true;
}

/**
 * xbb_map_grants() - map the grants of one request
 * @ring: the ring, with no grants queued by xbb_map_queue()
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
	struct xbb_gnode *near = NULL;
	u32 flags = GNTMAP_host_map;
	unsigned int i;
	int err;

	if (!persistent && readonly)
		flags |= GNTMAP_readonly;

	for (i = 0; i < nr; i++)
		xbb_map_clear(&maps[i]);
	/* The batch of xbb_map_queue() shares the scratch arrays. */
	if (WARN_ON_ONCE(ring->map_n))
		return -EIO;

	for (i = 0; i < nr; i++) {
		struct xbb_map *m = &maps[i];

		if (persistent) {
			struct xbb_gnode *g;

			/* Nothing leaves the tree during this loop. */
			g = xbb_gcache_lookup_near(&ring->gcache, m->gref, near);
			if (g) {
				near = g;
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

		err = xbb_map_add(ring, m, flags, nr - i);
		if (err)
			goto out_flush;
		if (ring->map_n == XBB_BATCH) {
			ring->map_n = 0;
			err = xbb_map_batch(ring, XBB_BATCH, persistent);
			if (err)
				return err;
		}
	}
	i = ring->map_n;
	ring->map_n = 0;
	return xbb_map_batch(ring, i, persistent);

out_flush:
	/*
	 * Pages already queued for mapping were never mapped: their entries
	 * keep an invalid handle and the pages return to the pool on release.
	 */
	ring->map_n = 0;
	return err;
}

/*
 * Release one entry as left by xbb_map_grants(): a persistent grant is
 * marked free and an unused page goes back to the pool.  Returns true,
 * with the entry untouched, for a per-request mapping, which the caller
 * unmaps (and then clears the entry with xbb_map_clear()).
 */
static bool xbb_release_one(struct xbb_ring *ring, struct xbb_map *m,
			    unsigned long now)
{
	if (m->handle != XBB_INVALID_HANDLE && !m->pgnt)
		return true;
	if (m->pgnt)
		xbb_gcache_put(&m->pgnt->g, now);
	else if (m->page)
		xbb_pool_put(ring, &m->page, 1);
	xbb_map_clear(m);
	return false;
}

/**
 * xbb_release_grants() - undo xbb_map_grants() for a request that failed
 * @ring: the ring
 * @maps: entries as left by xbb_map_grants()
 * @nr: entries in @maps
 *
 * Persistent grants are marked free and unused pages go back to the pool;
 * per-request mappings are unmapped in batches before this returns, so
 * no page is reused or answered for while still mapped.  Only for pages
 * no bio has seen (a request that failed before submission, indirect
 * descriptor pages): the unmap of such a page never waits.
 *
 * Context: ring thread, or teardown after the thread stopped; may sleep.
 */
void xbb_release_grants(struct xbb_ring *ring, struct xbb_map *maps,
			unsigned int nr)
{
	unsigned long now = jiffies;
	unsigned int i, n = 0;

	for (i = 0; i < nr; i++) {
		if (!xbb_release_one(ring, &maps[i], now))
			continue;
		n = xbb_queue_unmap(ring, n, maps[i].page, maps[i].handle);
		xbb_map_clear(&maps[i]);
	}
	xbb_unmap_batch(ring, n);
}

/*
 * Release the grants of the requests of @batch, whose segments add up to
 * @segs at most, and answer them once their mappings are gone: from the
 * unmap's completion, or at once if they had none.  A batch of up to
 * %XBB_UNMAP_OWN segments (a pass of small requests) is unmapped with
 * its first request's own record; a larger one allocates its record, and
 * is unmapped synchronously if no memory can be had for it.
 */
static void xbb_release_batch(struct xbb_ring *ring, struct list_head *batch,
			      unsigned int segs)
{
	unsigned long now = jiffies;
	struct xbb_unmap *u;
	struct xbb_req *req;
	unsigned int i, n = 0;

	if (segs <= XBB_UNMAP_OWN)
		u = xbb_unmap_own(ring, list_first_entry(batch, struct xbb_req,
							 node), false);
	else
		u = xbb_unmap_new(ring, segs, GFP_NOIO, false);
	list_for_each_entry(req, batch, node) {
		for (i = 0; i < req->nr_segs; i++) {
			struct xbb_map *m = &req->maps[i];

			if (!xbb_release_one(ring, m, now))
				continue;
			if (u)
				xbb_unmap_add(u, m->page, m->handle);
			else
				n = xbb_queue_unmap(ring, n, m->page, m->handle);
			xbb_map_clear(m);
		}
	}
	if (u && u->data.count) {
		list_splice_init(batch, &u->reqs);
		xbb_unmap_start(ring, u);
		return;
	}
	if (u && u->allocated)
		kfree(u);
	xbb_unmap_batch(ring, n);
	xbb_answer_list(ring, batch);
}

/**
 * xbb_release_done() - release the grants of completed requests and
 *	answer them
 * @ring: the ring
 * @done: requests whose I/O completed; emptied
 *
 * Persistent grants are marked free at once.  Per-request mappings are
 * unmapped with gnttab_unmap_refs_async(), the grants of as many whole
 * requests as %XBB_UNMAP_MAX segments allow in one hypercall, and those
 * requests are answered, with one push, once their grants are unmapped.
 * Normally that is before this returns; if the block layer still holds a
 * page, the unmap is retried later and the ring thread does not wait.
 *
 * Context: ring thread, or teardown after the thread stopped; may sleep.
 */
void xbb_release_done(struct xbb_ring *ring, struct list_head *done)
{
	while (!list_empty(done)) {
		struct xbb_req *req, *tmp;
		unsigned int segs = 0;
		LIST_HEAD(batch);

		list_for_each_entry_safe(req, tmp, done, node) {
			if (segs && segs + req->nr_segs > XBB_UNMAP_MAX)
				break;
			segs += req->nr_segs;
			list_move_tail(&req->node, &batch);
		}
		xbb_release_batch(ring, &batch, segs);
	}
}

/**
 * xbb_release_async() - release a completed request's grants where it
 *	completed, and answer it once they are unmapped
 * @ring: the ring
 * @req: the request, all of its bios done
 *
 * Persistent grants are marked free; per-request mappings are unmapped
 * with gnttab_unmap_refs_async() at once, and the request is answered
 * from the unmap's completion, normally before this returns: no trip
 * through the ring thread, whose pool takes the pages back at the same
 * time.
 *
 * Context: any (bio completion).  The unmap's record is the request's
 * own (&struct xbb_req.unmap); one of more than %XBB_UNMAP_OWN
 * per-request mappings is allocated with GFP_ATOMIC.
 * Return: true if the request is taken care of: it leaves @inflight when
 * it is answered, and the ring may be gone then.  False, with nothing
 * changed, if no memory could be had: the caller then leaves the request
 * to the ring thread and ends its count in @inflight.
 */
bool xbb_release_async(struct xbb_ring *ring, struct xbb_req *req)
{
	unsigned long now = jiffies, flags;
	struct xbb_unmap *u = NULL;
	unsigned int i, n = 0;
	LIST_HEAD(answer);

	/* Every entry holds a grant mapping, or nothing (never a bare page). */
	for (i = 0; i < req->nr_segs; i++) {
		const struct xbb_map *m = &req->maps[i];

		if (m->pgnt)
			continue;
		if (m->handle != XBB_INVALID_HANDLE)
			n++;
		else if (m->page)
			return false;
	}
	if (n > XBB_UNMAP_OWN) {
		u = xbb_unmap_new(ring, n, GFP_ATOMIC, true);
		if (!u)
			return false;
	} else if (n) {
		u = xbb_unmap_own(ring, req, true);
	}
	for (i = 0; i < req->nr_segs; i++) {
		struct xbb_map *m = &req->maps[i];

		if (m->pgnt)
			xbb_gcache_put(&m->pgnt->g, now);
		else if (m->handle != XBB_INVALID_HANDLE)
			xbb_unmap_add(u, m->page, m->handle);
		xbb_map_clear(m);
	}
	if (u) {
		list_add_tail(&req->node, &u->reqs);
		xbb_unmap_go(u);
		return true;
	}
	/* Nothing was mapped per request after all. */
	list_add_tail(&req->node, &answer);
	spin_lock_irqsave(&ring->done_lock, flags);
	if (__xbb_answer_list(ring, &answer))
		notify_remote_via_irq(ring->irq);
	__xbb_inflight_put(ring);
	/* Teardown may free the ring as soon as this lock is dropped. */
	spin_unlock_irqrestore(&ring->done_lock, flags);
	return true;
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

/*
 * Unmap the @nr persistent grants of the list @v.  With @async, as
 * xbb_release_done() does, so that a page the block layer still holds
 * does not stop the ring thread; teardown unmaps synchronously.
 */
static void xbb_unmap_victims(struct xbb_ring *ring, struct xbb_gnode *v,
			      unsigned int nr, bool async)
{
	struct xbb_unmap *u = NULL;
	unsigned int n = 0, cap = 0;

	while (v) {
		struct xbb_pgnt *p = container_of(v, struct xbb_pgnt, g);

		v = v->next_victim;
		trace_xen_blkback_pgrant_evict(ring, p->g.gref);
		if (async && !u && nr) {
			cap = min_t(unsigned int, nr, XBB_UNMAP_MAX);
			u = xbb_unmap_new(ring, cap, GFP_NOIO, false);
		}
		if (nr)
			nr--;
		if (!u) {
			n = xbb_queue_unmap(ring, n, p->page, p->handle);
		} else {
			xbb_unmap_add(u, p->page, p->handle);
			if (u->data.count == cap) {
				xbb_unmap_start(ring, u);
				u = NULL;
			}
		}
		kfree(p);
	}
	if (u)
		xbb_unmap_start(ring, u);
	xbb_unmap_batch(ring, n);
}

/**
 * xbb_gcache_purge() - one LRU run over the ring's persistent grants
 * @ring: the ring
 *
 * Drops grants idle for longer than persistent_grant_unused_seconds
 * (looked for at the first run after 1/16 of that, or after a second if
 * sooner, has passed since the last look: runs are lru_interval apart,
 * so a grant can stay up to one lru_interval longer) and, when the
 * cache is over max_persistent_grants or could not keep a mapping, the
 * excess plus lru_num_clean grants in LRU order (see
 * include/xen-blkback/gcache.h).  Grants in flight are kept.
 *
 * Context: ring thread; may sleep.
 */
void xbb_gcache_purge(struct xbb_ring *ring)
{
	struct xbb_gcache *c = &ring->gcache;
	unsigned int cap, target, dropped;
	unsigned long now = jiffies, idle;
	struct xbb_gnode *victims;
	u64 start = 0;

	if (!c->count)
		return;
	cap = READ_ONCE(xbb_max_pgrants);
	target = xbb_lru_target(c->count, cap,
				xbb_lru_batch(READ_ONCE(xbb_lru_num_clean), cap),
				c->overflow);
	/*
	 * Finding idle grants walks the whole tree, which at every run cost
	 * about as much as the rest of the ring thread's work per request.
	 * A grant idle for a minute need not be found to the tick: look
	 * at most every 1/16 of the timeout, and at least once a second as
	 * far as the runs allow (so that a shorter timeout written at run
	 * time soon takes effect).
	 */
	idle = xbb_idle_jiffies(READ_ONCE(xbb_pgrant_timeout_s), HZ);
	if (idle && time_before(now, ring->next_idle_scan))
		idle = 0;
	else if (idle)
		ring->next_idle_scan = now + min_t(unsigned long, idle / 16, HZ);
	if (!target && !idle)
		return;
	if (trace_xen_blkback_lru_purge_enabled())
		start = ktime_get_ns();
	dropped = xbb_gcache_collect(c, target, now, idle, &victims);
	if (!dropped)
		return;
	if (dropped < target)
		dev_dbg(xbb_dev(ring),
			"queue %u: purged %u of %u persistent grants, rest in flight\n",
			ring->index, dropped, target);
	ring->st.grants_purged += dropped;
	xbb_unmap_victims(ring, victims, dropped, true);
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
	xbb_unmap_victims(ring, victims, 0, false);
	ring->gcache.overflow = false;
}
