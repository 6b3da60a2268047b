/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: the persistent grant cache, without the Xen parts.
 *
 * A ring keeps the grants it maps persistently in a red-black tree keyed
 * by grant reference.  Each node records whether it is in flight (part of
 * a request being served), whether it was used since the last LRU purge,
 * and when it was last used.  The driver embeds struct xbb_gnode in its own
 * node that also holds the page and the grant handle; everything here only
 * decides *which* nodes to drop, the caller unmaps them.
 *
 * The purge policy is the one proposed with the LRU for persistent grants:
 * every lru_interval, if the tree holds more than the cap (or a mapping
 * could not be kept because the tree was full), drop lru_num_clean grants
 * plus the excess above the cap, first among the grants not used since the
 * previous purge, then among any that are not in flight; afterwards clear
 * the "used" marks.  Independently, grants idle for longer than the idle
 * timeout are dropped.  Grants in flight are never dropped.
 *
 * The walk is in tree (grant reference) order, so the choice is
 * deterministic, which the unit tests rely on.
 *
 * Concurrency: everything here runs in the ring thread, except
 * xbb_gcache_put(), which the bio completion of a request whose grants
 * are all persistent calls while the thread may be looking at the same
 * node.  put only writes the node's fields and clears @active last, with
 * release order; the thread reads @active with acquire order and never
 * takes, reuses or frees an active node.  So once the thread sees a node
 * inactive, the put is over and nothing touches the node any more.  A
 * racing purge may see a just-released grant as still active (it is kept)
 * or miss its @used mark (it may go one purge early): both harmless.
 */
#ifndef XEN_BLKBACK_GCACHE_H
#define XEN_BLKBACK_GCACHE_H

#ifndef XENBLK_UNIT_TEST
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <asm/barrier.h>
#endif

/**
 * struct xbb_gnode - policy part of one persistent grant
 * @node: link in &struct xbb_gcache.root
 * @next_victim: link in the list returned by xbb_gcache_collect()
 * @last_used: time (jiffies) the grant was last taken or released
 * @gref: grant reference (tree key)
 * @active: the grant is part of a request in flight
 * @used: the grant was used since the last purge
 */
struct xbb_gnode {
	struct rb_node node;
	struct xbb_gnode *next_victim;
	unsigned long last_used;
	u32 gref;
	bool active;
	bool used;
};

/**
 * struct xbb_gcache - one ring's persistent grants
 * @root: tree of &struct xbb_gnode by gref
 * @count: nodes in @root
 * @overflow: a mapping could not be kept since the last purge because
 *	      the tree was full
 */
struct xbb_gcache {
	struct rb_root root;
	unsigned int count;
	bool overflow;
};

/* Wrap-safe "a is after b" for jiffies-like counters. */
static inline bool xbb_time_after(unsigned long a, unsigned long b)
{
	return (long)(b - a) < 0;
}

static inline void xbb_gcache_init(struct xbb_gcache *c)
{
	c->root = RB_ROOT;
	c->count = 0;
	c->overflow = false;
}

/**
 * xbb_gcache_lookup() - find a persistent grant
 * @c: the cache
 * @gref: grant reference
 *
 * Return: the node, or NULL when @gref is not cached.
 */
static inline struct xbb_gnode *xbb_gcache_lookup(struct xbb_gcache *c,
						  u32 gref)
{
	struct rb_node *n = c->root.rb_node;

	while (n) {
		struct xbb_gnode *g = rb_entry(n, struct xbb_gnode, node);

		if (gref < g->gref)
			n = n->rb_left;
		else if (gref > g->gref)
			n = n->rb_right;
		else
			return g;
	}
	return NULL;
}

/**
 * xbb_gcache_lookup_near() - find a persistent grant, next to one found
 * @c: the cache
 * @gref: grant reference
 * @near: a node of @c found before, or NULL
 *
 * Frontends hand out the grants of their pools in runs of consecutive
 * references (a pool reuses what it freed last, and claimed its
 * references in order), so a request's next reference is often one
 * more or one less than the last: then it can only be @near's
 * neighbour in the tree, one step away on average, where the walk from
 * the root takes about log2(@c->count) steps.  Any other reference is
 * looked up from the root.  @near must still be in @c.
 *
 * Return: the node, or NULL when @gref is not cached.
 */
