# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/kernel-reports.sh (sourced by tests/vm/run and tests/vm/smoke-arm64):
# what in a guest kernel's log is a report that fails the run.  Kernel lines
# on a console carry a printk timestamp, so a command's own output (which
# may legitimately print "WARNING:") is told apart by it.
# shellcheck disable=SC2034  # used by the scripts that source this
MSGPORT_REPORT_RE='BUG:|WARNING:|Oops|general protection fault|UBSAN:|kernel BUG|Kernel panic|INFO: task .* blocked|KASAN:|possible circular locking|possible recursive locking|possible irq lock inversion|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|ODEBUG:|list_(add|del) corruption|refcount_t: |kmemleak: .*suspected memory leak|unreferenced object|detected stall|soft lockup|hard LOCKUP|Internal error:|Unable to handle kernel'

# msgport_console_reports FILE: the kernel's report lines on a console log.
msgport_console_reports() {
	grep -aE "^\[ *[0-9]+\.[0-9]+\].*($MSGPORT_REPORT_RE)" "$1" || true
}

# A filter: each report once (the same one from the console and from the
# kernel log, or repeated), timestamps and CPU/PID numbers aside.
msgport_reports_once() {
	awk '{ k = $0; sub(/^\[ *[0-9.]+\] /, "", k); gsub(/(CPU|PID): [0-9]+/, "", k); if (!seen[k]++) print }'
}
