/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The blkif wire format: the protocol constants of both drivers, and the
 * one decode of a request slot and of an indirect segment descriptor.
 *
 * Both drivers, their unit tests and the fuzzers include this header, so
 * the bytes-to-fields conversion that xen-blkback runs on every request is
 * the very code the fuzzers exercise.  It is free of Xen and block-layer
 * headers in user space (XENBLK_UNIT_TEST); in a kernel build every
 * constant and offset is checked against <xen/interface/io/blkif.h>.
 *
 * A slot is laid out in the frontend's ABI.  Two layouts exist: the
 * 64-bit one (x86_64 and every Arm guest: 64-bit fields aligned, 112
 * bytes) and the packed x86_32 one (108 bytes).  Fields are in the byte
 * order shared by both domains of one host.  The decoders read only a
 * private copy that the caller took out of the shared ring or page, so a
 * frontend cannot change a field between its check and its use.
 */
#ifndef XEN_BLKIF_WIRE_H
#define XEN_BLKIF_WIRE_H

#ifndef XENBLK_UNIT_TEST
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#endif

/* Operations (request and response) */
#define XENBLK_OP_READ			0
#define XENBLK_OP_WRITE			1
#define XENBLK_OP_WRITE_BARRIER		2
#define XENBLK_OP_FLUSH_DISKCACHE	3
#define XENBLK_OP_DISCARD		5
#define XENBLK_OP_INDIRECT		6

/* An operation by name, in both drivers' trace events (TP_printk). */
#define xenblk_show_op(op)					\
	__print_symbolic(op,					\
			 { XENBLK_OP_READ, "read" },		\
			 { XENBLK_OP_WRITE, "write" },		\
			 { XENBLK_OP_WRITE_BARRIER, "barrier" },	\
			 { XENBLK_OP_FLUSH_DISKCACHE, "flush" },	\
			 { XENBLK_OP_DISCARD, "discard" },	\
			 { XENBLK_OP_INDIRECT, "indirect" })

/* Response status */
#define XENBLK_RSP_OKAY			0
#define XENBLK_RSP_ERROR		(-1)
#define XENBLK_RSP_EOPNOTSUPP		(-2)

/* DISCARD flags */
#define XENBLK_DISCARD_SECURE		0x1

/* The protocol's unit of sectors, whatever the disk's block size */
#define XENBLK_SECTOR_SHIFT		9
#define XENBLK_SECTOR_SIZE		BIT(XENBLK_SECTOR_SHIFT)
/* A grant: one Xen page, 4 KiB on every architecture */
#define XENBLK_GRANT_SIZE		4096U
#define XENBLK_SECTORS_PER_GRANT	(XENBLK_GRANT_SIZE / XENBLK_SECTOR_SIZE)
/* Segments carried in the slot of a direct request */
#define XENBLK_MAX_DIRECT_SEGS		11
/* Indirect pages one INDIRECT request may name */
#define XENBLK_MAX_INDIRECT_PAGES	8
/* One segment descriptor: grant (4), first_sect (1), last_sect (1), pad */
#define XENBLK_SEG_DESC_SIZE		8
#define XENBLK_SEGS_PER_INDIRECT_PAGE	(XENBLK_GRANT_SIZE / XENBLK_SEG_DESC_SIZE)

/**
 * enum xenblk_abi - layout of a request slot
 * @XENBLK_ABI_64: 64-bit fields naturally aligned (x86_64, arm, arm64)
 * @XENBLK_ABI_32: the packed x86_32 layout
 */
enum xenblk_abi {
	XENBLK_ABI_64,
	XENBLK_ABI_32,
};

/* Slot sizes; a private copy of a slot needs XENBLK_SLOT_MAX bytes. */
#define XENBLK_SLOT_SIZE_64		112
#define XENBLK_SLOT_SIZE_32		108
#define XENBLK_SLOT_MAX			XENBLK_SLOT_SIZE_64

/*
 * Byte offsets inside a slot.  The first four bytes are common: the
 * operation, then a byte that is nr_segments (direct requests), flag
 * (DISCARD) or indirect_op (INDIRECT), then the u16 handle of a direct
 * request or nr_segments of an INDIRECT one.  Every later field of the
 * 64-bit layout is 4 bytes further on than in the x86_32 layout, which
 * has no padding before the id.
 */
#define XENBLK_OFF_OPERATION		0
#define XENBLK_OFF_BYTE1		1
#define XENBLK_OFF_INDIRECT_NR_SEGS	2
#define XENBLK_OFF_ID_32		4
#define XENBLK_OFF_ID_64		8
/* From the id on, relative to it */
#define XENBLK_REL_SECTOR		8
#define XENBLK_REL_SEGS			16	/* direct: seg[] */
#define XENBLK_REL_NR_SECTORS		16	/* DISCARD */
#define XENBLK_REL_INDIRECT_GREFS	20	/* INDIRECT: after handle, pad */

