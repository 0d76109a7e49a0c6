# SPDX-License-Identifier: GPL-2.0
#
# make bench: build, boot the VM, run msgport-bench's default suite in it,
# copy the results to bench/results/ and draw the plots (bench/run does it;
# included by the top-level Makefile).  BENCH_ARGS passes options to
# msgport-bench (e.g. BENCH_ARGS="--rounds 1 --time 0.1"); the default suite
# takes 8-10 minutes on 2 cores under TCG (boot and plots included), a little
# more when the host is busy; bench/run gives the VM at most 15 minutes.
# Each run is kept in bench/results/runs/ as well (see bench/run).

.PHONY: bench
bench: deps
	$(MAKE) -C $(CURDIR) all
	$(VM_ENV) BENCH_ARGS="$(BENCH_ARGS)" $(CURDIR)/bench/run

# make icount: instructions and memory accesses per message, counted under
# TCG by a QEMU plugin rather than timed (bench/icount/run; ICOUNT_ARGS names
# the mechanisms, ICOUNT_COUNT and ICOUNT_SIZE as there); the report is kept
# in bench/results/icount/report.txt.  About a minute.
.PHONY: icount
icount: deps
	$(MAKE) -C $(CURDIR) all
	$(VM_ENV) $(CURDIR)/bench/icount/run $(ICOUNT_ARGS)
