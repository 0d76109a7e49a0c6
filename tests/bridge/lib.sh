# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC3043 # local: busybox ash has it
#
# tests/bridge/lib.sh: helpers of the check-bridge scenarios, sourced by
# tests/bridge/guest.sh in the guest (busybox sh, as root, cwd /host).
#
#   cluster_start        three nats-servers n1..n3 clustered with JetStream on
#                        127.0.0.1 (clients 4222..4224, routes 6222..6224,
#                        monitoring 8222..8224, stores /tmp/bridge/nN), ready
#                        when a 3-replica stream takes and gives a message
#   nats_kill N / nats_start N   kill -9 / (re)start server nN
#   bridge_start NAME ARGS...    msgport-bridge ARGS in the background, its
#                        stderr in $BR/NAME.log, pid in $BR/bridge-NAME.pid
#                        (run under $BRIDGE_AS if set, e.g. setpriv ...)
#   bridge_wait NAME TEXT [S]    wait until NAME's log has TEXT (fixed string)
#   bridge_kill NAME [SIG]       signal it and reap it: TERM must make it
#                        exit 0, KILL 137 (any other status: it had died)
#   bridge_refused NAME SERVERLOG [N0]  NAME's TLS connection refused (below)
#   probe FROM TO...     core NATS paths ready: send probe messages into FROM
#                        until each TO got one, then empty the TOs
#   spawn CMD...         CMD in the background ($! its pid), recorded in
#                        $BR/bg-PID.pid so that guest.sh kills it if the
#                        scenario fails
#   running WHAT PID...  fail unless every PID still runs
#   wait_queued MAILBOX N [S]    wait until MAILBOX holds N messages
#   fail TEXT            say why the scenario fails and return 1
# Readiness waits are generous (TCG is slow and the host is shared); the
# traffic itself is never timed, only bounded by a wide time-out.

BR=/tmp/bridge
CLUSTER_URLS=nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224
mkdir -p "$BR"

say() {
	echo "bridge-test: $*"
}

fail() {
	echo "bridge-test: FAIL: $*" >&2
	return 1
}

need_bridge() {
	command -v msgport-bridge >/dev/null 2>&1 ||
		fail "msgport-bridge is not built (\$O/tools/msgport-bridge: helper 'bridge', tools/bridge/)"
}

nats_conf() {
	n=$1
	routes=""
	for r in 1 2 3; do
		[ "$r" = "$n" ] || routes="$routes${routes:+, }\"nats-route://127.0.0.1:$((6221 + r))\""
	done
	mkdir -p "$BR/n$n"
	cat >"$BR/n$n.conf" <<EOC
server_name: n$n
listen: 127.0.0.1:$((4221 + n))
http: 127.0.0.1:$((8221 + n))
jetstream {
	store_dir: "$BR/n$n"
	max_memory_store: 64MB
	max_file_store: 512MB
}
cluster {
	name: msgport
	listen: 127.0.0.1:$((6221 + n))
	routes: [ $routes ]
}
EOC
}

nats_start() {
	[ -f "$BR/n$1.conf" ] || nats_conf "$1"
	nats-server -c "$BR/n$1.conf" >>"$BR/nats-n$1.log" 2>&1 &
	echo $! >"$BR/nats-n$1.pid"
}

nats_kill() {
	if [ -f "$BR/nats-n$1.pid" ]; then
		kill -9 "$(cat "$BR/nats-n$1.pid")" 2>/dev/null
		wait "$(cat "$BR/nats-n$1.pid")" 2>/dev/null
		rm -f "$BR/nats-n$1.pid"
	fi
}

cluster_ready() {
	nats-probe --wait "${1:-180}" --replicas 3 js "$CLUSTER_URLS"
}

