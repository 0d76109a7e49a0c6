# SPDX-License-Identifier: GPL-2.0
#
# The msgport CLI, included by the top-level Makefile after lib/lib.mk.
# Output: $(O)/tools/msgport, linked statically against libmsgport.a (so it
# runs from the build tree, from an initramfs and once installed, without
# an rpath) and dynamically against libkmod for load/unload and libsmartcols
# for ls/stat.
#
# libkmod and libsmartcols are probed with the flags of this build: a 32-bit
# build (EXTRA_CFLAGS=-m32) on a host without the i386 libraries gets a
# msgport whose load/unload (ls/stat) say so; every other command works.
# MSGPORT_LIBKMOD=0 or =1 and MSGPORT_SMARTCOLS=0 or =1 override the probes.
#
# tools/parse.c is self-contained (pure functions, no libmsgport), so host
# unit tests can compile it alone: $(MSGPORT_PARSE_SRC), header in tools/.

MSGPORT_PARSE_SRC := tools/parse.c

MSGPORT_TOOLS_SRCS := tools/msgport.c tools/cli.c tools/parse.c tools/cmd_module.c \
	tools/cmd_mailbox.c tools/cmd_list.c tools/cmd_message.c tools/cmd_region.c \
	tools/cmd_rpc.c
MSGPORT_TOOLS_OBJS := $(patsubst tools/%.c,$(O)/tools/obj/%.o,$(MSGPORT_TOOLS_SRCS))
MSGPORT_CLI := $(O)/tools/msgport

ifeq ($(origin MSGPORT_LIBKMOD),undefined)
MSGPORT_LIBKMOD := $(shell echo 'int main(void) { return !kmod_new(0, 0); }' | \
	$(CC) $(EXTRA_CFLAGS) -include libkmod.h -x c -o /dev/null - -lkmod >/dev/null 2>&1 && \
	echo 1 || echo 0)
endif
ifeq ($(MSGPORT_LIBKMOD),1)
MSGPORT_KMOD_CFLAGS := -DMSGPORT_HAVE_LIBKMOD $(shell $(PKG_CONFIG) --cflags libkmod 2>/dev/null)
MSGPORT_KMOD_LIBS := $(or $(shell $(PKG_CONFIG) --libs libkmod 2>/dev/null),-lkmod)
endif

ifeq ($(origin MSGPORT_SMARTCOLS),undefined)
MSGPORT_SMARTCOLS := $(shell echo 'int main(void) { return !scols_new_table(); }' | \
	$(CC) $(EXTRA_CFLAGS) $(shell $(PKG_CONFIG) --cflags smartcols 2>/dev/null) \
	-include libsmartcols.h -x c -o /dev/null - -lsmartcols >/dev/null 2>&1 && \
	echo 1 || echo 0)
endif
ifeq ($(MSGPORT_SMARTCOLS),1)
MSGPORT_SCOLS_CFLAGS := -DMSGPORT_HAVE_SMARTCOLS $(shell $(PKG_CONFIG) --cflags smartcols 2>/dev/null)
MSGPORT_SCOLS_LIBS := $(or $(shell $(PKG_CONFIG) --libs smartcols 2>/dev/null),-lsmartcols)
endif

.PHONY: tools
userspace: tools
tools: $(MSGPORT_CLI)

$(O)/tools/obj/%.o: tools/%.c Makefile tools/tools.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP \
		-c -o $@ $<

# Rebuilt when the libkmod decision changes.
$(O)/tools/obj/cmd_module.o: MSGPORT_CPPFLAGS += $(MSGPORT_KMOD_CFLAGS)
$(O)/tools/obj/cmd_module.o: $(O)/tools/obj/libkmod-$(MSGPORT_LIBKMOD).stamp
$(O)/tools/obj/libkmod-$(MSGPORT_LIBKMOD).stamp:
	@mkdir -p $(@D)
	@rm -f $(O)/tools/obj/libkmod-*.stamp
	@touch $@
	@test "$(MSGPORT_LIBKMOD)" = 1 || \
		echo "msgport: building the CLI without libkmod (load/unload disabled)" >&2

# Rebuilt when the libsmartcols decision changes.
$(O)/tools/obj/cmd_list.o: MSGPORT_CPPFLAGS += $(MSGPORT_SCOLS_CFLAGS)
$(O)/tools/obj/cmd_list.o: $(O)/tools/obj/smartcols-$(MSGPORT_SMARTCOLS).stamp
$(O)/tools/obj/smartcols-$(MSGPORT_SMARTCOLS).stamp:
	@mkdir -p $(@D)
	@rm -f $(O)/tools/obj/smartcols-*.stamp
	@touch $@
	@test "$(MSGPORT_SMARTCOLS)" = 1 || \
		echo "msgport: building the CLI without libsmartcols (ls/stat disabled)" >&2

$(MSGPORT_CLI): $(MSGPORT_TOOLS_OBJS) $(LIBMSGPORT_A)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $(MSGPORT_TOOLS_OBJS) \
		$(LIBMSGPORT_A) $(MSGPORT_KMOD_LIBS) $(MSGPORT_SCOLS_LIBS)

-include $(MSGPORT_TOOLS_OBJS:.o=.d)

# msgport-bench: its own fragment.
include tools/bench/bench.mk
# msgport-stress, -fuzz, -faultsweep, -race: their own fragment.
include tools/reliability/reliability.mk
