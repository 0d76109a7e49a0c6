# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "unprivileged": both bridges run as nobody (uid/gid 65534, no
# supplementary groups, no capability), as msgport-bridge.service runs them:
#  1. leases, relaying and sends work with a mailbox's ordinary permissions:
#     site-a exports u.out (mode 0666), site-b imports msgport.u.> by the
#     default name rule, so msgport.u.in goes into u.in (0666); every message
#     arrives, relayed, stamped with the bridge's uid 65534 (info.uid), the
#     sender's pid and uid (root's 0) only in the relayed origin;
#  2. the kernel's permissions bind the bridge as any process: what site-a
#     exports from u.other to msgport.u.locked (mailbox u.locked, mode 0600,
#     root's) is refused per message and logged,
#     nothing is written into it, and what follows still flows;
#  3. an export of a mailbox nobody may read is refused at start (exit 1 or 2,
#     a line naming it), never half-started.
need_bridge || exit 1
N=100
mailbox u.out -c 64 -m 0666 && mailbox u.in -c 64 -m 0666 && mailbox u.other -c 64 -m 0666 &&
	mailbox u.locked -c 64 -m 0600 && mailbox u.secret -c 64 -m 0600 || exit 1
chmod 0755 "$BR"
NOBODY="bridge-check as 65534 65534"
# shellcheck disable=SC2034 # read by bridge_start (lib.sh)
BRIDGE_AS=$NOBODY
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export u.out=msgport.u.in \
	--export u.other=msgport.u.locked
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import 'msgport.u.>'
# shellcheck disable=SC2034
BRIDGE_AS=
bridge_wait A "export u.out -> msgport.u.in: started" &&
	bridge_wait B "import msgport.u.> -> " || exit 1
for n in A B; do
	uid=$(awk '/^Uid:/ { print $2 " " $3 " " $4 }' "/proc/$(cat "$BR/bridge-$n.pid")/status")
	[ "$uid" = "65534 65534 65534" ] || fail "unprivileged: bridge $n runs as uid '$uid'" || exit 1
done
probe u.out u.in || exit 1
# 1: through the bridges as nobody.
spawn bridge-check consume u.in --senders 1 --count $N --relayed --origin site-a/u.out --timeout 300
c=$!
bridge-check produce u.out --sender 1 --count $N --timeout 300 --size 200 || fail "unprivileged: produce" || exit 1
wait $c || fail "unprivileged: the messages did not all arrive, relayed, in order" || exit 1
msgport send u.out 'who carried me' || exit 1
line=$(msgport recv u.in --verbose --timeout 120) || fail "unprivileged: nothing arrived" || exit 1
echo "$line" | grep -q ' uid=65534 gid=65534 .*\[relayed: origin=[0-9a-f]* seq=[0-9]* pid=[0-9]* uid=0 gid=0\] who carried me$' ||
	fail "unprivileged: the kernel's stamp is not the bridge's uid, or no relayed origin: $line" || exit 1
# 2: a mailbox nobody may not write: refused per message, nothing written.
msgport send u.other 'not for nobody' || exit 1
bridge_wait B "dropped" || exit 1
grep "dropped" "$BR/B.log" | grep -qi "permission denied\|EACCES" ||
	fail "unprivileged: the refusal does not say why: $(grep dropped "$BR/B.log")" || exit 1
[ "$(queued u.locked)" = 0 ] || fail "unprivileged: a message reached u.locked" || exit 1
msgport send u.out 'still flowing' || exit 1
[ "$(msgport recv u.in --timeout 120)" = 'still flowing' ] ||
	fail "unprivileged: the import stopped after a refusal" || exit 1
bridges_stop
# 3: an export of a mailbox nobody may not receive from.
rc=0
# shellcheck disable=SC2086 # NOBODY: a command prefix, split
timeout 120 $NOBODY msgport-bridge --nats "$CLUSTER_URLS" --node site-a --export u.secret \
	>"$BR/r3.log" 2>&1 || rc=$?
{ [ "$rc" = 1 ] || [ "$rc" = 2 ]; } && grep -i "u.secret" "$BR/r3.log" | grep -qi "permission denied\|EACCES" ||
	{ cat "$BR/r3.log" >&2; fail "unprivileged: an export nobody may not read: exit $rc (want 1 or 2 and a line naming u.secret saying permission denied)"; } || exit 1
