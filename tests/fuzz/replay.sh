#!/usr/bin/env bash
# make check: every harness replays its seed corpus (tests/fuzz/corpus/
# NAME, crashes once found included), so an input that crashed kite once
# fails the suite. No new fuzzing here: that is `make fuzz`.
# Prints "fuzz-replay: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 1
if ! command -v clang >/dev/null 2>&1; then
	echo "SKIP: clang is not installed (libFuzzer harnesses; make deps installs it)"
	exit 77
fi
passed=0 failed=0 nbin=0
for src in tests/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	bin=build-fuzz/tests/fuzz/$name corpus=tests/fuzz/corpus/${name#fuzz-}
	nbin=$((nbin + 1))
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin not built (make fuzz-bins)"; failed=$((failed + 1)); continue
	fi
	if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
		echo "FAIL: $name has no seed corpus in $corpus"; failed=$((failed + 1)); continue
	fi
	log=$(mktemp)
	if "$bin" -runs=0 -close_fd_mask=2 "$corpus" >"$log" 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAIL: $name crashed on its corpus:"
		grep -m1 -A20 -E 'ERROR: |runtime error|fuzz: |Test unit written' "$log" | sed 's/^/  | /'
		failed=$((failed + 1))
	fi
	rm -f "$log"
done
echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" = 0 ]
