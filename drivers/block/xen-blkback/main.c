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
 * cache is under max_persistent_grants; without persistent grants the
 * requests of one pass share one map hypercall), then build and submit
 * bios.  A
 * WRITE_BARRIER is submitted once every earlier request has completed, and
 * the next request is read once it has.  A queue whose frontend moves the
 * producer index more than a ring ahead, or sends 256 malformed requests
 * in a row, is halted until the frontend reconnects; messages about a
 * device's requests are ratelimited per device.
 *
 * Completion: a request whose grants are all persistent (or that has none)
 * is answered where its last bio completes, under the ring's response
 * lock.  One holding per-request mappings is unmapped from there with
 * gnttab_unmap_refs_async() and answered when that unmap is done, so the
 * frontend never sees a response for a page still mapped by us.  A
 * request that completes inside the thread's own submission (a device
 * that completes in its submit path), or for whose unmap no memory can
 * be had, goes to the ring's done list instead, where the thread unmaps
 * the mappings of many requests in one hypercall at the end of its pass.
 *
 * Housekeeping, also in the ring thread and at least every 100 ms: the
 * LRU purge of persistent grants every lru_interval, trimming the page
 * pool to max_buffer_pages (or to zero during a memory-pressure squeeze),
 * online resize detection and optional statistics logging.
 *
 * Teardown stops the thread, waits until no bio is outstanding, answers
 * and unmaps what completed, unbinds the event channel, unmaps every
 * persistent grant and frees the pool, then unmaps the shared ring.  Every
 * step is idempotent and leaves pointers cleared.  When the frontend has
 * closed or is gone and bios are outstanding, the wait is not done in the
 * xenwatch thread but on a workqueue (xenbus.c, xbb_teardown_async()).
 */

#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include <xen/xen.h>

#include <xen-blkif/param.h>

#include "common.h"

/* The tracepoints of trace.h are instantiated here, once per module. */
#define CREATE_TRACE_POINTS
#include "trace.h"

unsigned int xbb_max_pgrants = 1056;
unsigned int xbb_lru_interval_ms = 100;
unsigned int xbb_lru_num_clean;
unsigned int xbb_pgrant_timeout_s = 60;
unsigned int xbb_max_buffer_pages = 1024;
unsigned int xbb_squeeze_ms = 10;
unsigned int xbb_max_queues;
unsigned int xbb_max_ring_order = XENBUS_MAX_RING_GRANT_ORDER;
bool xbb_log_stats;
unsigned int xbb_poll_us = 20;
bool xbb_feature_persistent = true;

/*
 * Every parameter is checked once, when it is set (at load or through
 * sysfs); the rest of the driver reads the stored value as it is.
 * Runtime-writable parameters refuse a value out of range with -EINVAL and
 * say why; the load-time max_ring_page_order caps, as the in-tree driver
 * does, so that a configuration written for it still loads.
 */
/* A sysfs write ends in a newline; the message shows the value without. */
static int xbb_param_refuse(const struct kernel_param *kp, const char *val,
			    const char *why)
{
	pr_warn("%s=%.*s refused: %s\n", kp->name, (int)strcspn(val, "\n"),
		val, why);
	return -EINVAL;
}

