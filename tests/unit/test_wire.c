// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the blkif wire decode (include/xen-blkif/wire.h), the one
 * xen-blkback runs on every request slot and indirect descriptor.  Slots
 * are built byte by byte at the offsets the two ABIs define, so a decode
 * reading the wrong place or width fails here.
 */
#include "unit.h"
#include <xen-blkif/wire.h>

static void put(u8 *slot, unsigned int off, u64 v, unsigned int bytes)
{
	memcpy(slot + off, &v, bytes);	/* both domains' byte order */
}

/* A slot full of a marker byte, so a field read from padding shows up. */
static void fill(u8 *slot)
{
	memset(slot, 0xa5, XENBLK_SLOT_MAX);
}

/* A result full of another marker, so an entry the decode wrote shows up. */
#define UNTOUCHED	0x5a5a5a5aU

static void fill_result(struct xenblk_req *r)
{
	memset(r, 0x5a, sizeof(*r));
}

static void check_rw(int *unit_failed, enum xenblk_abi abi,
		     unsigned int id_off)
{
	u8 slot[XENBLK_SLOT_MAX];
	struct xenblk_req r;
	unsigned int seg = id_off + 16;

	fill(slot);
	slot[0] = XENBLK_OP_WRITE;
	slot[1] = 3;
	put(slot, id_off, 0x1122334455667788ULL, 8);
	put(slot, id_off + 8, 0x0000000100000200ULL, 8);
	put(slot, seg + 2 * 8, 0xdeadbeef, 4);
	slot[seg + 2 * 8 + 4] = 1;
	slot[seg + 2 * 8 + 5] = 6;
	put(slot, seg + 10 * 8, 77, 4);
	fill_result(&r);
	xenblk_decode_request(slot, abi, &r);
	EXPECT_EQ(r.hdr.operation, XENBLK_OP_WRITE);
	EXPECT_EQ(r.hdr.nr_segs, 3);
	EXPECT(r.id == 0x1122334455667788ULL);
	EXPECT(r.hdr.sector == 0x0000000100000200ULL);
	EXPECT_EQ(r.segs[0].gref, 0xa5a5a5a5);
	EXPECT_EQ(r.segs[2].gref, 0xdeadbeef);
	EXPECT_EQ(r.segs[2].first_sect, 1);
	EXPECT_EQ(r.segs[2].last_sect, 6);
	/* Only the three segments the request carries are decoded. */
	EXPECT_EQ(r.segs[3].gref, UNTOUCHED);
	EXPECT_EQ(r.segs[10].gref, UNTOUCHED);
	EXPECT_EQ(r.hdr.indirect_op, 0);
	EXPECT_EQ(r.hdr.discard_flag, 0);
	EXPECT(r.hdr.nr_sectors == 0);
	EXPECT_EQ(r.indirect_grefs[0], UNTOUCHED);

	/* A full slot, and one claiming more than a slot holds: eleven. */
	slot[1] = XENBLK_MAX_DIRECT_SEGS;
	fill_result(&r);
	xenblk_decode_request(slot, abi, &r);
	EXPECT_EQ(r.hdr.nr_segs, XENBLK_MAX_DIRECT_SEGS);
	EXPECT_EQ(r.segs[10].gref, 77);
	slot[1] = 200;
	fill_result(&r);
	xenblk_decode_request(slot, abi, &r);
	EXPECT_EQ(r.hdr.nr_segs, 200);
	EXPECT_EQ(r.segs[2].gref, 0xdeadbeef);
	EXPECT_EQ(r.segs[10].gref, 77);
}

UNIT_TEST(rw_64)
{
	check_rw(unit_failed, XENBLK_ABI_64, 8);
}

UNIT_TEST(rw_32)
{
	check_rw(unit_failed, XENBLK_ABI_32, 4);
}

static void check_indirect(int *unit_failed, enum xenblk_abi abi,
			   unsigned int id_off, unsigned int grefs)
{
	u8 slot[XENBLK_SLOT_MAX];
	struct xenblk_req r;
	unsigned int i;

	fill(slot);
	slot[0] = XENBLK_OP_INDIRECT;
	slot[1] = XENBLK_OP_READ;
	put(slot, 2, 0x0123, 2);	/* more than a byte holds */
	put(slot, id_off, 42, 8);
	put(slot, id_off + 8, 4096, 8);
	for (i = 0; i < XENBLK_MAX_INDIRECT_PAGES; i++)
		put(slot, grefs + 4 * i, 1000 + i, 4);
	fill_result(&r);
	xenblk_decode_request(slot, abi, &r);
	EXPECT_EQ(r.hdr.operation, XENBLK_OP_INDIRECT);
	EXPECT_EQ(r.hdr.indirect_op, XENBLK_OP_READ);
	EXPECT_EQ(r.hdr.nr_segs, 0x0123);
	EXPECT(r.id == 42);
	EXPECT(r.hdr.sector == 4096);
	for (i = 0; i < XENBLK_MAX_INDIRECT_PAGES; i++)
		EXPECT_EQ(r.indirect_grefs[i], 1000 + i);
	/* the slot's bytes past the header are not taken for segments */
	EXPECT_EQ(r.segs[0].gref, UNTOUCHED);
}

