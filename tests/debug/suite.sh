#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/debug/suite.sh: the reliability suite, run INSIDE the debug-kernel VM
# (busybox sh) by scripts/check-debug through tests/vm/run --debug-kernel,
# with msgport.ko loaded and msgport_kunit.ko available to modprobe.
#
# Parts, in order (each counted in the final `N passed, N failed`):
#   kunit      modprobe msgport_kunit; every KUnit case of the msgport_*
#              suites, from the KTAP in <debugfs>/kunit/*/results
#   cmocka     msgport-test, the whole in-VM suite but "trace" (see
#              cmocka_suites())
#   stress     msgport-stress
#   fuzz       msgport-fuzz
#   faults     msgport-faultsweep (one count per swept operation)
#   race       msgport-race
#   hostile    msgport-hostile: unprivileged attackers (another uid; one in
#              user, IPC and pid namespaces of its own) against the per-user
#              limits, the lock-hold bounds and a victim's round trips
#   counters   msgport's debugfs object counters are all zero
#   kmemleak   a kmemleak scan finds no unreferenced object
#   rmmod      msgport unloads
# The kernel log itself (KASAN, lockdep, UBSAN, WARNING, BUG, hung tasks,
# kmemleak) is judged by tests/vm/run on the host.
#
# Sizes come from the environment (scripts/check-debug passes them on the
# command line as NAME=VALUE): STRESS_PROCS, STRESS_MESSAGES, FUZZ_COUNT,
# FUZZ_SEED, RACE_CYCLES, HOSTILE_SECONDS, PARTS (default: all of the above).

for a in "$@"; do
	case $a in
	*=*) eval "${a%%=*}=\${a#*=}" ;;
	esac
done
STRESS_PROCS=${STRESS_PROCS:-64}
STRESS_MESSAGES=${STRESS_MESSAGES:-10000}
FUZZ_COUNT=${FUZZ_COUNT:-100000}
FUZZ_SEED=${FUZZ_SEED:-1}
RACE_CYCLES=${RACE_CYCLES:-1000}
HOSTILE_SECONDS=${HOSTILE_SECONDS:-20}
PARTS=${PARTS:-kunit cmocka stress fuzz faults race hostile counters kmemleak rmmod}

passed=0
failed=0
summary=""
DBG=/sys/kernel/debug
OBJECTS=$DBG/msgport/objects

now() {
	cut -d' ' -f1 /proc/uptime | cut -d. -f1
}

# note NAME PASSED FAILED SECONDS [WHY]
note() {
	passed=$((passed + $2))
	failed=$((failed + $3))
	if [ "$3" = 0 ]; then
		line=$(printf '%-9s ok    %5s passed, %s failed  (%ss)' "$1" "$2" "$3" "$4")
	else
		line=$(printf '%-9s FAIL  %5s passed, %s failed  (%ss) %s' "$1" "$2" "$3" "$4" "$5")
	fi
	echo "== $line"
	summary="$summary
$line"
}

# run_counted NAME CMD...: a program that ends with `N passed, N failed`.
run_counted() {
	name=$1
	shift
	t0=$(now)
	echo "==== $name: $*"
	"$@" >/tmp/part.log 2>&1
	rc=$?
	cat /tmp/part.log
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' /tmp/part.log | tail -n 1)
	p=0
	f=0
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*, }
		f=${f%% failed}
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	[ -n "$line" ] || f=$((f + 1))
	note "$name" "$p" "$f" $(($(now) - t0)) "exit status $rc"
}

# The cmocka suites to run here: all but "trace".  Turning trace events on
# and off patches the kernel's text (the static calls of the sched_switch
# probe that records command names), and this debug kernel under TCG was
# seen to livelock there: a CPU looping on the patch site's int3 in
# __schedule() while the patching CPU waited for its IPI (a soft lockup past
# 150 s, 2026-12-06).  The trace suite runs on the stock kernels (make
# check), where the patching takes no time.
cmocka_suites() {
	msgport-test --list | awk '!/^#/ && NF && $1 != "trace" { print $1 }'
}

# run_one NAME CMD...: a program that is one test (exit status).
run_one() {
	name=$1
	shift
	t0=$(now)
	echo "==== $name: $*"
	"$@"
	rc=$?
	if [ "$rc" = 0 ]; then
		note "$name" 1 0 $(($(now) - t0))
	else
		note "$name" 0 1 $(($(now) - t0)) "exit status $rc"
	fi
}

