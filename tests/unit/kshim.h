/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's vocabulary to compile the drivers' Xen-free
 * logic headers (include/xen-blk*) in user space.  Add only what such a
 * header really uses; anything touching Xen or the block layer does not
 * belong in those headers.
 */
#ifndef XENBLK_KSHIM_H
#define XENBLK_KSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uint64_t sector_t;

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#ifndef BIT
#define BIT(n)		(1UL << (n))
#endif
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#ifndef min
#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#endif
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
/* Single-threaded tests: plain accesses are all the tests need. */
#define READ_ONCE(x)	(x)
#define WRITE_ONCE(x, v) ((x) = (v))
/* Single-threaded tests: no ordering is needed, so no barrier either. */
#define smp_store_release(p, v) (*(p) = (v))
/* Single-threaded tests: a plain load pairs with the plain store above. */
#define smp_load_acquire(p) (*(p))

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

/*
 * A stand-in for <linux/rbtree.h>: the same interface over a plain
 * (unbalanced) binary search tree with parent links.  Balance does not
 * matter to the logic under test, ordering and linkage do.
 */
#ifndef XENBLK_KSHIM_RBTREE
#define XENBLK_KSHIM_RBTREE
struct rb_node {
	struct rb_node *rb_parent;
	struct rb_node *rb_left;
	struct rb_node *rb_right;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RB_ROOT			((struct rb_root) { NULL })
#define RB_EMPTY_ROOT(root)	(!(root)->rb_node)
#define rb_entry(ptr, type, member) container_of(ptr, type, member)

static inline void rb_link_node(struct rb_node *node, struct rb_node *parent,
				struct rb_node **link)
{
	node->rb_parent = parent;
	node->rb_left = NULL;
	node->rb_right = NULL;
	*link = node;
}

static inline void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	(void)node;
	(void)root;
}

static inline struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

static inline struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((parent = node->rb_parent) && node == parent->rb_right)
		node = parent;
	return parent;
}

static inline struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *parent;

	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((parent = node->rb_parent) && node == parent->rb_left)
		node = parent;
	return parent;
}

static inline void kshim_rb_replace(struct rb_node *old, struct rb_node *new,
				    struct rb_root *root)
{
	struct rb_node *parent = old->rb_parent;

	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
	if (new)
		new->rb_parent = parent;
}

static inline void rb_erase(struct rb_node *node, struct rb_root *root)
{
	struct rb_node *succ;

	if (!node->rb_left) {
		kshim_rb_replace(node, node->rb_right, root);
	} else if (!node->rb_right) {
		kshim_rb_replace(node, node->rb_left, root);
	} else {
		succ = node->rb_right;
		while (succ->rb_left)
			succ = succ->rb_left;
		if (succ->rb_parent != node) {
			kshim_rb_replace(succ, succ->rb_right, root);
			succ->rb_right = node->rb_right;
			succ->rb_right->rb_parent = succ;
		}
		kshim_rb_replace(node, succ, root);
		succ->rb_left = node->rb_left;
		succ->rb_left->rb_parent = succ;
	}
	node->rb_parent = NULL;
	node->rb_left = NULL;
	node->rb_right = NULL;
}
#endif /* XENBLK_KSHIM_RBTREE */

#endif /* XENBLK_KSHIM_H */