/**
 * struct xenblk_seg - one segment descriptor, decoded
 * @gref: grant reference of the data page
 * @first_sect: first sector in the page (inclusive)
 * @last_sect: last sector in the page (inclusive)
 */
struct xenblk_seg {
	u32 gref;
	u8 first_sect;
	u8 last_sect;
};

/**
 * struct xenblk_req_hdr - the fields of a request header, decoded
 * @operation: operation as found on the ring
 * @indirect_op: operation carried inside an INDIRECT request
 * @discard_flag: DISCARD flags (XENBLK_DISCARD_SECURE)
 * @nr_segs: number of segments the request claims
 * @sector: first sector (512-byte units)
 * @nr_sectors: sectors to discard (DISCARD only)
 *
 * Fields an operation does not carry are zero.
 */
struct xenblk_req_hdr {
	u8 operation;
	u8 indirect_op;
	u8 discard_flag;
	u16 nr_segs;
	u64 sector;
	u64 nr_sectors;
};

/**
 * struct xenblk_req - one request slot, decoded
 * @id: the frontend's cookie, echoed in the response
 * @hdr: the header fields
 * @segs: direct requests: the first @hdr.nr_segs segment descriptors of
 *	  the slot (all %XENBLK_MAX_DIRECT_SEGS if it claims more, which the
 *	  checks refuse); entries past them are not written
 * @indirect_grefs: INDIRECT requests: the indirect pages' grants, all of
 *	  them; not written for other operations
 */
struct xenblk_req {
	u64 id;
	struct xenblk_req_hdr hdr;
	struct xenblk_seg segs[XENBLK_MAX_DIRECT_SEGS];
	u32 indirect_grefs[XENBLK_MAX_INDIRECT_PAGES];
};

static inline u16 xenblk_ld16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 xenblk_ld32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 xenblk_ld64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * xenblk_slot_size() - bytes in one request slot
 * @abi: the frontend's layout
 *
 * Return: XENBLK_SLOT_SIZE_32 or XENBLK_SLOT_SIZE_64.
 */
static inline unsigned int xenblk_slot_size(enum xenblk_abi abi)
{
	return abi == XENBLK_ABI_32 ? XENBLK_SLOT_SIZE_32 : XENBLK_SLOT_SIZE_64;
}

/**
 * xenblk_decode_seg() - decode one segment descriptor
 * @desc: private copy of the descriptor's XENBLK_SEG_DESC_SIZE bytes
 * @seg: the result
 *
 * The descriptor's layout is the same in every ABI.
 */
static inline void xenblk_decode_seg(const u8 *desc, struct xenblk_seg *seg)
{
	seg->gref = xenblk_ld32(desc);
	seg->first_sect = desc[4];
	seg->last_sect = desc[5];
}

/**
 * xenblk_decode_request() - decode one request slot
 * @slot: private copy of the slot, xenblk_slot_size(@abi) bytes
 * @abi: the layout the frontend negotiated
 * @req: the result; header fields the operation does not carry are zero,
 *	 and only the segments or indirect grants it carries are written
 *	 (see &struct xenblk_req)
 *
 * Nothing is checked here: the result is as hostile as the slot was, and
 * goes to the backend's validation next.  An unknown operation still
 * yields its id, so that it can be answered.  Only what the request uses
 * is decoded: a 4 KiB request carries one segment of the eleven a slot
 * has room for, and the decode runs once per request.
 */
static inline void xenblk_decode_request(const u8 *slot, enum xenblk_abi abi,
					 struct xenblk_req *req)
{
	unsigned int id = abi == XENBLK_ABI_32 ? XENBLK_OFF_ID_32 :
						 XENBLK_OFF_ID_64;
	const u8 *p;
	unsigned int i, n;

	req->hdr = (struct xenblk_req_hdr){
		.operation = slot[XENBLK_OFF_OPERATION],
	};
	req->id = xenblk_ld64(slot + id);

