# SPDX-License-Identifier: GPL-2.0
#
# Installing msgport, included by the top-level Makefile.
#   make install        the userland: libmsgport (.so with its soname link,
#                       .a, headers in INCLUDEDIR/msgport/, msgport.pc),
#                       msgport and msgport-bench, the man pages (1, 3, 7) and
#                       bash completion; then ldconfig when DESTDIR is empty (as root).
#                       It builds only what it installs: neither cmocka nor
#                       kernel headers are needed.
#   make install-tests  msgport-test, the in-VM suite (needs cmocka), and the
#                       example programs it runs, in LIBEXECDIR/msgport
#                       (msgport-test adds it to PATH)
#   make uninstall      removes what those two installed
#   make dkms-install   (root) the module: its source in
#                       /usr/src/msgport-VERSION (scripts/dkms-source: tracked
#                       files only), `dkms install` for the running kernel
#                       (DKMS_KERNEL=RELEASE for another), the udev rule and
#                       the modules-load.d file, so /dev/msgport is there for
#                       every user after the next boot; dkms-uninstall undoes it
#   make deb            the Debian packages, scripts/make-deb: DEB_OUT=DIR
#                       (default $(O)/deb), DEB_VERSION=V (default VERSION)
#   make install-bridge msgport-bridge, its man page (8), its systemd unit and
#                       sysusers.d file and the example configuration
#                       (DOCDIR/msgport-bridge/examples); part of make install
#                       when the bridge is built (libnats found: bridge.mk)
# Directories: PREFIX (or prefix), LIBDIR (libdir), INCLUDEDIR, BINDIR, MANDIR,
# DESTDIR (see the top-level Makefile), and for the system's own files
# UDEVRULESDIR, MODULESLOADDIR, SYSTEMDUNITDIR, SYSUSERSDIR (under /usr/lib
# for PREFIX=/usr, else in /etc: udev and systemd do not read /usr/local),
# BASHCOMPDIR and DOCDIR.

ifeq ($(PREFIX),/usr)
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
SYSTEMDUNITDIR ?= /usr/lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
else
UDEVRULESDIR ?= /etc/udev/rules.d
MODULESLOADDIR ?= /etc/modules-load.d
SYSTEMDUNITDIR ?= /etc/systemd/system
SYSUSERSDIR ?= /etc/sysusers.d
endif
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR ?= $(PREFIX)/share/doc
DEB_OUT ?= $(O)/deb
DEB_VERSION ?= $(VERSION)

