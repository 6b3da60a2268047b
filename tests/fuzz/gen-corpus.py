#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Writes the seed corpus kept in tests/fuzz/corpus/<fuzzer>/: valid inputs
# of each kind and a few known-bad ones, in the input layouts documented at
# the top of each fuzz_*.c.  Rerun after changing a layout.
import os
import struct
import sys

top = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(top, 'corpus')


def put(fuzzer, name, data):
    d = os.path.join(out, fuzzer)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def seg(gref, first, last):
    return struct.pack('<IBBH', gref, first, last, 0)


# ---- fuzz_blkback_request ----------------------------------------------
RO, DISC, SEC, ABI32, FUZZLIM, SMALLCAP = 1, 2, 4, 0x20, 0x40, 0x80


def cfg(flags=0, lbs_shift=0, cap=1 << 20, limit=None):
    c = flags | (lbs_shift << 3)
    if limit is not None:
        c |= FUZZLIM
    b = bytes([c]) + struct.pack('<Q', cap)
    if limit is not None:
        b += struct.pack('<H', limit)
    return b


def rw(op, segs, sector, abi32=False, nr=None):
    nr = len(segs) if nr is None else nr
    if abi32:
        s = struct.pack('<BBHQQ', op, nr, 0, 0x1234, sector)
        size = 108
    else:
        s = struct.pack('<BBHIQQ', op, nr, 0, 0, 0x1234, sector)
        size = 112
    s += b''.join(segs)
    return s.ljust(size, b'\0')


def discard(flag, sector, nr, abi32=False):
    if abi32:
        s = struct.pack('<BBHQQQ', 5, flag, 0, 7, sector, nr)
        return s.ljust(108, b'\0')
    s = struct.pack('<BBHIQQQ', 5, flag, 0, 0, 7, sector, nr)
    return s.ljust(112, b'\0')


def indirect(iop, nr, sector, abi32=False):
    grefs = struct.pack('<8I', *range(100, 108))
    if abi32:
        s = struct.pack('<BBHQQHH', 6, iop, nr, 9, sector, 0, 0) + grefs
        return s.ljust(108, b'\0')
    s = struct.pack('<BBHIQQHH', 6, iop, nr, 0, 9, sector, 0, 0) + grefs
    return s.ljust(112, b'\0')


def pages(segs):
    return b''.join(segs)


B = 'fuzz_blkback_request'
full = seg(1, 0, 7)
put(B, 'read-1seg', cfg() + rw(0, [full], 8))
put(B, 'write-3segs', cfg() + rw(1, [seg(2, 0, 7), seg(3, 0, 3), seg(4, 4, 7)], 0))
put(B, 'write-11segs-end', cfg(cap=88) + rw(1, [full] * 11, 0))
put(B, 'barrier-empty', cfg() + rw(2, [], 0))
put(B, 'barrier-1seg', cfg() + rw(2, [full], 16))
put(B, 'flush', cfg() + rw(3, [], 0))
put(B, 'discard', cfg(DISC) + discard(0, 64, 1024))
put(B, 'discard-secure', cfg(DISC | SEC) + discard(1, 0, 8))
put(B, 'indirect-read-20', cfg() + indirect(0, 20, 0) + pages([full] * 20))
put(B, 'indirect-write-256', cfg() + indirect(1, 256, 8) +
    pages([seg(i, 0, 7) for i in range(256)]))
put(B, 'indirect-limit-1024', cfg(limit=1024) + indirect(0, 1024, 0) +
    pages([seg(i, 0, 7) for i in range(1024)]))
put(B, 'abi32-read', cfg(ABI32) + rw(0, [seg(5, 2, 5)], 100, abi32=True))
put(B, 'abi32-indirect', cfg(ABI32) + indirect(1, 12, 0, abi32=True) +
    pages([full] * 12))
put(B, 'abi32-discard', cfg(ABI32 | DISC) + discard(0, 8, 8, abi32=True))
put(B, 'lbs4k-write', cfg(lbs_shift=3) + rw(1, [full, full], 8))
put(B, 'ro-read', cfg(RO) + rw(0, [full], 0))
put(B, 'small-cap-read', bytes([SMALLCAP]) + struct.pack('<H', 64) +
    rw(0, [full], 56))
# known bad
put(B, 'bad-ro-write', cfg(RO) + rw(1, [full], 0))
put(B, 'bad-last-sect-8', cfg() + rw(0, [seg(1, 0, 8)], 0))
put(B, 'bad-first-after-last', cfg() + rw(0, [seg(1, 5, 4)], 0))
put(B, 'bad-beyond-end', cfg(cap=16) + rw(0, [full, full, full], 0))
put(B, 'bad-sector-wrap', cfg() + rw(0, [full], 0xfffffffffffffffc))
put(B, 'bad-op-4', cfg() + rw(4, [full], 0))
put(B, 'bad-12-direct', cfg() + rw(1, [full] * 11, 0, nr=12))
put(B, 'bad-indirect-257', cfg() + indirect(0, 257, 0) + pages([full] * 257))
put(B, 'bad-indirect-op-flush', cfg() + indirect(3, 1, 0) + pages([full]))
put(B, 'bad-discard-off', cfg() + discard(0, 0, 8))
put(B, 'bad-lbs4k-misaligned', cfg(lbs_shift=3) + rw(1, [seg(1, 1, 7)], 8))

