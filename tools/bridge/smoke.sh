#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tools/bridge/smoke.sh: a quick end-to-end check of msgport-bridge, run
# inside the test VM (the full lane is make check-bridge, tests/bridge/):
#
#   make all
#   mkdir -p build/vm-extra && cp /usr/sbin/nats-server /usr/bin/openssl build/vm-extra/
#   MSGPORT_VM_EXTRA_ELVES=build/vm-extra O=$PWD/build KERNELRELEASE=... \
#     tests/vm/run --timeout 600 -- sh tools/bridge/smoke.sh
#
# One nats-server with JetStream on the guest's loopback, bridges "site-a"
# and "site-b" in the same guest, each with its own mailboxes:
#   core      messages a.out -> msgport.smoke.core -> b.in, with relay fields
#   call      a call on a.svc answered by a server on b.svc, through both
#   sync      a synchronous send returns once the far mailbox's receiver took it
#   refuse    a sync send refused for good by the far side (ENOENT, a group
#             member) fails with that errno and does not block the export
#   fanout-silent  a fanout importer that cannot take a sync request stays
#             silent: another importer's delivery answers
#   deadline  a sync request that waited past its sender's time-out is
#             refused (Msgport-Deadline), not delivered twice
#   jetstream at least once: the importer killed (SIGKILL) mid-stream and
#             restarted, then the exporter: every message arrives, in order
#             of first arrival
#   reconnect the server restarted: both bridges log it and carry on
#   tls       a certificate naming another host is refused; --tls-name
#             names the expected one (needs openssl, else SKIPPED)
#   credentials  user:password in the URL never logged; an authorization
#             refused on reconnect closes the connection: exit 1
#   authz     an import no allow-import line covers: exit 2
#   size      an export larger than max_payload - 4096: exit 2
#   stream-config  a stream the server refuses (replicas 3, not clustered): exit 2
# With bridge-check on PATH (tests/bridge/, or build/vm-extra) the relay
# fields (MSGPORT_MSG_RELAYED, origin = FNV-1a of "node/mailbox") are checked too.
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
	bridge-check consume b.in --senders 1 --count 50 --relayed --origin site-a/a.out --timeout 60 \
		>"$W/consume.log" 2>&1 &
	c=$!
	bridge-check produce a.out --sender 1 --count 50 >/dev/null || fail "core: produce"
	wait $c || fail "core: bridge-check consume (relay fields): $(cat "$W/consume.log")"
fi
# b.in removed and created again under the importer: its cached handle
# is dropped (EIDRM) and the new mailbox gets the next message.
mbox b.in -c 64 -m 0660
msgport send a.out anew || fail "core: send after b.in was re-created"
got=$(msgport recv b.in -t 30)
[ "$got" = anew ] || fail "core: re-created b.in: received '$got'"
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

# ---- deadline: a sync request its sender gave up on is not delivered ------
# One import worker (and a queue of one), three exports to one subject, no
# receiver: a request that finds the queue full is answered EBUSY at once
# (a group member answers; fanout importers stay silent), one that waited
# past its sender's 3 s is refused; neither is delivered later beside its
# own retry (a duplicate).
mbox b.dl -c 8 -m 0660
for k in 1 2 3; do
	mbox a.dl$k -c 4 -m 0660
done
start A --nats $URL --node site-a --export a.dl1=msgport.smoke.dl --export a.dl2=msgport.smoke.dl \
	--export a.dl3=msgport.smoke.dl --call-timeout 3000
start B --nats $URL --node site-b --import msgport.smoke.dl=b.dl --call-workers 1 --group g
wait_log A "export a.dl3 -> msgport.smoke.dl: started"
wait_log B "import msgport.smoke.dl -> b.dl: subscribed"
for k in 1 2 3; do
	msgport send a.dl$k --sync -t 60 s$k >"$W/dl$k.out" 2>&1 &
	echo $! >"$W/dl$k.spid"
done
sleep 8
got=$(msgport recv b.dl -c 3 -t 30 | sort | tr '\n' ' ')
[ "$got" = "s1 s2 s3 " ] || fail "deadline: received '$got'"
for k in 1 2 3; do
	wait "$(cat "$W/dl$k.spid")" || fail "deadline: sync send s$k: $(cat "$W/dl$k.out")"
done
if extra=$(msgport recv b.dl -t 5 2>/dev/null); then
	fail "deadline: a duplicate arrived: '$extra'"
fi
grep -qE "had passed when a worker took it|every call worker busy: answered EBUSY" "$W/B.log" ||
	fail "deadline: no request refused as expired or busy"
stop A
stop B
echo "smoke: deadline ok ($(grep -c "had passed" "$W/B.log") request(s) refused as expired," \
	"$(grep -c "answered EBUSY" "$W/B.log") as busy)"

