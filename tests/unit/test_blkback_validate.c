// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xen-blkback's request validation rules
 * (include/xen-blkback/validate.h, the header the module compiles).
 */
#include "unit.h"
#include <xen-blkback/validate.h>

static const struct xbb_limits lim512 = {
	.capacity = 2048,
	.lbs_sectors = 1,
	.max_indirect_segs = XBB_MAX_INDIRECT_SEGS,
	.discard = true,
};

static struct xenblk_req_hdr hdr(u8 op, u16 nr, sector_t sector)
{
	struct xenblk_req_hdr h = { .operation = op, .nr_segs = nr,
				 .sector = sector };
	return h;
}

UNIT_TEST(ops_known_and_unknown)
{
	struct xenblk_req_hdr h = hdr(XENBLK_OP_READ, 1, 0);

	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	h.operation = XENBLK_OP_WRITE;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	h.operation = 4;	/* reserved */
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EOPNOTSUPP);
	h.operation = 7;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EOPNOTSUPP);
	h.operation = 255;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EOPNOTSUPP);
}

UNIT_TEST(direct_segment_counts)
{
	struct xenblk_req_hdr h = hdr(XENBLK_OP_READ, 0, 0);

	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.nr_segs = XENBLK_MAX_DIRECT_SEGS;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	h.nr_segs = XENBLK_MAX_DIRECT_SEGS + 1;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.operation = XENBLK_OP_WRITE;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	/* A flush may carry no data, but not more than a ring slot holds. */
	h.operation = XENBLK_OP_FLUSH_DISKCACHE;
	h.nr_segs = 0;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	h.nr_segs = 12;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.operation = XENBLK_OP_WRITE_BARRIER;
	h.nr_segs = 0;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
}

UNIT_TEST(indirect_counts_and_op)
{
	struct xenblk_req_hdr h = hdr(XENBLK_OP_INDIRECT, 1, 0);

	h.indirect_op = XENBLK_OP_READ;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	h.nr_segs = XBB_MAX_INDIRECT_SEGS;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	h.nr_segs = XBB_MAX_INDIRECT_SEGS + 1;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.nr_segs = 0;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.nr_segs = 8;
	h.indirect_op = XENBLK_OP_FLUSH_DISKCACHE;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.indirect_op = XENBLK_OP_INDIRECT;
	EXPECT_EQ(xbb_check_header(&h, &lim512), -EINVAL);
	h.indirect_op = XENBLK_OP_WRITE;
	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	EXPECT_EQ(xbb_indirect_pages(1), 1);
	EXPECT_EQ(xbb_indirect_pages(512), 1);
	EXPECT_EQ(xbb_indirect_pages(513), 2);
	EXPECT_EQ(xbb_indirect_pages(4096), 8);
}

UNIT_TEST(indirect_cap_never_exceeds_eight_pages)
{
	struct xbb_limits l = lim512;
	struct xenblk_req_hdr h = hdr(XENBLK_OP_INDIRECT, 4097, 0);

	l.max_indirect_segs = 65535;
	h.indirect_op = XENBLK_OP_READ;
	EXPECT_EQ(xbb_check_header(&h, &l), -EINVAL);
	h.nr_segs = 4096;
	EXPECT_EQ(xbb_check_header(&h, &l), 0);
}

UNIT_TEST(readonly_rejects_writes)
{
	struct xbb_limits l = lim512;
	struct xenblk_req_hdr h = hdr(XENBLK_OP_WRITE, 1, 0);

	l.readonly = true;
	EXPECT_EQ(xbb_check_header(&h, &l), -EROFS);
	h.operation = XENBLK_OP_FLUSH_DISKCACHE;
	EXPECT_EQ(xbb_check_header(&h, &l), -EROFS);
	h.operation = XENBLK_OP_INDIRECT;
	h.indirect_op = XENBLK_OP_WRITE;
	EXPECT_EQ(xbb_check_header(&h, &l), -EROFS);
	h.indirect_op = XENBLK_OP_READ;
	EXPECT_EQ(xbb_check_header(&h, &l), 0);
	h.operation = XENBLK_OP_READ;
	EXPECT_EQ(xbb_check_header(&h, &l), 0);
}

UNIT_TEST(segment_sector_bounds)
{
	struct xenblk_req_hdr h = hdr(XENBLK_OP_READ, 1, 0);
	struct xenblk_seg s = { .gref = 9, .first_sect = 0, .last_sect = 7 };
	u64 n = 0;

	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &lim512, &n), 0);
	EXPECT_EQ(n, 8);
	s.last_sect = 8;
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &lim512, &n), -EINVAL);
	s.first_sect = 5;
	s.last_sect = 4;
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &lim512, &n), -EINVAL);
	s.first_sect = 3;
	s.last_sect = 3;
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &lim512, &n), 0);
	EXPECT_EQ(n, 1);
	/* The count must match the header. */
	EXPECT_EQ(xbb_check_segs(&h, &s, 0, &lim512, &n), -EINVAL);
}