objects_zero() {
	[ -r "$OBJECTS" ] || { echo "no $OBJECTS"; return 1; }
	cat "$OBJECTS"
	! grep -vq ' 0$' "$OBJECTS"
}

part_kunit() {
	t0=$(now)
	echo "==== kunit: modprobe msgport_kunit"
	if ! modprobe msgport_kunit; then
		note kunit 0 1 $(($(now) - t0)) "modprobe msgport_kunit failed"
		return
	fi
	p=0
	f=0
	found=0
	for r in "$DBG"/kunit/msgport_*/results; do
		[ -r "$r" ] || continue
		found=$((found + 1))
		cat "$r"
		# Cases are the indented "ok N - name" lines; a suite with none
		# (suite_init failed) counts by its own line.
		cp=$(grep -cE '^[[:space:]]+ok [0-9]+ ' "$r")
		cf=$(grep -cE '^[[:space:]]+not ok [0-9]+ ' "$r")
		if [ "$((cp + cf))" = 0 ]; then
			if grep -qE '^not ok ' "$r"; then cf=1; else cp=1; fi
		fi
		# A case's own line can be lost when its log overflows KUnit's
		# buffer; the suite's line still says it failed.
		if [ "$cf" = 0 ] && grep -qE '^not ok ' "$r"; then
			cf=1
		fi
		p=$((p + cp))
		f=$((f + cf))
	done
	if [ "$found" = 0 ]; then
		echo "no $DBG/kunit/msgport_*/results; the kernel log says:"
		dmesg | grep -E 'msgport_|KTAP|# Subtest' | tail -n 40
		f=$((f + 1))
	fi
	rmmod msgport_kunit || f=$((f + 1))
	note kunit "$p" "$f" $(($(now) - t0)) "see the KTAP above"
}

part_counters() {
	t0=$(now)
	echo "==== counters: $OBJECTS"
	if objects_zero; then
		note counters 1 0 $(($(now) - t0))
	else
		echo "what is left (/proc/msgport):"
		cat /proc/msgport
		note counters 0 1 $(($(now) - t0)) "msgport objects left over"
	fi
}

part_kmemleak() {
	t0=$(now)
	echo "==== kmemleak: scan"
	if [ ! -w "$DBG/kmemleak" ]; then
		note kmemleak 0 1 0 "no $DBG/kmemleak"
		return
	fi
	# Objects younger than 5 s are never reported: let them age.
	sleep 6
	echo scan >"$DBG/kmemleak"
	echo scan >"$DBG/kmemleak"
	cat "$DBG/kmemleak" >/tmp/kmemleak.txt
	if grep -q 'unreferenced object' /tmp/kmemleak.txt; then
		cat /tmp/kmemleak.txt
		note kmemleak 0 1 $(($(now) - t0)) "$(grep -c 'unreferenced object' /tmp/kmemleak.txt) unreferenced object(s)"
	else
		note kmemleak 1 0 $(($(now) - t0))
	fi
}

part_rmmod() {
	t0=$(now)
	echo "==== rmmod msgport"
	if rmmod msgport; then
		note rmmod 1 0 $(($(now) - t0))
	else
		lsmod
		note rmmod 0 1 $(($(now) - t0)) "rmmod msgport failed"
	fi
}

suites=$(cmocka_suites)
start=$(now)
echo "msgport-debug-suite: kernel $(uname -r); parts: $PARTS"
# $suites: one word per suite, split where used.
# shellcheck disable=SC2086
for part in $PARTS; do
	case $part in
	kunit) part_kunit ;;
	cmocka) run_counted cmocka msgport-test $suites ;;
	stress) run_one stress msgport-stress --procs "$STRESS_PROCS" --messages "$STRESS_MESSAGES" ;;
	fuzz) run_one fuzz msgport-fuzz --seed "$FUZZ_SEED" --count "$FUZZ_COUNT" ;;
	faults) run_counted faults msgport-faultsweep ;;
	race) run_one race msgport-race --cycles "$RACE_CYCLES" ;;
	hostile) run_one hostile msgport-hostile --seconds "$HOSTILE_SECONDS" ;;
	counters) part_counters ;;
	kmemleak) part_kmemleak ;;
	rmmod) part_rmmod ;;
	*) echo "unknown part '$part'"; failed=$((failed + 1)) ;;
	esac
done

echo
echo "msgport-debug-suite: $(($(now) - start)) s in the VM:$summary"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
