/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version compatibility for xen-blkback and xen-blkfront.
 *
 * Kbuild force-includes this header ahead of every source file of both
 * modules, so it is the one place that looks at LINUX_VERSION_CODE.  The
 * drivers are written against the interfaces of the newest kernel we
 * build for; each section below provides one of those interfaces on the
 * older kernel, in terms of what that kernel has, and names the release
 * that introduced it.
 *
 * Built for (W=1, warning-free): Debian's 6.1 and 6.12 kernels; the lab
 * runs 6.1.  The kernels in between are refused: several of the
 * interfaces below changed more than once there (the block device open
 * calls in 6.5, 6.7 and 6.9, the queue limits from 6.9 to 6.11), and no
 * shim was written or tried for those intermediate forms.  Kernels after
 * 6.12 are let through but were never built.
 */
#ifndef XEN_BLK_COMPAT_H
#define XEN_BLK_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0))
#error "xen-blk: Linux 6.1.y or 6.12 (or later, untried) required"
#endif

#endif /* XEN_BLK_COMPAT_H */
