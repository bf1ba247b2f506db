#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: boot a Linux guest with kite to an interactive busybox shell.
#
# Installs what it needs (scripts/deps.sh), fetches Debian's cloud kernel
# and builds a busybox initramfs for it (cached, see lib.sh), then:
#   - with hardware virtualization (vmx/svm) and /dev/kvm: kite runs here;
#   - otherwise (no /dev/kvm at all, or a software KVM such as PVM)
#     inside the nested rig: QEMU (TCG, emulated SVM) boots L1,
#     whose console is your terminal, and kite runs there in the
#     foreground, so what you type goes to the guest's shell.
# Leave the guest's shell with `exit` (the guest reboots, kite exits 0),
# or stop kite with Ctrl-A x. Without a terminal on stdin the guest runs a
# fixed set of commands (uname, nproc, free, date) and stops by itself.
# Bounded by KITE_DEMO_TIMEOUT seconds (default 3600 with a terminal, 300
# without). Exits with kite's status. KITE_RIG_INNER=qemu shows the same
# path with QEMU in place of kite (rig development).
set -u
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../scripts/deps.sh" || { echo "demo: installing dependencies failed" >&2; exit 1; }
. "$here/lib.sh"

KITE=${KITE:-$(cd "$here/../.." && pwd)/kite}
[ -x "$KITE" ] || rig_die "no kite binary at $KITE (run make)"
tty=0
[ -t 0 ] && [ -t 1 ] && tty=1
test=script secs=${KITE_DEMO_TIMEOUT:-300}
[ $tty = 1 ] && test=shell secs=${KITE_DEMO_TIMEOUT:-3600}

if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	rig_tmp_init
	rig_need_tools
	rig_kernel
	rig_l2_initrd
	echo "demo: booting $RIG_KVER with kite on /dev/kvm"
	set -- "$KITE" run --kernel "$RIG_VMLINUZ" --initrd "$RIG_L2_INITRD" --cpus 2 --mem 1G \
		--cmdline "console=ttyS0 reboot=k panic=-1 quiet rig.test=$test"
	if [ $tty = 1 ]; then
		timeout --foreground -k 5 "$secs" "$@"
	else
		timeout -k 5 "$secs" "$@" </dev/null
	fi
	rc=$?
	echo "demo: kite exited with status $rc"
	exit $rc
fi

if [ -c /dev/kvm ]; then
	echo "demo: /dev/kvm here has no hardware virtualization (a software KVM such as PVM):" \
		"kite runs inside the nested rig (QEMU TCG, emulated SVM)"
else
	echo "demo: no /dev/kvm here: kite runs inside the nested rig (QEMU TCG, emulated SVM)"
fi
inner=${KITE_RIG_INNER:-kite}
rig_tmp_init
if [ "$inner" = qemu ]; then rig_prepare qemu; else rig_prepare; fi
log=$RIG_CACHE/last-demo.log
mode=interactive
[ $tty = 1 ] || mode=
rig_boot_l1 "RIG_INNER=$inner
rig_demo $secs $tty" $((secs + 60)) "$log" $mode
rc=$?
[ $rc = 0 ] || rig_die "L1 (qemu) ended with status $rc; console log in $log"
st=$(tr -d '\r' <"$RIG_L1_LOG" | sed -n 's/^RIGRUN status=\([0-9]*\).*/\1/p' | tail -n1)
echo "demo: $inner exited with status ${st:-unknown}"
[ "$st" = 0 ]
