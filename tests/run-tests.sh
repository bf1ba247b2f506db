#!/usr/bin/env bash
# Runs every test program given as an argument, then the nested-rig tests,
# and prints one closing line "tests: N passed, N failed, N skipped".
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

for t in "$@"; do
	log=$(mktemp)
	# Bound every program: a hang is a failure, never a stuck CI.
	timeout -k 5 900 "$t" >"$log" 2>&1
	count "$(basename "$t")" "$log" $?
	rm -f "$log"
done

if [ -x "$here/rig/run-tests.sh" ] && [ "${KITE_SKIP_RIG:-0}" != 1 ]; then
	log=$(mktemp)
	timeout -k 5 2400 "$here/rig/run-tests.sh" >"$log" 2>&1
	rc=$?
	cat "$log" | grep -v -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed' | sed 's/^/    rig| /' | tail -n 60
	count rig "$log" $rc
	rm -f "$log"
fi

if [ "${CI:-}" = true ] && [ "$skipped" != 0 ]; then
	echo "CI: $skipped test program(s) skipped; CI must run everything"
	failed=$((failed + skipped))
fi
[ ${#failed_names[@]} = 0 ] || echo "failed: ${failed_names[*]}"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
