/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-blkfront: tracepoints of the request lifecycle.
 *
 * The events share the xen_blk system with xen-blkback's and carry the
 * xen_blkfront_ prefix.  A block request is named by its blk-mq tag, each
 * ring slot it occupies by the slot id, which is the id the backend sees
 * and echoes in its response.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xen_blk

#if !defined(XEN_BLKFRONT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define XEN_BLKFRONT_TRACE_H

#include <linux/blk-mq.h>
#include <linux/tracepoint.h>

#include "blkfront.h"

/*
 * Every event opens by naming the block request: virtual device number,
 * queue index and blk-mq tag, filled in and printed alike by the two
 * macros below.  The fields themselves are listed in each event, and
 * printed first, so that every record and print format begins the same way.
 */
#define XBF_TP_RQ_ASSIGN(ring, rq)					\
	do {								\
		const struct blkfront_ring *__r = (ring);		\
									\
		__entry->vdev = __r->info->vdevice;			\
		__entry->q = __r->index;				\
		__entry->tag = (rq)->tag;				\
	} while (0)

#define XBF_TP_RQ_FMT		"vdev=%u q=%u tag=%d"

TRACE_DEFINE_ENUM(REQ_OP_READ);
TRACE_DEFINE_ENUM(REQ_OP_WRITE);
TRACE_DEFINE_ENUM(REQ_OP_FLUSH);
TRACE_DEFINE_ENUM(REQ_OP_DISCARD);
TRACE_DEFINE_ENUM(REQ_OP_SECURE_ERASE);

#define xbf_show_req_op(op)					\
	__print_symbolic(op,					\
			 { REQ_OP_READ, "read" },		\
			 { REQ_OP_WRITE, "write" },		\
			 { REQ_OP_FLUSH, "flush" },		\
			 { REQ_OP_DISCARD, "discard" },		\
			 { REQ_OP_SECURE_ERASE, "secure_erase" })

TRACE_EVENT(xen_blkfront_queue,
	    TP_PROTO(const struct blkfront_ring *ring, struct request *rq),
	    TP_ARGS(ring, rq),
	    TP_STRUCT__entry(__field(u32, vdev)
			     __field(u32, q)
			     __field(int, tag)
			     __field(u32, op)
			     __field(u64, sector)
			     __field(u32, bytes)),
	    TP_fast_assign(XBF_TP_RQ_ASSIGN(ring, rq);
			   __entry->op = req_op(rq);
			   __entry->sector = blk_rq_pos(rq);
			   __entry->bytes = blk_rq_bytes(rq);),
	    TP_printk(XBF_TP_RQ_FMT " op=%s sector=%llu bytes=%u",
		      __entry->vdev, __entry->q, __entry->tag,
		      xbf_show_req_op(__entry->op), __entry->sector,
		      __entry->bytes)
);

TRACE_EVENT(xen_blkfront_grant,
	    TP_PROTO(const struct blkfront_ring *ring, struct request *rq,
		     unsigned int grants, unsigned int new_grants,
		     unsigned int units, bool indirect),
	    TP_ARGS(ring, rq, grants, new_grants, units, indirect),
	    TP_STRUCT__entry(__field(u32, vdev)
			     __field(u32, q)
			     __field(int, tag)
			     __field(u32, grants)
			     __field(u32, new_grants)
			     __field(u32, units)
			     __field(bool, indirect)
			     __field(bool, persistent)),
	    TP_fast_assign(XBF_TP_RQ_ASSIGN(ring, rq);
			   __entry->grants = grants;
			   __entry->new_grants = new_grants;
			   __entry->units = units;
			   __entry->indirect = indirect;
			   __entry->persistent = ring->info->persistent;),
	    TP_printk(XBF_TP_RQ_FMT " grants=%u new=%u units=%u indirect=%u persistent=%u",
		      __entry->vdev, __entry->q, __entry->tag,
		      __entry->grants, __entry->new_grants, __entry->units,
		      __entry->indirect, __entry->persistent)
);

TRACE_EVENT(xen_blkfront_submit,
	    TP_PROTO(const struct blkfront_ring *ring, struct request *rq,
		     unsigned int id, u64 sector, unsigned int nr_segs),
	    TP_ARGS(ring, rq, id, sector, nr_segs),
	    TP_STRUCT__entry(__field(u32, vdev)
			     __field(u32, q)
			     __field(int, tag)
			     __field(u32, id)
			     __field(u8, op)
			     __field(u8, iop)
			     __field(u64, sector)
			     __field(u32, nr_segs)),
	    TP_fast_assign(XBF_TP_RQ_ASSIGN(ring, rq);
			   __entry->id = id;
			   __entry->op = ring->shadow[id].op;
			   __entry->iop = ring->shadow[id].indirect_op;
			   __entry->sector = sector;
			   __entry->nr_segs = nr_segs;),
	    TP_printk(XBF_TP_RQ_FMT " id=%u op=%s iop=%u sector=%llu nr_segs=%u",
		      __entry->vdev, __entry->q, __entry->tag, __entry->id,
		      xenblk_show_op(__entry->op), __entry->iop,
		      __entry->sector, __entry->nr_segs)
);

TRACE_EVENT(xen_blkfront_complete,
	    TP_PROTO(const struct blkfront_ring *ring,
		     const struct blkif_response *rsp,
		     const struct blkfront_shadow *s),
	    TP_ARGS(ring, rsp, s),
	    TP_STRUCT__entry(__field(u32, vdev)
			     __field(u32, q)
			     __field(int, tag)
			     __field(u32, id)
			     __field(u8, op)
			     __field(int, status)
			     __field(u64, ns)),
	    TP_fast_assign(XBF_TP_RQ_ASSIGN(ring, s->rq);
			   __entry->id = rsp->id;
			   __entry->op = rsp->operation;
			   __entry->status = rsp->status;
			   __entry->ns = s->submit_ns ?
					 ktime_get_ns() - s->submit_ns : 0;),
	    TP_printk(XBF_TP_RQ_FMT " id=%u op=%s status=%d ns=%llu",
		      __entry->vdev, __entry->q, __entry->tag, __entry->id,
		      xenblk_show_op(__entry->op), __entry->status, __entry->ns)
);

#endif /* XEN_BLKFRONT_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
