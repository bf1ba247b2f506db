#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# virtio-blk in a Linux guest: fio inside L2 (the nested rig, tests/rig)
# on kite vs on QEMU microvm, and fio directly in L1 on the same image
# (the limit), all in one boot of L1.
#
# Two parts:
#   cost   one counted run per VMM (kite, qemu-pci, qemu): what each I/O
#          costs in things that do not depend on TCG's speed: L1 KVM exits
#          by reason, interrupts injected, the MSRs the guest wrote, L2's
#          interrupts, the VMM threads' context switches, syscalls and CPU
#          time (tests/rig/l1-init.sh, rig_cost_of). Tracing is on for
#          these runs only; their IOPS are not used.
#   time   KITE_BENCH_RUNS rounds (default 5) of kite, qemu-pci and qemu,
#          the order turned around every round (so neither side always
#          runs first or after the other), and fio in L1 once. Rounds
#          differ up to 2-3x (TCG, 2 shared cores): each cell gives the
#          best and the median round, and the ratios are also taken round
#          by round (kite against the QEMU run next to it), whose median
#          is the steadiest figure.
#
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/lib.sh"

runs=${KITE_BENCH_RUNS:-5}
fsecs=${KITE_BENCH_FIO_SECS:-3}
secs=${KITE_BENCH_TIMEOUT:-150}
vmms="kite qemu-pci qemu"
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
for v in $vmms; do
	plan+=$'\n'"rig_bench_fio $v cost $fsecs $secs"
done
plan+=$'\n'"rig_bench_fio l1 1 $fsecs $secs"
order=$vmms
for i in $(seq "$runs"); do
	for v in $order; do
		plan+=$'\n'"rig_bench_fio $v $i $fsecs $secs"
	done
	order=$(echo $order | tr ' ' '\n' | tac | tr '\n' ' ')
done
log=$RIG_CACHE/last-bench-virtio.log
rig_boot_l1 "$plan" $(((runs * 3 + 3) * (secs + 10) + 90)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" | grep '^RIG-FIO\|^RIG-COST\|^RIG-L1 ready' >"$RIG_TMP/bench"

# stat best|median WHO RW QD: the highest or the median IOPS of the
# timed rounds (empty if none).
stat() {
	awk -v w="$2" -v rw="$3" -v qd="$4" '
		$1 == "RIG-FIO" && $2 == w && $3 != "cost" && $4 == rw && $5 == qd {
			v = $6; sub(/^iops=/, "", v)
			if (v ~ /^[0-9]+$/ && v + 0 > 0) print v + 0
		}' "$RIG_TMP/bench" | sort -n |
		awk -v how="$1" '{ v[NR] = $1 } END {
			if (NR) print how == "best" ? v[NR] : v[int((NR + 1) / 2)] }'
}
# rratio WHO RW QD: the median over rounds of kite's IOPS / WHO's in the
# same round, and the lowest and highest of them.
rratio() {
	awk -v w="$1" -v rw="$2" -v qd="$3" '
		$1 == "RIG-FIO" && $3 != "cost" && $4 == rw && $5 == qd {
			v = $6; sub(/^iops=/, "", v)
			if (v ~ /^[0-9]+$/ && v + 0 > 0) iops[$2, $3] = v + 0
		}
		END {
			for (k in iops) {
				split(k, p, SUBSEP)
				if (p[1] == "kite" && (w SUBSEP p[2]) in iops)
					print iops[k] / iops[w, p[2]]
			}
		}' "$RIG_TMP/bench" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR) printf "%.2f (%.2f-%.2f, %d)", (v[int((NR + 1) / 2)] + v[int(NR / 2) + 1]) / 2, v[1], v[NR], NR
			else print "n/a" }'
}
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo n/a; }

echo "virtio-blk in L2 (Debian $RIG_KVER, 1 vCPU, 512 MiB): fio 4 KiB libaio O_DIRECT," \
	"${fsecs}s per job, $runs rounds; L1$(sed -n 's/^RIG-L1 ready / ready at /p' "$RIG_TMP/bench" | head -n1)s"
bad=0
for how in best median; do
	printf '  %-6s %-10s %3s %7s %8s %7s %8s %13s %9s %10s\n' "$how" job qd kite qemu-pci qemu \
		"L1 limit" kite/qemu-pci kite/qemu kite/limit
	for rw in randread randwrite; do
		for qd in 1 32; do
			k=$(stat $how kite $rw $qd) q=$(stat $how qemu $rw $qd)
			p=$(stat $how qemu-pci $rw $qd) l=$(stat best l1 $rw $qd)
			[ -n "$k" ] || bad=1
			printf '  %-6s %-10s %3s %7s %8s %7s %8s %13s %9s %10s\n' "" $rw $qd \
				"${k:-fail}" "${p:-fail}" "${q:-fail}" "${l:-fail}" "$(ratio "$k" "$p")" \
				"$(ratio "$k" "$q")" "$(ratio "$k" "$l")"
		done
	done
done
echo "  per-round ratios, median (lowest-highest, rounds):"
for rw in randread randwrite; do
	for qd in 1 32; do
		printf '    %-10s qd%-3s kite/qemu-pci %-24s kite/qemu %s\n' $rw $qd \
			"$(rratio qemu-pci $rw $qd)" "$(rratio qemu $rw $qd)"
	done
