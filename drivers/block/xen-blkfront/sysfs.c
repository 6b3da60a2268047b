// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkfront: sysfs (what was negotiated, pool state) and debugfs
 * (ring internals, not ABI).
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>

#include "blkfront.h"

static struct blkfront_info *blkfront_dev_info(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static const char *const blkfront_state_names[] = {
	[BLKFRONT_DISCONNECTED]	= "disconnected",
	[BLKFRONT_CONNECTED]	= "connected",
	[BLKFRONT_SUSPENDED]	= "suspended",
	[BLKFRONT_ERROR]	= "error",
};

#define BLKFRONT_SHOW_UINT(_name, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct blkfront_info *info = blkfront_dev_info(dev);		\
	unsigned int val;						\
									\
	mutex_lock(&info->mutex);					\
	val = (_expr);							\
	mutex_unlock(&info->mutex);					\
	return sysfs_emit(buf, "%u\n", val);				\
}									\
static DEVICE_ATTR_RO(_name)

BLKFRONT_SHOW_UINT(persistent_grants, info->persistent);
BLKFRONT_SHOW_UINT(feature_persistent, info->persistent_adv);
BLKFRONT_SHOW_UINT(indirect_segments,
		   info->layout.indirect ? info->layout.grants_per_slot : 0);
BLKFRONT_SHOW_UINT(max_grants_per_request, info->layout.max_grants);
BLKFRONT_SHOW_UINT(nr_queues, info->nr_rings);
BLKFRONT_SHOW_UINT(ring_page_order, info->ring_order);
BLKFRONT_SHOW_UINT(discard, info->feature_discard);
BLKFRONT_SHOW_UINT(secure_discard, info->feature_secdiscard);
BLKFRONT_SHOW_UINT(trusted, !info->untrusted);
BLKFRONT_SHOW_UINT(bounce, !info->direct);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	enum blkfront_state s = READ_ONCE(blkfront_dev_info(dev)->state);

	return sysfs_emit(buf, "%s\n", blkfront_state_names[s]);
}
static DEVICE_ATTR_RO(state);

static ssize_t flush_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct blkfront_info *info = blkfront_dev_info(dev);
	const char *what;

	mutex_lock(&info->mutex);
	if (!info->feature_flush)
		what = "none";
	else if (info->flush_op == BLKIF_OP_WRITE_BARRIER)
		what = "barrier";
	else
		what = "flush-cache";
	mutex_unlock(&info->mutex);
	return sysfs_emit(buf, "%s\n", what);
}
static DEVICE_ATTR_RO(flush);

/* Counters and pool sizes summed over the rings of a device. */
enum blkfront_ring_stat {
	POOL_TOTAL,
	POOL_FREE,
	POOL_IN_USE,
	POOL_GRANTED,
	POOL_BYTES,
	RW_REQS,
	RW_DATA_GRANTS,
	RW_RESERVED,
};

static u64 blkfront_ring_stat(struct blkfront_ring *ring,
			      enum blkfront_ring_stat what)
{
	const struct blkfront_pool *p = &ring->pool;

	lockdep_assert_held(&ring->lock);
	switch (what) {
	case POOL_TOTAL:
		return p->nr_units;
	case POOL_FREE:
		return p->nr_free;
	case POOL_IN_USE:
		return p->nr_units - p->nr_free;
	case POOL_GRANTED:
		return p->nr_granted;
	case POOL_BYTES:
		return (u64)p->nr_pages * PAGE_SIZE;
	case RW_REQS:
		return ring->stat_rw_reqs;
	case RW_DATA_GRANTS:
		return ring->stat_data_grants;
	case RW_RESERVED:
		return ring->stat_units_reserved;
	}
	return 0;
}

static u64 blkfront_stat_sum(struct blkfront_info *info,
			     enum blkfront_ring_stat what)
{
	unsigned int i;
	u64 sum = 0;

	mutex_lock(&info->mutex);
	for (i = 0; i < info->max_rings; i++) {
		struct blkfront_ring *ring = &info->rings[i];

		spin_lock_irq(&ring->lock);
		sum += blkfront_ring_stat(ring, what);
		spin_unlock_irq(&ring->lock);
	}
	mutex_unlock(&info->mutex);
	return sum;
}

#define BLKFRONT_SHOW_SUM(_name, _what)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, "%llu\n",					\
			  blkfront_stat_sum(blkfront_dev_info(dev), _what)); \
}									\
static DEVICE_ATTR_RO(_name)

BLKFRONT_SHOW_SUM(pool_units, POOL_TOTAL);
BLKFRONT_SHOW_SUM(pool_units_free, POOL_FREE);
BLKFRONT_SHOW_SUM(pool_units_in_use, POOL_IN_USE);
BLKFRONT_SHOW_SUM(pool_units_granted, POOL_GRANTED);
BLKFRONT_SHOW_SUM(pool_bytes, POOL_BYTES);
BLKFRONT_SHOW_SUM(rw_requests, RW_REQS);
BLKFRONT_SHOW_SUM(rw_data_grants, RW_DATA_GRANTS);
BLKFRONT_SHOW_SUM(rw_grants_reserved, RW_RESERVED);

