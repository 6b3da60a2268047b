// SPDX-License-Identifier: GPL-2.0
/*
 * rogue_front: a deliberately misbehaving blkif frontend, for the lab only.
 *
 * Loaded in an attacker guest that has no real frontend, it binds to the
 * guest's "vbd" devices, negotiates with the backend through xenstore like
 * a frontend would and then runs one attack, chosen by the "scenario"
 * parameter.  Where it helps, a well-formed request is sent first and last
 * to show the ring works before and after the attack.
 *
 * What came back is published in the read-only parameter "report" as
 * tokens "<disk>.<case>=<result>" (disk is the xvd letter, result ok, err,
 * eop, none for no answer, or a number), and "done" counts the devices
 * whose scenario has finished.  The lab's tests (tests/lab/e2e/test_hostile_*)
 * read both and decide; this module only ever records.
 *
 * Never built into a kernel or installed: see tests/rogue/Kbuild.
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>
#include <xen/interface/io/blkif.h>
#include <xen/interface/io/protocols.h>

#define RF_DATA_PAGES	256
#define RF_IND_PAGES	BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
#define RF_MAX_ORDER	4
#define RF_IDS		256
#define RF_NONE		S16_MAX
/* A domain id that does not exist: grants to it are not ours to map. */
#define RF_OTHER_DOMID	0x7000
#define RF_BAD_GREF	0x0fffffffU

static char *scenario = "badop";
module_param(scenario, charp, 0444);
MODULE_PARM_DESC(scenario, "attacks, comma-separated: the first on xvdb, the next on xvdc, ...; the last one repeats");

static unsigned int ring_order;
module_param(ring_order, uint, 0444);
MODULE_PARM_DESC(ring_order, "shared ring page order to ask for (0 = legacy single page)");

static unsigned int storm_ms = 6000;
module_param(storm_ms, uint, 0444);
MODULE_PARM_DESC(storm_ms, "length of the event-channel storm and the double-fetch race");

static unsigned int flood_writes = 2000;
module_param(flood_writes, uint, 0444);
MODULE_PARM_DESC(flood_writes, "xenstore writes in the watch flood");

static bool go;
module_param(go, bool, 0644);
MODULE_PARM_DESC(go, "attach scenario: the backend is unbound, corrupt the ring now (set by the test)");

static char report[3072];
module_param_string(report, report, sizeof(report), 0444);
MODULE_PARM_DESC(report, "results, one token per case (read-only)");

static int done;
module_param(done, int, 0444);
MODULE_PARM_DESC(done, "devices whose scenario finished (read-only)");

static DEFINE_MUTEX(rf_lock);	/* report, done */

struct rf_dev {
	struct xenbus_device *dev;
	char disk;
	char scen[24];
	struct blkif_front_ring ring;
	void *ring_area;
	unsigned int ring_pages;
	grant_ref_t ring_refs[1 << RF_MAX_ORDER];
	evtchn_port_t evtchn;
	int irq;
	wait_queue_head_t wq;

	struct page *data[RF_DATA_PAGES];
	grant_ref_t data_ref[RF_DATA_PAGES];
	struct page *ind[RF_IND_PAGES];
	grant_ref_t ind_ref[RF_IND_PAGES];
	struct page *other_page;
	grant_ref_t other_ref;	/* granted to a domain that is not the backend */
	struct page *dead_page;
	grant_ref_t dead_ref;	/* ours, but access already revoked */

	u64 sectors;
	unsigned int lbs;	/* logical block size in 512-byte sectors */
	bool started;
	bool finished;
	bool backend_left;	/* the backend went to Closing or Closed */
	struct task_struct *task;

	unsigned int nr_rsp;
	s16 status[RF_IDS];
	unsigned int count[RF_IDS];
	u64 last_id;
	const char *label[RF_IDS];
};

static __printf(2, 3) void rf_say(struct rf_dev *d, const char *fmt, ...)
{
	char tok[96];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(tok, sizeof(tok), fmt, ap);
	va_end(ap);

	mutex_lock(&rf_lock);
	len = strlen(report);
	scnprintf(report + len, sizeof(report) - len, "%s%c.%s",
		  len ? " " : "", d->disk, tok);
	mutex_unlock(&rf_lock);
}

static void rf_finish(struct rf_dev *d)
{
	if (d->finished)
		return;
	d->finished = true;
	mutex_lock(&rf_lock);
	done++;
	mutex_unlock(&rf_lock);
}

static const char *rf_status_str(s16 st, char *buf, size_t len)
{
	switch (st) {
	case BLKIF_RSP_OKAY:
		return "ok";
	case BLKIF_RSP_ERROR:
		return "err";
	case BLKIF_RSP_EOPNOTSUPP:
		return "eop";
	case RF_NONE:
		return "none";
	default:
		snprintf(buf, len, "%d", st);
		return buf;
	}
}

static irqreturn_t rf_irq(int irq, void *arg)
{
	struct rf_dev *d = arg;

	wake_up(&d->wq);
	return IRQ_HANDLED;
}

/* Consume every response the backend has produced. */
static void rf_collect(struct rf_dev *d)
{
	RING_IDX rp, i;
	int more;

	do {
		rp = READ_ONCE(d->ring.sring->rsp_prod);
		virt_rmb();	/* rsp_prod before the responses it covers */
		for (i = d->ring.rsp_cons; i != rp; i++) {
			struct blkif_response *rsp = RING_GET_RESPONSE(&d->ring, i);
			u64 id = READ_ONCE(rsp->id);
			s16 st = READ_ONCE(rsp->status);

			d->nr_rsp++;
			d->last_id = id;
			if (id < RF_IDS) {
				d->status[id] = st;
				d->count[id]++;
			}
		}
		d->ring.rsp_cons = rp;
		RING_FINAL_CHECK_FOR_RESPONSES(&d->ring, more);
	} while (more);
}

/* Wait until @want responses in total arrived; false on timeout. */
static bool rf_wait(struct rf_dev *d, unsigned int want, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	for (;;) {
		rf_collect(d);
		if (d->nr_rsp >= want)
			return true;
		if (time_after(jiffies, end) || kthread_should_stop())
			return false;
		wait_event_interruptible_timeout(d->wq,
						 RING_HAS_UNCONSUMED_RESPONSES(&d->ring),
						 msecs_to_jiffies(20));
	}
}

