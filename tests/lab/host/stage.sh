# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run.sh, step 3: what runs, and the two initramfs images it
# runs from.
#
#   lab_select       the tests: every tests/lab/e2e/test_*.sh, filtered by
#                    --tests, plus --extra-dom0/--extra-domu; sets names and
#                    rogue (1 when a hostile test needs the rogue peers)
#   lab_base_images  the base images, shared by runs and rebuilt when their
#                    recipe changes (tests/lab/host/mkimage.sh)
#   lab_stage        dom0's and the guests' files for this run, the run's
#                    config and nonce, and the images in $run

# Which tests: a word "-X" leaves test or group X out ("all -hostile",
# "-config"), and a test named in full is run whatever else excludes it
# ("all -hostile test_hostile_40").  A group is a name without its test_
# prefix and _NN suffix.
lab_select() {
	local f n g t want only

	names=
	for f in "$wing"/e2e/test_*.sh; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .sh)
		g=${n#test_}
		g=${g%_*}
		want= only=
		for t in ${tests:-all}; do
			case "$t" in
			"$n") want=yes; only=1; break ;;
			-"$n" | -"$g") want=no ;;
			-*) ;;
			all | "$g") want=${want:-yes}; only=1 ;;
			*) only=1 ;;
			esac
		done
		# only exclusions given: start from every test
		[ -z "$only" ] && [ -z "$want" ] && want=yes
		[ "$want" = yes ] && names="$names $n"
	done
	[ "$demo" = 1 ] && names=demo
	rogue=
	case " $names " in *" test_hostile_"*) rogue=1 ;; esac
	for f in $extra_dom0 $extra_domu; do
		[ -f "$f" ] || { echo "lab: no such file $f"; exit 2; }
	done
	for f in $extra_dom0; do
		names="$names extra_dom0_$(basename "$f" .sh)"
	done
	for f in $extra_domu; do
		names="$names domu:extra_domu_$(basename "$f" .sh)"
	done
	# The debug kernel's run ends with a leak scan of every domain.
	[ "$lkernel" = debug ] && names="$names kmemleak"
	names=${names# }
	if [ -z "$names" ]; then
		echo "lab: no test matches '$tests'"
		echo "0 passed, 0 failed"
		exit 1
	fi
}

lab_base_images() {
	local stamp

	stamp=$({ cat "$host/mkimage.sh" "$host/KVER"
		  echo "$kver"
		  [ -n "${LAB_DOM0_KERNEL:-}" ] &&
			ls -l --time-style=+%s "$LAB_DOM0_KERNEL/ok" "$dom0_kernel"
		  [ "$arch" = x86 ] && [ -n "${LAB_GUEST_KERNEL:-}" ] &&
			ls -l --time-style=+%s "$LAB_GUEST_KERNEL/ok"
		  [ "$arch" = arm64 ] &&
			echo "$arch $LAB_ARM64_ROOT ${LAB_GUEST_KERNEL:-} ${LAB_ARM64_DOM0_KERNEL:-}" &&
			cat "$LAB_ARM64_ROOT/../ok" "${LAB_GUEST_KERNEL:-/dev/null}/ok" 2>/dev/null
		} | md5sum | cut -c1-12)
	cache=$labdir/cache-$stamp
	(
		flock 9
		"$host/mkimage.sh" base "$cache"
	) 9>"$labdir/.cache.lock" || lab_abort "building base images failed"
}

# dom0 gets /init, the dom0 library (/lab/lib, with its entry point
# /lab/tests/test_common.sh), the tests, our backend and the guests'
# image; each guest gets /init, the guest helpers and its modules.
lab_stage() {
	local d0=$run/stage-dom0 du=$run/stage-domu f r

	mkdir -p "$d0/lab/tests" "$d0/lab/lib" "$d0/lab/mod" "$d0/lab/domu" \
		 "$d0/etc/xen/scripts" "$du/lab/mod" "$du/lab/guest"
	cp "$wing/rootfs/dom0-init" "$d0/init"
	cp "$wing/rootfs/domu-init" "$du/init"
	cp "$wing/rootfs/block" "$d0/etc/xen/scripts/block"
	cp "$wing"/dom0/*.sh "$d0/lab/lib/"
	mv "$d0/lab/lib/test_common.sh" "$d0/lab/tests/"
	cp "$wing"/e2e/*.sh "$d0/lab/tests/"
	cp -r "$wing"/guest/. "$du/lab/guest/"
	# The xen_blk trace reduction, for scripts/trace/lab-latency.sh on both sides.
	cp "$top/scripts/trace/latency.awk" "$d0/lab/"
	cp "$top/scripts/trace/latency.awk" "$du/lab/"
	cp "$back_ko" "$d0/lab/mod/xen-blkback.ko"
	cp "$top/scripts/xen-blkback-swap" "$d0/lab/"
	[ -n "$front_ko" ] && cp "$front_ko" "$du/lab/mod/xen-blkfront.ko"
	if [ -n "$rogue" ]; then
		for f in "$rogue_dir"/rogue_front*.ko; do
			[ -e "$f" ] && cp "$f" "$du/lab/mod/"
		done
		for f in "$rogue_dir"/rogue_back*.ko "$rogue_dir"/rogue_disk*.ko; do
			[ -e "$f" ] && cp "$f" "$d0/lab/mod/"
		done
	fi
	for f in $extra_dom0; do
		cp "$f" "$d0/lab/tests/extra_dom0_$(basename "$f" .sh).sh"
	done
	for f in $extra_domu; do
		cp "$f" "$du/lab/guest/extra_domu_$(basename "$f" .sh)"
	done
	# LAB_DOM0_FILES="SRC:DST ...": more host files for dom0 (DST is a
	# path in dom0; e.g. make bench's instruction-count marker).
	for f in ${LAB_DOM0_FILES:-}; do
		mkdir -p "$d0/$(dirname "${f#*:}")"
		cp "${f%%:*}" "$d0/${f#*:}"
	done
	if [ "${LAB_PERF:-0}" = 1 ]; then
		command -v perf >/dev/null ||
			apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends linux-perf >/dev/null ||
			{ echo "lab: LAB_PERF=1 but linux-perf could not be installed"; exit 2; }
		for r in "$d0" "$du"; do
			"$host/mkimage.sh" elf "$r" "$(command -v perf)"
		done
	fi
	chmod -R a+rX "$d0" "$du"

	nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
	cat >"$d0/lab/config" <<CONF
LAB_NONCE=$nonce
LAB_FRONT=$front
LAB_BACK=$back
LAB_TESTS="$names"
LAB_BPARAMS="$bparams"
LAB_ARCH=$arch
LAB_GUEST_PAGE_SIZE=$page_bytes
LAB_BALLOON_RESERVE=$balloon_reserve
LAB_KERNEL=$lkernel
LAB_KCMDLINE="$kcmdline"
LAB_GUEST_TSC=${LAB_GUEST_TSC:-}
CONF
	# The nonce must not be readable by guests: keep it out of the guest image.
	"$host/mkimage.sh" overlay "$du" "$run/domu-overlay.cpio"
	cat "$cache/domu-base.cpio" "$run/domu-overlay.cpio" >"$d0/lab/domu/initrd.cpio"
	"$host/mkimage.sh" overlay "$d0" "$run/dom0-overlay.cpio"
	cat "$cache/dom0-base.cpio" "$run/dom0-overlay.cpio" >"$run/dom0.cpio"
	rm -rf "$d0" "$du" "$run"/*-overlay.cpio
}
