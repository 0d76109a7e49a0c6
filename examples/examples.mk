# SPDX-License-Identifier: GPL-2.0
#
# examples/: small programs that show msgport next to what it replaces,
# included by the top-level Makefile after lib/lib.mk.  Outputs in
# $(O)/examples/ (the VM harness puts them on the guest's PATH):
#   example-shm-producer, example-shm-consumer
#       the seed's POSIX shared-memory producer and consumer ("Hello" then
#       "World!" through shm_open + ftruncate + mmap)
#   example-region-producer, example-region-consumer
#       the same on a msgport mailbox's region, plus a "written" message
#   example-span-bulk
#       256 MiB from one process to another through zero-copy spans,
#       checksums compared
#   example-direct-pingpong
#       parent and child play ping-pong through their inboxes, by pid
#   example-rpc-server, example-rpc-client
#       an upper-casing RPC server (several may serve one mailbox) and a
#       client that calls it
#   example-ring-pipeline
#       producer processes stream messages to one consumer through a
#       libmsgport ring in a region; one may be killed mid-write
#   example-fd-reply
#       a server answers each client in the client's own anonymous mailbox,
#       whose send-only descriptor came with the request
#   example-epoll-server
#       one thread serving several mailboxes and its inbox with epoll and a
#       signalfd: answers calls, prints messages, stops on "quit" or a signal
# The msgport ones link libmsgport.a statically, like the CLI, so they run
# from the build tree and the VM without an rpath.

MSGPORT_EXAMPLES_DIR := $(O)/examples
MSGPORT_EXAMPLES := $(addprefix $(MSGPORT_EXAMPLES_DIR)/example-,shm-producer shm-consumer \
	region-producer region-consumer span-bulk direct-pingpong rpc-server rpc-client \
	epoll-server ring-pipeline fd-reply)

.PHONY: examples
userspace: examples
examples: $(MSGPORT_EXAMPLES)

$(MSGPORT_EXAMPLES_DIR)/obj/%.o: examples/%.c Makefile examples/examples.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP -c -o $@ $<

# POSIX only: no libmsgport.
$(MSGPORT_EXAMPLES_DIR)/example-shm-%: $(MSGPORT_EXAMPLES_DIR)/obj/shm_%.o
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $<

$(MSGPORT_EXAMPLES_DIR)/example-region-%: $(MSGPORT_EXAMPLES_DIR)/obj/region_%.o $(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(MSGPORT_EXAMPLES_DIR)/example-direct-pingpong: $(MSGPORT_EXAMPLES_DIR)/obj/direct_pingpong.o \
		$(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(MSGPORT_EXAMPLES_DIR)/example-rpc-%: $(MSGPORT_EXAMPLES_DIR)/obj/rpc_%.o $(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(MSGPORT_EXAMPLES_DIR)/example-epoll-server: $(MSGPORT_EXAMPLES_DIR)/obj/epoll_server.o $(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(MSGPORT_EXAMPLES_DIR)/example-span-bulk: $(MSGPORT_EXAMPLES_DIR)/obj/span_bulk.o $(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(MSGPORT_EXAMPLES_DIR)/example-ring-pipeline: $(MSGPORT_EXAMPLES_DIR)/obj/ring_pipeline.o \
		$(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(MSGPORT_EXAMPLES_DIR)/example-fd-reply: $(MSGPORT_EXAMPLES_DIR)/obj/fd_reply.o $(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

-include $(wildcard $(MSGPORT_EXAMPLES_DIR)/obj/*.d)
