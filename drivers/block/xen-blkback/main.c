// SPDX-License-Identifier: GPL-2.0
/*
 * xen-blkback: module initialisation and parameters.
 */

/**
 * DOC: theory of operation
 *
 * xen-blkback exports a block device of the backend domain (usually dom0)
 * to a paravirtualised guest through the blkif protocol.  The toolstack
 * creates a "vbd" device in xenstore; the hotplug script writes the
 * backing device's major:minor into ``physical-device``; the guest's
 * frontend publishes one shared ring and event channel per queue.
 *
 * State machine (backend side, as seen in xenstore)::
 *
 *   probe ---------------------> InitWait     features written
 *   frontend Initialised/Connected
 *     and physical-device known -> Connected  rings mapped, threads run
 *   frontend Closing -----------> Closing
 *   frontend Closed ------------> Closed      rings torn down, I/O drained
 *   frontend Initialising while Closed -> InitWait (reconnect)
 *   frontend Closed/Unknown, device offline -> device unregistered
 *   unbind or module unload ----> (unchanged) rings torn down, I/O answered
 *   probe, frontend Connected --> InitWait -> Connected: rings taken over
 *                                 at their indexes (live update)
 *
 * Each queue (&struct xbb_ring) has its own shared ring, late-EOI event
 * channel, kernel thread, persistent grant cache, page pool, request
 * slots and counters; the I/O path takes no lock shared between queues.
 *
 * Request path, all in the ring thread: copy the slot out of the shared
 * ring once (converting the 32- or 64-bit x86 layout), validate the private
 * copy (validate.c, the single gate for guest input), copy indirect
 * segment descriptors out of their mapped pages and validate them, map the
 * data grants (grant_cache.c: persistent grants are looked up in the
 * ring's tree; misses are batch-mapped into pool pages and kept if the
 * cache is under max_persistent_grants), then build and submit bios.
 *
 * Completion: the last bio of a request puts it on the ring's done list and
 * wakes the thread, which unmaps the per-request grants, releases the
 * persistent ones and writes the response field by field into the ring.
 * Unmapping before answering means the frontend never sees a response for
 * a page still mapped by us.
 *
 * Housekeeping, also in the ring thread and at least every 100 ms: the
 * LRU purge of persistent grants every lru_interval, trimming the page
 * pool to max_buffer_pages (or to zero during a memory-pressure squeeze),
 * online resize detection and optional statistics logging.
 *
 * Teardown stops the thread, waits until no bio is outstanding, answers
 * and unmaps what completed, unbinds the event channel, unmaps every
 * persistent grant and frees the pool, then unmaps the shared ring.  Every
 * step is idempotent and leaves pointers cleared.
 */

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <xen/xen.h>

#include "common.h"

/* The tracepoints of trace.h are instantiated here, once per module. */
#define CREATE_TRACE_POINTS
#include "trace.h"

unsigned int xbb_max_pgrants = 1056;
unsigned int xbb_lru_interval_ms = 100;
unsigned int xbb_lru_num_clean = 53;
unsigned int xbb_pgrant_timeout_s = 60;
unsigned int xbb_max_buffer_pages = 1024;
unsigned int xbb_squeeze_ms = 10;
unsigned int xbb_max_queues;
unsigned int xbb_max_ring_order = XENBUS_MAX_RING_GRANT_ORDER;
bool xbb_log_stats;
bool xbb_feature_persistent = true;

static int xbb_param_set_range(const char *val, const struct kernel_param *kp,
			       unsigned int min, unsigned int max)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err)
		return err;
	if (v < min || v > max)
		return -ERANGE;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int xbb_set_count(const char *val, const struct kernel_param *kp)
{
	return xbb_param_set_range(val, kp, 0, INT_MAX);
}

static int xbb_set_positive(const char *val, const struct kernel_param *kp)
{
	return xbb_param_set_range(val, kp, 1, INT_MAX);
}

static int xbb_set_interval(const char *val, const struct kernel_param *kp)
{
	return xbb_param_set_range(val, kp, 1, 60 * MSEC_PER_SEC);
}

