// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: per-device sysfs attributes (ABI, see
 * Documentation/ABI/testing/sysfs-bus-xen-backend-vbd).
 *
 * Counters are kept per ring by the ring threads without atomics and
 * summed here, together with the totals of rings already torn down.
 */

#include <linux/device.h>
#include <linux/sysfs.h>

#include "common.h"

/**
 * xbb_stats_retire() - fold the counters of a ring being freed into the
 *	device totals
 * @be: the device
 * @st: the ring's counters
 *
 * Context: be->lock held.
 */
void xbb_stats_retire(struct xbb_device *be, const struct xbb_stats *st)
{
	u64 *dst = (u64 *)&be->retired;
	const u64 *src = (const u64 *)st;
	unsigned int i;

	lockdep_assert_held(&be->lock);
	for (i = 0; i < sizeof(*st) / sizeof(u64); i++)
		dst[i] += src[i];
}

static ssize_t xbb_show_counter(struct device *d, char *buf, size_t off)
{
	struct xbb_device *be = dev_get_drvdata(d);
	unsigned int i;
	u64 sum;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	sum = *(u64 *)((char *)&be->retired + off);
	for (i = 0; i < be->nr_rings; i++)
		sum += READ_ONCE(*(u64 *)((char *)&be->rings[i].st + off));
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%llu\n", sum);
}

#define XBB_COUNTER_ATTR(name)						\
static ssize_t name##_show(struct device *d,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return xbb_show_counter(d, buf,					\
				offsetof(struct xbb_stats, name));	\
}									\
static DEVICE_ATTR_RO(name)

XBB_COUNTER_ATTR(oo_req);
XBB_COUNTER_ATTR(rd_req);
XBB_COUNTER_ATTR(wr_req);
XBB_COUNTER_ATTR(f_req);
XBB_COUNTER_ATTR(ds_req);
XBB_COUNTER_ATTR(rd_sect);
XBB_COUNTER_ATTR(wr_sect);
XBB_COUNTER_ATTR(pgrant_hits);
XBB_COUNTER_ATTR(pgrant_misses);
XBB_COUNTER_ATTR(grants_mapped);
XBB_COUNTER_ATTR(grants_unmapped);
XBB_COUNTER_ATTR(grants_purged);

static ssize_t persistent_grants_show(struct device *d,
				      struct device_attribute *attr, char *buf)
{
	struct xbb_device *be = dev_get_drvdata(d);
	unsigned int i, sum = 0;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++)
		sum += READ_ONCE(be->rings[i].gcache.count);
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u\n", sum);
}
static DEVICE_ATTR_RO(persistent_grants);

static ssize_t pool_pages_show(struct device *d, struct device_attribute *attr,
			       char *buf)
{
	struct xbb_device *be = dev_get_drvdata(d);
	unsigned int i, sum = 0;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++)
		if (be->rings[i].reqs)
			sum += READ_ONCE(be->rings[i].pool.num_pages);
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u\n", sum);
}
static DEVICE_ATTR_RO(pool_pages);

static ssize_t squeezes_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	struct xbb_device *be = dev_get_drvdata(d);

	if (!be)
		return -ENODEV;
	return sysfs_emit(buf, "%u\n", atomic_read(&be->squeeze_gen));
}
static DEVICE_ATTR_RO(squeezes);

static struct attribute *xbb_stat_attrs[] = {
	&dev_attr_oo_req.attr,
	&dev_attr_rd_req.attr,
	&dev_attr_wr_req.attr,
	&dev_attr_f_req.attr,
	&dev_attr_ds_req.attr,
	&dev_attr_rd_sect.attr,
	&dev_attr_wr_sect.attr,
	&dev_attr_persistent_grants.attr,
	&dev_attr_pgrant_hits.attr,
	&dev_attr_pgrant_misses.attr,
	&dev_attr_grants_mapped.attr,
	&dev_attr_grants_unmapped.attr,
	&dev_attr_grants_purged.attr,
	&dev_attr_pool_pages.attr,
	&dev_attr_squeezes.attr,
	NULL
};

static const struct attribute_group xbb_stat_group = {
	.name = "statistics",
	.attrs = xbb_stat_attrs,
};

static ssize_t physical_device_show(struct device *d,
				    struct device_attribute *attr, char *buf)
{
	struct xbb_device *be = dev_get_drvdata(d);
	unsigned int major, minor;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	major = be->major;
	minor = be->minor;
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%x:%x\n", major, minor);
}
static DEVICE_ATTR_RO(physical_device);

static ssize_t mode_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct xbb_device *be = dev_get_drvdata(d);

	if (!be)
		return -ENODEV;
	return sysfs_emit(buf, "%s\n", be->readonly ? "r" : "w");
}
static DEVICE_ATTR_RO(mode);

static struct attribute *xbb_dev_attrs[] = {
	&dev_attr_physical_device.attr,
	&dev_attr_mode.attr,
	NULL
};

static const struct attribute_group xbb_dev_group = {
	.attrs = xbb_dev_attrs,
};

const struct attribute_group *xbb_dev_groups[] = {
	&xbb_dev_group,
	&xbb_stat_group,
	NULL
};
