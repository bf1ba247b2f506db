# SPDX-License-Identifier: GPL-2.0
# The nested rig's host side, sourced by rig.sh, run-tests.sh, demo.sh and
# tests/bench/bench-boot.sh (bash). See tests/rig/README.md.
#
# Everything built lands in $RIG_CACHE, outside git, under names that
# carry a hash of their inputs, so a piece is rebuilt only when an input
# changed (kernel package version, busybox, scripts, the VMM binary and
# its libraries). The L1 initramfs is a concatenation of cpio archives
# (the kernel unpacks them in turn), so the big cached parts are reused as
# they are and only the small per-run plan is new each time:
#
#   base    busybox, L1 /init, kvm modules, rigrun, the L2 kernel + initrd
#   kite    the kite binary under test and the libraries ldd names
#   qemu    qemu-system-x86_64, its libraries and firmware (inner=qemu, bench)
#   plan    /rig/plan: what L1 does this time
#
# Every QEMU run is bounded by `timeout`; temporary files live in one
# directory removed on exit; the QEMU process is killed if we are.

RIG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# modprobe, depmod and ldconfig live in sbin, not in a user's PATH on Debian.
PATH=$PATH:/usr/sbin:/sbin
RIG_CACHE=${KITE_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kite-rig}
RIG_KPKG=linux-image-cloud-amd64
# Virtio drivers the L2 initrd carries (Debian builds them as modules).
RIG_L2_MODULES="virtio_pci virtio_mmio virtio_blk virtio_console virtio-rng virtio_net virtiofs"
RIG_QEMU_FIRMWARE="bios-microvm.bin qboot.rom pvh.bin linuxboot.bin linuxboot_dma.bin
	kvmvapic.bin multiboot.bin multiboot_dma.bin"
# L1: q35 with TCG; -cpu max gives it SVM and NPT, so kvm-amd loads.
RIG_L1_MEM=${KITE_RIG_L1_MEM:-8192}
RIG_L1_CPUS=${KITE_RIG_L1_CPUS:-2}

rig_say() { echo "rig: $*" >&2; }
rig_die() { echo "rig: error: $*" >&2; exit 1; }

# A per-process scratch directory, removed on exit; the running QEMU (if
# any) is killed when we are interrupted.
rig_tmp_init() {
	RIG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kite-rig.XXXXXX") || rig_die "mktemp failed"
	RIG_QEMU_PID=
	trap 'rig_cleanup' EXIT
	trap 'rig_cleanup; trap - INT TERM HUP; exit 130' INT TERM HUP
}
rig_cleanup() {
	[ -n "${RIG_QEMU_PID:-}" ] && kill -TERM "$RIG_QEMU_PID" 2>/dev/null && wait "$RIG_QEMU_PID" 2>/dev/null
	RIG_QEMU_PID=
	[ -n "${RIG_TAIL_PID:-}" ] && kill "$RIG_TAIL_PID" 2>/dev/null
	RIG_TAIL_PID=
	[ -n "${RIG_KTMP:-}" ] && rm -rf "$RIG_KTMP"
	RIG_KTMP=
	[ -n "${RIG_TMP:-}" ] && rm -rf "$RIG_TMP"
	RIG_TMP=
}

# rig_key STRING FILE...: a short hash of a string and files' contents.
rig_key() {
	local s=$1; shift
	{ printf '%s\n' "$s"; cat "$@"; } | sha256sum | cut -c1-16
}

# rig_cpio DIR OUT: a newc archive of DIR owned by root, written atomically
# (two rig runs may build the same entry at once).
rig_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
		>"$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
}

# rig_need_tools: what the host needs (scripts/deps.sh installs it).
rig_need_tools() {
	local t missing=
	for t in qemu-system-x86_64 busybox cpio modprobe depmod dpkg-deb apt-get gcc; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] || rig_die "missing:$missing (run: make deps)"
	RIG_BUSYBOX=$(command -v busybox)
	# Debian's busybox-static; a dynamic busybox would need its libraries.
	! ldd "$RIG_BUSYBOX" >/dev/null 2>&1 ||
		rig_die "$RIG_BUSYBOX is not static (install busybox-static)"
}