static inline struct xbb_gnode *
xbb_gcache_lookup_near(struct xbb_gcache *c, u32 gref, struct xbb_gnode *near)
{
	struct rb_node *n;

	if (!near)
		return xbb_gcache_lookup(c, gref);
	if (gref > near->gref && gref - near->gref == 1)
		n = rb_next(&near->node);
	else if (gref < near->gref && near->gref - gref == 1)
		n = rb_prev(&near->node);
	else
		return xbb_gcache_lookup(c, gref);
	/* The tree holds no key between @near's and its neighbour's. */
	if (n && rb_entry(n, struct xbb_gnode, node)->gref == gref)
		return rb_entry(n, struct xbb_gnode, node);
	return NULL;
}

/**
 * xbb_gcache_insert() - add a freshly mapped grant, taken for a request
 * @c: the cache
 * @g: node with @g->gref set
 * @now: current time (jiffies)
 *
 * The node enters the tree in flight and marked used.
 *
 * Return: 0, or -EEXIST if the grant reference is already cached.
 */
static inline int xbb_gcache_insert(struct xbb_gcache *c, struct xbb_gnode *g,
				    unsigned long now)
{
	struct rb_node **link = &c->root.rb_node, *parent = NULL;

	while (*link) {
		struct xbb_gnode *this = rb_entry(*link, struct xbb_gnode, node);

		parent = *link;
		if (g->gref < this->gref)
			link = &(*link)->rb_left;
		else if (g->gref > this->gref)
			link = &(*link)->rb_right;
		else
			return -EEXIST;
	}
	g->active = true;
	g->used = true;
	g->last_used = now;
	g->next_victim = NULL;
	rb_link_node(&g->node, parent, link);
	rb_insert_color(&g->node, &c->root);
	c->count++;
	return 0;
}

/* Whether a grant is in flight. */
static inline bool xbb_gnode_active(const struct xbb_gnode *g)
{
	/* Pairs with the release in xbb_gcache_put(). */
	return smp_load_acquire(&g->active);
}

/**
 * xbb_gcache_get() - take a cached grant for a request
 * @g: node found by xbb_gcache_lookup() or xbb_gcache_lookup_near()
 * @now: current time (jiffies)
 *
 * Return: 0, or -EBUSY if the grant is already in flight (a frontend may
 * not use one grant in two requests at once).
 */
static inline int xbb_gcache_get(struct xbb_gnode *g, unsigned long now)
{
	if (xbb_gnode_active(g))
		return -EBUSY;
	WRITE_ONCE(g->active, true);
	WRITE_ONCE(g->used, true);
	WRITE_ONCE(g->last_used, now);
	return 0;
}

/**
 * xbb_gcache_put() - release a cached grant after its request completed
 * @g: node taken with xbb_gcache_get() or xbb_gcache_insert()
 * @now: current time (jiffies)
 *
 * Context: any, including bio completion; the node must not be touched
 * after this returns.
 */
static inline void xbb_gcache_put(struct xbb_gnode *g, unsigned long now)
{
	WRITE_ONCE(g->used, true);
	WRITE_ONCE(g->last_used, now);
	/* Last: the thread may drop the node as soon as it sees this. */
	smp_store_release(&g->active, false);
}

/**
 * xbb_lru_target() - how many grants an LRU run should drop
 * @held: grants in the tree
 * @max: the cap (max_persistent_grants)
 * @num_clean: grants to drop beyond the excess (lru_num_clean)
 * @overflow: a mapping could not be kept since the last run
 *
 * Return: 0 when the tree is under the cap and nothing overflowed, else
 * the excess above the cap plus @num_clean, at most @held.
 */
static inline unsigned int xbb_lru_target(unsigned int held, unsigned int max,
					  unsigned int num_clean, bool overflow)
{
	unsigned long want;

	if (held > max)
		want = (unsigned long)(held - max) + num_clean;
	else if (overflow && held == max)
		want = num_clean;
	else
		return 0;
	return want > held ? held : (unsigned int)want;
}

