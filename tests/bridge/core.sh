# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "core" (sourced by guest.sh): two bridges over core NATS, traffic
# both ways: site-a exports a.orders and imports msgport.replies, site-b
# imports msgport.orders and exports b.replies.  Two senders on each side,
# 300 messages each: on a quiet cluster at-most-once loses nothing, so every
# message must arrive, in order per sender, once (nothing more within 5 s
# after: --drain), marked relayed with the origin's node.
need_bridge || exit 1
N=300
mailbox a.orders -c 64 -m 0660 && mailbox b.orders -c 64 -m 0660 &&
	mailbox a.replies -c 64 -m 0660 && mailbox b.replies -c 64 -m 0660 || exit 1
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.orders=msgport.orders \
	--import msgport.replies=a.replies
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import msgport.orders=b.orders \
	--export b.replies=msgport.replies
bridge_wait A "export a.orders -> msgport.orders: started" &&
	bridge_wait A "import msgport.replies -> a.replies: subscribed" &&
	bridge_wait B "import msgport.orders -> b.orders: subscribed" &&
	bridge_wait B "export b.replies -> msgport.replies: started" || exit 1
probe a.orders b.orders && probe b.replies a.replies || exit 1

spawn bridge-check consume b.orders --senders 1,2 --count $N --relayed --origin site-a/a.orders --timeout 300 \
	--drain 5
c1=$!
spawn bridge-check consume a.replies --senders 3,4 --count $N --relayed --origin site-b/b.replies --timeout 300 \
	--drain 5
c2=$!
spawn bridge-check produce a.orders --sender 1 --count $N --timeout 300 --size 100; p1=$!
spawn bridge-check produce a.orders --sender 2 --count $N --timeout 300 --size 3000; p2=$!
spawn bridge-check produce b.replies --sender 3 --count $N --timeout 300 --size 16; p3=$!
spawn bridge-check produce b.replies --sender 4 --count $N --timeout 300 --size 700; p4=$!
rc=0
for p in $p1 $p2 $p3 $p4 $c1 $c2; do
	wait "$p" || rc=1
done
[ "$rc" = 0 ] || fail "core: a producer or consumer failed (above)" || exit 1
# Synchronous sends through the bridge: each returns once the far mailbox
# accepted it and its receiver took it.
spawn bridge-check consume b.orders --senders 9 --count 20 --relayed --origin site-a/a.orders --timeout 300 \
	--drain 5
c1=$!
bridge-check produce a.orders --sender 9 --count 20 --timeout 300 --sync || rc=1
wait $c1 || rc=1
[ "$rc" = 0 ] || fail "core: synchronous sends through the bridge failed" || exit 1
bridges_stop
