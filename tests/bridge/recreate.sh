# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "recreate": mailboxes removed and created again under running
# bridges, and the stream an exporter makes.
#  1. core: b.rc, imported into, is removed and created again: the
#     importer's cached handle is dropped (EIDRM) and the new mailbox gets
#     the next message.
#  2. JetStream: the exporter makes stream RECREATE with its export's
#     subject only (not msgport.>, which would store every core message);
#     a.rj re-created starts its seq at 1 again: its messages must not be
#     taken for the old ones' duplicates (Nats-Msg-Id has the boot and the
#     mailbox's creation); an export on another subject adds that subject
#     to the stream.
need_bridge || exit 1
mailbox a.rc -c 16 -m 0660 && mailbox b.rc -c 16 -m 0660 || exit 1
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.rc=msgport.rc
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import msgport.rc=b.rc
bridge_wait A "export a.rc -> msgport.rc: started" && bridge_wait B "import msgport.rc -> b.rc: subscribed" ||
	exit 1
probe a.rc b.rc || exit 1
msgport send a.rc one two three || exit 1
got=$(msgport recv b.rc -c 3 -t 60 | tr '\n' ' ')
[ "$got" = "one two three " ] || fail "recreate: core: received '$got'" || exit 1
mailbox b.rc -c 16 -m 0660 || exit 1
msgport send a.rc anew || exit 1
got=$(msgport recv b.rc -t 60)
[ "$got" = anew ] || fail "recreate: core: the re-created b.rc received '$got', not 'anew'" || exit 1
bridges_stop || exit 1
# 2
mailbox a.rj -c 16 -m 0660 && mailbox b.rj -c 16 -m 0660 && mailbox a.rj2 -c 16 -m 0660 || exit 1
J="--nats $CLUSTER_URLS --delivery jetstream --stream RECREATE"
# shellcheck disable=SC2086
bridge_start AJ $J --node site-a --export a.rj=msgport.rj
# shellcheck disable=SC2086
bridge_start BJ $J --node site-b --import msgport.rj=b.rj
bridge_wait AJ "jetstream: stream RECREATE created (subjects msgport.rj, replicas 1" &&
	bridge_wait AJ "export a.rj -> msgport.rj: started" &&
	bridge_wait BJ "import msgport.rj -> b.rj: subscribed" || exit 1
msgport send a.rj m1 m2 m3 || exit 1
got=$(msgport recv b.rj -c 3 -t 60 | tr '\n' ' ')
[ "$got" = "m1 m2 m3 " ] || fail "recreate: jetstream: received '$got'" || exit 1
bridge_kill AJ TERM || exit 1
mailbox a.rj -c 16 -m 0660 || exit 1
# shellcheck disable=SC2086
bridge_start AJ2 $J --node site-a --export a.rj=msgport.rj
bridge_wait AJ2 "export a.rj -> msgport.rj: started" || exit 1
msgport send a.rj r1 r2 r3 || exit 1
got=$(msgport recv b.rj -c 3 -t 60 | tr '\n' ' ')
[ "$got" = "r1 r2 r3 " ] || fail "recreate: jetstream: the re-created a.rj's messages: received '$got'" || exit 1
if grep -q "says duplicate" "$BR/AJ2.log"; then
	fail "recreate: jetstream: the re-created a.rj's messages taken for duplicates" || exit 1
fi
# shellcheck disable=SC2086
bridge_start AJ3 $J --node site-a --export a.rj2=msgport.rj2
bridge_wait AJ3 "jetstream: stream RECREATE: subject msgport.rj2 added" &&
	bridge_wait AJ3 "export a.rj2 -> msgport.rj2: started" || exit 1
# shellcheck disable=SC2086
bridge_start BJ3 $J --node site-b --import msgport.rj2=b.rj
bridge_wait BJ3 "import msgport.rj2 -> b.rj: subscribed" || exit 1
msgport send a.rj2 x1 || exit 1
got=$(msgport recv b.rj -t 60)
[ "$got" = x1 ] || fail "recreate: jetstream: the added subject: received '$got', not 'x1'" || exit 1
bridges_stop
