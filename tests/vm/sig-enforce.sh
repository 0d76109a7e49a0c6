#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tests/vm/sig-enforce.sh: run in a VM booted with module.sig_enforce=1 and
# no module loaded (scripts/check: tests/vm/run --no-module), as a kernel
# under Secure Boot is.  The kernel must refuse our unsigned module, and
# `msgport load` must say why and what to do (enroll DKMS's key with
# mokutil), exit 1, and leave no module behind.  Ends with "N passed, N
# failed" (busybox sh).

passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "PASS: $1"
}
bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
}

if [ "$(cat /sys/module/module/parameters/sig_enforce 2>/dev/null)" = Y ]; then
	ok "the kernel enforces module signatures (module.sig_enforce=1)"
else
	bad "module.sig_enforce is not on: this check means nothing without it"
fi

out=$(msgport load 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
[ "$rc" = 1 ] && ok "msgport load exits 1" || bad "msgport load exited $rc, not 1"
case $out in
*"the kernel refused the module: it requires modules signed with a key it trusts (Secure Boot)"*)
	ok "it says the kernel refused an unsigned module" ;;
*) bad "no word of the signature refusal" ;;
esac
case $out in
*"sudo mokutil --import /var/lib/dkms/mok.pub"*) ok "it says how to enroll DKMS's key" ;;
*) bad "no mokutil instruction" ;;
esac
[ "$(printf '%s\n' "$out" | grep -c .)" -le 6 ] && ok "in a few lines" || bad "more than 6 lines"
[ ! -e /sys/module/msgport ] && ok "no module loaded" || bad "/sys/module/msgport exists"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
