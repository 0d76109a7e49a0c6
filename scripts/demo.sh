#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/demo.sh: a narrated tour of msgport for a newcomer.
#
# `make demo` runs it inside the VM (busybox sh, cwd /host, the msgport
# module loaded, the msgport tool on PATH); it runs as well on any machine
# where `msgport load` (or `modprobe msgport`) was done, as root.  Each step
# says what is about to happen and why, shows the command, runs it and
# checks the outcome: the script exits non-zero as soon as msgport does not
# behave as described.

set -u

BOX=demo-mailbox
MEET=demo-rendezvous
SHM=demo-shm
REGION=demo-region
RPC=demo-rpc
SHOUT=demo-shout
TMP=$(mktemp -d) || exit 1

cleanup() {
	msgport rm "$BOX" 2>/dev/null
	msgport rm "$MEET" 2>/dev/null
	msgport rm "$REGION" 2>/dev/null
	msgport rm "$RPC" 2>/dev/null
	msgport rm "$SHOUT" 2>/dev/null
	[ -z "${SERVERS:-}" ] || kill $SERVERS 2>/dev/null
	[ -z "${BRIDGES:-}" ] || kill $BRIDGES 2>/dev/null
	for m in demo-site-a demo-site-b demo-rpc-a demo-rpc-b; do msgport rm "$m" 2>/dev/null; done
	rm -f "/dev/shm/$SHM"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step_no=0
step() {
	step_no=$((step_no + 1))
	printf '\n=== %d. %s\n' "$step_no" "$*"
}

# Narration, one paragraph per call.
say() {
	printf '%s\n' "$*" | fold -s -w 78
}

fail() {
	printf '\ndemo: FAILED: %s\n' "$*" >&2
	exit 1
}

# Shows a command line the way one would type it.
show() {
	line='$'
	for a in "$@"; do
		case $a in
		'' | *[!A-Za-z0-9._/=:,-]*) a="'$a'" ;;
		esac
		line="$line $a"
	done
	printf '%s\n' "$line"
}

# Shows a command line that runs in the background.
show_bg() {
	show "$@" | sed 's/$/ \&/'
}

# expect STATUS COMMAND...: shows and runs COMMAND; fails unless it exits
# with STATUS.
expect() {
	want=$1
	shift
	show "$@"
	"$@"
	got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited with status $got, expected $want"
	[ "$want" -eq 0 ] || echo "(exit status $got, as expected)"
}

# stat_field MAILBOX FIELD: one value of `msgport stat --bytes` (sizes in bytes).
stat_field() {
	msgport stat --bytes "$1" | sed -n "s/^$2: *//p"
}

