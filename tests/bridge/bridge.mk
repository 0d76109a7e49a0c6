# SPDX-License-Identifier: GPL-2.0
#
# make check-bridge (included by the top-level Makefile): msgport-bridge
# carrying mailboxes and calls over NATS, in the VM (scripts/check-bridge,
# tests/bridge/*.sh).  Programs, in $(O)/tools/ so that tests/vm/run puts
# them in every guest's /usr/bin:
#   bridge-check  produce / consume / serve / call with verification
#                 (libmsgport static, no NATS); built with userspace
#   nats-probe    NATS readiness (a server, JetStream) with nats.c; built
#                 when pkg-config finds libnats (scripts/install-deps)
# CHECK_BRIDGE_ARGS passes options to scripts/check-bridge, e.g. "--only core".

BRIDGE_CHECK := $(O)/tools/bridge-check
NATS_PROBE := $(O)/tools/nats-probe
MSGPORT_LIBNATS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnats 2>/dev/null)
MSGPORT_LIBNATS_LIBS := $(shell $(PKG_CONFIG) --libs libnats 2>/dev/null)
MSGPORT_HAVE_LIBNATS := $(shell $(PKG_CONFIG) --exists libnats 2>/dev/null && echo 1)
CHECK_BRIDGE_ARGS ?=

.PHONY: bridge-test-tools check-bridge
userspace: bridge-test-tools
bridge-test-tools: $(BRIDGE_CHECK) $(if $(MSGPORT_HAVE_LIBNATS),$(NATS_PROBE))

$(O)/tests/bridge/obj/%.o: tests/bridge/%.c Makefile tests/bridge/bridge.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) $(MSGPORT_LIBNATS_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BRIDGE_CHECK): $(O)/tests/bridge/obj/bridge-check.o $(LIBMSGPORT_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(NATS_PROBE): $(O)/tests/bridge/obj/nats-probe.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(MSGPORT_LIBNATS_LIBS)

-include $(O)/tests/bridge/obj/bridge-check.d $(O)/tests/bridge/obj/nats-probe.d

check-bridge: deps
	$(MAKE) -C $(CURDIR) all
	O=$(O) KERNELRELEASE=$(KRELEASE) $(CURDIR)/scripts/check-bridge $(CHECK_BRIDGE_ARGS)
