#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Nothing kite io reported durable is lost when kite is killed (issue 15).
#
# For each engine (aio, uring, sync) and cache mode (none, writeback):
# `kite io --rw write --verify --durable LOG` over a fresh image is killed
# with SIGKILL at a random moment of its write phase, KILLS times; after each kill,
# `kite io --rw read --verify --count N` must find the first N blocks
# intact, N being what LOG held. A kill that came after the write phase
# (LOG at every block) still checks, but is counted apart: at least half
# of the kills must land mid-write, else the test proves little and fails.
#
# Prints one line per configuration (kills, mid-write, blocks recorded,
# blocks checked, losses) and "io-durable: N passed, N failed"; each
# configuration is one test.
set -u
KITE=${KITE:-$(dirname "$0")/../../kite}
KILLS=${KITE_DURABLE_KILLS:-20}
dir=$(mktemp -d "${O:-build}/durable.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$dir"' EXIT
img=$dir/img log=$dir/log
blocks=8192			# 32 MiB of 4 KiB blocks
passed=0 failed=0

[ -x "$KITE" ] || { echo "SKIP: no kite binary at $KITE"; exit 77; }

# run_io ENGINE CACHE [ARGS]: kite io on the image with the durable log.
run_io() {
	local engine=$1 cache=$2
	shift 2
	"$KITE" io "$img" --engine "$engine" --cache "$cache" --depth 32 "$@"
}

# fresh: a new, empty image
fresh() {
	rm -f "$img" "$log"
	truncate -s $((blocks * 4096)) "$img"
}

# check ENGINE CACHE N: the first N blocks hold the pattern. A killed
# kite's image may stay locked for a moment (io_uring releases the file
# once the kernel's own teardown of the ring has finished): up to 10 s.
check() {
	local i
	for i in $(seq 100); do
		run_io "$1" "$2" --rw read --verify --count "$3" >"$dir/check" 2>&1 && return 0
		grep -q 'locked' "$dir/check" || break
		sleep 0.1
	done
	sed 's/^/    /' "$dir/check" >&2
	return 1
}

# one_kill ENGINE CACHE MS: kill kite io MS ms after its log first
# records a block (at once if it never does: then nothing was recorded
# and the kill proves nothing, which the mid-write count shows); 0 if
# intact. Prints "N mid" (N: blocks recorded durable, mid: 1 when the
# kill came during the write phase with something recorded).
one_kill() {
	local pid n i
	fresh
	run_io "$1" "$2" --rw write --verify --durable "$log" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 2500); do	# 5 s at most
		n=
		{ read -r n <"$log"; } 2>/dev/null
		case $n in ''|*[!0-9]*|0) sleep 0.002 ;; *) break ;; esac
	done
	sleep "$(printf '%d.%03d' $(($3 / 1000)) $(($3 % 1000)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	read -r n <"$log" || n=
	case $n in ''|*[!0-9]*) echo "bad-log"; return 1 ;; esac
	[ "$n" = 0 ] || check "$1" "$2" "$n" || { echo "$n lost"; return 1; }
	echo "$n $([ "$n" -gt 0 ] && [ "$n" -lt $blocks ] && echo 1 || echo 0)"
}

# write_window ENGINE CACHE: "FIRST END", in ms from the start of a run
# that is not killed: when its log first records a block, and when it
# records all of them (or the run ends). Kills are aimed between the two,
# where a kill tests something; a window taken from the whole run's time
# missed it in short runs (cache=writeback: the write phase is a few tens
# of ms after start-up and the first flush).
write_window() {
	local t0 pid n now first= end=
	fresh
	t0=$(date +%s%N)
	run_io "$1" "$2" --rw write --verify --durable "$log" >/dev/null 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		n=
		{ read -r n <"$log"; } 2>/dev/null
		now=$((($(date +%s%N) - t0) / 1000000))
		case $n in
		''|*[!0-9]*) ;;
		*)	[ -z "$first" ] && [ "$n" -gt 0 ] && first=$now
			[ "$n" -ge $blocks ] && { end=$now; break; } ;;
		esac
		sleep 0.002
	done
	wait $pid || return 1
	[ -n "$first" ] || return 1
	echo "$first ${end:-$now}"
}

for engine in aio uring sync; do
	for cache in none writeback; do
		kills=0 mid=0 recorded=0 losses=0
		# Kill at random within the first three quarters of the write
		# phase of an uninterrupted run, measured from the first record
		# (runs vary: aimed at all of it, kills near its end often
		# found a run already past it).
		w=$(write_window $engine $cache) || { failed=$((failed + 1));
			echo "FAIL: engine=$engine cache=$cache: kite io failed uninterrupted"; continue; }
		read -r first end <<<"$w"
		for _ in $(seq "$KILLS"); do
			ms=$((RANDOM % ((end - first) * 3 / 4 + 1)))
			out=$(one_kill $engine $cache $ms) || losses=$((losses + 1))
			read -r n m <<<"$out"
			kills=$((kills + 1))
			case $n in *[!0-9]*|'') continue ;; esac
			recorded=$((recorded + n))
			[ "$m" = 1 ] && mid=$((mid + 1))
		done
		line="engine=$engine cache=$cache (write phase ${first}..${end} ms): $kills kills, $mid mid-write, $recorded blocks recorded durable and checked, $losses losses"
		if [ $losses = 0 ] && [ $((mid * 2)) -ge "$kills" ]; then
			passed=$((passed + 1)); echo "PASS: $line"
		else
			failed=$((failed + 1)); echo "FAIL: $line"
		fi
	done
done
echo "io-durable: $passed passed, $failed failed"
[ $failed = 0 ]
