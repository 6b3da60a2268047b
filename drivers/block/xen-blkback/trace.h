/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkback: tracepoints of the request lifecycle and of the grant cache
 * and page pool housekeeping.
 *
 * The events share the xen_blk system with xen-blkfront's and carry the
 * xen_blkback_ prefix.  Request events name the device by frontend domain,
 * virtual device number and queue, and the request by the frontend's id,
 * so one request can be followed from fetch to respond.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xen_blk

#if !defined(XEN_BLKBACK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XEN_BLKBACK_TRACE_H

#include <linux/blk_types.h>
#include <linux/tracepoint.h>

#include "common.h"

/*
 * Every event opens by naming its queue: frontend domain, virtual device
 * number and queue index, filled in and printed alike by the two macros
 * below.  The fields themselves are listed in each event, and printed
 * first, so that every record and print format begins the same way.
 */
#define XBB_TP_RING_ASSIGN(ring)					\
	do {								\
		const struct xbb_ring *__r = (ring);			\
									\
		__entry->dom = __r->be->domid;				\
		__entry->dev = __r->be->handle;				\
		__entry->q = __r->index;				\
	} while (0)

#define XBB_TP_RING_FMT		"dom=%u dev=%u q=%u"

TRACE_EVENT(xen_blkback_fetch,
	    TP_PROTO(const struct xbb_ring *ring, unsigned int idx,
		     const struct xenblk_req *r),
	    TP_ARGS(ring, idx, r),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u32, idx)
			     __field(u64, id)
			     __field(u8, op)
			     __field(u8, iop)
			     __field(u16, nr_segs)
			     __field(u64, sector)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
			   __entry->idx = idx;
			   __entry->id = r->id;
			   __entry->op = r->hdr.operation;
			   __entry->iop = r->hdr.indirect_op;
			   __entry->nr_segs = r->hdr.nr_segs;
			   __entry->sector = r->hdr.sector;),
	    TP_printk(XBB_TP_RING_FMT " idx=%u id=%llu op=%s iop=%u sector=%llu nr_segs=%u",
		      __entry->dom, __entry->dev, __entry->q, __entry->idx,
		      __entry->id, xenblk_show_op(__entry->op), __entry->iop,
		      __entry->sector, __entry->nr_segs)
);

TRACE_EVENT(xen_blkback_map,
	    TP_PROTO(const struct xbb_ring *ring, const struct xbb_req *req,
		     unsigned int mapped, unsigned int hits),
	    TP_ARGS(ring, req, mapped, hits),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u64, id)
			     __field(u32, nr_segs)
			     __field(u32, mapped)
			     __field(u32, hits)
			     __field(u32, pgrants)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
			   __entry->id = req->id;
			   __entry->nr_segs = req->nr_segs;
			   __entry->mapped = mapped;
			   __entry->hits = hits;
			   __entry->pgrants = ring->gcache.count;),
	    TP_printk(XBB_TP_RING_FMT " id=%llu nr_segs=%u mapped=%u hits=%u pgrants=%u",
		      __entry->dom, __entry->dev, __entry->q, __entry->id,
		      __entry->nr_segs, __entry->mapped, __entry->hits,
		      __entry->pgrants)
);

TRACE_EVENT(xen_blkback_submit,
	    TP_PROTO(const struct xbb_ring *ring, const struct xbb_req *req),
	    TP_ARGS(ring, req),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u64, id)
			     __field(u8, op)
			     __field(u32, nr_segs)
			     __field(u64, sector)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
			   __entry->id = req->id;
			   __entry->op = req->data_op;
			   __entry->nr_segs = req->nr_segs;
			   __entry->sector = req->hdr.sector;),
	    TP_printk(XBB_TP_RING_FMT " id=%llu op=%s sector=%llu nr_segs=%u",
		      __entry->dom, __entry->dev, __entry->q, __entry->id,
		      xenblk_show_op(__entry->op), __entry->sector,
		      __entry->nr_segs)
);

