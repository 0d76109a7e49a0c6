# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "jetstream-kill": the bridges themselves die.  As in
# jetstream-failover (a.jk -> msgport.jk -> b.jk, JetStream, two senders),
# the importing bridge is killed with SIGKILL mid-stream and restarted
# (its durable consumer redelivers what it had not acked), then the
# exporting one (the messages it held under a lease return to a.jk and are
# published again; the stream's duplicate window or the receiver's
# (origin, seq) check absorbs the repeats).  Every accepted message arrives,
# in order per sender; a.jk ends empty (all committed).
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
bridge-check consume b.jk --senders 1,2 --count $N --allow-dup --relayed --origin site-a/a.jk --timeout 300 & c=$!
bridge-check produce a.jk --sender 1 --count $N --rate 25 --size 100 & p1=$!
bridge-check produce a.jk --sender 2 --count $N --rate 25 --size 1000 & p2=$!
sleep 6
say "jetstream-kill: SIGKILL to the importing bridge (site-b), restarted 3 s later"
bridge_kill B KILL
sleep 3
# shellcheck disable=SC2086
bridge_start B2 $B_ARGS
bridge_wait B2 "import msgport.jk -> b.jk: subscribed" || exit 1
sleep 4
say "jetstream-kill: SIGKILL to the exporting bridge (site-a), restarted 3 s later"
bridge_kill A KILL
sleep 3
# shellcheck disable=SC2086
bridge_start A2 $A_ARGS
bridge_wait A2 "export a.jk -> msgport.jk: started" || exit 1
rc=0
for p in $p1 $p2 $c; do
	wait "$p" || rc=1
done
[ "$rc" = 0 ] || fail "jetstream-kill: messages lost or out of order across a bridge's death (above)" || exit 1
sleep 2
[ "$(queued a.jk)" = 0 ] || fail "jetstream-kill: a.jk still holds $(queued a.jk) message(s)" || exit 1
bridges_stop
