/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: private definitions shared by the driver's files.
 */
#ifndef XEN_BLKBACK_COMMON_H
#define XEN_BLKBACK_COMMON_H

#include <linux/blkdev.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/ring.h>

#include <xen-blkback/gcache.h>
#include <xen-blkback/pool.h>
#include <xen-blkback/validate.h>

/*
 * Ring layouts of the two x86 ABIs.  The public header only describes the
 * layout native to the kernel being built, so a 64-bit backend serving a
 * 32-bit frontend needs the other one spelt out.  Sizes and offsets are
 * checked at build time in validate.c.
 */
struct xbb_x86_32_req_rw {
	u8 nr_segments;
	blkif_vdev_t handle;
	u64 id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct xbb_x86_32_req_discard {
	u8 flag;
	blkif_vdev_t _pad1;
	u64 id;
	blkif_sector_t sector_number;
	u64 nr_sectors;
} __packed;

struct xbb_x86_32_req_other {
	u8 _pad1;
	blkif_vdev_t _pad2;
	u64 id;
} __packed;

struct xbb_x86_32_req_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	u16 _pad1;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u64 _pad2;
} __packed;

struct xbb_x86_32_request {
	u8 operation;
	union {
		struct xbb_x86_32_req_rw rw;
		struct xbb_x86_32_req_discard discard;
		struct xbb_x86_32_req_other other;
		struct xbb_x86_32_req_indirect indirect;
	} u;
} __packed;

struct xbb_x86_32_response {
	u64 id;
	u8 operation;
	u8 _pad;
	s16 status;
} __packed __aligned(4);

