#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The rig tests (part of `make check`): in one boot of L1, the inner VMM
# ($KITE, or QEMU with KITE_RIG_INNER=qemu) boots the L2 Linux guest:
#
#   boot-1cpu-256M  boot-2cpu-256M  boot-2cpu-5G
#       L2 reaches its init, sees the right CPU count, MemTotal (95% of
#       the RAM less 48 MiB .. all of it) and wall-clock date (within L1's clock around the
#       run), has kite as its DMI vendor (SMBIOS; with kite only), loads its
#       virtio modules, then stops with `reboot -f` under
#       reboot=k (the guest's power-off: an i8042 reset) and the VMM exits 0
#   reboot   the guest's init system runs `reboot` with the kernel's default
#            reboot method (no reboot=k): the VMM exits 0
#   panic    the guest kernel panics (sysrq c) with panic=-1: the VMM exits 0
#   blk-rw   virtio-blk, cache=none: vda has the image's size; the guest
#            mkfs, mounts, writes a file, syncs, resets; L1 finds the file
#            in the image (loop mount) and adds one of its own
#   blk-readback  a second boot (cache=writeback, sync engine) reads both
#            files back and writes a third that L1 then finds
#   blk-ro   a ,ro disk: ro=1 in the guest, its writes fail, the image is
#            unchanged
#   blk-reload  device reset under I/O (io_uring engine): the guest unbinds
#            virtio_blk while dd writes with O_DIRECT, then rmmod + insmod;
#            every block dd saw complete is intact in the guest and image
#   blk-mq   --cpus 2: two queues, a writer pinned to each CPU, both used,
#            both regions intact
#
# The blk cases' images live on ext2 on a RAM disk in L1 (see l1-init.sh).
#   mmio-boot, pci-boot  the mini kernel (guest/linux/build.sh, cached) on
#            2 vCPUs with a disk and an rng on that virtio transport: the
#            guest finds both devices there, reads random bytes, reads the
#            disk's first line (random) and size, writes a line that the
#            image holds after the VMM exits 0 (not pci-boot with QEMU)
#   pci-intx  pci-boot with pci=nomsi: both devices interrupt through
#            INTA# on IOAPIC pins the MP table names (no ACPI in this kernel)
#   pvh-vmlinux  the mini kernel's vmlinux boots through PVH to init
#   blk-*-mmio  the blk cases on virtio-mmio (--transport mmio) with the
#            mini kernel (virtio_blk built in: blk-reload binds the driver
#            again instead of insmod; blk-mq cannot count interrupts per
#            queue, mmio has one per device)
#
# Each case is bounded (KITE_RIG_CASE_TIMEOUT, default 90 s) and must leave
# no process behind. Arguments select cases by name; KITE_RIG_VERBOSE=1
# boots the guest without `quiet` and shows each failing case's whole log. Prints one line per
# case and "rig: N passed, N failed"; exits 77 (skip) only without
# qemu-system-x86_64. The L1 console log is kept in $RIG_CACHE/last-tests.log.
set -u
. "$(dirname "$0")/lib.sh"

inner=${KITE_RIG_INNER:-kite}
secs=${KITE_RIG_CASE_TIMEOUT:-90}
all_cases="boot-1cpu-256M boot-2cpu-256M boot-2cpu-5G reboot panic
	blk-rw blk-readback blk-ro blk-reload blk-mq"
[ "$inner" = kite ] && all_cases+=" winch"
# The mini kernel's cases (guest/linux; QEMU microvm has no PCI it finds).
mini_cases="mmio-boot pci-boot pci-intx pvh-vmlinux"
[ "$inner" = qemu ] && mini_cases="mmio-boot pvh-vmlinux"
all_cases+=" $mini_cases blk-rw-mmio blk-readback-mmio blk-ro-mmio blk-reload-mmio blk-mq-mmio"
cases=${*:-$all_cases}

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "SKIP: no qemu-system-x86_64 for the nested rig (make deps)"
	exit 77
fi

plan="RIG_INNER=$inner"
mini=
# The guest kernel boots quiet (its console costs seconds here); for
# debugging a failing case, KITE_RIG_VERBOSE=1 shows its whole log.
[ "${KITE_RIG_VERBOSE:-0}" = 1 ] && plan+=$'\n''L2_CMDLINE=$L2_CMDLINE_VERBOSE'
for c in $cases; do
	case $c in
	boot-*cpu-*)
		n=${c#boot-}; n=${n%%cpu-*}; m=${c##*-}
		plan+=$'\n'"rig_case_boot $c $secs $n $m" ;;
	reboot|panic|blk-rw|blk-readback|blk-ro|blk-reload|blk-mq|winch)
		plan+=$'\n'"rig_case_${c//-/_} $c $secs" ;;
	pci-boot|mmio-boot)
		[ "$c" = pci-boot ] && [ "$inner" = qemu ] &&
			{ echo "rig: pci-boot needs kite (QEMU microvm has no PCI the mini kernel finds)"; exit 2; }
		plan+=$'\n'"rig_case_mini_devs $c $secs ${c%-boot} 2"; mini=1 ;;
	blk-*-mmio)
		c0=${c%-mmio}
		plan+=$'\n'"rig_mmio rig_case_${c0//-/_} $c $secs"; mini=1 ;;
	pci-intx)
		plan+=$'\n'"rig_case_mini_devs $c $secs pci 2 intx"; mini=1 ;;
	pvh-vmlinux)
		plan+=$'\n'"rig_case_mini_pvh $c $secs"; mini=1 ;;
	*)
		echo "rig: unknown case '$c' (cases: $all_cases)"; exit 2 ;;
	esac
