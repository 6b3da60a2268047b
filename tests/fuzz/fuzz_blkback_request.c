// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: a hostile frontend's ring request against the
 * backend's validator (include/xen-blkback/validate.h, as compiled into
 * xen-blkback).
 *
 * Input layout (missing bytes read as zero):
 *   u8   config: bit 0 read-only, bit 1 discard offered, bit 2 secure
 *        discard offered, bits 3-4 log2 of the logical block size in
 *        sectors, bit 5 the 32-bit ring ABI (else the 64-bit one, which is
 *        native on x86_64), bit 6 a fuzzed indirect segment limit (else the
 *        one the driver uses), bit 7 a 16-bit capacity (else 64-bit)
 *   u16/u64  capacity in 512-byte sectors
 *   u16  indirect segment limit, only with config bit 6
 *   108 or 112 bytes: the ring slot, in the chosen ABI's wire layout
 *   the rest: the contents of the indirect pages the request names
 *
 * The harness decodes the slot and the indirect descriptors with the
 * driver's own decode (include/xen-blkif/wire.h: xenblk_decode_request()
 * and xenblk_decode_seg(), as xbb_copy_request() and
 * xbb_copy_indirect_segs() call them), from buffers sized exactly as the
 * slot so that ASAN sees any overrun, and runs xbb_check_header() and
 * xbb_check_segs().  Every decoded field is compared with the raw bytes at
 * offsets this file restates independently (struct slot_layout), so a
 * decode reading the wrong field or width fails an oracle.  Whenever the
 * checks accept, the oracles re-derive from the raw input what must then
 * be true; independently, a reference model of the protocol's rules must
 * agree with every verdict.
 */
#include "fuzz.h"
#include <xen-blkback/validate.h>
#include <xen-blkif/wire.h>

/* Wire layout of one ring slot; the 32-bit ABI has no padding before id. */
#define SLOT_SIZE_64	112
#define SLOT_SIZE_32	108
#define SEG_DESC_SIZE	8
#define PAGE_BYTES	4096

struct slot_layout {
	size_t size;
	size_t id;		/* rw, discard, indirect and other: id */
	size_t sector;		/* rw, discard and indirect: sector_number */
	size_t seg;		/* rw: seg[] */
	size_t nr_sectors;	/* discard: nr_sectors */
	size_t grefs;		/* indirect: indirect_grefs[] */
};

static const struct slot_layout abi64 = {
	.size = SLOT_SIZE_64, .id = 8, .sector = 16, .seg = 24,
	.nr_sectors = 24, .grefs = 28,
};

static const struct slot_layout abi32 = {
	.size = SLOT_SIZE_32, .id = 4, .sector = 12, .seg = 20,
	.nr_sectors = 20, .grefs = 24,
};

/* Fixed offsets shared by both ABIs. */
#define OFF_OPERATION		0
#define OFF_RW_NR_SEGS		1	/* u8 */
#define OFF_DISCARD_FLAG	1
#define OFF_INDIRECT_OP		1
#define OFF_INDIRECT_NR_SEGS	2	/* u16 */

static bool multiple_of(u64 v, unsigned int lbs)
{
	return v % lbs == 0;
}

/* sector + nr <= capacity, in arithmetic that cannot wrap. */
static bool ref_in_disk(u64 sector, u64 nr, u64 capacity)
{
	return (__uint128_t)sector + nr <= capacity;
}

/*
 * Reference model of the header rules, written from the protocol and the
 * driver's documented policy rather than from validate.h.
 */