struct xbb_x86_64_req_rw {
	u8 nr_segments;
	blkif_vdev_t handle;
	u32 _pad1;
	u64 id;
	blkif_sector_t sector_number;
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __packed;

struct xbb_x86_64_req_discard {
	u8 flag;
	blkif_vdev_t _pad1;
	u32 _pad2;
	u64 id;
	blkif_sector_t sector_number;
	u64 nr_sectors;
} __packed;

struct xbb_x86_64_req_other {
	u8 _pad1;
	blkif_vdev_t _pad2;
	u32 _pad3;
	u64 id;
} __packed;

struct xbb_x86_64_req_indirect {
	u8 indirect_op;
	u16 nr_segments;
	u32 _pad1;
	u64 id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	u16 _pad2;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	u32 _pad3;
} __packed;

struct xbb_x86_64_request {
	u8 operation;
	union {
		struct xbb_x86_64_req_rw rw;
		struct xbb_x86_64_req_discard discard;
		struct xbb_x86_64_req_other other;
		struct xbb_x86_64_req_indirect indirect;
	} u;
} __packed;

struct xbb_x86_64_response {
	u64 id;
	u8 operation;
	u8 _pad1;
	s16 status;
	u32 _pad2;
} __aligned(8);

/* Only the indices of this ring type are ever used. */
struct xbb_common_request {
	char unused;
};

struct xbb_common_response {
	char unused;
};

DEFINE_RING_TYPES(xbb_common, struct xbb_common_request,
		  struct xbb_common_response);
DEFINE_RING_TYPES(xbb_x86_32, struct xbb_x86_32_request,
		  struct xbb_x86_32_response);
DEFINE_RING_TYPES(xbb_x86_64, struct xbb_x86_64_request,
		  struct xbb_x86_64_response);

union xbb_back_rings {
	struct blkif_back_ring native;
	struct xbb_common_back_ring common;
	struct xbb_x86_32_back_ring x86_32;
	struct xbb_x86_64_back_ring x86_64;
};

enum xbb_protocol {
	XBB_PROTO_NATIVE = 1,
	XBB_PROTO_X86_32,
	XBB_PROTO_X86_64,
};

#define XBB_INVALID_HANDLE	((grant_handle_t)~0U)
/* Grants mapped or unmapped with one hypercall batch. */
#define XBB_BATCH		32
/*
 * Malformed requests (EINVAL: a bad segment count, a segment outside its
 * page, an indirect descriptor that is not) a queue answers in a row, with
 * no request accepted in between, before it is halted until the frontend
 * reconnects.  Well above what a correct frontend sends (none), it bounds
 * what a broken or hostile one costs the ring thread and the log.
 */
#define XBB_MALFORMED_RUN_MAX	256

/* The ring thread wakes up at least this often for housekeeping. */
#define XBB_HOUSEKEEPING_MS	100
#define XBB_STATS_INTERVAL	(10 * HZ)

/**
 * struct xbb_stats - per-ring counters
 *
 * The order of the fields is the order of the counter attributes in
 * sysfs.c, which finds a field by the position of its attribute.
 *
 * Written by the ring thread only (or by teardown once the thread is gone),
 * so no atomics on the I/O path; readers sum the rings with READ_ONCE().
 * The few counted outside the thread go to a second set, &xbb_ring.cst,
 * under the ring's done_lock.
 * The field names follow the sysfs files of the same names.
 *
 * @oo_req: times request reading stopped for lack of a request slot
 * @rd_req: read requests submitted
 * @wr_req: write requests submitted
 * @f_req: flush and barrier requests submitted
 * @ds_req: discard requests
 * @rd_sect: sectors read
 * @wr_sect: sectors written
 * @pgrant_hits: grants found in the persistent grant cache
 * @pgrant_misses: grants looked up and not found there
 * @grants_mapped: grant mappings made
 * @grants_unmapped: grant mappings removed
 * @grants_purged: persistent grants dropped by the LRU or idle timeout
 * @unmaps_deferred: asynchronous unmaps retried later because the block
 *		     layer still held one of their pages
 * @poll_hits: times watching the ring after a pass (poll_us), or the
 *	       final check after it, found more requests
 * @poll_misses: such watches that found none (dom0 CPU spent in vain)
 */
struct xbb_stats {
	u64 oo_req;
	u64 rd_req;
	u64 wr_req;
	u64 f_req;
	u64 ds_req;
	u64 rd_sect;
	u64 wr_sect;
	u64 pgrant_hits;
	u64 pgrant_misses;
	u64 grants_mapped;
	u64 grants_unmapped;
	u64 grants_purged;
	u64 unmaps_deferred;
	u64 poll_hits;
	u64 poll_misses;
};

/**
 * struct xbb_pgnt - a persistently mapped grant
 * @g: policy state and tree link (include/xen-blkback/gcache.h)
 * @page: page the grant is mapped into
 * @handle: grant handle for the unmap
 */
struct xbb_pgnt {
	struct xbb_gnode g;
	struct page *page;
	grant_handle_t handle;
};

/**
 * struct xbb_map - mapping state of one granted page of a request
 * @page: page the grant is mapped into, NULL if none was taken
 * @pgnt: the persistent grant used, NULL for a per-request mapping
 * @gref: grant reference (private copy)
 * @handle: handle of a per-request mapping, or XBB_INVALID_HANDLE
 */
struct xbb_map {
	struct page *page;
	struct xbb_pgnt *pgnt;
	grant_ref_t gref;
	grant_handle_t handle;
};

/* Grants a request's own unmap record holds: a request without indirect segments. */
#define XBB_UNMAP_OWN	BLKIF_MAX_SEGMENTS_PER_REQUEST

/*
 * Bio vectors each request slot carries for its own bio: one 64 KiB
 * request of 4 KiB pages.  Larger requests allocate their bio.
 */
#define XBB_INLINE_VECS	16

/**
 * struct xbb_unmap - grants unmapped without waiting, and the requests
 *	answered once they are
 * @data: what gnttab_unmap_refs_async() works on
 * @ring: owning ring
 * @reqs: requests whose per-request mappings are all in this unmap
 * @inflight: the request of @reqs still counts in the ring's @inflight
 *	(a completion's unmap); otherwise the unmap counts in
 *	@unmaps_pending (the ring thread's batches)
 * @allocated: kmalloc()ed and freed once done; otherwise the one a
 *	request holds for itself (&struct xbb_req.unmap)
 * @ops: unmap operations, @data.count of them
 * @pages: the pages those grants are mapped into
 *
 * A page that went to the block layer can still be referenced after the
 * bio completed (a network block device may hold it for a retransmit).
 * gnttab_unmap_refs_async() then retries later, from a workqueue, instead
 * of unmapping a page in use; the ring thread goes on serving the ring
 * meanwhile, and only the requests of this unmap wait for their answers.
 */
struct xbb_unmap {
	struct gntab_unmap_queue_data data;
	struct xbb_ring *ring;
	struct list_head reqs;
	bool inflight;
	bool allocated;
	struct gnttab_unmap_grant_ref *ops;
	struct page **pages;
};

/**
 * struct xbb_req - one request being served
 * @ring: owning ring
 * @node: link in the ring's free list or done list
 * @id: frontend's id, echoed in the response
 * @operation: operation as found on the ring
 * @data_op: the operation performed (indirect resolved), echoed in the
 *	     response as frontends expect
 * @status: BLKIF_RSP_* to report; set to an error by a failing bio
 * @nr_segs: segments in @segs and @maps
 * @sectors: sectors the segments transfer (xbb_check_data())
 * @pending: bios in flight plus one while submitting
 * @hdr: private copy of the request header
 * @segs: private copy of the segment descriptors
 * @maps: mapping state per segment
 * @indirect: mapping state of the indirect pages
 * @unmap: the record that unmaps this request's per-request mappings
 *	   from its completion (xbb_release_async()), or those of a batch
 *	   of done requests it heads (xbb_release_done()), so that none need
 *	   be allocated: for up to %XBB_UNMAP_OWN of them, in @unmap_ops and
 *	   @unmap_pages
 * @unmap_ops: see @unmap
 * @unmap_pages: see @unmap
 * @bio: the bio of a request of at most %XBB_INLINE_VECS segments, or of
 *	 a flush without data, so that most requests allocate none
 * @bvecs: @bio's vectors
 */
struct xbb_req {
	struct xbb_ring *ring;
	struct list_head node;
	u64 id;
	u8 operation;
	u8 data_op;
	int status;
	unsigned int nr_segs;
	u64 sectors;
	atomic_t pending;
	struct xenblk_req_hdr hdr;
	struct xenblk_seg segs[XBB_MAX_INDIRECT_SEGS];
	struct xbb_map maps[XBB_MAX_INDIRECT_SEGS];
	struct xbb_map indirect[XENBLK_MAX_INDIRECT_PAGES];
	struct xbb_unmap unmap;
	struct gnttab_unmap_grant_ref unmap_ops[XBB_UNMAP_OWN];
	struct page *unmap_pages[XBB_UNMAP_OWN];
	struct bio bio;
	struct bio_vec bvecs[XBB_INLINE_VECS];
};

/* Bits in &struct xbb_ring.flags */
enum {
	XBB_RING_KICK,		/* the frontend notified us */
	XBB_RING_EOI,		/* an event awaits its late EOI */
	XBB_RING_CONSUMING,	/* the thread is in xbb_process_ring() */
	XBB_RING_CLOSING,	/* being torn down: consume nothing more */
};

/**
 * struct xbb_ring - one queue: shared ring, event channel, thread, caches
 * @be: owning device
 * @index: queue number
 * @rings: the shared ring in the negotiated ABI
 * @ring_area: mapping of the shared ring pages
 * @irq: event channel IRQ, 0 when unbound
 * @thread: ring thread, NULL when not running
 * @wq: the ring thread waits here for work
 * @flags: XBB_RING_* bits, set from the IRQ handler
 * @halted: the frontend broke the protocol; no further requests are read
 * @malformed_run: malformed requests since the last one accepted
 * @poll_cons: request consumer when the ring was last polled (poll_us)
 * @poll_miss_run: watches in a row that found nothing (poll_misses)
 * @poll_skip: passes left to go without a watch (back-off)
 * @starved: request consumption stopped for lack of a free &struct xbb_req
 * @eoi_flags: flags for the next late EOI
 * @reqs: request slots, one per ring entry
 * @nr_reqs: entries in @reqs
 * @free_reqs: unused request slots
 * @gcache: persistent grants
 * @pool: free pages to map grants into
 * @squeeze: memory-pressure squeeze state
 * @squeeze_seen: last device squeeze generation acted upon
 * @next_lru: next LRU purge (jiffies)
 * @next_idle_scan: next look for idle persistent grants (jiffies)
 * @next_stats: next log_stats print (jiffies)
 * @st: counters
 * @map_ops: scratch for batched grant maps
 * @map_n: entries of @map_ops queued and not yet mapped (xbb_map_queue());
 *	   the scratch arrays are not used for anything else meanwhile
 * @unmap_ops: scratch for batched grant unmaps
 * @unmap_data: the request to unmap @unmap_ops (gnttab_unmap_refs_sync()
 *		initialises a delayed work in it, which must not live on a
 *		stack: debug objects reports one that does)
 * @batch_pages: pages of the batch in @map_ops or @unmap_ops
 * @batch_maps: &struct xbb_map of each entry in @map_ops
 * @pool_pages: scratch for filling or trimming @pool in batches
 * @rsp_lock: serialises writing responses into the shared ring (ring
 *	      thread and bio completion); nests inside @done_lock
 * @done_lock: protects @done_list, @inflight, @free_reqs, @starved,
 *	       @unmaps_pending and @cst (taken from bio completion)
 * @done_list: requests whose I/O completed and whose grants need the
 *	       ring thread (per-request mappings to unmap) before the answer:
 *	       those that completed inside the thread's own submission,
 *	       and those whose completion had no memory for an unmap
 * @inflight: requests taken off the ring and not yet done with: counted
 *	      when the ring thread takes a slot for one, until it is
 *	      answered early or its last bio completes (the answer of an
 *	      unmapping request may come later: see @unmaps_pending)
 * @inflight_wq: teardown waits here for @inflight and @unmaps_pending to
 *		 reach zero
 * @unmaps_pending: asynchronous unmaps not yet done
 * @cst: the counters of asynchronous unmaps (grants_unmapped,
 *	 unmaps_deferred), which end outside the ring thread; sysfs adds
 *	 them to @st's
 *
 * A request whose grants are all persistent is answered from its bio
 * completion (the grants released, the response written under @rsp_lock,
 * the slot freed), without waking the thread.  So is a request whose
 * per-request mappings were unmapped asynchronously, from the end of
 * that unmap (grant_cache.c), which also gives its pages back to the
 * page pool (the pool has a lock of its own; pages are taken from it
 * only by the ring thread).  Everything else belongs to the ring thread:
 * the grant cache tree (see the concurrency note in
 * include/xen-blkback/gcache.h), the counters in @st and the request
 * consumer.  Teardown takes over once it has stopped the thread
 * and waited for @inflight and @unmaps_pending to reach zero.
 */
struct xbb_ring {
	struct xbb_device *be;
	unsigned int index;
	union xbb_back_rings rings;
	void *ring_area;
	unsigned int irq;
	struct task_struct *thread;
	wait_queue_head_t wq;
	unsigned long flags;
	bool halted;
	bool starved;
	unsigned int eoi_flags;
	unsigned int malformed_run;
	RING_IDX poll_cons;
	unsigned int poll_miss_run;
	unsigned int poll_skip;