done
ncases=$(wc -w <<<"$cases")

# A rig that cannot be built (no network for the kernel, say) fails
# every case, with the reason, and still gives the summary line.
rig_die() {
	echo "rig: error: $*"
	for c in $cases; do echo "  FAIL  $c: the rig could not be built"; done
	echo "rig: 0 passed, $ncases failed"
	exit 1
}

rig_tmp_init
start=$SECONDS
# The mini kernel is built once (minutes) and then comes from its cache;
# if it cannot be built, its cases fail in L1 for want of the files.
if [ -n "$mini" ]; then
	if k=$("$RIG_SRC/../../guest/linux/build.sh"); then
		KITE_RIG_FILES="${KITE_RIG_FILES:-} $(awk '$1 == "bzImage" || $1 == "vmlinux" { print $2 }' <<<"$k" | tr '\n' ' ')"
	else
		echo "rig: the mini kernel (guest/linux/build.sh) failed to build"
	fi
fi
if [ "$inner" = qemu ]; then rig_prepare qemu; else rig_prepare; fi
echo "rig: inner VMM $inner${KITE:+ ($KITE)}, cases: $cases"
log=$RIG_CACHE/last-tests.log
# Silent for longer than a case may take: L1 froze (see rig_watch_stall).
RIG_STALL_SECS=${KITE_RIG_STALL:-$((secs * 2 + 60))} \
	rig_boot_l1 "$plan" $((ncases * (secs + 10) + 60)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" >"$RIG_TMP/console"

passed=0 failed=0 missing=
for c in $cases; do
	line=$(grep -m1 "^RIG-RESULT $c " "$RIG_TMP/console")
	if [ -z "$line" ]; then
		echo "  FAIL  $c: no result from L1 (qemu exit $rc)"
		failed=$((failed + 1))
		missing="$missing $c"
		continue
	fi
	read -r _ _ verdict detail <<<"$line"
	if [ "$verdict" = PASS ]; then
		passed=$((passed + 1))
		echo "  PASS  $c: $detail"
	else
		failed=$((failed + 1))
		echo "  FAIL  $c: $detail"
		# The case's own console (VMM and guest output), for the reason.
		if [ "${KITE_RIG_VERBOSE:-0}" = 1 ]; then
			grep "^  $c| " "$RIG_TMP/console"
		else
			grep "^  $c| " "$RIG_TMP/console" | tail -n 15
		fi
	fi
done
if [ $failed != 0 ] && ! grep -q '^RIG-L1 ready' "$RIG_TMP/console"; then
	echo "rig: L1 never got ready; its console:"
	tail -n 30 "$RIG_TMP/console"
fi
echo "rig: L1 $(sed -n 's/^RIG-L1 ready /ready at /p' "$RIG_TMP/console")s of its uptime;" \
	"whole run $((SECONDS - start)) s; log $log"
# Cases an L1 that stopped early never ran get one more chance in a fresh
# L1 (the emulated L1 itself sometimes freezes); their verdicts replace the
# "no result" failures. A case that ran and failed is never re-run.
if [ -n "$missing" ] && [ "${KITE_RIG_RETRY:-0}" != 1 ] && grep -q '^RIG-L1 ready' "$RIG_TMP/console"; then
	# Why it stopped (a panic, a soft lockup, silence) is at the end of its
	# console; the retry's L1 overwrites $log, so keep this one beside it.
	cp "$RIG_TMP/console" "$log.stopped"
	echo "rig: L1 stopped before:$missing; the end of its console ($log.stopped):"
	grep -v '^  [a-z0-9-]*| ' "$RIG_TMP/console" | tail -n 6 | sed 's/^/  l1| /'
	echo "rig: running them in a fresh L1"
	retry=$(KITE_RIG_RETRY=1 "$0" $missing 2>&1)
	echo "$retry" | grep -v -E '^rig: [0-9]+ passed, [0-9]+ failed' | sed 's/^/  retry| /'
	sum=$(echo "$retry" | grep -E '^rig: [0-9]+ passed, [0-9]+ failed' | tail -n1)
	set -- $missing
	failed=$((failed - $#))
	if [ -n "$sum" ]; then
		passed=$((passed + $(sed -E 's/rig: ([0-9]+) passed.*/\1/' <<<"$sum")))
		failed=$((failed + $(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$sum")))
	else
		failed=$((failed + $#))
	fi
fi
echo "rig: $passed passed, $failed failed"
[ $failed = 0 ]
