/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private declarations of the xen-blkfront driver.
 */
#ifndef XEN_BLKFRONT_H
#define XEN_BLKFRONT_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/interface/io/blkif.h>

#include <xen-blkfront/layout.h>
#include <xen-blkfront/validate.h>

#define BLKFRONT_NAME		"xen-blkfront"
#define BLKFRONT_NO_GREF	INVALID_GRANT_REF

/*
 * The page geometry of this kernel.  A constant, so that the layout
 * arithmetic of include/xen-blkfront/layout.h folds into shifts and
 * masks by known amounts on the I/O path.
 */
static const struct xbf_geom blkfront_geom __maybe_unused = {
	.page_shift = PAGE_SHIFT,
	.grant_shift = XEN_PAGE_SHIFT,
};

/* Module parameters (main.c). */
extern unsigned int blkfront_max_indirect_segments;
extern unsigned int blkfront_max_queues;
extern unsigned int blkfront_max_ring_page_order;
extern bool blkfront_trusted;
extern bool blkfront_feature_persistent;

/**
 * enum blkfront_state - connection state of a device
 * @BLKFRONT_DISCONNECTED: no rings; I/O fails
 * @BLKFRONT_CONNECTED: rings live, I/O flows
 * @BLKFRONT_SUSPENDED: rings torn down for a reconnect (save/restore);
 *	I/O waits and requests in flight are reissued once connected again
 * @BLKFRONT_ERROR: the backend misbehaved; the device fails all I/O
 */
enum blkfront_state {
	BLKFRONT_DISCONNECTED,
	BLKFRONT_CONNECTED,
	BLKFRONT_SUSPENDED,
	BLKFRONT_ERROR,
};

/**
 * struct blkfront_unit - one grant-sized piece of a pool page
 * @page: guest page the unit lives in
 * @offset: byte offset of the unit in @page
 * @gref: grant reference while granted, BLKFRONT_NO_GREF otherwise
 */
struct blkfront_unit {
	struct page *page;
	unsigned int offset;
	grant_ref_t gref;
};

/**
 * struct blkfront_pool - per-ring pool of zeroed, granted bounce units
 * @pages: guest pages carved into units
 * @nr_pages: entries of @pages
 * @units: all units, page by page
 * @nr_units: entries of @units
 * @free: LIFO stack of free units (most recently used on top)
 * @nr_free: units on @free
 * @nr_granted: units currently holding a grant reference
 *
 * With persistent grants, or a backend that is not trusted, all data
 * goes through these units and the request's own pages are never
 * granted; a unit then keeps its grant for the connection's lifetime, or
 * has it revoked when the request completes.  Otherwise the pool only
 * holds indirect frames (see &struct blkfront_info, @direct).
 * Protected by the owning ring's lock.
 */
struct blkfront_pool {
	struct page **pages;
	unsigned int nr_pages;
	struct blkfront_unit *units;
	unsigned int nr_units;
	struct blkfront_unit **free;
	unsigned int nr_free;
	unsigned int nr_granted;
};

/**
 * struct blkfront_use - one data grant of a ring slot
 * @unit: pool unit carrying the data; NULL if @page itself is granted
 * @page: guest page the data belongs to
 * @off: offset of the data in @page
 * @len: bytes
 * @gref: grant of @page's Xen page holding the data when @unit is NULL
 *	(we then hold a reference to @page); BLKFRONT_NO_GREF once revoked
 */
struct blkfront_use {
	struct blkfront_unit *unit;
	struct page *page;
	unsigned int off;
	unsigned int len;
	grant_ref_t gref;
};

/**
 * struct blkfront_shadow - our private record of one ring slot
 * @rq: block request this slot belongs to; NULL when the slot is free
 * @op: operation we sent
 * @indirect_op: operation inside an indirect request
 * @nr_uses: data grants in @uses
 * @nr_indirect: indirect frames in @indirect
 * @next_free: free-list link while the slot is free
 * @submit_ns: when the slot went on the ring (ktime_get_ns()), for the
 *	latency of the xen_blkfront_complete event; 0 when that event is off
 * @uses: data grants of this slot
 * @indirect: indirect frames of this slot
 */
