# SPDX-License-Identifier: GPL-2.0
#
# libmsgport, included by the top-level Makefile.  Outputs in $(O)/lib/:
#   libmsgport.so.1.3   shared library, soname libmsgport.so.1, symbol
#                       versions from lib/libmsgport.map (LIBMSGPORT_1.0,
#                       LIBMSGPORT_1.1, LIBMSGPORT_1.2, LIBMSGPORT_1.3)
#   libmsgport.so.1, libmsgport.so   symlinks
#   libmsgport.a        static archive (same -fPIC objects)
#   msgport.pc          pkg-config file for PREFIX/LIBDIR/INCLUDEDIR (written
#                       relative to ${prefix} where they are under it)
# Only functions marked MSGPORT_EXPORT are exported (-fvisibility=hidden),
# each named in lib/libmsgport.map: lib/check-exports fails the link when the
# exports, the map and lib/include/libmsgport.h disagree.

# The interface version: MAJOR is the soname's, MINOR that of the newest
# node of lib/libmsgport.map (LIBMSGPORT_MAJOR.MINOR), and both are
# LIBMSGPORT_VERSION_MAJOR/_MINOR in lib/include/libmsgport.h (checked).
LIBMSGPORT_SOMAJOR := 1
LIBMSGPORT_SOMINOR := 3
LIBMSGPORT_SONAME := libmsgport.so.$(LIBMSGPORT_SOMAJOR)
LIBMSGPORT_REALNAME := $(LIBMSGPORT_SONAME).$(LIBMSGPORT_SOMINOR)

LIBMSGPORT_SRCS := lib/device.c lib/mailbox.c lib/message.c lib/fds.c lib/strerror.c lib/region.c lib/span.c \
	lib/inbox.c lib/rpc.c lib/batch.c lib/ring.c lib/relay.c
LIBMSGPORT_OBJS := $(patsubst lib/%.c,$(O)/lib/obj/%.o,$(LIBMSGPORT_SRCS))
LIBMSGPORT_SO := $(O)/lib/$(LIBMSGPORT_REALNAME)
LIBMSGPORT_LINKS := $(O)/lib/$(LIBMSGPORT_SONAME) $(O)/lib/libmsgport.so
LIBMSGPORT_A := $(O)/lib/libmsgport.a
LIBMSGPORT_PC := $(O)/lib/msgport.pc
LIBMSGPORT_MAP := lib/libmsgport.map
LIBMSGPORT_H := lib/include/libmsgport.h
NM ?= nm
READELF ?= readelf

LIBMSGPORT_CFLAGS := -fPIC -fvisibility=hidden -DMSGPORT_LIB_VERSION='"$(VERSION)"'

.PHONY: lib
userspace: lib
lib: $(LIBMSGPORT_SO) $(LIBMSGPORT_LINKS) $(LIBMSGPORT_A) $(LIBMSGPORT_PC)

$(O)/lib/obj/%.o: lib/%.c Makefile lib/lib.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) $(LIBMSGPORT_CFLAGS) \
		-MMD -MP -c -o $@ $<

# The version string is compiled in.
$(O)/lib/obj/device.o: VERSION

# Linked as $@.tmp, which becomes $@ only if lib/check-exports accepts it.
$(LIBMSGPORT_SO): $(LIBMSGPORT_OBJS) $(LIBMSGPORT_MAP) $(LIBMSGPORT_H) lib/check-exports
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -shared \
		-Wl,-soname,$(LIBMSGPORT_SONAME) -Wl,--version-script=$(LIBMSGPORT_MAP) \
		-Wl,-z,defs -Wl,-z,relro -Wl,-z,now -o $@.tmp $(LIBMSGPORT_OBJS)
	NM='$(NM)' READELF='$(READELF)' sh lib/check-exports $@.tmp $(LIBMSGPORT_MAP) \
		$(LIBMSGPORT_H) $(LIBMSGPORT_SOMAJOR).$(LIBMSGPORT_SOMINOR) $(LIBMSGPORT_OBJS) || \
		{ rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

$(O)/lib/$(LIBMSGPORT_SONAME): $(LIBMSGPORT_SO)
	ln -sf $(LIBMSGPORT_REALNAME) $@

$(O)/lib/libmsgport.so: $(O)/lib/$(LIBMSGPORT_SONAME)
	ln -sf $(LIBMSGPORT_SONAME) $@

$(LIBMSGPORT_A): $(LIBMSGPORT_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Rewritten only when its text changes, so a new PREFIX takes effect
# without forcing relinks.
$(LIBMSGPORT_PC): lib/msgport.pc.in VERSION FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|g' \
		-e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))|g' \
		-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
		-e 's|@VERSION@|$(VERSION)|g' \
		lib/msgport.pc.in > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; echo "  GEN     $@"; fi

.PHONY: FORCE
FORCE:

-include $(LIBMSGPORT_OBJS:.o=.d)
