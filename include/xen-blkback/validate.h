/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: the rules a guest request must satisfy before any of it is
 * acted upon.
 *
 * This header is free of Xen and block-layer dependencies so that the very
 * same rules are compiled into the module and into the user-space unit
 * tests (tests/unit/test_blkback_validate.c).  It only ever looks at a
 * private copy of a request: the caller copies the request out of the
 * shared ring (and the segment descriptors out of indirect pages) first.
 *
 * Every quantity is in 512-byte sectors, as the blkif protocol defines it;
 * the logical block size only constrains alignment.
 */
#ifndef XEN_BLKBACK_VALIDATE_H
#define XEN_BLKBACK_VALIDATE_H

#ifndef XENBLK_UNIT_TEST
#include <linux/errno.h>
#include <linux/types.h>
#endif

#include <xen-blkif/wire.h>

/* What we advertise in feature-max-indirect-segments. */
#define XBB_MAX_INDIRECT_SEGS	256

/**
 * struct xbb_limits - what the backing device and the connection allow
 * @capacity: device size in 512-byte sectors
 * @lbs_sectors: logical block size in 512-byte sectors (power of two)
 * @max_indirect_segs: segments allowed in an INDIRECT request
 * @readonly: the device is exported read-only
 * @discard: DISCARD is offered to the frontend
 * @discard_secure: secure DISCARD is offered to the frontend
 */
struct xbb_limits {
	sector_t capacity;
	unsigned int lbs_sectors;
	unsigned int max_indirect_segs;
	bool readonly;
	bool discard;
	bool discard_secure;
};

/**
 * xbb_data_op() - the operation a request really performs
 * @hdr: request header copy
 *
 * Return: the indirect operation for INDIRECT requests, else the operation.
 */
static inline u8 xbb_data_op(const struct xenblk_req_hdr *hdr)
{
	return hdr->operation == XENBLK_OP_INDIRECT ? hdr->indirect_op :
						   hdr->operation;
}

/**
 * xbb_op_writes() - whether an operation modifies the device
 * @op: data operation (see xbb_data_op())
 *
 * Return: true for WRITE, WRITE_BARRIER, FLUSH_DISKCACHE and DISCARD.
 */
static inline bool xbb_op_writes(u8 op)
{
	return op == XENBLK_OP_WRITE || op == XENBLK_OP_WRITE_BARRIER ||
	       op == XENBLK_OP_FLUSH_DISKCACHE || op == XENBLK_OP_DISCARD;
}

/**
 * xbb_indirect_pages() - indirect pages needed for a number of segments
 * @nr_segs: segment count
 *
 * Return: number of 4 KiB pages holding @nr_segs descriptors.
 */
static inline unsigned int xbb_indirect_pages(unsigned int nr_segs)
{
	return (nr_segs + XENBLK_SEGS_PER_INDIRECT_PAGE - 1) /
	       XENBLK_SEGS_PER_INDIRECT_PAGE;
}

static inline bool xbb_aligned(u64 v, unsigned int lbs_sectors)
{
	return lbs_sectors <= 1 || (v % lbs_sectors) == 0;
}

/* True if [sector, sector + nr) lies inside the device, without overflow. */
static inline bool xbb_in_range(sector_t sector, u64 nr, sector_t capacity)
{
	return sector <= capacity && nr <= capacity - sector;
}

/**
 * xbb_check_header() - validate the header of a request copy
 * @hdr: private copy of the request header
 * @lim: limits of the device and connection
 *
 * Checks the operation, the segment count (for INDIRECT against
 * @lim->max_indirect_segs) and, for DISCARD, the whole request.
 *
 * Return: 0 if acceptable; -EOPNOTSUPP for an unknown or unsupported
 * operation; -EROFS for a write to a read-only device; -EINVAL for a
 * malformed request; -ERANGE for a DISCARD outside the device.
 */