/* A zeroed request in the next free slot, tagged @id and labelled. */
static struct blkif_request *rf_slot(struct rf_dev *d, u8 op, u64 id,
				     const char *label)
{
	struct blkif_request *r;

	r = RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt);
	memset(r, 0, sizeof(*r));
	r->operation = op;
	/* The id sits at the same offset in every variant. */
	r->u.rw.id = id;
	if (id < RF_IDS) {
		d->status[id] = RF_NONE;
		d->count[id] = 0;
		d->label[id] = label;
	}
	d->ring.req_prod_pvt++;
	return r;
}

static void rf_rw(struct blkif_request *r, u8 nsegs, u64 sector)
{
	r->u.rw.nr_segments = nsegs;
	r->u.rw.handle = 0;
	r->u.rw.sector_number = sector;
}

static void rf_seg(struct blkif_request_segment *s, grant_ref_t ref,
		   u8 first, u8 last)
{
	s->gref = ref;
	s->first_sect = first;
	s->last_sect = last;
}

static void rf_push(struct rf_dev *d)
{
	/* Always kick: a rogue does not care about hold-off. */
	RING_PUSH_REQUESTS(&d->ring);
	notify_remote_via_irq(d->irq);
}

/* Send what is queued and wait for all of it (bounded). */
static void rf_send_wait(struct rf_dev *d, unsigned int n)
{
	unsigned int want = d->nr_rsp + n;

	rf_push(d);
	rf_wait(d, want, 5000);
}

static void rf_result(struct rf_dev *d, u64 id)
{
	char buf[16];

	rf_say(d, "%s=%s", d->label[id],
	       rf_status_str(d->status[id], buf, sizeof(buf)));
}

/* Queue a request of one segment: all 4 KiB of grant @ref, at @sector. */
static struct blkif_request *rf_page(struct rf_dev *d, u8 op, u64 id,
				     const char *label, grant_ref_t ref,
				     u64 sector)
{
	struct blkif_request *r = rf_slot(d, op, id, label);

	rf_rw(r, 1, sector);
	rf_seg(&r->u.rw.seg[0], ref, 0, 7);
	return r;
}

/* A well-formed one-page read into data page @pg at @sector. */
static void rf_good_read(struct rf_dev *d, u64 id, const char *label,
			 unsigned int pg, u64 sector)
{
	rf_page(d, BLKIF_OP_READ, id, label, d->data_ref[pg], sector);
	rf_send_wait(d, 1);
	rf_result(d, id);
}

/* A one-request case queued as @r: send, wait, report. */
static void rf_case(struct rf_dev *d, u64 id, const char *label,
		    struct blkif_request *r)
{
	rf_send_wait(d, 1);
	rf_result(d, id);
}

static void sc_badop(struct rf_dev *d)
{
	static const u8 ops[] = { 4, 7, 200, 255 };
	static const char * const names[] = { "op4", "op7", "op200", "op255" };
	struct blkif_request *r;
	unsigned int i, n, sent = 0, eop = 0;

	rf_good_read(d, 0, "good", 0, 0);
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		r = rf_slot(d, ops[i], 1 + i, names[i]);
		rf_case(d, 1 + i, names[i], r);
	}
	r = rf_slot(d, BLKIF_OP_INDIRECT, 10, "indflush");
	r->u.indirect.indirect_op = BLKIF_OP_FLUSH_DISKCACHE;
	r->u.indirect.nr_segments = 1;
	r->u.indirect.indirect_grefs[0] = d->ind_ref[0];
	rf_case(d, 10, "indflush", r);
	r = rf_slot(d, BLKIF_OP_INDIRECT, 11, "indindirect");
	r->u.indirect.indirect_op = BLKIF_OP_INDIRECT;
	r->u.indirect.nr_segments = 1;
	r->u.indirect.indirect_grefs[0] = d->ind_ref[0];
	rf_case(d, 11, "indindirect", r);

	/* Many bad requests in a row: answered each, logged with a limit. */
	while (sent < 200) {
		n = min(16U, 200 - sent);
		for (i = 0; i < n; i++)
			rf_slot(d, 9, 100 + i, "flood");
		rf_send_wait(d, n);
		for (i = 0; i < n; i++)
			eop += d->status[100 + i] == BLKIF_RSP_EOPNOTSUPP;
		sent += n;
	}
	rf_say(d, "flood=%u/%u", eop, sent);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_segs(struct rf_dev *d)
{
	static const struct {
		u8 op, nsegs;
		const char *name;
	} c[] = {
		{ BLKIF_OP_READ, 0, "rzero" },
		{ BLKIF_OP_WRITE, 0, "wzero" },
		{ BLKIF_OP_READ, 12, "r12" },
		{ BLKIF_OP_WRITE, 12, "w12" },
		{ BLKIF_OP_READ, 255, "r255" },
		{ BLKIF_OP_WRITE_BARRIER, 12, "b12" },
	};
	struct blkif_request *r;
	unsigned int i, j;

	rf_good_read(d, 0, "good", 0, 0);
	r = rf_slot(d, BLKIF_OP_READ, 1, "r11");
	rf_rw(r, 11, 0);
	for (j = 0; j < 11; j++)
		rf_seg(&r->u.rw.seg[j], d->data_ref[j], 0, 7);
	rf_case(d, 1, "r11", r);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		r = rf_slot(d, c[i].op, 2 + i, c[i].name);
		rf_rw(r, c[i].nsegs, 0);
		for (j = 0; j < BLKIF_MAX_SEGMENTS_PER_REQUEST; j++)
			rf_seg(&r->u.rw.seg[j], d->data_ref[j], 0, 7);
		rf_case(d, 2 + i, c[i].name, r);
	}
	rf_good_read(d, 20, "after", 1, 8);
}

/* Fill indirect page @p with @n valid descriptors over the data pages. */
static void rf_fill_ind(struct rf_dev *d, unsigned int p, unsigned int n)
{
	struct blkif_request_segment *s = page_address(d->ind[p]);
	unsigned int i;

	memset(s, 0, PAGE_SIZE);
	for (i = 0; i < n && i < XEN_PAGE_SIZE / sizeof(*s); i++)
		rf_seg(&s[i], d->data_ref[i % RF_DATA_PAGES], 0, 7);
}

