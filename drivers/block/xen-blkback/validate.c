// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: the single gate for input from the frontend.
 *
 * Everything the frontend controls passes through here: ring slots are
 * copied out once and converted to the native layout, indirect segment
 * descriptors are copied out of their pages once, and only those private
 * copies are checked (rules in include/xen-blkback/validate.h) and used.
 */

#include <linux/build_bug.h>
#include <linux/string.h>

#include <xen/interface/io/protocols.h>

#include "common.h"

/* The Xen-free rules use the protocol's numbers. */
static_assert(XBB_OP_READ == BLKIF_OP_READ);
static_assert(XBB_OP_WRITE == BLKIF_OP_WRITE);
static_assert(XBB_OP_WRITE_BARRIER == BLKIF_OP_WRITE_BARRIER);
static_assert(XBB_OP_FLUSH_DISKCACHE == BLKIF_OP_FLUSH_DISKCACHE);
static_assert(XBB_OP_DISCARD == BLKIF_OP_DISCARD);
static_assert(XBB_OP_INDIRECT == BLKIF_OP_INDIRECT);
static_assert(XBB_DISCARD_SECURE == BLKIF_DISCARD_SECURE);
static_assert(XBB_MAX_DIRECT_SEGS == BLKIF_MAX_SEGMENTS_PER_REQUEST);
static_assert(XBB_MAX_INDIRECT_PAGES == BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
static_assert(XBB_SEGS_PER_INDIRECT_PAGE ==
	      XEN_PAGE_SIZE / sizeof(struct blkif_request_segment));
static_assert(XBB_SECTORS_PER_GRANT * SECTOR_SIZE == XEN_PAGE_SIZE);
static_assert(XBB_MAX_INDIRECT_SEGS <=
	      XBB_MAX_INDIRECT_PAGES * XBB_SEGS_PER_INDIRECT_PAGE);

/* The foreign layouts must match the ABIs they describe. */
static_assert(sizeof(struct xbb_x86_32_request) == 108);
static_assert(offsetof(struct xbb_x86_32_request, u.rw.id) == 4);
static_assert(offsetof(struct xbb_x86_32_request, u.rw.seg) == 20);
static_assert(offsetof(struct xbb_x86_32_request, u.indirect.indirect_grefs) ==
	      24);
static_assert(sizeof(struct xbb_x86_32_req_indirect) == 63);
static_assert(sizeof(struct xbb_x86_32_response) == 12);
static_assert(offsetof(struct xbb_x86_32_response, status) == 10);
static_assert(sizeof(struct xbb_x86_64_request) == 112);
static_assert(offsetof(struct xbb_x86_64_request, u.rw.id) == 8);
static_assert(offsetof(struct xbb_x86_64_request, u.rw.seg) == 24);
static_assert(offsetof(struct xbb_x86_64_request, u.indirect.indirect_grefs) ==
	      28);
static_assert(sizeof(struct xbb_x86_64_response) == 16);
static_assert(offsetof(struct xbb_x86_64_response, status) == 10);
#ifdef CONFIG_X86_64
static_assert(sizeof(struct xbb_x86_64_request) ==
	      sizeof(struct blkif_request));
#endif

/*
 * The conversions below read only the private copy of the slot (@src),
 * never the shared ring, so nothing can change between check and use.
 * The two foreign layouts have the same field names, hence one body.
 */
#define XBB_DEFINE_CONVERT(abi)						\
static void xbb_convert_##abi(struct blkif_request *dst,		\
			      const struct xbb_##abi##_request *src)	\
{									\
	unsigned int i;							\
									\
	dst->operation = src->operation;				\
	switch (src->operation) {					\
	case BLKIF_OP_READ:						\
	case BLKIF_OP_WRITE:						\
	case BLKIF_OP_WRITE_BARRIER:					\
	case BLKIF_OP_FLUSH_DISKCACHE:					\
		dst->u.rw.nr_segments = src->u.rw.nr_segments;		\
		dst->u.rw.handle = src->u.rw.handle;			\
		dst->u.rw.id = src->u.rw.id;				\
		dst->u.rw.sector_number = src->u.rw.sector_number;	\
		for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)	\
			dst->u.rw.seg[i] = src->u.rw.seg[i];		\
		break;							\
	case BLKIF_OP_DISCARD:						\
		dst->u.discard.flag = src->u.discard.flag;		\
		dst->u.discard.id = src->u.discard.id;			\
		dst->u.discard.sector_number = src->u.discard.sector_number; \
		dst->u.discard.nr_sectors = src->u.discard.nr_sectors;	\
		break;							\
	case BLKIF_OP_INDIRECT:						\
		dst->u.indirect.indirect_op = src->u.indirect.indirect_op; \
		dst->u.indirect.nr_segments = src->u.indirect.nr_segments; \
		dst->u.indirect.id = src->u.indirect.id;		\
		dst->u.indirect.sector_number =				\
			src->u.indirect.sector_number;			\
		dst->u.indirect.handle = src->u.indirect.handle;	\
		for (i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) \
			dst->u.indirect.indirect_grefs[i] =		\
				src->u.indirect.indirect_grefs[i];	\
		break;							\
	default:							\
		dst->u.other.id = src->u.other.id;			\
		break;							\
	}								\
}

