# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "tls": a nats-server that speaks only TLS (certificate of a
# self-signed CA made on the host by scripts/check-bridge in $STATE/tls).
# Bridges trusting the CA (--tls-ca) carry messages through it; a bridge
# trusting another CA never connects.  Then:
#  - host name: a server whose certificate (of the same CA) names only
#    nats.other is refused by a bridge connecting to 127.0.0.1; with
#    --tls-name nats.other the same bridge connects; two hosts in --nats
#    without --tls-name: exit 2 asking for it;
#  - mutual TLS: a server with verify: true (client certificates of the CA
#    required) takes a bridge with --tls-cert/--tls-key and carries its
#    messages; a client without a certificate is refused.
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
hs0=$(grep -c "TLS handshake error" "$BR/nats-tls.log")
bridge_start X --nats tls://127.0.0.1:4443 --tls-ca "$T/other-ca.pem" --node site-x --import msgport.tls=b.tls
bridge_wait A "export a.tls -> msgport.tls: started" &&
	bridge_wait B "import msgport.tls -> b.tls: subscribed" || exit 1
probe a.tls b.tls || exit 1
spawn bridge-check consume b.tls --senders 1 --count $N --relayed --origin site-a/a.tls --timeout 300; c=$!
bridge-check produce a.tls --sender 1 --count $N --timeout 300 --size 500 || exit 1
wait $c || fail "tls: messages through the TLS server" || exit 1
bridge_refused X "$BR/nats-tls.log" "$hs0" || fail "tls: the bridge trusting another CA" || exit 1
bridges_stop || exit 1
kill "$(cat "$BR/tls-server.pid")"
wait "$(cat "$BR/tls-server.pid")"
rm -f "$BR/tls-server.pid"

# Host name.
cat >"$BR/tls-host.conf" <<EOC
listen: 127.0.0.1:4444
tls {
	cert_file: "$T/other-host.pem"
	key_file: "$T/other-host.key"
	timeout: 10
}
EOC
nats-server -c "$BR/tls-host.conf" >"$BR/nats-tls-host.log" 2>&1 &
echo $! >"$BR/tls-host-server.pid"
mailbox a.th -c 4 -m 0660 || exit 1
bridge_start H1 --nats tls://127.0.0.1:4444 --tls-ca "$T/ca.pem" --node site-a --export a.th
bridge_wait H1 "tls: the servers' certificates must name 127.0.0.1" || exit 1
bridge_refused H1 "$BR/nats-tls-host.log" || fail "tls: a certificate naming another host" || exit 1
bridge_start H2 --nats tls://127.0.0.1:4444 --tls-ca "$T/ca.pem" --tls-name nats.other --node site-a --export a.th
bridge_wait H2 "nats: connected to" && bridge_wait H2 "export a.th -> msgport.a.th: started" || exit 1
bridge_kill H2 TERM || exit 1
# Two hosts in the list and no --tls-name: one expected name cannot fit
# both (nats.c checks it against every server): exit 2 asking for it.
rc=0
timeout 60 msgport-bridge --nats tls://127.0.0.1:4444,tls://localhost:4444 --tls-ca "$T/ca.pem" \
	--node site-a --export a.th >"$BR/H3.log" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "give --tls-name" "$BR/H3.log" ||
	fail "tls: two hosts without --tls-name: exit $rc: $(cat "$BR/H3.log")" || exit 1
kill "$(cat "$BR/tls-host-server.pid")"
wait "$(cat "$BR/tls-host-server.pid")"
rm -f "$BR/tls-host-server.pid"

# Mutual TLS.
cat >"$BR/tls-mutual.conf" <<EOC
listen: 127.0.0.1:4445
tls {
	cert_file: "$T/server.pem"
	key_file: "$T/server.key"
	ca_file: "$T/ca.pem"
	verify: true
	timeout: 10
}
EOC
nats-server -c "$BR/tls-mutual.conf" >"$BR/nats-tls-mutual.log" 2>&1 &
echo $! >"$BR/tls-mutual-server.pid"
mailbox a.mt -c 16 -m 0660 && mailbox b.mt -c 16 -m 0660 || exit 1
bridge_start M1 --nats tls://127.0.0.1:4445 --tls-ca "$T/ca.pem" --tls-cert "$T/client.pem" \
	--tls-key "$T/client.key" --node site-a --export a.mt=msgport.mt
bridge_start M2 --nats tls://127.0.0.1:4445 --tls-ca "$T/ca.pem" --tls-cert "$T/client.pem" \
	--tls-key "$T/client.key" --node site-b --import msgport.mt=b.mt
bridge_wait M1 "export a.mt -> msgport.mt: started" && bridge_wait M2 "import msgport.mt -> b.mt: subscribed" ||
	exit 1
probe a.mt b.mt || exit 1
spawn bridge-check consume b.mt --senders 1 --count 20 --relayed --origin site-a/a.mt --timeout 300; c=$!
bridge-check produce a.mt --sender 1 --count 20 --timeout 300 || exit 1
wait $c || fail "tls: messages through the server requiring client certificates" || exit 1
if nats-probe --wait 5 --tls-ca "$T/ca.pem" ping tls://127.0.0.1:4445 2>/dev/null; then
	fail "tls: a client without a certificate connected to the server requiring one" || exit 1
fi
hs0=$(grep -c "TLS handshake error" "$BR/nats-tls-mutual.log")
bridge_start M3 --nats tls://127.0.0.1:4445 --tls-ca "$T/ca.pem" --node site-c --export a.mt=msgport.mt3
bridge_refused M3 "$BR/nats-tls-mutual.log" "$hs0" || fail "tls: a bridge without a client certificate" || exit 1
bridges_stop || exit 1
kill "$(cat "$BR/tls-mutual-server.pid")"
wait "$(cat "$BR/tls-mutual-server.pid")"
rm -f "$BR/tls-mutual-server.pid"