# ---- fuzz_blkfront_response ----------------------------------------------
F = 'fuzz_blkfront_response'


def front(order, start, *cmds):
    return bytes([order]) + struct.pack('<I', start) + b''.join(cmds)


def submit(op, iop=0):
    idx = [0, 1, 2, 3, 5, 6].index(op)
    return bytes([0, idx, iop])


def rsp(id_, op, status=0, wide=False):
    if wide:
        return bytes([1, 1]) + struct.pack('<QBh', id_, op, status)
    return bytes([1, 0, id_, op]) + struct.pack('<h', status)


def answer(k=0, status=0):
    return bytes([3, k]) + struct.pack('<h', status)


def publish(prod=None):
    if prod is None:
        return bytes([2, 0])
    return bytes([2, 1]) + struct.pack('<I', prod)


put(F, 'read-ok', front(0, 0, submit(0), rsp(0, 0), publish()))
put(F, 'each-op', front(0, 0, *[submit(o) for o in (0, 1, 2, 3, 5)],
                        *[answer(k) for k in range(5)], publish()))
put(F, 'indirect-answered-as-read', front(1, 0, submit(6, 0), rsp(0, 0), publish()))
put(F, 'indirect-answered-as-indirect', front(1, 0, submit(6, 1), rsp(0, 6), publish()))
put(F, 'statuses', front(0, 0, submit(1), submit(5), submit(3),
                         answer(0, -1), answer(1, -2), answer(2, 7), publish()))
put(F, 'wrap', front(0, 0xfffffff0, *([submit(0), answer(), publish()] * 24)))
put(F, 'full-ring', front(0, 0, *([submit(1)] * 33), *([answer(1), publish()] * 32)))
put(F, 'order4', front(4, 5, *([submit(0)] * 40), *([answer(3), publish()] * 40)))
# known bad
put(F, 'bad-prod-ahead', front(0, 0, submit(0), publish(5)))
put(F, 'bad-prod-behind', front(0, 100, submit(0), answer(), publish(90)))
put(F, 'bad-id-range', front(0, 0, submit(0), rsp(32, 0), publish()))
put(F, 'bad-id-huge', front(0, 0, submit(0), rsp(1 << 40, 0, wide=True), publish()))
put(F, 'bad-idle-id', front(0, 0, submit(0), rsp(3, 0), publish()))
put(F, 'bad-op', front(0, 0, submit(0), rsp(0, 1), publish()))
put(F, 'bad-twice', front(0, 0, submit(0), submit(0), rsp(0, 0), rsp(0, 0), publish()))

# ---- fuzz_blkback_gcache ---------------------------------------------------
G = 'fuzz_blkback_gcache'


def gc(cap, now, *cmds):
    return bytes([cap]) + struct.pack('<Q', now) + b''.join(cmds)


def gmap(g):
    return bytes([0, g])


def gunmap(g):
    return bytes([1, g])


def tick(d):
    return bytes([2]) + struct.pack('<H', d)


def lru(nc, idle):
    return bytes([3, nc]) + struct.pack('<H', idle)


put(G, 'map-unmap', gc(8, 0, gmap(1), gmap(2), gunmap(1), gunmap(2), lru(1, 0)))
put(G, 'over-cap', gc(4, 0, *[gmap(g) for g in range(8)],
                      *[gunmap(g) for g in range(8)], tick(10), lru(2, 0)))
put(G, 'busy', gc(8, 0, gmap(3), gmap(3), gunmap(3), gunmap(3), lru(8, 0)))
put(G, 'idle', gc(16, 0, gmap(1), gunmap(1), tick(500), gmap(2), gunmap(2),
                  tick(300), lru(0, 600)))
put(G, 'wrap', gc(8, 0xffffffffffffff00, gmap(9), gunmap(9),
                  bytes([0x82]) + struct.pack('<I', 0x1000), lru(0, 0x800)))
put(G, 'dup-pop', gc(8, 0, gmap(5), bytes([4, 5]), bytes([4, 6]),
                     bytes([5]), bytes([5])))
# ---- fuzz_blkfront_vdev ---------------------------------------------------
V = 'fuzz_blkfront_vdev'


def vdev(name, value, size=32):
    put(V, name, struct.pack('<IB', value, size))


vdev('xvda', 202 << 8)
vdev('xvdb3', (202 << 8) | 19)
vdev('xvda-tight', 202 << 8, 5)
vdev('ext-xvdbe', (1 << 28) | (56 << 8))
vdev('ext-part', (1 << 28) | (1000 << 8) | 200)
vdev('hda', 3 << 8)
vdev('hdd', (22 << 8) | 64)
vdev('sdb', (8 << 8) | 16)
vdev('sd-major-65', 65 << 8)
vdev('sd-major-135', (135 << 8) | 255)
vdev('bad-high-bits', 1 << 29)
vdev('bad-major', 9 << 8)
vdev('bad-ext-minor', (1 << 28) | (1 << 20))
sys.exit(0)
