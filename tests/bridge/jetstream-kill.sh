# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "jetstream-kill": the bridges themselves die, each at a moment
# when it certainly holds something in flight.  a.jk -> msgport.jk -> b.jk,
# JetStream, two senders at a steady rate; no consumer on b.jk at first.
#  1. b.jk fills (64) and the importing bridge blocks sending the next
#     message, fetched and not acked: it is killed with SIGKILL there (the
#     senders still running), restarted; only then the consumer starts (the
#     durable consumer must redeliver what was never acked).
#  2. The server the exporting bridge is connected to is frozen (SIGSTOP):
#     its publish waits for a PubAck holding the message under a lease, a.jk
#     fills behind it and the senders block; the bridge is killed with
#     SIGKILL there, the server thawed (SIGCONT), the bridge restarted (the
#     leased message returns to a.jk and is published again; the stream's
#     duplicate window or the receiver's (origin, seq) check absorbs the
#     repeats).
# Every accepted message arrives, in order per sender; a.jk ends empty.
need_bridge || exit 1
N=500
nats-probe --wait 120 --replicas 3 mkstream "$CLUSTER_URLS" MSGPORT msgport.jk || exit 1
mailbox a.jk -c 64 -m 0660 && mailbox b.jk -c 64 -m 0660 || exit 1
A_ARGS="--nats $CLUSTER_URLS --node site-a --delivery jetstream --export a.jk=msgport.jk"
B_ARGS="--nats $CLUSTER_URLS --node site-b --delivery jetstream --import msgport.jk=b.jk"
# shellcheck disable=SC2086
bridge_start A $A_ARGS
# shellcheck disable=SC2086
bridge_start B $B_ARGS
bridge_wait A "export a.jk -> msgport.jk: started" &&
	bridge_wait B "import msgport.jk -> b.jk: subscribed" || exit 1
spawn bridge-check produce a.jk --sender 1 --count $N --rate 10 --size 100 --timeout 600; p1=$!
spawn bridge-check produce a.jk --sender 2 --count $N --rate 10 --size 1000 --timeout 600; p2=$!
# 1: b.jk full, B blocked on the next message (it has fetched more: the
# senders keep going), so B holds a fetched, un-acked message.
wait_queued b.jk 64 240 || exit 1
sleep 2
running "jetstream-kill: the senders at the importer's kill" $p1 $p2 || exit 1
say "jetstream-kill: b.jk full ($(queued b.jk)), SIGKILL to the importing bridge (site-b)"
bridge_kill B KILL || exit 1
# shellcheck disable=SC2086
bridge_start B2 $B_ARGS
bridge_wait B2 "import msgport.jk -> b.jk: subscribed" || exit 1
spawn bridge-check consume b.jk --senders 1,2 --count $N --allow-dup --relayed --origin site-a/a.jk --timeout 900; c=$!
# 2: freeze site-a's server: A's publish waits for its PubAck under a lease.
va=$(bridge_server A)
say "jetstream-kill: SIGSTOP to n$va (site-a's server)"
kill -STOP "$(cat "$BR/nats-n$va.pid")"
if ! wait_queued a.jk 64 240; then
	kill -CONT "$(cat "$BR/nats-n$va.pid")"
	exit 1
fi
if ! running "jetstream-kill: the senders at the exporter's kill" $p1 $p2; then
	kill -CONT "$(cat "$BR/nats-n$va.pid")"
	exit 1
fi
say "jetstream-kill: a.jk full ($(queued a.jk)), senders blocked; SIGKILL to the exporting bridge (site-a), SIGCONT to n$va"
bridge_kill A KILL
st=$?
kill -CONT "$(cat "$BR/nats-n$va.pid")"
[ "$st" = 0 ] || exit 1
# shellcheck disable=SC2086
bridge_start A2 $A_ARGS
bridge_wait A2 "export a.jk -> msgport.jk: started" || exit 1
rc=0
for p in $p1 $p2 $c; do
	wait "$p" || rc=1
done
[ "$rc" = 0 ] || fail "jetstream-kill: messages lost or out of order across a bridge's death (above)" || exit 1
wait_queued a.jk 0 60 || fail "jetstream-kill: a.jk still holds $(queued a.jk) message(s)" || exit 1
bridges_stop
