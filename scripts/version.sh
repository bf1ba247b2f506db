#!/bin/sh
# Prints kite's version for the source tree at $1 (default: here): what
# `git describe` says in a git checkout of kite itself, else the first
# line of a VERSION file (a release tarball carries one), else "unknown".
# The build compiles it into kite (`kite --version`).
cd "${1:-.}" || exit 1
# Only kite's own .git: a tarball unpacked inside another repository
# must not take that repository's version.
if [ -e .git ] && v=$(git describe --tags --always --dirty 2>/dev/null) && [ -n "$v" ]; then
	echo "$v"
elif [ -s VERSION ]; then
	head -n 1 VERSION
else
	echo unknown
fi