	struct xbb_req *reqs;
	unsigned int nr_reqs;
	struct list_head free_reqs;
	struct xbb_gcache gcache;
	struct gnttab_page_cache pool;
	struct xbb_squeeze squeeze;
	unsigned int squeeze_seen;
	unsigned long next_lru;
	unsigned long next_idle_scan;
	unsigned long next_stats;
	struct xbb_stats st;

	struct gnttab_map_grant_ref map_ops[XBB_BATCH];
	unsigned int map_n;
	struct gnttab_unmap_grant_ref unmap_ops[XBB_BATCH];
	struct gntab_unmap_queue_data unmap_data;
	struct page *batch_pages[XBB_BATCH];
	struct xbb_map *batch_maps[XBB_BATCH];
	struct page *pool_pages[XBB_BATCH];

	spinlock_t rsp_lock;	/* response producer; thread and completion */
	spinlock_t done_lock;	/* completion side: see above */
	struct list_head done_list;
	unsigned int inflight;
	wait_queue_head_t inflight_wq;
	unsigned int unmaps_pending;
	struct xbb_stats cst;
};

/**
 * struct xbb_prev_adv - features a running frontend was offered
 * @persistent: feature-persistent
 * @flush: feature-flush-cache or feature-barrier
 * @discard: feature-discard
 * @discard_secure: discard-secure
 *
 * Read from our own xenstore directory, where the backend instance before
 * us (this driver or another) left them, when we are bound to a device
 * whose frontend is already Connected.  The frontend does not read them
 * again, so none may be withdrawn under it.
 */
struct xbb_prev_adv {
	bool persistent;
	bool flush;
	bool discard;
	bool discard_secure;
};

/**
 * struct xbb_device - one virtual block device (one xenbus "vbd" device)
 * @dev: xenbus device
 * @domid: frontend domain
 * @handle: virtual device number
 * @lock: protects @rings and @nr_rings against sysfs readers and reclaim
 *	  while the rings are allocated or freed; never held across I/O
 * @pdev_watch: watch on our physical-device key
 * @watching: @pdev_watch is registered
 * @bdev: backing device, NULL until physical-device was read
 * @bdev_handle: what closing @bdev takes (compat.h)
 * @major: backing device major number
 * @minor: backing device minor number
 * @size: backing device size in 512-byte sectors (last published)
 * @readonly: exported read-only (mode "r")
 * @cdrom: the frontend declared a cdrom
 * @flush: flush and barrier offered to the frontend in this connection
 * @flags: XBB_DEV_* bits
 * @flush_off: withdraws feature-flush-cache and feature-barrier from
 *	       xenstore once the backing device refused a flush
 * @td_lock: protects @td_pending and @td_removed
 * @td_pending: @td_work is queued or running
 * @td_removed: remove() has returned; @td_work frees the device
 * @td_work: teardown waiting for requests in flight, off xenwatch
 * @discard: DISCARD offered to the frontend in this connection
 * @discard_secure: secure DISCARD offered to the frontend
 * @rings: one per queue, NULL when disconnected
 * @nr_rings: entries in @rings
 * @nr_ring_pages: pages per shared ring
 * @protocol: ring ABI of the frontend
 * @persistent_adv: feature_persistent as sampled at this connect
 * @persistent: persistent grants in use on this connection
 * @max_queues: queues advertised at probe
 * @max_ring_order: ring page order advertised at probe
 * @live: probed under a frontend already Connected (the driver was
 *	  rebound or replaced): attach to its rings where they stand, and
 *	  keep what it was offered; cleared when that frontend closes
 * @refuse: the running frontend was offered more than this driver can
 *	    serve; the device is never connected
 * @unregistering: we are unregistering the device ourselves (the
 *		   frontend closed an offline device): no handover
 * @prev: what the previous backend instance advertised (with @live)
 * @squeeze_until: end of the current memory-pressure squeeze (jiffies)
 * @squeeze_gen: memory-pressure notifications received
 * @retired: counters of rings already torn down
 * @rs: ratelimit of the messages about this device (xbb_ring_err())
 * @name: "<domid>.<device>" (5.xvda), the prefix of its ring threads' names
 */
struct xbb_device {
	struct xenbus_device *dev;
	domid_t domid;
	unsigned int handle;
	char name[TASK_COMM_LEN];
	struct mutex lock;	/* rings, nr_rings vs sysfs and reclaim */
	struct xenbus_watch pdev_watch;
	bool watching;