done
echo "  IOPS of each round: best and median; qemu = microvm virtio-mmio," \
	"qemu-pci = microvm pcie=on virtio-blk-pci; L1 limit: one run"
echo "  goal: kite/qemu >= 1.0, kite/limit >= 0.9"

# The cost table: per I/O, each VMM side by side; rows that are 0 for all
# three are left out.
echo
echo "cost per I/O (one counted run each; L1 = the KVM that runs L2):"
awk -v vmms="$vmms" '
	BEGIN {
		n = split(vmms, vm, " ")
		# SVM exit codes, syscall numbers (x86-64)
		split("96 intr 97 nmi 100 vintr 110 rdtsc 114 cpuid 119 pause 120 hlt 123 ioio " \
		      "124 msr 129 vmmcall 1024 npf 78 #pf 70 #ud 65 #db 67 #bp", a, " ")
		for (i = 1; i in a; i += 2) xname[a[i]] = a[i + 1]
		split("0 read 1 write 3 close 7 poll 14 rt_sigprocmask 15 rt_sigreturn 16 ioctl " \
		      "17 pread64 18 pwrite64 19 readv 20 writev 24 sched_yield 35 nanosleep " \
		      "202 futex 206 io_setup 208 io_getevents 209 io_submit 230 clock_nanosleep " \
		      "232 epoll_wait 270 pselect6 271 ppoll 281 epoll_pwait 290 eventfd2 " \
		      "426 io_uring_enter 441 epoll_pwait2", b, " ")
		for (i = 1; i in b; i += 2) scname[b[i]] = b[i + 1]
	}
	$1 == "RIG-COST" {
		job = $3 " qd" $4
		if (!(job in seen)) { seen[job] = 1; jobs[++nj] = job }
		for (i = 5; i <= NF; i++) {
			split($i, kv, "="); k = kv[1]
			if (k ~ /^x\./) { c = substr(k, 3); k = "exit " (c in xname ? xname[c] : c) }
			else if (k ~ /^sc\./) { split(k, s, "."); k = "syscall " s[2] " " (s[3] in scname ? scname[s[3]] : s[3]) }
			v[job, $2, k] = kv[2]
			if (!(k in kseen)) { kseen[k] = 1; keys[++nk] = k }
		}
	}
	END {
		if (!nj) { print "  no cost figures"; exit }
		# a stable order: the fixed keys first, then the rest sorted
		split("ios exits kvm.irq_injections kvm.halt_exits kvm.irq_exits kvm.io_exits kvm.mmio_exits " \
		      "l2.irq_dev l2.irq_loc l2.irq_all vcpu_cs io_cs vcpu_us io_us sys.vcpu sys.io", fixed, " ")
		for (j = 1; j <= nj; j++) {
			printf "  %-28s", jobs[j]
			for (i = 1; i <= n; i++) printf " %9s", vm[i]
			printf "\n"
			for (f = 1; f in fixed; f++) row(jobs[j], fixed[f])
			m = 0; delete rest
			for (i = 1; i <= nk; i++) {
				isfixed = 0
				for (f = 1; f in fixed; f++) if (keys[i] == fixed[f]) isfixed = 1
				if (!isfixed) rest[++m] = keys[i]
			}
			for (p = 2; p <= m; p++)	# insertion sort, m is small
				for (q = p; q > 1 && rest[q - 1] > rest[q]; q--) { t = rest[q]; rest[q] = rest[q - 1]; rest[q - 1] = t }
			for (p = 1; p <= m; p++) row(jobs[j], rest[p])
		}
	}
	function row(job, k,   i, any, s) {
		any = 0; s = sprintf("    %-26s", k)
		for (i = 1; i <= n; i++) {
			x = (job SUBSEP vm[i] SUBSEP k) in v ? v[job, vm[i], k] : 0
			if (k != "ios" && (x < 0.01 && x > -0.01)) x = 0
			if (x != 0) any = 1
			s = s sprintf(" %9s", x == 0 ? "-" : x)
		}
		if (any) print s
	}' "$RIG_TMP/bench"

# The VMMs' CPU time per boot (fio runs plus one boot and stop).
grep '^RIG-FIO-VMM' "$RIG_TMP/bench" | sed 's/^RIG-FIO-VMM /  vmm run: /'
# Every run must give all four figures: one that did not (a VMM failing, a
# guest crashing) is reported, and fails the bench, even though the other
# rounds still fill the table.
for v in l1 $vmms; do
	for i in cost $(seq "$runs"); do
		[ $v = l1 ] && [ "$i" != 1 ] && continue
		n=$(grep -c "^RIG-FIO $v $i [a-z]* [0-9]* iops=[1-9]" "$RIG_TMP/bench")
		if [ "$n" != 4 ]; then
			echo "  problem: $v round $i gave $n of 4 figures (log: $log)"
			bad=1
		fi
	done
	if [ $v != l1 ] && [ "$(grep -c "^RIG-COST $v " "$RIG_TMP/bench")" != 4 ]; then
		echo "  problem: $v: no cost figures for every job (log: $log)"
		bad=1
	fi
done
if grep -q 'setup failed\|status=[1-9]' "$RIG_TMP/bench"; then
	bad=1
	grep 'setup failed\|status=[1-9]' "$RIG_TMP/bench" | sed 's/^/  problem: /'
fi
[ -s "$RIG_TMP/bench" ] || echo "  no figures (qemu exit $rc); log: $log"
echo "  log: $log"
exit $bad
