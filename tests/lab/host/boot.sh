# SPDX-License-Identifier: GPL-2.0
#
# tests/lab/run.sh, step 4: boot Xen and dom0 in QEMU (TCG) and watch the
# console until dom0 says it is done, something fatal shows, or --timeout.
#
#   lab_boot    starts QEMU in the background; sets qpid and start
#   lab_watch   waits for the end; sets wall, and why when the run stopped
#               early; QEMU is always stopped

lab_boot() {
	# The emulator's clock: host time, or with LAB_ICOUNT=1 its
	# instruction counter (which needs single-threaded TCG), so that
	# every duration the machine sees counts the instructions it ran and
	# the host's load does not move it.
	local accel="-accel tcg,thread=multi" dom0_mem=${LAB_DOM0_MEM:-1536} d0desc=

	if [ "${LAB_ICOUNT:-0}" = 1 ]; then
		accel="-accel tcg,thread=single -icount shift=${LAB_ICOUNT_SHIFT:-4},sleep=off"
	fi
	start=$(date +%s)
	if [ "$arch" = arm64 ]; then
		[ "$d0bytes" != 4096 ] && d0desc=" ($d0bytes-byte pages)"
		echo "lab: Xen 4.17 arm64, dom0 $d0kver arm64$d0desc, guests $guest_kver arm64, $page_bytes-byte pages, backend=$back frontend=$front"
		echo "lab: tests: $names"
		echo "lab: console log: $run/serial.log"
		# 512 MiB of dom0's memory are ballooned out for grant mappings
		# (dom0-init).  Xen/ARM takes its modules from QEMU's
		# guest-loader devices: dom0's kernel with its command line,
		# then its initramfs.  pauth-impdef makes pointer
		# authentication cheap to emulate.
		# shellcheck disable=SC2086
		qemu-system-aarch64 $accel \
			-machine virt,gic-version=3,virtualization=on -cpu max,pauth-impdef=on \
			-m 4096 -smp "${LAB_SMP:-1}" -display none -monitor none \
			-serial "file:$run/serial.log" -no-reboot -net none ${LAB_QEMU_EXTRA:-} \
			-kernel "$LAB_ARM64_ROOT/boot/xen-4.17-arm64" \
			-append "console=dtuart dom0_mem=${dom0_mem}M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot" \
			-device "guest-loader,addr=0x49000000,kernel=$dom0_kernel,bootargs=console=hvc0 earlycon=xenboot rdinit=/init loglevel=6" \
			-device "guest-loader,addr=0x50000000,initrd=$run/dom0.cpio" \
			</dev/null >"$run/qemu.log" 2>&1 &
	else
		zcat /boot/xen-4.17-amd64.gz >"$run/xen"
		echo "lab: Xen 4.17, dom0 $d0kver, guests $guest_kver, backend=$back frontend=$front"
		[ -n "$kcmdline" ] && echo "lab: kernel options of every domain: $kcmdline"
		echo "lab: tests: $names"
		echo "lab: console log: $run/serial.log"
		# shellcheck disable=SC2086
		qemu-system-x86_64 $accel -cpu qemu64 -m 4096 -smp "${LAB_SMP:-1}" \
			-display none -monitor none -serial "file:$run/serial.log" -no-reboot \
			-net none ${LAB_QEMU_EXTRA:-} -kernel "$run/xen" \
			-append "console=com1 com1=115200,8n1 dom0_mem=${dom0_mem}M,max:${dom0_mem}M dom0_max_vcpus=2 loglvl=all guest_loglvl=all console_timestamps=boot ucode=no" \
			-initrd "$dom0_kernel console=hvc0 earlyprintk=xen rdinit=/init loglevel=6${kcmdline:+ $kcmdline},$run/dom0.cpio" \
			</dev/null >"$run/qemu.log" 2>&1 &
	fi
	qpid=$!
	[ "${LAB_ICOUNT:-0}" = 1 ] &&
		echo "lab: clock: QEMU's instruction counter (icount shift=${LAB_ICOUNT_SHIFT:-4}, sleep=off)"
}

lab_stop_qemu() {
	if [ -n "${qpid:-}" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null
		sleep 1
		kill -9 "$qpid" 2>/dev/null
	fi
}

# Stop at the end marker, a fatal marker, a Xen or dom0 panic, or the
# time bound.
lab_watch() {
	local log=$run/serial.log

	why=
	while kill -0 "$qpid" 2>/dev/null; do
		if grep -q "@@$nonce@@ END" "$log" 2>/dev/null; then
			sleep 2
			break
		fi
		if grep -q "@@$nonce@@ FATAL" "$log" 2>/dev/null; then
			why="dom0 setup failed"
			break
		fi
		if grep -qE 'Panic on CPU|Kernel panic - not syncing' "$log" 2>/dev/null; then
			why="panic"
			sleep 3
			break
		fi
		if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			why="timeout after ${timeout}s"
			break
		fi
		sleep 1
	done
	wall=$(($(date +%s) - start))
	lab_stop_qemu
	wait "$qpid" 2>/dev/null
	qpid=
}
