/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Xen-free request layout logic of xen-blkfront.
 *
 * Everything in here is pure arithmetic over the guest page size and the
 * Xen grant size, so it is compiled both into the module and into the
 * user-space unit tests (tests/unit/test_blkfront_*.c) unchanged.  The page
 * geometry is a run-time parameter so that 4 KiB and 64 KiB guests can both
 * be exercised on any build host.
 */
#ifndef XEN_BLKFRONT_LAYOUT_H
#define XEN_BLKFRONT_LAYOUT_H

#ifndef XENBLK_UNIT_TEST
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math.h>
#include <linux/minmax.h>
#endif

#include <xen-blkif/wire.h>

/**
 * struct xbf_geom - page geometry of the guest and of the grant interface
 * @page_shift: log2 of the guest's PAGE_SIZE (12 or 16 in practice)
 * @grant_shift: log2 of the grant (Xen page) size, 12 everywhere today
 */
struct xbf_geom {
	unsigned int page_shift;
	unsigned int grant_shift;
};

static inline unsigned int xbf_grant_size(const struct xbf_geom *g)
{
	return 1U << g->grant_shift;
}

/* Grants needed to cover one full guest page. */
static inline unsigned int xbf_grants_per_page(const struct xbf_geom *g)
{
	return 1U << (g->page_shift - g->grant_shift);
}

/* Segment descriptors that fit into one indirect frame. */
static inline unsigned int xbf_segs_per_indirect(const struct xbf_geom *g)
{
	return xbf_grant_size(g) / XENBLK_SEG_DESC_SIZE;
}

/**
 * xbf_chunks() - grants holding data of one segment
 * @g: page geometry
 * @off: byte offset of the data inside its guest page
 * @len: length in bytes (may be 0)
 *
 * Only the grant-sized pieces of the page that actually contain a byte of
 * [@off, @off + @len) count; the other pieces of a large page are never
 * sent, so a request never carries an empty chunk.
 *
 * Return: number of grants, 0 for an empty segment.
 */
static inline unsigned int xbf_chunks(const struct xbf_geom *g,
				      unsigned int off, unsigned int len)
{
	if (!len)
		return 0;
	return ((off + len - 1) >> g->grant_shift) - (off >> g->grant_shift) + 1;
}

/**
 * struct xbf_chunk - one grant's worth of a segment
 * @page_off: offset of the data inside the guest page
 * @grant_off: offset of the data inside its grant (Xen page)
 * @len: bytes of data in this grant, never 0
 * @first_sect: first 512-byte sector used inside the grant
 * @last_sect: last 512-byte sector used inside the grant
 */
struct xbf_chunk {
	unsigned int page_off;
	unsigned int grant_off;
	unsigned int len;
	unsigned int first_sect;
	unsigned int last_sect;
};

/**
 * struct xbf_split - iterator splitting a segment into grant-sized chunks
 * @pos: next byte offset in the guest page
 * @end: offset one past the last byte of the segment
 */
struct xbf_split {
	unsigned int pos;
	unsigned int end;
};

/**
 * xbf_split_begin() - start splitting a segment already accepted
 * @it: iterator
 * @off: offset of the segment in its guest page
 * @len: length of the segment
 *
 * No checks: for a second walk over segments that xbf_split_init()
 * accepted in a first one.
 */
static inline void xbf_split_begin(struct xbf_split *it, unsigned int off,
				   unsigned int len)
{
	it->pos = off;
	it->end = off + len;
}

/**
 * xbf_split_init() - start splitting a segment
 * @it: iterator
 * @g: page geometry
 * @off: offset of the segment in its guest page
 * @len: length of the segment
 *
 * Return: 0, or -EINVAL if the segment leaves its page or is not made of
 * whole 512-byte sectors (the protocol cannot express anything else).
 */
static inline int xbf_split_init(struct xbf_split *it, const struct xbf_geom *g,
				 unsigned int off, unsigned int len)
{
	unsigned int page = 1U << g->page_shift;

	if (off >= page || len > page - off)
		return -EINVAL;
	if ((off | len) & (XENBLK_SECTOR_SIZE - 1))
		return -EINVAL;
	xbf_split_begin(it, off, len);
	return 0;
}

/**
 * xbf_split_next() - produce the next chunk of a segment
 * @it: iterator set up by xbf_split_init()
 * @g: page geometry
 * @c: filled with the chunk
 *
 * Return: true if @c holds a chunk, false once the segment is exhausted.
 */
