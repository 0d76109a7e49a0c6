# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "two-vm-net" (VM A, 10.99.0.1): the socket network works: VM B
# answers ping and its nats-server accepts a client.
t=0
until ping -c 1 -W 2 10.99.0.2 >/dev/null 2>&1; do
	[ $t -lt 60 ] || fail "two-vm-net: 10.99.0.2 does not answer ping" || exit 1
	t=$((t + 1))
done
say "two-vm-net: 10.99.0.2 answers ping"
nats-probe --wait 300 ping nats://10.99.0.2:4222 || fail "two-vm-net: no NATS server on 10.99.0.2:4222" || exit 1
