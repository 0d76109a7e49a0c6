# SPDX-License-Identifier: GPL-2.0
#
# The reliability lane (included by the top-level Makefile):
#   check-debug   the debug kernel (built once and cached outside the clone),
#                 then KUnit, the cmocka suite, msgport-stress, msgport-fuzz,
#                 msgport-faultsweep and msgport-race in one VM, with leak,
#                 counter and unload checks; see scripts/check-debug
#   debug-kernel  only build (or find) the debug kernel and print its tree
#   lockstat      msgport-bench --pairs/--fan-in on the debug kernel's
#                 CONFIG_LOCK_STAT variant (built once, cached; not run by CI):
#                 bench/results/lockstat.txt, see scripts/lockstat

.PHONY: check-debug debug-kernel lockstat

check-debug:
	O=$(O) $(CURDIR)/scripts/check-debug

debug-kernel:
	$(CURDIR)/scripts/debug-kernel

lockstat:
	O=$(O) $(CURDIR)/scripts/lockstat $(LOCKSTAT_ARGS)
