# SPDX-License-Identifier: GPL-2.0
#
# The reliability tools (included by tools/tools.mk), one program per file,
# each linked statically against libmsgport.a into $(O)/tools/ (so the VM
# harness puts them in the guest's /usr/bin):
#   msgport-stress      many processes, mailboxes, signals, kills, unlinks;
#                       proves exactly-once, in-order, uncorrupted delivery
#   msgport-fuzz        seeded random syscalls and struct fields on
#                       /dev/msgport and mailbox descriptors
#   msgport-faultsweep  every ioctl under fail-nth fault injection
#   msgport-race        close/unlink/exit against blocked calls
#   msgport-hostile     unprivileged attackers against per-user limits, lock
#                       holds and a victim's round trips
# tests/debug/debug.mk runs them on the debug kernel (make check-debug).

MSGPORT_REL_NAMES := msgport-stress msgport-fuzz msgport-faultsweep msgport-race msgport-hostile
MSGPORT_REL_TOOLS := $(addprefix $(O)/tools/,$(MSGPORT_REL_NAMES))

.PHONY: reliability-tools
userspace: reliability-tools
reliability-tools: $(MSGPORT_REL_TOOLS)

$(O)/tools/obj/reliability/%.o: tools/reliability/%.c Makefile tools/tools.mk \
		tools/reliability/reliability.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools/reliability $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) \
		-pthread -MMD -MP -c -o $@ $<

$(MSGPORT_REL_TOOLS): $(O)/tools/%: $(O)/tools/obj/reliability/%.o $(LIBMSGPORT_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -pthread -o $@ $< $(LIBMSGPORT_A)

-include $(patsubst %,$(O)/tools/obj/reliability/%.d,$(MSGPORT_REL_NAMES))