# wait_field MAILBOX FIELD VALUE: waits (at most 10 s) until it shows VALUE.
wait_field() {
	i=0
	while [ "$(stat_field "$1" "$2")" != "$3" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "$1: '$2' never became $3"
		sleep 0.1
	done
}

# same ACTUAL EXPECTED WHAT
same() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

command -v msgport >/dev/null || fail "the msgport tool is not on PATH (build it: make userspace)"

say "msgport adds message passing to the Linux kernel: processes exchange
messages through named mailboxes that the kernel buffers, with blocking and
non-blocking send and receive.  This tour uses the msgport command-line tool;
programs use libmsgport, which the tool is built on."

step "The kernel module"
say "msgport is a kernel module: it creates /dev/msgport, through which
processes reach their mailboxes.  'msgport load' and 'msgport unload' load
and unload it through libkmod, as modprobe and rmmod do."
if [ ! -e /dev/msgport ]; then
	expect 0 msgport load
elif [ "$(cat /sys/module/msgport/refcnt 2>/dev/null)" = 0 ]; then
	say "It is loaded already (the VM loads it at boot) and unused, so here
it is unloaded and loaded again:"
	expect 0 msgport unload
	[ ! -e /dev/msgport ] || fail "/dev/msgport is still there after unloading"
	expect 0 msgport load
else
	say "It is loaded already and in use, so it stays as it is."
fi
[ -e /dev/msgport ] || fail "/dev/msgport did not appear"
show ls -l /dev/msgport
ls -l /dev/msgport

step "Versions"
say "The library checks that the module speaks the same ABI before it does
anything else.  'msgport version' shows both sides:"
expect 0 msgport version

step "Producer and consumer through a bounded mailbox"
say "A mailbox is a kernel queue with a name.  This one buffers at most 2
messages, so a producer can run ahead of its consumer by 2 messages and no
more."
expect 0 msgport create "$BOX" --capacity 2 --mode 0600
say "The producer sends two messages and exits at once: they wait in the
kernel, not in the producer."
expect 0 msgport send "$BOX" Hello 'World!'
say "'msgport stat' shows them queued, with the mailbox's attributes:"
expect 0 msgport stat "$BOX"
same "$(stat_field "$BOX" 'queued messages')" 2 "messages queued after the producer"
say "The mailbox is now full.  A third send would block until the consumer
makes room; with --nonblock it fails at once instead, with exit status 75
(EX_TEMPFAIL, 'try again later'), and the message is not queued:"
expect 75 msgport send --nonblock "$BOX" 'one too many'
say "The consumer, another process, receives both, in order.  --verbose shows
what the kernel stamped on each message: sequence number, priority, sender's
pid, thread, uid and gid, length, and send time (CLOCK_MONOTONIC).  The sender
cannot forge any of it."
show msgport recv "$BOX" --count 2 --verbose
out=$(msgport recv "$BOX" --count 2 --verbose) || fail "the consumer failed"
printf '%s\n' "$out"
same "$(printf '%s\n' "$out" | sed 's/^\[[^]]*\] //')" "$(printf 'Hello\nWorld!')" \
	"the consumer's messages"

step "Rendezvous: a mailbox of capacity 0"
say "With capacity 0 nothing is buffered: a send completes only when a
receiver takes the message, so sender and receiver meet.  First a receiver
waits in the background..."
expect 0 msgport create "$MEET" --capacity 0
show_bg msgport recv "$MEET" --timeout 10
msgport recv "$MEET" --timeout 10 >"$TMP/meet.out" 2>&1 &
receiver=$!
wait_field "$MEET" 'waiting receivers' 1
echo "(msgport stat: waiting receivers: $(stat_field "$MEET" 'waiting receivers'))"
say "...so this send is taken at once, and the receiver prints the message:"
expect 0 msgport send "$MEET" ping
wait $receiver || fail "the rendezvous receiver failed: $(cat "$TMP/meet.out")"
sed 's/^/(background receiver) /' "$TMP/meet.out"
same "$(cat "$TMP/meet.out")" ping "the rendezvous receiver's message"
say "Now nobody is receiving.  A send waits for a receiver; given 0.5 seconds
and nobody comes, it gives up (exit status 75) and the message is withdrawn:
nothing was buffered, nothing is left behind."
expect 75 msgport send --timeout 0.5 "$MEET" 'anyone there?'
same "$(stat_field "$MEET" 'queued messages')" 0 "messages left in the rendezvous"
echo "(msgport stat: queued messages: $(stat_field "$MEET" 'queued messages'))"

step "Synchronous send: a delivery receipt"
say "On a mailbox with room a send normally returns as soon as the message is
queued.  With --sync the sender waits until a receiver has taken this very
message, so a successful exit is a receipt.  The sender waits in the
background:"
show_bg msgport send --sync --verbose --timeout 10 "$BOX" 'please confirm'
msgport send --sync --verbose --timeout 10 "$BOX" 'please confirm' >"$TMP/sync.out" 2>&1 &
sender=$!
wait_field "$BOX" 'queued messages' 1
wait_field "$BOX" 'waiting senders' 1
sleep 0.3
[ ! -s "$TMP/sync.out" ] || fail "the synchronous sender returned before anyone received"
echo "(msgport stat: queued messages: $(stat_field "$BOX" 'queued messages'), waiting senders:" \
	"$(stat_field "$BOX" 'waiting senders'): the message waits, and so does its sender)"
say "A receiver takes it; only then does the sender finish and report the
delivered message's sequence number:"
expect 0 msgport recv "$BOX"
wait $sender || fail "the synchronous sender failed: $(cat "$TMP/sync.out")"
sed 's/^/(background sender) /' "$TMP/sync.out"
grep -q '^delivered: seq=' "$TMP/sync.out" || fail "no delivery receipt"
say "If nobody takes it in time, the sender learns that too, and the message
is withdrawn so that it is never delivered late:"
expect 75 msgport send --sync --timeout 0.3 "$BOX" 'too late'
same "$(stat_field "$BOX" 'queued messages')" 0 "messages queued after the withdrawal"
echo "(msgport stat: queued messages: $(stat_field "$BOX" 'queued messages'))"

step "Non-blocking receive of an empty mailbox"
say "Receiving from an empty mailbox normally waits.  A non-blocking receive
returns at once with 'no message' (exit status 75), the way a script or a
program polls:"
expect 75 msgport recv --nonblock "$BOX"

step "Shared memory, the seed's way: POSIX shm_open"
say "The other classic model is shared memory: a producer writes into memory
that a consumer maps too.  With POSIX that is shm_open + ftruncate + mmap.
The seed's producer writes \"Hello\" then \"World!\"; its consumer prints
them and removes the object (examples/shm_producer.c, shm_consumer.c):"
expect 0 example-shm-producer "$SHM"
expect 0 example-shm-consumer "$SHM"
say "Nothing told the consumer that the data was ready: it simply had to run
second."

step "The same on msgport: a mailbox with a shared region"
say "A mailbox can carry a region of shared memory, sized at creation,
mapped with mmap by every process allowed to (read permission maps it
read-only, read and write permission read-write), charged to its creator
and freed with the last mapping.  The same program on msgport
(examples/region_producer.c, region_consumer.c) creates the mailbox with a
4 KiB region, maps it, writes, and sends an empty message that says 'written':"
expect 0 example-region-producer "$REGION"
say "The region, seen from the shell: 'msgport dump' maps it read-only and
prints it like hexdump -C; 'msgport stat' shows its size and the waiting
'written' message:"
expect 0 msgport dump "$REGION" --length 32
msgport dump "$REGION" --length 16 | grep -q '|HelloWorld!' || fail "the region does not hold HelloWorld!"
show msgport stat "$REGION"
msgport stat "$REGION" | grep -E '^(region|queued messages)' || fail "msgport stat $REGION failed"
same "$(stat_field "$REGION" 'region')" "4096" "the region's size"
say "The consumer waits for that message before it reads (so it could have
started first), prints the text and removes the mailbox:"
expect 0 example-region-consumer "$REGION"
expect 1 msgport stat "$REGION"

