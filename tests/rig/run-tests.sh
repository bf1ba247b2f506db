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
#   blk-durable-raw|fs-ENGINE-CACHE  (kite only) SIGKILL while the guest
#            writes numbered records with O_DIRECT + fsync (raw) or as
#            ext2 files + sync (fs): every record it reported is in the
#            image. `durable`: all four raw configurations and two fs
#            ones; `all` has raw-aio-none and fs-uring-writeback
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
#   sandbox-status  kite sandbox (mini kernel): exit 0, 1, 7, 126, 127, 137, 125 (panic)
#   sandbox-stdio   kite sandbox: 16 MiB each on stdout, stderr, stdin, byte-exact
#   sandbox-sigterm kite's SIGTERM reaches the command (it exits 42 on it)
#   sandbox-files   kite sandbox sees L1's files: the cwd read-write (the
#            write is on L1 after), / read-only under an overlay (a write to
#            /var stays in the guest), --ro and --share DIR,ro refuse writes,
#            --user 1000:1001 runs as that user and its file is its own on L1;
#            a share of 10,000 files listed, a shared file mmap'ed and written
#   sandbox-debian  kite sandbox on Debian's cloud kernel, its virtio,
#            virtiofs and overlay modules packed from /rig/l2/modules:
#            exit 0, 7, 127, a cwd write on L1, an /etc write not; with an
#            empty modules tree exit 125 with the reason; sandbox-files'
#            10,000 files and mmap, sandbox-net's forwarded port
#   sandbox-tty     kite on a terminal: the command's fd 0-2 are a tty of
#            its size, and a resize of kite's reaches it (SIGWINCH)
#   sandbox-parallel  two sandboxes at once, each with its own cwd, file
#            and exit status
#   sandbox-unpriv  kite sandbox as uid 1000 (virtiofsd in a user
#            namespace, passt as that user): cwd write, passt transfer
#   sandbox-fskill  a --share's virtiofsd SIGKILLed under the command's
#            writes: the command gets EIO (no hang), kite warns once and
#            exits with the command's status
#   net-tap  the mini kernel on a tap in L1 (static 10.9.0.2) moves 64 MiB each
#            way with an nc server in L1, checksums compared; a second NIC
#            on tap1 (eth1, its own MAC) fetches 0.6 MB
#   net-user  the same through passt, the guest's address by DHCP, its
#            MTU (65520) from the device, L1's server by name (kite-rig.test,
#            resolved through passt by a DNS server in L1)
#   net-tap-debian, net-user-debian  the same two on Debian's kernel
#            (virtio_net a module its init loads)
#   net-reload  Debian's kernel on passt: rmmod + insmod virtio_net while
#            a server in L1 sends, then 64 MiB from another port intact
#   fs-share  kite run --share (Debian's kernel, fuse and virtiofs
#            modules): a rw and a ro share mounted, read, written (mode
#            kept), the ro one refused; both devices unbound under a
#            writer and bound again, the file intact. fs-share-mmio: the
#            same on the mini kernel over virtio-mmio
#   sandbox-net  kite sandbox --net user fetches 3.4 MB from an nc server
#            in L1 at kite-rig.test (10.0.2.2) and finds resolv.conf;
#            then L1 reaches a server in the guest by a forwarded port
#   blk-*-mmio  the blk cases on virtio-mmio (--transport mmio) with the
#            mini kernel (virtio_blk built in: blk-reload binds the driver
#            again instead of insmod; blk-mq cannot count interrupts per
#            queue, mmio has one per device)
#
# Test programs: an argument that is a path (it has a slash) names a test
# program built on the host (tests/kvm/test-*) that runs in the same L1,
# before the cases, because L1 has the /dev/kvm this host may lack
# (tests/run-tests.sh sends them here then). Its output and exit status go
# to $KITE_RIG_PROG_OUT/NAME.log and NAME.rc for the caller to count as
# it counts programs run on the host; the rig's own summary counts cases
# only. Each program is bounded by KITE_RIG_PROG_TIMEOUT (300 s).
#
# Each case is bounded (KITE_RIG_CASE_TIMEOUT, default 90 s) and must leave
# no process behind. Arguments select cases by name (`all`: every case);
# KITE_RIG_VERBOSE=1
# boots the guest without `quiet` and shows each failing case's whole log. Prints one line per
# case and "rig: N passed, N failed"; exits 77 (skip) only without
# qemu-system-x86_64. The L1 console log is kept in $RIG_CACHE/last-tests.log.
set -u
. "$(dirname "$0")/lib.sh"