static struct blkif_request *rf_ind(struct rf_dev *d, u64 id,
				    const char *label, u16 nsegs,
				    grant_ref_t ind0)
{
	struct blkif_request *r = rf_slot(d, BLKIF_OP_INDIRECT, id, label);
	unsigned int i;

	r->u.indirect.indirect_op = BLKIF_OP_READ;
	r->u.indirect.nr_segments = nsegs;
	r->u.indirect.sector_number = 0;
	for (i = 0; i < RF_IND_PAGES; i++)
		r->u.indirect.indirect_grefs[i] = d->ind_ref[i];
	r->u.indirect.indirect_grefs[0] = ind0;
	return r;
}

static void sc_indirect(struct rf_dev *d)
{
	struct blkif_request_segment *s;
	struct blkif_request *r;
	unsigned int p;

	rf_good_read(d, 0, "good", 0, 0);
	for (p = 0; p < RF_IND_PAGES; p++)
		rf_fill_ind(d, p, 512);
	s = page_address(d->ind[0]);

	r = rf_ind(d, 1, "ind32", 32, d->ind_ref[0]);
	rf_case(d, 1, "ind32", r);
	r = rf_ind(d, 2, "ind256", 256, d->ind_ref[0]);
	rf_case(d, 2, "ind256", r);
	r = rf_ind(d, 3, "ind257", 257, d->ind_ref[0]);
	rf_case(d, 3, "ind257", r);
	r = rf_ind(d, 4, "ind4096", 4096, d->ind_ref[0]);
	rf_case(d, 4, "ind4096", r);
	r = rf_ind(d, 5, "ind4097", 4097, d->ind_ref[0]);
	rf_case(d, 5, "ind4097", r);
	r = rf_ind(d, 6, "ind65535", 65535, d->ind_ref[0]);
	rf_case(d, 6, "ind65535", r);
	r = rf_ind(d, 7, "ind0", 0, d->ind_ref[0]);
	rf_case(d, 7, "ind0", r);
	/* Indirect pages that are not granted to the backend. */
	r = rf_ind(d, 8, "deadind", 16, d->dead_ref);
	rf_case(d, 8, "deadind", r);
	r = rf_ind(d, 9, "otherind", 16, d->other_ref);
	rf_case(d, 9, "otherind", r);
	r = rf_ind(d, 10, "badrefind", 16, RF_BAD_GREF);
	rf_case(d, 10, "badrefind", r);
	/* Descriptors naming data pages that are not granted. */
	rf_seg(&s[5], d->dead_ref, 0, 7);
	r = rf_ind(d, 11, "deadseg", 16, d->ind_ref[0]);
	rf_case(d, 11, "deadseg", r);
	rf_seg(&s[5], d->other_ref, 0, 7);
	r = rf_ind(d, 12, "otherseg", 16, d->ind_ref[0]);
	rf_case(d, 12, "otherseg", r);
	rf_seg(&s[5], RF_BAD_GREF, 0, 7);
	r = rf_ind(d, 13, "badrefseg", 16, d->ind_ref[0]);
	rf_case(d, 13, "badrefseg", r);
	/* A malformed descriptor inside an indirect page. */
	rf_seg(&s[5], d->data_ref[5], 0, 8);
	r = rf_ind(d, 14, "indsect", 16, d->ind_ref[0]);
	rf_case(d, 14, "indsect", r);
	rf_seg(&s[5], d->data_ref[5], 4, 3);
	r = rf_ind(d, 15, "indorder", 16, d->ind_ref[0]);
	rf_case(d, 15, "indorder", r);
	rf_seg(&s[5], d->data_ref[5], 0, 7);
	/* Data segments in a direct request that are not ours either. */
	r = rf_slot(d, BLKIF_OP_READ, 16, "deaddirect");
	rf_rw(r, 2, 0);
	rf_seg(&r->u.rw.seg[0], d->data_ref[0], 0, 7);
	rf_seg(&r->u.rw.seg[1], d->dead_ref, 0, 7);
	rf_case(d, 16, "deaddirect", r);
	r = rf_page(d, BLKIF_OP_WRITE, 17, "otherdirect", d->other_ref, 0);
	rf_case(d, 17, "otherdirect", r);
	rf_good_read(d, 20, "after", 1, 8);
}

/*
 * Good and bad requests published together, so that the backend takes
 * them in one pass (and, without persistent grants, maps them with one
 * hypercall): each bad one must fail alone, every good one succeed.
 */