# rig_kernel: Debian's cloud kernel package, unpacked (not installed)
# into the cache. Sets RIG_KVER, RIG_KROOT, RIG_VMLINUZ.
rig_kernel() {
	local pkg ver dir tmp
	pkg=$(apt-cache depends "$RIG_KPKG" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ] && ! ls -d "$RIG_CACHE"/kernel-*/ >/dev/null 2>&1; then
		apt-get update -q >/dev/null 2>&1
		pkg=$(apt-cache depends "$RIG_KPKG" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
	fi
	[ -n "$pkg" ] && ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$pkg" ] || [ -z "${ver:-}" ] || [ "$ver" = "(none)" ]; then
		# No package lists (offline): the newest kernel already cached.
		dir=$(ls -d "$RIG_CACHE"/kernel-*/ 2>/dev/null | sort -V | tail -n1)
		[ -n "$dir" ] || rig_die "cannot find $RIG_KPKG in apt (apt-get update?) and no kernel in $RIG_CACHE"
		dir=${dir%/}
	else
		dir=$RIG_CACHE/kernel-${pkg}_$ver
	fi
	if [ ! -e "$dir/kver" ]; then
		rig_say "fetching $pkg $ver (apt-get download, unpacked without installing)"
		mkdir -p "$RIG_CACHE"
		tmp=$(mktemp -d "$RIG_CACHE/.kernel.XXXXXX")
		RIG_KTMP=$tmp	# removed by rig_cleanup if we are interrupted
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null) ||
			{ rm -rf "$tmp"; rig_die "apt-get download $pkg=$ver failed"; }
		dpkg-deb -x "$tmp"/*.deb "$tmp/root" && rm -f "$tmp"/*.deb ||
			{ rm -rf "$tmp"; rig_die "dpkg-deb -x failed"; }
		ls "$tmp/root/lib/modules" | head -n1 >"$tmp/kver"
		# Debian generates modules.dep at install time; we need it for
		# modprobe --show-depends (the load order).
		depmod -b "$tmp/root" "$(cat "$tmp/kver")" || { rm -rf "$tmp"; rig_die "depmod failed"; }
		# Another rig may have finished the same download meanwhile:
		# the first one in stays (mv -T refuses a non-empty target).
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
		RIG_KTMP=
	fi
	RIG_KVER=$(cat "$dir/kver")
	RIG_KROOT=$dir/root
	RIG_VMLINUZ=$RIG_KROOT/boot/vmlinuz-$RIG_KVER
	[ -r "$RIG_VMLINUZ" ] || rig_die "no $RIG_VMLINUZ (remove $dir and retry)"
}

# rig_modules MOD...: the .ko files to insmod, dependencies first.
rig_modules() {
	local m
	for m in "$@"; do
		modprobe -d "$RIG_KROOT" -S "$RIG_KVER" --show-depends "$m" ||
			rig_die "module $m not in $RIG_KVER"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# rig_rigrun: tests/rig/rigrun.c built static. Sets RIG_RIGRUN.
rig_rigrun() {
	RIG_RIGRUN=$RIG_CACHE/rigrun-$(rig_key "$(gcc --version | head -n1)" "$RIG_SRC/rigrun.c")
	[ -x "$RIG_RIGRUN" ] && return
	mkdir -p "$RIG_CACHE"
	gcc -static -O2 -Wall -Wextra -Werror -o "$RIG_RIGRUN.tmp.$$" "$RIG_SRC/rigrun.c" &&
		mv -f "$RIG_RIGRUN.tmp.$$" "$RIG_RIGRUN" || rig_die "cannot build rigrun (gcc -static)"
}

# rig_l2_initrd: the L2 guest's initramfs (busybox, l2-init.sh, virtio
# modules). Sets RIG_L2_INITRD.
rig_l2_initrd() {
	local mods key d m
	mods=$(rig_modules $RIG_L2_MODULES)
	key=$(rig_key "$RIG_KVER $mods" "$RIG_BUSYBOX" "$RIG_SRC/l2-init.sh")
	RIG_L2_INITRD=$RIG_CACHE/l2-$key.cpio
	[ -s "$RIG_L2_INITRD" ] && return
	rig_say "building the L2 initramfs"
	d=$(mktemp -d "$RIG_TMP/stage.XXXXXX")
	mkdir -p "$d"/bin "$d"/sbin "$d"/etc "$d"/dev "$d"/proc "$d"/sys "$d"/tmp "$d"/lib/modules "$d"/root
	cp "$RIG_BUSYBOX" "$d/bin/busybox"
	cp "$RIG_SRC/l2-init.sh" "$d/init"
	chmod 755 "$d/init"
	for m in $mods; do
		cp "$m" "$d/lib/modules/"
		echo "/lib/modules/${m##*/}"
	done >"$d/etc/rig-modules"
	printf '::once:/bin/reboot\n' >"$d/etc/inittab"
	printf 'export PS1="kite-guest:\\w# "\nexport PATH=/bin:/sbin\n' >"$d/etc/profile"
	rig_cpio "$d" "$RIG_L2_INITRD"
	rm -rf "$d"
}

