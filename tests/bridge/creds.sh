# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "creds": a nats-server with authorization (user u, password
# sekrit) on 127.0.0.1:4230.
#  1. Bridges with the good user:password in the URL carry messages; the
#     password never appears in their logs.
#  2. A bridge whose password is refused (the server restarted with
#     another one) is closed for good by the library: it must exit 1 with
#     "closed for good", not stay up doing nothing, and not log the password.
need_bridge || exit 1
N=50
mailbox a.pw -c 16 -m 0660 && mailbox b.pw -c 16 -m 0660 || exit 1
nats-server -a 127.0.0.1 -p 4230 --user u --pass sekrit >"$BR/nats-pw.log" 2>&1 &
echo $! >"$BR/pw-server.pid"
# Without the password: refused (the server really checks).
nats-probe --wait 60 ping nats://u:sekrit@127.0.0.1:4230 || exit 1
if nats-probe --wait 2 ping nats://u:wrong@127.0.0.1:4230 2>/dev/null; then
	fail "creds: a client with a wrong password connected" || exit 1
fi
bridge_start P --nats nats://u:sekrit@127.0.0.1:4230 --node site-a --export a.pw=msgport.pw
bridge_start Q --nats nats://u:sekrit@127.0.0.1:4230 --node site-b --import msgport.pw=b.pw
bridge_wait P "nats: connected to nats://127.0.0.1:4230" && bridge_wait P "export a.pw -> msgport.pw: started" &&
	bridge_wait Q "import msgport.pw -> b.pw: subscribed" || exit 1
probe a.pw b.pw || exit 1
spawn bridge-check consume b.pw --senders 1 --count $N --relayed --origin site-a/a.pw --timeout 300; c=$!
bridge-check produce a.pw --sender 1 --count $N --timeout 300 || exit 1
wait $c || fail "creds: messages through the server with authorization" || exit 1
bridge_kill Q TERM || exit 1
# 2: the password changes under the running bridge P.
kill "$(cat "$BR/pw-server.pid")"
wait "$(cat "$BR/pw-server.pid")"
nats-server -a 127.0.0.1 -p 4230 --user u --pass changed >>"$BR/nats-pw.log" 2>&1 &
echo $! >"$BR/pw-server.pid"
pid=$(cat "$BR/bridge-P.pid")
t=0
while kill -0 "$pid" 2>/dev/null; do
	[ $t -lt 240 ] || fail "creds: the bridge still runs 120 s after its password was refused" || exit 1
	sleep 0.5
	t=$((t + 1))
done
rm -f "$BR/bridge-P.pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 1 ] || fail "creds: exit $rc after the authorization was refused, not 1" || exit 1
grep -q "nats: closed for good" "$BR/P.log" || fail "creds: no 'closed for good' line in P's log" || exit 1
# (bridge_start's "+ msgport-bridge ..." command lines excepted)
if cat "$BR/P.log" "$BR/Q.log" | grep -v '^+ ' | grep -q sekrit; then
	fail "creds: the password is in a bridge's log" || exit 1
fi
kill "$(cat "$BR/pw-server.pid")"
wait "$(cat "$BR/pw-server.pid")"
rm -f "$BR/pw-server.pid"
