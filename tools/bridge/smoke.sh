#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tools/bridge/smoke.sh: a quick end-to-end check of msgport-bridge, run
# inside the test VM (the full lane is make check-bridge, tests/bridge/):
#
#   make all
#   mkdir -p build/vm-extra && cp /usr/sbin/nats-server build/vm-extra/
#   MSGPORT_VM_EXTRA_ELVES=build/vm-extra O=$PWD/build KERNELRELEASE=... \
#     tests/vm/run --timeout 600 -- sh tools/bridge/smoke.sh
#
# One nats-server with JetStream on the guest's loopback, bridges "site-a"
# and "site-b" in the same guest, each with its own mailboxes:
#   core      messages a.out -> msgport.smoke.core -> b.in, with relay fields
#   call      a call on a.svc answered by a server on b.svc, through both
#   sync      a synchronous send returns once the far mailbox's receiver took it
#   jetstream at least once: the importer killed (SIGKILL) mid-stream and
#             restarted, then the exporter: every message arrives, in order
#             of first arrival
#   reconnect the server restarted: both bridges log it and carry on
#   authz     an import no allow-import line covers: exit 2
#   size      an export larger than max_payload - 4096: exit 2
# With bridge-check on PATH (tests/bridge/, or build/vm-extra) the relay
# fields (MSGPORT_MSG_RELAYED, origin = FNV-1a of the node) are checked too.
# Prints "smoke: PASS" and exits 0, or "smoke: FAIL: why" and exits 1.

set -u
W=/tmp/bridge-smoke
rm -rf "$W"
mkdir -p "$W"
PATH=$PATH:/host/build/vm-extra:/usr/sbin
URL=nats://127.0.0.1:4222
failed=0

fail() {
	echo "smoke: FAIL: $*" >&2
	failed=1
	for f in "$W"/*.log; do
		[ -f "$f" ] || continue
		echo "----- ${f##*/}" >&2
		tail -n 15 "$f" >&2
	done
	cleanup
	exit 1
}

