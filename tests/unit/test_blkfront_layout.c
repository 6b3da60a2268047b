// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xen-blkfront's request layout: the split of guest pages
 * into 4 KiB grants, request sizing and grant accounting, for 4 KiB and
 * 64 KiB guest pages.  Compiles include/xen-blkfront/layout.h, the header
 * the module uses.
 */
#include "unit.h"
#include <xen-blkfront/layout.h>

static const struct xbf_geom g4k = { .page_shift = 12, .grant_shift = 12 };
static const struct xbf_geom g64k = { .page_shift = 16, .grant_shift = 12 };

/* How many 4 KiB grants a span of a guest page takes. */
struct chunks_case {
	const struct xbf_geom *g;
	unsigned int off, len, want;
};

static void check_chunks(const void *entry, int *unit_failed)
{
	const struct chunks_case *c = entry;

	EXPECT_EQ(xbf_chunks(c->g, c->off, c->len), c->want);
}

static void describe_chunks(const void *entry, char *buf, size_t len)
{
	const struct chunks_case *c = entry;

	snprintf(buf, len, "%u bytes at %u of a %u-byte page", c->len, c->off,
		 1U << c->g->page_shift);
}

UNIT_TEST(chunks)
{
	static const struct chunks_case c[] = {
		{ &g4k, 0, 0, 0 },
		{ &g4k, 0, 4096, 1 },
		{ &g4k, 512, 1024, 1 },
		{ &g4k, 3584, 512, 1 },
		/* 64 KiB pages: only the grants the data touches count. */
		{ &g64k, 0, 65536, 16 },
		{ &g64k, 0, 4096, 1 },
		{ &g64k, 4096, 4096, 1 },
		{ &g64k, 512, 4096, 2 },
		{ &g64k, 61440, 4096, 1 },
		{ &g64k, 3 * 4096 + 512, 512, 1 },
		{ &g64k, 4095 & ~511, 8192, 3 },
		{ &g64k, 0, 0, 0 },
	};

	EXPECT_EQ(xbf_grants_per_page(&g4k), 1);
	EXPECT_EQ(xbf_grants_per_page(&g64k), 16);
	UNIT_TABLE(c, check_chunks, describe_chunks);
}

UNIT_TEST(split_example_64k)
{
	/* 8 KiB from 3584 in a 64 KiB page: the tail, a whole grant, a head. */
	static const struct xbf_chunk want[] = {
		{ .page_off = 3584, .grant_off = 3584, .len = 512,
		  .first_sect = 7, .last_sect = 7 },
		{ .page_off = 4096, .grant_off = 0, .len = 4096,
		  .first_sect = 0, .last_sect = 7 },
		{ .page_off = 8192, .grant_off = 0, .len = 3584,
		  .first_sect = 0, .last_sect = 6 },
	};
	struct xbf_split it;
	struct xbf_chunk c;
	unsigned int i;

	EXPECT_EQ(xbf_split_init(&it, &g64k, 3584, 8192), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		EXPECT(xbf_split_next(&it, &g64k, &c));
		EXPECT(!memcmp(&c, &want[i], sizeof(c)));
	}
	EXPECT(!xbf_split_next(&it, &g64k, &c));
}

/* Every sector-aligned segment of a page: the split is exact. */
static void check_split_all(const struct xbf_geom *g, int *unit_failed)
{
	unsigned int page = 1U << g->page_shift, gsize = 1U << g->grant_shift;
	unsigned int off, len, bad = 0;

	for (off = 0; off < page; off += 512) {
		for (len = 512; off + len <= page; len += 512) {
			struct xbf_split it;
			struct xbf_chunk c;
			unsigned int n = 0, sum = 0, next = off, last_idx = ~0U;

			if (xbf_split_init(&it, g, off, len)) {
				bad++;
				continue;
			}
			while (xbf_split_next(&it, g, &c)) {
				unsigned int idx = c.page_off / gsize;

				n++;
				sum += c.len;
				/* never an empty chunk, never past a grant */
				if (!c.len || c.grant_off + c.len > gsize)
					bad++;
				/* contiguous, one chunk per grant */
				if (c.page_off != next || idx == last_idx)
					bad++;
				if (c.grant_off != (c.page_off & (gsize - 1)))
					bad++;
				if (c.first_sect != c.grant_off / 512 ||
				    c.last_sect != (c.grant_off + c.len) / 512 - 1)
					bad++;
				next += c.len;
				last_idx = idx;
			}
			if (n != xbf_chunks(g, off, len) || sum != len)
				bad++;
			/* the grants holding data, and not one more */
			if (n != (off + len - 1) / gsize - off / gsize + 1)
				bad++;
		}
	}
	EXPECT_EQ(bad, 0);
}