# ---- refused for good: a sync send fails with the far side's errno -------
# No mailbox b.rf and no --create: ENOENT, the sender's send fails with it,
# the message is dropped (not retried for ever), the export carries on.
# A group member answers its refusal (a fanout importer would stay silent:
# see fanout-silent below).
mbox a.rf -c 4 -m 0660
msgport rm b.rf >/dev/null 2>&1
start A --nats $URL --node site-a --export a.rf=msgport.smoke.rf
start B --nats $URL --node site-b --import msgport.smoke.rf=b.rf --group g
wait_log A "export a.rf -> msgport.smoke.rf: started"
wait_log B "import msgport.smoke.rf -> b.rf: subscribed"
if out=$(msgport send a.rf --sync -t 30 lost 2>&1); then
	fail "refuse: a sync send into no mailbox succeeded"
fi
echo "$out" | grep -qi "no such" || fail "refuse: the sync send failed with '$out', not ENOENT"
wait_log A "sync seq 1 refused for good: ENOENT"
mbox b.rf -c 4 -m 0660
msgport send a.rf after || fail "refuse: send after"
got=$(msgport recv b.rf -t 30)
[ "$got" = after ] || fail "refuse: received '$got', not 'after'"
[ "$(msgport stat a.rf -n -o MSGS)" = 0 ] || fail "refuse: a.rf still holds messages"
stop A
stop B
echo "smoke: refuse ok"

# ---- fanout-silent: a fanout importer without the mailbox does not answer --
# C imports into b.fs (missing, no --create), B into b.fs2 (present): C's
# ENOENT must not beat B's delivery: the sync send succeeds.
mbox a.fs -c 4 -m 0660
mbox b.fs2 -c 4 -m 0660
msgport rm b.fs >/dev/null 2>&1
start A --nats $URL --node site-a --export a.fs=msgport.smoke.fs
start B --nats $URL --node site-b --import msgport.smoke.fs=b.fs2 --verbose
start C --nats $URL --node site-c --import msgport.smoke.fs=b.fs --verbose
wait_log A "export a.fs -> msgport.smoke.fs: started"
wait_log B "import msgport.smoke.fs -> b.fs2: subscribed"
wait_log C "import msgport.smoke.fs -> b.fs: subscribed"
for k in 1 2 3; do
	msgport send a.fs --sync -t 30 f$k >"$W/fs.out" 2>&1 &
	s=$!
	got=$(msgport recv b.fs2 -t 30)
	[ "$got" = f$k ] || fail "fanout-silent: received '$got', not f$k"
	wait $s || fail "fanout-silent: sync send f$k failed: $(cat "$W/fs.out")"
done
grep -q "not answered (fanout" "$W/C.log" || fail "fanout-silent: C did not log its silence"
stop A
stop B
stop C
echo "smoke: fanout-silent ok"

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
# A mailbox removed and created again starts its seq at 1: its messages
# must not be taken for the old ones' duplicates (Nats-Msg-Id has the send time).
stop A
mbox a.js -c 16 -m 0660
start A2 --nats $URL --node site-a --export a.js=msgport.smoke.js --delivery jetstream
wait_log A2 "export a.js -> msgport.smoke.js: started (jetstream)"
msgport send a.js r1 r2 r3 || fail "jetstream: send to the re-created a.js"
got=$(msgport recv b.js -c 3 -t 30 | tr '\n' ' ')
[ "$got" = "r1 r2 r3 " ] || fail "jetstream: re-created mailbox: received '$got'"
grep -q "says duplicate" "$W/A2.log" && fail "jetstream: re-created mailbox: duplicates"
echo "smoke: jetstream re-created mailbox ok"
stop A2
stop B
# The stream the exporter made covers its JetStream exports only (not
# msgport.>, which would store every core message too) ...
grep -q "jetstream: stream MSGPORT created (subjects msgport.smoke.js, replicas 1, max age 86400s)" \
	"$W/A.log" ||
	fail "jetstream: stream: $(grep stream "$W/A.log")"
# ... and an export to it on another subject adds that subject.
mbox a.js2 -c 16 -m 0660
start A3 --nats $URL --node site-a --export a.js2=msgport.smoke.js2 --delivery jetstream
start B3 --nats $URL --node site-b --import msgport.smoke.js2=b.js --delivery jetstream
wait_log A3 "jetstream: stream MSGPORT: subject msgport.smoke.js2 added"
wait_log A3 "export a.js2 -> msgport.smoke.js2: started (jetstream)"
wait_log B3 "subscribed (jetstream, fanout)"
msgport send a.js2 x1 || fail "jetstream: send to a.js2"
got=$(msgport recv b.js -t 30)
[ "$got" = x1 ] || fail "jetstream: added subject: received '$got'"
stop A3
stop B3
echo "smoke: jetstream stream subjects ok"

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

