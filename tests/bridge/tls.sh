# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "tls": a nats-server that speaks only TLS (certificate of a
# self-signed CA made on the host by scripts/check-bridge in $STATE/tls).
# Bridges trusting the CA (--tls-ca) carry messages through it; a bridge
# trusting another CA never connects.
need_bridge || exit 1
T=$STATE/tls
[ -f "$T/ca.pem" ] || fail "tls: no $T/ca.pem (scripts/check-bridge makes it)" || exit 1
N=100
cat >"$BR/tls.conf" <<EOC
listen: 127.0.0.1:4443
tls {
	cert_file: "$T/server.pem"
	key_file: "$T/server.key"
	timeout: 10
}
EOC
nats-server -c "$BR/tls.conf" >"$BR/nats-tls.log" 2>&1 &
echo $! >"$BR/tls-server.pid"
nats-probe --wait 60 --tls-ca "$T/ca.pem" ping tls://127.0.0.1:4443 || exit 1
if nats-probe --wait 2 --tls-ca "$T/other-ca.pem" ping tls://127.0.0.1:4443 2>/dev/null; then
	fail "tls: a client trusting another CA connected" || exit 1
fi
mailbox a.tls -c 64 -m 0660 && mailbox b.tls -c 64 -m 0660 || exit 1
bridge_start A --nats tls://127.0.0.1:4443 --tls-ca "$T/ca.pem" --node site-a --export a.tls=msgport.tls
bridge_start B --nats tls://127.0.0.1:4443 --tls-ca "$T/ca.pem" --node site-b --import msgport.tls=b.tls
bridge_start X --nats tls://127.0.0.1:4443 --tls-ca "$T/other-ca.pem" --node site-x --import msgport.tls=b.tls
bridge_wait A "export a.tls -> msgport.tls: started" &&
	bridge_wait B "import msgport.tls -> b.tls: subscribed" || exit 1
bridge-check consume b.tls --senders 1 --count $N --relayed --origin site-a/a.tls --timeout 300 & c=$!
bridge-check produce a.tls --sender 1 --count $N --size 500 || exit 1
wait $c || fail "tls: messages through the TLS server" || exit 1
if grep -q "nats: connected to" "$BR/X.log"; then
	fail "tls: the bridge trusting another CA connected" || exit 1
fi
bridges_stop || exit 1
kill "$(cat "$BR/tls-server.pid")"
rm -f "$BR/tls-server.pid"
