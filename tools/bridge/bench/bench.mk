# SPDX-License-Identifier: GPL-2.0
#
# msgport-bridge-bench (tools/bridge/bench/) and make bench-bridge, included
# by the top-level Makefile after tools/bridge/bridge.mk (whose libnats probe
# and flags it uses).  Output: $(O)/tools/msgport-bridge-bench (so
# tests/vm/run puts it on the VM's PATH, with libnats), objects in
# $(O)/bridge-bench/obj/.  Built with the tools when libnats is there.
#
# make bench-bridge: build, boot one VM, start nats-server (JetStream) and
# two bridges in it, measure the bridges against plain nats.c clients
# (scripts/bench-bridge, bench/bridge-vm.sh) and record the result in
# bench/results/bridge-<UTC start>-<commit>.txt (.tsv: every run).  Not
# part of make check or CI.  BENCH_BRIDGE_ARGS passes options to
# msgport-bridge-bench (e.g. BENCH_BRIDGE_ARGS="--rounds 3"); BENCH_BRIDGE_LABEL
# (from the environment) says in the result what kind of run it was.

MSGPORT_BRIDGE_BENCH := $(O)/tools/msgport-bridge-bench
MSGPORT_BRIDGE_BENCH_SRCS := $(sort $(wildcard tools/bridge/bench/*.c))
MSGPORT_BRIDGE_BENCH_OBJS := \
	$(patsubst tools/bridge/bench/%.c,$(O)/bridge-bench/obj/%.o,$(MSGPORT_BRIDGE_BENCH_SRCS)) \
	$(O)/bridge-bench/obj/tools-parse.o

.PHONY: msgport-bridge-bench bench-bridge
ifeq ($(MSGPORT_LIBNATS),1)
tools: $(MSGPORT_BRIDGE_BENCH)
msgport-bridge-bench: $(MSGPORT_BRIDGE_BENCH)
else
msgport-bridge-bench:
	@echo "msgport: libnats not found for this build: msgport-bridge-bench not built" >&2
endif

$(O)/bridge-bench/obj/%.o: tools/bridge/bench/%.c Makefile tools/bridge/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools $(MSGPORT_NATS_CFLAGS) $(CPPFLAGS) $(CFLAGS) \
		$(MSGPORT_CFLAGS) -pthread -MMD -MP -c -o $@ $<

$(O)/bridge-bench/obj/tools-parse.o: tools/parse.c Makefile tools/bridge/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP \
		-c -o $@ $<

$(MSGPORT_BRIDGE_BENCH): $(MSGPORT_BRIDGE_BENCH_OBJS) $(LIBMSGPORT_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -pthread -o $@ \
		$(MSGPORT_BRIDGE_BENCH_OBJS) $(LIBMSGPORT_A) $(MSGPORT_NATS_LIBS)

-include $(MSGPORT_BRIDGE_BENCH_OBJS:.o=.d)

bench-bridge: deps
	$(MAKE) -C $(CURDIR) all
	$(VM_ENV) BENCH_BRIDGE_ARGS="$(BENCH_BRIDGE_ARGS)" $(CURDIR)/scripts/bench-bridge
