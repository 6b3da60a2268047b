// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: per-device sysfs attributes (ABI, see
 * Documentation/ABI/testing/sysfs-bus-xen-backend-vbd).
 *
 * Counters are kept per ring by the ring threads without atomics (and
 * a few by the completion side, under a lock) and summed here, together
 * with the totals of rings already torn down.
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

static ssize_t xbb_counter_show(struct device *d,
				struct device_attribute *attr, char *buf);

/* In the order of the fields of struct xbb_stats. */
static struct device_attribute xbb_counter_attrs[] = {
	__ATTR(oo_req, 0444, xbb_counter_show, NULL),
	__ATTR(rd_req, 0444, xbb_counter_show, NULL),
	__ATTR(wr_req, 0444, xbb_counter_show, NULL),
	__ATTR(f_req, 0444, xbb_counter_show, NULL),
	__ATTR(ds_req, 0444, xbb_counter_show, NULL),
	__ATTR(rd_sect, 0444, xbb_counter_show, NULL),
	__ATTR(wr_sect, 0444, xbb_counter_show, NULL),
	__ATTR(pgrant_hits, 0444, xbb_counter_show, NULL),
	__ATTR(pgrant_misses, 0444, xbb_counter_show, NULL),
	__ATTR(grants_mapped, 0444, xbb_counter_show, NULL),
	__ATTR(grants_unmapped, 0444, xbb_counter_show, NULL),
	__ATTR(grants_purged, 0444, xbb_counter_show, NULL),
	__ATTR(unmaps_deferred, 0444, xbb_counter_show, NULL),
	__ATTR(poll_hits, 0444, xbb_counter_show, NULL),
	__ATTR(poll_misses, 0444, xbb_counter_show, NULL),
};

static_assert(ARRAY_SIZE(xbb_counter_attrs) ==
	      sizeof(struct xbb_stats) / sizeof(u64));

static ssize_t xbb_counter_show(struct device *d,
				struct device_attribute *attr, char *buf)
{
	struct xbb_device *be = dev_get_drvdata(d);
	size_t idx = attr - xbb_counter_attrs;
	const u64 *v;
	unsigned int i;
	u64 sum;

	if (!be || idx >= ARRAY_SIZE(xbb_counter_attrs))
		return -ENODEV;
	mutex_lock(&be->lock);
	v = (const u64 *)&be->retired;
	sum = v[idx];
	for (i = 0; i < be->nr_rings; i++) {
		v = (const u64 *)&be->rings[i].st;
		sum += READ_ONCE(v[idx]);
		v = (const u64 *)&be->rings[i].cst;
		sum += READ_ONCE(v[idx]);
	}
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%llu\n", sum);
}

/*
 * A gauge summed over the device's rings: @get reads one ring's share.
 * be->lock keeps the rings from being freed meanwhile.
 */
static ssize_t xbb_rings_sum_show(struct device *d, char *buf,
				  unsigned int (*get)(const struct xbb_ring *))
{
	struct xbb_device *be = dev_get_drvdata(d);
	unsigned int i, sum = 0;

	if (!be)
		return -ENODEV;
	mutex_lock(&be->lock);
	for (i = 0; i < be->nr_rings; i++)
		sum += get(&be->rings[i]);
	mutex_unlock(&be->lock);
	return sysfs_emit(buf, "%u\n", sum);
}

static unsigned int xbb_ring_pgrants(const struct xbb_ring *ring)
{
	return READ_ONCE(ring->gcache.count);
}

static ssize_t persistent_grants_show(struct device *d,
				      struct device_attribute *attr, char *buf)
{
	return xbb_rings_sum_show(d, buf, xbb_ring_pgrants);
}
static DEVICE_ATTR_RO(persistent_grants);

/* A ring whose request slots are not allocated yet has no pool either. */
static unsigned int xbb_ring_pool_pages(const struct xbb_ring *ring)
{
	return ring->reqs ? READ_ONCE(ring->pool.num_pages) : 0;
}

static ssize_t pool_pages_show(struct device *d, struct device_attribute *attr,
			       char *buf)
{
	return xbb_rings_sum_show(d, buf, xbb_ring_pool_pages);
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
	&xbb_counter_attrs[0].attr,
	&xbb_counter_attrs[1].attr,
	&xbb_counter_attrs[2].attr,
	&xbb_counter_attrs[3].attr,
	&xbb_counter_attrs[4].attr,
	&xbb_counter_attrs[5].attr,
	&xbb_counter_attrs[6].attr,
	&dev_attr_persistent_grants.attr,
	&xbb_counter_attrs[7].attr,
	&xbb_counter_attrs[8].attr,
	&xbb_counter_attrs[9].attr,
	&xbb_counter_attrs[10].attr,
	&xbb_counter_attrs[11].attr,
	&xbb_counter_attrs[12].attr,
	&xbb_counter_attrs[13].attr,
	&xbb_counter_attrs[14].attr,
	&dev_attr_pool_pages.attr,
	&dev_attr_squeezes.attr,
	NULL
};

/* Every counter, the three gauges and the terminating NULL. */
static_assert(ARRAY_SIZE(xbb_stat_attrs) ==
	      ARRAY_SIZE(xbb_counter_attrs) + 3 + 1);

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

/* The driver's own directory, /sys/bus/xen-backend/drivers/vbd. */
static ssize_t grant_pages_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%ld\n", xbb_pool_pages_held());
}
static DRIVER_ATTR_RO(grant_pages);

static struct attribute *xbb_drv_attrs[] = {
	&driver_attr_grant_pages.attr,
	NULL
};

static const struct attribute_group xbb_drv_group = {
	.attrs = xbb_drv_attrs,
};

const struct attribute_group *xbb_drv_groups[] = {
	&xbb_drv_group,
	NULL
};
