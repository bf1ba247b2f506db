#!/usr/bin/env bash
# VMM start-up and memory overhead (issue "Foundation"): kite vs QEMU
# microvm booting the same freestanding test guest on this host's
# /dev/kvm, measured the same way from outside (tests/bench/startclock.c)
# in one run, medians of $RUNS. The guest prints one line and triple-faults,
# which ends both VMMs (QEMU with -no-reboot). kite's own figures (time and
# CPU from exec to the first KVM_RUN, RSS less guest RAM touched) come from
# KITE_STATS. Goals: <= 3 ms CPU to first KVM_RUN, <= 2 MiB overhead.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-build}
KITE=${KITE:-$top/kite}
RUNS=${RUNS:-20}
guest=$top/$O/guest/triple.elf
clock=$top/$O/bench/startclock
mkdir -p "$(dirname "$clock")"
cc -O2 -Wall -o "$clock" "$here/startclock.c"

[ -r /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 0; }

# field NAME LINE -> value of NAME=... in LINE
field() { sed -nE "s/.*[ :]$1=([0-9-]+).*/\1/p" <<<"$2"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

run_many() {  # run_many OUTDIR CMD... : one stats line per run into OUTDIR/lines
	local out=$1; shift
	: >"$out"
	for _ in $(seq "$RUNS"); do
		KITE_STATS=1 "$clock" "$@" </dev/null 2>&1 >/dev/null | grep -E 'startclock:|kite-stats:' | tr '\n' ' ' >>"$out"
		echo >>"$out"
	done
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run_many "$tmp/kite" "$KITE" run --kernel "$guest" --mem 64M
qemu=$(command -v qemu-system-x86_64 || true)
if [ -n "$qemu" ]; then
	run_many "$tmp/qemu" "$qemu" -M microvm -accel kvm -cpu host,-arch-capabilities -m 64M \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot -kernel "$guest"
fi

med() { while read -r l; do field "$2" "$l"; done <"$tmp/$1" | median; }
ms() { awk -v v="$1" 'BEGIN {printf "%.2f", v / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a > 0) printf "%.1fx", b / a; else print "n/a"}'; }

printf "%-34s %10s %10s %12s\n" "metric (median of $RUNS)" kite qemu "qemu/kite"
for m in first_byte_us:"exec -> first UART byte (ms)" total_us:"exec -> exit, wall (ms)" \
	 cpu_us:"CPU time, whole run (ms)" maxrss_kib:"peak RSS (KiB)"; do
	k=$(med kite "${m%%:*}")
	q=$([ -n "$qemu" ] && med qemu "${m%%:*}" || echo 0)
	if [ "${m%%:*}" = maxrss_kib ]; then kv=$k; qv=$q; else kv=$(ms "$k"); qv=$(ms "$q"); fi
	printf "%-34s %10s %10s %12s\n" "${m#*:}" "$kv" "$qv" "$(ratio "$k" "$q")"
done
echo
printf "kite exec -> first KVM_RUN: %s ms wall, %s ms CPU (goal <= 3 ms CPU)\n" \
	"$(ms "$(med kite exec_to_first_run_us)")" "$(ms "$(med kite cpu_to_first_run_us)")"
printf "kite memory overhead (peak RSS - guest RAM touched): %s KiB (goal <= 2048 KiB)\n" \
	"$(med kite overhead_kib)"
echo "(CPU time includes running the guest, which this host's PVM emulates in the kernel.)"
