/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Validation of what the backend writes into the shared ring, and decoding
 * of the toolstack's virtual-device number.  Xen-free so that the unit
 * tests compile the very same code the module runs.
 *
 * The backend is not trusted: a response is copied out of the ring once
 * and only the private copy is checked and used.
 */
#ifndef XEN_BLKFRONT_VALIDATE_H
#define XEN_BLKFRONT_VALIDATE_H

#ifndef XENBLK_UNIT_TEST
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/errno.h>
#endif

#include <xen-blkif/wire.h>

/**
 * xbf_rsp_prod_ok() - check the producer index the backend published
 * @rsp_prod: response producer read from the shared ring
 * @rsp_cons: our consumer index
 * @req_prod: requests we have produced (req_prod_pvt)
 * @ring_size: slots in the ring
 *
 * The backend can only answer requests we gave it: the number of new
 * responses must not exceed the number of requests outstanding, which in
 * turn never exceeds the ring size.  Indices are free-running u32 values,
 * so the comparison is done on differences.
 *
 * Return: true if the index is believable.
 */
static inline bool xbf_rsp_prod_ok(u32 rsp_prod, u32 rsp_cons, u32 req_prod,
				   u32 ring_size)
{
	u32 fresh = rsp_prod - rsp_cons;
	u32 outstanding = req_prod - rsp_cons;

	return outstanding <= ring_size && fresh <= outstanding;
}

/**
 * enum xbf_rsp_verdict - outcome of checking one response
 * @XBF_RSP_VALID: the response answers a request in flight
 * @XBF_RSP_BAD_ID: the id is not a slot of the ring
 * @XBF_RSP_NOT_INFLIGHT: the slot exists but has no request in flight
 * @XBF_RSP_BAD_OP: the operation does not match the request
 */
enum xbf_rsp_verdict {
	XBF_RSP_VALID,
	XBF_RSP_BAD_ID,
	XBF_RSP_NOT_INFLIGHT,
	XBF_RSP_BAD_OP,
};

/**
 * xbf_check_rsp() - validate the private copy of a response
 * @id: the response's id
 * @ring_size: slots (and shadow entries) of the ring
 * @inflight: whether shadow entry @id has a request in flight; only
 *	consulted once @id is known to be in range
 * @req_op: operation we put in the request
 * @req_indirect_op: its indirect_op when @req_op is XENBLK_OP_INDIRECT
 * @rsp_op: operation in the response
 *
 * Backends answer an indirect request either with XENBLK_OP_INDIRECT or with
 * the operation it carried; both are accepted, nothing else is.
 *
 * Return: XBF_RSP_VALID or the reason the response is bogus.
 */
static inline enum xbf_rsp_verdict xbf_check_rsp(u64 id, u32 ring_size,
						 bool inflight, u8 req_op,
						 u8 req_indirect_op, u8 rsp_op)
{
	if (id >= ring_size)
		return XBF_RSP_BAD_ID;
	if (!inflight)
		return XBF_RSP_NOT_INFLIGHT;
	if (rsp_op == req_op)
		return XBF_RSP_VALID;
	if (req_op == XENBLK_OP_INDIRECT && rsp_op == req_indirect_op)
		return XBF_RSP_VALID;
	return XBF_RSP_BAD_OP;
}

/**
 * xbf_rsp_errno() - translate a response status
 * @status: status field of the response
 *
 * Return: 0, -EOPNOTSUPP, or -EIO for every other value.
 */
static inline int xbf_rsp_errno(s16 status)
{
	if (status == XENBLK_RSP_OKAY)
		return 0;
	if (status == XENBLK_RSP_EOPNOTSUPP)
		return -EOPNOTSUPP;
	return -EIO;
}

/**
 * xbf_discard_granularity_ok() - check the backend's discard-granularity
 * @granularity: the value it wrote, in bytes (0, "not given", is not
 *	checked here)
 * @sector_size: the disk's logical block size, a power of two
 *
 * The block layer splits and aligns discards with masks derived from the
 * granularity: anything but a power of two no smaller than a logical
 * block can give it discards of no sectors (with 0xffffffff, Linux 6.1
 * built them and hit BUG() in blk_mq_end_request() ending one).
 *
 * Return: true if the block layer can be given it.
 */
static inline bool xbf_discard_granularity_ok(u32 granularity,
					      u32 sector_size)
{
	return granularity >= sector_size &&
	       !(granularity & (granularity - 1));
}

/* Virtual-device numbers (xen/docs/misc/vbd-interface.txt). */
/*
 * An event storm: a backend that signals again and again with nothing to
 * read.  The late-EOI binding throttles it (each spurious event delays the
 * next one longer), so a storm shows as a run of spurious interrupts, not
 * as a rate; an honest backend's events nearly always carry a response.
 */
#define XBF_STORM_RUN	8

