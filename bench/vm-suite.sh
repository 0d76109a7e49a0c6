#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/vm-suite.sh OUTDIR [MSGPORT-BENCH OPTIONS]: runs inside the VM
# (bench/run boots it).  Raises the IPC limits that would stop the peers from
# carrying a 1 MiB message in one piece, records them, runs msgport-bench
# with the results in /tmp (nothing touches the 9p share while measuring),
# then copies them to OUTDIR (under /host).  Exits with msgport-bench's status.

out=$1
shift
tmp=/tmp/bench-results
mkdir -p "$tmp" "$out" || exit 1

# POSIX mq: 1 MiB messages, 16-deep queues (root could exceed these with
# CAP_SYS_RESOURCE anyway); System V: 1 MiB messages, 16 MiB per queue.
{
	echo "# limits raised by bench/vm-suite.sh before the run (defaults in brackets)"
	for kv in fs/mqueue/msgsize_max=1048576 fs/mqueue/msg_max=64 \
		kernel/msgmax=1048576 kernel/msgmnb=16777216; do
		k=${kv%%=*}
		v=${kv#*=}
		old=$(cat "/proc/sys/$k")
		echo "$v" >"/proc/sys/$k" && echo "$(echo "$k" | tr / .) = $v [$old]"
	done
	echo "# the kernel: $(uname -r); msgport: $(cat /sys/module/msgport/version 2>/dev/null || echo '?')"
} >"$tmp/limits.txt" 2>&1
cat "$tmp/limits.txt"

msgport-bench --json "$tmp/bench.json" --tsv "$tmp/bench.tsv" --markdown "$tmp/bench.md" \
	"$@" >"$tmp/bench.txt"
rc=$?
cat "$tmp/bench.txt"
cp "$tmp"/* "$out"/ || rc=1
exit $rc
