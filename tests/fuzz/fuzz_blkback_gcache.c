// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: random operation sequences on xen-blkback's
 * persistent grant cache (include/xen-blkback/gcache.h) against a plain
 * reference model; every map also checks the lookup next to a cached
 * neighbour against the lookup from the root.
 *
 * The frontend chooses the grant references and, through its requests,
 * when grants are taken and released; the cache must stay consistent, never
 * hand out a grant twice, never drop a grant in flight, and keep its count
 * (which the max_persistent_grants cap is enforced on) exact.  Nodes are
 * heap-allocated and freed as soon as the cache gives them up, so ASAN
 * reports any node the tree still links after dropping it.
 *
 * Input layout (missing bytes read as zero):
 *   u8   cap (max_persistent_grants for this run)
 *   u64  initial time (jiffies; wrap-around is fair game)
 *   then commands, one u8 each followed by its arguments:
 *     0  map gref u8: take a cached grant, or insert a new one under cap
 *     1  unmap gref u8: release it if it is in flight
 *     2  advance time by u16 (by u32 when the command's bit 7 is set)
 *     3  LRU run: u8 lru_num_clean, u16 idle timeout
 *     4  insert a duplicate of gref u8
 *     5  pop one node (teardown)
 */
#include "fuzz.h"
#include <xen-blkback/gcache.h>

#define NR_GREFS 256

struct ref_grant {
	bool present;
	bool active;
	bool used;
	unsigned long last_used;
	bool victim;
};

struct state {
	struct xbb_gcache c;
	struct ref_grant ref[NR_GREFS];
	unsigned int ref_count;
	bool ref_overflow;
	unsigned int cap;
	unsigned long now;
};

/* In-order walk: sorted, counted, agreeing with the model node by node. */
static void check_tree(struct state *st)
{
	struct rb_node *n;
	unsigned int cnt = 0;
	long prev = -1;

	for (n = rb_first(&st->c.root); n; n = rb_next(n)) {
		struct xbb_gnode *g = rb_entry(n, struct xbb_gnode, node);
		struct ref_grant *r;

		ORACLE((long)g->gref > prev);
		ORACLE(g->gref < NR_GREFS);
		prev = g->gref;
		r = &st->ref[g->gref];
		ORACLE(r->present);
		ORACLE(g->active == r->active);
		ORACLE(g->used == r->used);
		ORACLE(g->last_used == r->last_used);
		cnt++;
	}
	ORACLE(cnt == st->ref_count);
	ORACLE(st->c.count == st->ref_count);
}

/*
 * A lookup next to a cached node (the references either side of @gref,
 * and the root's) finds what the lookup from the root found, @g.
 */
static void check_near(struct state *st, u32 gref, struct xbb_gnode *g)
{
	struct xbb_gnode *near;
	u32 other[2] = { gref - 1, gref + 1 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		near = xbb_gcache_lookup(&st->c, other[i]);
		if (near)
			ORACLE(xbb_gcache_lookup_near(&st->c, gref, near) == g);
	}
	if (st->c.root.rb_node) {
		near = rb_entry(st->c.root.rb_node, struct xbb_gnode, node);
		ORACLE(xbb_gcache_lookup_near(&st->c, gref, near) == g);
	}
	ORACLE(xbb_gcache_lookup_near(&st->c, gref, NULL) == g);
}

static void do_map(struct state *st, u32 gref)
{
	struct xbb_gnode *g = xbb_gcache_lookup(&st->c, gref);
	struct ref_grant *r = &st->ref[gref];
	int err;

	ORACLE(!g == !r->present);
	check_near(st, gref, g);
	ORACLE(!g || g->gref == gref);
	if (g) {
		err = xbb_gcache_get(g, st->now);
		if (r->active) {
			ORACLE(err == -EBUSY);
			ORACLE(g->active);
			return;
		}
		ORACLE(err == 0);
	} else {
		if (st->c.count >= st->cap) {
			/* Mapped for this request only; the LRU must know. */
			st->c.overflow = true;
			st->ref_overflow = true;
			return;
		}
		g = calloc(1, sizeof(*g));
		if (!g)
			return;
		g->gref = gref;
		err = xbb_gcache_insert(&st->c, g, st->now);
		ORACLE(err == 0);
		r->present = true;
		st->ref_count++;
	}
	r->active = true;
	r->used = true;
	r->last_used = st->now;
}

static void do_unmap(struct state *st, u32 gref)
{
	struct xbb_gnode *g = xbb_gcache_lookup(&st->c, gref);
	struct ref_grant *r = &st->ref[gref];

	ORACLE(!g == !r->present);
	if (!g || !g->active)
		return;
	xbb_gcache_put(g, st->now);
	r->active = false;
	r->used = true;
	r->last_used = st->now;
}

static unsigned int ref_target(unsigned int held, unsigned int max,
			       unsigned int num_clean, bool overflow)
{
	u64 want = 0;

	if (held > max)
		want = (u64)held - max + num_clean;
	else if (held == max && overflow)
		want = num_clean;
	return want < held ? want : held;
}

static void do_lru(struct state *st, unsigned int num_clean,
		   unsigned long idle)
{
	unsigned int target, ref_dropped = 0, dropped, i, pass;
	struct xbb_gnode *victims, *v, *next;

	target = xbb_lru_target(st->c.count, st->cap, num_clean,
				st->c.overflow);
	ORACLE(target == ref_target(st->ref_count, st->cap, num_clean,
				    st->ref_overflow));
	ORACLE(target <= st->c.count);

	/* What the documented policy drops, in gref order. */
	for (i = 0; i < NR_GREFS; i++)
		st->ref[i].victim = false;
	if (idle) {
		for (i = 0; i < NR_GREFS; i++) {
			struct ref_grant *r = &st->ref[i];

			if (r->present && !r->active &&
			    st->now - r->last_used > idle) {
				r->victim = true;
				ref_dropped++;
			}
		}
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < NR_GREFS && ref_dropped < target; i++) {
			struct ref_grant *r = &st->ref[i];

			if (!r->present || r->victim || r->active ||
			    (pass == 0 && r->used))
				continue;
			r->victim = true;
			ref_dropped++;
		}
	}

	dropped = xbb_gcache_collect(&st->c, target, st->now, idle, &victims);
	ORACLE(dropped == ref_dropped);
	i = 0;
	for (v = victims; v; v = next) {
		next = v->next_victim;
		ORACLE(v->gref < NR_GREFS);
		ORACLE(st->ref[v->gref].victim);
		ORACLE(!v->active);
		st->ref[v->gref].present = false;
		st->ref[v->gref].victim = false;
		st->ref_count--;
		i++;
		free(v);
	}
	ORACLE(i == dropped);
	for (i = 0; i < NR_GREFS; i++) {
		ORACLE(!st->ref[i].victim);
		if (target)
			st->ref[i].used = false;
	}
	if (target)
		st->ref_overflow = false;
	ORACLE(st->c.overflow == st->ref_overflow);
}