MSGPORT_MAN1 := tools/msgport.1 tools/bench/msgport-bench.1
MSGPORT_MAN3 := $(wildcard lib/man/*.3)
MSGPORT_MAN7 := $(wildcard doc/*.7)
MSGPORT_COMPLETION := $(wildcard tools/completion/msgport)

.PHONY: userland install install-lib install-tools install-tests uninstall dkms-install \
	dkms-uninstall deb install-bridge uninstall-bridge

# What make install installs, built (debian/rules builds it so).
userland: lib tools $(MSGPORT_BENCH)

# ldconfig: only into the real system, and only as root (a user's own
# PREFIX=$HOME/.local needs none: LD_LIBRARY_PATH or an rpath finds it).
MSGPORT_LDCONFIG = $(if $(DESTDIR),,[ "$$(id -u)" != 0 ] || ldconfig)

install: install-lib install-tools
	$(MSGPORT_LDCONFIG)

# An install replaces the library of an earlier minor version
# (libmsgport.so.1.0 before 1.1): the soname link points at the new one.
install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/msgport/linux \
		$(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	rm -f $(filter-out $(DESTDIR)$(LIBDIR)/$(LIBMSGPORT_REALNAME),$(wildcard $(DESTDIR)$(LIBDIR)/$(LIBMSGPORT_SONAME).*))
	install -m 0644 $(LIBMSGPORT_SO) $(DESTDIR)$(LIBDIR)/$(LIBMSGPORT_REALNAME)
	ln -sf $(LIBMSGPORT_REALNAME) $(DESTDIR)$(LIBDIR)/$(LIBMSGPORT_SONAME)
	ln -sf $(LIBMSGPORT_SONAME) $(DESTDIR)$(LIBDIR)/libmsgport.so
	install -m 0644 $(LIBMSGPORT_A) $(DESTDIR)$(LIBDIR)/libmsgport.a
	install -m 0644 $(LIBMSGPORT_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/msgport.pc
	install -m 0644 $(LIBMSGPORT_H) $(DESTDIR)$(INCLUDEDIR)/msgport/libmsgport.h
	install -m 0644 include/uapi/linux/msgport.h $(DESTDIR)$(INCLUDEDIR)/msgport/linux/msgport.h
	install -m 0644 $(MSGPORT_MAN3) $(DESTDIR)$(MANDIR)/man3/
	$(if $(MSGPORT_MAN7),install -m 0644 $(MSGPORT_MAN7) $(DESTDIR)$(MANDIR)/man7/)

install-tools: tools $(MSGPORT_BENCH)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(MSGPORT_CLI) $(MSGPORT_BENCH) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(MSGPORT_MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(if $(MSGPORT_COMPLETION),install -d $(DESTDIR)$(BASHCOMPDIR))
	$(if $(MSGPORT_COMPLETION),install -m 0644 $(MSGPORT_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/msgport)

# msgport-bridge (tools/bridge/bridge.mk builds it when MSGPORT_LIBNATS=1:
# libnats found, or asked for): make install installs it then, and
# without libnats installs the rest as before.  The unit runs BINDIR's
# binary; /etc/msgport/bridge.conf is the administrator's (never installed:
# the unit's ConditionPathExists waits for it).
MSGPORT_BRIDGE_DATA := tools/bridge/msgport-bridge.8 tools/bridge/msgport-bridge.service \
	tools/bridge/msgport-bridge.sysusers tools/bridge/bridge.conf.example
ifeq ($(MSGPORT_LIBNATS),1)
install: install-bridge
uninstall: uninstall-bridge
install-bridge: $(MSGPORT_BRIDGE)
endif

install-bridge: $(MSGPORT_BRIDGE_DATA)
	@test "$(MSGPORT_LIBNATS)" = 1 || { echo "msgport: msgport-bridge is not built here: it needs libnats (Debian: apt install libnats-dev)" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)/msgport-bridge/examples
	install -m 0755 $(MSGPORT_BRIDGE) $(DESTDIR)$(BINDIR)/msgport-bridge
	install -m 0644 tools/bridge/msgport-bridge.8 $(DESTDIR)$(MANDIR)/man8/msgport-bridge.8
	sed 's|^ExecStart=/usr/bin/msgport-bridge |ExecStart=$(BINDIR)/msgport-bridge |' \
		tools/bridge/msgport-bridge.service >$(DESTDIR)$(SYSTEMDUNITDIR)/msgport-bridge.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/msgport-bridge.service
	install -m 0644 tools/bridge/msgport-bridge.sysusers $(DESTDIR)$(SYSUSERSDIR)/msgport-bridge.conf
	install -m 0644 tools/bridge/bridge.conf.example $(DESTDIR)$(DOCDIR)/msgport-bridge/examples/bridge.conf.example

uninstall-bridge:
	rm -f $(DESTDIR)$(BINDIR)/msgport-bridge $(DESTDIR)$(MANDIR)/man8/msgport-bridge.8 \
		$(DESTDIR)$(SYSTEMDUNITDIR)/msgport-bridge.service \
		$(DESTDIR)$(SYSUSERSDIR)/msgport-bridge.conf \
		$(DESTDIR)$(DOCDIR)/msgport-bridge/examples/bridge.conf.example
	-rmdir $(DESTDIR)$(DOCDIR)/msgport-bridge/examples $(DESTDIR)$(DOCDIR)/msgport-bridge 2>/dev/null

install-tests: $(MSGPORT_TEST) $(MSGPORT_EXAMPLES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MSGPORT_EXAMPLES_INSTALL_DIR)
	install -m 0755 $(MSGPORT_TEST) $(DESTDIR)$(BINDIR)/msgport-test
	install -m 0755 $(MSGPORT_EXAMPLES) $(DESTDIR)$(MSGPORT_EXAMPLES_INSTALL_DIR)/
	install -m 0644 tests/msgport-test.1 $(DESTDIR)$(MANDIR)/man1/msgport-test.1

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(LIBMSGPORT_SONAME).* $(DESTDIR)$(LIBDIR)/$(LIBMSGPORT_SONAME) \
		$(DESTDIR)$(LIBDIR)/libmsgport.so $(DESTDIR)$(LIBDIR)/libmsgport.a \
		$(DESTDIR)$(LIBDIR)/pkgconfig/msgport.pc \
		$(DESTDIR)$(INCLUDEDIR)/msgport/libmsgport.h \
		$(DESTDIR)$(INCLUDEDIR)/msgport/linux/msgport.h \
		$(addprefix $(DESTDIR)$(MANDIR)/man3/,$(notdir $(MSGPORT_MAN3))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MSGPORT_MAN7))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MSGPORT_MAN1)) msgport-test.1) \
		$(addprefix $(DESTDIR)$(BINDIR)/,msgport msgport-bench msgport-test) \
		$(addprefix $(DESTDIR)$(MSGPORT_EXAMPLES_INSTALL_DIR)/,$(notdir $(MSGPORT_EXAMPLES))) \
		$(DESTDIR)$(BASHCOMPDIR)/msgport
	-rmdir $(DESTDIR)$(INCLUDEDIR)/msgport/linux $(DESTDIR)$(INCLUDEDIR)/msgport \
		$(DESTDIR)$(MSGPORT_EXAMPLES_INSTALL_DIR) 2>/dev/null
	$(MSGPORT_LDCONFIG)

DKMS_SRC = /usr/src/msgport-$(VERSION)
dkms-install:
	@test "$$(id -u)" = 0 || { echo "msgport: make dkms-install writes /usr/src and /lib/modules: run it as root" >&2; exit 1; }
	@command -v dkms >/dev/null || { echo "msgport: dkms is not installed (Debian: apt install dkms)" >&2; exit 1; }
	-dkms remove msgport/$(VERSION) --all >/dev/null 2>&1
	rm -rf $(DKMS_SRC)
	$(CURDIR)/scripts/dkms-source $(DKMS_SRC)
	dkms install msgport/$(VERSION) $(if $(DKMS_KERNEL),-k $(DKMS_KERNEL))
	install -D -m 0644 udev/60-msgport.rules $(UDEVRULESDIR)/60-msgport.rules
	install -D -m 0644 udev/modules-load.conf $(MODULESLOADDIR)/msgport.conf
	@echo "msgport: installed for $(or $(DKMS_KERNEL),the running kernel); load it now with: modprobe msgport"

dkms-uninstall:
	@test "$$(id -u)" = 0 || { echo "msgport: make dkms-uninstall must run as root" >&2; exit 1; }
	-dkms remove msgport/$(VERSION) --all
	rm -rf $(DKMS_SRC) $(UDEVRULESDIR)/60-msgport.rules $(MODULESLOADDIR)/msgport.conf

deb:
	DEB_OUT=$(DEB_OUT) DEB_VERSION=$(DEB_VERSION) $(CURDIR)/scripts/make-deb
