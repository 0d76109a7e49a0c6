# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "group": queue group against fan-out.  site-a exports a.work (->
# msgport.work), a.fan (-> msgport.fan), core NATS, and a.jw (-> msgport.jw)
# over JetStream.  Bridges g1, g2 import msgport.work in queue group
# "workers" into w1, w2: together they get every message once, and each
# some (work sharing).  Bridges f1, f2 import msgport.fan with --fanout into
# f1, f2: each gets all, in order, once (--drain).  Bridges j1, j2 import msgport.jw over
# JetStream in group "jsworkers" (one shared durable) into jw1, jw2:
# together every message (at least once), each some.
need_bridge || exit 1
N=400
nats-probe --wait 120 --replicas 3 mkstream "$CLUSTER_URLS" MSGPORT msgport.jw || exit 1
for m in a.work a.fan a.jw w1 w2 f1 f2 jw1 jw2; do
	mailbox $m -c 64 -m 0660 || exit 1
done
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.work=msgport.work --export a.fan=msgport.fan
bridge_start AJ --nats "$CLUSTER_URLS" --node site-a --delivery jetstream --export a.jw=msgport.jw
bridge_start g1 --nats "$CLUSTER_URLS" --node site-g1 --import msgport.work=w1 --group workers
bridge_start g2 --nats "$CLUSTER_URLS" --node site-g2 --import msgport.work=w2 --group workers
bridge_start f1 --nats "$CLUSTER_URLS" --node site-f1 --import msgport.fan=f1 --fanout
bridge_start f2 --nats "$CLUSTER_URLS" --node site-f2 --import msgport.fan=f2 --fanout
bridge_start j1 --nats "$CLUSTER_URLS" --node site-j1 --delivery jetstream --import msgport.jw=jw1 --group jsworkers
bridge_start j2 --nats "$CLUSTER_URLS" --node site-j2 --delivery jetstream --import msgport.jw=jw2 --group jsworkers
bridge_wait A "export a.work -> msgport.work: started" &&
	bridge_wait A "export a.fan -> msgport.fan: started" &&
	bridge_wait AJ "export a.jw -> msgport.jw: started" &&
	bridge_wait g1 "import msgport.work -> w1: subscribed" &&
	bridge_wait g2 "import msgport.work -> w2: subscribed" &&
	bridge_wait f1 "import msgport.fan -> f1: subscribed" &&
	bridge_wait f2 "import msgport.fan -> f2: subscribed" &&
	bridge_wait j1 "import msgport.jw -> jw1: subscribed" &&
	bridge_wait j2 "import msgport.jw -> jw2: subscribed" || exit 1
probe a.work w1 w2 && probe a.fan f1 f2 || exit 1
pids=""
for m in w1 w2; do
	spawn bridge-check consume $m --senders 1 --count $N --subset --idle 20 --timeout 600 \
		--record "$BR/$m.rec" >"$BR/$m.out"
	pids="$pids $!"
done
for m in jw1 jw2; do
	spawn bridge-check consume $m --senders 3 --count $N --subset --idle 30 --timeout 600 --allow-dup \
		--record "$BR/$m.rec" >"$BR/$m.out"
	pids="$pids $!"
done
for m in f1 f2; do
	spawn bridge-check consume $m --senders 2 --count $N --relayed --origin site-a/a.fan --timeout 600 \
		--drain 5
	pids="$pids $!"
done
spawn bridge-check produce a.work --sender 1 --count $N --timeout 300; pids="$pids $!"
spawn bridge-check produce a.fan --sender 2 --count $N --timeout 300; pids="$pids $!"
spawn bridge-check produce a.jw --sender 3 --count $N --timeout 300; pids="$pids $!"
rc=0
for p in $pids; do
	wait "$p" || rc=1
done
cat "$BR/w1.out" "$BR/w2.out" "$BR/jw1.out" "$BR/jw2.out"
[ "$rc" = 0 ] || fail "group: a producer or consumer failed (above)" || exit 1
union_check "group (core)" $N "$BR/w1.rec" "$BR/w2.rec" || exit 1
union_check "group (jetstream)" $N "$BR/jw1.rec" "$BR/jw2.rec" || exit 1
t1=$(wc -l <"$BR/w1.rec") t2=$(wc -l <"$BR/w2.rec")
[ $((t1 + t2)) = $N ] || fail "group: the core queue group delivered $t1 + $t2, not each of $N once" || exit 1
[ "$t1" -gt 0 ] && [ "$t2" -gt 0 ] || fail "group: a core member got nothing ($t1, $t2): no work sharing" || exit 1
j1=$(wc -l <"$BR/jw1.rec") j2=$(wc -l <"$BR/jw2.rec")
[ "$j1" -gt 0 ] && [ "$j2" -gt 0 ] || fail "group: a JetStream member got nothing ($j1, $j2): no work sharing" || exit 1
say "group: core queue group shared $N as $t1 + $t2, JetStream group as $j1 + $j2; fan-out gave $N to each"
bridges_stop
