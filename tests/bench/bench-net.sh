#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# virtio-net speed (issue 13): TCP between the guest and L1, kite sandbox
# vs QEMU microvm with virtio-net on the same backend, kernel and
# initramfs, in one boot of the nested rig's L1, rounds interleaved
# (KITE_BENCH_RUNS, default 3). Backends: a tap (QEMU with vhost=off: kite
# has no vhost-net, so both VMMs move every frame themselves) and passt
# (QEMU through -netdev stream, passt started as kite starts it, its MTU
# given to the guest by both). The set-up is rig_net_bench in
# tests/rig/l1-init.sh; the guest runs kite-probe tcp-bench
# (guest/init/probe-tcp.c) against kite-probe tcp-serve in L1:
#
#   recv   KITE_BENCH_MIB MiB (default 32) from L1 to the guest
#   send   as many from the guest to L1 (counted and checked there)
#   rr     KITE_BENCH_RR (default 2000) one-byte round trips, TCP_NODELAY
#
# timed by the guest's clock. cpu_ms/MiB: the CPU time the VMM process
# spent of its own (user less guest time, plus system time; passt's and
# virtiofsd's are not in it) from the first connection to the end of the
# last, as tcp-serve counts it in L1, per MiB moved (both directions):
# the rr phase is in it too, the same for both VMMs.
# KITE_BENCH_KERNEL=debian (default): Debian's cloud kernel and its
# virtio_net module, both VMMs on virtio-pci; mini: the mini kernel (QEMU
# on virtio-mmio, the only transport microvm gives it).
# Goal: kite >= 1.0x QEMU on every figure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/lib.sh"

runs=${KITE_BENCH_RUNS:-3}
mib=${KITE_BENCH_MIB:-32}
rr=${KITE_BENCH_RR:-2000}
kern=${KITE_BENCH_KERNEL:-debian}
rig_sbx_bench_prepare bench-net "$kern" qemu-system-x86_64 passt /usr/lib/qemu/virtiofsd
rig_boot_l1 "rig_net_bench $runs $mib $rr $kern" $((runs * 4 * (60 + mib * 4) + 120)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" | grep '^RIG-SBX ' >"$RIG_TMP/sbx"

grep '^RIG-SBX error' "$RIG_TMP/sbx"
echo "virtio-net in the rig's L1, kite sandbox vs QEMU microvm ($kname; 1 vCPU, 512 MiB;" \
	"$mib MiB each way, $rr round trips); medians of $runs runs"
bad=0
for net in tap user; do
	declare -A rx=() tx=() rt=() cpu=()
	[ $net = tap ] && echo "  tap (QEMU: vhost=off)" || echo "  passt (QEMU: -netdev stream)"
	printf '    %-5s %12s %12s %9s %11s\n' vmm recv_MiB/s send_MiB/s rr_us cpu_ms/MiB
	for v in kite qemu; do
		rx[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v $net "recv_n / recv_us * 1000000 / 1048576")
		tx[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v $net "send_n / send_us * 1000000 / 1048576")
		rt[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v $net "rr_us / rr_n")
		cpu[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v $net "cpu_ms / $((2 * mib))")
		if [ -z "${rx[$v]}" ] || [ -z "${tx[$v]}" ] || [ -z "${rt[$v]}" ]; then
			printf '    %-5s failed:%s%s\n' $v "$(rig_sbx_fails "$RIG_TMP/sbx" $v)" \
				"$([ $rc != 0 ] && echo " (L1 exit $rc)")"
			bad=1
			continue
		fi
		printf '    %-5s %12s %12s %9s %11s%s\n' $v "${rx[$v]}" "${tx[$v]}" "${rt[$v]}" "${cpu[$v]}" \
			"$(f=$(rig_sbx_fails "$RIG_TMP/sbx" $v); [ -n "$f" ] && echo " (failed:$f)")"
	done
	if [ -n "${rx[kite]}" ] && [ -n "${rx[qemu]}" ]; then
		echo "    kite vs qemu (> 1: kite better): recv $(rig_ratio "${rx[kite]}" "${rx[qemu]}")," \
			"send $(rig_ratio "${tx[kite]}" "${tx[qemu]}"), rr $(rig_ratio "${rt[qemu]}" "${rt[kite]}")," \
			"cpu/MiB $(rig_ratio "${cpu[qemu]}" "${cpu[kite]}") (goal: >= 1)"
	fi
done
echo "  (cpu: the VMM process's own CPU, user - guest + system, over the three transfers," \
	"per MiB moved)"
echo "  log: $log"
exit $bad