cluster_start() {
	for n in 1 2 3; do
		nats_start "$n"
	done
	sleep 3
	for n in 1 2 3; do
		if ! kill -0 "$(cat "$BR/nats-n$n.pid")" 2>/dev/null; then
			tail -n 15 "$BR/nats-n$n.log" >&2
			fail "nats-server n$n exited at its start"
			return 1
		fi
	done
	if ! cluster_ready 240; then
		tail -n 15 "$BR"/nats-n*.log >&2
		fail "the three-server JetStream cluster did not become ready"
		return 1
	fi
}

cluster_stop() {
	for n in 1 2 3; do
		nats_kill "$n"
	done
}

# The server (1..3) that bridge NAME says it is connected to, else 1.
bridge_server() {
	url=$(grep -o 'connected to nats://127.0.0.1:42[0-9]*' "$BR/$1.log" 2>/dev/null | tail -n 1)
	port=${url##*:}
	case $port in 4222 | 4223 | 4224) echo $((port - 4221)) ;; *) echo 1 ;; esac
}

bridge_start() {
	local bs_name="$1"
	shift
	echo "+ ${BRIDGE_AS:+$BRIDGE_AS }msgport-bridge $*" >>"$BR/$bs_name.log"
	# shellcheck disable=SC2086 # BRIDGE_AS: a command prefix (setpriv ...), split
	$BRIDGE_AS msgport-bridge "$@" >>"$BR/$bs_name.log" 2>&1 &
	echo $! >"$BR/bridge-$bs_name.pid"
}

bridge_wait() {
	local bw_name="$1" bw_text="$2" bw_limit="${3:-120}" bw_t=0
	while ! grep -qF -- "$bw_text" "$BR/$bw_name.log" 2>/dev/null; do
		if ! kill -0 "$(cat "$BR/bridge-$bw_name.pid")" 2>/dev/null; then
			fail "bridge $bw_name exited before logging '$bw_text'"
			tail -n 20 "$BR/$bw_name.log" >&2
			return 1
		fi
		if [ "$bw_t" -ge $((bw_limit * 2)) ]; then
			fail "bridge $bw_name did not log '$bw_text' within ${bw_limit}s"
			tail -n 20 "$BR/$bw_name.log" >&2
			return 1
		fi
		sleep 0.5
		bw_t=$((bw_t + 1))
	done
}

bridge_kill() {
	local bk_name="$1" bk_sig="${2:-TERM}" bk_pid bk_st bk_want
	[ -f "$BR/bridge-$bk_name.pid" ] || return 0
	bk_pid=$(cat "$BR/bridge-$bk_name.pid")
	rm -f "$BR/bridge-$bk_name.pid"
	# busybox ash reaps background jobs during foreground commands: a
	# bridge that died earlier is seen by wait's status (its own, or 127
	# when no longer known), not by kill.
	kill "-$bk_sig" "$bk_pid" 2>/dev/null
	wait "$bk_pid"
	bk_st=$?
	case $bk_sig in TERM) bk_want=0 ;; KILL) bk_want=137 ;; *) bk_want=$bk_st ;; esac
	if [ "$bk_st" != "$bk_want" ]; then
		fail "bridge $bk_name exited $bk_st on SIG$bk_sig, not $bk_want (it died before, or did not stop cleanly)"
		tail -n 10 "$BR/$bk_name.log" >&2
		return 1
	fi
	return 0
}

# bridge_refused NAME SERVERLOG [N0]: bridge NAME's TLS connection is
# refused: the server's log shows more than N0 (default 0: the count before
# NAME started) TLS handshake errors, the bridge never connects,
# and it either still runs (retrying; SIGTERM: exit 0) or exited by its
# documented rule for a connection the client library closed for good:
# status 1 and a "closed for good" line.
bridge_refused() {
	local rf_name="$1" rf_slog="$2" rf_n0="${3:-0}" rf_t=0 rf_pid rf_st
	rf_pid=$(cat "$BR/bridge-$rf_name.pid")
	bridge_wait "$rf_name" "not connected" || return 1
	while [ "$(grep -c "TLS handshake error" "$rf_slog")" -le "$rf_n0" ]; do
		[ $rf_t -lt 120 ] || { fail "no TLS handshake error in ${rf_slog##*/} for bridge $rf_name"; return 1; }
		sleep 0.5
		rf_t=$((rf_t + 1))
	done
	sleep 3
	if grep -q "nats: connected to" "$BR/$rf_name.log"; then
		fail "bridge $rf_name connected"
		return 1
	fi
	if kill -0 "$rf_pid" 2>/dev/null; then
		bridge_kill "$rf_name" TERM
		return
	fi
	rm -f "$BR/bridge-$rf_name.pid"
	wait "$rf_pid"
	rf_st=$?
	if [ "$rf_st" != 1 ] || ! grep -q "nats: closed for good" "$BR/$rf_name.log"; then
		fail "bridge $rf_name exited $rf_st after its TLS connection was refused (want 1 and 'closed for good')"
		return 1
	fi
}