struct blkfront_shadow {
	struct request *rq;
	u8 op;
	u8 indirect_op;
	unsigned int nr_uses;
	unsigned int nr_indirect;
	unsigned int next_free;
	u64 submit_ns;
	struct blkfront_use *uses;
	struct blkfront_unit *indirect[XENBLK_MAX_INDIRECT_PAGES];
};

struct blkfront_info;

/**
 * struct blkfront_ring - one shared ring, its event channel and its pool
 * @info: owning device
 * @index: queue number
 * @lock: protects everything below that changes at run time: the front
 *	ring, @live, the shadows, the pool and the counters.  Taken in
 *	->queue_rq and in the interrupt handler (irqsave).
 * @live: the ring is connected and may be used
 * @ring: front ring
 * @sring: shared ring pages
 * @refs: grant references of the ring pages
 * @evtchn: event channel
 * @irq: Linux irq bound to @evtchn (late EOI), 0 if none
 * @shadow: one entry per ring slot
 * @uses: storage for the shadows' data grant records
 * @shadow_free: head of the free slot list, @ring_size if empty
 * @pool: bounce units
 * @hctx_stopped: ->queue_rq stopped a hardware queue served by this
 *	ring; the interrupt handler restarts the stopped queues only then,
 *	not on every pass (that walk is per hardware queue)
 * @callback: grant-reference shortage callback
 * @restart_work: restarts the queues once references are back
 * @stat_reqs: requests submitted
 * @stat_slots: ring slots used
 * @stat_new_grants: grant references claimed (persistent: first uses)
 * @stat_notify: notifications sent to the backend
 * @stat_irqs: interrupts taken
 * @stat_spurious: interrupts that found no response
 * @spurious_run: spurious interrupts in a row (xbf_storm_note())
 * @stat_storms: event storms named
 * @stat_rsps: responses consumed
 * @stat_rw_reqs: read and write requests submitted
 * @stat_data_grants: grant-sized chunks carrying data in those requests
 * @stat_units_reserved: grants reserved for them (data grants, of pool
 *	units or of the requests' pages, plus indirect frames)
 * @irq_name: name shown in /proc/interrupts
 */
struct blkfront_ring {
	struct blkfront_info *info;
	unsigned int index;
	spinlock_t lock;	/* see @lock above */
	bool live;
	struct blkif_front_ring ring;
	struct blkif_sring *sring;
	grant_ref_t refs[XENBUS_MAX_RING_GRANTS];
	evtchn_port_t evtchn;
	int irq;
	struct blkfront_shadow *shadow;
	struct blkfront_use *uses;
	unsigned int shadow_free;
	struct blkfront_pool pool;
	bool hctx_stopped;
	struct gnttab_free_callback callback;
	struct work_struct restart_work;
	u64 stat_reqs;
	u64 stat_slots;
	u64 stat_new_grants;
	u64 stat_notify;
	u64 stat_irqs;
	u64 stat_spurious;
	unsigned int spurious_run;
	u64 stat_storms;
	u64 stat_rsps;
	u64 stat_rw_reqs;
	u64 stat_data_grants;
	u64 stat_units_reserved;
	char irq_name[32];
};

/**
 * struct blkfront_seg - a run of a request's data within one guest page
 * @page: the page
 * @off: offset of the first byte in @page
 * @len: bytes, at most PAGE_SIZE - @off
 *
 * A request's segments follow its &struct blkfront_cmd in the blk-mq
 * payload, &blkfront_info.sg_max of them.
 */
struct blkfront_seg {
	struct page *page;
	unsigned int off;
	unsigned int len;
};

/**
 * struct blkfront_cmd - per-request driver data
 * @status: status to complete with (sticky first error)
 * @slots_left: ring slots of this request still in flight
 * @collected: already put on the recovery list
 */
