# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-parts.sh: the bookkeeping of a check made of parts, sourced
# by scripts/check (make check) and scripts/check-kernels: each part's
# `N passed, N failed` line added to the totals, one summary line per part,
# and the VM runs.  The sourcing script sets prog, ROOT, O, logs (a
# directory for the parts' logs) and vm_timeout before calling these.

total_passed=0
total_failed=0
summary=()
any_failed=0
start=$(date +%s)
declare -A timed_out=()

banner() {
	printf '\n==== %s ====\n' "$*"
}

# record NAME RC LOG: add the part's `N passed, N failed` to the totals.
record() {
	local name=$1 rc=$2 log=$3 line p f note="" why
	line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*, }
		f=${f%% failed}
	else
		p=0 f=0
		note="no 'N passed, N failed' line"
		[ "$rc" != 124 ] || note="timed out"
	fi
	# The VM harness says why it failed (time-out, kernel report, panic).
	why=$(grep -aE '^tests/vm/[a-z0-9-]+: FAIL: ' "$log" | head -n 1 | sed -E 's/^tests\/vm\/[a-z0-9-]+: FAIL: //; s/:$//' || true)
	[ -z "$why" ] || note=$why
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		# Failed, but no test counted it: a crash, time-out or kernel report.
		f=1
		note=${note:-"exit status $rc with no failed test counted"}
		[ -n "$line" ] && note="$note (status $rc)"
	elif [ -z "$line" ]; then
		f=1
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
		any_failed=1
		summary+=("$(printf '%-34s FAIL  %s passed, %s failed%s' "$name" "$p" "$f" "${note:+; $note}")")
	else
		summary+=("$(printf '%-34s ok    %s passed, %s failed' "$name" "$p" "$f")")
	fi
}

# fail_part NAME WHY: a part that could not run at all.
fail_part() {
	total_failed=$((total_failed + 1))
	any_failed=1
	summary+=("$(printf '%-34s FAIL  %s' "$1" "$2")")
}

run_logged() {
	local log=$1
	shift
	set +e
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}

# vm_tests NAME BUILD-OK RELEASE PROGRAM [ENV...]: run PROGRAM in the VM
# (tests/vm/run) on kernel RELEASE, with ENV (e.g. MSGPORT_VM_KERNEL=...).
vm_tests() {
	local name=$1 built=$2 release=$3 test=$4 rc=0
	shift 4
	if [ "$built" = 0 ]; then
		fail_part "$name" "not run: the build failed"
	elif [ "${timed_out[$release]:-0}" = 1 ]; then
		# A hang above hangs here too: do not wait for it twice.
		fail_part "$name" "not run: an earlier VM run on $release timed out"
	elif [ ! -x "$test" ]; then
		fail_part "$name" "$test missing"
	else
		run_logged "$logs/$name.log" env O="$O" KERNELRELEASE="$release" "$@" \
			"$ROOT/tests/vm/run" --timeout "$vm_timeout" -- "$(guest_path "$test")" || rc=$?
		record "$name" "$rc" "$logs/$name.log"
		[ "$rc" != 124 ] || timed_out[$release]=1
	fi
}

# The project directory is /host in the VM; $O/tools is on its PATH.
guest_path() {
	case $1 in
	"$O"/tools/*) basename "$1" ;;
	"$ROOT"/*) echo "/host/${1#"$ROOT"/}" ;;
	*) echo "$1" ;;
	esac
}


# module NAME RELEASE [BUILD-MODULE-ARGS...]: build msgport.ko for RELEASE
# (scripts/build-module: -Werror, and any compiler, objtool or modpost
# warning fails it) as part NAME; module_ok[RELEASE] says whether it did.
declare -A module_ok=()
module() {
	local name=$1 release=$2 log
	shift 2
	log=$logs/module-$release.log
	module_ok[$release]=0
	if run_logged "$log" env O="$O" "$ROOT/scripts/build-module" -q --release "$release" "$@"; then
		module_ok[$release]=1
		total_passed=$((total_passed + 1))
		summary+=("$(printf '%-34s ok    built, no warning' "$name")")
	else
		fail_part "$name" "$(grep -a 'FAIL' "$log" | tail -n 1 | sed 's/^scripts\/build-module: FAIL: //')"
	fi
}

# end_summary: the summary lines and the total; status 0 if all passed.
end_summary() {
	banner "summary ($(($(date +%s) - start))s)"
	printf '%s\n' "${summary[@]}"
	echo "$total_passed passed, $total_failed failed"
	[ "$any_failed" = 0 ] && [ "$total_failed" = 0 ]
}
