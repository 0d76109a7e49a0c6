#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/vm-profile.sh OUTDIR SIZE MODES MECH...: runs inside the VM
# (bench/profile boots it).  For each MECH, each of MODES (msgport-bench's
# --mode values, space-separated) at SIZE bytes for 3 s under
# `perf record -e cpu-clock -a -g`; reports to OUTDIR.

out=$1
size=$2
modes=$3
shift 3
echo 0 >/proc/sys/kernel/kptr_restrict
echo -1 >/proc/sys/kernel/perf_event_paranoid
mkdir -p /tmp/prof "$out" || exit 1
rc=0
for mech in $*; do
	for mode in $modes; do
		base=$mech-$mode
		perf record -q -e cpu-clock -F 2999 -a -g -o "/tmp/prof/$base.data" -- \
			msgport-bench --mech "$mech" --sizes "$size" --mode "$mode" --time 3 \
			--rounds 1 --no-prologue -q >"/tmp/prof/$base.txt" 2>&1 || rc=1
		# The benchmark's processes only (not the idle loop), as shares of them.
		perf report -i "/tmp/prof/$base.data" --comms msgport-bench --percentage relative \
			--no-children --sort sym --stdio -g none --percent-limit 0.3 2>/dev/null |
			grep -v '^$' >"/tmp/prof/$base.report"
		perf report -i "/tmp/prof/$base.data" --comms msgport-bench --percentage relative \
			--children --sort sym --stdio \
			-g caller,2,callee,function,percent --percent-limit 3 2>/dev/null \
			>"/tmp/prof/$base.callers"
		echo "== $base"
		head -n 40 "/tmp/prof/$base.report"
	done
done
cp /tmp/prof/*.report /tmp/prof/*.callers /tmp/prof/*.txt "$out"/ || rc=1
exit $rc
