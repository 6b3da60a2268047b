// SPDX-License-Identifier: GPL-2.0
/*
 * rogue_disk: a test-only RAM disk in dom0 that says it has a volatile
 * write cache and then fails every flush with BLK_STS_NOTSUPP, as a
 * stacked or remote device may.  Exported to a guest through the backend,
 * it shows what the backend does when the device under it takes back what
 * it advertised (test_hostile_13).
 *
 * Reads and writes go to memory.  The block layer's flush machinery sends
 * the flushes as REQ_OP_FLUSH requests; failing one fails the write it
 * was issued for (data with REQ_PREFLUSH), whose data is then not written.
 * With stall=1, requests are held, not completed, until stall=0: a backing
 * device that stops answering (test_hostile_14).  With pin=1, the pages of
 * every write stay referenced after the write completed, until pin=0, as
 * a network block device keeps them for a retransmit (test_hostile_15).
 *
 * Written against the 6.12 interfaces, with include/compat/compat.h
 * providing them on 6.1 (tests/rogue/Kbuild).
 *
 * Never load this outside the lab.
 */

#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

static unsigned int disk_mib = 64;
module_param(disk_mib, uint, 0444);
MODULE_PARM_DESC(disk_mib, "size of the disk, MiB");

static atomic_t flushes_refused = ATOMIC_INIT(0);

static int refused_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&flushes_refused));
}

static const struct kernel_param_ops refused_ops = {
	.get = refused_get,
};

module_param_cb(flushes_refused, &refused_ops, NULL, 0444);
MODULE_PARM_DESC(flushes_refused, "flush requests failed so far");

static DEFINE_SPINLOCK(rd_lock);
static LIST_HEAD(rd_held);
static bool rd_stall;
static unsigned int rd_nr_held;

static void rd_do_request(struct request *rq);

static int stall_set(const char *val, const struct kernel_param *kp)
{
	struct request *rq, *next;
	LIST_HEAD(go);
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	spin_lock_irq(&rd_lock);
	rd_stall = on;
	if (!on) {
		list_splice_init(&rd_held, &go);
		rd_nr_held = 0;
	}
	spin_unlock_irq(&rd_lock);
	list_for_each_entry_safe(rq, next, &go, queuelist) {
		list_del_init(&rq->queuelist);
		rd_do_request(rq);
	}
	return 0;
}

static int stall_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(rd_stall));
}

static const struct kernel_param_ops stall_ops = {
	.set = stall_set,
	.get = stall_get,
};

module_param_cb(stall, &stall_ops, NULL, 0644);
MODULE_PARM_DESC(stall, "hold every request until set back to 0");

static int held_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(rd_nr_held));
}

static const struct kernel_param_ops held_ops = {
	.get = held_get,
};

module_param_cb(held, &held_ops, NULL, 0444);
MODULE_PARM_DESC(held, "requests held by stall now");

/* Pages held past their write's completion; the rest are not held. */
#define RD_PIN_MAX	1024

static struct page *rd_pinned[RD_PIN_MAX];
static unsigned int rd_nr_pinned;
static bool rd_pin;

static void rd_unpin_all(void)
{
	spin_lock_irq(&rd_lock);
	/* Never the last reference: the page's owner holds its own. */
	while (rd_nr_pinned)
		put_page(rd_pinned[--rd_nr_pinned]);
	spin_unlock_irq(&rd_lock);
}

static int pin_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	WRITE_ONCE(rd_pin, on);
	if (!on)
		rd_unpin_all();
	return 0;
}

static int pin_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(rd_pin));
}

static const struct kernel_param_ops pin_ops = {
	.set = pin_set,
	.get = pin_get,
};

module_param_cb(pin, &pin_ops, NULL, 0644);
MODULE_PARM_DESC(pin, "keep the pages of writes referenced after they complete, until set back to 0");

static int pinned_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(rd_nr_pinned));
}

static const struct kernel_param_ops pinned_ops = {
	.get = pinned_get,
};

module_param_cb(pinned, &pinned_ops, NULL, 0444);
MODULE_PARM_DESC(pinned, "pages held by pin now");

/* Take a reference to @page that outlives the request, if pin=1. */
static void rd_maybe_pin(struct page *page)
{
	unsigned long flags;

	if (!READ_ONCE(rd_pin))
		return;
	spin_lock_irqsave(&rd_lock, flags);
	if (rd_pin && rd_nr_pinned < RD_PIN_MAX) {
		get_page(page);
		rd_pinned[rd_nr_pinned++] = page;
	}
	spin_unlock_irqrestore(&rd_lock, flags);
}

