#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/lockstat-vm.sh OUTDIR PAIRS FANIN TIME ROUNDS: runs inside the VM
# (scripts/lockstat boots it on the lock-statistics kernel, msgport.ko
# loaded).  For each phase -- msgport-bench --pairs 2, --pairs 4 (PAIRS),
# --fan-in FANIN -- clears /proc/lock_stat, runs the bench, and saves:
#   OUTDIR/PHASE.bench     the bench's table
#   OUTDIR/PHASE.lockstat  /proc/lock_stat as it was right after the bench
# plus OUTDIR/classes: the lock classes msgport itself creates (names as
# lockdep shows them: "&mb->lock" for spin_lock_init(&mb->lock), the
# variable's name for DEFINE_SPINLOCK(x)), one a line with "global" (one
# instance for the whole module: shared by every mailbox) or "per-object".
# scripts/lockstat filters and summarises them on the host.

out=$1
pairs=${2:-4}
fanin=${3:-4}
time=${4:-1}
rounds=${5:-3}

[ -r /proc/lock_stat ] || { echo "lockstat-vm: no /proc/lock_stat (not a CONFIG_LOCK_STAT kernel)" >&2; exit 1; }
[ -e /dev/msgport ] || { echo "lockstat-vm: no /dev/msgport (module not loaded)" >&2; exit 1; }
mkdir -p "$out" || exit 1
echo 1 >/proc/sys/kernel/lock_stat 2>/dev/null

# The classes of msgport's own locks, from its sources (shared at /host).
{
	grep -hoE '(spin_lock_init|mutex_init|init_rwsem|rwlock_init|seqlock_init|init_waitqueue_head)\([^)]*\)' \
		kmod/*.c | sed -E 's/^[a-z_]+\((.*)\)$/\1 per-object/'
	grep -hoE '(DEFINE_(SPINLOCK|RAW_SPINLOCK|MUTEX|RWLOCK|SEQLOCK)|DECLARE_RWSEM|DECLARE_WAIT_QUEUE_HEAD)\([A-Za-z0-9_]+\)' \
		kmod/*.c | sed -E 's/^[A-Z_]+\((.*)\)$/\1 global/'
} | sort -u >"$out/classes"

rc=0
phase() {
	name=$1
	shift
	echo "== $name: msgport-bench $*"
	echo 0 >/proc/lock_stat || return 1
	msgport-bench "$@" --time "$time" --rounds "$rounds" -q \
		>"$out/$name.bench" 2>&1 || { cat "$out/$name.bench"; rc=1; }
	cat /proc/lock_stat >"$out/$name.lockstat"
	cat "$out/$name.bench"
}

npairs2=2
[ "$pairs" -ge 2 ] || npairs2=$pairs
phase "pairs$npairs2" --pairs "$npairs2"
[ "$pairs" -le 2 ] || phase "pairs$pairs" --pairs "$pairs"
phase "fan-in$fanin" --fan-in "$fanin"
uname -r >"$out/kernel"
nproc >"$out/cpus" 2>/dev/null || grep -c ^processor /proc/cpuinfo >"$out/cpus"
exit $rc