inner=${KITE_RIG_INNER:-kite}
secs=${KITE_RIG_CASE_TIMEOUT:-90}
all_cases="boot-1cpu-256M boot-2cpu-256M boot-2cpu-5G reboot panic
	blk-rw blk-readback blk-ro blk-reload blk-mq"
[ "$inner" = kite ] && all_cases+=" winch sandbox-status sandbox-stdio sandbox-sigterm sandbox-files sandbox-tty sandbox-parallel sandbox-debian sandbox-fskill sandbox-unpriv sandbox-net net-tap net-user net-tap-debian net-user-debian net-reload fs-share fs-share-mmio"
# The mini kernel's cases (guest/linux; QEMU microvm has no PCI it finds).
mini_cases="mmio-boot pci-boot pci-intx pvh-vmlinux"
[ "$inner" = qemu ] && mini_cases="mmio-boot pvh-vmlinux"
all_cases+=" $mini_cases blk-rw-mmio blk-readback-mmio blk-ro-mmio blk-reload-mmio blk-mq-mmio"
# Records acknowledged before kite is SIGKILLed are in the image: each
# case is KITE_RIG_DURABLE_KILLS (3) kills; `durable` is every engine and
# cache mode with O_DIRECT + fsync, and two runs through ext2 and sync.
durable_cases="blk-durable-raw-aio-none blk-durable-raw-aio-writeback
	blk-durable-raw-uring-none blk-durable-raw-uring-writeback
	blk-durable-fs-aio-none blk-durable-fs-uring-writeback"
durable_kills=${KITE_RIG_DURABLE_KILLS:-3}
[ "$inner" = kite ] && all_cases+=" blk-durable-raw-aio-none blk-durable-fs-uring-writeback"
progs= cases= sbx= extra_secs=0
for a in "${@:-all}"; do
	case $a in
	*/*) [ -x "$a" ] || { echo "rig: no test program $a"; exit 2; }
	     progs+=" $a" ;;
	all) cases+=" $all_cases" ;;
	durable) cases+=" $durable_cases" ;;
	*) cases+=" $a" ;;
	esac
done
prog_secs=${KITE_RIG_PROG_TIMEOUT:-300}
# The programs get an L1 of their own with one CPU. With two, that L1 has
# frozen outright (no console, no heartbeat, no soft-lockup panic) in 2
# of 5 runs of test-guests, which creates and tears down VMs back to back:
# the same unanswered cross-CPU IPI to a CPU inside L2 under TCG's SVM as
# khugepaged's (README.md). With one CPU there is no IPI to lose.
if [ -n "$progs" ] && [ -n "$cases" ]; then
	"$0" $progs | grep -v -E '^rig: [0-9]+ passed, [0-9]+ failed'
	progs_rc=${PIPESTATUS[0]}
	progs=
elif [ -n "$progs" ]; then
	RIG_L1_CPUS=${KITE_RIG_L1_CPUS:-1}
fi
prog_out=${KITE_RIG_PROG_OUT:-$RIG_CACHE/last-progs}
mkdir -p "$prog_out"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "SKIP: no qemu-system-x86_64 for the nested rig (make deps)"
	exit 77
fi

plan="RIG_INNER=$inner"
mini=
# The guest kernel boots quiet (its console costs seconds here); for
# debugging a failing case, KITE_RIG_VERBOSE=1 shows its whole log.
[ "${KITE_RIG_VERBOSE:-0}" = 1 ] && plan+=$'\n''L2_CMDLINE=$L2_CMDLINE_VERBOSE'
for p in $progs; do
	plan+=$'\n'"rig_prog ${p##*/} $prog_secs"
