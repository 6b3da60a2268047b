// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xen-blkback's persistent grant cache and LRU purge order
 * (include/xen-blkback/gcache.h, the header the module compiles).
 */
#include "unit.h"
#include <xen-blkback/gcache.h>

#define NR 64

static struct xbb_gnode nodes[NR];

/* Fill a cache with grefs 100..100+n-1, all released at time @t. */
static void fill(struct xbb_gcache *c, unsigned int n, unsigned long t)
{
	unsigned int i;

	xbb_gcache_init(c);
	memset(nodes, 0, sizeof(nodes));
	/* Insert in a scrambled order; the tree must sort them. */
	for (i = 0; i < n; i++) {
		unsigned int k = (i * 37) % n;

		nodes[k].gref = 100 + k;
		if (xbb_gcache_insert(c, &nodes[k], t))
			return;
		xbb_gcache_put(&nodes[k], t);
	}
}

static unsigned int victims_to_array(struct xbb_gnode *v, u32 *grefs,
				     unsigned int max)
{
	unsigned int n = 0;

	for (; v && n < max; v = v->next_victim)
		grefs[n++] = v->gref;
	return n;
}

static bool has(const u32 *a, unsigned int n, u32 gref)
{
	while (n--)
		if (a[n] == gref)
			return true;
	return false;
}

static unsigned int tree_count(struct xbb_gcache *c)
{
	struct rb_node *n;
	unsigned int cnt = 0;
	u32 prev = 0;

	for (n = rb_first(&c->root); n; n = rb_next(n)) {
		struct xbb_gnode *g = rb_entry(n, struct xbb_gnode, node);

		if (cnt && g->gref <= prev)
			return ~0u;	/* out of order */
		prev = g->gref;
		cnt++;
	}
	return cnt;
}

UNIT_TEST(insert_lookup_duplicate)
{
	struct xbb_gcache c;
	struct xbb_gnode dup = { .gref = 105 };

	fill(&c, 16, 10);
	EXPECT_EQ(c.count, 16);
	EXPECT_EQ(tree_count(&c), 16);
	EXPECT(xbb_gcache_lookup(&c, 105) == &nodes[5]);
	EXPECT(xbb_gcache_lookup(&c, 100) == &nodes[0]);
	EXPECT(xbb_gcache_lookup(&c, 115) == &nodes[15]);
	EXPECT(!xbb_gcache_lookup(&c, 99));
	EXPECT(!xbb_gcache_lookup(&c, 116));
	EXPECT_EQ(xbb_gcache_insert(&c, &dup, 10), -EEXIST);
	EXPECT_EQ(c.count, 16);
	/* A fresh insert is in flight and marked used. */
	EXPECT(nodes[0].used);
	EXPECT(!nodes[0].active);
}

UNIT_TEST(in_flight_grant_refused)
{
	struct xbb_gcache c;

	fill(&c, 4, 10);
	EXPECT_EQ(xbb_gcache_get(&nodes[2], 20), 0);
	EXPECT(nodes[2].active);
	EXPECT_EQ(xbb_gcache_get(&nodes[2], 21), -EBUSY);
	xbb_gcache_put(&nodes[2], 22);
	EXPECT(!nodes[2].active);
	EXPECT_EQ(nodes[2].last_used, 22);
	EXPECT_EQ(xbb_gcache_get(&nodes[2], 23), 0);
}

UNIT_TEST(lru_target)
{
	EXPECT_EQ(xbb_lru_target(100, 1056, 53, false), 0);
	EXPECT_EQ(xbb_lru_target(1056, 1056, 53, false), 0);
	/* Full and a mapping could not be kept: make room. */
	EXPECT_EQ(xbb_lru_target(1056, 1056, 53, true), 53);
	/* Over the cap: the excess plus the batch. */
	EXPECT_EQ(xbb_lru_target(1100, 1056, 53, false), 44 + 53);
	/* Never more than held. */
	EXPECT_EQ(xbb_lru_target(60, 10, 53, false), 60);
	EXPECT_EQ(xbb_lru_target(5, 0, 1, false), 5);
	/* Cap raised above what is held: nothing to do even on overflow. */
	EXPECT_EQ(xbb_lru_target(10, 20, 5, true), 0);
}

UNIT_TEST(lru_batch_follows_the_cap)
{
	/* 0: 5 % of the cap, rounded up, at least one. */
	EXPECT_EQ(xbb_lru_batch(0, 1056), 53);
	EXPECT_EQ(xbb_lru_batch(0, 32), 2);
	EXPECT_EQ(xbb_lru_batch(0, 4), 1);
	EXPECT_EQ(xbb_lru_batch(0, 0), 1);
	EXPECT_EQ(xbb_lru_batch(0, 20000), 1000);
	EXPECT_EQ(xbb_lru_batch(0, 0x7fffffff), 107374183);
	/* Set: as set. */
	EXPECT_EQ(xbb_lru_batch(7, 1056), 7);
	EXPECT_EQ(xbb_lru_batch(500, 32), 500);
}