UNIT_TEST(segs_per_indirect)
{
	/* 8-byte descriptors in a 4 KiB grant, whatever the page size */
	EXPECT_EQ(xbf_segs_per_indirect(&g4k), 512);
	EXPECT_EQ(xbf_segs_per_indirect(&g64k), 512);
}

/*
 * The frontend builds slot i of a request with xbf_slot_grants(i) grants
 * for i below xbf_slots_for() (mq.c): those slots must hold every grant
 * exactly once, none of them empty, and none past the last.
 */
static void check_slot_partition(const struct xbf_layout *l,
				 unsigned int grants, int *unit_failed)
{
	unsigned int slots = xbf_slots_for(l, grants);
	unsigned int cap = xbf_slot_capacity(l, grants);
	unsigned int s, n, sum = 0, bad = 0;

	for (s = 0; s < slots; s++) {
		n = xbf_slot_grants(l, grants, s);
		if (!n || n > cap || (s + 1 < slots && n != cap))
			bad++;
		sum += n;
	}
	if (sum != grants || xbf_slot_grants(l, grants, slots))
		bad++;
	EXPECT_EQ(bad, 0);
}

UNIT_TEST(slot_grants_partition_request)
{
	struct xbf_layout direct, ind;
	unsigned int n;

	xbf_layout_init(&direct, &g64k, 0);
	xbf_layout_init(&ind, &g4k, 256);
	for (n = 1; n <= 600; n++) {
		check_slot_partition(&direct, n, unit_failed);
		check_slot_partition(&ind, n, unit_failed);
	}
}

UNIT_TEST(split_exhaustive_4k)
{
	check_split_all(&g4k, unit_failed);
}

UNIT_TEST(split_exhaustive_64k)
{
	check_split_all(&g64k, unit_failed);
}

UNIT_TEST(split_rejects_bad_segments)
{
	struct xbf_split it;

	EXPECT_EQ(xbf_split_init(&it, &g64k, 65024, 1024), -EINVAL);
	EXPECT_EQ(xbf_split_init(&it, &g64k, 65536, 512), -EINVAL);
	EXPECT_EQ(xbf_split_init(&it, &g64k, 100, 512), -EINVAL);
	EXPECT_EQ(xbf_split_init(&it, &g64k, 512, 100), -EINVAL);
	EXPECT_EQ(xbf_split_init(&it, &g4k, 0, 8192), -EINVAL);
	EXPECT_EQ(xbf_split_init(&it, &g4k, 0, 4096), 0);
	EXPECT_EQ(xbf_split_init(&it, &g64k, 65024, 512), 0);
}

UNIT_TEST(effective_indirect)
{
	EXPECT_EQ(xbf_effective_indirect(&g4k, 0, 32), 0);
	EXPECT_EQ(xbf_effective_indirect(&g4k, 256, 32), 32);
	EXPECT_EQ(xbf_effective_indirect(&g4k, 16, 32), 16);
	EXPECT_EQ(xbf_effective_indirect(&g4k, 256, 11), 0);
	EXPECT_EQ(xbf_effective_indirect(&g4k, 256, 12), 12);
	/* The backend's offer never raises the (capped) parameter. */
	EXPECT_EQ(xbf_effective_indirect(&g4k, 100000, 4096), 4096);
	/* A 64 KiB page needs 16 grants: fewer is useless. */
	EXPECT_EQ(xbf_effective_indirect(&g64k, 256, 12), 0);
	EXPECT_EQ(xbf_effective_indirect(&g64k, 256, 16), 16);
}

