#!/usr/bin/env bash
# `make bench`: runs every tests/bench/bench-*.sh in name order. Each prints
# its own table of kite's figures next to its peers', as ratios measured in
# the same run. A bench whose peer or prerequisite is missing says so.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$here"/bench-*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	bash "$b" || { echo "   (failed: exit $?)"; rc=1; }
	echo
done
exit $rc