static void sc_mixbatch(struct rf_dev *d)
{
	static const char * const names[] = {
		NULL, "g1", "dead", "gw1", "other", "badref2", "g2",
		"malformed", "g11", "gw3", "dead3"
	};
	struct blkif_request *r;
	unsigned int i, want;

	rf_good_read(d, 0, "good", 0, 0);
	want = d->nr_rsp + 10;
	rf_page(d, BLKIF_OP_READ, 1, names[1], d->data_ref[1], 8);
	rf_page(d, BLKIF_OP_READ, 2, names[2], d->dead_ref, 16);
	rf_page(d, BLKIF_OP_WRITE, 3, names[3], d->data_ref[2], 24);
	rf_page(d, BLKIF_OP_WRITE, 4, names[4], d->other_ref, 32);
	r = rf_slot(d, BLKIF_OP_READ, 5, names[5]);
	rf_rw(r, 2, 40);
	rf_seg(&r->u.rw.seg[0], d->data_ref[3], 0, 7);
	rf_seg(&r->u.rw.seg[1], RF_BAD_GREF, 0, 7);
	rf_page(d, BLKIF_OP_READ, 6, names[6], d->data_ref[4], 56);
	r = rf_page(d, BLKIF_OP_READ, 7, names[7], d->data_ref[5], 64);
	rf_seg(&r->u.rw.seg[0], d->data_ref[5], 4, 3);
	r = rf_slot(d, BLKIF_OP_READ, 8, names[8]);
	rf_rw(r, BLKIF_MAX_SEGMENTS_PER_REQUEST, 72);
	for (i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		rf_seg(&r->u.rw.seg[i], d->data_ref[10 + i], 0, 7);
	r = rf_slot(d, BLKIF_OP_WRITE, 9, names[9]);
	rf_rw(r, 3, 200);
	for (i = 0; i < 3; i++)
		rf_seg(&r->u.rw.seg[i], d->data_ref[30 + i], 0, 7);
	r = rf_slot(d, BLKIF_OP_READ, 10, names[10]);
	rf_rw(r, 3, 240);
	rf_seg(&r->u.rw.seg[0], d->data_ref[40], 0, 7);
	rf_seg(&r->u.rw.seg[1], d->dead_ref, 0, 7);
	rf_seg(&r->u.rw.seg[2], d->data_ref[41], 0, 7);
	rf_push(d);
	rf_wait(d, want, 5000);
	for (i = 1; i < ARRAY_SIZE(names); i++)
		rf_result(d, i);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_sect(struct rf_dev *d)
{
	static const struct {
		u8 first, last;
		const char *name;
	} c[] = {
		{ 3, 2, "first_gt_last" },
		{ 7, 0, "first7_last0" },
		{ 0, 8, "last8" },
		{ 8, 8, "first8" },
		{ 0, 255, "last255" },
		{ 255, 255, "first255" },
	};
	struct blkif_request *r;
	unsigned int i;

	rf_good_read(d, 0, "good", 0, 0);
	r = rf_slot(d, BLKIF_OP_READ, 1, "partial");
	rf_rw(r, 1, 0);
	rf_seg(&r->u.rw.seg[0], d->data_ref[0], 2, 5);
	rf_case(d, 1, "partial", r);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		r = rf_slot(d, i & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 2 + i,
			    c[i].name);
		rf_rw(r, 1, 0);
		rf_seg(&r->u.rw.seg[0], d->data_ref[0], c[i].first, c[i].last);
		rf_case(d, 2 + i, c[i].name, r);
	}
	/* The bad segment is the last of three good-looking ones. */
	r = rf_slot(d, BLKIF_OP_READ, 10, "third_bad");
	rf_rw(r, 3, 0);
	rf_seg(&r->u.rw.seg[0], d->data_ref[0], 0, 7);
	rf_seg(&r->u.rw.seg[1], d->data_ref[1], 0, 7);
	rf_seg(&r->u.rw.seg[2], d->data_ref[2], 6, 9);
	rf_case(d, 10, "third_bad", r);
	rf_good_read(d, 20, "after", 1, 8);
}

static void rf_range_case(struct rf_dev *d, u64 id, const char *label, u8 op,
			  u64 sector, u8 nsegs, u8 first, u8 last)
{
	struct blkif_request *r = rf_slot(d, op, id, label);
	unsigned int i;

	rf_rw(r, nsegs, sector);
	for (i = 0; i < nsegs; i++)
		rf_seg(&r->u.rw.seg[i], d->data_ref[i], first, last);
	rf_case(d, id, label, r);
}

static void sc_range(struct rf_dev *d)
{
	u64 cap = d->sectors;
	struct blkif_request *r;

	rf_say(d, "sectors=%llu", cap);
	rf_say(d, "lbs=%u", d->lbs * 512);
	rf_good_read(d, 0, "good", 0, 0);
	if (d->lbs > 1) {
		/* 512-byte units that do not fall on logical blocks. */
		rf_range_case(d, 9, "mis_sector", BLKIF_OP_READ, 1, 1, 0, 7);
		rf_range_case(d, 10, "mis_first", BLKIF_OP_READ, 0, 1, 1, 7);
		rf_range_case(d, 11, "mis_last", BLKIF_OP_WRITE, 0, 1, 0, 3);
		rf_range_case(d, 12, "mis_both", BLKIF_OP_READ, 0, 1, 2, 5);
	}
	rf_range_case(d, 1, "lastpage", BLKIF_OP_READ, cap - 8, 1, 0, 7);
	rf_range_case(d, 2, "at_end", BLKIF_OP_READ, cap, 1, 0, 7);
	rf_range_case(d, 3, "across_end", BLKIF_OP_READ, cap - 8, 2, 0, 7);
	rf_range_case(d, 4, "write_at_end", BLKIF_OP_WRITE, cap, 1, 0, 7);
	rf_range_case(d, 5, "far", BLKIF_OP_READ, cap * 4096, 1, 0, 7);
	rf_range_case(d, 6, "wrap", BLKIF_OP_READ, U64_MAX - 7, 2, 0, 7);
	rf_range_case(d, 7, "wrap_write", BLKIF_OP_WRITE, U64_MAX - 7, 2, 0, 7);
	r = rf_slot(d, BLKIF_OP_INDIRECT, 8, "ind_across_end");
	rf_fill_ind(d, 0, 16);
	r->u.indirect.indirect_op = BLKIF_OP_READ;
	r->u.indirect.nr_segments = 16;
	r->u.indirect.sector_number = cap - 64;
	r->u.indirect.indirect_grefs[0] = d->ind_ref[0];
	rf_case(d, 8, "ind_across_end", r);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_ids(struct rf_dev *d)
{
	unsigned int i, want;

	rf_good_read(d, 0, "good", 0, 0);
	/* Eight requests in flight with one id. */
	want = d->nr_rsp + 8;
	for (i = 0; i < 8; i++)
		rf_page(d, i & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 42, "dup",
			d->data_ref[i], 8 * i);
	rf_push(d);
	rf_wait(d, want, 5000);
	rf_say(d, "dup=%u/8", d->count[42]);
	/* The last status seen for the id. */
	rf_result(d, 42);
	/* Ids the frontend could never have handed out. */
	rf_page(d, BLKIF_OP_READ, U64_MAX, "maxid", d->data_ref[0], 0);
	rf_send_wait(d, 1);
	rf_say(d, "maxid=%s", d->last_id == U64_MAX ? "echoed" : "lost");
	/* Reuse an id still owned by a request in flight, many times over. */
	want = d->nr_rsp + 24;
	for (i = 0; i < 24; i++)
		rf_page(d, BLKIF_OP_READ, 7, "reuse", d->data_ref[8 + i],
			8 * i);
	rf_push(d);
	rf_wait(d, want, 5000);
	rf_say(d, "reuse=%u/24", d->count[7]);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_dupgref(struct rf_dev *d)
{
	struct blkif_request *r;
	unsigned int i, want, ok = 0;

	rf_good_read(d, 0, "good", 0, 0);
	/* Two requests with the same grant in flight at once. */
	want = d->nr_rsp + 2;
	rf_page(d, BLKIF_OP_READ, 1, "first", d->data_ref[3], 0);
	rf_page(d, BLKIF_OP_READ, 2, "second", d->data_ref[3], 8);
	rf_push(d);
	rf_wait(d, want, 5000);
	rf_result(d, 1);
	rf_result(d, 2);
	/* One write naming the same grant in two segments. */
	r = rf_slot(d, BLKIF_OP_WRITE, 3, "samereq");
	rf_rw(r, 2, 16);
	rf_seg(&r->u.rw.seg[0], d->data_ref[4], 0, 7);
	rf_seg(&r->u.rw.seg[1], d->data_ref[4], 0, 7);
	rf_case(d, 3, "samereq", r);
	/* A read into the page a write reads from, in the same batch. */
	want = d->nr_rsp + 2;
	rf_page(d, BLKIF_OP_WRITE, 4, "wsame", d->data_ref[5], 24);
	rf_page(d, BLKIF_OP_READ, 5, "rsame", d->data_ref[5], 32);
	rf_push(d);
	rf_wait(d, want, 5000);
	rf_result(d, 4);
	rf_result(d, 5);
	/* Twenty requests all on one grant. */
	want = d->nr_rsp + 20;
	for (i = 0; i < 20; i++)
		rf_page(d, BLKIF_OP_READ, 100 + i, "many", d->data_ref[6],
			8 * i);
	rf_push(d);
	rf_wait(d, want, 5000);
	for (i = 0; i < 20; i++)
		ok += d->count[100 + i] == 1;
	rf_say(d, "many=%u/20", ok);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_overflow(struct rf_dev *d)
{
	unsigned int before, i;

	rf_good_read(d, 0, "good", 0, 0);
	/* One real request, then a producer index far ahead. */
	rf_slot(d, BLKIF_OP_READ, 1, "pending");
	rf_rw(RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt - 1), 1, 0);
	rf_seg(&RING_GET_REQUEST(&d->ring, d->ring.req_prod_pvt - 1)->u.rw.seg[0],
	       d->data_ref[0], 0, 7);
	before = d->nr_rsp;
	virt_wmb();	/* the request before the index */
	WRITE_ONCE(d->ring.sring->req_prod,
		   d->ring.req_prod_pvt + 100 * RING_SIZE(&d->ring));
	for (i = 0; i < 100; i++) {
		notify_remote_via_irq(d->irq);
		msleep(20);
	}
	rf_wait(d, before + 1, 2000);
	rf_say(d, "answers_after=%u", d->nr_rsp - before);
	rf_say(d, "ring=%u", RING_SIZE(&d->ring));
}

/*
 * Live update of the backend: once the test has unbound it and set "go",
 * move the request producer two rings ahead of the responses.  The next
 * backend instance finds the ring that way when it takes it over, and
 * must refuse it rather than read a ring's worth of stale slots.
 */
static void sc_attach(struct rf_dev *d)
{
	unsigned int before, i;

	rf_good_read(d, 0, "good", 0, 0);
	for (i = 0; i < 1200 && !READ_ONCE(go) && !kthread_should_stop(); i++)
		msleep(100);
	if (!READ_ONCE(go)) {
		rf_say(d, "go=timeout");
		return;
	}
	before = d->nr_rsp;
	WRITE_ONCE(d->ring.sring->req_prod,
		   READ_ONCE(d->ring.sring->rsp_prod) + 2 * RING_SIZE(&d->ring));
	rf_say(d, "corrupted=1");
	/*
	 * Until the backend bound again has looked at the ring: it refuses
	 * it (and leaves Connected) or, wrongly, answers.  Not a fixed time:
	 * on a debug kernel the rebind took longer than 20 s.
	 */
	for (i = 0; i < 3000 && !READ_ONCE(d->backend_left) &&
	     !kthread_should_stop() && !rf_wait(d, before + 1, 100); i++)
		;
	rf_say(d, "answers_after=%u", d->nr_rsp - before);
}

/*
 * Rewrite a request while the backend reads it.  Only the request fields
 * outside a response's status are flipped (operation, counts, sector,
 * segments, and indirect descriptors), so every answer stays readable.
 */
static void sc_doublefetch(struct rf_dev *d)
{
	unsigned long end = jiffies + msecs_to_jiffies(storm_ms);
	unsigned int sent = 0, answered = 0, ok = 0, err = 0, eop = 0, odd = 0;
	struct blkif_request_segment *s = page_address(d->ind[0]);

	rf_good_read(d, 0, "good", 0, 0);
	rf_fill_ind(d, 0, 512);
	while (time_before(jiffies, end) && !kthread_should_stop()) {
		bool ind = sent & 1;
		unsigned int base = d->nr_rsp, flips = 0;
		struct blkif_request *r;
		RING_IDX slot = d->ring.req_prod_pvt;

		r = rf_slot(d, ind ? BLKIF_OP_INDIRECT : BLKIF_OP_READ, 30,
			    "race");
		if (ind) {
			r->u.indirect.indirect_op = BLKIF_OP_READ;
			r->u.indirect.nr_segments = 8;
			r->u.indirect.indirect_grefs[0] = d->ind_ref[0];
		} else {
			rf_rw(r, 1, 0);
			rf_seg(&r->u.rw.seg[0], d->data_ref[0], 0, 7);
		}
		rf_push(d);
		sent++;
		while (READ_ONCE(d->ring.sring->rsp_prod) == d->ring.rsp_cons &&
		       flips < 200000) {
			r = RING_GET_REQUEST(&d->ring, slot);
			flips++;
			if (ind) {
				WRITE_ONCE(r->u.indirect.nr_segments,
					   flips & 1 ? 8 : 4000);
				WRITE_ONCE(r->u.indirect.sector_number,
					   flips & 2 ? 0 : U64_MAX - 4);
				WRITE_ONCE(s[3].last_sect, flips & 1 ? 7 : 200);
				WRITE_ONCE(s[4].gref, flips & 1 ?
					   d->data_ref[4] : RF_BAD_GREF);
			} else {
				WRITE_ONCE(r->operation, flips & 1 ?
					   BLKIF_OP_READ : BLKIF_OP_INDIRECT);
				WRITE_ONCE(r->u.rw.nr_segments,
					   flips & 2 ? 1 : 200);
				WRITE_ONCE(r->u.rw.seg[0].last_sect,
					   flips & 4 ? 7 : 60);
				WRITE_ONCE(r->u.rw.seg[0].gref, flips & 1 ?
					   d->data_ref[0] : d->dead_ref);
			}
			if (!(flips & 1023))
				cond_resched();
		}
		if (!rf_wait(d, base + 1, 3000))
			break;
		answered++;
		switch (d->status[30]) {
		case BLKIF_RSP_OKAY:
			ok++;
			break;
		case BLKIF_RSP_ERROR:
			err++;
			break;
		case BLKIF_RSP_EOPNOTSUPP:
			eop++;
			break;
		default:
			/* Its id may have been overwritten: count the rest. */
			odd++;
			break;
		}
	}
	/* Leave the indirect page sane again. */
	rf_fill_ind(d, 0, 512);
	rf_say(d, "answered=%u/%u", answered, sent);
	rf_say(d, "race_ok=%u", ok);
	rf_say(d, "race_err=%u", err + eop + odd);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_evtstorm(struct rf_dev *d)
{
	unsigned long end = jiffies + msecs_to_jiffies(storm_ms);
	unsigned long kicks = 0;

	rf_good_read(d, 0, "good", 0, 0);
	while (time_before(jiffies, end) && !kthread_should_stop()) {
		notify_remote_via_irq(d->irq);
		if (!(++kicks & 255))
			cond_resched();
	}
	rf_say(d, "kicks=%lu", kicks);
	rf_good_read(d, 20, "after", 1, 8);
}

static void sc_vanish(struct rf_dev *d)
{
	unsigned int i, n = min_t(unsigned int, RING_SIZE(&d->ring),
				  RF_DATA_PAGES);

	rf_good_read(d, 0, "good", 0, 0);
	for (i = 0; i < n; i++)
		rf_page(d, i & 1 ? BLKIF_OP_WRITE : BLKIF_OP_READ, 100 + i,
			"inflight", d->data_ref[i], 8 * i);
	rf_push(d);
	msleep(200);
	rf_collect(d);
	rf_say(d, "pushed=%u", n);
	rf_say(d, "answered=%u", d->nr_rsp - 1);
}

static void sc_watchflood(struct rf_dev *d)
{
	const char *node = d->dev->nodename;
	unsigned int i, ok = 0;
	char key[32];

	rf_good_read(d, 0, "good", 0, 0);
	for (i = 0; i < flood_writes && !kthread_should_stop(); i++) {
		int err;

		/* The backend watches our state node and its children. */
		if (i & 1) {
			snprintf(key, sizeof(key), "state/f%u", i % 16);
			err = xenbus_printf(XBT_NIL, node, key, "%u", i);
		} else {
			err = xenbus_printf(XBT_NIL, node, "state", "%d",
					    i & 2 ? XenbusStateInitialised :
						    XenbusStateConnected);
		}
		ok += !err;
		if (!(i & 63))
			cond_resched();
	}
	xenbus_printf(XBT_NIL, node, "state", "%d", XenbusStateConnected);
	rf_say(d, "writes=%u/%u", ok, i);
	msleep(500);
	rf_good_read(d, 20, "after", 1, 8);
}

/*
 * Write A (eight pages at sector 0), barrier B (one page at 2048) and
 * write C (one page at 4096), pushed together.  All three must succeed;
 * the order in which they reach the disk, A done before B starts and B
 * done before C starts, is read by the test from dom0's block trace.
 */
static void sc_barrier(struct rf_dev *d)
{
	struct blkif_request *r;
	unsigned int i, want;

	rf_good_read(d, 0, "good", 0, 0);
	want = d->nr_rsp + 3;
	r = rf_slot(d, BLKIF_OP_WRITE, 1, "a");
	rf_rw(r, 8, 0);
	for (i = 0; i < 8; i++)
		rf_seg(&r->u.rw.seg[i], d->data_ref[i], 0, 7);
	rf_page(d, BLKIF_OP_WRITE_BARRIER, 2, "b", d->data_ref[8], 2048);
	rf_page(d, BLKIF_OP_WRITE, 3, "c", d->data_ref[9], 4096);
	rf_push(d);
	if (!rf_wait(d, want, 30000))
		rf_say(d, "answers=%u/3", d->nr_rsp + 3 - want);
	for (i = 1; i <= 3; i++)
		rf_result(d, i);
	rf_good_read(d, 20, "after", 1, 8);
}

/*
 * One bad request, three seconds in: while another disk of this guest
 * floods the backend with bad requests, this disk's own message must
 * still be printed (the backend ratelimits per device).
 */
static void sc_late(struct rf_dev *d)
{
	struct blkif_request *r;

	rf_good_read(d, 0, "good", 0, 0);
	msleep(3000);
	r = rf_slot(d, 4, 1, "late");
	rf_case(d, 1, "late", r);
	rf_good_read(d, 20, "after", 1, 8);
}

/*
 * Nothing but malformed requests (a segment that ends before it starts),
 * 16 at a time, until the backend stops answering or 400 were sent: the
 * backend answers each with an error, then halts the queue after a bound.
 */
static void sc_malflood(struct rf_dev *d)
{
	struct blkif_request *r;
	unsigned int i, before, sent = 0, answered = 0;

	rf_good_read(d, 0, "good", 0, 0);
	while (sent < 400) {
		before = d->nr_rsp;
		for (i = 0; i < 16; i++) {
			r = rf_slot(d, BLKIF_OP_READ, 100 + i, "mal");
			rf_rw(r, 1, 0);
			rf_seg(&r->u.rw.seg[0], d->data_ref[0], 7, 0);
		}
		rf_send_wait(d, 16);
		answered += d->nr_rsp - before;
		sent += 16;
		if (d->nr_rsp - before < 16)
			break;
	}
	rf_say(d, "malformed=%u/%u", answered, sent);
	rf_good_read(d, 20, "after", 1, 8);
}

static const struct {
	const char *name;
	void (*run)(struct rf_dev *d);
} rf_scenarios[] = {
	{ "badop", sc_badop },
	{ "segs", sc_segs },
	{ "indirect", sc_indirect },
	{ "sect", sc_sect },
	{ "range", sc_range },
	{ "ids", sc_ids },
	{ "dupgref", sc_dupgref },
	{ "mixbatch", sc_mixbatch },
	{ "overflow", sc_overflow },
	{ "doublefetch", sc_doublefetch },
	{ "evtstorm", sc_evtstorm },
	{ "vanish", sc_vanish },
	{ "watchflood", sc_watchflood },
	{ "attach", sc_attach },
	{ "barrier", sc_barrier },
	{ "late", sc_late },
	{ "malflood", sc_malflood },
};

static int rf_thread(void *arg)
{
	struct rf_dev *d = arg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rf_scenarios); i++) {
		if (!strcmp(d->scen, rf_scenarios[i].name)) {
			rf_scenarios[i].run(d);
			break;
		}
	}
	if (i == ARRAY_SIZE(rf_scenarios))
		rf_say(d, "unknown_scenario=%s", d->scen);
	rf_finish(d);

	/* Stay around (and keep the grants) until removed or destroyed. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static int rf_grant_pages(struct rf_dev *d)
{
	domid_t be = d->dev->otherend_id;
	unsigned int i;
	int ref;

	for (i = 0; i < RF_DATA_PAGES; i++)
		d->data_ref[i] = INVALID_GRANT_REF;
	for (i = 0; i < RF_IND_PAGES; i++)
		d->ind_ref[i] = INVALID_GRANT_REF;
	d->other_ref = INVALID_GRANT_REF;
	d->dead_ref = INVALID_GRANT_REF;

	for (i = 0; i < RF_DATA_PAGES; i++) {
		d->data[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!d->data[i])
			return -ENOMEM;
		ref = gnttab_grant_foreign_access(be, xen_page_to_gfn(d->data[i]), 0);
		if (ref < 0)
			return ref;
		d->data_ref[i] = ref;
	}
	for (i = 0; i < RF_IND_PAGES; i++) {
		d->ind[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!d->ind[i])
			return -ENOMEM;
		ref = gnttab_grant_foreign_access(be, xen_page_to_gfn(d->ind[i]), 0);
		if (ref < 0)
			return ref;
		d->ind_ref[i] = ref;
	}
	d->other_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	d->dead_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!d->other_page || !d->dead_page)
		return -ENOMEM;
	ref = gnttab_grant_foreign_access(RF_OTHER_DOMID,
					  xen_page_to_gfn(d->other_page), 0);
	if (ref < 0)
		return ref;
	d->other_ref = ref;
	/* Granted, then revoked at once: the number stays ours but dead. */
	ref = gnttab_grant_foreign_access(be, xen_page_to_gfn(d->dead_page), 0);
	if (ref < 0)
		return ref;
	d->dead_ref = ref;
	if (!gnttab_end_foreign_access_ref(d->dead_ref))
		return -EBUSY;
	return 0;
}

static void rf_end_grant(grant_ref_t *ref, struct page **page)
{
	if (*ref != INVALID_GRANT_REF) {
		/* Frees the page once the backend let go of it. */
		gnttab_end_foreign_access(*ref, *page);
		*ref = INVALID_GRANT_REF;
		*page = NULL;
	} else if (*page) {
		__free_page(*page);
		*page = NULL;
	}
}

static void rf_free(struct rf_dev *d)
{
	unsigned int i;

	if (d->task) {
		kthread_stop(d->task);
		put_task_struct(d->task);
		d->task = NULL;
	}
	if (d->irq > 0) {
		unbind_from_irqhandler(d->irq, d);
		d->irq = 0;
		d->evtchn = 0;
	} else if (d->evtchn) {
		xenbus_free_evtchn(d->dev, d->evtchn);
		d->evtchn = 0;
	}
	if (d->ring_area)
		xenbus_teardown_ring(&d->ring_area, d->ring_pages, d->ring_refs);
	for (i = 0; i < RF_DATA_PAGES; i++)
		rf_end_grant(&d->data_ref[i], &d->data[i]);
	for (i = 0; i < RF_IND_PAGES; i++)
		rf_end_grant(&d->ind_ref[i], &d->ind[i]);
	rf_end_grant(&d->other_ref, &d->other_page);
	if (d->dead_ref != INVALID_GRANT_REF) {
		/* Access was revoked already; only the number is returned. */
		gnttab_free_grant_reference(d->dead_ref);
		d->dead_ref = INVALID_GRANT_REF;
	}
	if (d->dead_page) {
		__free_page(d->dead_page);
		d->dead_page = NULL;
	}
}

/* Publish the transport keys, with the lies the scenario calls for. */
static int rf_write_keys(struct rf_dev *d)
{
	struct xenbus_device *dev = d->dev;
	unsigned int max_order, max_q, order = ring_order, i;
	struct xenbus_transaction xbt;
	bool limits = !strcmp(d->scen, "limits");
	int err;

	max_order = xenbus_read_unsigned(dev->otherend, "max-ring-page-order", 0);
	max_q = xenbus_read_unsigned(dev->otherend, "multi-queue-max-queues", 1);
again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		return err;
	if (order) {
		err = xenbus_printf(xbt, dev->nodename, "ring-page-order", "%u",
				    order);
		for (i = 0; !err && i < d->ring_pages; i++) {
			char key[24];

			snprintf(key, sizeof(key), "ring-ref%u", i);
			err = xenbus_printf(xbt, dev->nodename, key, "%u",
					    d->ring_refs[i]);
		}
	} else {
		err = xenbus_printf(xbt, dev->nodename, "ring-ref", "%u",
				    d->ring_refs[0]);
	}
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "event-channel", "%u",
				    d->evtchn);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "protocol", "%s",
				    XEN_IO_PROTO_ABI_NATIVE);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "feature-persistent",
				    "%u", 1);
	if (!err && limits && d->disk == 'b') {
		/* One page order more than offered, refs for all pages. */
		err = xenbus_printf(xbt, dev->nodename, "ring-page-order",
				    "%u", max_order + 1);
		for (i = 0; !err && i < (2U << max_order); i++) {
			char key[24];

			snprintf(key, sizeof(key), "ring-ref%u", i);
			err = xenbus_printf(xbt, dev->nodename, key, "%u",
					    d->ring_refs[0]);
		}
		rf_say(d, "asked_order=%u", max_order + 1);
	}
	if (!err && limits && d->disk == 'c') {
		/* One queue more than offered, each described. */
		err = xenbus_printf(xbt, dev->nodename,
				    "multi-queue-num-queues", "%u", max_q + 1);
		for (i = 0; !err && i <= max_q; i++) {
			char key[32];

			snprintf(key, sizeof(key), "queue-%u/ring-ref", i);
			err = xenbus_printf(xbt, dev->nodename, key, "%u",
					    d->ring_refs[0]);
			snprintf(key, sizeof(key), "queue-%u/event-channel", i);
			if (!err)
				err = xenbus_printf(xbt, dev->nodename, key,
						    "%u", d->evtchn);
		}
		rf_say(d, "asked_queues=%u", max_q + 1);
	}
	if (!err && limits && d->disk == 'd') {
		/* No queues at all. */
		err = xenbus_printf(xbt, dev->nodename,
				    "multi-queue-num-queues", "%u", 0);
		rf_say(d, "asked_queues=0");
	}
	if (err) {
		xenbus_transaction_end(xbt, 1);
		return err;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	return err;
}

