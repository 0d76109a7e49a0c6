# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "group": site-a exports a.work (-> msgport.work) and a.fan (->
# msgport.fan), core NATS.  Bridges g1 and g2 import msgport.work in queue
# group "workers" into w1 and w2: together they get every message exactly
# once and each gets some (work sharing).  Bridges f1 and f2 import
# msgport.fan with --fanout into f1 and f2: each gets all.
need_bridge || exit 1
N=400
for m in a.work a.fan w1 w2 f1 f2; do
	mailbox $m -c 64 -m 0660 || exit 1
done
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.work=msgport.work --export a.fan=msgport.fan
bridge_start g1 --nats "$CLUSTER_URLS" --node site-g1 --import msgport.work=w1 --group workers
bridge_start g2 --nats "$CLUSTER_URLS" --node site-g2 --import msgport.work=w2 --group workers
bridge_start f1 --nats "$CLUSTER_URLS" --node site-f1 --import msgport.fan=f1 --fanout
bridge_start f2 --nats "$CLUSTER_URLS" --node site-f2 --import msgport.fan=f2 --fanout
bridge_wait A "export a.work -> msgport.work: started" &&
	bridge_wait A "export a.fan -> msgport.fan: started" &&
	bridge_wait g1 "import msgport.work -> w1: subscribed" &&
	bridge_wait g2 "import msgport.work -> w2: subscribed" &&
	bridge_wait f1 "import msgport.fan -> f1: subscribed" &&
	bridge_wait f2 "import msgport.fan -> f2: subscribed" || exit 1
bridge-check consume w1 --senders 1 --count $N --subset --idle 20 --timeout 300 >"$BR/w1.out" & cw1=$!
bridge-check consume w2 --senders 1 --count $N --subset --idle 20 --timeout 300 >"$BR/w2.out" & cw2=$!
bridge-check consume f1 --senders 2 --count $N --relayed --origin site-a --timeout 300 & cf1=$!
bridge-check consume f2 --senders 2 --count $N --relayed --origin site-a --timeout 300 & cf2=$!
bridge-check produce a.work --sender 1 --count $N & p1=$!
bridge-check produce a.fan --sender 2 --count $N & p2=$!
rc=0
for p in $p1 $p2 $cw1 $cw2 $cf1 $cf2; do
	wait "$p" || rc=1
done
cat "$BR/w1.out" "$BR/w2.out"
[ "$rc" = 0 ] || fail "group: a producer or consumer failed (above)" || exit 1
t1=$(sed -n 's/.*: total \([0-9]*\)$/\1/p' "$BR/w1.out")
t2=$(sed -n 's/.*: total \([0-9]*\)$/\1/p' "$BR/w2.out")
[ -n "$t1" ] && [ -n "$t2" ] || fail "group: no totals from the queue group's consumers" || exit 1
[ $((t1 + t2)) = $N ] || fail "group: the queue group's members got $t1 + $t2 messages, not $N once each" || exit 1
[ "$t1" -gt 0 ] && [ "$t2" -gt 0 ] || fail "group: one member got nothing ($t1, $t2): no work sharing" || exit 1
say "group: queue group shared $N as $t1 + $t2; fan-out gave $N to each"
bridges_stop
