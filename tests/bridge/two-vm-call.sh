# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "two-vm-call" (VM A): a bridge (node vm-a) exports the local
# mailbox svc to msgport.svc on VM B's server; bridge-check call on svc
# gets VM B's server's answers ("vm-b-server|<request>"), relayed from
# node vm-b.  Calls before VM B's side is up are retried (up to 300 s).
need_bridge || exit 1
mailbox svc -c 16 -m 0660 || exit 1
bridge_start A --nats nats://10.99.0.2:4222 --node vm-a --export svc=msgport.svc
bridge_wait A "export svc -> msgport.svc: started" 300 || exit 1
bridge-check call svc --expect vm-b-server --count 20 --origin vm-b/svc --ready 300 ||
	fail "two-vm-call: calls from VM A to VM B's server" || exit 1
bridges_stop