# rig_base_segment: L1's own part. Sets RIG_SEG_BASE.
rig_base_segment() {
	local mods dmods smods key d m
	mods=$(rig_modules kvm-amd)
	# For the disk cases: brd (a RAM disk that takes O_DIRECT, which
	# tmpfs does not) and loop (to look into an image from L1). Loaded
	# by l1-init.sh when a disk case needs them, brd with its size. tun
	# for the net cases' tap, dummy for passt's default route.
	dmods=$(rig_modules brd loop tun dummy)
	# What kite sandbox needs of L2's kernel (sandbox-debian): its
	# modules.dep and those files, at their places in the tree.
	smods=$(rig_modules virtio_pci virtio_console virtiofs overlay virtio_net)
	key=$(rig_key "$RIG_KVER $mods $dmods $smods" "$RIG_BUSYBOX" "$RIG_SRC/l1-init.sh" "$RIG_RIGRUN" \
		"$RIG_L2_INITRD")
	RIG_SEG_BASE=$RIG_CACHE/l1-base-$key.cpio
	[ -s "$RIG_SEG_BASE" ] && return
	rig_say "building the L1 initramfs"
	d=$(mktemp -d "$RIG_TMP/stage.XXXXXX")
	mkdir -p "$d"/bin "$d"/sbin "$d"/dev "$d"/proc "$d"/sys "$d"/tmp "$d"/rig/bin "$d"/rig/mod "$d"/rig/l2
	cp "$RIG_BUSYBOX" "$d/bin/busybox"
	cp "$RIG_SRC/l1-init.sh" "$d/init"
	chmod 755 "$d/init"
	cp "$RIG_RIGRUN" "$d/rig/bin/rigrun"
	for m in $mods; do
		cp "$m" "$d/rig/mod/"
		echo "/rig/mod/${m##*/}"
	done >"$d/rig/l1-modules"
	for m in $dmods; do
		cp "$m" "$d/rig/mod/"
	done
	for m in $smods; do
		m=${m#"$RIG_KROOT"/lib/modules/}
		mkdir -p "$d/rig/l2/modules/${m%/*}"
		cp "$RIG_KROOT/lib/modules/$m" "$d/rig/l2/modules/$m"
	done
	cp "$RIG_KROOT/lib/modules/$RIG_KVER/modules.dep" "$d/rig/l2/modules/$RIG_KVER/"
	cp "$RIG_VMLINUZ" "$d/rig/l2/bzImage"
	cp "$RIG_L2_INITRD" "$d/rig/l2/initrd.cpio"
	rig_cpio "$d" "$RIG_SEG_BASE"
	rm -rf "$d"
}

# rig_libs BINARY: the shared libraries it loads (ldd), and libgcc_s,
# which glibc dlopen()s for pthread_cancel.
rig_libs() {
	ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
	ldconfig -p 2>/dev/null | awk '/libgcc_s.so.1 .*x86-64/ { print $NF; exit }'
}

# rig_copy_libs ROOT LIB...: each library at its own path under ROOT.
rig_copy_libs() {
	local root=$1 l
	shift
	for l in "$@"; do
		mkdir -p "$root$(dirname "$l")"
		cp -L "$l" "$root$l"
	done
}

# rig_bin_segment NAME BINARY [EXTRA_DIR_FILES...]: BINARY as
# /rig/bin/NAME plus its libraries at their own paths. Prints the path.
rig_bin_segment() {
	local name=$1 bin=$2 libs key seg d l
	libs=$(rig_libs "$bin" | sort -u)
	key=$(rig_key "$name" "$bin" $libs)
	seg=$RIG_CACHE/seg-$name-$key.cpio
	if [ ! -s "$seg" ]; then
		d=$(mktemp -d "$RIG_TMP/stage.XXXXXX")
		mkdir -p "$d/rig/bin"
		cp "$bin" "$d/rig/bin/$name"
		rig_copy_libs "$d" $libs
		rig_cpio "$d" "$seg"
		rm -rf "$d"
	fi
	echo "$seg"
}

# rig_tests_segment PROGRAM...: host-built test programs (tests/kvm) for
# L1, where /dev/kvm is: each as /rig/tests/NAME, the test guests they
# boot ($O/guest/*.elf) as /rig/build/guest/, and the host tools they run
# that busybox lacks or differs in (coreutils timeout --preserve-status,
# util-linux setpriv), each with its libraries. Sets RIG_SEG_TESTS.
rig_tests_segment() {
	local top=$(cd "$RIG_SRC/../.." && pwd) o tools libs key d p t
	o=${O:-build}
	case $o in /*) ;; *) o=$top/$o ;; esac
	tools=$(command -v timeout setpriv) || rig_die "no timeout or setpriv on the host"
	libs=$(for p in "$@" $tools; do rig_libs "$p"; done | sort -u)
	key=$(rig_key "tests" "$@" $tools $libs "$o"/guest/*.elf)
	RIG_SEG_TESTS=$RIG_CACHE/seg-tests-$key.cpio
	[ -s "$RIG_SEG_TESTS" ] && return
	d=$(mktemp -d "$RIG_TMP/stage.XXXXXX")
	mkdir -p "$d/rig/tests" "$d/rig/build/guest" "$d/usr/bin"
	for p in "$@"; do
		cp "$p" "$d/rig/tests/" || rig_die "cannot pack $p for L1"
	done
	cp "$o"/guest/*.elf "$d/rig/build/guest/" || rig_die "no test guests in $o/guest (make guests)"
	for t in $tools; do
		cp "$t" "$d/usr/bin/"
	done
	rig_copy_libs "$d" $libs
	rig_cpio "$d" "$RIG_SEG_TESTS"
	rm -rf "$d"
}

# rig_qemu_segment: QEMU for inside L1 (inner VMM and bench peer), with
# its libraries and the firmware microvm loads. Sets RIG_SEG_QEMU.
rig_qemu_segment() {
	local q libs key d l f
	q=$(command -v qemu-system-x86_64)
	libs=$(rig_libs "$q" | sort -u)
	key=$(rig_key "$RIG_QEMU_FIRMWARE" "$q" $libs)
	RIG_SEG_QEMU=$RIG_CACHE/seg-qemu-$key.cpio
	[ -s "$RIG_SEG_QEMU" ] && return
	rig_say "packing qemu-system-x86_64 for L1"
	d=$(mktemp -d "$RIG_TMP/stage.XXXXXX")
	mkdir -p "$d/usr/bin" "$d/usr/share/qemu"
	cp "$q" "$d/usr/bin/"
	rig_copy_libs "$d" $libs
	for f in $RIG_QEMU_FIRMWARE; do
		[ -e "/usr/share/qemu/$f" ] && cp -L "/usr/share/qemu/$f" "$d/usr/share/qemu/"
	done
	rig_cpio "$d" "$RIG_SEG_QEMU"
	rm -rf "$d"
}

# rig_fio_segment: fio for the disk bench, on an ext2 image (/rig/fio.img
# in L1) holding /usr/bin/fio and the libraries ldd names at their own
# paths, plus empty mount points: L1 and L2 loop/disk-mount it read-only
# and chroot into it. A disk rather than part of the L2 initramfs because
# fio's libraries come to ~80 MB, which L2 would have to unpack into RAM
# on every boot; from a disk it reads only the pages fio touches. Sets
# RIG_SEG_FIO.
rig_fio_segment() {
	local f libs key d sz l
	f=$(command -v fio) || rig_die "no fio on the host (apt-get install fio)"
	command -v mke2fs >/dev/null || rig_die "no mke2fs on the host (e2fsprogs)"
	libs=$(rig_libs "$f" | sort -u)
	key=$(rig_key "fio-ext2" "$f" $libs)
	RIG_SEG_FIO=$RIG_CACHE/seg-fio-$key.cpio
	[ -s "$RIG_SEG_FIO" ] && return
	rig_say "packing fio and its libraries for L1 and L2"
	d=$(mktemp -d "$RIG_TMP/stage.XXXXXX")
	mkdir -p "$d/fs/usr/bin" "$d/fs/dev" "$d/fs/proc" "$d/fs/sys" "$d/fs/tmp" "$d/fs/disk" \
		"$d/seg/rig"
	cp "$f" "$d/fs/usr/bin/fio"
	rig_copy_libs "$d/fs" $libs
	sz=$(du -sm "$d/fs" | cut -f1)
	mke2fs -q -F -t ext2 -m 0 -d "$d/fs" "$d/seg/rig/fio.img" $((sz + sz / 4 + 8))M >/dev/null ||
		{ rm -rf "$d"; rig_die "mke2fs -d failed for the fio image"; }
	rig_cpio "$d/seg" "$RIG_SEG_FIO"
	rm -rf "$d"
}

# rig_prune: entries are never rewritten, only added (a new kite binary is
# a new segment), so drop those unused for two days; entries in use are
# touched by rig_prepare.
rig_prune() {
	find "$RIG_CACHE" -maxdepth 1 -type f \( -name 'seg-*.cpio' -o -name 'l1-base-*.cpio' \
		-o -name 'l2-*.cpio' -o -name 'rigrun-*' -o -name '*.tmp.*' \) -mtime +1 -delete 2>/dev/null
}

# rig_prepare [qemu] [fio]: everything but the plan; "qemu" adds QEMU for
# L1, "fio" the fio image; test programs for L1 are in RIG_TEST_PROGS. The kite under test is $KITE (default: ./kite
# of this tree).
rig_prepare() {
	[ -n "${RIG_TMP:-}" ] || rig_tmp_init
	rig_need_tools
	rig_kernel
	rig_rigrun
	rig_l2_initrd
	rig_base_segment
	RIG_SEGS=("$RIG_SEG_BASE")
	KITE=${KITE:-$(cd "$RIG_SRC/../.." && pwd)/kite}
	if [ -x "$KITE" ]; then
		RIG_SEGS+=("$(rig_bin_segment kite "$KITE")") || rig_die "cannot pack $KITE for L1"
	else
		rig_say "no kite binary at $KITE (make, or set KITE): kite cases will fail"
	fi
	# passt for --net user (the net-user case), with its libraries.
	command -v passt >/dev/null && RIG_SEGS+=("$(rig_bin_segment passt "$(command -v passt)")")
	# virtiofsd for --share and kite sandbox (L1 links it where kite looks).
	[ -x /usr/lib/qemu/virtiofsd ] &&
		RIG_SEGS+=("$(rig_bin_segment virtiofsd /usr/lib/qemu/virtiofsd)")
	local want
	for want in "$@"; do
		case $want in
		qemu) rig_qemu_segment; RIG_SEGS+=("$RIG_SEG_QEMU") ;;
		fio) rig_fio_segment; RIG_SEGS+=("$RIG_SEG_FIO") ;;
		esac
	done
	if [ -n "${RIG_TEST_PROGS:-}" ]; then
		rig_tests_segment $RIG_TEST_PROGS
		RIG_SEGS+=("$RIG_SEG_TESTS")
	fi
	touch "${RIG_SEGS[@]}" "$RIG_L2_INITRD" "$RIG_RIGRUN"
	rig_prune
}

# L1 panics (and so ends at once) on a soft lockup: a CPU stuck in the
# kernel for a minute, as seen with the nested KVM under load, would else
# hold the whole run until its timeout since no signal reaches the VMM.
# rig_boot_l1 PLAN_TEXT TIMEOUT LOG [interactive|quiet]: boot L1 with
# the prepared segments plus a plan. Console in LOG and on our stdout
# (not with "quiet"); with "interactive" the terminal is L1's console
# (raw, Ctrl-C goes to the guest) and LOG gets a copy. Returns QEMU's
# status (124: timed out). The console goes to a log private to this run
# and only then replaces LOG (which lives in the shared cache), so rig
# runs that overlap never read each other's L1 console: read this run's
# in RIG_L1_LOG.
rig_boot_l1() {
	local plan=$1 secs=$2 shared_log=$3 mode=${4:-} d img rc
	local log=$RIG_TMP/l1-console.log
	RIG_L1_LOG=$log
	: >"$log"	# exists before anything (tail -f) reads it
	d=$RIG_TMP/plan
	rm -rf "$d" && mkdir -p "$d/rig/files"
	printf 'RIG_HOST_EPOCH=%s\n%s\n' "$(date +%s)" "$plan" >"$d/rig/plan"
	local f
	for f in ${KITE_RIG_FILES:-}; do
		cp "$f" "$d/rig/files/" || rig_die "KITE_RIG_FILES: cannot copy $f"
	done
	rig_cpio "$d" "$RIG_TMP/plan.cpio"
	img=$RIG_TMP/l1-initrd.img
	cat "${RIG_SEGS[@]}" "$RIG_TMP/plan.cpio" >"$img"
	set -- -M q35 -accel tcg -cpu max -m "$RIG_L1_MEM" -smp "$RIG_L1_CPUS" \
		-nodefaults -no-user-config -display none \
		-kernel "$RIG_VMLINUZ" -initrd "$img" \
		-append "console=ttyS0 panic=-1 quiet softlockup_panic=1 watchdog_thresh=30 sysctl.kernel.panic_on_rcu_stall=1" \
		-no-reboot
	if [ "$mode" = interactive ]; then
		# Foreground: QEMU must own the terminal to read it.
		timeout --foreground -k 5 "$secs" qemu-system-x86_64 "$@" \
			-chardev "stdio,id=con,signal=off,logfile=$log" -serial chardev:con
		rc=$?
	else
		# In the background so a signal to us runs the trap at once
		# (the trap stops QEMU); tail shows the console as it comes.
		timeout -k 5 "$secs" qemu-system-x86_64 "$@" -serial stdio </dev/null \
			>"$log" 2>&1 &
		RIG_QEMU_PID=$!
		if [ "$mode" != quiet ]; then
			tail -n +1 -f --pid="$RIG_QEMU_PID" "$log" &
			RIG_TAIL_PID=$!
		fi
		local stalled=0
		rig_watch_stall "$RIG_QEMU_PID" "$log" "${RIG_STALL_SECS:-0}" || stalled=1
		wait "$RIG_QEMU_PID"
		rc=$?
		[ $stalled = 1 ] && rc=124	# stopped for silence: a timeout
		RIG_QEMU_PID=
		[ -n "${RIG_TAIL_PID:-}" ] && wait "$RIG_TAIL_PID"
		RIG_TAIL_PID=
	fi
	rm -f "$img"
	cp "$log" "$shared_log.$$" && mv -f "$shared_log.$$" "$shared_log"
	return $rc
}

# rig_watch_stall PID LOG SECS: stop L1 (PID, its timeout(1) wrapper,
# which passes the signal on) once its console LOG has had no line from
# the rig's own scripts for SECS (0: never). The emulated L1 has been seen
# to freeze outright (no output, not even its own soft-lockup panic), and
# (CI, stop 19) to stall while its kernel went on printing stall reports
# for 40 minutes: L1's kernel messages ("[ 12.345] ...") are no sign of
# progress. Without this a frozen L1 holds the run until its whole timeout.
rig_watch_stall() {
	local pid=$1 log=$2 secs=$3 size last=-1 idle=0
	[ "$secs" -gt 0 ] || return 0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 5
		size=$(grep -a -c -v -E '^\[ *[0-9]+\.[0-9]+\]' "$log" 2>/dev/null)
		if [ "${size:-0}" != "$last" ]; then
			last=${size:-0} idle=0
		else
			idle=$((idle + 5))
		fi
		if [ $idle -ge "$secs" ]; then
			echo "rig: L1 console silent for ${secs}s: stopping it"
			kill -TERM "$pid" 2>/dev/null
			sleep 5	# then for certain: QEMU itself, and its wrapper
			pkill -KILL -P "$pid" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
			return 1
		fi
	done
}

# rig_plan_quote ARG...: shell words for the plan (busybox sh reads them).
rig_plan_quote() {
	local a out=
	for a in "$@"; do
		out="$out '${a//\'/\'\\\'\'}'"
	done
	printf '%s' "${out# }"
}

# ---- for the benches that read figures off L1's console ----------------
# rig_field LINE NAME: the value of the first NAME=... in LINE
rig_field() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n1
}
# rig_median N...: the median (empty if none)
rig_median() {
	[ $# = 0 ] && return
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# rig_sbx_bench_prepare NAME KERNEL TOOL...: what bench-virtiofs and
# bench-net do before their L1 boots: the TOOLs and kite-probe must be
# there (else exit 1 saying which is not); KERNEL debian (L2's) or mini
# (guest/linux, packed for L1); the rig with QEMU and kite-probe. Sets
# kname (the kernel, for a title) and log (the L1 console's file).
rig_sbx_bench_prepare() {
	local name=$1 kern=$2 t k probe
	probe=$(cd "$RIG_SRC/../.." && pwd)/${O:-build}/guest/init/kite-probe
	shift 2
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "$name: needs $t (make deps)"; exit 1; }
	done
	[ -x "$probe" ] || { echo "$name: no $probe (make)"; exit 1; }
	case $kern in
	debian) kname="Debian's cloud kernel, virtio-pci" ;;
	mini)
		k=$("$RIG_SRC/../../guest/linux/build.sh") ||
			{ echo "$name: the mini kernel failed to build"; exit 1; }
		KITE_RIG_FILES="${KITE_RIG_FILES:-} $(awk '$1 == "bzImage" { print $2 }' <<<"$k")"
		kname="the mini kernel, QEMU on virtio-mmio" ;;
	*) echo "$name: KITE_BENCH_KERNEL must be debian or mini"; exit 1 ;;
	esac
	rig_tmp_init
	trap rig_cleanup EXIT
	rig_prepare qemu
	KITE_RIG_FILES="${KITE_RIG_FILES:-} $probe"
	log=$RIG_CACHE/last-bench.log
}

# rig_ratio A B: A / B to two places, or n/a when either is missing or 0.
rig_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a && b) printf "%.2f", a / b; else print "n/a" }'; }

# rig_sbx_median FILE WHO KEY EXPR: the median, over WHO's "RIG-SBX WHO KEY"
# lines in FILE that ended with status 0, of EXPR: a field, or "A / B * C"
# of fields and numbers, left to right (integers stay integers)
rig_sbx_median() {
	local v=() line x
	while read -r line; do
		[ "$(rig_field "$line" status)" = 0 ] || continue
		x=$(tr ' ' '\n' <<<"$line" | awk -F= -v e="$4" '
			NF == 2 && !($1 in f) { f[$1] = $2 }
			END {
				n = split(e, t, " ")
				# e is "A / B * C": fields or numbers
				v = (t[1] in f) ? f[t[1]] : t[1]
				for (i = 2; i < n; i += 2) {
					w = (t[i + 1] in f) ? f[t[i + 1]] : t[i + 1]
					if (w == "") { print ""; exit }
					if (t[i] == "/") v = (w ? v / w : "")
					else if (t[i] == "*") v = v * w
					else if (t[i] == "+") v = v + w
					else if (t[i] == "-") v = v - w
				}
				if (v == "") exit
				if (v == int(v)) print v; else printf "%.1f\n", v
			}')
		[ -n "$x" ] && v+=("$x")
	done < <(grep "^RIG-SBX $2 $3 " "$1")
	rig_median "${v[@]}"
}
# rig_sbx_fails FILE WHO: " RUN:STATUS" for each of WHO's "RIG-SBX" lines
# in FILE (rig_sandbox_bench, rig_fs_bench) that did not end with status 0
rig_sbx_fails() {
	local line st
	grep "^RIG-SBX $2 " "$1" | while read -r line; do
		st=$(rig_field "$line" status)
		[ "$st" = 0 ] || printf ' %s:%s' "$(cut -d' ' -f3 <<<"$line")" "${st:-none}"
	done
}
