#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict over the project's C sources and headers, and
# kernel-doc over the drivers' and shared headers' comments (a warning
# fails, as a missing or stale parameter would mislead a reader).  Both
# scripts come from Debian's linux-source-6.1 (extracted once into build/).
# Then docutils over the reStructuredText documents (scripts/check-rst.py).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
tools=$top/build/tools
cp=$tools/scripts/checkpatch.pl
kd=$tools/scripts/kernel-doc

if [ ! -x "$cp" ] || [ ! -f "$kd" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -1)
	if [ -z "$tarball" ]; then
		LAB_EXTRA_PKGS=linux-source-6.1 "$top/tests/lab/host/deps.sh"
		tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -1)
	fi
	mkdir -p "$tools"
	tar -xf "$tarball" -C "$tools" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/scripts/kernel-doc'
fi

files=$(cd "$top" && git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
[ -n "$files" ] || { echo "checkpatch: no sources"; exit 0; }
bad=0
for f in $files; do
	case "$f" in
	tests/unit/*) opts="--ignore SPLIT_STRING,PREFER_KERNEL_TYPES,MACRO_WITH_FLOW_CONTROL,MACRO_ARG_REUSE,PREFER_PRINTF" ;;
	# User-space tools of the benchmarks (a QEMU plugin, its marker).
	scripts/bench/*) opts="--ignore PREFER_KERNEL_TYPES,AVOID_EXTERNS" ;;
	# The one file that tests the kernel version, as it is there to do.
	include/compat/compat.h) opts="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON" ;;
	*) opts= ;;
	esac
	# XenbusState* and friends are Xen's own names, from its headers.
	opts="$opts --ignore CAMELCASE"
	# shellcheck disable=SC2086
	if ! out=$(cd "$top" && perl "$cp" --strict --no-tree --quiet --show-types \
			$opts -f "$f" 2>&1); then
		echo "$out"
		bad=$((bad + 1))
	fi
done
n=$(echo "$files" | wc -w)
echo "checkpatch: $((n - bad)) of $n files clean"

docs=$(echo "$files" | tr ' ' '\n' | grep -E '^(drivers|include)/' || true)
kbad=0
for f in $docs; do
	out=$(cd "$top" && perl "$kd" -none "$f" 2>&1) || true
	if [ -n "$out" ]; then
		echo "$out"
		kbad=$((kbad + 1))
	fi
done
echo "kernel-doc: $(($(echo "$docs" | wc -w) - kbad)) of $(echo "$docs" | wc -w) files clean"

# The documents: docutils (Debian's python3-docutils) must read every one
# without a warning; a malformed table is otherwise rendered as an error.
if ! /usr/bin/python3 -c 'import docutils' 2>/dev/null; then
	LAB_EXTRA_PKGS=python3-docutils "$top/tests/lab/host/deps.sh"
fi
rbad=0
rst=$(cd "$top" && git ls-files -co --exclude-standard -- '*.rst' | grep -v '^build/' || true)
if [ -n "$rst" ]; then
	# shellcheck disable=SC2086
	(cd "$top" && /usr/bin/python3 scripts/check-rst.py $rst) || rbad=1
fi
[ "$bad" -eq 0 ] && [ "$kbad" -eq 0 ] && [ "$rbad" -eq 0 ]
