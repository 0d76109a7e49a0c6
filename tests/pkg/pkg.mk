# SPDX-License-Identifier: GPL-2.0
#
# make check-packages (included by the top-level Makefile): the Debian
# packages as a user installs them, in a debootstrapped Debian 12 root booted
# with systemd on Debian 12's 6.1 and 6.12 kernels (scripts/check-packages,
# scripts/package-root, tests/pkg/).  Needs root; the base root is cached in
# $(MSGPORT_CACHE) (default ~/.cache/msgport).
#   CHECK_PACKAGES_ARGS   more arguments, e.g. --keep

CHECK_PACKAGES_ARGS ?=

.PHONY: check-packages

check-packages: deps
	O=$(O) $(CURDIR)/scripts/check-packages $(CHECK_PACKAGES_ARGS)