static void do_pop(struct state *st)
{
	struct xbb_gnode *g = xbb_gcache_pop(&st->c);

	ORACLE(!g == !st->ref_count);
	if (!g)
		return;
	ORACLE(g->gref < NR_GREFS && st->ref[g->gref].present);
	ORACLE(!xbb_gcache_lookup(&st->c, g->gref));
	st->ref[g->gref].present = false;
	st->ref_count--;
	free(g);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	struct xbb_gnode dup, *g;
	struct state *st;

	st = calloc(1, sizeof(*st));
	if (!st)
		return 0;
	xbb_gcache_init(&st->c);
	st->cap = fz_u8(&f);
	st->now = (unsigned long)fz_u64(&f);

	while (f.left) {
		u8 cmd = fz_u8(&f);

		switch ((cmd & 0x7f) % 6) {
		case 0:
			do_map(st, fz_u8(&f));
			break;
		case 1:
			do_unmap(st, fz_u8(&f));
			break;
		case 2:
			st->now += (cmd & 0x80) ? fz_u32(&f) : fz_u16(&f);
			break;
		case 3: {
			u8 num_clean = fz_u8(&f);

			do_lru(st, num_clean, fz_u16(&f));
			break;
		}
		case 4:
			memset(&dup, 0, sizeof(dup));
			dup.gref = fz_u8(&f);
			ORACLE(xbb_gcache_insert(&st->c, &dup, st->now) ==
			       (st->ref[dup.gref].present ? -EEXIST : 0));
			if (!st->ref[dup.gref].present) {
				/* Take it straight out again: it is on the stack. */
				rb_erase(&dup.node, &st->c.root);
				st->c.count--;
			}
			break;
		case 5:
			do_pop(st);
			break;
		}
		check_tree(st);
	}

	while ((g = xbb_gcache_pop(&st->c)))
		free(g);
	free(st);
	return 0;
}
