#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/icount/vm-icount.sh OUTDIR COUNT SIZE MECH...: runs inside the VM
# (bench/icount/run boots it): the kernel's symbols to OUTDIR, then
# OUTDIR/icount-run.
out=$1
count=$2
size=$3
shift 3
echo 0 >/proc/sys/kernel/kptr_restrict
mkdir -p "$out" || exit 1
cat /proc/kallsyms >"$out/kallsyms" || exit 1
exec "$out/icount-run" --labels "$out/labels" --count "$count" --size "$size" "$@"