XBB_DEFINE_CONVERT(x86_32)
XBB_DEFINE_CONVERT(x86_64)

/**
 * xbb_copy_request() - copy one request out of the shared ring
 * @ring: the ring
 * @idx: ring index of the slot
 * @dst: private copy, in the native layout
 *
 * The slot is read exactly once; a compiler barrier keeps later accesses
 * on the private copy.
 *
 * Context: ring thread.
 */
void xbb_copy_request(struct xbb_ring *ring, RING_IDX idx,
		      struct blkif_request *dst)
{
	memset(dst, 0, sizeof(*dst));

	switch (ring->be->protocol) {
	case XBB_PROTO_X86_32: {
		struct xbb_x86_32_request src;

		memcpy(&src, RING_GET_REQUEST(&ring->rings.x86_32, idx),
		       sizeof(src));
		barrier();
		xbb_convert_x86_32(dst, &src);
		break;
	}
	case XBB_PROTO_X86_64: {
		struct xbb_x86_64_request src;

		memcpy(&src, RING_GET_REQUEST(&ring->rings.x86_64, idx),
		       sizeof(src));
		barrier();
		xbb_convert_x86_64(dst, &src);
		break;
	}
	case XBB_PROTO_NATIVE:
	default:
		memcpy(dst, RING_GET_REQUEST(&ring->rings.native, idx),
		       sizeof(*dst));
		break;
	}
	barrier();
}

static void xbb_limits(struct xbb_device *be, struct xbb_limits *lim)
{
	lim->capacity = READ_ONCE(be->size);
	lim->lbs_sectors = bdev_logical_block_size(be->bdev) >> SECTOR_SHIFT;
	lim->max_indirect_segs = XBB_MAX_INDIRECT_SEGS;
	lim->readonly = be->readonly;
	lim->discard = be->discard;
	lim->discard_secure = be->discard_secure;
}

static const char *xbb_reason(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
		return "unsupported operation";
	case -EROFS:
		return "write to read-only device";
	case -ERANGE:
		return "beyond end of device";
	default:
		return "malformed request";
	}
}

/**
 * xbb_check_request() - take in and check the header of a request copy
 * @ring: the ring the request came from
 * @r: private copy of the request (see xbb_copy_request())
 * @req: request slot; its id, operation and header are filled in
 *
 * For direct requests the segment descriptors are taken from @r as well.
 *
 * Context: ring thread.
 * Return: 0 if the request may proceed, else a negative errno as
 * documented for xbb_check_header(); the failure has been logged.
 */
int xbb_check_request(struct xbb_ring *ring, const struct blkif_request *r,
		      struct xbb_req *req)
{
	struct xbb_req_hdr *hdr = &req->hdr;
	struct xbb_limits lim;
	unsigned int i;
	int err;

	memset(hdr, 0, sizeof(*hdr));
	req->operation = r->operation;
	req->nr_segs = 0;
	hdr->operation = r->operation;

	switch (r->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		req->id = r->u.rw.id;
		hdr->nr_segs = r->u.rw.nr_segments;
		hdr->sector = r->u.rw.sector_number;
		break;
	case BLKIF_OP_DISCARD:
		req->id = r->u.discard.id;
		hdr->discard_flag = r->u.discard.flag;
		hdr->sector = r->u.discard.sector_number;
		hdr->nr_sectors = r->u.discard.nr_sectors;
		break;
	case BLKIF_OP_INDIRECT:
		req->id = r->u.indirect.id;
		hdr->indirect_op = r->u.indirect.indirect_op;
		hdr->nr_segs = r->u.indirect.nr_segments;
		hdr->sector = r->u.indirect.sector_number;
		break;
	default:
		req->id = r->u.other.id;
		break;
	}
	req->data_op = xbb_data_op(hdr);

