# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper over kbuild for the out-of-tree xen-blkback/xen-blkfront pair.
#
#   make                 build both modules against KDIR
#   make back | front    build one module
#   make install         install into /lib/modules/<kver>/updates and depmod
#   make unit            user-space unit tests of the drivers' pure logic
#   make checkpatch      checkpatch.pl --strict and kernel-doc over our sources
#   make lab             boot Xen in QEMU and run the e2e tests (FRONT=, BACK=, TESTS=,
#                        ARCH=arm64 GUEST_PAGES=4k|64k for Xen/ARM)
#   make demo            the main job: attach a disk to a guest, fio, statistics
#   make check           everything CI runs
#   make check-arm64     every arm64 lab (4 KiB and 64 KiB-page guests, three pairs)
#   make check-612       the x86 labs on Debian's 6.12 kernel (tier k612)
#   make check-full      every lane of tests/lab/lanes (make check's, check-arm64's, check-612's and the full tier's)
#   make deb             xen-blk-dkms_<version>_all.deb (DKMS source package) in build/deb
#   make deb-test        that package installed in a fresh Debian 12 chroot, dkms
#                        building both kernels, and the lab on the modules it built
#   make fuzz            longer libFuzzer runs of both drivers' validators
#   make bench           fio benchmarks, ours against stock and dom0-local
#   make bench-memory    seed 004: page-pool squeezing under dom0 memory pressure
#   make bench-scale     seed 001: aggregate IOPS with 1, 2 and 3 guests
#   make trace           per-stage request latency from the xen_blk tracepoints (lab)

LAB_KVER ?= $(shell cat tests/lab/host/KVER 2>/dev/null)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/Makefile),)
KDIR ?= /lib/modules/$(shell uname -r)/build
else
KDIR ?= /usr/src/linux-headers-$(LAB_KVER)
endif

KBUILD_OPTS := CONFIG_XEN_BLKDEV_BACKEND=m CONFIG_XEN_BLKDEV_FRONTEND=m
BACK_DIR := $(CURDIR)/drivers/block/xen-blkback
FRONT_DIR := $(CURDIR)/drivers/block/xen-blkfront

FRONT ?= ours
BACK ?= ours
TESTS ?=

.PHONY: all modules back front install clean unit checkpatch lab demo check check-arm64 check-612 check-debug check-full deps \
	fuzz bench bench-memory bench-scale deb deb-test trace soak

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_OPTS) W=$(W) modules

back:
	$(MAKE) -C $(KDIR) M=$(BACK_DIR) $(KBUILD_OPTS) W=$(W) modules

front:
	$(MAKE) -C $(KDIR) M=$(FRONT_DIR) $(KBUILD_OPTS) W=$(W) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_OPTS) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(realpath $(KDIR))))
	install -D -m 0755 scripts/xen-blkback-swap $(DESTDIR)/usr/local/sbin/xen-blkback-swap

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_OPTS) clean
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/rogue clean
	$(MAKE) -C tests/unit clean
	rm -rf build

deps:
	tests/lab/host/deps.sh

unit:
	$(MAKE) -C tests/unit run

checkpatch:
	scripts/checkpatch.sh

# ARCH=arm64 runs the lab on Xen/ARM (qemu-system-aarch64); GUEST_PAGES=64k
# gives its guests 64 KiB pages.  Without ARCH the lab is x86's.  KVER=6.12
# boots Debian's 6.12 kernel in the x86 lab instead of 6.1.  LAB_KERNEL=debug
# boots dom0 and the guests on the debug kernel (tests/lab/host/debug.config).
LAB_ARCH_OPTS = $(if $(ARCH),--arch $(ARCH)) $(if $(GUEST_PAGES),--guest-pages $(GUEST_PAGES)) \
	$(if $(DOM0_PAGES),--dom0-pages $(DOM0_PAGES)) $(if $(KVER),--kver $(KVER)) \
	$(if $(LAB_KERNEL),--kernel $(LAB_KERNEL))

lab:
	tests/lab/run.sh $(LAB_ARCH_OPTS) --front $(FRONT) --back $(BACK) --tests "$(TESTS)" \
		--extra-dom0 "$(EXTRA_DOM0)" --extra-domu "$(EXTRA_DOMU)" --bparams "$(BPARAMS)"

demo:
	tests/lab/run.sh $(LAB_ARCH_OPTS) --demo --front $(FRONT) --back $(BACK)

# fio 4 KiB random reads in the lab with the request lifecycle events on
# in the guest and in dom0; the per-stage latencies land in
# build/trace/latency.txt (scripts/trace/lab-latency.sh, latency.awk).
# TESTS runs lab tests in the same boot first (none by default).
trace:
	@mkdir -p build/trace
	tests/lab/run.sh $(LAB_ARCH_OPTS) --front $(FRONT) --back $(BACK) --tests "$(or $(TESTS),none)" \
		--extra-dom0 scripts/trace/lab-latency.sh --out $(CURDIR)/build/trace/latency.txt
	@cat build/trace/latency.txt

check:
	scripts/check.sh

# Every arm64 lab: the three pairs with 64 KiB-page and 4 KiB-page guests
# (the lanes of tier arm64 in tests/lab/lanes).
check-arm64:
	CHECK_FUZZ_SECONDS=10 CHECK_TIERS=arm64 scripts/check.sh

# The x86 labs on Debian's 6.12 kernel (tier k612 in tests/lab/lanes).
check-612:
	CHECK_FUZZ_SECONDS=10 CHECK_ARM64=0 CHECK_TIERS=k612 scripts/check.sh

# The e2e and hostile suites with our pair on the debug kernel (tier debug
# in tests/lab/lanes): lockdep, KFENCE, SLUB and page-allocator debugging,
# debug objects, and a kmemleak scan of every domain at the end.  The
# kernel is built the first time (40-70 minutes), then cached.
check-debug:
	CHECK_FUZZ_SECONDS=10 CHECK_ARM64=0 CHECK_TIERS=debug scripts/check.sh

# Every lane of every tier in tests/lab/lanes: make check's, check-arm64's,
# check-612's and check-debug's.
check-full:
	CHECK_TIERS="check full arm64 k612 debug" scripts/check.sh

deb:
	scripts/deb/build-deb.sh

deb-test:
	scripts/deb/test-deb.sh

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# make bench ARCH=arm64 [GUEST_PAGES=64k]: the frontends compared on Xen/ARM
bench:
	BENCH_LAB_ARGS="$(LAB_ARCH_OPTS) $(BENCH_LAB_ARGS)" scripts/bench/bench.sh main

# Long runs in one boot (tests/lab/soak/soak.sh): save/restore, attach/detach,
# backend parameter changes and module reloads, each phase checked for
# leaks; SOAK_SAVES, SOAK_ATTACH, SOAK_FLIPS, SOAK_RELOADS, SOAK_PHASES
# tune it.  About an hour here; LAB_KERNEL=debug adds kmemleak.
soak:
	scripts/soak.sh $(LAB_ARCH_OPTS) --front $(FRONT) --back $(BACK)

bench-memory:
	scripts/bench/bench.sh memory

bench-scale:
	scripts/bench/bench.sh scale
