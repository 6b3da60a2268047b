// SPDX-License-Identifier: GPL-2.0
/*
 * insn-plugin: a QEMU TCG plugin that counts the instructions the
 * emulated CPUs execute, per translated block's start address and per
 * emulated CPU, between two markers the machine itself sets.
 *
 * Under -icount the instruction counter is the machine's clock, so a
 * count of instructions per I/O is the cost of that I/O in the only
 * unit the lab measures exactly.  perf cannot give it inside the lab's
 * PV kernels (its samples land on the idle hypercall, see the benchmarks
 * document); this can, because it counts in the emulator, below Xen.
 *
 * The markers are code at fixed user-space addresses (insn-mark.c): a
 * block that starts in the page at INSN_MARK zeroes every count, one
 * that starts at INSN_MARK + 4096 + 16 * k writes the counts since then
 * to OUT/insn-k.txt, one line per block address and length executed in
 * the window:
 *
 *   vaddr n_insns executions-on-cpu0 executions-on-cpu1 ...
 *
 * and last a line of the instructions each CPU spent in spin-wait loops,
 * which readers of the lines above skip as a comment:
 *
 *   #spin instructions-on-cpu0 instructions-on-cpu1 ...
 *
 * A spin-wait loop is one that waits with PAUSE (cpu_relax(): a lock's
 * slow path, a wake-up waiting for its task to leave another CPU).  QEMU
 * ends a block at PAUSE, so on each CPU a block that ends in PAUSE is
 * counted as spinning, and so are the blocks that CPU ran since its
 * previous such block if there were at most SPIN_LOOP_BLOCKS of them (the
 * loop's tests); blocks that run after the last PAUSE of a wait are the
 * way out of the loop and count as work.  The emulator runs one CPU at a
 * time, so a CPU waiting for another spins until the emulator gets round
 * to the other one: how much depends on where those switches fall, not
 * on the code being measured.
 *
 * QEMU's plugin header is not packaged in Debian 12: qemu-plugin-api.h
 * declares the part of its C API this uses.
 *
 * Usage: -plugin file=insn-plugin.so,arg=out=DIR
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_API_VERSION;

#define INSN_MARK	0x3f0000000000ULL	/* insn-mark.c has the same */
#define INSN_MARK_LEN	0x2000ULL
#define MAX_CPUS	8

/* One block start address and length, and how often each CPU ran it. */
struct block {
	uint64_t vaddr;
	uint64_t n_insns;
	uint64_t execs[MAX_CPUS];
	bool pause;			/* ends in PAUSE */
	struct block *next;		/* hash chain */
	struct block *all;		/* every block, for dumps and resets */
};

#define HASH_BITS 20
static struct block *table[1u << HASH_BITS];
static struct block *blocks;
static unsigned int nr_cpus = 1;
static char out_dir[512] = ".";
static unsigned long windows;

#define SPIN_LOOP_BLOCKS 4

/* Per CPU: spin-wait instructions, and the blocks since its last PAUSE. */
struct cpu_spin {
	uint64_t insns;
	uint64_t pending;	/* instructions of the blocks since the PAUSE */
	unsigned int since;	/* how many blocks; > SPIN_LOOP_BLOCKS: none */
};

static struct cpu_spin spins[MAX_CPUS];

static unsigned int hash(uint64_t vaddr, uint64_t n)
{
	uint64_t h = (vaddr ^ (n << 48)) * 0x9e3779b97f4a7c15ULL;

	return h >> (64 - HASH_BITS);
}

static struct block *block_get(uint64_t vaddr, uint64_t n)
{
	unsigned int h = hash(vaddr, n);
	struct block *b;

	for (b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->n_insns == n)
			return b;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->vaddr = vaddr;
	b->n_insns = n;
	b->next = table[h];
	table[h] = b;
	b->all = blocks;
	blocks = b;
	return b;
}

