// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xen-blkfront's checks on what the backend writes (ring
 * producer index, response id and operation, status) and of the decoding
 * of virtual-device numbers into xvd names.  Compiles
 * include/xen-blkfront/validate.h, the header the module uses.
 */
#include "unit.h"
#include <xen-blkfront/validate.h>

UNIT_TEST(rsp_prod_normal)
{
	/* 3 requests out, 2 answered */
	EXPECT(xbf_rsp_prod_ok(12, 10, 13, 32));
	/* all answered */
	EXPECT(xbf_rsp_prod_ok(13, 10, 13, 32));
	/* nothing new */
	EXPECT(xbf_rsp_prod_ok(10, 10, 13, 32));
	/* full ring answered */
	EXPECT(xbf_rsp_prod_ok(42, 10, 42, 32));
}

UNIT_TEST(rsp_prod_bogus)
{
	/* more answers than requests */
	EXPECT(!xbf_rsp_prod_ok(14, 10, 13, 32));
	/* producer moved backwards */
	EXPECT(!xbf_rsp_prod_ok(9, 10, 13, 32));
	/* a whole lap ahead */
	EXPECT(!xbf_rsp_prod_ok(10 + 32, 10, 13, 32));
	/* our own state beyond the ring cannot be believed either */
	EXPECT(!xbf_rsp_prod_ok(11, 10, 43, 32));
}

UNIT_TEST(rsp_prod_wraps)
{
	u32 cons = 0xfffffffeU;

	EXPECT(xbf_rsp_prod_ok(cons + 3, cons, cons + 4, 32));
	EXPECT(xbf_rsp_prod_ok(cons + 4, cons, cons + 4, 32));
	EXPECT(!xbf_rsp_prod_ok(cons + 5, cons, cons + 4, 32));
	EXPECT(!xbf_rsp_prod_ok(cons - 1, cons, cons + 4, 32));
}

UNIT_TEST(rsp_id_and_state)
{
	EXPECT_EQ(xbf_check_rsp(0, 32, true, XENBLK_OP_READ, 0, XENBLK_OP_READ),
		  XBF_RSP_VALID);
	EXPECT_EQ(xbf_check_rsp(31, 32, true, XENBLK_OP_WRITE, 0, XENBLK_OP_WRITE),
		  XBF_RSP_VALID);
	EXPECT_EQ(xbf_check_rsp(32, 32, true, XENBLK_OP_READ, 0, XENBLK_OP_READ),
		  XBF_RSP_BAD_ID);
	EXPECT_EQ(xbf_check_rsp(1ULL << 40, 32, true, XENBLK_OP_READ, 0,
				XENBLK_OP_READ), XBF_RSP_BAD_ID);
	EXPECT_EQ(xbf_check_rsp(~0ULL, 32, true, XENBLK_OP_READ, 0, XENBLK_OP_READ),
		  XBF_RSP_BAD_ID);
	EXPECT_EQ(xbf_check_rsp(5, 32, false, XENBLK_OP_READ, 0, XENBLK_OP_READ),
		  XBF_RSP_NOT_INFLIGHT);
}

UNIT_TEST(rsp_operation)
{
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_READ, 0, XENBLK_OP_WRITE),
		  XBF_RSP_BAD_OP);
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_FLUSH_DISKCACHE, 0,
				XENBLK_OP_FLUSH_DISKCACHE), XBF_RSP_VALID);
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_FLUSH_DISKCACHE, 0,
				XENBLK_OP_WRITE_BARRIER), XBF_RSP_BAD_OP);
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_DISCARD, 0,
				XENBLK_OP_DISCARD), XBF_RSP_VALID);
	/* indirect: either the outer or the inner operation */
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_INDIRECT, XENBLK_OP_WRITE,
				XENBLK_OP_INDIRECT), XBF_RSP_VALID);
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_INDIRECT, XENBLK_OP_WRITE,
				XENBLK_OP_WRITE), XBF_RSP_VALID);
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_INDIRECT, XENBLK_OP_WRITE,
				XENBLK_OP_READ), XBF_RSP_BAD_OP);
	/* a plain request never matches an inner operation it did not have */
	EXPECT_EQ(xbf_check_rsp(1, 32, true, XENBLK_OP_READ, XENBLK_OP_WRITE,
				XENBLK_OP_WRITE), XBF_RSP_BAD_OP);
}