static int xbb_param_set_range(const char *val, const struct kernel_param *kp,
			       unsigned int min, unsigned int max)
{
	char why[48];
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < min || v > max) {
		snprintf(why, sizeof(why), "must be %u..%u", min, max);
		return xbb_param_refuse(kp, val, why);
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static int xbb_set_ring_order(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v))
		return xbb_param_refuse(kp, val, "not a number");
	if (v > XENBUS_MAX_RING_GRANT_ORDER) {
		pr_info("%s=%u capped at %u\n", kp->name, v,
			XENBUS_MAX_RING_GRANT_ORDER);
		v = XENBUS_MAX_RING_GRANT_ORDER;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

XENBLK_PARAM_UINT_OPS(xbb_count_ops, xbb_param_set_range, 0, INT_MAX);
XENBLK_PARAM_UINT_OPS(xbb_interval_ops, xbb_param_set_range,
		      1, 60 * MSEC_PER_SEC);
XENBLK_PARAM_UINT_OPS(xbb_queues_ops, xbb_param_set_range,
		      0, XBB_MAX_QUEUES_LIMIT);

XENBLK_PARAM_UINT_OPS(xbb_poll_ops, xbb_param_set_range, 0, 1000);

static const struct kernel_param_ops xbb_ring_order_ops = {
	.set = xbb_set_ring_order,
	.get = param_get_uint,
};

module_param_cb(max_persistent_grants, &xbb_count_ops, &xbb_max_pgrants, 0644);
MODULE_PARM_DESC(max_persistent_grants,
		 "Persistent grants kept mapped per queue (grants, 0..INT_MAX, default 1056); a lowered value is reached within one lru_interval");

module_param_cb(lru_interval, &xbb_interval_ops, &xbb_lru_interval_ms, 0644);
MODULE_PARM_DESC(lru_interval,
		 "Interval between LRU purges of persistent grants in ms (1..60000, default 100)");

module_param_cb(lru_num_clean, &xbb_count_ops, &xbb_lru_num_clean, 0644);
MODULE_PARM_DESC(lru_num_clean,
		 "Persistent grants dropped per LRU purge beyond the excess (grants, 0..INT_MAX, default 0 = 5% of max_persistent_grants, at least 1)");

module_param_cb(persistent_grant_unused_seconds, &xbb_count_ops,
		&xbb_pgrant_timeout_s, 0644);
MODULE_PARM_DESC(persistent_grant_unused_seconds,
		 "Unmap persistent grants unused for this many seconds (s, 0..INT_MAX, 0 = never, default 60)");

module_param_cb(max_buffer_pages, &xbb_count_ops, &xbb_max_buffer_pages, 0644);
MODULE_PARM_DESC(max_buffer_pages,
		 "Free pages kept in each queue's pool (pages, 0..INT_MAX, default 1024)");

module_param_cb(buffer_squeeze_duration_ms, &xbb_count_ops, &xbb_squeeze_ms,
		0644);
MODULE_PARM_DESC(buffer_squeeze_duration_ms,
		 "Duration of emptying page pools after dom0 memory pressure (ms, 0..INT_MAX, default 10)");

module_param_cb(max_queues, &xbb_queues_ops, &xbb_max_queues, 0644);
MODULE_PARM_DESC(max_queues,
		 "Maximum queues per device offered to frontends (queues, 0..256, 0 = online CPUs, default 0); read at probe");

module_param_cb(max_ring_page_order, &xbb_ring_order_ops, &xbb_max_ring_order,
		0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Maximum log2 of the pages per shared ring offered to frontends (0..4, larger is capped; default 4); load time only");

module_param_cb(poll_us, &xbb_poll_ops, &xbb_poll_us, 0644);
MODULE_PARM_DESC(poll_us,
		 "Microseconds a queue's thread watches its ring for more requests after serving some, before it sleeps; backs off while watches find nothing (0..1000, default 20; 0: off)");
module_param_named(log_stats, xbb_log_stats, bool, 0644);
MODULE_PARM_DESC(log_stats, "Log per-queue statistics every 10 s (bool, default N)");

module_param_named(feature_persistent, xbb_feature_persistent, bool, 0644);
MODULE_PARM_DESC(feature_persistent,
		 "Offer persistent grants to frontends (bool, default Y); sampled at each connect");

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

	return xbb_xenbus_init();
}
module_init(xbb_init);

static void __exit xbb_exit(void)
{
	long held;

	xbb_xenbus_exit();
	/* Every device is gone: a page still counted was never freed. */
	held = xbb_pool_pages_held();
	if (held)
		pr_err("xen-blkback: %ld grant pages still held at unload: leaked\n",
		       held);
}
module_exit(xbb_exit);

MODULE_DESCRIPTION("Xen PV block device backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:vbd");
