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

static_assert(XBB_MAX_INDIRECT_SEGS <=
	      XENBLK_MAX_INDIRECT_PAGES * XENBLK_SEGS_PER_INDIRECT_PAGE);

/*
 * The ring types of the two foreign ABIs (common.h) place the slots; their
 * contents are decoded by <xen-blkif/wire.h>.  Both must agree.
 */
static_assert(sizeof(struct xbb_x86_32_request) == XENBLK_SLOT_SIZE_32);
static_assert(offsetof(struct xbb_x86_32_request, u.rw.id) ==
	      XENBLK_OFF_ID_32);
static_assert(offsetof(struct xbb_x86_32_request, u.rw.seg) ==
	      XENBLK_OFF_ID_32 + XENBLK_REL_SEGS);
static_assert(offsetof(struct xbb_x86_32_request, u.discard.nr_sectors) ==
	      XENBLK_OFF_ID_32 + XENBLK_REL_NR_SECTORS);
static_assert(offsetof(struct xbb_x86_32_request, u.indirect.nr_segments) ==
	      XENBLK_OFF_INDIRECT_NR_SEGS);
static_assert(offsetof(struct xbb_x86_32_request, u.indirect.indirect_grefs) ==
	      XENBLK_OFF_ID_32 + XENBLK_REL_INDIRECT_GREFS);
static_assert(sizeof(struct xbb_x86_32_req_indirect) == 63);
static_assert(sizeof(struct xbb_x86_32_response) == 12);
static_assert(offsetof(struct xbb_x86_32_response, status) == 10);
static_assert(sizeof(struct xbb_x86_64_request) == XENBLK_SLOT_SIZE_64);
static_assert(offsetof(struct xbb_x86_64_request, u.rw.id) ==
	      XENBLK_OFF_ID_64);
static_assert(offsetof(struct xbb_x86_64_request, u.rw.seg) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_SEGS);
static_assert(offsetof(struct xbb_x86_64_request, u.indirect.indirect_grefs) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_INDIRECT_GREFS);
static_assert(sizeof(struct xbb_x86_64_response) == 16);
static_assert(offsetof(struct xbb_x86_64_response, status) == 10);

/**
 * xbb_copy_request() - copy one request out of the shared ring and decode it
 * @ring: the ring
 * @idx: ring index of the slot
 * @dst: the decoded request
 *
 * The slot is read exactly once, into a private copy; a compiler barrier
 * keeps the decode (<xen-blkif/wire.h>) on that copy.
 *
 * Context: ring thread.
 */
void xbb_copy_request(struct xbb_ring *ring, RING_IDX idx,
		      struct xenblk_req *dst)
{
	u8 slot[XENBLK_SLOT_MAX];
	enum xenblk_abi abi = XENBLK_ABI_64;
	const void *src;

	switch (ring->be->protocol) {
	case XBB_PROTO_X86_32:
		src = RING_GET_REQUEST(&ring->rings.x86_32, idx);
		abi = XENBLK_ABI_32;
		break;
	case XBB_PROTO_X86_64:
		src = RING_GET_REQUEST(&ring->rings.x86_64, idx);
		break;
	case XBB_PROTO_NATIVE:
	default:
		/* Native is the 64-bit layout (asserted in wire.h). */
		src = RING_GET_REQUEST(&ring->rings.native, idx);
		break;
	}
	memcpy(slot, src, xenblk_slot_size(abi));
	barrier();
	xenblk_decode_request(slot, abi, dst);
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
 * xbb_check_request() - take in and check the header of a decoded request
 * @ring: the ring the request came from
 * @r: the request, as decoded by xbb_copy_request()
 * @req: request slot; its id, operation and header are filled in
 *
 * For direct requests the segment descriptors are taken from @r as well.
 *
 * Context: ring thread.
 * Return: 0 if the request may proceed, else a negative errno as
 * documented for xbb_check_header(); the failure has been logged.
 */
int xbb_check_request(struct xbb_ring *ring, const struct xenblk_req *r,
		      struct xbb_req *req)
{
	struct xenblk_req_hdr *hdr = &req->hdr;
	struct xbb_limits lim;
	unsigned int i;
	int err;

	*hdr = r->hdr;
	req->id = r->id;
	req->operation = hdr->operation;
	req->nr_segs = 0;
	req->data_op = xbb_data_op(hdr);

	xbb_limits(ring->be, &lim);
	err = xbb_check_header(hdr, &lim);
	if (err) {
		xbb_ring_err(ring,
			     "queue %u: op %u (%u) segs %u sector %llu: %s\n",
			     ring->index, hdr->operation,
			     hdr->indirect_op, hdr->nr_segs,
			     (unsigned long long)hdr->sector,
			     xbb_reason(err));
		return err;
	}

	if (hdr->operation == BLKIF_OP_INDIRECT) {
		for (i = 0; i < xbb_indirect_pages(hdr->nr_segs); i++)
			req->indirect[i].gref = r->indirect_grefs[i];
	} else if (hdr->operation != BLKIF_OP_DISCARD) {
		for (i = 0; i < hdr->nr_segs; i++)
			req->segs[i] = r->segs[i];
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
		const u8 *page;
		u8 desc[XENBLK_SEG_DESC_SIZE];

		page = page_address(req->indirect[i / XENBLK_SEGS_PER_INDIRECT_PAGE].page);
		memcpy(desc, page + (i % XENBLK_SEGS_PER_INDIRECT_PAGE) *
			     XENBLK_SEG_DESC_SIZE, sizeof(desc));
		barrier();
		xenblk_decode_seg(desc, &req->segs[i]);
	}
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
		xbb_ring_err(ring,
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