/* The layout a connection gets from a geometry and an indirect count. */
struct layout_case {
	const struct xbf_geom *g;
	unsigned int indirect_segs;
	struct xbf_layout want;
};

static void check_layout(const void *entry, int *unit_failed)
{
	const struct layout_case *c = entry;
	struct xbf_layout l;

	xbf_layout_init(&l, c->g, c->indirect_segs);
	EXPECT_EQ(l.indirect, c->want.indirect);
	EXPECT_EQ(l.grants_per_slot, c->want.grants_per_slot);
	EXPECT_EQ(l.indirect_per_slot, c->want.indirect_per_slot);
	EXPECT_EQ(l.max_segments, c->want.max_segments);
	EXPECT_EQ(l.max_grants, c->want.max_grants);
	EXPECT_EQ(l.max_slots, c->want.max_slots);
	EXPECT_EQ(l.max_hw_sectors, c->want.max_hw_sectors);
}

static void describe_layout(const void *entry, char *buf, size_t len)
{
	const struct layout_case *c = entry;

	snprintf(buf, len, "%u-byte pages, %u indirect segments",
		 1U << c->g->page_shift, c->indirect_segs);
}

UNIT_TEST(layout)
{
	/*
	 * want: indirect, grants and indirect frames per slot, max segments,
	 * max grants, max slots, max sectors.
	 */
	static const struct layout_case c[] = {
		{ &g4k, 32, { true, 32, 1, 32, 32, 1, 256 } },
		{ &g4k, 0, { false, 11, 0, 11, 11, 1, 88 } },
		/* Two indirect frames per request. */
		{ &g4k, 1024, { true, 1024, 2, 1024, 1024, 1, 8192 } },
		{ &g64k, 32, { true, 32, 1, 2, 32, 1, 256 } },
		/* No indirect: a 64 KiB page takes a second ring slot. */
		{ &g64k, 0, { false, 11, 0, 1, 16, 2, 128 } },
	};

	UNIT_TABLE(c, check_layout, describe_layout);
}

/* Whatever the block layer sends within the limits fits the slots. */
static void check_worst_case(const struct xbf_geom *g, unsigned int ind,
			     int *unit_failed)
{
	struct xbf_layout l;
	unsigned int segs_grants;

	xbf_layout_init(&l, g, ind);
	segs_grants = l.max_segments * xbf_grants_per_page(g);
	EXPECT(segs_grants <= l.grants_per_slot * l.max_slots);
	EXPECT(xbf_slots_for(&l, segs_grants) <= l.max_slots);
	EXPECT(xbf_units_for(&l, g, segs_grants) <=
	       l.max_slots * (l.grants_per_slot + l.indirect_per_slot));
	EXPECT(l.max_hw_sectors * 512ULL <= (unsigned long long)l.max_grants *
	       (1U << g->grant_shift));
}

UNIT_TEST(worst_case_fits)
{
	static const unsigned int inds[] = { 0, 12, 16, 32, 64, 256, 4096 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(inds); i++) {
		check_worst_case(&g4k, xbf_effective_indirect(&g4k, 4096,
							      inds[i]),
				 unit_failed);
		check_worst_case(&g64k, xbf_effective_indirect(&g64k, 4096,
							       inds[i]),
				 unit_failed);
	}
}

UNIT_TEST(slots_and_units_64k_direct)
{
	struct xbf_layout l;

	xbf_layout_init(&l, &g64k, 0);
	EXPECT_EQ(xbf_slots_for(&l, 0), 1);
	EXPECT_EQ(xbf_slots_for(&l, 11), 1);
	EXPECT_EQ(xbf_slots_for(&l, 12), 2);
	EXPECT_EQ(xbf_slots_for(&l, 16), 2);
	EXPECT_EQ(xbf_slot_grants(&l, 16, 0), 11);
	EXPECT_EQ(xbf_slot_grants(&l, 16, 1), 5);
	EXPECT_EQ(xbf_slot_grants(&l, 16, 2), 0);
	EXPECT_EQ(xbf_units_for(&l, &g64k, 16), 16);
	/* 4 KiB of data in a 64 KiB page costs one grant, not 16. */
	EXPECT_EQ(xbf_units_for(&l, &g64k, xbf_chunks(&g64k, 8192, 4096)), 1);
}

