#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds kite's mini guest kernel: Linux from Debian's linux-source-6.1,
# `make tinyconfig` + mini.config (merge_config.sh, olddefconfig), bzImage
# and vmlinux (PVH entry), everything built in. Prints on stdout
#
#   bzImage PATH
#   vmlinux PATH
#   config PATH
#
# and progress on stderr. The package is fetched with `apt-get download`
# and its tarball unpacked into the cache without installing anything.
# Results are cached outside git:
#
#   $KITE_KERNEL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/kite-kernel)
#     src/VERSION/linux-source-6.1/   the unpacked source
#     obj/VERSION/                    the object tree (make O=), reused so a
#                                     fragment change rebuilds incrementally
#     KEY/{bzImage,vmlinux,config}    the result; KEY hashes the source
#                                     version, mini.config, this script and gcc
#
# so the kernel is built only when one of those changes. Offline (no apt
# lists), the newest source already in the cache is used.
#
# Environment: KITE_KERNEL_CACHE, KITE_KERNEL_JOBS (make -j, default 2),
# KITE_KERNEL_TIMEOUT (seconds for the build, default 3600).
# Build dependencies (scripts/deps.sh): bc bison flex libelf-dev (objtool,
# which x86-64 always builds) lz4 (the bzImage payload) xz-utils (the
# source tarball) make gcc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
pkg=linux-source-6.1
frag=$here/mini.config
cache=${KITE_KERNEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kite-kernel}
jobs=${KITE_KERNEL_JOBS:-2}
limit=${KITE_KERNEL_TIMEOUT:-3600}

say() { echo "mini-kernel: $*" >&2; }
die() { echo "mini-kernel: error: $*" >&2; exit 1; }

for t in apt-get dpkg-deb xz tar make gcc bc bison flex lz4 flock; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t (run: make deps)"
done
[ -e /usr/include/gelf.h ] || die "missing libelf-dev (run: make deps)"

ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	ver=$(ls "$cache/src" 2>/dev/null | sort -V | tail -n1)
	[ -n "$ver" ] || die "$pkg is not in apt (apt-get update?) and no source in $cache/src"
	say "no $pkg in apt; using the cached source $ver"
fi

key=$({ echo "$pkg $ver"; gcc --version | head -n1; cat "$frag" "$0"; } | sha256sum | cut -c1-16)
out=$cache/$key
print() {
	printf 'bzImage %s\nvmlinux %s\nconfig %s\n' "$out/bzImage" "$out/vmlinux" "$out/config"
}
if [ -s "$out/bzImage" ] && [ -s "$out/vmlinux" ]; then
	print
	exit 0
fi

# One build at a time per cache (make check and a rig run may race);
# the loser waits, then finds the result.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w "$limit" 9 || die "another build holds $cache/.lock"
if [ -s "$out/bzImage" ] && [ -s "$out/vmlinux" ]; then
	print
	exit 0
fi

src=$cache/src/$ver/linux-source-6.1
if [ ! -e "$src/Makefile" ]; then
	say "fetching $pkg $ver (apt-get download; the tarball is unpacked, nothing installed)"
	tmp=$(mktemp -d "$cache/.src.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null) ||
		die "apt-get download $pkg=$ver failed"
	dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -xOf - ./usr/src/linux-source-6.1.tar.xz |
		xz -dc -T2 | tar -xf - -C "$tmp" || die "cannot unpack $pkg"
	[ -e "$tmp/linux-source-6.1/Makefile" ] || die "$pkg: no linux-source-6.1/ in its tarball"
	mkdir -p "$cache/src/$ver"
	mv -T "$tmp/linux-source-6.1" "$src"
	rm -rf "$tmp"
	trap - EXIT
fi

obj=$cache/obj/$ver
mkdir -p "$obj"
say "configuring (tinyconfig + $(basename "$frag")) in $obj"
make -s -C "$src" O="$obj" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >"$obj/merge.log" 2>&1 ||
	die "merge_config.sh failed (see $obj/merge.log)"
make -s -C "$src" O="$obj" olddefconfig >/dev/null

# Every option the fragment sets must have survived olddefconfig (a
# missing dependency silently drops it otherwise).
bad=
while read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" || bad="$bad ${line%%=*}" ;;
	"# CONFIG_"*" is not set")
		o=${line#\# }; o=${o%% *}
		! grep -q "^$o=" "$obj/.config" || bad="$bad $o(set)" ;;
	esac
done <"$frag"
[ -z "$bad" ] || die "options of $(basename "$frag") not in the final config:$bad"

say "building bzImage and vmlinux (make -j$jobs, log $obj/build.log)"
t0=$SECONDS
timeout -k 10 "$limit" nice make -C "$src" O="$obj" -j"$jobs" bzImage vmlinux >"$obj/build.log" 2>&1 ||
	{ tail -n 20 "$obj/build.log" >&2; die "build failed or timed out after ${limit}s (log $obj/build.log)"; }
say "built in $((SECONDS - t0)) s"

tmp=$(mktemp -d "$cache/.out.XXXXXX")
cp "$obj/arch/x86/boot/bzImage" "$obj/vmlinux" "$tmp/"
cp "$obj/.config" "$tmp/config"
mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"
say "bzImage $(stat -c %s "$out/bzImage") bytes, vmlinux $(stat -c %s "$out/vmlinux") bytes"
print