TRACE_EVENT(xen_blkback_end_io,
	    TP_PROTO(const struct xbb_req *req, const struct bio *bio),
	    TP_ARGS(req, bio),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u64, id)
			     __field(int, err)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(req->ring);
			   __entry->id = req->id;
			   __entry->err = blk_status_to_errno(bio->bi_status);),
	    TP_printk(XBB_TP_RING_FMT " id=%llu err=%d",
		      __entry->dom, __entry->dev, __entry->q, __entry->id,
		      __entry->err)
);

TRACE_EVENT(xen_blkback_respond,
	    TP_PROTO(const struct xbb_ring *ring, u64 id, u8 op, int status,
		     bool notify),
	    TP_ARGS(ring, id, op, status, notify),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u64, id)
			     __field(u8, op)
			     __field(int, status)
			     __field(bool, notify)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
			   __entry->id = id;
			   __entry->op = op;
			   __entry->status = status;
			   __entry->notify = notify;),
	    TP_printk(XBB_TP_RING_FMT " id=%llu op=%s status=%d notify=%u",
		      __entry->dom, __entry->dev, __entry->q, __entry->id,
		      xenblk_show_op(__entry->op), __entry->status,
		      __entry->notify)
);

DECLARE_EVENT_CLASS(xen_blkback_pgrant,
		    TP_PROTO(const struct xbb_ring *ring, u32 gref),
		    TP_ARGS(ring, gref),
		    TP_STRUCT__entry(__field(u16, dom)
				     __field(u32, dev)
				     __field(u32, q)
				     __field(u32, gref)
				     __field(u32, pgrants)),
		    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
				   __entry->gref = gref;
				   __entry->pgrants = ring->gcache.count;),
		    TP_printk(XBB_TP_RING_FMT " gref=%u pgrants=%u",
			      __entry->dom, __entry->dev, __entry->q,
			      __entry->gref, __entry->pgrants)
);

DEFINE_EVENT(xen_blkback_pgrant, xen_blkback_pgrant_add,
	     TP_PROTO(const struct xbb_ring *ring, u32 gref),
	     TP_ARGS(ring, gref)
);

DEFINE_EVENT(xen_blkback_pgrant, xen_blkback_pgrant_evict,
	     TP_PROTO(const struct xbb_ring *ring, u32 gref),
	     TP_ARGS(ring, gref)
);

TRACE_EVENT(xen_blkback_lru_purge,
	    TP_PROTO(const struct xbb_ring *ring, unsigned int removed,
		     u64 start_ns),
	    TP_ARGS(ring, removed, start_ns),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u32, removed)
			     __field(u32, remaining)
			     __field(u64, ns)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
			   __entry->removed = removed;
			   __entry->remaining = ring->gcache.count;
			   __entry->ns = ktime_get_ns() - start_ns;),
	    TP_printk(XBB_TP_RING_FMT " removed=%u remaining=%u ns=%llu",
		      __entry->dom, __entry->dev, __entry->q,
		      __entry->removed, __entry->remaining, __entry->ns)
);

TRACE_EVENT(xen_blkback_pool_squeeze,
	    TP_PROTO(const struct xbb_ring *ring, unsigned int freed,
		     unsigned int target, bool squeezing),
	    TP_ARGS(ring, freed, target, squeezing),
	    TP_STRUCT__entry(__field(u16, dom)
			     __field(u32, dev)
			     __field(u32, q)
			     __field(u32, freed)
			     __field(u32, left)
			     __field(u32, target)
			     __field(bool, squeezing)),
	    TP_fast_assign(XBB_TP_RING_ASSIGN(ring);
			   __entry->freed = freed;
			   __entry->left = READ_ONCE(ring->pool.num_pages);
			   __entry->target = target;
			   __entry->squeezing = squeezing;),
	    TP_printk(XBB_TP_RING_FMT " freed=%u left=%u target=%u squeezing=%u",
		      __entry->dom, __entry->dev, __entry->q, __entry->freed,
		      __entry->left, __entry->target, __entry->squeezing)
);

#endif /* XEN_BLKBACK_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