static bool ref_header_ok(const u8 *slot, const struct slot_layout *l,
			  const struct xbb_limits *lim)
{
	u8 op = slot[OFF_OPERATION];
	unsigned int cap, nr;
	u64 sector, nr_sectors;

	switch (op) {
	case 0:	/* read */
	case 1:	/* write */
		nr = slot[OFF_RW_NR_SEGS];
		return nr >= 1 && nr <= 11 && !(lim->readonly && op == 1);
	case 2:	/* write barrier */
	case 3:	/* flush */
		nr = slot[OFF_RW_NR_SEGS];
		return nr <= 11 && !lim->readonly;
	case 5:	/* discard */
		sector = le64_at(slot, l->sector);
		nr_sectors = le64_at(slot, l->nr_sectors);
		if (!lim->discard || lim->readonly)
			return false;
		if ((slot[OFF_DISCARD_FLAG] & 1) && !lim->discard_secure)
			return false;
		return ref_in_disk(sector, nr_sectors, lim->capacity) &&
		       multiple_of(sector, lim->lbs_sectors) &&
		       multiple_of(nr_sectors, lim->lbs_sectors);
	case 6:	/* indirect */
		nr = le16_at(slot, OFF_INDIRECT_NR_SEGS);
		cap = lim->max_indirect_segs < 8 * 512 ?
		      lim->max_indirect_segs : 8 * 512;
		if (slot[OFF_INDIRECT_OP] > 1)
			return false;
		return nr >= 1 && nr <= cap &&
		       !(lim->readonly && slot[OFF_INDIRECT_OP] == 1);
	default:
		return false;
	}
}

/* Reference model of the segment rules, on raw descriptor bytes. */
static bool ref_segs_ok(const u8 *const *desc, unsigned int nr, u64 sector,
			const struct xbb_limits *lim, u64 *total)
{
	unsigned int i, bytes = lim->lbs_sectors * 512;

	*total = 0;
	for (i = 0; i < nr; i++) {
		unsigned int first = desc[i][4], last = desc[i][5];

		if (first > last || last > 7)
			return false;
		if ((first * 512) % bytes || ((last + 1) * 512) % bytes)
			return false;
		*total += last - first + 1;
	}
	if (!nr)
		return true;
	return multiple_of(sector, lim->lbs_sectors) &&
	       ref_in_disk(sector, *total, lim->capacity);
}

static bool op_writes(u8 op)
{
	return op == 1 || op == 2 || op == 3 || op == 5;
}

static bool errno_known(int err)
{
	return err == -EOPNOTSUPP || err == -EROFS || err == -EINVAL ||
	       err == -ERANGE;
}

static void check_accepted_header(const struct xenblk_req_hdr *hdr,
				  const u8 *slot, const struct slot_layout *l,
				  const struct xbb_limits *lim)
{
	u8 op = slot[OFF_OPERATION];
	u8 data_op = op == 6 ? slot[OFF_INDIRECT_OP] : op;

	ORACLE(op <= 3 || op == 5 || op == 6);
	ORACLE(xbb_data_op(hdr) == data_op);
	ORACLE(data_op <= 3 || data_op == 5);
	ORACLE(!(lim->readonly && op_writes(data_op)));
	switch (op) {
	case 5:
		ORACLE(lim->discard);
		ORACLE(!(slot[OFF_DISCARD_FLAG] & 1) || lim->discard_secure);
		ORACLE(ref_in_disk(le64_at(slot, l->sector),
				   le64_at(slot, l->nr_sectors), lim->capacity));
		ORACLE(le64_at(slot, l->sector) % lim->lbs_sectors == 0);
		ORACLE(le64_at(slot, l->nr_sectors) % lim->lbs_sectors == 0);
		break;
	case 6:
		ORACLE(data_op == 0 || data_op == 1);
		ORACLE(hdr->nr_segs >= 1);
		ORACLE(hdr->nr_segs <= lim->max_indirect_segs);
		ORACLE(hdr->nr_segs <= XENBLK_MAX_INDIRECT_PAGES *
				       XENBLK_SEGS_PER_INDIRECT_PAGE);
		/* The driver's struct xbb_req holds this many. */
		if (lim->max_indirect_segs == XBB_MAX_INDIRECT_SEGS)
			ORACLE(hdr->nr_segs <= XBB_MAX_INDIRECT_SEGS);
		break;
	default:
		ORACLE(hdr->nr_segs <= XENBLK_MAX_DIRECT_SEGS);
		ORACLE(hdr->nr_segs >= 1 || op == 2 || op == 3);
		break;
	}
}