cleanup() {
	for f in "$W"/*.pid; do
		[ -f "$f" ] || continue
		kill -TERM "$(cat "$f")" 2>/dev/null
	done
	sleep 1
	for f in "$W"/*.pid; do
		[ -f "$f" ] || continue
		kill -KILL "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
}

# start NAME ARGS...: msgport-bridge in the background, log in $W/NAME.log
start() {
	n=$1
	shift
	msgport-bridge "$@" >>"$W/$n.log" 2>&1 &
	echo $! >"$W/$n.pid"
}

# wait_log NAME TEXT: until the bridge logged TEXT (60 s)
wait_log() {
	t=0
	while ! grep -qF -- "$2" "$W/$1.log" 2>/dev/null; do
		kill -0 "$(cat "$W/$1.pid")" 2>/dev/null || fail "bridge $1 exited before '$2'"
		[ $t -lt 240 ] || fail "bridge $1 did not log '$2'"
		sleep 0.25
		t=$((t + 1))
	done
}

# stop NAME [SIG]: SIGTERM must give exit 0
stop() {
	pid=$(cat "$W/$1.pid")
	rm -f "$W/$1.pid"
	kill "-${2:-TERM}" "$pid"
	rc=0
	wait "$pid" || rc=$?
	if [ "${2:-TERM}" = TERM ] && [ $rc != 0 ]; then
		fail "bridge $1 exited $rc on SIGTERM"
	fi
}

mbox() {
	msgport rm "$1" >/dev/null 2>&1
	msgport create "$@" >/dev/null || fail "cannot create mailbox $1"
}

have_check() {
	command -v bridge-check >/dev/null 2>&1
}

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
command -v nats-server >/dev/null || fail "no nats-server (copy it into build/vm-extra)"
nats-server -a 127.0.0.1 -p 4222 -js -sd "$W/js" >"$W/nats.log" 2>&1 &
echo $! >"$W/nats.pid"

# ---- core: messages, with headers and relay fields ----------------------
mbox a.out -c 64 -m 0660
mbox b.in -c 64 -m 0660
start A --nats $URL --node site-a --export a.out=msgport.smoke.core
start B --nats $URL --node site-b --import msgport.smoke.core=b.in --verbose
wait_log A "nats: connected to nats://127.0.0.1:4222"
wait_log A "export a.out -> msgport.smoke.core: started (core)"
wait_log B "import msgport.smoke.core -> b.in: subscribed (core, fanout)"
msgport send a.out -p 3 one two three || fail "send to a.out"
got=$(msgport recv b.in -c 3 -t 30 | tr '\n' ' ')
[ "$got" = "one two three " ] || fail "core: received '$got'"
wait_log B "import msgport.smoke.core -> b.in: message seq 3 from node site-a delivered"
if have_check; then
	bridge-check consume b.in --senders 1 --count 50 --relayed --origin site-a --timeout 60 \
		>"$W/consume.log" 2>&1 &
	c=$!
	bridge-check produce a.out --sender 1 --count 50 >/dev/null || fail "core: produce"
	wait $c || fail "core: bridge-check consume (relay fields): $(cat "$W/consume.log")"
fi
echo "smoke: core ok"

# ---- sync: the local send returns once the far receiver took it ---------
msgport send a.out --sync -t 30 synced >"$W/sync.out" 2>&1 &
s=$!
sleep 2
kill -0 $s 2>/dev/null || fail "sync: the send returned before anyone received: $(cat "$W/sync.out")"
got=$(msgport recv b.in -t 30)
[ "$got" = synced ] || fail "sync: received '$got'"
wait $s || fail "sync: the synchronous send failed: $(cat "$W/sync.out")"
echo "smoke: sync ok"
stop A
stop B

# ---- call through two bridges --------------------------------------------
mbox a.svc -c 16 -m 0660
mbox b.svc -c 16 -m 0660
start A --nats $URL --node site-a --export a.svc=msgport.smoke.svc --call-timeout 5000
start B --nats $URL --node site-b --import msgport.smoke.svc=b.svc
wait_log A "export a.svc -> msgport.smoke.svc: started"
wait_log B "import msgport.smoke.svc -> b.svc: subscribed"
msgport serve b.svc -- sh -c 'printf "served:"; cat' >"$W/serve.log" 2>&1 &
echo $! >"$W/serve.pid"
got=$(msgport call a.svc -t 30 hello) || fail "call: exit $? ($got)"
[ "$got" = "served:hello" ] || fail "call: reply '$got'"
kill "$(cat "$W/serve.pid")"
rm -f "$W/serve.pid"
stop B
# No importer: the caller gets an error at once (EHOSTUNREACH), no hang.
if got=$(msgport call a.svc -t 30 nobody 2>&1); then
	fail "call: a call with no importer succeeded ($got)"
fi
echo "$got" | grep -qiE "unreachable|no route to host" || fail "call: no importer: '$got'"
stop A
echo "smoke: call ok"

# ---- jetstream: at least once across SIGKILLs ------------------------------
N=300
mbox a.js -c 16 -m 0660
mbox b.js -c 8 -m 0660
start A --nats $URL --node site-a --export a.js=msgport.smoke.js --delivery jetstream
start B --nats $URL --node site-b --import msgport.smoke.js=b.js --delivery jetstream
wait_log A "export a.js -> msgport.smoke.js: started (jetstream)"
wait_log B "import msgport.smoke.js -> b.js: subscribed (jetstream, fanout)"
i=1
while [ $i -le $N ]; do
	echo "m$i"
	i=$((i + 1))
done >"$W/js.in"
msgport send a.js <"$W/js.in" &
sender=$!
# The exporter dies with a message under lease, waiting for a PubAck from a
# stopped server: the lease returns to a.js, the restarted exporter sends it.
sleep 0.5
kill -STOP "$(cat "$W/nats.pid")"
sleep 2
queued=$(msgport stat a.js -n -o MSGS)
stop A KILL
kill -CONT "$(cat "$W/nats.pid")"
echo "smoke: jetstream: exporter killed with a.js holding $queued message(s)"
[ "$queued" -gt 0 ] || fail "jetstream: the sender was done before the exporter was killed"
start A --nats $URL --node site-a --export a.js=msgport.smoke.js --delivery jetstream
wait_log A "export a.js -> msgport.smoke.js: started (jetstream)"
wait $sender || fail "jetstream: the local sends failed"
# ... the importer dies blocked on a full b.js, holding fetched, unacked ones.
sleep 2
[ "$(msgport stat b.js -n -o MSGS)" = 8 ] || fail "jetstream: b.js not full"
stop B KILL
start B --nats $URL --node site-b --import msgport.smoke.js=b.js --delivery jetstream
wait_log B "subscribed (jetstream, fanout)"
# Everything sent arrives: the first arrival of each in order, duplicates allowed.
msgport recv b.js -c $N -t 60 >"$W/js.out" 2>/dev/null
while msgport recv b.js -t 5 >>"$W/js.out" 2>/dev/null; do :; done
awk -v n=$N '
	{ k = substr($0, 2) + 0; if (seen[k]++) { dup++; next }
	  if (k != last + 1) { print "out of order: " k " after " last; bad = 1 }
	  last = k }
	END { if (last != n) { print "last " last " of " n; bad = 1 }
	      print "duplicates " dup + 0; exit bad }' "$W/js.out" >"$W/js.check" ||
	fail "jetstream: $(cat "$W/js.check")"
echo "smoke: jetstream ok ($(cat "$W/js.check"))"
stop A
stop B

# ---- reconnect: the server restarts under the bridges ----------------------
mbox a.rc -c 16 -m 0660
mbox b.rc -c 16 -m 0660
start A --nats $URL --node site-a --export a.rc=msgport.smoke.rc
start B --nats $URL --node site-b --import msgport.smoke.rc=b.rc
wait_log A "export a.rc -> msgport.smoke.rc: started"
wait_log B "import msgport.smoke.rc -> b.rc: subscribed"
kill "$(cat "$W/nats.pid")"
wait "$(cat "$W/nats.pid")"
wait_log A "nats: disconnected"
wait_log B "nats: disconnected"
nats-server -a 127.0.0.1 -p 4222 -js -sd "$W/js" >>"$W/nats.log" 2>&1 &
echo $! >"$W/nats.pid"
wait_log A "nats: reconnected to nats://127.0.0.1:4222"
wait_log B "nats: reconnected to nats://127.0.0.1:4222"
msgport send a.rc again || fail "reconnect: send"
got=$(msgport recv b.rc -t 30)
[ "$got" = again ] || fail "reconnect: received '$got'"
stop A
stop B
echo "smoke: reconnect ok"

# ---- authorization ---------------------------------------------------------
mbox secret -c 4 -m 0660
cat >"$W/authz.conf" <<EOF
nats $URL
node site-b
allow-import msgport.ok.* ok.*
EOF
rc=0
msgport-bridge --config "$W/authz.conf" --import msgport.secret=secret >"$W/authz.log" 2>&1 || rc=$?
[ $rc = 2 ] || fail "authz: exit $rc, not 2"
grep -q "import msgport.secret -> secret is not allowed" "$W/authz.log" || fail "authz: $(cat "$W/authz.log")"
echo "smoke: authz ok"

# ---- size --------------------------------------------------------------------
mbox big -c 4 -s 2M -m 0660
rc=0
msgport-bridge --nats $URL --node site-a --export big >"$W/size.log" 2>&1 || rc=$?
[ $rc = 2 ] || fail "size: exit $rc, not 2"
grep "2097152" "$W/size.log" | grep -q "1048576" || fail "size: $(cat "$W/size.log")"
echo "smoke: size ok"

cleanup
echo "smoke: PASS"
exit 0
