#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/bridge-vm.sh OUTDIR NATS-SERVER [BENCH-OPTIONS...]: the guest's half
# of make bench-bridge (scripts/bench-bridge boots the VM and runs it).
# Starts nats-server with JetStream on the guest's loopback, two bridges
# with configuration files, and msgport-bridge-bench against them:
#   bridge A (node bench-a) exports
#     svc.a  -> bench.bridge.call   (calls: answered by a server on svc.b)
#     out    -> bench.bridge.core   (core)
#     out.js -> msgport.bench.js    (jetstream, stream MSGPORT)
#   bridge B (node bench-b) imports them into svc.b, in, in.js.
# The core subject is outside msgport.>: the exporter's JetStream stream
# MSGPORT takes msgport.>, and a core export's messages on a subject of a
# stream are stored by it too (server work the plain client does not pay).
# Leaves in OUTDIR: table.txt (the bench's table), runs.tsv, guest.txt (the
# guest's facts), bridge-a.log, bridge-b.log, nats.log, bench.log.
# Exit status: the bench's, or 1 when the set-up or a bridge's clean stop
# fails.

set -u
OUT=$1
NATS_SERVER=$2
shift 2
W=/tmp/bench-bridge
URL=nats://127.0.0.1:4222
rm -rf "$W"
mkdir -p "$W" "$OUT"

die() {
	echo "bench-bridge (guest): $*" >&2
	for f in "$W"/*.log; do
		[ -f "$f" ] || continue
		echo "----- ${f##*/}" >&2
		tail -n 20 "$f" >&2
	done
	cleanup
	exit 1
}

cleanup() {
	for p in ${pids:-}; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 1
	for p in ${pids:-}; do
		kill -KILL "$p" 2>/dev/null
	done
	cp "$W"/*.log "$OUT/" 2>/dev/null
}

# wait_log FILE TEXT: until FILE holds TEXT (60 s)
wait_log() {
	t=0
	while ! grep -qF -- "$2" "$1" 2>/dev/null; do
		[ $t -lt 240 ] || die "${1##*/} did not log '$2'"
		sleep 0.25
		t=$((t + 1))
	done
}

mbox() {
	msgport rm "$1" >/dev/null 2>&1
	msgport create "$@" >/dev/null || die "cannot create mailbox $1"
}

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
{
	echo "kernel: $(uname -r); CPUs: $(nproc); $(grep -m1 'model name' /proc/cpuinfo)"
	echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
	echo "msgport module: $(cat /sys/module/msgport/version 2>/dev/null)"
	echo "msgport-bridge: $(msgport-bridge --version 2>&1 | head -n 1)"
	echo "nats-server: $("$NATS_SERVER" --version 2>&1 | head -n 1)"
	echo "load average at start: $(cat /proc/loadavg)"
} >"$OUT/guest.txt"

"$NATS_SERVER" -a 127.0.0.1 -p 4222 -js -sd "$W/js" >"$W/nats.log" 2>&1 &
nats=$!
pids=$nats
wait_log "$W/nats.log" "Server is ready"

# Capacity 64, 64 KiB messages: the largest size measured.
for m in svc.a svc.b out in out.js in.js; do
	mbox "$m" -c 64 -s 64K -m 0660
done

cat >"$W/a.conf" <<EOF
nats $URL
node bench-a
export svc.a subject=bench.bridge.call
export out subject=bench.bridge.core
export out.js subject=msgport.bench.js delivery=jetstream
allow-export svc.a bench.bridge.call
allow-export out bench.bridge.core
allow-export out.js msgport.bench.js
EOF
cat >"$W/b.conf" <<EOF
nats $URL
node bench-b
import bench.bridge.call mailbox=svc.b
import bench.bridge.core mailbox=in
import msgport.bench.js mailbox=in.js delivery=jetstream
allow-import bench.bridge.call svc.b
allow-import bench.bridge.core in
allow-import msgport.bench.js in.js
EOF
msgport-bridge --config "$W/a.conf" >"$W/bridge-a.log" 2>&1 &
a=$!
msgport-bridge --config "$W/b.conf" >"$W/bridge-b.log" 2>&1 &
b=$!
pids="$a $b $nats"
wait_log "$W/bridge-a.log" "export svc.a -> bench.bridge.call: started"
wait_log "$W/bridge-a.log" "export out -> bench.bridge.core: started (core)"
wait_log "$W/bridge-a.log" "export out.js -> msgport.bench.js: started (jetstream)"
wait_log "$W/bridge-b.log" "import bench.bridge.call -> svc.b: subscribed"
wait_log "$W/bridge-b.log" "import bench.bridge.core -> in: subscribed (core"
wait_log "$W/bridge-b.log" "import msgport.bench.js -> in.js: subscribed (jetstream"

rc=0
echo "guest CPU (/proc/stat, before the bench): $(head -n 1 /proc/stat)" >>"$OUT/guest.txt"
msgport-bridge-bench --nats "$URL" --call svc.a,svc.b --core out,in --jetstream out.js,in.js \
	--cpu-pid "$a" --cpu-pid "$b" --cpu-pid "$nats" --tsv "$OUT/runs.tsv" "$@" \
	>"$OUT/table.txt" 2>"$W/bench.log" || rc=$?
{
	echo "guest CPU (/proc/stat, after the bench):  $(head -n 1 /proc/stat)"
	echo "load average at end: $(cat /proc/loadavg)"
} >>"$OUT/guest.txt"

# The bridges stop cleanly on SIGTERM (exit 0), or the run is not trusted.
for p in $a $b; do
	kill -TERM "$p"
	s=0
	wait "$p" || s=$?
	[ $s = 0 ] || { rc=1; echo "bench-bridge (guest): bridge $p exited $s on SIGTERM" >&2; }
done
pids=$nats
cleanup
exit $rc