UNIT_TEST(rsp_status)
{
	EXPECT_EQ(xbf_rsp_errno(XENBLK_RSP_OKAY), 0);
	EXPECT_EQ(xbf_rsp_errno(XENBLK_RSP_ERROR), -EIO);
	EXPECT_EQ(xbf_rsp_errno(XENBLK_RSP_EOPNOTSUPP), -EOPNOTSUPP);
	EXPECT_EQ(xbf_rsp_errno(7), -EIO);
	EXPECT_EQ(xbf_rsp_errno(-32768), -EIO);
}

static int decode(u32 vdev, struct xbf_vdev *v, char *name)
{
	int ret = xbf_vdev_decode(vdev, v);

	if (!ret)
		ret = xbf_disk_name(name, 32, v);
	return ret;
}

#define VDEV(maj, min)	(((maj) << 8) | (min))

/* One virtual-device number and where it must land; no name: refused. */
struct vdev_case {
	u32 vdev;
	const char *name;
	unsigned int minor;
	unsigned int nr_minors;
};

static void check_vdev(const void *entry, int *unit_failed)
{
	const struct vdev_case *c = entry;
	struct xbf_vdev v;
	char name[32];

	if (!c->name) {
		EXPECT_EQ(decode(c->vdev, &v, name), -ENODEV);
		return;
	}
	EXPECT_EQ(decode(c->vdev, &v, name), 0);
	EXPECT(!strcmp(name, c->name));
	EXPECT_EQ(v.minor, c->minor);
	EXPECT_EQ(v.nr_minors, c->nr_minors);
}

static void describe_vdev(const void *entry, char *buf, size_t len)
{
	snprintf(buf, len, "virtual-device %#x",
		 ((const struct vdev_case *)entry)->vdev);
}

UNIT_TEST(discard_granularity)
{
	/* what backends write: a block, a page, an SSD's erase block */
	EXPECT(xbf_discard_granularity_ok(512, 512));
	EXPECT(xbf_discard_granularity_ok(4096, 512));
	EXPECT(xbf_discard_granularity_ok(1U << 20, 4096));
	/* the largest power of two a u32 holds */
	EXPECT(xbf_discard_granularity_ok(1U << 31, 512));
	/* smaller than a logical block */
	EXPECT(!xbf_discard_granularity_ok(1, 512));
	EXPECT(!xbf_discard_granularity_ok(2048, 4096));
	/* not a power of two: the block layer's masks go wrong */
	EXPECT(!xbf_discard_granularity_ok(3 * 512, 512));
	EXPECT(!xbf_discard_granularity_ok(0xfffffe00, 512));
	EXPECT(!xbf_discard_granularity_ok(0xffffffff, 512));
}

UNIT_TEST(vdev_xvd)
{
	static const struct vdev_case c[] = {
		{ VDEV(202, 0), "xvda", 0, 16 },
		{ 51728, "xvdb", 16, 16 },		/* 202:16 */
		{ VDEV(202, 17), "xvdb1", 17, 1 },
		{ VDEV(202, 255), "xvdp15", 255, 1 },
	};

	UNIT_TABLE(c, check_vdev, describe_vdev);
}