UNIT_TEST(units_indirect)
{
	struct xbf_layout l;

	xbf_layout_init(&l, &g4k, 32);
	/* Small requests go out plain: no indirect frame. */
	EXPECT(!xbf_req_indirect(&l, 1));
	EXPECT(!xbf_req_indirect(&l, 11));
	EXPECT(xbf_req_indirect(&l, 12));
	EXPECT_EQ(xbf_units_for(&l, &g4k, 1), 1);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 11), 11);
	EXPECT_EQ(xbf_slots_for(&l, 11), 1);
	EXPECT_EQ(xbf_slot_grants(&l, 11, 0), 11);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 12), 13);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 32), 33);
	/* After a reconnect to smaller limits: 40 grants in two slots. */
	EXPECT_EQ(xbf_slots_for(&l, 40), 2);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 40), 42);

	xbf_layout_init(&l, &g4k, 1024);
	EXPECT_EQ(xbf_indirect_frames(&g4k, 512), 1);
	EXPECT_EQ(xbf_indirect_frames(&g4k, 513), 2);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 600), 602);
	EXPECT_EQ(xbf_slot_grants(&l, 600, 0), 600);
	EXPECT(!xbf_req_indirect(&l, 5));
	xbf_layout_init(&l, &g4k, 0);
	EXPECT(!xbf_req_indirect(&l, 40));
	EXPECT_EQ(xbf_slots_for(&l, 40), 4);
	EXPECT_EQ(xbf_slot_grants(&l, 40, 3), 7);

	/* Data pages granted themselves: only the indirect frames. */
	xbf_layout_init(&l, &g4k, 1024);
	EXPECT_EQ(xbf_frames_for(&l, &g4k, 600), 2);
	EXPECT_EQ(xbf_frames_for(&l, &g4k, 5), 0);
	EXPECT_EQ(xbf_frame_pool_units(&l, 32), 32 * 2);
	xbf_layout_init(&l, &g4k, 0);
	EXPECT_EQ(xbf_frames_for(&l, &g4k, 40), 0);
	EXPECT_EQ(xbf_frame_pool_units(&l, 32), 0);

	xbf_layout_init(&l, &g64k, 32);
	EXPECT_EQ(xbf_units_for(&l, &g64k, xbf_chunks(&g64k, 0, 65536)), 17);
	EXPECT_EQ(xbf_frames_for(&l, &g64k, xbf_chunks(&g64k, 0, 65536)), 1);
	EXPECT_EQ(xbf_units_for(&l, &g64k, xbf_chunks(&g64k, 512, 1024)), 1);
	EXPECT_EQ(xbf_units_for(&l, &g64k, xbf_chunks(&g64k, 2048, 45056)), 13);
}

UNIT_TEST(pool_sizing)
{
	struct xbf_layout l;

	xbf_layout_init(&l, &g4k, 32);
	EXPECT_EQ(xbf_pool_units(&l, 32, xbf_units_for(&l, &g4k, 32)), 1056);
	EXPECT_EQ(xbf_pool_pages(&g4k, 1056), 1056);
	/* 64 KiB pages are carved into 16 grant units each. */
	xbf_layout_init(&l, &g64k, 32);
	EXPECT_EQ(xbf_pool_units(&l, 32, 33), 1056);
	EXPECT_EQ(xbf_pool_pages(&g64k, 1056), 66);
	EXPECT_EQ(xbf_pool_pages(&g64k, 1057), 67);
	xbf_layout_init(&l, &g64k, 0);
	EXPECT_EQ(xbf_pool_units(&l, 64, 32), 704);
	/* Slots of 1 MiB share the budget of slots of 32 segments ... */
	xbf_layout_init(&l, &g4k, 256);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 256), 257);
	EXPECT_EQ(xbf_pool_units(&l, 32, 257), 1056);
	EXPECT_EQ(xbf_pool_units(&l, 512, 257), 512 * 33);
	xbf_layout_init(&l, &g64k, 256);
	EXPECT_EQ(xbf_pool_units(&l, 32, 257), 1056);
	/* ... but always hold the largest request the queue can be given ... */
	xbf_layout_init(&l, &g4k, 4096);
	EXPECT_EQ(xbf_units_for(&l, &g4k, 4096), 4104);
	EXPECT_EQ(xbf_pool_units(&l, 32, 4104), 4104);
	/* ... and never more than a full ring of full slots. */
	xbf_layout_init(&l, &g4k, 64);
	EXPECT_EQ(xbf_pool_units(&l, 1, 4104), 65);
}

