/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters of both drivers: unsigned values with a range.
 *
 * Each driver has one policy for a value out of range (xen-blkback
 * refuses a runtime write, xen-blkfront caps a load-time value) and many
 * parameters that differ only in their range.  XENBLK_PARAM_UINT_OPS()
 * binds a policy to a range, so each parameter's checks read as one line.
 */
#ifndef XEN_BLKIF_PARAM_H
#define XEN_BLKIF_PARAM_H

#include <linux/moduleparam.h>

/**
 * XENBLK_PARAM_UINT_OPS() - define the ops of an unsigned int parameter
 * @ops: name of the &struct kernel_param_ops to define
 * @set_range: the driver's policy, called by .set as
 *	@set_range(val, kp, @min, @max); it stores the value or returns an
 *	error
 * @min: lowest value of the range
 * @max: highest value of the range
 *
 * Defines a static @ops whose .set passes the range to @set_range and
 * whose .get is param_get_uint(), for module_param_cb().
 */
#define XENBLK_PARAM_UINT_OPS(ops, set_range, min, max)			\
	static int ops##_set(const char *val, const struct kernel_param *kp) \
	{								\
		return set_range(val, kp, min, max);			\
	}								\
	static const struct kernel_param_ops ops = {			\
		.set = ops##_set,					\
		.get = param_get_uint,					\
	}

#endif /* XEN_BLKIF_PARAM_H */
