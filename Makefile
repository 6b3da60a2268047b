# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper over kbuild for the out-of-tree xen-blkback/xen-blkfront pair.
#
#   make                 build both modules against KDIR
#   make back | front    build one module
#   make install         install into /lib/modules/<kver>/updates and depmod
#   make unit            user-space unit tests of the drivers' pure logic
#   make checkpatch      checkpatch.pl --strict over our sources
#   make lab             boot Xen in QEMU and run the e2e tests (FRONT=, BACK=, TESTS=)
#   make demo            the main job: attach a disk to a guest, fio, statistics
#   make check           everything CI runs
#   make fuzz            longer libFuzzer runs of both drivers' validators
#   make bench           fio benchmarks, ours against stock and dom0-local
#   make bench-memory    seed 004: page-pool squeezing under dom0 memory pressure
#   make bench-scale     seed 001: aggregate IOPS with 1, 2 and 3 guests

LAB_KVER ?= $(shell cat scripts/lab/KVER 2>/dev/null)
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

.PHONY: all modules back front install clean unit checkpatch lab demo check deps \
	fuzz bench bench-memory bench-scale

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
	scripts/lab/deps.sh

unit:
	$(MAKE) -C tests/unit run

checkpatch:
	scripts/checkpatch.sh

lab:
	scripts/lab/run.sh --front $(FRONT) --back $(BACK) --tests "$(TESTS)" \
		--extra-dom0 "$(EXTRA_DOM0)" --extra-domu "$(EXTRA_DOMU)"

demo:
	scripts/lab/run.sh --demo --front $(FRONT) --back $(BACK)

check:
	scripts/check.sh

fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

bench:
	scripts/bench/bench.sh main

bench-memory:
	scripts/bench/bench.sh memory

bench-scale:
	scripts/bench/bench.sh scale
