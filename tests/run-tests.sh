#!/usr/bin/env bash
# Runs every test program given as an argument, then the nested-rig tests,
# and prints one closing line "tests: N passed, N failed, N skipped".
# Programs under tests/kvm need /dev/kvm: without a usable one here they
# run inside the rig's L1 (see below) and count the same way.
# A program exiting 77 was skipped (it printed why). Under CI (CI=true) a
# skip is a failure: CI must have every part the suite needs.
set -u
passed=0 failed=0 skipped=0
failed_names=()
here=$(cd "$(dirname "$0")" && pwd)

count() {  # count NAME LOGFILE RC
	local name=$1 log=$2 rc=$3 line p f
	if [ "$rc" = 77 ]; then
		skipped=$((skipped + 1))
		echo "  SKIP    $name: $(grep -m1 '^SKIP:' "$log" | cut -c7-)"
		return
	fi
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	if [ -z "$line" ]; then
		echo "  FAIL    $name (exit $rc, no summary line)"
		sed 's/^/    | /' "$log" | tail -n 30
		failed=$((failed + 1)); failed_names+=("$name")
		return
	fi
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" != 0 ] || [ "$rc" != 0 ]; then
		[ "$f" = 0 ] && failed=$((failed + 1))
		failed_names+=("$name")
		echo "  FAIL    $name ($line, exit $rc)"
		grep -v -E '^[0-9]+%: Checks' "$log" | sed 's/^/    | /' | tail -n 40
	else
		echo "  PASS    $line"
	fi
}

# The KVM integration tests (tests/kvm) run guests: on this host's
# /dev/kvm where it has one we may use, else inside the nested rig's L1,
# whose kvm-amd gives one (the same binaries, in the rig's one L1 boot).
rig_on=0
[ -x "$here/rig/run-tests.sh" ] && [ "${KITE_SKIP_RIG:-0}" != 1 ] && rig_on=1
kvm_here=0
[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && kvm_here=1
here_progs=() l1_progs=()
for t in "$@"; do
	case $t in
	*/tests/kvm/*) [ $kvm_here = 1 ] || { l1_progs+=("$t"); continue; } ;;
	esac
	here_progs+=("$t")
done

for t in "${here_progs[@]}"; do
	log=$(mktemp)
	# Bound every program: a hang is a failure, never a stuck CI.
	timeout -k 5 900 "$t" >"$log" 2>&1
	rc=$?
	count "$(basename "$t")" "$log" $rc
	rm -f "$log"
done

if [ ${#l1_progs[@]} != 0 ] && [ $rig_on = 0 ]; then
	for t in "${l1_progs[@]}"; do
		log=$(mktemp)
		echo "SKIP: no usable /dev/kvm here and the nested rig is off (KITE_SKIP_RIG=1)" >"$log"
		count "$(basename "$t")" "$log" 77
		rm -f "$log"
	done
fi

if [ $rig_on = 1 ]; then
	log=$(mktemp) progs=$(mktemp -d)
	[ ${#l1_progs[@]} = 0 ] ||
		echo "  (no usable /dev/kvm here: ${#l1_progs[@]} KVM test programs run in the rig's L1)"
	KITE_RIG_PROG_OUT=$progs timeout -k 5 3600 "$here/rig/run-tests.sh" "${l1_progs[@]}" all \
		>"$log" 2>&1
	rc=$?
	cat "$log" | grep -v -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' | sed 's/^/    rig| /' | tail -n 60
	for t in "${l1_progs[@]}"; do
		n=$(basename "$t")
		[ -e "$progs/$n.rc" ] || { echo "no result from the rig's L1" >"$progs/$n.log"; echo 1 >"$progs/$n.rc"; }
		count "$n (in L1)" "$progs/$n.log" "$(cat "$progs/$n.rc")"
	done
	count rig "$log" $rc
	rm -rf "$log" "$progs"
fi

if [ "${CI:-}" = true ] && [ "$skipped" != 0 ]; then
	echo "CI: $skipped test program(s) skipped; CI must run everything"
	failed=$((failed + skipped))
fi
[ ${#failed_names[@]} = 0 ] || echo "failed: ${failed_names[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