done
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
	sandbox-status|sandbox-stdio|sandbox-sigterm|sandbox-files|sandbox-tty|sandbox-parallel|sandbox-net|sandbox-debian|sandbox-fskill|sandbox-unpriv)
		[ "$inner" = kite ] || { echo "rig: $c is kite's"; exit 2; }
		plan+=$'\n'"rig_case_${c//-/_} $c $secs"; mini=1 sbx=1 ;;
	blk-durable-raw-*-* | blk-durable-fs-*-*)
		[ "$inner" = kite ] || { echo "rig: $c is a kite case"; exit 2; }
		d=${c#blk-durable-}
		plan+=$'\n'"rig_case_blk_durable $c $secs ${d%%-*} $(echo ${d#*-} | tr - ' ') $durable_kills"
		extra_secs=$((extra_secs + durable_kills * 20)) ;;
	net-tap|net-user)
		[ "$inner" = kite ] || { echo "rig: $c is a kite case"; exit 2; }
		plan+=$'\n'"rig_case_net $c $secs ${c#net-}"; mini=1 sbx=1 ;;
	net-tap-debian|net-user-debian)
		[ "$inner" = kite ] || { echo "rig: $c is a kite case"; exit 2; }
		c0=${c%-debian}
		plan+=$'\n'"rig_case_net $c $secs ${c0#net-} debian"; sbx=1 ;;
	net-reload)
		[ "$inner" = kite ] || { echo "rig: $c is a kite case"; exit 2; }
		plan+=$'\n'"rig_case_net_reload $c $secs" ;;
	fs-share)
		[ "$inner" = kite ] || { echo "rig: $c is a kite case"; exit 2; }
		plan+=$'\n'"rig_case_fs_share $c $secs" ;;
	fs-share-mmio)
		[ "$inner" = kite ] || { echo "rig: $c is a kite case"; exit 2; }
		plan+=$'\n'"rig_mmio rig_case_fs_share $c $secs"; mini=1 ;;
	*)
		echo "rig: unknown case '$c' (cases: $all_cases)"; exit 2 ;;
	esac
done
ncases=$(wc -w <<<"$cases")
nprogs=$(wc -w <<<"$progs")