# Every bridge still running: stopped by SIGTERM, each must exit 0.
bridges_stop() {
	local bs_rc=0 bs_f bs_b
	for bs_f in "$BR"/bridge-*.pid; do
		[ -f "$bs_f" ] || continue
		bs_b=${bs_f##*/bridge-}
		bs_b=${bs_b%.pid}
		bridge_kill "$bs_b" TERM || bs_rc=1
	done
	return $bs_rc
}

# Core NATS is at most once: a message published before the importer's
# interest reached the server its exporter uses (a route away) is dropped.
# "subscribed" says the importer's server has the interest; a probe that
# arrives end to end says every server on the way has it.
probe() {
	local pr_from="$1" pr_i=0 pr_to pr_all
	shift
	while :; do
		pr_all=1
		for pr_to in "$@"; do
			[ "$(queued "$pr_to")" -gt 0 ] || pr_all=0
		done
		[ "$pr_all" = 0 ] || break
		[ $pr_i -lt 120 ] || { fail "no probe from $pr_from reached each of $* in 120 tries"; return 1; }
		pr_i=$((pr_i + 1))
		msgport send "$pr_from" "probe $pr_i" >/dev/null || { fail "probe: cannot send into $pr_from"; return 1; }
		sleep 1
	done
	sleep 2
	for pr_to in "$@"; do
		while msgport recv "$pr_to" -t 2 >/dev/null 2>&1; do :; done
	done
	wait_queued "$pr_from" 0 60
}

spawn() {
	"$@" &
	echo $! >"$BR/bg-$!.pid"
}

running() {
	local rn_what="$1" rn_p
	shift
	for rn_p in "$@"; do
		kill -0 "$rn_p" 2>/dev/null || { fail "$rn_what: process $rn_p no longer runs"; return 1; }
	done
}

wait_queued() {
	local wq_t=0 wq_n
	while wq_n=$(queued "$1") && [ "$wq_n" != "$2" ]; do
		if [ "$wq_t" -ge $((${3:-120} * 2)) ]; then
			fail "$1 holds ${wq_n:-?} message(s), not $2, after ${3:-120}s"
			return 1
		fi
		sleep 0.5
		wq_t=$((wq_t + 1))
	done
}

# Logs of the scenario that just failed.
dump_logs() {
	for f in "$BR"/*.log; do
		[ -f "$f" ] || continue
		echo "----- ${f##*/} (last 25 lines)"
		tail -n 25 "$f"
	done >&2
}

# mailbox NAME [ARGS...]: create it afresh (msgport create ARGS).
mailbox() {
	msgport rm "$1" >/dev/null 2>&1
	msgport create "$@" >/dev/null || fail "cannot create mailbox $1"
}

queued() {
	msgport stat "$1" -n -o MSGS
}

# union_check WHAT EXPECTED FILE...: the distinct "SENDER NUMBER" lines of
# consumers' --record files number EXPECTED (nothing lost across them).
union_check() {
	what=$1 want=$2
	shift 2
	got=$(cat "$@" | sort -u | wc -l)
	[ "$got" = "$want" ] || fail "$what: the members got $got distinct messages together, not $want"
}