UNIT_TEST(vdev_emulated)
{
	static const struct vdev_case c[] = {
		{ VDEV(3, 0), "xvda", 0, 16 },		/* hda */
		{ VDEV(3, 64), "xvdb", 16, 16 },	/* hdb */
		{ VDEV(22, 64), "xvdd", 48, 16 },	/* hdd */
		{ VDEV(8, 16), "xvdb", 16, 16 },	/* sdb */
		{ VDEV(8, 33), "xvdc1", 33, 1 },	/* sdc1 */
		{ VDEV(65, 0), "xvdq", 256, 16 },	/* sdq */
		{ VDEV(71, 240), "xvddx", 127 * 16, 16 },	/* sddx */
		{ VDEV(128, 0), "xvddy", 128 * 16, 16 },	/* sddy */
		{ VDEV(135, 240), "xvdiv", 255 * 16, 16 },	/* the last */
		{ VDEV(7, 0), NULL, 0, 0 },
		{ VDEV(136, 0), NULL, 0, 0 },
	};

	UNIT_TABLE(c, check_vdev, describe_vdev);
}

UNIT_TEST(vdev_extended)
{
	struct xbf_vdev v;
	char name[32];

	EXPECT_EQ(decode(XBF_VDEV_EXT_FLAG | (26 << 8), &v, name), 0);
	EXPECT(!strcmp(name, "xvdaa"));
	EXPECT_EQ(v.minor, 26 * 256);
	EXPECT_EQ(v.nr_minors, 256);
	EXPECT_EQ(decode(XBF_VDEV_EXT_FLAG | (701 << 8) | 3, &v, name), 0);
	EXPECT(!strcmp(name, "xvdzz3"));
	EXPECT_EQ(decode(XBF_VDEV_EXT_FLAG | (702 << 8), &v, name), 0);
	EXPECT(!strcmp(name, "xvdaaa"));
	EXPECT_EQ(decode(XBF_VDEV_EXT_FLAG | (1U << 20), &v, name), -ENODEV);
	EXPECT_EQ(decode(1U << 29, &v, name), -ENODEV);
}

UNIT_TEST(disk_name_bounds)
{
	struct xbf_vdev v = { .disk = 25, .part = 0 };
	char buf[8];

	EXPECT_EQ(xbf_disk_name(buf, sizeof(buf), &v), 0);
	EXPECT(!strcmp(buf, "xvdz"));
	v.part = 255;
	EXPECT_EQ(xbf_disk_name(buf, sizeof(buf), &v), 0);
	EXPECT(!strcmp(buf, "xvdz255"));
	EXPECT_EQ(xbf_disk_name(buf, 5, &v), -ENOSPC);
	v.disk = 702;
	v.part = 0;
	EXPECT_EQ(xbf_disk_name(buf, 4, &v), -ENOSPC);
}

UNIT_TEST(storm_named_once_per_run)
{
	unsigned int run = 0, i, named = 0;

	/* Responses keep the run at zero. */
	for (i = 0; i < 100; i++)
		EXPECT(!xbf_storm_note(&run, false));
	/* A run one short of the bound is no storm; a response ends it. */
	for (i = 0; i < XBF_STORM_RUN - 1; i++)
		EXPECT(!xbf_storm_note(&run, true));
	EXPECT(!xbf_storm_note(&run, false));
	EXPECT_EQ(run, 0);
	/* A long run is named exactly once. */
	for (i = 0; i < 1000; i++)
		named += xbf_storm_note(&run, true);
	EXPECT_EQ(named, 1);
	/* After a response, a new run is a new storm. */
	EXPECT(!xbf_storm_note(&run, false));
	for (i = 0; i < XBF_STORM_RUN; i++)
		named += xbf_storm_note(&run, true);
	EXPECT_EQ(named, 2);
}

static const struct unit_case cases[] = {
	UNIT_CASE(rsp_prod_normal),
	UNIT_CASE(rsp_prod_bogus),
	UNIT_CASE(rsp_prod_wraps),
	UNIT_CASE(rsp_id_and_state),
	UNIT_CASE(rsp_operation),
	UNIT_CASE(rsp_status),
	UNIT_CASE(discard_granularity),
	UNIT_CASE(vdev_xvd),
	UNIT_CASE(vdev_emulated),
	UNIT_CASE(vdev_extended),
	UNIT_CASE(disk_name_bounds),
	UNIT_CASE(storm_named_once_per_run),
};

int main(void)
{
	return unit_run("blkfront_validate", cases, ARRAY_SIZE(cases));
}
