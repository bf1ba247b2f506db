#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# virtio-fs speed (issue 12): a directory of L1's shared into the guest by
# Debian's virtiofsd, kite vs QEMU microvm with the same daemon, options,
# kernel and initramfs, in one boot of the nested rig's L1, rounds
# interleaved (KITE_BENCH_RUNS, default 3). The set-up is rig_fs_bench in
# tests/rig/l1-init.sh (kite sandbox --share, and the same sandbox booted
# by QEMU from kite sandbox --save-initramfs, with a vhost-user-fs device
# per share). The guest runs kite-probe (guest/init/probe.c):
#
#   meta   create (16 bytes), stat and unlink KITE_BENCH_FILES files
#          (default 5000): µs per file, the guest's clock
#   write  KITE_BENCH_MIB MiB (default 256) in 1 MiB writes, then fsync
#   read   the same file back after the guest dropped its page cache
#
# and per VMM the CPU time it and its virtiofsd spent of their own (user
# less guest time, plus system time) over the whole run of each workload,
# boot included, per file or per MiB: an upper bound of the cost per
# operation that is the same kind of figure for both.
# KITE_BENCH_KERNEL=debian (default): Debian's cloud kernel and its
# modules, both VMMs on virtio-pci; mini: the mini kernel (QEMU on
# virtio-mmio, the only transport microvm gives it). Goal: kite >= 1.0x
# QEMU on each figure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/lib.sh"

runs=${KITE_BENCH_RUNS:-3}
files=${KITE_BENCH_FILES:-5000}
mib=${KITE_BENCH_MIB:-256}
kern=${KITE_BENCH_KERNEL:-debian}
rig_sbx_bench_prepare bench-virtiofs "$kern" qemu-system-x86_64 /usr/lib/qemu/virtiofsd
rig_boot_l1 "rig_fs_bench $runs $files $mib $kern" $((runs * 4 * (60 + files / 40 + mib / 2) + 120)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" | grep '^RIG-SBX ' >"$RIG_TMP/sbx"

grep '^RIG-SBX error' "$RIG_TMP/sbx"
echo "virtio-fs in the rig's L1, kite sandbox vs QEMU microvm ($kname; Debian's virtiofsd," \
	"cache=auto, on L1's tmpfs; 1 vCPU, 512 MiB); medians of $runs runs"
printf '  %-5s %11s %13s %12s %14s %14s\n' vmm meta_us/file write_MiB/s read_MiB/s \
	cpu_us/file cpu_ms/MiB
declare -A m w r
bad=0
for v in kite qemu; do
	m[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v meta "us / n")
	w[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v data "mib / write_us * 1000000")
	r[$v]=$(rig_sbx_median "$RIG_TMP/sbx" $v data "mib / read_us * 1000000")
	cm=$(rig_sbx_median "$RIG_TMP/sbx" $v meta "user_ms - guest_ms + sys_ms * 1000 / $files")
	cd=$(rig_sbx_median "$RIG_TMP/sbx" $v data "user_ms - guest_ms + sys_ms / $mib")
	if [ -z "${m[$v]}" ] || [ -z "${w[$v]}" ]; then
		printf '  %-5s failed:%s%s\n' $v "$(rig_sbx_fails "$RIG_TMP/sbx" $v)" "$([ $rc != 0 ] && echo " (L1 exit $rc)")"
		bad=1
		continue
	fi
	printf '  %-5s %11s %13s %12s %14s %14s%s\n' $v "${m[$v]}" "${w[$v]}" "${r[$v]}" "$cm" "$cd" \
		"$(f=$(rig_sbx_fails "$RIG_TMP/sbx" $v); [ -n "$f" ] && echo " (failed:$f)")"
done
if [ -n "${m[kite]:-}" ] && [ -n "${m[qemu]:-}" ]; then
	echo "  kite vs qemu (> 1: kite faster): metadata $(rig_ratio "${m[qemu]}" "${m[kite]}")," \
		"write $(rig_ratio "${w[kite]}" "${w[qemu]}"), read $(rig_ratio "${r[kite]}" "${r[qemu]}") (goal: >= 1)"
fi
echo "  (cpu: the VMM's and its virtiofsd's own CPU, user - guest + system, over the whole run" \
	"with boot, per file or MiB)"
echo "  log: $log"
exit $bad