struct blkfront_cmd {
	blk_status_t status;
	unsigned int slots_left;
	bool collected;
};

/**
 * struct blkfront_info - one virtual block device
 * @xbdev: xenbus device
 * @mutex: serialises the state machine: connect, disconnect, resize,
 *	teardown and the lifetime of the rings and the gendisk
 * @state: enum blkfront_state; written under @mutex with all rings
 *	quiesced, read locklessly in the I/O path
 * @vdevice: virtual-device number
 * @handle: the handle put into requests
 * @vd: @vdevice decoded
 * @gd: gendisk, NULL until the first connect
 * @disk_added: @gd has been added (device_add_disk() succeeded)
 * @tag_set: blk-mq tag set (valid while @gd is)
 * @nr_hw_queues: hardware queues of @tag_set, fixed at creation
 * @rings: ring array, @max_rings entries
 * @max_rings: rings we may use (parameter capped at online CPUs)
 * @nr_rings: rings of the current connection
 * @ring_order: log2 of the pages per ring
 * @ring_size: request slots per ring
 * @sg_max: segments (&struct blkfront_seg) per request, fixed at tag set
 *	creation
 * @layout: request layout of the current connection
 * @persistent_adv: feature-persistent we advertised (sampled at connect)
 * @persistent: persistent grants in use (both sides offered them)
 * @untrusted: the backend is not trusted: zero units before every use
 * @direct: grant the requests' own pages instead of copying through the
 *	pool (neither persistent grants nor an untrusted backend)
 * @feature_flush: backend does flush-cache (or barrier)
 * @feature_fua: writes with FUA go as barriers
 * @flush_op: operation used for a flush
 * @feature_discard: discard enabled
 * @feature_secdiscard: secure erase enabled
 * @discard_granularity: backend's discard-granularity, bytes
 * @discard_alignment: backend's discard-alignment, bytes
 * @sector_size: logical block size
 * @physical_sector_size: physical block size
 * @vdisk_info: the backend's info bits (VDISK_*)
 * @readonly: the backend exports the disk read-only
 * @recover: requests taken off a ring at suspend, reissued at connect
 * @error_work: fails the I/O of every ring after a protocol violation
 * @debugfs: debugfs directory
 */
struct blkfront_info {
	struct xenbus_device *xbdev;
	struct mutex mutex;	/* see @mutex above */
	enum blkfront_state state;
	u32 vdevice;
	blkif_vdev_t handle;
	struct xbf_vdev vd;
	struct gendisk *gd;
	bool disk_added;
	struct blk_mq_tag_set tag_set;
	unsigned int nr_hw_queues;
	struct blkfront_ring *rings;
	unsigned int max_rings;
	unsigned int nr_rings;
	unsigned int ring_order;
	unsigned int ring_size;
	unsigned int sg_max;
	struct xbf_layout layout;
	bool persistent_adv;
	bool persistent;
	bool untrusted;
	bool direct;
	bool feature_flush;
	bool feature_fua;
	u8 flush_op;
	bool feature_discard;
	bool feature_secdiscard;
	unsigned int discard_granularity;
	unsigned int discard_alignment;
	unsigned int sector_size;
	unsigned int physical_sector_size;
	unsigned int vdisk_info;
	bool readonly;
	struct list_head recover;
	struct work_struct error_work;
	struct dentry *debugfs;
};

static inline struct blkfront_cmd *blkfront_cmd(struct request *rq)
{
	return blk_mq_rq_to_pdu(rq);
}

/* grants.c */
int blkfront_pool_init(struct blkfront_ring *ring, unsigned int units);
void blkfront_pool_destroy(struct blkfront_ring *ring);
bool blkfront_end_grant(grant_ref_t ref, struct page *page);
bool blkfront_unit_release(struct blkfront_ring *ring,
			   struct blkfront_unit *u);
void blkfront_unit_grant(struct blkfront_ring *ring, struct blkfront_unit *u,
			 grant_ref_t gref, bool readonly);