/*
 * Every request the ring has slots for, up to SG entries of a guest page
 * each, must fit a pool sized for LAYOUT and RING.
 */
static void check_pool_holds(const struct xbf_layout *l,
			     const struct xbf_geom *g, unsigned int ring,
			     unsigned int sg, int *unit_failed)
{
	unsigned int most = sg * xbf_grants_per_page(g);
	unsigned int pool = xbf_pool_units(l, ring, xbf_units_for(l, g, most));
	unsigned int grants;

	for (grants = 1; grants <= most; grants += grants < 64 ? 1 : 61) {
		if (xbf_slots_for(l, grants) > ring)
			continue;
		EXPECT(xbf_units_for(l, g, grants) <= pool);
	}
}

/*
 * Whatever the layout, the pool holds any request the ring has slots
 * for: a request never waits for units that can never be free.  The
 * largest request is what the queue's scatterlist allows (as
 * blkfront_sg_max() sizes it), e.g. after a reconnect to a backend that
 * offers less than the last one.
 */
UNIT_TEST(pool_holds_any_request_that_fits_the_ring)
{
	static const unsigned int params[] = { 0, 11, 16, 32, 33, 64, 256,
					       512, 1024, 4096 };
	const struct xbf_geom *geoms[] = { &g4k, &g64k };
	unsigned int gi, pi, qi, sg, neg;
	struct xbf_layout l, q, plain;

	for (gi = 0; gi < ARRAY_SIZE(geoms); gi++) {
		const struct xbf_geom *g = geoms[gi];

		xbf_layout_init(&plain, g, 0);
		for (qi = 0; qi < ARRAY_SIZE(params); qi++) {
			/* the queue's scatterlist, from the parameter */
			xbf_layout_init(&q, g, xbf_effective_indirect(g, UINT_MAX,
								      params[qi]));
			sg = max(plain.max_segments, q.max_segments);
			for (pi = 0; pi < ARRAY_SIZE(params); pi++) {
				/* what a backend offering params[pi] gets */
				neg = xbf_effective_indirect(g, params[pi],
							     params[qi]);
				xbf_layout_init(&l, g, neg);
				check_pool_holds(&l, g, 32, sg, unit_failed);
				check_pool_holds(&l, g, 512, sg, unit_failed);
			}
		}
	}
}

static const struct unit_case cases[] = {
	UNIT_CASE(chunks),
	UNIT_CASE(split_example_64k),
	UNIT_CASE(segs_per_indirect),
	UNIT_CASE(slot_grants_partition_request),
	UNIT_CASE(split_exhaustive_4k),
	UNIT_CASE(split_exhaustive_64k),
	UNIT_CASE(split_rejects_bad_segments),
	UNIT_CASE(effective_indirect),
	UNIT_CASE(layout),
	UNIT_CASE(worst_case_fits),
	UNIT_CASE(slots_and_units_64k_direct),
	UNIT_CASE(units_indirect),
	UNIT_CASE(pool_sizing),
	UNIT_CASE(pool_holds_any_request_that_fits_the_ring),
};

int main(void)
{
	return unit_run("blkfront_layout", cases, ARRAY_SIZE(cases));
}
