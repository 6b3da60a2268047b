/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared scaffolding of the libFuzzer harnesses.
 *
 * The harnesses compile the drivers' Xen-free policy headers exactly as the
 * unit tests do (tests/unit/kshim.h, -DXENBLK_UNIT_TEST) and feed them what
 * a hostile peer could put on the wire.  The fuzzer's input is consumed
 * through a cursor that yields zeros once the input is exhausted, so every
 * input, however short, is a complete test case.
 *
 * An oracle is a property re-derived by the harness, independently of the
 * code under test, that must hold whenever that code accepts something.  A
 * broken oracle prints what was violated and aborts, which libFuzzer
 * reports as a crash and saves the input as a reproducer.
 */
#ifndef XENBLK_FUZZ_H
#define XENBLK_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/**
 * struct fz - cursor over the fuzzer's input
 * @p: next byte
 * @left: bytes left
 */
struct fz {
	const u8 *p;
	size_t left;
};

static inline u8 fz_u8(struct fz *f)
{
	if (!f->left)
		return 0;
	f->left--;
	return *f->p++;
}

static inline u16 fz_u16(struct fz *f)
{
	u16 v = fz_u8(f);

	return v | (u16)fz_u8(f) << 8;
}

static inline u32 fz_u32(struct fz *f)
{
	u32 v = fz_u16(f);

	return v | (u32)fz_u16(f) << 16;
}

static inline u64 fz_u64(struct fz *f)
{
	u64 v = fz_u32(f);

	return v | (u64)fz_u32(f) << 32;
}

/* Copy @n bytes out of the input, zero-filling what is missing. */
static inline void fz_bytes(struct fz *f, u8 *dst, size_t n)
{
	size_t take = n < f->left ? n : f->left;

	if (take)
		memcpy(dst, f->p, take);
	memset(dst + take, 0, n - take);
	f->p += take;
	f->left -= take;
}

/* Little-endian loads from a private byte image of a wire structure. */
static inline u16 le16_at(const u8 *b, size_t off)
{
	return b[off] | (u16)b[off + 1] << 8;
}

static inline u32 le32_at(const u8 *b, size_t off)
{
	return le16_at(b, off) | (u32)le16_at(b, off + 2) << 16;
}

static inline u64 le64_at(const u8 *b, size_t off)
{
	return le32_at(b, off) | (u64)le32_at(b, off + 4) << 32;
}

/* Verdict traces, for checking what the seeds reach (-DFUZZ_VERBOSE). */
#ifdef FUZZ_VERBOSE
#define FZ_TRACE(...) fprintf(stderr, __VA_ARGS__)
#else
#define FZ_TRACE(...) do { } while (0)
#endif

#define ORACLE(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "ORACLE VIOLATED at %s:%d: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif /* XENBLK_FUZZ_H */