static void check_accepted_segs(const struct xenblk_req_hdr *hdr,
				const struct xenblk_seg *segs, unsigned int nr,
				const struct xbb_limits *lim, u64 nr_sectors)
{
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ORACLE(segs[i].first_sect <= segs[i].last_sect);
		ORACLE(segs[i].last_sect <= 7);
		ORACLE(segs[i].first_sect % lim->lbs_sectors == 0);
		ORACLE((segs[i].last_sect + 1) % lim->lbs_sectors == 0);
		total += segs[i].last_sect - segs[i].first_sect + 1;
	}
	ORACLE(nr_sectors == total);
	ORACLE(total <= (u64)nr * XENBLK_SECTORS_PER_GRANT);
	if (nr) {
		ORACLE(ref_in_disk(hdr->sector, total, lim->capacity));
		ORACLE(hdr->sector % lim->lbs_sectors == 0);
	}
}

/* The decode must be a plain reading of the slot's bytes. */
static void check_decoded(const struct xenblk_req *r, const u8 *slot,
			  const struct slot_layout *l)
{
	u8 op = slot[OFF_OPERATION];
	unsigned int i;

	ORACLE(r->hdr.operation == op);
	ORACLE(r->id == le64_at(slot, l->id));
	switch (op) {
	case 0: case 1: case 2: case 3:
		ORACLE(r->hdr.nr_segs == slot[OFF_RW_NR_SEGS]);
		ORACLE(r->hdr.sector == le64_at(slot, l->sector));
		ORACLE(!r->hdr.indirect_op && !r->hdr.discard_flag &&
		       !r->hdr.nr_sectors);
		/* The segments the slot claims, at most the eleven it holds. */
		for (i = 0; i < 11 && i < slot[OFF_RW_NR_SEGS]; i++) {
			const u8 *d = slot + l->seg + i * SEG_DESC_SIZE;

			ORACLE(r->segs[i].gref == le32_at(d, 0));
			ORACLE(r->segs[i].first_sect == d[4]);
			ORACLE(r->segs[i].last_sect == d[5]);
		}
		break;
	case 5:
		ORACLE(r->hdr.discard_flag == slot[OFF_DISCARD_FLAG]);
		ORACLE(r->hdr.sector == le64_at(slot, l->sector));
		ORACLE(r->hdr.nr_sectors == le64_at(slot, l->nr_sectors));
		ORACLE(!r->hdr.nr_segs && !r->hdr.indirect_op);
		break;
	case 6:
		ORACLE(r->hdr.indirect_op == slot[OFF_INDIRECT_OP]);
		ORACLE(r->hdr.nr_segs == le16_at(slot, OFF_INDIRECT_NR_SEGS));
		ORACLE(r->hdr.sector == le64_at(slot, l->sector));
		ORACLE(!r->hdr.discard_flag && !r->hdr.nr_sectors);
		for (i = 0; i < 8; i++)
			ORACLE(r->indirect_grefs[i] ==
			       le32_at(slot, l->grefs + 4 * i));
		break;
	default:
		ORACLE(!r->hdr.nr_segs && !r->hdr.sector);
		break;
	}
}