static struct attribute *blkfront_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_persistent_grants.attr,
	&dev_attr_feature_persistent.attr,
	&dev_attr_indirect_segments.attr,
	&dev_attr_max_grants_per_request.attr,
	&dev_attr_nr_queues.attr,
	&dev_attr_ring_page_order.attr,
	&dev_attr_flush.attr,
	&dev_attr_discard.attr,
	&dev_attr_secure_discard.attr,
	&dev_attr_trusted.attr,
	&dev_attr_bounce.attr,
	&dev_attr_pool_units.attr,
	&dev_attr_pool_units_free.attr,
	&dev_attr_pool_units_in_use.attr,
	&dev_attr_pool_units_granted.attr,
	&dev_attr_pool_bytes.attr,
	&dev_attr_rw_requests.attr,
	&dev_attr_rw_data_grants.attr,
	&dev_attr_rw_grants_reserved.attr,
	NULL,
};

static const struct attribute_group blkfront_attr_group = {
	.name	= "blkfront",
	.attrs	= blkfront_attrs,
};

const struct attribute_group *blkfront_dev_groups[] = {
	&blkfront_attr_group,
	NULL,
};

static struct dentry *blkfront_debugfs_root;

static int blkfront_rings_show(struct seq_file *m, void *unused)
{
	struct blkfront_info *info = m->private;
	unsigned int i, j, busy;

	mutex_lock(&info->mutex);
	seq_printf(m, "state %s rings %u ring_size %u ring_order %u\n",
		   blkfront_state_names[READ_ONCE(info->state)],
		   info->nr_rings, info->ring_size, info->ring_order);
	seq_printf(m, "layout indirect %d grants_per_slot %u indirect_per_slot %u max_segments %u max_grants %u max_slots %u max_hw_sectors %u\n",
		   info->layout.indirect, info->layout.grants_per_slot,
		   info->layout.indirect_per_slot, info->layout.max_segments,
		   info->layout.max_grants, info->layout.max_slots,
		   info->layout.max_hw_sectors);
	seq_printf(m, "persistent %d (advertised %d) untrusted %d bounce %d sg_max %u\n",
		   info->persistent, info->persistent_adv, info->untrusted,
		   !info->direct,
		   info->sg_max);
	for (i = 0; i < info->max_rings; i++) {
		struct blkfront_ring *ring = &info->rings[i];

		spin_lock_irq(&ring->lock);
		busy = 0;
		for (j = 0; ring->shadow && j < info->ring_size; j++)
			busy += !!ring->shadow[j].rq;
		seq_printf(m, "ring %u live %d irq %d evtchn %u busy_slots %u",
			   i, ring->live, ring->irq, ring->evtchn, busy);
		if (ring->sring)
			seq_printf(m, " req_prod_pvt %u rsp_cons %u sring.req_prod %u sring.rsp_prod %u req_event %u rsp_event %u",
				   ring->ring.req_prod_pvt, ring->ring.rsp_cons,
				   ring->sring->req_prod, ring->sring->rsp_prod,
				   ring->sring->req_event,
				   ring->sring->rsp_event);
		seq_printf(m, " pool %u free %u granted %u reqs %llu slots %llu new_grants %llu notify %llu irqs %llu spurious %llu storms %llu rsps %llu\n",
			   ring->pool.nr_units, ring->pool.nr_free,
			   ring->pool.nr_granted, ring->stat_reqs,
			   ring->stat_slots, ring->stat_new_grants,
			   ring->stat_notify, ring->stat_irqs,
			   ring->stat_spurious, ring->stat_storms,
			   ring->stat_rsps);
		spin_unlock_irq(&ring->lock);
	}
	mutex_unlock(&info->mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blkfront_rings);

/**
 * blkfront_debugfs_add() - create the debugfs directory of a device
 * @info: device
 *
 * Context: process context.
 */
void blkfront_debugfs_add(struct blkfront_info *info)
{
	info->debugfs = debugfs_create_dir(dev_name(&info->xbdev->dev),
					   blkfront_debugfs_root);
	debugfs_create_file("rings", 0400, info->debugfs, info,
			    &blkfront_rings_fops);
}

/**
 * blkfront_debugfs_remove() - remove the debugfs directory of a device
 * @info: device
 *
 * Context: process context; waits for readers to finish.
 */
void blkfront_debugfs_remove(struct blkfront_info *info)
{
	debugfs_remove_recursive(info->debugfs);
	info->debugfs = NULL;
}

/**
 * blkfront_debugfs_init() - create the driver's debugfs root
 *
 * Context: module init.
 */
void blkfront_debugfs_init(void)
{
	blkfront_debugfs_root = debugfs_create_dir(BLKFRONT_NAME, NULL);
}

/**
 * blkfront_debugfs_exit() - remove the driver's debugfs root
 *
 * Context: module exit.
 */
void blkfront_debugfs_exit(void)
{
	debugfs_remove_recursive(blkfront_debugfs_root);
}
