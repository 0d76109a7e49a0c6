# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "jetstream-failover": at-least-once over the three-server
# JetStream cluster.  The exporter makes its own stream FAILOVER with 3
# replicas (--stream-replicas: one replica a killed server would take away).
# site-a exports a.js, site-b imports msgport.js into b.js, both
# --delivery jetstream; two senders stream 500 messages each at a steady
# rate; mid-stream (the senders still running, asserted) the server site-a
# is connected to is killed (kill -9), restarted 8 s later; once the
# cluster is ready again, the one site-b is connected to.
# Every message a send reported accepted must arrive, in order per sender
# (first arrivals), duplicates allowed (they carry the same relay origin
# and seq, which the consumer checks); both bridges must say they
# were disconnected and reconnected.
need_bridge || exit 1
N=500
mailbox a.js -c 64 -m 0660 && mailbox b.js -c 64 -m 0660 || exit 1
bridge_start A --nats "$CLUSTER_URLS" --node site-a --delivery jetstream --stream FAILOVER \
	--stream-replicas 3 --export a.js=msgport.js
bridge_start B --nats "$CLUSTER_URLS" --node site-b --delivery jetstream --stream FAILOVER \
	--import msgport.js=b.js
bridge_wait A "export a.js -> msgport.js: started" &&
	bridge_wait B "import msgport.js -> b.js: subscribed" || exit 1
spawn bridge-check consume b.js --senders 1,2 --count $N --allow-dup --relayed --origin site-a/a.js --timeout 900; c=$!
# At 10 messages a second each sender runs 50 s: both kills happen while
# they send (asserted).
spawn bridge-check produce a.js --sender 1 --count $N --rate 10 --size 200 --timeout 600; p1=$!
spawn bridge-check produce a.js --sender 2 --count $N --rate 10 --size 2000 --timeout 600; p2=$!
sleep 6
va=$(bridge_server A)
running "jetstream-failover: the senders at the kill of n$va" $p1 $p2 || exit 1
say "jetstream-failover: killing n$va (site-a's server) mid-stream"
nats_kill "$va"
sleep 8
nats_start "$va"
cluster_ready 240 >/dev/null || fail "jetstream-failover: the cluster did not recover after n$va's restart" || exit 1
vb=$(bridge_server B)
running "jetstream-failover: the senders at the kill of n$vb" $p1 $p2 || exit 1
say "jetstream-failover: killing n$vb (site-b's server) mid-stream"
nats_kill "$vb"
sleep 8
nats_start "$vb"
rc=0
for p in $p1 $p2 $c; do
	wait "$p" || rc=1
done
[ "$rc" = 0 ] || fail "jetstream-failover: messages lost or out of order across a server's death (above)" || exit 1
for b in A B; do
	grep -q "nats: disconnected" "$BR/$b.log" && grep -q "nats: reconnected" "$BR/$b.log" ||
		fail "jetstream-failover: $b's log does not show its disconnection and reconnection" || exit 1
done
wait_queued a.js 0 60 || fail "jetstream-failover: a.js still holds $(queued a.js) message(s)" || exit 1
bridges_stop || exit 1
cluster_ready 180 >/dev/null || fail "jetstream-failover: the cluster did not recover" || exit 1