/**
 * xbb_lru_batch() - the grants an LRU run drops beyond the excess
 * @num_clean: lru_num_clean; 0 means 5 % of the cap
 * @max: the cap (max_persistent_grants)
 *
 * Return: @num_clean if set, else 5 % of @max rounded up, at least 1: the
 * batch follows the cap it trims (53 for the default 1056, as the in-tree
 * driver drops, 2 for a cap of 32).
 */
static inline unsigned int xbb_lru_batch(unsigned int num_clean,
					 unsigned int max)
{
	if (num_clean)
		return num_clean;
	return max_t(unsigned int, 1, DIV_ROUND_UP((u64)max * 5, 100));
}

/**
 * xbb_idle_jiffies() - persistent_grant_unused_seconds as a timeout in jiffies
 * @secs: the parameter, 0..INT_MAX (0: never)
 * @hz: jiffies per second
 *
 * The product is taken in 64 bits (in 32 it wraps from 17179870 s at
 * HZ=250, giving a short timeout that drops every idle grant) and capped
 * at LONG_MAX / 2, beyond which jiffies comparisons lose their meaning.
 *
 * Return: 0 for 0, else the timeout in jiffies.
 */
static inline unsigned long xbb_idle_jiffies(unsigned int secs,
					     unsigned int hz)
{
	return min_t(u64, (u64)secs * hz, LONG_MAX / 2);
}

static inline void xbb_gcache_take(struct xbb_gcache *c, struct xbb_gnode *g,
				   struct xbb_gnode **victims)
{
	rb_erase(&g->node, &c->root);
	c->count--;
	g->next_victim = *victims;
	*victims = g;
}

/**
 * xbb_gcache_collect() - choose and unlink the grants an LRU run drops
 * @c: the cache
 * @target: grants to drop for room (see xbb_lru_target())
 * @now: current time (jiffies)
 * @idle: drop grants unused for longer than this many jiffies (0: never)
 * @victims: receives the unlinked nodes, chained through @next_victim
 *
 * Idle grants go first and count towards @target; then grants not used
 * since the last purge; then, if still short, any grant not in flight.
 * When @target was non-zero the "used" marks of the survivors are cleared
 * and the overflow flag is reset.  Nodes in flight are never chosen.
 *
 * Return: number of nodes unlinked.
 */
static inline unsigned int xbb_gcache_collect(struct xbb_gcache *c,
					      unsigned int target,
					      unsigned long now,
					      unsigned long idle,
					      struct xbb_gnode **victims)
{
	struct rb_node *n, *next;
	unsigned int dropped = 0;
	int pass;

	*victims = NULL;

	if (idle) {
		for (n = rb_first(&c->root); n; n = next) {
			struct xbb_gnode *g = rb_entry(n, struct xbb_gnode, node);

			next = rb_next(n);
			if (xbb_gnode_active(g) ||
			    !xbb_time_after(now, READ_ONCE(g->last_used) + idle))
				continue;
			xbb_gcache_take(c, g, victims);
			dropped++;
		}
	}

	/* Pass 0 spares grants used since the last purge, pass 1 does not. */
	for (pass = 0; pass < 2 && dropped < target; pass++) {
		for (n = rb_first(&c->root); n && dropped < target; n = next) {
			struct xbb_gnode *g = rb_entry(n, struct xbb_gnode, node);

			next = rb_next(n);
			if (xbb_gnode_active(g) ||
			    (pass == 0 && READ_ONCE(g->used)))
				continue;
			xbb_gcache_take(c, g, victims);
			dropped++;
		}
	}

	if (target) {
		for (n = rb_first(&c->root); n; n = rb_next(n))
			WRITE_ONCE(rb_entry(n, struct xbb_gnode, node)->used,
				   false);
		c->overflow = false;
	}
	return dropped;
}

/**
 * xbb_gcache_pop() - unlink any one node, for teardown
 * @c: the cache
 *
 * Return: the node, or NULL when the cache is empty.
 */
static inline struct xbb_gnode *xbb_gcache_pop(struct xbb_gcache *c)
{
	struct rb_node *n = rb_first(&c->root);

	if (!n)
		return NULL;
	rb_erase(n, &c->root);
	c->count--;
	return rb_entry(n, struct xbb_gnode, node);
}

#endif /* XEN_BLKBACK_GCACHE_H */