static inline bool xbf_split_next(struct xbf_split *it,
				  const struct xbf_geom *g, struct xbf_chunk *c)
{
	unsigned int gsize = xbf_grant_size(g);
	unsigned int goff, len;

	if (it->pos >= it->end)
		return false;
	goff = it->pos & (gsize - 1);
	len = min(gsize - goff, it->end - it->pos);
	c->page_off = it->pos;
	c->grant_off = goff;
	c->len = len;
	c->first_sect = goff >> XENBLK_SECTOR_SHIFT;
	c->last_sect = (goff + len - 1) >> XENBLK_SECTOR_SHIFT;
	it->pos += len;
	return true;
}

/**
 * struct xbf_layout - how requests are laid out on the ring for one
 *	connection; recomputed at every connect
 * @indirect: requests use BLKIF_OP_INDIRECT
 * @grants_per_slot: data grants one ring slot can carry
 * @indirect_per_slot: indirect frames one slot needs at most
 * @max_segments: block-layer segment limit (each segment within a page)
 * @max_grants: grants a request built under these limits can need
 * @max_slots: ring slots such a request can need (2 for 64 KiB pages
 *	without indirect descriptors)
 * @max_hw_sectors: block-layer size limit in 512-byte sectors
 */
struct xbf_layout {
	bool indirect;
	unsigned int grants_per_slot;
	unsigned int indirect_per_slot;
	unsigned int max_segments;
	unsigned int max_grants;
	unsigned int max_slots;
	unsigned int max_hw_sectors;
};

/**
 * xbf_indirect_frames() - indirect frames needed for some data grants
 * @g: page geometry
 * @grants: data grants carried by one indirect request
 *
 * Return: number of indirect frames (Xen pages of segment descriptors).
 */
static inline unsigned int xbf_indirect_frames(const struct xbf_geom *g,
					       unsigned int grants)
{
	return DIV_ROUND_UP(grants, xbf_segs_per_indirect(g));
}

/**
 * xbf_effective_indirect() - indirect segments usable on a connection
 * @g: page geometry
 * @backend: the backend's feature-max-indirect-segments (0 if absent)
 * @param: the local max_indirect_segments parameter, at most
 *	XENBLK_MAX_INDIRECT_PAGES frames' worth of segments (the module
 *	parameter is capped there when it is set)
 *
 * Return: segments per indirect request, or 0 when indirect descriptors
 * are not used: not offered, limited to what a plain request carries
 * anyway, or too few to hold one guest page.
 */
static inline unsigned int xbf_effective_indirect(const struct xbf_geom *g,
						  unsigned int backend,
						  unsigned int param)
{
	unsigned int n = min(backend, param);

	if (n <= XENBLK_MAX_DIRECT_SEGS || n < xbf_grants_per_page(g))
		return 0;
	return n;
}

/**
 * xbf_layout_init() - compute the request layout of a connection
 * @l: result
 * @g: page geometry
 * @indirect_segs: result of xbf_effective_indirect()
 *
 * Each block-layer segment is kept inside one guest page, so a segment
 * needs at most xbf_grants_per_page() grants; the segment limit is chosen
 * so that a request at the limits fits into @l->max_slots ring slots.
 */
static inline void xbf_layout_init(struct xbf_layout *l,
				   const struct xbf_geom *g,
				   unsigned int indirect_segs)
{
	unsigned int gpp = xbf_grants_per_page(g);

	if (indirect_segs) {
		l->indirect = true;
		l->grants_per_slot = indirect_segs;
		l->indirect_per_slot = xbf_indirect_frames(g, indirect_segs);
		l->max_slots = 1;
	} else {
		l->indirect = false;
		l->grants_per_slot = XENBLK_MAX_DIRECT_SEGS;
		l->indirect_per_slot = 0;
		/* a whole guest page must fit, if need be in two slots */
		l->max_slots = DIV_ROUND_UP(gpp, XENBLK_MAX_DIRECT_SEGS);
	}
	l->max_segments = max(1U, l->grants_per_slot * l->max_slots / gpp);
	l->max_grants = l->max_segments * gpp;
	l->max_hw_sectors = l->max_segments <<
			    (g->page_shift - XENBLK_SECTOR_SHIFT);
}

/**
 * xbf_req_indirect() - whether a request goes out as indirect request(s)
 * @l: layout of the connection
 * @grants: data grants of the request
 *
 * A request that fits a plain ring slot is sent as one: the backend then
 * has no indirect frame to map.
 *
 * Return: true if the request uses BLKIF_OP_INDIRECT.
 */
static inline bool xbf_req_indirect(const struct xbf_layout *l,
				    unsigned int grants)
{
	return l->indirect && grants > XENBLK_MAX_DIRECT_SEGS;
}

/**
 * xbf_slot_capacity() - data grants per slot for a given request
 * @l: layout of the connection
 * @grants: data grants of the request
 *
 * Return: grants one slot of this request carries at most.
 */
static inline unsigned int xbf_slot_capacity(const struct xbf_layout *l,
					     unsigned int grants)
{
	return xbf_req_indirect(l, grants) ? l->grants_per_slot :
					     XENBLK_MAX_DIRECT_SEGS;
}