step "Zero-copy bulk transfer: spans"
say "For bulk data the two models combine.  A span message carries no bytes,
only an offset and a length in the mailbox's region; the kernel checks that
it lies inside the region and queues it with the usual ordering, blocking
and metadata.  A small allocator that lives in the region hands the producer
free buffers and takes them back when the consumer releases them.  Here one
process streams 256 MiB to another through a 16 MiB region, 1 MiB per span,
and both compute a checksum (examples/span_bulk.c):"
show example-span-bulk --bytes 256M --region 16M --span 1M
out=$(example-span-bulk --bytes 256M --region 16M --span 1M) || fail "the bulk transfer failed: $out"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q 'checksums match' || fail "the checksums differ"

step "Rings: messages without a system call"
say "For many small messages the region can also hold a ring, a queue the
library keeps in shared memory: producers write messages into it and the
consumer reads them with no system call while neither has to wait; a side
that finds it empty (or full) sleeps in the region's wait and is woken only
then.  Here three producer processes send 20000 messages each to one
consumer, and a fourth reserves room for a message and is killed before it
commits it: the consumer skips that record once it finds its producer gone,
and every other message arrives, in order (examples/ring_pipeline.c):"
show example-ring-pipeline --producers 3 --count 20000 --kill
out=$(example-ring-pipeline --producers 3 --count 20000 --kill) || fail "the ring pipeline failed: $out"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q 'each in order' || fail "the ring lost or reordered messages"
printf '%s\n' "$out" | grep -q 'skipped 1 record' || fail "the killed producer's record was not skipped"