static int rf_setup(struct rf_dev *d)
{
	struct xenbus_device *dev = d->dev;
	int err;

	if (ring_order > RF_MAX_ORDER)
		ring_order = RF_MAX_ORDER;
	d->ring_pages = 1U << ring_order;
	err = xenbus_setup_ring(dev, GFP_KERNEL, &d->ring_area, d->ring_pages,
				d->ring_refs);
	if (err)
		return err;
	XEN_FRONT_RING_INIT(&d->ring, (struct blkif_sring *)d->ring_area,
			    XEN_PAGE_SIZE * d->ring_pages);
	err = xenbus_alloc_evtchn(dev, &d->evtchn);
	if (err)
		return err;
	err = bind_evtchn_to_irqhandler(d->evtchn, rf_irq, 0, "rogue-front", d);
	if (err <= 0)
		return err ?: -EINVAL;
	d->irq = err;
	err = rf_write_keys(d);
	if (err)
		return err;
	return xenbus_switch_state(dev, XenbusStateInitialised);
}

static void rf_connected(struct rf_dev *d)
{
	struct xenbus_device *dev = d->dev;
	unsigned int ssize;

	if (d->started)
		return;
	d->started = true;
	if (!strcmp(d->scen, "limits")) {
		rf_say(d, "backend=connected");
		rf_finish(d);
		return;
	}
	if (xenbus_scanf(XBT_NIL, dev->otherend, "sectors", "%llu",
			 &d->sectors) != 1)
		d->sectors = 0;
	ssize = xenbus_read_unsigned(dev->otherend, "sector-size", 512);
	d->lbs = max(ssize / 512, 1U);
	xenbus_switch_state(dev, XenbusStateConnected);
	d->task = kthread_run(rf_thread, d, "rogue-%c", d->disk);
	if (IS_ERR(d->task)) {
		rf_say(d, "thread=%ld", PTR_ERR(d->task));
		d->task = NULL;
		rf_finish(d);
		return;
	}
	get_task_struct(d->task);
}