/**
 * xbf_slots_for() - ring slots a request with some data grants needs
 * @l: layout of the connection
 * @grants: data grants of the request (0 for flush or discard)
 *
 * Return: number of ring slots, at least 1.
 */
static inline unsigned int xbf_slots_for(const struct xbf_layout *l,
					 unsigned int grants)
{
	if (!grants)
		return 1;
	return DIV_ROUND_UP(grants, xbf_slot_capacity(l, grants));
}

/**
 * xbf_slot_grants() - data grants carried by one slot of a request
 * @l: layout of the connection
 * @grants: data grants of the whole request
 * @slot: index of the slot, below xbf_slots_for()
 *
 * Return: grants in that slot; every slot but the last is full.
 */
static inline unsigned int xbf_slot_grants(const struct xbf_layout *l,
					   unsigned int grants,
					   unsigned int slot)
{
	unsigned int cap = xbf_slot_capacity(l, grants);
	unsigned int first = slot * cap;

	if (first >= grants)
		return 0;
	return min(grants - first, cap);
}

/**
 * xbf_units_for() - pool units (granted Xen pages) a request needs
 * @l: layout of the connection
 * @g: page geometry
 * @grants: data grants of the request
 *
 * Return: data grants plus the indirect frames of all its slots.  This is
 * what is reserved for the request, not a per-segment worst case.
 */
static inline unsigned int xbf_units_for(const struct xbf_layout *l,
					 const struct xbf_geom *g,
					 unsigned int grants)
{
	unsigned int slots = xbf_slots_for(l, grants), s, n = grants;

	if (!xbf_req_indirect(l, grants))
		return n;
	for (s = 0; s < slots; s++)
		n += xbf_indirect_frames(g, xbf_slot_grants(l, grants, s));
	return n;
}

/**
 * xbf_frames_for() - indirect frames a request needs
 * @l: layout of the connection
 * @g: page geometry
 * @grants: data grants of the request
 *
 * Return: the pool units a request takes when its data pages are granted
 * themselves (no copy): its indirect frames only.
 */
static inline unsigned int xbf_frames_for(const struct xbf_layout *l,
					  const struct xbf_geom *g,
					  unsigned int grants)
{
	return xbf_units_for(l, g, grants) - grants;
}

/*
 * Grant units a ring's copying pool sets aside per ring slot: a slot of
 * 32 segments and its indirect frame.  That is the pool every slot had
 * while 32 was the default max_indirect_segments, and what both backends'
 * default max_persistent_grants (1056 per ring, 32 slots of 33) keep
 * mapped.  Larger requests share that budget instead of growing it.
 */
#define XBF_POOL_UNITS_PER_SLOT	33

/**
 * xbf_pool_units() - size of a ring's pool of granted units
 * @l: layout of the connection
 * @ring_size: requests the shared ring holds
 * @largest: units of the largest request the queue can be handed (its
 *	scatterlist's limit, under @l)
 *
 * A layout whose slot needs at most %XBF_POOL_UNITS_PER_SLOT units gets a
 * slot's worth per ring slot, so the pool never runs out while the ring
 * has room.  Larger slots get that same budget, or @largest if more: a
 * request then waits for units as it waits for ring slots, and the pool
 * always holds the largest one, so no request waits forever.  Never more
 * than a full ring of full slots could use.
 *
 * Return: number of grant-sized units.
 */
static inline unsigned int xbf_pool_units(const struct xbf_layout *l,
					  unsigned int ring_size,
					  unsigned int largest)
{
	unsigned int per = l->grants_per_slot + l->indirect_per_slot;

	if (per <= XBF_POOL_UNITS_PER_SLOT)
		return ring_size * per;
	return min(ring_size * per,
		   max(ring_size * XBF_POOL_UNITS_PER_SLOT, largest));
}

/**
 * xbf_frame_pool_units() - pool of a ring whose data pages are granted
 * @l: layout of the connection
 * @ring_size: requests the shared ring holds
 *
 * Return: units for the indirect frames of a full ring, 0 without
 * indirect descriptors.
 */
static inline unsigned int xbf_frame_pool_units(const struct xbf_layout *l,
						unsigned int ring_size)
{
	return ring_size * l->indirect_per_slot;
}

/**
 * xbf_pool_pages() - guest pages carved into a number of units
 * @g: page geometry
 * @units: grant-sized units wanted
 *
 * Return: guest pages to allocate; one 64 KiB page backs 16 units.
 */
static inline unsigned int xbf_pool_pages(const struct xbf_geom *g,
					  unsigned int units)
{
	return DIV_ROUND_UP(units, xbf_grants_per_page(g));
}

#endif /* XEN_BLKFRONT_LAYOUT_H */