UNIT_TEST(idle_timeout_never_wraps)
{
	EXPECT_EQ(xbb_idle_jiffies(0, 250), 0);
	EXPECT_EQ(xbb_idle_jiffies(60, 250), 15000);
	/* 17179870 s x 250 is 2^32 + 220: no wrap to a short timeout. */
	EXPECT(xbb_idle_jiffies(17179870, 250) > 4294967295UL);
	EXPECT_EQ(xbb_idle_jiffies(17179870, 250), 4294967500UL);
	/* The largest value stays a long timeout, comparable with jiffies. */
	EXPECT_EQ(xbb_idle_jiffies(2147483647U, 1000), 2147483647000UL);
	EXPECT(xbb_idle_jiffies(2147483647U, 1000) <= LONG_MAX / 2);
}

UNIT_TEST(purge_prefers_unused_then_any_idle)
{
	struct xbb_gcache c;
	struct xbb_gnode *v;
	u32 got[NR];
	unsigned int n, i;

	fill(&c, 10, 10);
	/* A previous purge cleared the marks ... */
	for (i = 0; i < 10; i++)
		nodes[i].used = false;
	/* ... since then 100, 101, 103 were used; 102 is in flight. */
	EXPECT_EQ(xbb_gcache_get(&nodes[0], 20), 0);
	xbb_gcache_put(&nodes[0], 21);
	EXPECT_EQ(xbb_gcache_get(&nodes[1], 20), 0);
	xbb_gcache_put(&nodes[1], 21);
	EXPECT_EQ(xbb_gcache_get(&nodes[3], 20), 0);
	xbb_gcache_put(&nodes[3], 21);
	EXPECT_EQ(xbb_gcache_get(&nodes[2], 20), 0);

	n = xbb_gcache_collect(&c, 3, 30, 0, &v);
	EXPECT_EQ(n, 3);
	EXPECT_EQ(victims_to_array(v, got, NR), 3);
	/* First the unused ones, lowest grefs first: 104, 105, 106. */
	EXPECT(has(got, 3, 104));
	EXPECT(has(got, 3, 105));
	EXPECT(has(got, 3, 106));
	EXPECT_EQ(c.count, 7);
	EXPECT_EQ(tree_count(&c), 7);
	/* Marks cleared afterwards. */
	for (i = 0; i < 10; i++)
		if (i < 4 || i > 6)
			EXPECT(!nodes[i].used);
}

UNIT_TEST(purge_falls_back_to_used_but_never_in_flight)
{
	struct xbb_gcache c;
	struct xbb_gnode *v;
	u32 got[NR];
	unsigned int n, i;

	fill(&c, 6, 10);		/* all marked used */
	EXPECT_EQ(xbb_gcache_get(&nodes[0], 11), 0);	/* in flight */
	EXPECT_EQ(xbb_gcache_get(&nodes[4], 11), 0);	/* in flight */
	nodes[5].used = false;

	n = xbb_gcache_collect(&c, 3, 30, 0, &v);
	EXPECT_EQ(n, 3);
	n = victims_to_array(v, got, NR);
	EXPECT(has(got, n, 105));	/* unused goes first */
	EXPECT(has(got, n, 101));	/* then in tree order */
	EXPECT(has(got, n, 102));
	EXPECT(!has(got, n, 100));
	EXPECT(!has(got, n, 104));

	/* Asking for everything still spares what is in flight. */
	n = xbb_gcache_collect(&c, 100, 31, 0, &v);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(v->gref, 103);
	EXPECT_EQ(c.count, 2);
	for (i = 0; i < 6; i++)
		if (i == 0 || i == 4)
			EXPECT(xbb_gcache_lookup(&c, 100 + i) == &nodes[i]);
}

UNIT_TEST(idle_grants_expire)
{
	struct xbb_gcache c;
	struct xbb_gnode *v;
	u32 got[NR];
	unsigned int n;

	fill(&c, 5, 10);
	EXPECT_EQ(xbb_gcache_get(&nodes[1], 500), 0);
	xbb_gcache_put(&nodes[1], 500);
	EXPECT_EQ(xbb_gcache_get(&nodes[3], 10), 0);	/* old but in flight */

	/* Nothing over the cap, idle timeout 100: 100, 102, 104 go. */
	n = xbb_gcache_collect(&c, 0, 520, 100, &v);
	EXPECT_EQ(n, 3);
	n = victims_to_array(v, got, NR);
	EXPECT(has(got, n, 100) && has(got, n, 102) && has(got, n, 104));
	EXPECT(!has(got, n, 101) && !has(got, n, 103));
	/* No room was requested, so used marks stay. */
	EXPECT(nodes[1].used);
	/* Exactly at the timeout is not yet idle. */
	n = xbb_gcache_collect(&c, 0, 600, 100, &v);
	EXPECT_EQ(n, 0);
	n = xbb_gcache_collect(&c, 0, 601, 100, &v);
	EXPECT_EQ(n, 1);
	EXPECT_EQ(v->gref, 101);
}