/* Single-threaded TCG (-icount) runs every CPU in one thread: no locks. */
static void block_exec(unsigned int cpu, void *udata)
{
	struct block *b = udata;
	struct cpu_spin *c;

	if (cpu >= MAX_CPUS)
		cpu = MAX_CPUS - 1;
	b->execs[cpu]++;
	c = &spins[cpu];
	if (b->pause) {
		if (c->since <= SPIN_LOOP_BLOCKS)
			c->insns += c->pending;
		c->insns += b->n_insns;
		c->pending = 0;
		c->since = 0;
	} else if (c->since <= SPIN_LOOP_BLOCKS) {
		c->pending += b->n_insns;
		c->since++;
	}
}

static void counts_reset(void)
{
	struct block *b;
	unsigned int i;

	for (b = blocks; b; b = b->all)
		memset(b->execs, 0, sizeof(b->execs));
	for (i = 0; i < MAX_CPUS; i++) {
		spins[i].insns = 0;
		spins[i].pending = 0;
		spins[i].since = SPIN_LOOP_BLOCKS + 1;
	}
}

static void counts_dump(unsigned int id, unsigned int cpu)
{
	char path[600];
	struct block *b;
	unsigned int i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/insn-%u.txt", out_dir, id);
	f = fopen(path, "w");
	if (!f) {
		qemu_plugin_outs("insn-plugin: cannot write a window's counts\n");
		return;
	}
	fprintf(f, "# window %u, stop marker on cpu %u, %u cpus\n", id, cpu,
		nr_cpus);
	for (b = blocks; b; b = b->all) {
		uint64_t sum = 0;

		for (i = 0; i < nr_cpus; i++)
			sum += b->execs[i];
		if (!sum)
			continue;
		fprintf(f, "%llx %llu", (unsigned long long)b->vaddr,
			(unsigned long long)b->n_insns);
		for (i = 0; i < nr_cpus; i++)
			fprintf(f, " %llu", (unsigned long long)b->execs[i]);
		fputc('\n', f);
	}
	fputs("#spin", f);
	for (i = 0; i < nr_cpus; i++)
		fprintf(f, " %llu", (unsigned long long)spins[i].insns);
	fputc('\n', f);
	fclose(f);
	windows++;
}

static void mark_exec(unsigned int cpu, void *udata)
{
	uint64_t off = (uintptr_t)udata;

	if (off < 0x1000)
		counts_reset();
	else
		counts_dump((off - 0x1000) / 16, cpu);
}

static void tb_trans(uint64_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct qemu_plugin_insn *last;
	struct block *b;
	size_t n;

	(void)id;
	if (vaddr - INSN_MARK < INSN_MARK_LEN) {
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_exec,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(uintptr_t)(vaddr - INSN_MARK));
		return;
	}
	n = qemu_plugin_tb_n_insns(tb);
	b = block_get(vaddr, n);
	if (!b)
		return;
	last = n ? qemu_plugin_tb_get_insn(tb, n - 1) : NULL;
	if (last && qemu_plugin_insn_size(last) == 2) {
		const uint8_t *op = qemu_plugin_insn_data(last);

		/* F3 90: PAUSE (make bench counts instructions on x86 only) */
		if (op && op[0] == 0xf3 && op[1] == 0x90)
			b->pause = true;
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, block_exec,
					     QEMU_PLUGIN_CB_NO_REGS, b);
}

static void at_exit(uint64_t id, void *udata)
{
	char msg[128];

	(void)id;
	(void)udata;
	snprintf(msg, sizeof(msg), "insn-plugin: %lu window(s) written\n",
		 windows);
	qemu_plugin_outs(msg);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(uint64_t id,
					   const struct qemu_info *info, int argc,
					   char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			snprintf(out_dir, sizeof(out_dir), "%s", argv[i] + 4);
		} else {
			fprintf(stderr, "insn-plugin: unknown argument %s\n",
				argv[i]);
			return -1;
		}
	}
	if (info->system_emulation && info->system.max_vcpus > 0)
		nr_cpus = info->system.max_vcpus < MAX_CPUS ?
			  info->system.max_vcpus : MAX_CPUS;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
