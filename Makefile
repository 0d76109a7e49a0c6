# SPDX-License-Identifier: GPL-2.0
#
# msgport: top-level build.  The kernel module is built by kbuild (see Kbuild);
# everything in userspace lands in $(O)/.  Each part has its own fragment:
#   lib/lib.mk       libmsgport (shared, static, pkg-config)
#   tools/tools.mk   the msgport CLI and other tools
#   examples/examples.mk  example programs (shared memory, spans)
#   tests/tests.mk   host tests and the in-VM runner msgport-test
#   tests/vm/vm.mk   the VM harness targets (check-vm, vm-shell, demo)
#   bench/bench.mk   make bench: msgport-bench in the VM, bench/results/, plots
#   install.mk       make install/uninstall, dkms-install, deb (Debian packages)
#
# Common targets: all, module, check, demo, vm-shell, lint, dkms-check,
# install, dkms-install, deb, clean.  `make install` builds and installs the
# userland only (library, CLI, msgport-bench, man pages, udev rule): it needs
# neither cmocka nor kernel headers.  `make KERNELRELEASE=x.y.z-n-amd64` picks another kernel.

VERSION := $(shell cat $(CURDIR)/VERSION)
O ?= $(CURDIR)/build

# The kernel we build and test against: Debian's headers, never `uname -r`
# (scripts/kernel-release: the newest installed of those make check tests).
KERNELRELEASE ?= $(shell $(CURDIR)/scripts/kernel-release)
KRELEASE := $(KERNELRELEASE)
KDIR ?= /usr/src/linux-headers-$(KRELEASE)

CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
# Installation directories (install.mk): the GNU names (prefix, libdir, ...)
# are accepted as well as these.  The library goes to the multiarch
# directory of the compiler (lib/x86_64-linux-gnu), as Debian's own do.
prefix ?= /usr/local
PREFIX ?= $(prefix)
MULTIARCH := $(shell $(CC) $(EXTRA_CFLAGS) -print-multiarch 2>/dev/null)
libdir ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
LIBDIR ?= $(libdir)
includedir ?= $(PREFIX)/include
INCLUDEDIR ?= $(includedir)
bindir ?= $(PREFIX)/bin
BINDIR ?= $(bindir)
mandir ?= $(PREFIX)/share/man
MANDIR ?= $(mandir)
libexecdir ?= $(PREFIX)/libexec
LIBEXECDIR ?= $(libexecdir)
# The example programs msgport-test runs, installed (make install-tests).
MSGPORT_EXAMPLES_INSTALL_DIR = $(LIBEXECDIR)/msgport
DESTDIR ?=

# -m32 etc. for a 32-bit build of the userspace side: make O=build32 EXTRA_CFLAGS=-m32
EXTRA_CFLAGS ?=
CFLAGS ?= -O2 -g
MSGPORT_CPPFLAGS := -I$(CURDIR)/include/uapi -I$(CURDIR)/lib/include -D_GNU_SOURCE
MSGPORT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter -Wformat=2 -fno-strict-aliasing \
	$(EXTRA_CFLAGS)
MSGPORT_LDFLAGS := $(EXTRA_CFLAGS)

# A -m32 build needs i386 <asm/*.h>.  Debian's gcc-multilib provides them by
# a /usr/include/asm link to linux-libc-dev's headers (which serve both
# ABIs), but it conflicts with the cross compilers (gcc-aarch64-linux-gnu,
# for make check-kernels): without it, the build makes that link for itself.
ifneq ($(filter -m32,$(EXTRA_CFLAGS)),)
ifneq ($(shell printf '\043include <asm/types.h>\n' | $(CC) -m32 -E -x c - >/dev/null 2>&1 && echo ok),ok)
M32_ASM_DIR := $(O)/include-m32
$(shell mkdir -p $(M32_ASM_DIR) && ln -sfn /usr/include/$(shell $(CC) -print-multiarch)/asm $(M32_ASM_DIR)/asm)
MSGPORT_CPPFLAGS += -idirafter $(M32_ASM_DIR)
endif
endif

.PHONY: all module userspace check check-host lint dkms-check install clean deps
.DEFAULT_GOAL := all

all: module userspace

deps:
	$(CURDIR)/scripts/install-deps

# $(O)/kmod/RELEASE/msgport.ko, -Werror, any compiler/objtool/modpost
# warning fails (scripts/build-module).
module:
	@test -n "$(KRELEASE)" || { echo "msgport: no kernel headers of a tested kernel: run scripts/install-deps" >&2; exit 1; }
	@test -d "$(KDIR)" || { echo "msgport: no kernel headers at $(KDIR): run scripts/install-deps" >&2; exit 1; }
	@echo "msgport: building the module for $(KRELEASE) ($(KDIR))"
	O=$(O) $(CURDIR)/scripts/build-module -q --release $(KRELEASE) --kdir $(KDIR) >/dev/null

include lib/lib.mk
include tools/tools.mk
include examples/examples.mk
include tests/tests.mk
# msgport-bridge: after tests.mk (it adds its pure parts to the host tests).
include tools/bridge/bridge.mk
# msgport-bridge-bench and make bench-bridge: after bridge.mk (its libnats probe).
include tools/bridge/bench/bench.mk
include tests/vm/vm.mk
include tests/debug/debug.mk
include bench/bench.mk
include install.mk
include tests/pkg/pkg.mk

# Everything: dependencies, -Werror build, host tests, then the suite in the VM.
check:
	$(CURDIR)/scripts/check

lint:
	$(CURDIR)/scripts/lint

dkms-check:
	$(CURDIR)/scripts/dkms-check

clean::
	-$(MAKE) -C $(KDIR) M=$(CURDIR) O= EXTRA_CFLAGS= clean 2>/dev/null
	rm -rf $(O)
