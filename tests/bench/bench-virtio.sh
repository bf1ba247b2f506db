#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# virtio-blk in a Linux guest: fio inside L2 (the nested rig, tests/rig)
# on kite vs on QEMU microvm, and fio directly in L1 on the same image
# (the limit), all in one boot of L1, runs interleaved (l1, kite, qemu,
# qemu-pci; KITE_BENCH_RUNS rounds, default 3). The 2 shared cores make
# single runs noisy (2x between rounds is common): the table gives the
# best and the median round of each.
#
#   jobs   4 KiB randread and randwrite at queue depth 1 and 32, libaio,
#          O_DIRECT, KITE_BENCH_FIO_SECS seconds each (default 3; TCG
#          makes everything slow, so short runs still see many I/Os)
#   image  256 MiB, zeroed and allocated, in L1 on ext2 on a RAM disk
#          (brd). Why there: on L1's tmpfs neither fio --direct=1, kite's
#          cache=none nor QEMU's aio=native work (tmpfs refuses O_DIRECT);
#          on a disk the outer QEMU gives L1, every I/O would go through
#          that QEMU's emulated device under TCG, slow and noisy, and the
#          figures would measure it rather than the inner VMM. A RAM disk
#          takes O_DIRECT and leaves the inner VMM's own cost visible.
#   kite   --disk bench.img,cache=none,engine=aio (1 vCPU, 512 MiB)
#   qemu   -M microvm,rtc=on -device i8042 -enable-kvm -cpu host with
#          -drive file=bench.img,if=none,id=d0,format=raw,cache=none,
#          aio=native -device virtio-blk-device,drive=d0. microvm's
#          devices are virtio-mmio; QEMU describes them in its ACPI DSDT
#          (LNRO0005), so Debian's kernel, which lacks
#          VIRTIO_MMIO_CMDLINE_DEVICES, finds them through ACPI.
#   qemu-pci  the same microvm with pcie=on and -device virtio-blk-pci:
#          QEMU on the transport kite uses (PCI, MSI-X), so the transport
#          does not decide the comparison.
#   fio    Debian's fio with the libraries ldd names, on an ext2 image
#          that L2 gets as a second (read-only) disk and L1 loop-mounts;
#          both chroot into it. The L2 kernel is Debian's cloud kernel.
#
# Goal: kite >= 1.0x QEMU and >= 0.9x the L1 limit (IOPS).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/lib.sh"

runs=${KITE_BENCH_RUNS:-3}
fsecs=${KITE_BENCH_FIO_SECS:-3}
secs=${KITE_BENCH_TIMEOUT:-150}
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "bench-virtio: no qemu-system-x86_64 (make deps)"
	exit 1
fi
if ! command -v fio >/dev/null 2>&1; then
	echo "bench-virtio: no fio on the host (make deps)"
	exit 1
fi
rig_tmp_init
rig_prepare qemu fio

plan="RIG_INNER=kite"
for i in $(seq "$runs"); do
	plan+=$'\n'"rig_bench_fio l1 $i $fsecs $secs"
	plan+=$'\n'"rig_bench_fio kite $i $fsecs $secs"
	plan+=$'\n'"rig_bench_fio qemu $i $fsecs $secs"
	plan+=$'\n'"rig_bench_fio qemu-pci $i $fsecs $secs"
done
log=$RIG_CACHE/last-bench-virtio.log
rig_boot_l1 "$plan" $((runs * (4 * secs + 20) + 90)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" | grep '^RIG-FIO\|^RIG-L1 ready' >"$RIG_TMP/bench"

# stat best|median WHO RW QD: the highest or the median IOPS of the
# rounds (empty if none).
stat() {
	awk -v w="$2" -v rw="$3" -v qd="$4" '
		$1 == "RIG-FIO" && $2 == w && $4 == rw && $5 == qd {
			v = $6; sub(/^iops=/, "", v)
			if (v ~ /^[0-9]+$/ && v + 0 > 0) print v + 0
		}' "$RIG_TMP/bench" | sort -n |
		awk -v how="$1" '{ v[NR] = $1 } END {
			if (NR) print how == "best" ? v[NR] : v[int((NR + 1) / 2)] }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo n/a; }

echo "virtio-blk in L2 (Debian $RIG_KVER, 1 vCPU, 512 MiB): fio 4 KiB libaio O_DIRECT," \
	"${fsecs}s per job, $runs rounds; L1$(sed -n 's/^RIG-L1 ready / ready at /p' "$RIG_TMP/bench" | head -n1)s"
bad=0
for how in best median; do
	printf '  %-6s %-10s %3s %7s %7s %8s %8s %9s %10s %10s\n' "$how" job qd kite qemu \
		qemu-pci "L1 limit" kite/qemu kite/qemu-pci kite/limit
	for rw in randread randwrite; do
		for qd in 1 32; do
			k=$(stat $how kite $rw $qd) q=$(stat $how qemu $rw $qd)
			p=$(stat $how qemu-pci $rw $qd) l=$(stat $how l1 $rw $qd)
			[ -n "$k" ] || bad=1
			printf '  %-6s %-10s %3s %7s %7s %8s %8s %9s %10s %10s\n' "" $rw $qd \
				"${k:-fail}" "${q:-fail}" "${p:-fail}" "${l:-fail}" "$(ratio "$k" "$q")" \
				"$(ratio "$k" "$p")" "$(ratio "$k" "$l")"
		done
	done
done
echo "  IOPS of each round: best and median; qemu = microvm virtio-mmio," \
	"qemu-pci = microvm pcie=on virtio-blk-pci"
echo "  goal: kite/qemu >= 1.0, kite/limit >= 0.9"
# The VMMs' CPU time per boot (fio runs plus one boot and stop).
grep '^RIG-FIO-VMM' "$RIG_TMP/bench" | sed 's/^RIG-FIO-VMM /  vmm run: /'
# Every round of every side must give all four figures: a round that
# did not (a VMM failing, a guest crashing) is reported, and fails the
# bench, even though the other rounds still fill the table.
for v in l1 kite qemu qemu-pci; do
	for i in $(seq "$runs"); do
		n=$(grep -c "^RIG-FIO $v $i [a-z]* [0-9]* iops=[1-9]" "$RIG_TMP/bench")
		if [ "$n" != 4 ]; then
			echo "  problem: $v round $i gave $n of 4 figures (log: $log)"
			bad=1
		fi
	done
done
if grep -q 'setup failed\|status=[1-9]' "$RIG_TMP/bench"; then
	bad=1
	grep 'setup failed\|status=[1-9]' "$RIG_TMP/bench" | sed 's/^/  problem: /'
fi
[ -s "$RIG_TMP/bench" ] || echo "  no figures (qemu exit $rc); log: $log"
echo "  log: $log"
exit $bad