bool blkfront_use_revoke(struct blkfront_use *use);

/* grants.c's hot path, inline: once or twice per data grant. */

/**
 * blkfront_unit_get() - take the most recently freed unit
 * @ring: ring owning the pool
 *
 * Context: ring lock held.
 * Return: a unit, or NULL if the pool is empty.
 */
static inline struct blkfront_unit *
blkfront_unit_get(struct blkfront_ring *ring)
{
	struct blkfront_pool *p = &ring->pool;

	lockdep_assert_held(&ring->lock);
	if (!p->nr_free)
		return NULL;
	return p->free[--p->nr_free];
}

/**
 * blkfront_unit_put() - return a unit to the top of the free stack
 * @ring: ring owning the pool
 * @u: unit; keeps its grant if it has one
 *
 * Context: ring lock held.
 */
static inline void blkfront_unit_put(struct blkfront_ring *ring,
				     struct blkfront_unit *u)
{
	struct blkfront_pool *p = &ring->pool;

	lockdep_assert_held(&ring->lock);
	if (WARN_ON_ONCE(p->nr_free >= p->nr_units))
		return;
	p->free[p->nr_free++] = u;
}

/**
 * blkfront_unit_map() - map a unit for the CPU
 * @u: unit
 *
 * Context: any; pair with blkfront_unit_unmap() in reverse order.
 * Return: address of the unit's first byte.
 */
static inline void *blkfront_unit_map(struct blkfront_unit *u)
{
	return kmap_local_page(u->page) + u->offset;
}

/**
 * blkfront_unit_unmap() - undo blkfront_unit_map()
 * @addr: address it returned
 *
 * Context: any.
 */
static inline void blkfront_unit_unmap(void *addr)
{
	kunmap_local(addr);
}

/* ring.c */
int blkfront_alloc_rings(struct blkfront_info *info);
void blkfront_free_rings(struct blkfront_info *info);
int blkfront_setup_rings(struct blkfront_info *info);
int blkfront_size_rings(struct blkfront_info *info);
void blkfront_start_rings(struct blkfront_info *info);
unsigned int blkfront_stop_rings(struct blkfront_info *info);
void blkfront_teardown_rings(struct blkfront_info *info,
			     enum blkfront_state why);
void blkfront_device_error(struct blkfront_info *info);
void blkfront_error_work(struct work_struct *work);
bool blkfront_release_slot(struct blkfront_ring *ring, unsigned int id,
			   bool completed, bool is_read);
unsigned int blkfront_slots_free(struct blkfront_ring *ring);

/* mq.c */
extern const struct blk_mq_ops blkfront_mq_ops;
void blkfront_restart_work(struct work_struct *work);
void blkfront_kick_queues(struct blkfront_info *info);

/* negotiate.c */
unsigned int blkfront_sg_max(const struct xbf_geom *g);
void blkfront_negotiate_rings(struct blkfront_info *info);
int blkfront_publish(struct blkfront_info *info);
int blkfront_negotiate_disk(struct blkfront_info *info,
			    unsigned long long *sectors);

/* disk.c */
int blkfront_disk_connect(struct blkfront_info *info, sector_t sectors);
int blkfront_disk_add(struct blkfront_info *info);
void blkfront_disk_resize(struct blkfront_info *info);
void blkfront_free_disk(struct blkfront_info *info);
void blkfront_feature_refused(struct blkfront_info *info, u8 op);

/* xenbus.c */
extern struct xenbus_driver blkfront_driver;

/* sysfs.c */
extern const struct attribute_group *blkfront_dev_groups[];
void blkfront_debugfs_init(void);
void blkfront_debugfs_exit(void);
void blkfront_debugfs_add(struct blkfront_info *info);
void blkfront_debugfs_remove(struct blkfront_info *info);

/* main.c */
int blkfront_reserve_minors(unsigned int minor, unsigned int nr);
void blkfront_release_minors(unsigned int minor, unsigned int nr);

#endif /* XEN_BLKFRONT_H */
