#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The nested rig by hand: boot L1 (Debian's cloud kernel, QEMU TCG with
# emulated SVM) and run a VMM inside it that boots L2 Linux. See README.md.
#
#   tests/rig/rig.sh build                 build/refresh the cache, print it
#   tests/rig/rig.sh run-kite [ARGS...]    run `kite ARGS` inside L1 (default
#                                          ARGS boot the rig's L2 to init)
#   tests/rig/rig.sh run-qemu [ARGS...]    the same with QEMU as the inner VMM
#   tests/rig/rig.sh tests                 the rig tests (= run-tests.sh)
#
# Inside L1: /rig/l2/bzImage (the L2 kernel), /rig/l2/initrd.cpio (its
# busybox initramfs, see l2-init.sh: rig.test=boot|reboot|panic|shell|script
# on the cmdline), files named in KITE_RIG_FILES in /rig/files/.
#
# Environment: KITE (kite binary, default ./kite), KITE_RIG_CACHE (cache
# dir), KITE_RIG_TIMEOUT (seconds for the inner VMM, default 120),
# KITE_RIG_FILES (extra host files), KITE_RIG_L1_MEM / KITE_RIG_L1_CPUS.
# The serial console of L1 (with the VMM's output) is shown as it comes and
# kept in $KITE_RIG_CACHE/last-run.log; with a terminal on stdin you can
# type into the guest (Ctrl-A x leaves kite).
set -u
. "$(dirname "$0")/lib.sh"

cmd=${1:-help}
[ $# -gt 0 ] && shift
case $cmd in
build)
	rig_prepare qemu
	printf 'rig: cache %s\n  kernel  %s (%s)\n  L2 initrd %s\n' "$RIG_CACHE" \
		"$RIG_VMLINUZ" "$RIG_KVER" "$RIG_L2_INITRD"
	printf '  segment %s\n' "${RIG_SEGS[@]}"
	;;
run-kite|run-qemu)
	inner=${cmd#run-}
	secs=${KITE_RIG_TIMEOUT:-120}
	tty=0 mode=
	[ -t 0 ] && [ -t 1 ] && tty=1 mode=interactive
	rig_tmp_init
	if [ $inner = qemu ]; then
		rig_prepare qemu
		argv=()
		[ $# -gt 0 ] && argv=(qemu-system-x86_64 "$@")
	else
		rig_prepare
		[ -x "$KITE" ] || rig_die "no kite binary at $KITE"
		argv=()
		[ $# -gt 0 ] && argv=(kite "$@")
	fi
	plan="RIG_INNER=$inner
rig_run $secs $tty $(rig_plan_quote "${argv[@]}")"
	rig_boot_l1 "$plan" $((secs + 120)) "$RIG_CACHE/last-run.log" $mode
	;;
tests)
	exec "$(dirname "$0")/run-tests.sh" "$@"
	;;
*)
	sed -n '3,24s/^# \{0,1\}//p' "$0"
	[ "$cmd" = help ] || exit 1
	;;
esac
