#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Time to the command in a sandbox (issue 14): `kite sandbox -- echo ready`
# and `kite sandbox -- true` vs QEMU microvm booting the same sandbox, in
# one boot of the nested rig's L1 (tests/rig), rounds interleaved
# (KITE_BENCH_RUNS, default 5). Same mini kernel, the same initramfs (kite
# sandbox --save-initramfs: kite-init and its instructions), the same
# virtiofsd sharing L1's / with kite's options, 1 vCPU, 512 MiB of memfd
# RAM, the four ports (QEMU: virtserialports on virtio-mmio); the set-up
# is rig_sandbox_bench in tests/rig/l1-init.sh.
#
#   to_cmd_ms  exec of the VMM to the command's first byte on stdout (echo)
#   total_ms   exec to exit of `true`, the daemon reaped
#   own_ms     user time less guest time (KVM's guest accounting), over
#              the whole `true` run: the VMM's and virtiofsd's own work
#   sys_ms     kernel time of the VMM and virtiofsd (exits, syscalls)
#   maxrss     peak RSS of the largest process (the VMM)
#   overhead   peak RSS less the guest RAM the guest touched: kite's from
#              KITE_STATS (mincore of its RAM); QEMU's as its peak RSS less
#              kite's figure for the guest RAM (same kernel, init, command)
#
# kite's phases (KITE_STATS): set-up (exec to the first KVM_RUN), kernel
# (first KVM_RUN to the guest's init opening its first port), init (to
# the command's first byte: shares mounted, overlay, fork and exec).
# Anchor: Firecracker's 125 ms to /sbin/init on hardware; goals here:
# kite < 0.8x QEMU, and kite's set-up < 5 % of the time to the command.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/lib.sh"

runs=${KITE_BENCH_RUNS:-5}
if ! command -v qemu-system-x86_64 >/dev/null 2>&1 || [ ! -x /usr/lib/qemu/virtiofsd ]; then
	echo "bench-sandbox: needs qemu-system-x86_64 and /usr/lib/qemu/virtiofsd (make deps)"
	exit 1
fi
k=$("$here/../../guest/linux/build.sh") || { echo "bench-sandbox: the mini kernel failed to build"; exit 1; }
rig_tmp_init
trap rig_cleanup EXIT
rig_prepare qemu
KITE_RIG_FILES="${KITE_RIG_FILES:-} $(awk '$1 == "bzImage" { print $2 }' <<<"$k")"
log=$RIG_CACHE/last-bench.log
rig_boot_l1 "rig_sandbox_bench $runs" $((runs * 4 * 70 + 120)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" | grep '^RIG-SBX ' >"$RIG_TMP/sbx"

grep -q '^RIG-SBX error' "$RIG_TMP/sbx" && grep '^RIG-SBX error' "$RIG_TMP/sbx"
echo "kite sandbox vs QEMU microvm, the same sandbox in the rig's L1 (mini kernel," \
	"1 vCPU, 512 MiB); medians of $runs runs"
printf '  %-5s %10s %9s %7s %7s %10s %11s\n' vmm to_cmd_ms total_ms own_ms sys_ms \
	maxrss_kb overhead_kb
declare -A to total
touched=$(rig_sbx_median "$RIG_TMP/sbx" kite true guest_touched_kib)
bad=0
for v in kite qemu; do
	to[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v echo ready_ms)
	total[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v true wall_ms)
	u=$(rig_sbx_median "$RIG_TMP/sbx" $v true user_ms) g=$(rig_sbx_median "$RIG_TMP/sbx" $v true guest_ms) rss=$(rig_sbx_median "$RIG_TMP/sbx" $v true maxrss_kb)
	if [ -z "${to[$v]}" ] || [ -z "${total[$v]}" ]; then
		printf '  %-5s failed:%s%s\n' $v "$(rig_sbx_fails "$RIG_TMP/sbx" $v)" "$([ $rc != 0 ] && echo " (L1 exit $rc)")"
		bad=1
		continue
	fi
	if [ $v = kite ]; then
		over=$(rig_sbx_median "$RIG_TMP/sbx" kite true overhead_kib)
	else
		over=$([ -n "$touched" ] && echo $((rss - touched)))
	fi
	printf '  %-5s %10s %9s %7s %7s %10s %11s%s\n' $v "${to[$v]}" "${total[$v]}" \
		$((u - g)) "$(rig_sbx_median "$RIG_TMP/sbx" $v true sys_ms)" "$rss" "${over:-?}" \
		"$(f=$(rig_sbx_fails "$RIG_TMP/sbx" $v); [ -n "$f" ] && echo " (failed:$f)")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
if [ -n "${to[kite]:-}" ] && [ -n "${to[qemu]:-}" ]; then
	echo "  kite/qemu: time to the command $(ratio "${to[kite]}" "${to[qemu]}")," \
		"whole run of true $(ratio "${total[kite]}" "${total[qemu]}") (goal: < 0.8)"
fi
if [ -n "${to[kite]:-}" ]; then
	setup=$(rig_sbx_median "$RIG_TMP/sbx" kite echo exec_to_first_run_us) kernel=$(rig_sbx_median "$RIG_TMP/sbx" kite echo first_run_to_ready_us)
	if [ -n "$setup" ] && [ -n "$kernel" ]; then
		init=$((to[kite] - setup / 1000 - kernel / 1000))
		echo "  kite's phases to the command (ms): set-up $((setup / 1000))," \
			"kernel $((kernel / 1000)), init $init;" \
			"set-up is $(awk -v a="$setup" -v b="${to[kite]}" 'BEGIN { printf "%.1f", a / 10 / b }') %" \
			"of the time to the command (goal: < 5 %)"
	fi
fi
echo "  log: $log"
exit $bad