# A rig that cannot be built (no network for the kernel, say) fails
# every case, with the reason, and still gives the summary line.
rig_die() {
	echo "rig: error: $*"
	for c in $cases $progs; do echo "  FAIL  $c: the rig could not be built"; done
	for p in $progs; do
		echo "rig: error: $*" >"$prog_out/${p##*/}.log"; echo 1 >"$prog_out/${p##*/}.rc"
	done
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
# kite sandbox's test command (guest/init/probe.c, static), also the net
# cases' DNS server in L1.
[ -n "${sbx:-}" ] && KITE_RIG_FILES="${KITE_RIG_FILES:-} $(cd "$RIG_SRC/../.." && pwd)/${O:-build}/guest/init/kite-probe"
export RIG_TEST_PROGS=$progs
if [ "$inner" = qemu ]; then rig_prepare qemu; else rig_prepare; fi
echo "rig: inner VMM $inner${KITE:+ ($KITE)}, cases:$cases${progs:+, programs:$progs}"
log=$RIG_CACHE/last-tests.log
# Silent for longer than a case may take: L1 froze (see rig_watch_stall).
# A test program prints as each of its tests ends; its slowest test is
# bounded by its own Check timeout, well under a case's allowance.
RIG_STALL_SECS=${KITE_RIG_STALL:-$((secs * 2 + 60))} \
	rig_boot_l1 "$plan" $((ncases * (secs + 10) + nprogs * (prog_secs + 10) + extra_secs + 60)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" >"$RIG_TMP/console"

passed=0 failed=0 missing= timed_out= prog_failed=${progs_rc:-0}
# A program's console lines become its log; its status (a timeout or a
# process left behind fails it whatever it printed) its .rc, for the caller.
for p in $progs; do
	n=${p##*/}
	line=$(grep -m1 "^RIG-PROG $n " "$RIG_TMP/console")
	if [ -z "$line" ]; then
		echo "  FAIL  $n: no result from L1 (qemu exit $rc)"
		missing="$missing $p"
		continue
	fi
	st=$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$line")
	why=
	case $line in *timed_out=1*) why="$why timed out after ${prog_secs}s in L1" ;; esac
	case $line in *orphans=1*) why="$why left processes behind" ;; esac
	{ sed -n "s/^  prog:$n| //p" "$RIG_TMP/console"; [ -z "$why" ] || echo "rig:$why"; } \
		>"$prog_out/$n.log"
	{ [ -z "$why" ] && echo "${st:-1}"; } >"$prog_out/$n.rc" || echo 1 >"$prog_out/$n.rc"
	[ "$(cat "$prog_out/$n.rc")" = 0 ] || prog_failed=$((prog_failed + 1))
	echo "  PROG  $n: status ${st:--}${why:+,$why} ($(grep -E '^[^ ]+: [0-9]+ passed' "$prog_out/$n.log" | tail -n1))"
done
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
		case " $detail " in *" timed-out "* | *" l2-tcg-fault "*) timed_out="$timed_out $c" ;; esac
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
# "no result" failures. So do cases that timed out: under TCG's nested SVM
# an L2 has been seen to wait forever on an interrupt that L1 (healthy
# otherwise: every later case passed) never delivered, as in CI's stop 19
# (blk-reload) and with mmio-boot before L1's soft-lockup panic. So do
# cases whose L2 triple-faulted or took a double fault (rig_result's
# l2-tcg-fault): L1's KVM trace shows it dying while TCG delivers an
# ordinary interrupt, and a double fault was an interrupt delivered with
# interrupts off (tests/rig/README.md, 2026-12-07 and -08), as net-tap
# did in CI runs. A case
# that failed an assertion is never re-run, and a re-run case must pass
# in the fresh L1; the first failure stays in the output above.
# A fresh L1 can freeze too (two did in one CI run on 2026-12-07): up to
# KITE_RIG_RETRIES (2) fresh L1s in a row, each for what is still missing.
depth=${KITE_RIG_RETRY:-0}
if [ -n "$timed_out" ] && [ "$depth" -lt "${KITE_RIG_RETRIES:-2}" ]; then
	echo "rig: timed out or L2 hit a TCG fault:$timed_out; re-running in a fresh L1"
	missing="$timed_out$missing"
fi
if [ -n "$missing" ] && [ "$depth" -lt "${KITE_RIG_RETRIES:-2}" ] &&
	{ [ -n "$timed_out" ] || grep -q '^RIG-L1 ready' "$RIG_TMP/console"; }; then
	# Why it stopped (a panic, a soft lockup, silence) is at the end of its
	# console; the retry's L1 overwrites $log, so keep this one beside it.
	cp "$RIG_TMP/console" "$log.stopped"
	echo "rig: no verdict yet for:$missing; the end of L1's console ($log.stopped):"
	grep -v '^  [a-z0-9-]*| ' "$RIG_TMP/console" | tail -n 6 | sed 's/^/  l1| /'
	echo "rig: running them in a fresh L1"
	retry=$(KITE_RIG_RETRY=$((depth + 1)) "$0" $missing 2>&1)
	echo "$retry" | grep -v -E '^rig: [0-9]+ passed, [0-9]+ failed' | sed 's/^/  retry| /'
	sum=$(echo "$retry" | grep -E '^rig: [0-9]+ passed, [0-9]+ failed' | tail -n1)
	set -- $(tr ' ' '\n' <<<"$missing" | grep -v /)	# cases; programs left their files
	failed=$((failed - $#))
	if [ -n "$sum" ]; then
		passed=$((passed + $(sed -E 's/rig: ([0-9]+) passed.*/\1/' <<<"$sum")))
		failed=$((failed + $(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$sum")))
	else
		failed=$((failed + $#))
	fi
fi
echo "rig: $passed passed, $failed failed"
# The caller that asked for the programs' files counts them; run by hand,
# a failed program fails the run too.
[ $failed = 0 ] && { [ -n "${KITE_RIG_PROG_OUT:-}" ] || [ $prog_failed = 0 ]; }
