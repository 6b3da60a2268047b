/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal user-space test scaffolding for the drivers' pure logic.
 *
 * Each test program defines test cases with UNIT_TEST() and runs them from
 * main() with unit_run().  A failed expectation marks the case failed and
 * the program exits non-zero; the runner in tests/unit/Makefile counts.
 */
#ifndef XENBLK_UNIT_H
#define XENBLK_UNIT_H

#include <stdio.h>
#include <stdlib.h>

struct unit_case {
	const char *name;
	void (*fn)(int *failed);
};

#define UNIT_TEST(n) static void n(int *unit_failed)

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "  %s:%d: expected %s\n",		\
			__FILE__, __LINE__, #cond);			\
		*unit_failed = 1;					\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (__a != __b) {						\
		fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
			__FILE__, __LINE__, #a, __a, #b, __b);		\
		*unit_failed = 1;					\
	}								\
} while (0)

#define UNIT_CASE(n) { #n, n }

/*
 * Table-driven tests: unit_table() runs @check, which holds the
 * expectations, on each of the @n entries of @size bytes at @table, and
 * names each entry that failed with @describe.  UNIT_TABLE() is the call
 * for an array, from inside a UNIT_TEST().
 */
static inline void unit_table(const void *table, size_t size, size_t n,
			      void (*check)(const void *entry, int *unit_failed),
			      void (*describe)(const void *entry, char *buf,
					       size_t len),
			      int *unit_failed)
{
	const char *entry = table;
	size_t i;

	for (i = 0; i < n; i++, entry += size) {
		int failed = 0;
		char what[96];

		check(entry, &failed);
		if (!failed)
			continue;
		describe(entry, what, sizeof(what));
		fprintf(stderr, "  ... for %s\n", what);
		*unit_failed = 1;
	}
}

#define UNIT_TABLE(table, check, describe)				\
	unit_table(table, sizeof((table)[0]), ARRAY_SIZE(table), check,	\
		   describe, unit_failed)

static inline int unit_run(const char *suite, const struct unit_case *cases,
			   int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		int failed = 0;

		cases[i].fn(&failed);
		printf("%s %s.%s\n", failed ? "FAIL" : "PASS", suite,
		       cases[i].name);
		bad += failed;
	}
	printf("%s: %d passed, %d failed\n", suite, n - bad, bad);
	return bad ? 1 : 0;
}

#endif /* XENBLK_UNIT_H */
