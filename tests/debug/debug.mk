# SPDX-License-Identifier: GPL-2.0
#
# The reliability lane (included by the top-level Makefile):
#   check-debug   the debug kernel (built once and cached outside the clone),
#                 then KUnit, the cmocka suite, msgport-stress, msgport-fuzz,
#                 msgport-faultsweep and msgport-race in one VM, with leak,
#                 counter and unload checks; see scripts/check-debug
#   debug-kernel  only build (or find) the debug kernel and print its tree

.PHONY: check-debug debug-kernel

check-debug:
	O=$(O) $(CURDIR)/scripts/check-debug

debug-kernel:
	$(CURDIR)/scripts/debug-kernel
