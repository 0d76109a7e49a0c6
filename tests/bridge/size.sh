# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Scenario "size": exporting a mailbox whose max_msg_size (2 MiB) exceeds
# the server's max_payload (1 MiB) less 4096 for headers is refused at
# start: exit 2, one line naming both numbers.  1 MiB - 4096 is accepted.
need_bridge || exit 1
mailbox big -c 4 -s 2097152 -m 0660 && mailbox fits -c 4 -s $((1048576 - 4096)) -m 0660 || exit 1
rc=0
timeout 120 msgport-bridge --nats "$CLUSTER_URLS" --node site-a --export big >"$BR/big.log" 2>&1 || rc=$?
cat "$BR/big.log"
[ "$rc" = 2 ] || fail "size: exit $rc, not 2, for a mailbox larger than max_payload" || exit 1
grep "2097152" "$BR/big.log" | grep -q "1048576" ||
	fail "size: no line naming 2097152 (max_msg_size) and 1048576 (max_payload)" || exit 1
bridge_start F --nats "$CLUSTER_URLS" --node site-a --export fits
bridge_wait F "export fits -> msgport.fits: started" || exit 1
# A message that large crosses (core NATS).
mailbox fits.in -c 4 -s $((1048576 - 4096)) -m 0660 || exit 1
bridge_start G --nats "$CLUSTER_URLS" --node site-b --import msgport.fits=fits.in
bridge_wait G "import msgport.fits -> fits.in: subscribed" || exit 1
probe fits fits.in || exit 1
spawn bridge-check consume fits.in --senders 1 --count 5 --relayed --origin site-a/fits --timeout 300; c=$!
bridge-check produce fits --sender 1 --count 5 --timeout 300 --size $((1048576 - 4096)) || exit 1
wait $c || fail "size: messages of max_payload - 4096 bytes" || exit 1
bridges_stop
