# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "sync": synchronous sends (MSGPORT_F_SYNC) through the bridges
# (a core NATS request whatever the delivery).  site-a exports, site-b
# imports, --call-timeout 3000.
#  1. A sync send returns only once the far mailbox's receiver took it: it
#     still blocks with nobody receiving; a receiver then gets it and the
#     send succeeds.
#  2. With no receiver taking it, a sync send with --timeout fails with
#     ETIMEDOUT, and the message is never delivered (a receiver started
#     afterwards gets nothing; both mailboxes end empty).
#  3. Into a missing mailbox (no --create): the sync send fails with ENOENT
#     (the exporter's MSGPORT_COMMIT_REFUSE), logged as refused for good, and
#     the export carries on.  The importer is a group member (--group): a
#     group's chosen member answers its refusal; a fanout importer stays
#     silent (5).
#  4. Deadline: one import worker, three exports to one subject, no
#     receiver at first: a request that finds the worker's queue full is
#     answered EBUSY at once, one that waited past its sender's 3 s is
#     refused ("had passed"); neither is delivered later beside its own
#     retry: each of s1..s3 arrives once.
#  5. Fanout silence: two fanout importers of one subject, one without its
#     mailbox (no --create): its ENOENT must not beat the other's delivery,
#     so every sync send succeeds, and it logs that it did not answer.
need_bridge || exit 1
mailbox a.sy -c 4 -m 0660 && mailbox b.sy -c 4 -m 0660 && mailbox a.rf -c 4 -m 0660 || exit 1
msgport rm b.rf >/dev/null 2>&1
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.sy=msgport.sy --export a.rf=msgport.rf \
	--call-timeout 3000
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import msgport.sy=b.sy --import msgport.rf=b.rf \
	--group g
bridge_wait A "export a.sy -> msgport.sy: started" && bridge_wait A "export a.rf -> msgport.rf: started" &&
	bridge_wait B "import msgport.sy -> b.sy: subscribed" &&
	bridge_wait B "import msgport.rf -> b.rf: subscribed" || exit 1
# 1
spawn msgport send a.sy --sync -t 120 synced >"$BR/sync1.out" 2>&1
s=$!
wait_queued b.sy 1 120 || exit 1
sleep 2
running "sync: the send returned before anyone received ($(cat "$BR/sync1.out"))" $s || exit 1
got=$(msgport recv b.sy -t 60)
[ "$got" = synced ] || fail "sync: received '$got', not 'synced'" || exit 1
wait $s || fail "sync: the synchronous send failed: $(cat "$BR/sync1.out")" || exit 1
# 2
rc=0
msgport send a.sy --sync -t 5 untaken >"$BR/sync2.out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "sync: a sync send nobody took succeeded" || exit 1
grep -qi "timed out\|in time" "$BR/sync2.out" ||
	fail "sync: a sync send nobody took failed with '$(cat "$BR/sync2.out")', not ETIMEDOUT" || exit 1
wait_queued a.sy 0 60 && wait_queued b.sy 0 60 || exit 1
if got=$(msgport recv b.sy -t 10 2>/dev/null); then
	fail "sync: the timed-out message was delivered after all: '$got'" || exit 1
fi
[ "$(queued a.sy)" = 0 ] || fail "sync: a.sy holds $(queued a.sy) message(s) after the time-out" || exit 1
# 3
rc=0
out=$(msgport send a.rf --sync -t 60 lost 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "sync: a sync send into no mailbox succeeded" || exit 1
echo "$out" | grep -qi "no such" || fail "sync: the sync send into no mailbox failed with '$out', not ENOENT" || exit 1
bridge_wait A "refused for good: ENOENT" || exit 1
[ "$(queued a.rf)" = 0 ] || fail "sync: a.rf holds $(queued a.rf) message(s) after the refusal" || exit 1
mailbox b.rf -c 4 -m 0660 || exit 1
msgport send a.rf after || exit 1
got=$(msgport recv b.rf -t 60)
[ "$got" = after ] || fail "sync: after a refusal the export received '$got', not 'after'" || exit 1
bridges_stop || exit 1
# 4
mailbox b.dl -c 8 -m 0660 || exit 1
for k in 1 2 3; do
	mailbox a.dl$k -c 4 -m 0660 || exit 1
done
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.dl1=msgport.dl --export a.dl2=msgport.dl \
	--export a.dl3=msgport.dl --call-timeout 3000
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import msgport.dl=b.dl --call-workers 1 --group g
bridge_wait A "export a.dl3 -> msgport.dl: started" && bridge_wait B "import msgport.dl -> b.dl: subscribed" ||
	exit 1
pids=""
for k in 1 2 3; do
	spawn msgport send a.dl$k --sync -t 120 s$k >"$BR/dl$k.out" 2>&1
	pids="$pids $!"
done
t=0
until grep -qE "had passed when a worker took it|answered EBUSY" "$BR/B.log"; do
	t=$((t + 1))
	[ $t -le 240 ] || fail "sync: deadline: no request refused as expired or busy" || exit 1
	sleep 0.5
done
got=$(msgport recv b.dl -c 3 -t 60 | sort | tr '\n' ' ')
[ "$got" = "s1 s2 s3 " ] || fail "sync: deadline: received '$got'" || exit 1
k=0
for p in $pids; do
	k=$((k + 1))
	wait "$p" || fail "sync: deadline: sync send s$k: $(cat "$BR/dl$k.out")" || exit 1
done
if extra=$(msgport recv b.dl -t 5 2>/dev/null); then
	fail "sync: deadline: a duplicate arrived: '$extra'" || exit 1
fi
say "sync: $(grep -c "had passed" "$BR/B.log") request(s) refused as expired," \
	"$(grep -c "answered EBUSY" "$BR/B.log") as busy"
bridges_stop
# 5
mailbox a.fs -c 4 -m 0660 && mailbox b.fs2 -c 4 -m 0660 || exit 1
msgport rm b.fs >/dev/null 2>&1
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.fs=msgport.fs
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import msgport.fs=b.fs2
bridge_start C --nats "$CLUSTER_URLS" --node site-c --import msgport.fs=b.fs --verbose
bridge_wait A "export a.fs -> msgport.fs: started" && bridge_wait B "import msgport.fs -> b.fs2: subscribed" &&
	bridge_wait C "import msgport.fs -> b.fs: subscribed" || exit 1
for k in 1 2 3; do
	spawn msgport send a.fs --sync -t 120 f$k >"$BR/fs.out" 2>&1
	s=$!
	got=$(msgport recv b.fs2 -t 120)
	[ "$got" = "f$k" ] || fail "sync: fanout: received '$got', not f$k" || exit 1
	wait "$s" || fail "sync: fanout: sync send f$k failed: $(cat "$BR/fs.out")" || exit 1
done
grep -q "not answered (fanout" "$BR/C.log" || fail "sync: fanout: site-c did not log its silence" || exit 1
bridges_stop