step "Topics: publish/subscribe"
say "A topic gives each message sent to it to every subscriber, each with a
queue of its own; a subscriber whose queue is full drops messages (or, if the
topic's creator allowed it, makes publishers wait) and is told how many it
lost.  Here two subscribers each get both messages one send published:"
TOPIC=demo-topic-$$
expect 0 msgport create "$TOPIC" --topic --capacity 8
msgport subscribe "$TOPIC" --count 2 >"$TMP/sub1.out" &
sub1=$!
msgport subscribe "$TOPIC" --count 2 --policy drop-new >"$TMP/sub2.out" &
sub2=$!
i=0
while ! ls -l /proc/$sub1/fd /proc/$sub2/fd 2>/dev/null | grep -c msgport-subscription |
	grep -q 2; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the subscribers never subscribed"
	sleep 0.1
done
expect 0 msgport send "$TOPIC" 'to every' 'subscriber'
wait $sub1 && wait $sub2 || fail "a subscriber failed"
cat "$TMP/sub1.out"
cmp -s "$TMP/sub1.out" "$TMP/sub2.out" || fail "the subscribers got different messages"
grep -q subscriber "$TMP/sub1.out" || fail "the subscribers did not get the messages"
expect 0 msgport rm "$TOPIC"

step "Passing descriptors: a reply mailbox by descriptor"
say "A message can carry open descriptors, as SCM_RIGHTS does.  Here each
client makes a private (anonymous) mailbox and sends the server, with its
request, a send-only descriptor of it: the server can answer in it and do
nothing else with it, and nobody else can even name it (examples/fd_reply.c):"
show example-fd-reply 3
out=$(example-fd-reply 3) || fail "the descriptor-passing example failed: $out"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q 'each answered in its own mailbox' || fail "a client was not answered"

step "Direct messages: every process may have an inbox"
say "Besides named mailboxes, a process can open its own inbox, an unnamed
mailbox that others reach by its pid: the sender names the receiver.  Here
a receiver opens its inbox and writes its pid to a file, then a sender sends
to that pid.  --verbose shows the kernel-stamped sender pid of each message:"
show_bg msgport recv --inbox --pid-file "$TMP/pid" --count 2 --verbose
msgport recv --inbox --pid-file "$TMP/pid" --count 2 --verbose >"$TMP/inbox.out" &
receiver=$!
i=0
while [ ! -s "$TMP/pid" ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "the receiver never opened its inbox"
	sleep 0.1
done
rpid=$(cat "$TMP/pid")
expect 0 msgport send --pid "$rpid" Hello 'from the shell'
wait $receiver || fail "the receiver failed"
cat "$TMP/inbox.out"
grep -q "from the shell" "$TMP/inbox.out" || fail "the inbox did not get the message"
say "When the receiver exited its inbox closed with it, and mail for a dead
process can never reach a later process that reuses its pid number.  A send
to a process that is gone, or that has no inbox (this shell), fails with
exit status 1:"
expect 1 msgport send --pid "$rpid" 'too late'
expect 1 msgport send --pid $$ 'anyone home?'
say "A receiver may also take only the messages of one sender (symmetric
addressing): the others stay queued, in order.  A parent and its child play
ping-pong that way (examples/direct_pingpong.c):"
expect 0 example-direct-pingpong 3

step "Remote procedure calls: call, reply, reply-and-receive"
say "A call sends a request and sleeps until the reply, in one system call;
the request reaches a server with a token, and the server's reply goes to
that caller only.  A server answers and takes the next request in one
system call too (as QNX's MsgReply+MsgReceive or Binder's write-read).  Two
upper-casing servers share one mailbox, and three clients call it at once
(examples/rpc_server.c, rpc_client.c); each call is answered exactly once,
by one server or the other:"
expect 0 msgport create "$RPC" --mode 0666
show_bg example-rpc-server "$RPC"
example-rpc-server "$RPC" >"$TMP/server1.out" &
SERVERS=$!
show_bg example-rpc-server "$RPC"
example-rpc-server "$RPC" >"$TMP/server2.out" &
SERVERS="$SERVERS $!"
clients=""
for who in ada bob cy; do
	show_bg example-rpc-client "$RPC" "hello from $who" "bye from $who"
	example-rpc-client "$RPC" "hello from $who" "bye from $who" >"$TMP/client.$who" &
	clients="$clients $!"
done
for c in $clients; do
	wait "$c" || fail "a client failed"
done
cat "$TMP"/client.*
[ "$(cat "$TMP"/client.* | grep -c -e '-> "[A-Z ]*"')" = 6 ] || fail "not every call got its reply"
say "What the servers saw (each request once, with the caller's pid):"
cat "$TMP/server1.out" "$TMP/server2.out"
[ "$(cat "$TMP/server1.out" "$TMP/server2.out" | wc -l)" = 6 ] || fail "the servers did not answer 6 calls"
kill $SERVERS 2>/dev/null
wait $SERVERS 2>/dev/null
SERVERS=""
say "From the shell, 'msgport serve' answers each call with a command's output
and 'msgport call' prints the reply: an RPC server in one line."
expect 0 msgport create "$SHOUT"
show_bg msgport serve "$SHOUT" --count 1 -- tr a-z A-Z
msgport serve "$SHOUT" --count 1 -- tr a-z A-Z &
server=$!
wait_field "$SHOUT" 'waiting receivers' 1
expect 0 msgport call "$SHOUT" 'hello, rpc'
wait $server || fail "msgport serve failed"
say "A call with nobody to answer it gives up after its timeout (exit 75);
its request is withdrawn, so no server will see it later:"
expect 75 msgport call "$SHOUT" --timeout 0.5 'anyone?'
same "$(stat_field "$SHOUT" 'queued messages')" 0 "requests left queued"
expect 0 msgport rm "$RPC" "$SHOUT"

step "Across machines: msgport-bridge over NATS"
say "When programs outgrow one machine, msgport-bridge carries mailboxes and
calls between machines over NATS, as QNX's Qnet carries MsgSend between
nodes.  Here one NATS server and two bridges stand for two sites in this VM:
site A exports its mailbox demo-site-a (what is sent into it is published on
subject msgport.demo), site B imports that subject into its own mailbox
demo-site-b.  The kernel stamps each carried message with the bridge's own
pid and uid; the sender's, on the far side, travel beside them as a relayed
origin (MSGPORT_MSG_RELAYED), never in their place:"
if ! command -v nats-server >/dev/null || ! command -v msgport-bridge >/dev/null; then
	fail "no nats-server or msgport-bridge in this VM (make demo copies them in)"
fi
ip link set lo up 2>/dev/null
nats-server -a 127.0.0.1 -p 4222 >"$TMP/nats.log" 2>&1 &
BRIDGES=$!
expect 0 msgport create demo-site-a --mode 0660
expect 0 msgport create demo-site-b --mode 0660
expect 0 msgport create demo-rpc-a --mode 0660
expect 0 msgport create demo-rpc-b --mode 0660
show_bg msgport-bridge --node site-a --export demo-site-a=msgport.demo --export demo-rpc-a=msgport.demo-rpc
msgport-bridge --node site-a --export demo-site-a=msgport.demo --export demo-rpc-a=msgport.demo-rpc \
	>"$TMP/site-a.log" 2>&1 &
BRIDGES="$BRIDGES $!"
show_bg msgport-bridge --node site-b --import msgport.demo=demo-site-b --import msgport.demo-rpc=demo-rpc-b
msgport-bridge --node site-b --import msgport.demo=demo-site-b --import msgport.demo-rpc=demo-rpc-b \
	>"$TMP/site-b.log" 2>&1 &
BRIDGES="$BRIDGES $!"
i=0
until grep -q 'demo-site-b: subscribed' "$TMP/site-b.log" 2>/dev/null &&
	grep -q 'demo-rpc-b: subscribed' "$TMP/site-b.log" 2>/dev/null &&
	grep -q 'demo-rpc-a -> msgport.demo-rpc: started' "$TMP/site-a.log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 600 ] || fail "the bridges did not start: $(cat "$TMP/site-a.log" "$TMP/site-b.log")"
	sleep 0.1
done
# Core NATS is at most once: one probe message end to end (quietly) before
# the message shown, so that it cannot be lost to a path not ready yet.
i=0
until n=$(msgport stat demo-site-b -n -o MSGS 2>/dev/null) && [ "$n" -gt 0 ]; do
	i=$((i + 1))
	[ $i -le 60 ] || fail "no probe message crossed the bridge: $(cat "$TMP/site-a.log" "$TMP/site-b.log")"
	[ $((i % 10)) != 1 ] || msgport send demo-site-a probe >/dev/null
	sleep 0.5
done
sleep 1
while msgport recv demo-site-b --timeout 1 >/dev/null 2>&1; do :; done
expect 0 msgport send demo-site-a 'hello from site A'
show msgport recv demo-site-b --verbose --timeout 30
out=$(msgport recv demo-site-b --verbose --timeout 30) || fail "nothing crossed the bridge"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q 'hello from site A' || fail "the message did not cross the bridge"
say "A call crosses the same way: a msgport call on site A's mailbox becomes a
NATS request, a server on site B's mailbox answers it, and the answer comes
back as the call's reply:"
show_bg msgport serve demo-rpc-b --count 1 -- tr a-z A-Z
msgport serve demo-rpc-b --count 1 -- tr a-z A-Z &
server=$!
wait_field demo-rpc-b 'waiting receivers' 1
expect 0 msgport call demo-rpc-a --timeout 30 'hello, far server'
wait $server || fail "the far server failed"
say "The bridges' logs say what they did (one line per state change):"
cat "$TMP/site-a.log" "$TMP/site-b.log"
kill $BRIDGES 2>/dev/null
wait $BRIDGES 2>/dev/null
BRIDGES=""
expect 0 msgport rm demo-site-a demo-site-b demo-rpc-a demo-rpc-b

step "All mailboxes"
say "'msgport ls' shows every mailbox of the system (the /proc/msgport
table): owner, mode, capacity, queued messages, waiting processes and
counters:"
expect 0 msgport ls
msgport ls | grep -q "$BOX" || fail "'msgport ls' does not list $BOX"

step "Clean up"
say "Mailboxes live until removed (unless created --ephemeral):"
expect 0 msgport rm "$BOX" "$MEET"
expect 1 msgport stat "$BOX"

printf '\nThe demo ran as described.  More: msgport --help, and README.md.\n'
