#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/stress-short.sh: runs inside the VM (scripts/check, part 6).
# msgport-stress scaled down for the stock kernel, where the mailboxes keep
# spare message buffers (msg_stash.c; the debug kernel's KASAN turns them
# off), ending with the `N passed, N failed` line scripts/check counts.
if msgport-stress --procs 32 --messages 3000; then
	echo "1 passed, 0 failed"
else
	echo "0 passed, 1 failed"
	exit 1
fi
