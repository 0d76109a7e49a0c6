# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "two-vm-b" (VM B, 10.99.0.2, MSGPORT_VM_NET listen): the NATS
# server of the two-VM case (on all addresses: VM A reaches it over the
# socket network), a bridge (node vm-b) importing msgport.svc into svc, and
# bridge-check serve answering there as "vm-b-server".  Serves until the
# host driver says VM A is done ($STATE/a-done), then stops everything:
# the bridge must exit 0 on SIGTERM and the server must have answered.
nats-server -a 0.0.0.0 -p 4222 >"$BR/nats-b.log" 2>&1 &
echo $! >"$BR/nats-b.pid"
rc=0
nats-probe --wait 120 ping nats://127.0.0.1:4222 || rc=1
if [ "$rc" = 0 ] && need_bridge; then
	mailbox svc -c 16 -m 0660 || rc=1
	spawn bridge-check serve svc --name vm-b-server >"$BR/serve.log" 2>&1
	echo $! >"$BR/serve.pid"
	bridge_start B --nats nats://127.0.0.1:4222 --node vm-b --import msgport.svc=svc
	bridge_wait B "import msgport.svc -> svc: subscribed" || rc=1
else
	rc=1
fi
say "two-vm-b: ready (status $rc); serving until VM A is done"
t=0
while [ ! -e "$STATE/a-done" ] && [ $t -lt 1200 ]; do
	sleep 1
	t=$((t + 1))
done
[ -e "$STATE/a-done" ] || fail "two-vm-b: VM A never finished" || rc=1
if [ -f "$BR/serve.pid" ]; then
	bridges_stop || rc=1
	kill "$(cat "$BR/serve.pid")"
	wait "$(cat "$BR/serve.pid")"
	rm -f "$BR/serve.pid"
	cat "$BR/serve.log"
	grep -q "answered" "$BR/serve.log" && ! grep -q " 0 call(s) answered" "$BR/serve.log" ||
		fail "two-vm-b: the server answered no call" || rc=1
fi
kill "$(cat "$BR/nats-b.pid")"
rm -f "$BR/nats-b.pid"
exit $rc
