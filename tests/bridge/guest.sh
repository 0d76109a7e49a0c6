#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/bridge/guest.sh: runs check-bridge scenarios inside the VM (busybox
# sh, root, cwd /host; started by scripts/check-bridge through tests/vm/run).
#
#   sh tests/bridge/guest.sh [--state DIR] SCENARIO...
#
# SCENARIO is a file tests/bridge/SCENARIO.sh, sourced in a subshell with
# lib.sh's helpers; the three-server JetStream cluster (scenario "cluster")
# is started first when any scenario but tls, creds or two-vm-* is asked for.  DIR is
# a host directory shared with the host driver (under the project, so the
# guest reaches it): the TLS files, the two VMs' rendezvous files.
# Output: one line per scenario, "check-bridge: PASS NAME (Ns)" or
# "check-bridge: FAIL NAME (Ns)", after the logs of a failed one; when the
# cluster scenario fails, every scenario that needs the cluster is marked
# FAIL at once (not run).  Exit 0 only if every scenario passed.

cd /host || exit 1
. tests/bridge/lib.sh

STATE=""
if [ "$1" = --state ]; then
	STATE=$2
	shift 2
fi
export STATE

passed=0
failed=0
need_cluster=0
for s in "$@"; do
	case $s in cluster | tls | creds | two-vm-*) ;; *) need_cluster=1 ;; esac
done

run() {
	s=$1
	say "===== scenario $s"
	for f in "$BR"/*.log; do
		case ${f##*/} in nats-*) ;; *) rm -f "$f" ;; esac
	done
	t0=$(date +%s)
	# shellcheck source=/dev/null
	(. "tests/bridge/$s.sh")
	rc=$?
	# Whatever the scenario left behind: its bridges, servers, and, if it
	# failed, the producers and consumers it started (spawn: bg-PID.pid;
	# after a pass they were waited for, their pids may be reused).
	for f in "$BR"/*.pid; do
		[ -f "$f" ] || continue
		case ${f##*/} in
		nats-*) continue ;;
		bg-*) [ "$rc" = 0 ] || kill -9 "$(cat "$f")" 2>/dev/null ;;
		*) kill -9 "$(cat "$f")" 2>/dev/null ;;
		esac
		rm -f "$f"
	done
	dt=$(($(date +%s) - t0))
	if [ "$rc" = 0 ]; then
		echo "check-bridge: PASS $s (${dt}s)"
		passed=$((passed + 1))
	else
		dump_logs
		echo "check-bridge: FAIL $s (${dt}s)"
		failed=$((failed + 1))
	fi
}

if [ "$need_cluster" = 1 ]; then
	case " $* " in *" cluster "*) ;; *) set -- cluster "$@" ;; esac
fi
cluster_ok=1
for s in "$@"; do
	case $s in
	cluster | tls | creds | two-vm-*) ;;
	*)
		if [ "$cluster_ok" = 0 ]; then
			echo "check-bridge: FAIL $s (0s): not run, the cluster scenario failed"
			failed=$((failed + 1))
			continue
		fi
		;;
	esac
	run "$s"
	[ "$s" != cluster ] || [ "$rc" = 0 ] || cluster_ok=0
done
cluster_stop
say "$passed passed, $failed failed"
[ "$failed" = 0 ]