UNIT_TEST(indirect_64)
{
	check_indirect(unit_failed, XENBLK_ABI_64, 8, 28);
}

UNIT_TEST(indirect_32)
{
	check_indirect(unit_failed, XENBLK_ABI_32, 4, 24);
}

UNIT_TEST(discard_both_abis)
{
	u8 slot[XENBLK_SLOT_MAX];
	struct xenblk_req r;

	fill(slot);
	slot[0] = XENBLK_OP_DISCARD;
	slot[1] = XENBLK_DISCARD_SECURE;
	put(slot, 4, 9, 8);
	put(slot, 12, 100, 8);
	put(slot, 20, 300, 8);
	fill_result(&r);
	xenblk_decode_request(slot, XENBLK_ABI_32, &r);
	EXPECT(r.id == 9 && r.hdr.sector == 100 && r.hdr.nr_sectors == 300);
	EXPECT_EQ(r.hdr.discard_flag, XENBLK_DISCARD_SECURE);
	EXPECT_EQ(r.hdr.nr_segs, 0);

	fill(slot);
	slot[0] = XENBLK_OP_DISCARD;
	slot[1] = 0;
	put(slot, 8, 10, 8);
	put(slot, 16, 200, 8);
	put(slot, 24, 400, 8);
	xenblk_decode_request(slot, XENBLK_ABI_64, &r);
	EXPECT(r.id == 10 && r.hdr.sector == 200 && r.hdr.nr_sectors == 400);
	EXPECT_EQ(r.hdr.discard_flag, 0);
}

UNIT_TEST(unknown_op_keeps_only_id)
{
	u8 slot[XENBLK_SLOT_MAX];
	struct xenblk_req r;

	fill(slot);
	slot[0] = 4;	/* reserved */
	put(slot, 8, 5, 8);
	fill_result(&r);
	xenblk_decode_request(slot, XENBLK_ABI_64, &r);
	EXPECT_EQ(r.hdr.operation, 4);
	EXPECT(r.id == 5);
	EXPECT_EQ(r.hdr.nr_segs, 0);
	EXPECT(r.hdr.sector == 0);
	EXPECT_EQ(r.hdr.indirect_op, 0);
	EXPECT_EQ(r.hdr.discard_flag, 0);
	EXPECT(r.hdr.nr_sectors == 0);
	EXPECT_EQ(r.segs[0].gref, UNTOUCHED);
}

UNIT_TEST(indirect_descriptor)
{
	u8 d[XENBLK_SEG_DESC_SIZE] = { 0, 0, 0, 0, 2, 5, 0xff, 0xff };
	struct xenblk_seg s;
	u32 gref = 0x12345678;

	memcpy(d, &gref, 4);
	xenblk_decode_seg(d, &s);
	EXPECT_EQ(s.gref, 0x12345678);
	EXPECT_EQ(s.first_sect, 2);
	EXPECT_EQ(s.last_sect, 5);
}

UNIT_TEST(sizes)
{
	EXPECT_EQ(xenblk_slot_size(XENBLK_ABI_64), 112);
	EXPECT_EQ(xenblk_slot_size(XENBLK_ABI_32), 108);
	EXPECT_EQ(XENBLK_SEGS_PER_INDIRECT_PAGE, 512);
	EXPECT_EQ(XENBLK_SECTORS_PER_GRANT, 8);
}

int main(void)
{
	static const struct unit_case cases[] = {
		UNIT_CASE(rw_64),
		UNIT_CASE(rw_32),
		UNIT_CASE(indirect_64),
		UNIT_CASE(indirect_32),
		UNIT_CASE(discard_both_abis),
		UNIT_CASE(unknown_op_keeps_only_id),
		UNIT_CASE(indirect_descriptor),
		UNIT_CASE(sizes),
	};

	return unit_run("wire", cases, ARRAY_SIZE(cases));
}
