// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: the per-ring pool of granted bounce units.
 *
 * Pages are allocated zeroed and carved into grant-sized units, so a
 * 64 KiB guest page backs 16 grants instead of one.  Free units sit on a
 * LIFO stack: the most recently used unit, whose grant the backend most
 * likely still has mapped persistently, is handed out first.
 */

#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <xen/page.h>

#include "blkfront.h"

/**
 * blkfront_pool_init() - allocate a ring's pool
 * @ring: ring whose pool to fill
 * @units: units wanted; rounded up to whole guest pages
 *
 * Context: process context, may sleep; the caller is in a NOIO scope.
 * Return: 0 or -ENOMEM (nothing left allocated then).
 */
int blkfront_pool_init(struct blkfront_ring *ring, unsigned int units)
{
	struct blkfront_pool *p = &ring->pool;
	const struct xbf_geom *g = &blkfront_geom;
	unsigned int gpp = xbf_grants_per_page(g);
	unsigned int i, j;

	memset(p, 0, sizeof(*p));
	p->nr_pages = xbf_pool_pages(g, units);
	p->nr_units = p->nr_pages * gpp;
	p->pages = kvcalloc(p->nr_pages, sizeof(*p->pages), GFP_KERNEL);
	p->units = kvcalloc(p->nr_units, sizeof(*p->units), GFP_KERNEL);
	p->free = kvcalloc(p->nr_units, sizeof(*p->free), GFP_KERNEL);
	if (!p->pages || !p->units || !p->free)
		goto out_free;

	for (i = 0; i < p->nr_pages; i++) {
		/* Zeroed: nothing of ours may reach the backend (XSA-403). */
		p->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!p->pages[i])
			goto out_free;
		for (j = 0; j < gpp; j++) {
			struct blkfront_unit *u = &p->units[i * gpp + j];

			u->page = p->pages[i];
			u->offset = j << g->grant_shift;
			u->gref = BLKFRONT_NO_GREF;
		}
	}
	/* Lowest units on top of the stack. */
	for (i = 0; i < p->nr_units; i++)
		p->free[i] = &p->units[p->nr_units - 1 - i];
	p->nr_free = p->nr_units;
	return 0;

out_free:
	blkfront_pool_destroy(ring);
	return -ENOMEM;
}

/**
 * blkfront_end_grant() - end the backend's access to a page we granted
 * @ref: the grant
 * @page: the page holding the granted frame (with 64 KiB pages, the page
 *	of which the grant is a 4 KiB part)
 *
 * If the backend still maps the grant, a reference to @page is taken and
 * handed with the grant to the grant table's deferred revocation, which
 * drops it once the backend lets go, however late: the page is not freed
 * or reused while the backend may still write it.  Left to find the page
 * itself, the grant table would take the grant's 4 KiB frame number for
 * a page number, a wrong page with 64 KiB pages.  The caller forgets
 * @ref either way.
 *
 * Context: any; takes no lock of ours.
 * Return: true if access ended now, false if the revocation was deferred.
 */
bool blkfront_end_grant(grant_ref_t ref, struct page *page)
{
	if (gnttab_try_end_foreign_access(ref))
		return true;
	get_page(page);
	gnttab_end_foreign_access(ref, page);
	return false;
}

/**
 * blkfront_pool_destroy() - revoke every grant of a pool and free it
 * @ring: ring whose pool to empty
 *
 * A grant the backend still maps is revoked later (blkfront_end_grant()):
 * its page is freed only once the backend lets go, however late.  Safe to
 * call on an empty or half-built pool.
 *
 * Context: process context; the ring is no longer live.
 */
void blkfront_pool_destroy(struct blkfront_ring *ring)
{
	struct blkfront_pool *p = &ring->pool;
	unsigned int i, stuck = 0;

	for (i = 0; p->units && i < p->nr_units; i++) {
		struct blkfront_unit *u = &p->units[i];

		if (u->gref == BLKFRONT_NO_GREF)
			continue;
		if (!blkfront_end_grant(u->gref, u->page))
			stuck++;
		u->gref = BLKFRONT_NO_GREF;
	}
	if (stuck)
		dev_warn(&ring->info->xbdev->dev,
			 "ring %u: backend still maps %u grants; their pages are freed once it lets go\n",
			 ring->index, stuck);

	/* A page with deferred grants lives on through their references. */
	for (i = 0; p->pages && i < p->nr_pages; i++) {
		if (p->pages[i])
			__free_page(p->pages[i]);
	}
	kvfree(p->free);
	kvfree(p->units);
	kvfree(p->pages);
	memset(p, 0, sizeof(*p));
}

/**
 * blkfront_unit_release() - revoke the grant of a unit after a request
 * @ring: ring owning the pool
 * @u: unit
 *
 * Used when grants are not persistent.  If the backend still maps the
 * grant the unit is taken out of service for good (its page will not be
 * freed) and the caller must put the device in the error state.
 *
 * Context: ring lock held.
 * Return: true if the unit is free of grants and may be reused.
 */
bool blkfront_unit_release(struct blkfront_ring *ring, struct blkfront_unit *u)
{
	struct blkfront_pool *p = &ring->pool;

	lockdep_assert_held(&ring->lock);
	if (u->gref == BLKFRONT_NO_GREF)
		return true;
	if (!gnttab_try_end_foreign_access(u->gref))
		return false;
	u->gref = BLKFRONT_NO_GREF;
	p->nr_granted--;
	return true;
}

/**
 * blkfront_use_revoke() - end the backend's access to a granted data page
 * @use: data grant of a slot whose page was granted itself (no unit)
 *
 * Called while the request still holds its pages, before it ends or is
 * collected for reissue: until then nobody can free the page, so the
 * grant needs no reference of its own.  If the backend still maps the
 * page, its revocation is deferred (blkfront_end_grant()).  Idempotent.
 *
 * Context: any; takes no lock of ours.
 * Return: false if the backend still mapped the page.
 */
bool blkfront_use_revoke(struct blkfront_use *use)
{
	grant_ref_t ref = use->gref;

	if (ref == BLKFRONT_NO_GREF)
		return true;
	use->gref = BLKFRONT_NO_GREF;
	return blkfront_end_grant(ref, use->page);
}

/**
 * blkfront_unit_grant() - grant a unit to the backend
 * @ring: ring owning the pool
 * @u: unit without a grant
 * @gref: reference claimed by the caller
 * @readonly: backend may only read (non-persistent writes)
 *
 * Context: ring lock held.
 */
void blkfront_unit_grant(struct blkfront_ring *ring, struct blkfront_unit *u,
			 grant_ref_t gref, bool readonly)
{
	unsigned long gfn;

	lockdep_assert_held(&ring->lock);
	gfn = pfn_to_gfn(page_to_xen_pfn(u->page) +
			 (u->offset >> XEN_PAGE_SHIFT));
	gnttab_grant_foreign_access_ref(gref, ring->info->xbdev->otherend_id,
					gfn, readonly);
	u->gref = gref;
	ring->pool.nr_granted++;
}
