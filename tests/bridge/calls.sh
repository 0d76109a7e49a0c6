# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "calls": a call on site-a's exported mailbox a.svc becomes a NATS
# request; site-b imports msgport.svc into b.svc where bridge-check serve
# answers as "server-b".  Each reply must come back to the caller, relayed
# from site-b.  Then the importing bridge stops: a call must fail with
# EHOSTUNREACH (NATS: no responders), not hang past --call-timeout.
need_bridge || exit 1
mailbox a.svc -c 16 -m 0660 && mailbox b.svc -c 16 -m 0660 || exit 1
spawn bridge-check serve b.svc --name server-b >"$BR/serve.log" 2>&1
srv=$!
echo $srv >"$BR/serve.pid"
bridge_start A --nats "$CLUSTER_URLS" --node site-a --export a.svc=msgport.svc --call-timeout 5000
bridge_start B --nats "$CLUSTER_URLS" --node site-b --import msgport.svc=b.svc
bridge_wait A "export a.svc -> msgport.svc: started" &&
	bridge_wait B "import msgport.svc -> b.svc: subscribed" || exit 1
bridge-check call a.svc --expect server-b --count 50 --origin site-b/b.svc --ready 60 ||
	fail "calls: calls through the bridges" || exit 1
# Four callers at once (call workers).
rc=0
pids=""
for _ in 1 2 3 4; do
	spawn bridge-check call a.svc --expect server-b --count 20 --origin site-b/b.svc
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || rc=1
done
[ "$rc" = 0 ] || fail "calls: concurrent callers" || exit 1
# No server importing: the bridge must answer the caller with an error.
bridge_kill B TERM || exit 1
t0=$(date +%s)
if bridge-check call a.svc --expect server-b --count 1 --call-timeout 60000 2>"$BR/nocall.err"; then
	fail "calls: a call with no importing bridge succeeded" || exit 1
fi
dt=$(($(date +%s) - t0))
grep -qE 'No route to host|EHOSTUNREACH' "$BR/nocall.err" ||
	{ cat "$BR/nocall.err" >&2; fail "calls: the failed call did not say EHOSTUNREACH (no responders)"; } || exit 1
[ "$dt" -le 40 ] || fail "calls: the failing call took ${dt}s (--call-timeout 5 s)" || exit 1
kill "$srv"
wait "$srv"
rm -f "$BR/serve.pid"
bridges_stop