static void rf_backend_changed(struct xenbus_device *dev,
			       enum xenbus_state state)
{
	struct rf_dev *d = dev_get_drvdata(&dev->dev);
	int err;

	switch (state) {
	case XenbusStateInitWait:
		if (dev->state != XenbusStateInitialising)
			break;
		err = rf_setup(d);
		if (err) {
			rf_say(d, "setup=%d", err);
			rf_finish(d);
		}
		break;
	case XenbusStateConnected:
		rf_connected(d);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		WRITE_ONCE(d->backend_left, true);
		wake_up(&d->wq);
		if (!d->finished) {
			rf_say(d, "backend=%s", state == XenbusStateClosing ?
			       "closing" : "closed");
			rf_finish(d);
		}
		/* Go away quietly, as a frontend should, once refused. */
		if (!d->started && dev->state != XenbusStateClosed)
			xenbus_switch_state(dev, XenbusStateClosed);
		break;
	default:
		break;
	}
}

/* The scenario for the disk with letter @disk: entry disk - 'b' of the list. */
static void rf_pick(struct rf_dev *d)
{
	const char *p = scenario ?: "";
	unsigned int idx = d->disk > 'b' ? d->disk - 'b' : 0;
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (!idx || !p[len])
			break;
		p += len + 1;
		idx--;
	}
	if (len >= sizeof(d->scen))
		len = sizeof(d->scen) - 1;
	memcpy(d->scen, p, len);
	d->scen[len] = 0;
}