UNIT_TEST(sector_range_and_overflow)
{
	struct xenblk_seg segs[2] = {
		{ .first_sect = 0, .last_sect = 7 },
		{ .first_sect = 0, .last_sect = 7 },
	};
	struct xenblk_req_hdr h = hdr(XENBLK_OP_WRITE, 2, 2048 - 16);
	u64 n = 0;

	EXPECT_EQ(xbb_check_segs(&h, segs, 2, &lim512, &n), 0);
	EXPECT_EQ(n, 16);
	h.sector = 2048 - 15;
	EXPECT_EQ(xbb_check_segs(&h, segs, 2, &lim512, &n), -ERANGE);
	h.sector = 2048;
	EXPECT_EQ(xbb_check_segs(&h, segs, 2, &lim512, &n), -ERANGE);
	h.sector = ~(sector_t)0 - 4;	/* would wrap around */
	EXPECT_EQ(xbb_check_segs(&h, segs, 2, &lim512, &n), -ERANGE);
}

UNIT_TEST(logical_block_alignment)
{
	struct xbb_limits l = lim512;
	struct xenblk_seg s = { .first_sect = 0, .last_sect = 7 };
	struct xenblk_req_hdr h = hdr(XENBLK_OP_READ, 1, 8);
	u64 n;

	l.lbs_sectors = 8;	/* 4 KiB logical blocks */
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &l, &n), 0);
	h.sector = 4;
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &l, &n), -EINVAL);
	h.sector = 8;
	s.last_sect = 3;
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &l, &n), -EINVAL);
	l.lbs_sectors = 4;	/* 2 KiB: halves of a page are fine */
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &l, &n), 0);
	s.first_sect = 2;
	EXPECT_EQ(xbb_check_segs(&h, &s, 1, &l, &n), -EINVAL);
}

UNIT_TEST(flush_without_data_ignores_sector)
{
	struct xenblk_req_hdr h = hdr(XENBLK_OP_FLUSH_DISKCACHE, 0, ~(sector_t)0);
	u64 n = 5;

	EXPECT_EQ(xbb_check_header(&h, &lim512), 0);
	EXPECT_EQ(xbb_check_segs(&h, NULL, 0, &lim512, &n), 0);
	EXPECT_EQ(n, 0);
}

UNIT_TEST(discard_rules)
{
	struct xbb_limits l = lim512;
	struct xenblk_req_hdr h = hdr(XENBLK_OP_DISCARD, 0, 0);

	h.nr_sectors = 2048;
	EXPECT_EQ(xbb_check_header(&h, &l), 0);
	h.nr_sectors = 2049;
	EXPECT_EQ(xbb_check_header(&h, &l), -ERANGE);
	h.sector = 1;
	h.nr_sectors = ~0ULL;
	EXPECT_EQ(xbb_check_header(&h, &l), -ERANGE);
	h.sector = 0;
	h.nr_sectors = 8;
	h.discard_flag = XENBLK_DISCARD_SECURE;
	EXPECT_EQ(xbb_check_header(&h, &l), -EOPNOTSUPP);
	l.discard_secure = true;
	EXPECT_EQ(xbb_check_header(&h, &l), 0);
	l.lbs_sectors = 8;
	h.sector = 4;
	EXPECT_EQ(xbb_check_header(&h, &l), -EINVAL);
	l.readonly = true;
	EXPECT_EQ(xbb_check_header(&h, &l), -EROFS);
	l.discard = false;
	EXPECT_EQ(xbb_check_header(&h, &l), -EOPNOTSUPP);
}

UNIT_TEST(attach_indexes)
{
	EXPECT_EQ(xbb_attach_indexes_ok(0, 0, 32), true);
	EXPECT_EQ(xbb_attach_indexes_ok(40, 8, 32), true);
	EXPECT_EQ(xbb_attach_indexes_ok(41, 8, 32), false);
	/* responses beyond the requests: the difference wraps, far ahead */
	EXPECT_EQ(xbb_attach_indexes_ok(8, 9, 32), false);
	/* free-running indexes across the 2^32 wrap */
	EXPECT_EQ(xbb_attach_indexes_ok(5, 0xfffffff0u, 32), true);
	EXPECT_EQ(xbb_attach_indexes_ok(0x20, 0xfffffff0u, 32), false);
}

int main(void)
{
	static const struct unit_case cases[] = {
		UNIT_CASE(ops_known_and_unknown),
		UNIT_CASE(direct_segment_counts),
		UNIT_CASE(indirect_counts_and_op),
		UNIT_CASE(indirect_cap_never_exceeds_eight_pages),
		UNIT_CASE(readonly_rejects_writes),
		UNIT_CASE(segment_sector_bounds),
		UNIT_CASE(sector_range_and_overflow),
		UNIT_CASE(logical_block_alignment),
		UNIT_CASE(flush_without_data_ignores_sector),
		UNIT_CASE(discard_rules),
		UNIT_CASE(attach_indexes),
	};

	return unit_run("blkback_validate", cases, ARRAY_SIZE(cases));
}
