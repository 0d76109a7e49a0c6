# SPDX-License-Identifier: GPL-2.0
#
# make check-bridge (included by the top-level Makefile): msgport-bridge
# carrying mailboxes and calls over NATS, in the VM (scripts/check-bridge,
# tests/bridge/*.sh).  Programs, in $(O)/tools/ so that tests/vm/run puts
# them in every guest's /usr/bin:
#   bridge-check  produce / consume / serve / call with verification
#                 (libmsgport static, no NATS); built with userspace
#   nats-probe    NATS readiness (a server, JetStream) with nats.c; built
#                 when tools/bridge/bridge.mk's probe links libnats with this
#                 build's flags (MSGPORT_LIBNATS=1: not in a -m32 build)
# CHECK_BRIDGE_ARGS passes options to scripts/check-bridge, e.g. "--only core".

BRIDGE_CHECK := $(O)/tools/bridge-check
NATS_PROBE := $(O)/tools/nats-probe
CHECK_BRIDGE_ARGS ?=

.PHONY: bridge-test-tools check-bridge
userspace: bridge-test-tools
bridge-test-tools: $(BRIDGE_CHECK) $(if $(filter 1,$(MSGPORT_LIBNATS)),$(NATS_PROBE))

$(O)/tests/bridge/obj/%.o: tests/bridge/%.c Makefile tests/bridge/bridge.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) $(MSGPORT_NATS_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BRIDGE_CHECK): $(O)/tests/bridge/obj/bridge-check.o $(LIBMSGPORT_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

$(NATS_PROBE): $(O)/tests/bridge/obj/nats-probe.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $< $(MSGPORT_NATS_LIBS)

-include $(O)/tests/bridge/obj/bridge-check.d $(O)/tests/bridge/obj/nats-probe.d

check-bridge: deps
	$(MAKE) -C $(CURDIR) all
	O=$(O) KERNELRELEASE=$(KRELEASE) $(CURDIR)/scripts/check-bridge $(CHECK_BRIDGE_ARGS)
