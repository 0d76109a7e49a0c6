# SPDX-License-Identifier: GPL-2.0
#
# msgport-bench, included by tools/tools.mk.  Output: $(O)/tools/msgport-bench
# (so tests/vm/run puts it on the VM's PATH), objects in $(O)/bench/obj/.
# Every .c file of tools/bench/ is part of it: a new mechanism is a new file
# that registers itself with BENCH_MECH() (see tools/bench/bench.h).
# Linked statically against libmsgport.a, like the CLI; reuses the CLI's
# option parsers (tools/parse.c).

MSGPORT_BENCH := $(O)/tools/msgport-bench
MSGPORT_BENCH_SRCS := $(sort $(wildcard tools/bench/*.c))
MSGPORT_BENCH_OBJS := $(patsubst tools/bench/%.c,$(O)/bench/obj/%.o,$(MSGPORT_BENCH_SRCS)) \
	$(O)/bench/obj/tools-parse.o

# The pure parts, also linked into the host tests (tests/host_bench_test.c).
MSGPORT_BENCH_HOST_OBJS := $(addprefix $(O)/bench/obj/,payload.o hist.o ring.o chan.o)

.PHONY: msgport-bench
tools: $(MSGPORT_BENCH)
msgport-bench: $(MSGPORT_BENCH)

$(O)/bench/obj/%.o: tools/bench/%.c Makefile tools/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools -Itools/bench -DMSGPORT_BENCH_VERSION='"$(VERSION)"' \
		$(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP -c -o $@ $<

$(O)/bench/obj/tools-parse.o: tools/parse.c Makefile tools/bench/bench.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP \
		-c -o $@ $<

# The version string is compiled in.
$(O)/bench/obj/json.o: VERSION

$(MSGPORT_BENCH): $(MSGPORT_BENCH_OBJS) $(LIBMSGPORT_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $(MSGPORT_BENCH_OBJS) \
		$(LIBMSGPORT_A) -lrt -lm

-include $(MSGPORT_BENCH_OBJS:.o=.d)
