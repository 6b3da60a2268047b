// SPDX-License-Identifier: GPL-2.0
/*
 * insn-mark: tell insn-plugin.so (the QEMU plugin counting instructions)
 * where a measured window starts and stops, by running one instruction at
 * an address the plugin watches.  Nothing else sees it: on a machine
 * without the plugin it only returns.
 *
 *   insn-mark start     zero the counts
 *   insn-mark stop K    write the counts since start to insn-K.txt
 *                       (0 <= K < 256)
 *
 * Either prints CLOCK_MONOTONIC, read right after the marker, in seconds:
 * the difference of the two is the counted window's length, without the
 * start-up of this program or of anything the caller runs around it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define INSN_MARK	0x3f0000000000ULL	/* insn-plugin.c has the same */
#define INSN_MARK_LEN	0x2000UL

int main(int argc, char **argv)
{
	unsigned long off, k = 0;
	struct timespec ts;
	unsigned char *p;
	void (*mark)(void);

	if (argc == 2 && !strcmp(argv[1], "start")) {
		off = 0;
	} else if (argc == 3 && !strcmp(argv[1], "stop")) {
		k = strtoul(argv[2], NULL, 10);
		if (k > 255) {
			fprintf(stderr, "insn-mark: window number over 255\n");
			return 2;
		}
		off = 0x1000 + 16 * k;
	} else {
		fprintf(stderr, "usage: insn-mark start | insn-mark stop K\n");
		return 2;
	}
	p = mmap((void *)INSN_MARK, INSN_MARK_LEN,
		 PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)INSN_MARK) {
		perror("insn-mark: mmap");
		return 1;
	}
#if defined(__x86_64__)
	p[off] = 0xc3;				/* ret */
#elif defined(__aarch64__)
	memcpy(p + off, "\xc0\x03\x5f\xd6", 4);	/* ret */
	__builtin___clear_cache((char *)p + off, (char *)p + off + 4);
#else
#error "insn-mark: no return instruction for this architecture"
#endif
	mark = (void (*)(void))(p + off);
	mark();
	if (clock_gettime(CLOCK_MONOTONIC, &ts)) {
		perror("insn-mark: clock_gettime");
		return 1;
	}
	printf("%lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
	return 0;
}