	struct block_device *bdev;
	struct xen_blk_bdev_handle bdev_handle;
	unsigned int major;
	unsigned int minor;
	sector_t size;
	bool readonly;
	bool cdrom;
	bool flush;
	bool discard;
	bool discard_secure;
	unsigned long flags;
	struct work_struct flush_off;
	spinlock_t td_lock;	/* td_pending, td_removed */
	bool td_pending;
	bool td_removed;
	struct work_struct td_work;

	struct xbb_ring *rings;
	unsigned int nr_rings;
	unsigned int nr_ring_pages;
	enum xbb_protocol protocol;
	bool persistent_adv;
	bool persistent;
	unsigned int max_queues;
	unsigned int max_ring_order;
	bool live;
	bool refuse;
	bool unregistering;
	struct xbb_prev_adv prev;

	unsigned long squeeze_until;
	atomic_t squeeze_gen;
	struct xbb_stats retired;
	struct ratelimit_state rs;
};

/*
 * The backing device failed a flush with EOPNOTSUPP: flushes and barriers
 * are not offered again on this device (xbb_device.flags).
 */
#define XBB_DEV_FLUSH_REFUSED	0

/* Queues per device, whatever max_queues says. */
#define XBB_MAX_QUEUES_LIMIT	256

/* Module parameters (main.c) */
extern unsigned int xbb_max_pgrants;
extern unsigned int xbb_lru_interval_ms;
extern unsigned int xbb_lru_num_clean;
extern unsigned int xbb_pgrant_timeout_s;
extern unsigned int xbb_max_buffer_pages;
extern unsigned int xbb_squeeze_ms;
extern unsigned int xbb_max_queues;
extern unsigned int xbb_max_ring_order;
extern bool xbb_log_stats;
extern unsigned int xbb_poll_us;
extern bool xbb_feature_persistent;

unsigned int xbb_effective_max_queues(void);

/* xenbus.c */
int xbb_xenbus_init(void);
void xbb_xenbus_exit(void);
void xbb_check_resize(struct xbb_device *be);
void xbb_flush_refused(struct xbb_device *be);

/* ring.c */
void xbb_ring_init(struct xbb_ring *ring, struct xbb_device *be,
		   unsigned int index);
int xbb_ring_connect(struct xbb_ring *ring, grant_ref_t *grefs,
		     unsigned int nr_grefs, evtchn_port_t evtchn, bool attach);
int xbb_ring_start(struct xbb_ring *ring);
void xbb_ring_disconnect(struct xbb_ring *ring);

/* io.c */
bool xbb_process_ring(struct xbb_ring *ring);
bool xbb_ring_busy(struct xbb_ring *ring);
bool xbb_ring_close(struct xbb_ring *ring);
void xbb_finish_done(struct xbb_ring *ring);
void xbb_drain_done(struct xbb_ring *ring);
void xbb_answer_list(struct xbb_ring *ring, struct list_head *list);
bool __xbb_answer_list(struct xbb_ring *ring, struct list_head *list);
void __xbb_inflight_put(struct xbb_ring *ring);

/* grant_cache.c */
int xbb_map_grants(struct xbb_ring *ring, struct xbb_map *maps,
		   unsigned int nr, bool readonly);
int xbb_map_queue(struct xbb_ring *ring, struct xbb_map *maps,
		  unsigned int nr, bool readonly);
void xbb_map_flush(struct xbb_ring *ring);
bool xbb_maps_ok(const struct xbb_map *maps, unsigned int nr);
void xbb_release_grants(struct xbb_ring *ring, struct xbb_map *maps,
			unsigned int nr);
void xbb_release_done(struct xbb_ring *ring, struct list_head *done);
unsigned int xbb_unmaps_pending(struct xbb_ring *ring);
bool xbb_release_persistent(struct xbb_map *maps, unsigned int nr);
bool xbb_release_async(struct xbb_ring *ring, struct xbb_req *req);
void xbb_gcache_purge(struct xbb_ring *ring);
void xbb_gcache_free_all(struct xbb_ring *ring);

/* page_pool.c */
long xbb_pool_pages_held(void);
void xbb_pool_init(struct xbb_ring *ring);
int xbb_pool_get(struct xbb_ring *ring, struct page **page,
		 unsigned int want);
void xbb_pool_put(struct xbb_ring *ring, struct page **pages,
		  unsigned int nr);
void xbb_pool_trim(struct xbb_ring *ring);
void xbb_pool_destroy(struct xbb_ring *ring);
void xbb_reclaim_memory(struct xenbus_device *dev);

/* validate.c */
void xbb_copy_request(struct xbb_ring *ring, RING_IDX idx,
		      struct xenblk_req *dst);
int xbb_check_request(struct xbb_ring *ring, const struct xenblk_req *r,
		      struct xbb_req *req);
int xbb_copy_indirect_segs(struct xbb_ring *ring, struct xbb_req *req);
int xbb_check_data(struct xbb_ring *ring, struct xbb_req *req,
		   u64 *nr_sectors);
int xbb_parse_protocol(struct xbb_device *be, const char *proto,
		       enum xbb_protocol *out);

/* sysfs.c */
extern const struct attribute_group *xbb_dev_groups[];
extern const struct attribute_group *xbb_drv_groups[];
void xbb_stats_retire(struct xbb_device *be, const struct xbb_stats *st);

static inline struct device *xbb_dev(struct xbb_ring *ring)
{
	return &ring->be->dev->dev;
}

/*
 * Messages about a device's I/O and what its frontend sent are
 * ratelimited per device, not per call site: a frontend flooding one disk
 * with bad requests cannot hide what another disk's messages say.
 */
#define xbb_ring_msg(level, ring, fmt, ...)				\
	do {								\
		struct xbb_ring *__r = (ring);				\
									\
		if (__ratelimit(&__r->be->rs))				\
			dev_printk(level, xbb_dev(__r), fmt,		\
				   ##__VA_ARGS__);			\
	} while (0)
#define xbb_ring_err(ring, fmt, ...)	\
	xbb_ring_msg(KERN_ERR, ring, fmt, ##__VA_ARGS__)
#define xbb_ring_warn(ring, fmt, ...)	\
	xbb_ring_msg(KERN_WARNING, ring, fmt, ##__VA_ARGS__)

#endif /* XEN_BLKBACK_COMMON_H */