	switch (req->hdr.operation) {
	case XENBLK_OP_READ:
	case XENBLK_OP_WRITE:
	case XENBLK_OP_WRITE_BARRIER:
	case XENBLK_OP_FLUSH_DISKCACHE:
		req->hdr.nr_segs = slot[XENBLK_OFF_BYTE1];
		req->hdr.sector = xenblk_ld64(slot + id + XENBLK_REL_SECTOR);
		p = slot + id + XENBLK_REL_SEGS;
		n = req->hdr.nr_segs < XENBLK_MAX_DIRECT_SEGS ?
		    req->hdr.nr_segs : XENBLK_MAX_DIRECT_SEGS;
		for (i = 0; i < n; i++)
			xenblk_decode_seg(p + i * XENBLK_SEG_DESC_SIZE,
					  &req->segs[i]);
		break;
	case XENBLK_OP_DISCARD:
		req->hdr.discard_flag = slot[XENBLK_OFF_BYTE1];
		req->hdr.sector = xenblk_ld64(slot + id + XENBLK_REL_SECTOR);
		req->hdr.nr_sectors = xenblk_ld64(slot + id +
						  XENBLK_REL_NR_SECTORS);
		break;
	case XENBLK_OP_INDIRECT:
		req->hdr.indirect_op = slot[XENBLK_OFF_BYTE1];
		req->hdr.nr_segs = xenblk_ld16(slot +
					       XENBLK_OFF_INDIRECT_NR_SEGS);
		req->hdr.sector = xenblk_ld64(slot + id + XENBLK_REL_SECTOR);
		p = slot + id + XENBLK_REL_INDIRECT_GREFS;
		for (i = 0; i < XENBLK_MAX_INDIRECT_PAGES; i++)
			req->indirect_grefs[i] = xenblk_ld32(p + i * 4);
		break;
	default:
		break;
	}
}

#ifndef XENBLK_UNIT_TEST
#include <xen/interface/io/blkif.h>
#include <xen/page.h>

/* What is restated above must be what the interface header says. */
static_assert(XENBLK_OP_READ == BLKIF_OP_READ);
static_assert(XENBLK_OP_WRITE == BLKIF_OP_WRITE);
static_assert(XENBLK_OP_WRITE_BARRIER == BLKIF_OP_WRITE_BARRIER);
static_assert(XENBLK_OP_FLUSH_DISKCACHE == BLKIF_OP_FLUSH_DISKCACHE);
static_assert(XENBLK_OP_DISCARD == BLKIF_OP_DISCARD);
static_assert(XENBLK_OP_INDIRECT == BLKIF_OP_INDIRECT);
static_assert(XENBLK_RSP_OKAY == BLKIF_RSP_OKAY);
static_assert(XENBLK_RSP_ERROR == BLKIF_RSP_ERROR);
static_assert(XENBLK_RSP_EOPNOTSUPP == BLKIF_RSP_EOPNOTSUPP);
static_assert(XENBLK_DISCARD_SECURE == BLKIF_DISCARD_SECURE);
static_assert(XENBLK_MAX_DIRECT_SEGS == BLKIF_MAX_SEGMENTS_PER_REQUEST);
static_assert(XENBLK_MAX_INDIRECT_PAGES ==
	      BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST);
static_assert(sizeof(struct blkif_request_segment) == XENBLK_SEG_DESC_SIZE);
static_assert(offsetof(struct blkif_request_segment, first_sect) == 4);
static_assert(offsetof(struct blkif_request_segment, last_sect) == 5);
static_assert(XENBLK_GRANT_SIZE == XEN_PAGE_SIZE);

/* Every Linux dom0 and guest today is 64-bit: its native slot is ABI_64. */
#ifdef CONFIG_64BIT
static_assert(sizeof(struct blkif_request) == XENBLK_SLOT_SIZE_64);
static_assert(offsetof(struct blkif_request, u.rw.nr_segments) ==
	      XENBLK_OFF_BYTE1);
static_assert(offsetof(struct blkif_request, u.rw.id) == XENBLK_OFF_ID_64);
static_assert(offsetof(struct blkif_request, u.rw.sector_number) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_SECTOR);
static_assert(offsetof(struct blkif_request, u.rw.seg) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_SEGS);
static_assert(offsetof(struct blkif_request, u.discard.flag) ==
	      XENBLK_OFF_BYTE1);
static_assert(offsetof(struct blkif_request, u.discard.id) ==
	      XENBLK_OFF_ID_64);
static_assert(offsetof(struct blkif_request, u.discard.nr_sectors) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_NR_SECTORS);
static_assert(offsetof(struct blkif_request, u.indirect.indirect_op) ==
	      XENBLK_OFF_BYTE1);
static_assert(offsetof(struct blkif_request, u.indirect.nr_segments) ==
	      XENBLK_OFF_INDIRECT_NR_SEGS);
static_assert(offsetof(struct blkif_request, u.indirect.id) ==
	      XENBLK_OFF_ID_64);
static_assert(offsetof(struct blkif_request, u.indirect.sector_number) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_SECTOR);
static_assert(offsetof(struct blkif_request, u.indirect.indirect_grefs) ==
	      XENBLK_OFF_ID_64 + XENBLK_REL_INDIRECT_GREFS);
static_assert(offsetof(struct blkif_request, u.other.id) == XENBLK_OFF_ID_64);
#endif
#endif /* !XENBLK_UNIT_TEST */

#endif /* XEN_BLKIF_WIRE_H */
