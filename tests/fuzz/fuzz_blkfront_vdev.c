// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the frontend's decoding of the virtual-device key and
 * naming of the disk (xbf_vdev_decode(), xbf_disk_name() in
 * include/xen-blkfront/validate.h).
 *
 * The key is written by the toolstack, which is trusted, but a bad value
 * must still not make the frontend reserve impossible minors or overrun
 * the name buffer.
 *
 * Input layout (missing bytes read as zero):
 *   u32  virtual-device value
 *   u8   size of the name buffer (heap-allocated exactly, for ASAN)
 *
 * Oracles: an accepted number yields a minor range inside the 20-bit minor
 * space that starts at a disk or partition boundary and matches the
 * number's own minor for xvd and extended numbers; an accepted name fits
 * its buffer and reads back, in bijective base 26 and decimal, as the
 * decoded disk and partition.
 */
#include "fuzz.h"
#include <xen-blkfront/validate.h>

/* "xvd" + letters + digits + NUL, computed independently. */
static unsigned int name_len(const struct xbf_vdev *v)
{
	unsigned int n = v->disk + 1, letters = 0, len;

	while (n) {
		letters++;
		n = (n - 1) / 26;
	}
	len = 3 + letters + 1;
	if (v->part)
		len += v->part >= 100 ? 3 : v->part >= 10 ? 2 : 1;
	return len;
}

static void check_name(const char *buf, unsigned int size,
		       const struct xbf_vdev *v)
{
	unsigned int i = 3, disk = 0, part = 0, digits = 0;
	size_t len = strnlen(buf, size);

	ORACLE(len < size);
	ORACLE(len == name_len(v) - 1);
	ORACLE(!strncmp(buf, "xvd", 3));
	ORACLE(buf[i] >= 'a' && buf[i] <= 'z');
	for (; buf[i] >= 'a' && buf[i] <= 'z'; i++)
		disk = disk * 26 + (buf[i] - 'a' + 1);
	ORACLE(disk - 1 == v->disk);
	for (; buf[i] >= '0' && buf[i] <= '9'; i++, digits++)
		part = part * 10 + (buf[i] - '0');
	ORACLE(buf[i] == '\0');
	ORACLE(part == v->part);
	ORACLE(!digits == !v->part);
	ORACLE(!digits || buf[i - digits] != '0');
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fz f = { data, size };
	struct xbf_vdev v;
	unsigned int bufsize, parts;
	u32 vdevice;
	char *buf;
	int err;

	vdevice = fz_u32(&f);
	bufsize = fz_u8(&f);

	memset(&v, 0xa5, sizeof(v));
	err = xbf_vdev_decode(vdevice, &v);
	if (err) {
		ORACLE(err == -ENODEV);
		return 0;
	}
	ORACLE(!(vdevice >> 29));
	parts = (vdevice & XBF_VDEV_EXT_FLAG) ? XBF_PARTS_PER_EXT_DISK :
						 XBF_PARTS_PER_DISK;
	ORACLE(v.minor < (1U << XBF_MINORBITS));
	ORACLE(v.part < parts);
	ORACLE(v.minor == v.disk * parts + v.part);
	ORACLE(v.nr_minors == (v.part ? 1 : parts));
	ORACLE((u64)v.minor + v.nr_minors <= (1U << XBF_MINORBITS));
	if (vdevice & XBF_VDEV_EXT_FLAG)
		ORACLE(v.minor == (vdevice & (XBF_VDEV_EXT_FLAG - 1)));
	else if ((vdevice >> 8) == XBF_XVD_MAJOR)
		ORACLE(v.minor == (vdevice & 0xff));

	buf = malloc(bufsize ? bufsize : 1);
	if (!buf)
		return 0;
	err = xbf_disk_name(buf, bufsize, &v);
	if (err) {
		ORACLE(err == -ENOSPC);
		/*
		 * Never refused when there is room to spare; names without a
		 * partition ask for one byte more than they use.
		 */
		ORACLE(bufsize <= name_len(&v));
	} else {
		check_name(buf, bufsize, &v);
	}
	free(buf);
	return 0;
}