	xbb_limits(ring->be, &lim);
	err = xbb_check_header(hdr, &lim);
	if (err) {
		dev_err_ratelimited(xbb_dev(ring),
				    "queue %u: op %u (%u) segs %u sector %llu: %s\n",
				    ring->index, hdr->operation,
				    hdr->indirect_op, hdr->nr_segs,
				    (unsigned long long)hdr->sector,
				    xbb_reason(err));
		return err;
	}

	if (hdr->operation == BLKIF_OP_INDIRECT) {
		for (i = 0; i < xbb_indirect_pages(hdr->nr_segs); i++)
			req->indirect[i].gref =
				r->u.indirect.indirect_grefs[i];
	} else if (hdr->operation != BLKIF_OP_DISCARD) {
		for (i = 0; i < hdr->nr_segs; i++) {
			req->segs[i].gref = r->u.rw.seg[i].gref;
			req->segs[i].first_sect = r->u.rw.seg[i].first_sect;
			req->segs[i].last_sect = r->u.rw.seg[i].last_sect;
		}
		req->nr_segs = hdr->nr_segs;
	}
	return 0;
}

/**
 * xbb_copy_indirect_segs() - copy segment descriptors out of indirect pages
 * @ring: the ring
 * @req: an INDIRECT request whose indirect pages are mapped
 *
 * Each descriptor is read from the granted page exactly once.
 *
 * Context: ring thread.
 * Return: 0.
 */
int xbb_copy_indirect_segs(struct xbb_ring *ring, struct xbb_req *req)
{
	unsigned int n = req->hdr.nr_segs, i;

	for (i = 0; i < n; i++) {
		const struct blkif_request_segment *page, *s;

		page = page_address(req->indirect[i / XBB_SEGS_PER_INDIRECT_PAGE].page);
		s = &page[i % XBB_SEGS_PER_INDIRECT_PAGE];
		req->segs[i].gref = READ_ONCE(s->gref);
		req->segs[i].first_sect = READ_ONCE(s->first_sect);
		req->segs[i].last_sect = READ_ONCE(s->last_sect);
	}
	barrier();
	req->nr_segs = n;
	return 0;
}

/**
 * xbb_check_data() - check the private segment copies of a data request
 * @ring: the ring
 * @req: request with header and segments copied in
 * @nr_sectors: total sectors to transfer, set on success
 *
 * On success the grant references are also set up in @req->maps.
 *
 * Context: ring thread.
 * Return: 0, or a negative errno as for xbb_check_segs(); the failure has
 * been logged.
 */
int xbb_check_data(struct xbb_ring *ring, struct xbb_req *req,
		   u64 *nr_sectors)
{
	struct xbb_limits lim;
	unsigned int i;
	int err;

	xbb_limits(ring->be, &lim);
	err = xbb_check_segs(&req->hdr, req->segs, req->nr_segs, &lim,
			     nr_sectors);
	if (err) {
		dev_err_ratelimited(xbb_dev(ring),
				    "queue %u: op %u segs %u sector %llu: bad segment (%s)\n",
				    ring->index, req->data_op, req->nr_segs,
				    (unsigned long long)req->hdr.sector,
				    xbb_reason(err));
		return err;
	}
	for (i = 0; i < req->nr_segs; i++)
		req->maps[i].gref = req->segs[i].gref;
	return 0;
}

/**
 * xbb_parse_protocol() - interpret the frontend's protocol key
 * @be: the device
 * @proto: value read from xenstore, NULL if the key is absent
 * @out: the ABI to use
 *
 * Context: process context.
 * Return: 0, or -EPROTONOSUPPORT for an unknown protocol (already
 * reported).
 */
int xbb_parse_protocol(struct xbb_device *be, const char *proto,
		       enum xbb_protocol *out)
{
	if (!proto || !strcmp(proto, XEN_IO_PROTO_ABI_NATIVE)) {
		*out = XBB_PROTO_NATIVE;
	} else if (!strcmp(proto, XEN_IO_PROTO_ABI_X86_32)) {
		*out = XBB_PROTO_X86_32;
	} else if (!strcmp(proto, XEN_IO_PROTO_ABI_X86_64)) {
		*out = XBB_PROTO_X86_64;
	} else {
		xenbus_dev_fatal(be->dev, -EPROTONOSUPPORT,
				 "unknown protocol %.16s", proto);
		return -EPROTONOSUPPORT;
	}
	return 0;
}
