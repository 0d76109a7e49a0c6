# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "authz": the configuration file's allow rules.
#  1. An import no allow-import line covers: exit 2 naming the mapping.
#  2. An export no allow-export line covers: exit 2.  An unknown key: exit 2
#     with FILE:LINE.
#  3. A wildcard import msgport.> allowed only into ok.* and only from node
#     site-a: site-a's msgport.ok.x reaches ok.x; site-a's msgport.secret
#     (mailbox "secret", not allowed) and site-z's msgport.ok.z (node not
#     allowed) are refused per message: "secret" and "ok.z" stay empty.
need_bridge || exit 1
N=50
CONF=$BR/authz.conf
cat >"$CONF" <<EOC
# check-bridge authz
nats $CLUSTER_URLS
node site-b
allow-import msgport.> ok.* from=site-a
allow-export b.* msgport.b.*
EOC
for m in a.ok a.secret z.ok ok.x ok.z secret; do
	mailbox $m -c 64 -m 0660 || exit 1
done
# 1, 2: refused at start.
rc=0
timeout 60 msgport-bridge --config "$CONF" --import msgport.secret=secret >"$BR/r1.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "msgport.secret" "$BR/r1.log" ||
	{ cat "$BR/r1.log" >&2; fail "authz: an import not allowed: exit $rc (want 2 and a line naming msgport.secret)"; } || exit 1
rc=0
timeout 60 msgport-bridge --config "$CONF" --export a.ok=msgport.ok.x >"$BR/r2.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "a.ok" "$BR/r2.log" ||
	{ cat "$BR/r2.log" >&2; fail "authz: an export not allowed: exit $rc (want 2 and a line naming a.ok)"; } || exit 1
printf 'node x\nbogus-key 1\n' >"$BR/bad.conf"
rc=0
timeout 60 msgport-bridge --config "$BR/bad.conf" --nats "$CLUSTER_URLS" >"$BR/r3.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "bad.conf:2:" "$BR/r3.log" ||
	{ cat "$BR/r3.log" >&2; fail "authz: an unknown key: exit $rc (want 2 and 'bad.conf:2:')"; } || exit 1
# 3: refused per message.
bridge_start B --config "$CONF" --import 'msgport.>'
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.ok=msgport.ok.x --export a.secret=msgport.secret
bridge_start Z --nats "$CLUSTER_URLS" --node site-z --export z.ok=msgport.ok.z
bridge_wait B "subscribed" && bridge_wait A "export a.secret -> msgport.secret: started" &&
	bridge_wait Z "export z.ok -> msgport.ok.z: started" || exit 1
probe a.ok ok.x || exit 1
spawn bridge-check consume ok.x --senders 1 --count $N --relayed --origin site-a/a.ok --timeout 300; c=$!
spawn bridge-check produce a.secret --sender 2 --count $N --timeout 300; p2=$!
spawn bridge-check produce z.ok --sender 3 --count $N --timeout 300; p3=$!
spawn bridge-check produce a.ok --sender 1 --count $N --timeout 300; p1=$!
rc=0
for p in $p1 $p2 $p3 $c; do
	wait "$p" || rc=1
done
[ "$rc" = 0 ] || fail "authz: the allowed flow failed (above)" || exit 1
# The refused ones went through the exporters (they are only refused at B).
t=0
while [ "$(queued a.secret)" != 0 ] || [ "$(queued z.ok)" != 0 ]; do
	[ $t -lt 120 ] || fail "authz: the exporters did not drain a.secret/z.ok" || exit 1
	sleep 1
	t=$((t + 1))
done
sleep 3
[ "$(queued secret)" = 0 ] || fail "authz: $(queued secret) message(s) written into 'secret', not allowed" || exit 1
[ "$(queued ok.z)" = 0 ] || fail "authz: $(queued ok.z) message(s) from site-z written into 'ok.z'" || exit 1
grep -q "secret" "$BR/B.log" || fail "authz: no log line for the refused messages to 'secret'" || exit 1
grep -q "site-z" "$BR/B.log" || fail "authz: no log line for the refused messages from site-z" || exit 1
bridges_stop
