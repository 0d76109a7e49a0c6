# SPDX-License-Identifier: GPL-2.0
#
# VM harness targets (included by the top-level Makefile).  Each boots
# Debian's kernel under qemu (TCG) from a fresh busybox initramfs with
# msgport.ko loaded and the project directory at /host; see tests/vm/run.
#   check-vm   the in-VM test suite (msgport-test)
#   vm-shell   an interactive shell in the VM on this terminal
#   demo       the narrated demo, scripts/demo.sh, run inside the VM
#   check-kernels  the kernel matrix beyond make check: the newest Debian
#              kernel (pinned in configs/kernels.conf; KERNELS=latest for
#              the newest there is) and arm64; see scripts/check-kernels
# VM_ARGS passes options to tests/vm/run, e.g. VM_ARGS="--timeout 900".

VM_RUN := $(CURDIR)/tests/vm/run
VM_ENV := O=$(O) KERNELRELEASE=$(KRELEASE)
VM_ARGS ?=

.PHONY: check-vm vm-shell demo check-kernels

check-vm: all
	$(VM_ENV) $(VM_RUN) $(VM_ARGS) -- msgport-test

vm-shell: all
	$(VM_ENV) $(VM_RUN) $(VM_ARGS) --shell

demo: deps
	@test -f $(CURDIR)/scripts/demo.sh || \
		{ echo "msgport: scripts/demo.sh does not exist yet: no demo to run" >&2; exit 1; }
	$(MAKE) -C $(CURDIR) all
	MSGPORT_VM_EXTRA_BINS="$$(command -v nats-server || echo /usr/sbin/nats-server)" \
		$(VM_ENV) $(VM_RUN) $(VM_ARGS) -- sh /host/scripts/demo.sh

check-kernels:
	O=$(O) $(CURDIR)/scripts/check-kernels $(if $(KERNELS),--kernels $(KERNELS))