static inline int xbb_check_header(const struct xenblk_req_hdr *hdr,
				   const struct xbb_limits *lim)
{
	unsigned int max_segs = XENBLK_MAX_DIRECT_SEGS;
	unsigned int min_segs = 1;
	u8 op = hdr->operation;

	switch (op) {
	case XENBLK_OP_READ:
	case XENBLK_OP_WRITE:
		break;
	case XENBLK_OP_WRITE_BARRIER:
	case XENBLK_OP_FLUSH_DISKCACHE:
		/* A pure flush carries no data. */
		min_segs = 0;
		break;
	case XENBLK_OP_INDIRECT:
		if (hdr->indirect_op != XENBLK_OP_READ &&
		    hdr->indirect_op != XENBLK_OP_WRITE)
			return -EINVAL;
		max_segs = lim->max_indirect_segs;
		if (max_segs > XENBLK_MAX_INDIRECT_PAGES *
			       XENBLK_SEGS_PER_INDIRECT_PAGE)
			max_segs = XENBLK_MAX_INDIRECT_PAGES *
				   XENBLK_SEGS_PER_INDIRECT_PAGE;
		break;
	case XENBLK_OP_DISCARD:
		if (!lim->discard)
			return -EOPNOTSUPP;
		if ((hdr->discard_flag & XENBLK_DISCARD_SECURE) &&
		    !lim->discard_secure)
			return -EOPNOTSUPP;
		if (lim->readonly)
			return -EROFS;
		if (!xbb_in_range(hdr->sector, hdr->nr_sectors, lim->capacity))
			return -ERANGE;
		if (!xbb_aligned(hdr->sector, lim->lbs_sectors) ||
		    !xbb_aligned(hdr->nr_sectors, lim->lbs_sectors))
			return -EINVAL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}

	if (hdr->nr_segs < min_segs || hdr->nr_segs > max_segs)
		return -EINVAL;
	if (lim->readonly && xbb_op_writes(xbb_data_op(hdr)))
		return -EROFS;
	return 0;
}

/**
 * xbb_check_segs() - validate the segments of a data request
 * @hdr: private copy of the request header (already accepted by
 *	 xbb_check_header())
 * @segs: private copy of the segment descriptors
 * @nr: number of entries in @segs (must equal @hdr->nr_segs)
 * @lim: limits of the device and connection
 * @nr_sectors: total data sectors, written on success
 *
 * Each segment must lie inside one 4 KiB page and start and end on a
 * logical block boundary; the whole transfer must start on a logical block
 * boundary and lie inside the device.
 *
 * Return: 0 if acceptable, -EINVAL for a malformed segment or misalignment,
 * -ERANGE for a transfer outside the device.
 */
static inline int xbb_check_segs(const struct xenblk_req_hdr *hdr,
				 const struct xenblk_seg *segs, unsigned int nr,
				 const struct xbb_limits *lim, u64 *nr_sectors)
{
	u64 total = 0;
	unsigned int i;

	if (nr != hdr->nr_segs)
		return -EINVAL;

	for (i = 0; i < nr; i++) {
		const struct xenblk_seg *s = &segs[i];

		if (s->last_sect >= XENBLK_SECTORS_PER_GRANT ||
		    s->first_sect > s->last_sect)
			return -EINVAL;
		if (!xbb_aligned(s->first_sect, lim->lbs_sectors) ||
		    !xbb_aligned((u64)s->last_sect + 1, lim->lbs_sectors))
			return -EINVAL;
		total += s->last_sect - s->first_sect + 1;
	}

	if (nr) {
		if (!xbb_aligned(hdr->sector, lim->lbs_sectors))
			return -EINVAL;
		if (!xbb_in_range(hdr->sector, total, lim->capacity))
			return -ERANGE;
	}
	*nr_sectors = total;
	return 0;
}

/**
 * xbb_attach_indexes_ok() - may a backend take over a live ring?
 * @req_prod: the frontend's request producer, as found in the shared ring
 * @rsp_prod: the response producer, as found in the shared ring
 * @ring_size: entries in the ring
 *
 * A backend that attaches to a ring its predecessor served answers from
 * @rsp_prod on and treats every request between @rsp_prod and @req_prod as
 * new: the predecessor answered everything it consumed before it let go.
 * The frontend can never have more than a ring's worth of requests without
 * a response, so anything else is a ring the frontend corrupted; the same
 * rule the request loop applies to every producer index it reads.  The
 * indexes are free-running and wrap, hence the unsigned difference.
 *
 * Return: true if the backlog @req_prod - @rsp_prod fits in the ring.
 */
static inline bool xbb_attach_indexes_ok(u32 req_prod, u32 rsp_prod,
					 u32 ring_size)
{
	return (u32)(req_prod - rsp_prod) <= ring_size;
}

#endif /* XEN_BLKBACK_VALIDATE_H */