# ---- credentials: no password in the log; refused for good: exit 1 ----------
mbox a.pw -c 4 -m 0660
nats-server -a 127.0.0.1 -p 4223 --user u --pass sekrit >"$W/nats-pw.log" 2>&1 &
echo $! >"$W/nats-pw.pid"
start P --nats nats://u:sekrit@127.0.0.1:4223 --node site-a --export a.pw
wait_log P "nats: connected to nats://127.0.0.1:4223"
wait_log P "export a.pw -> msgport.a.pw: started"
kill "$(cat "$W/nats-pw.pid")"
wait "$(cat "$W/nats-pw.pid")"
nats-server -a 127.0.0.1 -p 4223 --user u --pass changed >>"$W/nats-pw.log" 2>&1 &
echo $! >"$W/nats-pw.pid"
# The library gives up on an authorization refused again and again: the
# bridge must not stay up doing nothing.
t=0
while kill -0 "$(cat "$W/P.pid")" 2>/dev/null; do
	[ $t -lt 120 ] || fail "credentials: the bridge still runs after its connection closed"
	sleep 0.5
	t=$((t + 1))
done
rc=0
wait "$(cat "$W/P.pid")" || rc=$?
rm -f "$W/P.pid"
[ $rc = 1 ] || fail "credentials: exit $rc after the connection closed, not 1"
grep -q "nats: closed for good" "$W/P.log" || fail "credentials: no 'closed for good' line"
grep -q sekrit "$W/P.log" && fail "credentials: the password is in the log"
kill "$(cat "$W/nats-pw.pid")"
rm -f "$W/nats-pw.pid"
echo "smoke: credentials ok"

# ---- tls: the server's certificate must carry the expected name ------------
if command -v openssl >/dev/null 2>&1; then
	T=$W/tls
	mkdir -p "$T"
	printf '[req]\ndistinguished_name=dn\n[dn]\n' >"$T/o.cnf"
	printf 'subjectAltName=DNS:nats.smoke\n' >"$T/ext"
	{ openssl req -config "$T/o.cnf" -x509 -newkey rsa:2048 -nodes -days 2 \
		-subj /CN=smoke-ca -keyout "$T/ca.key" -out "$T/ca.pem" &&
	  openssl req -config "$T/o.cnf" -newkey rsa:2048 -nodes -subj /CN=nats.smoke \
		-keyout "$T/srv.key" -out "$T/srv.csr" &&
	  openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
		-CAcreateserial -days 2 -extfile "$T/ext" -out "$T/srv.pem"; } \
		>"$T/openssl.log" 2>&1 || fail "tls: openssl: $(cat "$T/openssl.log")"
	mbox a.tls -c 4 -m 0660
	nats-server -a 127.0.0.1 -p 4224 --tls --tlscert "$T/srv.pem" --tlskey "$T/srv.key" \
		>"$W/nats-tls.log" 2>&1 &
	echo $! >"$W/nats-tls.pid"
	# The URL's host (127.0.0.1) is not the certificate's name: no connection.
	start T1 --nats tls://127.0.0.1:4224 --tls-ca "$T/ca.pem" --node site-a --export a.tls
	sleep 5
	grep -q "nats: connected to" "$W/T1.log" && fail "tls: connected to a server whose certificate names another host"
	grep -q "tls: the servers' certificates must name 127.0.0.1" "$W/T1.log" ||
		fail "tls: $(cat "$W/T1.log")"
	kill -KILL "$(cat "$W/T1.pid")" 2>/dev/null
	rm -f "$W/T1.pid"
	start T2 --nats tls://127.0.0.1:4224 --tls-ca "$T/ca.pem" --tls-name nats.smoke \
		--node site-a --export a.tls
	wait_log T2 "nats: connected to"
	stop T2
	# Two hosts in the list and no --tls-name: exit 2 asking for it.
	rc=0
	msgport-bridge --nats tls://127.0.0.1:4224,tls://localhost:4224 --tls-ca "$T/ca.pem" \
		--node site-a --export a.tls >"$W/T3.log" 2>&1 || rc=$?
	[ $rc = 2 ] && grep -q "give --tls-name" "$W/T3.log" ||
		fail "tls: two hosts without --tls-name: exit $rc: $(cat "$W/T3.log")"
	kill "$(cat "$W/nats-tls.pid")"
	rm -f "$W/nats-tls.pid"
	echo "smoke: tls ok"
else
	echo "smoke: tls SKIPPED (no openssl: copy /usr/bin/openssl into build/vm-extra)"
fi

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

# ---- stream-config: a stream the server refuses to create: exit 2 ----------
# Replicas 3 on a server not clustered (jsErrCode 10074): one clear line,
# exit 2, not a warning every second for ever.
mbox a.sc -c 4 -m 0660
rc=0
timeout 60 msgport-bridge --nats $URL --node site-a --export a.sc=msgport.smoke.sc \
	--delivery jetstream --stream SMOKEBAD --stream-replicas 3 >"$W/sc.log" 2>&1 || rc=$?
[ $rc = 2 ] || fail "stream-config: exit $rc, not 2: $(cat "$W/sc.log")"
grep -q "not clustered" "$W/sc.log" || fail "stream-config: $(cat "$W/sc.log")"
echo "smoke: stream-config ok"

cleanup
echo "smoke: PASS"
exit 0
