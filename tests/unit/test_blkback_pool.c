// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of xen-blkback's page pool trim and squeeze policy
 * (include/xen-blkback/pool.h, the header the module compiles).
 */
#include "unit.h"
#include <xen-blkback/pool.h>

UNIT_TEST(trim_to_max_buffer_pages)
{
	EXPECT_EQ(xbb_pool_target(1024, false), 1024);
	EXPECT_EQ(xbb_pool_excess(1500, 1024), 476);
	EXPECT_EQ(xbb_pool_excess(1024, 1024), 0);
	EXPECT_EQ(xbb_pool_excess(3, 1024), 0);
	EXPECT_EQ(xbb_pool_excess(7, xbb_pool_target(0, false)), 7);
}

UNIT_TEST(late_squeeze_still_empties_once)
{
	struct xbb_squeeze s = { 0 };
	unsigned long now = 5000;

	/* The thread first looks well after the 10-jiffy window ended. */
	xbb_squeeze_arm(&s, now + 10);
	EXPECT(xbb_squeeze_active(&s, now + 500));
	EXPECT_EQ(xbb_pool_target(1024, false), 1024);
	EXPECT(!xbb_squeeze_active(&s, now + 501));
}

UNIT_TEST(squeeze_empties_pool_for_its_duration)
{
	struct xbb_squeeze s = { 0 };
	unsigned long now = 1000;

	EXPECT(!xbb_squeeze_active(&s, now));
	xbb_squeeze_arm(&s, now + 10);
	EXPECT(xbb_squeeze_active(&s, now));
	EXPECT(xbb_squeeze_active(&s, now + 9));
	EXPECT_EQ(xbb_pool_target(1024, xbb_squeeze_active(&s, now + 9)), 0);
	EXPECT_EQ(xbb_pool_excess(800, xbb_pool_target(1024, true)), 800);
	EXPECT(!xbb_squeeze_active(&s, now + 10));
	EXPECT_EQ(xbb_pool_target(1024, xbb_squeeze_active(&s, now + 11)),
		  1024);
}

UNIT_TEST(squeeze_disarms_and_survives_wrap)
{
	struct xbb_squeeze s = { 0 };
	unsigned long now = (unsigned long)-5;	/* jiffies about to wrap */

	xbb_squeeze_arm(&s, now + 10);		/* deadline past the wrap */
	EXPECT(xbb_squeeze_active(&s, now));
	EXPECT(xbb_squeeze_active(&s, now + 9));
	EXPECT(!xbb_squeeze_active(&s, now + 10));
	EXPECT(!s.armed);
	/* Half a counter period later the stale deadline looks "future". */
	EXPECT(!xbb_squeeze_active(&s, now + 10 + (~0UL >> 1) + 5));
}

UNIT_TEST(unarmed_never_squeezes_early_in_boot)
{
	/* jiffies start just below zero; a zero deadline is not a squeeze. */
	struct xbb_squeeze s = { .until = 0, .armed = false };

	EXPECT(!xbb_squeeze_active(&s, (unsigned long)-300000));
}

UNIT_TEST(rearm_extends)
{
	struct xbb_squeeze s = { 0 };

	xbb_squeeze_arm(&s, 100);
	xbb_squeeze_arm(&s, 200);
	EXPECT(xbb_squeeze_active(&s, 150));
	EXPECT(!xbb_squeeze_active(&s, 200));
}

int main(void)
{
	static const struct unit_case cases[] = {
		UNIT_CASE(trim_to_max_buffer_pages),
		UNIT_CASE(late_squeeze_still_empties_once),
		UNIT_CASE(squeeze_empties_pool_for_its_duration),
		UNIT_CASE(squeeze_disarms_and_survives_wrap),
		UNIT_CASE(unarmed_never_squeezes_early_in_boot),
		UNIT_CASE(rearm_extends),
	};

	return unit_run("blkback_pool", cases, ARRAY_SIZE(cases));
}
