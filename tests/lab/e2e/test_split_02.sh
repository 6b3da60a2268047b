#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lab-timeout: 600
#
# What a disk costs the guest, measured at run time: the grants reserved
# per request against the grant-sized (4 KiB) chunks that carry data, and
# the memory of the frontend's persistent-grant pool.  Our frontend says
# both in sysfs (rw_grants_reserved, rw_data_grants, pool_bytes) and must
# reserve nothing for chunks without data: only their indirect frames come
# on top.  For any frontend the guest's MemFree is
# measured before the disk is attached and after I/O through it.  The
# figures go to the run's output ("split-figures ...", lab --out).
. /lab/tests/test_common.sh

g=domu
d=/sys/bus/xen/devices/vbd-$(xvd_num b)/blkfront
memfree() {
	guest_out $g "sync; echo 3 >/proc/sys/vm/drop_caches; sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo"
}

m0=$(memfree)
# A failed check must not leave the disk to the next test.
trap 'xl block-detach $g xvdb >/dev/null 2>&1' EXIT
xl block-attach $g phy:/dev/ram1,xvdb,w || fail "block-attach failed"
guest_wait_bdev $g xvdb || fail "xvdb did not appear"
for bs in 4k 64k 1m; do
	guest_run -t 300 $g "fio --filename=/dev/xvdb --ioengine=libaio --direct=1 \
		--rw=randrw --bs=$bs --iodepth=32 --size=32M --io_size=16M \
		--randrepeat=1 --minimal --name=fig >/tmp/fig.out 2>&1 ||
		{ tail -5 /tmp/fig.out; exit 1; }" || fail "fio at $bs failed"
done
m1=$(memfree)
case "$m0$m1" in *[!0-9]* | "") fail "could not read MemFree ($m0, $m1)" ;; esac
delta=$((m0 - m1))

if [ "$LAB_FRONT" = ours ]; then
	set -- $(guest_out $g "cat $d/rw_requests $d/rw_data_grants $d/rw_grants_reserved $d/pool_bytes $d/indirect_segments")
	reqs=$1 data=$2 resv=$3 pool=$4 ind=$5
	log "requests $reqs, data chunks $data, grants reserved $resv, pool $pool bytes, indirect $ind"
	[ "${reqs:-0}" -gt 0 ] && [ "${data:-0}" -ge "$reqs" ] ||
		fail "no requests or data grants counted ($reqs, $data)"
	# a request of G grants takes ceil(G / indirect) ring slots of one
	# indirect frame each: at most G / indirect + 1 frames
	max=$resv
	[ "$ind" != 0 ] && max=$((data + data / ind + reqs))
	[ "$resv" -ge "$data" ] && [ "$resv" -le "$max" ] ||
		fail "grants reserved ($resv) are not the data chunks ($data) plus their indirect frames (at most $max)"
	[ "$ind" != 0 ] || [ "$resv" = "$data" ] ||
		fail "without indirect descriptors, reserved ($resv) must equal data chunks ($data)"
	[ "${pool:-0}" -gt 0 ] || fail "pool_bytes is $pool"
	lab_out "split-figures front=ours page=${LAB_GUEST_PAGE_SIZE:-4096} requests=$reqs data_grants=$data grants_reserved=$resv pool_bytes=$pool memfree_drop_kib=$delta"
else
	log "stock frontend: MemFree fell by $delta KiB"
	lab_out "split-figures front=stock page=${LAB_GUEST_PAGE_SIZE:-4096} memfree_drop_kib=$delta"
fi

xl block-detach $g xvdb || fail "block-detach failed"
guest_wait_bdev $g xvdb gone || fail "xvdb still present after detach"
