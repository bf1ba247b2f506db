#!/usr/bin/env bash
# make fuzz: run each harness (build-fuzz/tests/fuzz/fuzz-*) for
# FUZZ_SECONDS on 1 job, its corpus tests/fuzz/corpus/NAME growing in a
# scratch copy (new inputs are not committed by themselves: add the ones
# that matter); crashes land in build-fuzz/fuzz-crashes/NAME/. Prints a
# line per harness: executions, coverage, crashes. FUZZ_ONLY=NAME: just one.
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-60}
bad=0
for bin in build-fuzz/tests/fuzz/fuzz-*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz-}
	[ -n "${FUZZ_ONLY:-}" ] && [ "$FUZZ_ONLY" != "$name" ] && continue
	work=build-fuzz/fuzz-work/$name crashes=build-fuzz/fuzz-crashes/$name
	mkdir -p "$work" "$crashes" "tests/fuzz/corpus/$name"
	log=build-fuzz/fuzz-work/$name.log
	touch "$work.stamp"	# crashes newer than it are this run's
	"$bin" -max_total_time="$secs" -timeout=10 -close_fd_mask=2 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
	cov=$(grep -E '^#[0-9]+' "$log" | grep -oE 'cov: [0-9]+ ft: [0-9]+' | tail -n1)
	n=$(find "$crashes" -type f -newer "$work.stamp" | wc -l)
	echo "fuzz-$name: ${secs}s, ${execs:-?} execs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l), crashes $n (exit $rc)"
	if [ "$rc" != 0 ]; then
		bad=1
		grep -m1 -A12 -E 'ERROR: |runtime error|fuzz: ' "$log" | sed 's/^/    | /'
	fi
done
exit $bad