/**
 * xbf_storm_note() - account one interrupt in the run of spurious ones
 * @run: spurious interrupts in a row so far (the ring's)
 * @spurious: this interrupt found no response
 *
 * Return: true once per storm, when the run reaches %XBF_STORM_RUN; a
 * response ends the run.
 */
static inline bool xbf_storm_note(unsigned int *run, bool spurious)
{
	if (!spurious) {
		*run = 0;
		return false;
	}
	if (*run < XBF_STORM_RUN)
		(*run)++;
	else
		return false;
	return *run == XBF_STORM_RUN;
}

#define XBF_VDEV_EXT_FLAG		BIT(28)
#define XBF_XVD_MAJOR			202
#define XBF_PARTS_PER_DISK		16
#define XBF_PARTS_PER_EXT_DISK		256
#define XBF_MINORBITS			20

/**
 * struct xbf_vdev - where a virtual device lands in the xvd namespace
 * @minor: first minor (of the disk, or of the single partition)
 * @nr_minors: minors to reserve: a whole disk's worth, or 1 for a
 *	partition exported on its own
 * @disk: index of the disk, for the name (0 = xvda)
 * @part: partition number, 0 for a whole disk
 */
struct xbf_vdev {
	unsigned int minor;
	unsigned int nr_minors;
	unsigned int disk;
	unsigned int part;
};

/* Emulated-name majors mapped onto xvd, disks per major. */
static inline int xbf_vdev_scsi_base(unsigned int major)
{
	if (major == 8)
		return 0;
	if (major >= 65 && major <= 71)
		return (major - 64) * 16;
	if (major >= 128 && major <= 135)
		return (major - 128 + 8) * 16;
	return -1;
}

/**
 * xbf_vdev_decode() - decode a virtual-device number
 * @vdevice: value of the frontend's virtual-device key
 * @v: result
 *
 * xvd numbers (major 202) and the extended form (bit 28) map directly;
 * emulated hd (majors 3 and 22, whole disks only) and sd names map onto
 * the xvd disk of the same index, as upstream Linux does.
 *
 * Return: 0, or -ENODEV for a number this driver cannot represent.
 */
static inline int xbf_vdev_decode(u32 vdevice, struct xbf_vdev *v)
{
	unsigned int major, minor, parts = XBF_PARTS_PER_DISK;
	int base;

	if (vdevice >> 29)
		return -ENODEV;
	if (vdevice & XBF_VDEV_EXT_FLAG) {
		minor = vdevice & ~XBF_VDEV_EXT_FLAG;
		parts = XBF_PARTS_PER_EXT_DISK;
	} else {
		major = vdevice >> 8;
		minor = vdevice & 0xff;
		switch (major) {
		case XBF_XVD_MAJOR:
			break;
		case 3:		/* hda, hdb */
		case 22:	/* hdc, hdd */
			minor = (minor / 64 + (major == 22 ? 2 : 0)) *
				XBF_PARTS_PER_DISK;
			break;
		default:
			base = xbf_vdev_scsi_base(major);
			if (base < 0)
				return -ENODEV;
			minor += base * XBF_PARTS_PER_DISK;
			break;
		}
	}
	if (minor >> XBF_MINORBITS)
		return -ENODEV;
	v->minor = minor;
	v->disk = minor / parts;
	v->part = minor % parts;
	v->nr_minors = v->part ? 1 : parts;
	return 0;
}

/**
 * xbf_disk_name() - the xvd name of a decoded virtual device
 * @buf: output buffer
 * @len: its size
 * @v: decoded device
 *
 * Disks are named like sd disks: xvda .. xvdz, xvdaa .. xvdzz, xvdaaa ...;
 * a partition exported on its own gets its number appended (xvda1).
 *
 * Return: 0, or -ENOSPC if @buf is too small.
 */
static inline int xbf_disk_name(char *buf, unsigned int len,
				const struct xbf_vdev *v)
{
	char letters[8];
	unsigned int n = v->disk, nl = 0, pos = 0, i;

	do {
		letters[nl++] = 'a' + n % 26;
		n /= 26;
	} while (n-- && nl < sizeof(letters));

	if (len < 4 + nl + 1)
		return -ENOSPC;
	buf[pos++] = 'x';
	buf[pos++] = 'v';
	buf[pos++] = 'd';
	for (i = 0; i < nl; i++)
		buf[pos++] = letters[nl - 1 - i];
	if (v->part) {
		unsigned int p = v->part, digits = p >= 100 ? 3 : p >= 10 ? 2 : 1;

		if (pos + digits + 1 > len)
			return -ENOSPC;
		for (i = digits; i > 0; i--) {
			buf[pos + i - 1] = '0' + p % 10;
			p /= 10;
		}
		pos += digits;
	}
	buf[pos] = '\0';
	return 0;
}

#endif /* XEN_BLKFRONT_VALIDATE_H */