UNIT_TEST(cap_lowered_converges_in_one_run)
{
	struct xbb_gcache c;
	struct xbb_gnode *v;
	unsigned int t;

	fill(&c, 40, 10);
	t = xbb_lru_target(c.count, 8, 1, c.overflow);
	EXPECT_EQ(t, 33);
	EXPECT_EQ(xbb_gcache_collect(&c, t, 11, 0, &v), 33);
	EXPECT(c.count <= 8);
	EXPECT_EQ(tree_count(&c), 7);
	t = xbb_lru_target(c.count, 8, 1, c.overflow);
	EXPECT_EQ(t, 0);
}

UNIT_TEST(overflow_flag_reset_by_purge)
{
	struct xbb_gcache c;
	struct xbb_gnode *v;

	fill(&c, 8, 10);
	c.overflow = true;
	EXPECT_EQ(xbb_gcache_collect(&c, xbb_lru_target(8, 8, 2, true), 11,
				     0, &v), 2);
	EXPECT(!c.overflow);
	EXPECT_EQ(c.count, 6);
}

UNIT_TEST(pop_drains)
{
	struct xbb_gcache c;
	unsigned int n = 0;

	fill(&c, 33, 1);
	while (xbb_gcache_pop(&c))
		n++;
	EXPECT_EQ(n, 33);
	EXPECT_EQ(c.count, 0);
	EXPECT(RB_EMPTY_ROOT(&c.root));
}

/*
 * A lookup next to a node found before gives the same answer as one from
 * the root, for the neighbours (present or not), for references further
 * away, at both ends of the tree and at the ends of the u32 range.
 */
UNIT_TEST(lookup_near_agrees_with_lookup)
{
	struct xbb_gcache c;
	struct xbb_gnode lo = { .gref = 0 }, hi = { .gref = 0xffffffffu };
	unsigned int i;
	u32 g;

	fill(&c, 16, 10);
	/* Without 100 (popped): next to 101, it must be "not cached". */
	EXPECT(xbb_gcache_pop(&c) == &nodes[0]);
	EXPECT(!xbb_gcache_lookup(&c, 100));
	for (i = 1; i < 16; i++) {
		for (g = 95; g < 120; g++)
			EXPECT(xbb_gcache_lookup_near(&c, g, &nodes[i]) ==
			       xbb_gcache_lookup(&c, g));
		EXPECT(xbb_gcache_lookup_near(&c, 100 + i, &nodes[i]) ==
		       &nodes[i]);
	}
	EXPECT(xbb_gcache_lookup_near(&c, 105, NULL) == &nodes[5]);
	EXPECT(!xbb_gcache_lookup_near(&c, 100, &nodes[1]));
	EXPECT(!xbb_gcache_lookup_near(&c, 116, &nodes[15]));

	/* References 0 and 0xffffffff: no wrap from one to the other. */
	EXPECT_EQ(xbb_gcache_insert(&c, &lo, 10), 0);
	EXPECT_EQ(xbb_gcache_insert(&c, &hi, 10), 0);
	EXPECT(xbb_gcache_lookup_near(&c, 0, &hi) == &lo);
	EXPECT(xbb_gcache_lookup_near(&c, 0xffffffffu, &lo) == &hi);
	EXPECT(!xbb_gcache_lookup_near(&c, 1, &lo));
	EXPECT(!xbb_gcache_lookup_near(&c, 0xfffffffeu, &hi));
	EXPECT(xbb_gcache_lookup_near(&c, 101, &lo) == &nodes[1]);
}

int main(void)
{
	static const struct unit_case cases[] = {
		UNIT_CASE(insert_lookup_duplicate),
		UNIT_CASE(in_flight_grant_refused),
		UNIT_CASE(lru_target),
		UNIT_CASE(lru_batch_follows_the_cap),
		UNIT_CASE(idle_timeout_never_wraps),
		UNIT_CASE(purge_prefers_unused_then_any_idle),
		UNIT_CASE(purge_falls_back_to_used_but_never_in_flight),
		UNIT_CASE(idle_grants_expire),
		UNIT_CASE(cap_lowered_converges_in_one_run),
		UNIT_CASE(overflow_flag_reset_by_purge),
		UNIT_CASE(pop_drains),
		UNIT_CASE(lookup_near_agrees_with_lookup),
	};

	return unit_run("blkback_gcache", cases, ARRAY_SIZE(cases));
}
