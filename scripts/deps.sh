#!/usr/bin/env bash
# Installs the Debian packages kite needs to build, test and benchmark,
# only those that are missing. Needs root (or sudo) and Debian's archive.
set -eu
pkgs=(
	build-essential pkg-config
	libaio-dev libfdt-dev liburing-dev check	# build + unit tests
	qemu-system-x86 qemu-utils			# nested rig, bench peers
	busybox-static cpio kmod			# rig initramfs
	fio time					# disk bench peer, CPU per I/O
	e2fsprogs					# disk fault tests (mkfs.ext4)
	bc bison flex libelf-dev lz4 xz-utils		# mini guest kernel (guest/linux)
	qemu-system-common passt			# sandbox daemons: virtiofsd, passt
	libseccomp-dev					# syscall filters
	clang libclang-rt-14-dev			# fuzzing (libFuzzer)
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} = 0 ] && exit 0
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