static struct blk_mq_tag_set rd_set;
static struct gendisk *rd_disk;
static u8 *rd_store;
static sector_t rd_sectors;

static void rd_do_request(struct request *rq)
{
	sector_t sector = blk_rq_pos(rq);
	enum req_op op = req_op(rq);
	struct req_iterator iter;
	struct bio_vec bv;

	if (op == REQ_OP_FLUSH) {
		atomic_inc(&flushes_refused);
		blk_mq_end_request(rq, BLK_STS_NOTSUPP);
		return;
	}
	if (op != REQ_OP_READ && op != REQ_OP_WRITE) {
		blk_mq_end_request(rq, BLK_STS_NOTSUPP);
		return;
	}
	if (sector + blk_rq_sectors(rq) > rd_sectors) {
		blk_mq_end_request(rq, BLK_STS_IOERR);
		return;
	}
	rq_for_each_segment(bv, rq, iter) {
		u8 *mem = rd_store + ((size_t)sector << SECTOR_SHIFT);
		void *p = bvec_kmap_local(&bv);

		if (op == REQ_OP_WRITE)
			memcpy(mem, p, bv.bv_len);
		else
			memcpy(p, mem, bv.bv_len);
		kunmap_local(p);
		if (op == REQ_OP_WRITE)
			rd_maybe_pin(bv.bv_page);
		sector += bv.bv_len >> SECTOR_SHIFT;
	}
	blk_mq_end_request(rq, BLK_STS_OK);
}

static blk_status_t rd_queue_rq(struct blk_mq_hw_ctx *hctx,
				const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;

	blk_mq_start_request(rq);
	spin_lock_irq(&rd_lock);
	if (rd_stall) {
		list_add_tail(&rq->queuelist, &rd_held);
		rd_nr_held++;
		spin_unlock_irq(&rd_lock);
		return BLK_STS_OK;
	}
	spin_unlock_irq(&rd_lock);
	rd_do_request(rq);
	return BLK_STS_OK;
}

/* A held request is not late: it waits for stall=0. */
static enum blk_eh_timer_return rd_timeout(struct request *rq)
{
	return BLK_EH_RESET_TIMER;
}

static const struct blk_mq_ops rd_mq_ops = {
	.queue_rq = rd_queue_rq,
	.timeout = rd_timeout,
};

static const struct block_device_operations rd_fops = {
	.owner = THIS_MODULE,
};

static int __init rd_init(void)
{
	struct queue_limits lim = {
		/* The lie: a volatile cache, so flushes reach rd_queue_rq(). */
		.features = BLK_FEAT_WRITE_CACHE,
		.seg_boundary_mask = PAGE_SIZE - 1,
		.max_hw_sectors = 256,
		.max_segment_size = PAGE_SIZE,
		.physical_block_size = 512,
		.logical_block_size = 512,
		.max_segments = 64,
		.dma_alignment = 511,
	};
	int err;

	if (!disk_mib || disk_mib > 1024)
		return -EINVAL;
	rd_sectors = (sector_t)disk_mib << (20 - SECTOR_SHIFT);
	rd_store = vzalloc((size_t)disk_mib << 20);
	if (!rd_store)
		return -ENOMEM;
	rd_set.ops = &rd_mq_ops;
	rd_set.nr_hw_queues = 1;
	rd_set.queue_depth = 64;
	rd_set.numa_node = NUMA_NO_NODE;
	err = blk_mq_alloc_tag_set(&rd_set);
	if (err)
		goto out_store;
	rd_disk = blk_mq_alloc_disk(&rd_set, &lim, NULL);
	if (IS_ERR(rd_disk)) {
		err = PTR_ERR(rd_disk);
		goto out_set;
	}
	rd_disk->flags |= GENHD_FL_NO_PART;
	rd_disk->fops = &rd_fops;
	strscpy(rd_disk->disk_name, "roguedisk0", DISK_NAME_LEN);
	set_capacity(rd_disk, rd_sectors);
	err = add_disk(rd_disk);
	if (err)
		goto out_disk;
	return 0;

out_disk:
	put_disk(rd_disk);
out_set:
	blk_mq_free_tag_set(&rd_set);
out_store:
	vfree(rd_store);
	return err;
}

static void __exit rd_exit(void)
{
	/* (the module is busy while the disk is open: nothing is stalled) */
	rd_unpin_all();
	del_gendisk(rd_disk);
	put_disk(rd_disk);
	blk_mq_free_tag_set(&rd_set);
	vfree(rd_store);
}

module_init(rd_init);
module_exit(rd_exit);
MODULE_DESCRIPTION("Test-only RAM disk that refuses flushes, stalls or pins pages (xen-blk lab)");
MODULE_LICENSE("GPL");