static void check_decoded_seg(const struct xenblk_seg *s, const u8 *d)
{
	ORACLE(s->gref == le32_at(d, 0));
	ORACLE(s->first_sect == d[4] && s->last_sect == d[5]);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	const struct slot_layout *l;
	const u8 **desc = NULL;
	struct xbb_limits lim;
	struct xenblk_req_hdr hdr;
	struct xenblk_req wreq;
	enum xenblk_abi abi;
	u8 one[XENBLK_SEG_DESC_SIZE];
	struct xenblk_seg *segs = NULL;
	u32 *indirect_grefs = NULL;
	u8 *slot, *pages = NULL;
	unsigned int i, nr = 0, npages;
	u64 nr_sectors = ~0ULL, ref_total;
	bool ref_ok;
	u8 cfg;
	int err;

	cfg = fz_u8(&f);
	memset(&lim, 0, sizeof(lim));
	lim.readonly = cfg & 1;
	lim.discard = cfg & 2;
	lim.discard_secure = cfg & 4;
	lim.lbs_sectors = 1U << ((cfg >> 3) & 3);
	l = (cfg & 0x20) ? &abi32 : &abi64;
	abi = (cfg & 0x20) ? XENBLK_ABI_32 : XENBLK_ABI_64;
	lim.capacity = (cfg & 0x80) ? fz_u16(&f) : fz_u64(&f);
	lim.max_indirect_segs = (cfg & 0x40) ? fz_u16(&f) :
					       XBB_MAX_INDIRECT_SEGS;

	/* The private copy of the slot, exactly as large as the slot. */
	ORACLE(xenblk_slot_size(abi) == l->size);
	slot = malloc(l->size);
	if (!slot)
		return 0;
	fz_bytes(&f, slot, l->size);

	/* The driver's decode (<xen-blkif/wire.h>), checked against the bytes. */
	xenblk_decode_request(slot, abi, &wreq);
	check_decoded(&wreq, slot, l);
	hdr = wreq.hdr;

	err = xbb_check_header(&hdr, &lim);
	ref_ok = ref_header_ok(slot, l, &lim);
	FZ_TRACE("header: op %u (%u) segs %u: %d\n", hdr.operation,
		 hdr.indirect_op, hdr.nr_segs, err);
	if (err) {
		ORACLE(errno_known(err));
		ORACLE(!ref_ok);
		goto out;
	}
	check_accepted_header(&hdr, slot, l, &lim);
	ORACLE(ref_ok);
	if (hdr.operation == XENBLK_OP_DISCARD)
		goto out;

	nr = hdr.nr_segs;
	segs = malloc((nr ? nr : 1) * sizeof(*segs));
	desc = malloc((nr ? nr : 1) * sizeof(*desc));
	if (!segs || !desc)
		goto out;

	if (hdr.operation == XENBLK_OP_INDIRECT) {
		/* As in the driver: gref array of XENBLK_MAX_INDIRECT_PAGES. */
		npages = xbb_indirect_pages(nr);
		ORACLE(npages >= 1 && npages <= XENBLK_MAX_INDIRECT_PAGES);
		indirect_grefs = malloc(XENBLK_MAX_INDIRECT_PAGES *
					sizeof(*indirect_grefs));
		pages = malloc((size_t)npages * PAGE_BYTES);
		if (!indirect_grefs || !pages)
			goto out;
		for (i = 0; i < npages; i++)
			indirect_grefs[i] = wreq.indirect_grefs[i];
		/* The indirect pages as the backend maps them. */
		fz_bytes(&f, pages, (size_t)npages * PAGE_BYTES);
		/* xbb_copy_indirect_segs(): one read per descriptor. */
		for (i = 0; i < nr; i++) {
			const u8 *d = pages +
				(size_t)(i / XENBLK_SEGS_PER_INDIRECT_PAGE) *
				PAGE_BYTES +
				(i % XENBLK_SEGS_PER_INDIRECT_PAGE) *
				SEG_DESC_SIZE;

			desc[i] = d;
			memcpy(one, d, sizeof(one));
			xenblk_decode_seg(one, &segs[i]);
			check_decoded_seg(&segs[i], d);
		}
	} else {
		for (i = 0; i < nr; i++) {
			const u8 *d = slot + l->seg + i * SEG_DESC_SIZE;

			ORACLE(l->seg + (i + 1) * SEG_DESC_SIZE <= l->size);
			desc[i] = d;
			/* xbb_check_request() takes the decoded ones. */
			segs[i] = wreq.segs[i];
			check_decoded_seg(&segs[i], d);
		}
	}

	err = xbb_check_segs(&hdr, segs, nr, &lim, &nr_sectors);
	ref_ok = ref_segs_ok(desc, nr, hdr.sector, &lim, &ref_total);
	FZ_TRACE("segs: %u, %llu sectors: %d\n", nr,
		 (unsigned long long)nr_sectors, err);
	if (err) {
		ORACLE(errno_known(err));
		ORACLE(!ref_ok);
		goto out;
	}
	check_accepted_segs(&hdr, segs, nr, &lim, nr_sectors);
	ORACLE(ref_ok);
	ORACLE(nr_sectors == ref_total);
	/* A mismatched count is never accepted. */
	if (nr) {
		u64 dummy;

		ORACLE(xbb_check_segs(&hdr, segs, nr - 1, &lim, &dummy) ==
		       -EINVAL);
	}

out:
	free(pages);
	free(indirect_grefs);
	free(desc);
	free(segs);
	free(slot);
	return 0;
}
