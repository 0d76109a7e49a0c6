# SPDX-License-Identifier: GPL-2.0
#
# msgport-bridge (tools/bridge/), included by the top-level Makefile.
# Output: $(O)/tools/msgport-bridge (so tests/vm/run puts it on the VM's
# PATH), objects in $(O)/bridge/obj/.  Linked statically against
# libmsgport.a like the other tools, dynamically against libnats (Debian:
# libnats-dev; `pkg-config --libs libnats`).  Every .c file of tools/bridge/
# is part of it; config.c and headers.c are pure and also linked into the
# host tests ($(MSGPORT_BRIDGE_HOST_OBJS), tests/host_bridge_test.c).
#
# libnats is probed with the flags of this build: without it (a 32-bit
# build, say) the bridge is not built and the build says so.
# MSGPORT_LIBNATS=0 or =1 overrides the probe.

MSGPORT_BRIDGE := $(O)/tools/msgport-bridge
MSGPORT_BRIDGE_SRCS := $(sort $(wildcard tools/bridge/*.c))
MSGPORT_BRIDGE_OBJS := $(patsubst tools/bridge/%.c,$(O)/bridge/obj/%.o,$(MSGPORT_BRIDGE_SRCS)) \
	$(O)/bridge/obj/tools-parse.o
MSGPORT_BRIDGE_HOST_OBJS := $(O)/bridge/obj/config.o $(O)/bridge/obj/headers.o

ifeq ($(origin MSGPORT_LIBNATS),undefined)
MSGPORT_LIBNATS := $(shell echo 'int main(void) { return !nats_Now(); }' | \
	$(CC) $(EXTRA_CFLAGS) $(shell $(PKG_CONFIG) --cflags libnats 2>/dev/null) \
	-include nats/nats.h -x c -o /dev/null - \
	$(or $(shell $(PKG_CONFIG) --libs libnats 2>/dev/null),-lnats) >/dev/null 2>&1 && \
	echo 1 || echo 0)
endif
MSGPORT_NATS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnats 2>/dev/null)
MSGPORT_NATS_LIBS := $(or $(shell $(PKG_CONFIG) --libs libnats 2>/dev/null),-lnats)

.PHONY: msgport-bridge
ifeq ($(MSGPORT_LIBNATS),1)
tools: $(MSGPORT_BRIDGE)
msgport-bridge: $(MSGPORT_BRIDGE)
else
tools: msgport-bridge
msgport-bridge:
	@echo "msgport: libnats not found for this build: msgport-bridge not built" \
		"(install libnats-dev: scripts/install-deps)" >&2
endif

$(O)/bridge/obj/%.o: tools/bridge/%.c tools/bridge/bridge.h Makefile tools/bridge/bridge.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools -Itools/bridge $(MSGPORT_NATS_CFLAGS) \
		-DMSGPORT_BRIDGE_VERSION='"$(VERSION)"' $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) \
		-pthread -MMD -MP -c -o $@ $<

$(O)/bridge/obj/tools-parse.o: tools/parse.c Makefile tools/bridge/bridge.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP \
		-c -o $@ $<

# The version string is compiled in.
$(O)/bridge/obj/main.o: VERSION

$(MSGPORT_BRIDGE): $(MSGPORT_BRIDGE_OBJS) $(LIBMSGPORT_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -pthread -o $@ $(MSGPORT_BRIDGE_OBJS) \
		$(LIBMSGPORT_A) $(MSGPORT_NATS_LIBS)

-include $(MSGPORT_BRIDGE_OBJS:.o=.d)

# The host tests (tests/tests.mk, included before this file) link the pure parts.
MSGPORT_HOST_TEST_OBJS += $(MSGPORT_BRIDGE_HOST_OBJS)
$(MSGPORT_HOST_TEST): $(MSGPORT_BRIDGE_HOST_OBJS)