static int rf_probe(struct xenbus_device *dev,
		    const struct xenbus_device_id *id)
{
	unsigned int vdev = 0;
	struct rf_dev *d;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->dev = dev;
	init_waitqueue_head(&d->wq);
	if (xenbus_scanf(XBT_NIL, dev->nodename, "virtual-device", "%u",
			 &vdev) != 1)
		vdev = 0;
	d->disk = 'a' + ((vdev >> 4) & 15);
	rf_pick(d);
	dev_set_drvdata(&dev->dev, d);
	err = rf_grant_pages(d);
	if (err) {
		rf_free(d);
		dev_set_drvdata(&dev->dev, NULL);
		kfree(d);
		return err;
	}
	return 0;
}

static void rf_remove(struct xenbus_device *dev)
{
	struct rf_dev *d = dev_get_drvdata(&dev->dev);

	if (!d)
		return;
	rf_free(d);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(d);
}

static const struct xenbus_device_id rf_ids[] = {
	{ "vbd" },
	{ "" }
};

static struct xenbus_driver rf_driver = {
	.ids = rf_ids,
	.probe = rf_probe,
	.remove = rf_remove,
	.otherend_changed = rf_backend_changed,
};

static int __init rf_init(void)
{
	if (!xen_domain())
		return -ENODEV;
	return xenbus_register_frontend(&rf_driver);
}
module_init(rf_init);

static void __exit rf_exit(void)
{
	xenbus_unregister_driver(&rf_driver);
}
module_exit(rf_exit);

MODULE_DESCRIPTION("Test-only misbehaving Xen block frontend (lab use only)");
MODULE_LICENSE("GPL");