static int xbb_set_queues(const char *val, const struct kernel_param *kp)
{
	return xbb_param_set_range(val, kp, 0, XBB_MAX_QUEUES_LIMIT);
}

static const struct kernel_param_ops xbb_count_ops = {
	.set = xbb_set_count,
	.get = param_get_uint,
};

static const struct kernel_param_ops xbb_positive_ops = {
	.set = xbb_set_positive,
	.get = param_get_uint,
};

static const struct kernel_param_ops xbb_interval_ops = {
	.set = xbb_set_interval,
	.get = param_get_uint,
};

static const struct kernel_param_ops xbb_queues_ops = {
	.set = xbb_set_queues,
	.get = param_get_uint,
};

module_param_cb(max_persistent_grants, &xbb_count_ops, &xbb_max_pgrants, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Persistent grants kept mapped per queue (0..INT_MAX, default 1056); a lowered value is reached within one lru_interval");

module_param_cb(lru_interval, &xbb_interval_ops, &xbb_lru_interval_ms, 0644);
MODULE_PARM_DESC(lru_interval,
		 "Interval between LRU purges of persistent grants in ms (1..60000, default 100)");

module_param_cb(lru_num_clean, &xbb_positive_ops, &xbb_lru_num_clean, 0644);
MODULE_PARM_DESC(lru_num_clean,
		 "Persistent grants dropped per LRU purge beyond the excess (1..INT_MAX, default 53 = 5% of 1056)");

module_param_cb(persistent_grant_unused_seconds, &xbb_count_ops,
		&xbb_pgrant_timeout_s, 0644);
MODULE_PARM_DESC(persistent_grant_unused_seconds,
		 "Unmap persistent grants unused for this many seconds (0 = never, default 60)");

module_param_cb(max_buffer_pages, &xbb_count_ops, &xbb_max_buffer_pages, 0644);
MODULE_PARM_DESC(max_buffer_pages,
		 "Free pages kept in each queue's pool (0..INT_MAX, default 1024)");

module_param_cb(buffer_squeeze_duration_ms, &xbb_count_ops, &xbb_squeeze_ms,
		0644);
MODULE_PARM_DESC(buffer_squeeze_duration_ms,
		 "Duration in ms of emptying page pools after dom0 memory pressure (0..INT_MAX, default 10)");

module_param_cb(max_queues, &xbb_queues_ops, &xbb_max_queues, 0644);
MODULE_PARM_DESC(max_queues,
		 "Maximum queues per device offered to frontends (0 = online CPUs, 1..256, default 0); read at probe");

module_param_named(max_ring_page_order, xbb_max_ring_order, uint, 0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Maximum order of pages per shared ring (0..4, default 4)");

module_param_named(log_stats, xbb_log_stats, bool, 0644);
MODULE_PARM_DESC(log_stats, "Log per-queue statistics every 10 s (default N)");

module_param_named(feature_persistent, xbb_feature_persistent, bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to frontends (default Y); sampled at each connect");

/**
 * xbb_effective_max_queues() - queues a new device may offer
 *
 * Context: any.
 * Return: max_queues, or the number of online CPUs when it is 0, at most
 * the number of online CPUs and at least 1.
 */
unsigned int xbb_effective_max_queues(void)
{
	unsigned int cpus = num_online_cpus();
	unsigned int q = READ_ONCE(xbb_max_queues);

	if (!q || q > cpus)
		q = cpus;
	return max(q, 1U);
}

static int __init xbb_init(void)
{
	if (!xen_domain())
		return -ENODEV;

	if (xbb_max_ring_order > XENBUS_MAX_RING_GRANT_ORDER) {
		pr_info("max_ring_page_order %u too large, using %u\n",
			xbb_max_ring_order, XENBUS_MAX_RING_GRANT_ORDER);
		xbb_max_ring_order = XENBUS_MAX_RING_GRANT_ORDER;
	}

	return xbb_xenbus_init();
}
module_init(xbb_init);

static void __exit xbb_exit(void)
{
	xbb_xenbus_exit();
}
module_exit(xbb_exit);

MODULE_DESCRIPTION("Xen PV block device backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vbd");
