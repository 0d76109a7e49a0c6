# SPDX-License-Identifier: GPL-2.0
#
# Tests, included by the top-level Makefile after lib/lib.mk and tools/tools.mk.
#   $(O)/tools/msgport-test        the in-VM runner: cmocka suites against the
#                                  loaded module (tests/*_test.c, not host_*)
#                                  and the msgport CLI (tests/cli/*_test.c),
#                                  libmsgport static, libcmocka shared; every
#                                  such file is in it, and registers its suite
#                                  itself (MSGPORT_SUITE(), tests/msgport_test.h)
#   $(O)/tests/msgport-host-test   host-side tests of pure userspace code
#                                  (tests/host_*.c, tools/parse.c)
#   $(O)/tests/msgport-smoke       a short check of a loaded module needing
#                                  nothing but libmsgport (tests/smoke/), for
#                                  kernels the suite does not run on: built
#                                  static for arm64 by make check-kernels
# `make check-host` builds and runs the host tests.  Both build for the ABI
# of EXTRA_CFLAGS (make O=build32 EXTRA_CFLAGS=-m32), which needs libcmocka
# for that ABI (libcmocka-dev:i386 for -m32).

MSGPORT_TEST := $(O)/tools/msgport-test
MSGPORT_HOST_TEST := $(O)/tests/msgport-host-test
MSGPORT_SMOKE := $(O)/tests/msgport-smoke

MSGPORT_TEST_SUITE_SRCS := $(sort $(filter-out tests/host_%,$(wildcard tests/*_test.c)) \
	$(wildcard tests/cli/*_test.c))
MSGPORT_TEST_SRCS := tests/msgport_test_main.c tests/fixture.c tests/helpers.c \
	tests/cli/cli_helpers.c $(MSGPORT_TEST_SUITE_SRCS)
MSGPORT_TEST_OBJS := $(patsubst tests/%.c,$(O)/tests/obj/%.o,$(MSGPORT_TEST_SRCS))

MSGPORT_HOST_TEST_SRCS := tests/host_main.c tests/host_abi_layout_test.c \
	tests/host_strerror_test.c tests/host_parse_test.c tests/host_bench_test.c \
	tests/host_completion_test.c tests/host_bridge_test.c
MSGPORT_HOST_TEST_OBJS := $(patsubst tests/%.c,$(O)/tests/obj/%.o,$(MSGPORT_HOST_TEST_SRCS)) \
	$(O)/tests/obj/tools-parse.o $(MSGPORT_BENCH_HOST_OBJS)

CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(or $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null),-lcmocka)
# Where the linker of this build (its EXTRA_CFLAGS) finds libcmocka.so; a
# bare name when it does not.  Evaluated only when linking a test.
CMOCKA_SO = $(shell $(CC) $(EXTRA_CFLAGS) -print-file-name=libcmocka.so)

define check_cmocka
	@case "$(CMOCKA_SO)" in /*) ;; *) \
		echo "msgport: no libcmocka for this build ($(CC) $(EXTRA_CFLAGS)): install" \
			"libcmocka-dev$(if $(findstring -m32,$(EXTRA_CFLAGS)),:i386) (scripts/install-deps)" >&2; \
		exit 1;; esac
endef

.PHONY: tests check-host
userspace: tests
tests: $(MSGPORT_TEST) $(MSGPORT_HOST_TEST) $(MSGPORT_SMOKE)

$(O)/tests/obj/%.o: tests/%.c Makefile tests/tests.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itests -Itools $(CMOCKA_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) \
		-pthread -MMD -MP -c -o $@ $<

# Where make install-tests puts the example programs some suites run.
$(O)/tests/obj/msgport_test_main.o: MSGPORT_CPPFLAGS += \
	-DMSGPORT_TEST_EXAMPLES_DIR='"$(MSGPORT_EXAMPLES_INSTALL_DIR)"'

# The CLI's pure parsers, compiled alone (tools/tools.mk: MSGPORT_PARSE_SRC).
$(O)/tests/obj/tools-parse.o: $(MSGPORT_PARSE_SRC) Makefile tests/tests.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) -Itools $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) -MMD -MP \
		-c -o $@ $<

# The names of the suite files, rewritten only when they change: a suite
# file removed relinks msgport-test without it.
$(O)/tests/suites.list: FORCE
	@mkdir -p $(@D)
	@echo '$(MSGPORT_TEST_SUITE_SRCS)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(MSGPORT_TEST): $(MSGPORT_TEST_OBJS) $(LIBMSGPORT_A) $(O)/tests/suites.list
	$(check_cmocka)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -pthread -o $@ $(MSGPORT_TEST_OBJS) \
		$(LIBMSGPORT_A) $(CMOCKA_LIBS)

$(MSGPORT_HOST_TEST): $(MSGPORT_HOST_TEST_OBJS) $(LIBMSGPORT_A)
	$(check_cmocka)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(MSGPORT_LDFLAGS) $(LDFLAGS) -o $@ $(MSGPORT_HOST_TEST_OBJS) \
		$(LIBMSGPORT_A) $(CMOCKA_LIBS)

# No cmocka, no libc but what LDFLAGS (-static for a bare initramfs) says.
$(MSGPORT_SMOKE): tests/smoke/msgport-smoke.c $(LIBMSGPORT_A) Makefile tests/tests.mk
	@mkdir -p $(@D)
	$(CC) $(MSGPORT_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(MSGPORT_CFLAGS) $(MSGPORT_LDFLAGS) \
		$(LDFLAGS) -o $@ $< $(LIBMSGPORT_A)

check-host: $(MSGPORT_HOST_TEST)
	$(MSGPORT_HOST_TEST)

-include $(MSGPORT_TEST_OBJS:.o=.d) $(MSGPORT_HOST_TEST_OBJS:.o=.d)
