#!/usr/bin/env bash
# VMM start-up and memory overhead (issue "Foundation"): kite vs QEMU
# microvm booting the same freestanding test guest, measured the same way
# from outside (tests/bench/startclock.c) in one run, medians of $RUNS,
# the two VMMs alternating. The guest prints one line and triple-faults,
# which ends both VMMs (QEMU with -no-reboot). kite's own figures (time and
# CPU from exec to the first KVM_RUN, RSS less guest RAM touched) come from
# KITE_STATS. Goals: <= 3 ms CPU to first KVM_RUN, <= 2 MiB overhead.
#
# Where: on this host's /dev/kvm when it has one we may use; else in the
# nested rig's L1 (kvm-amd under TCG, tests/rig), the first line says
# which. L1's absolute times are TCG's (~50x hardware): read the ratios.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-build}
KITE=${KITE:-$top/kite}
RUNS=${RUNS:-20}
guest=$top/$O/guest/triple.elf
clock=$top/$O/bench/startclock
mkdir -p "$(dirname "$clock")"
# Static: it also runs in L1, which has no libraries for it.
cc -O2 -Wall -static -o "$clock" "$here/startclock.c"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

QEMU_ARGS="-M microvm -accel kvm -cpu host,-arch-capabilities -m 64M -nodefaults
	-no-user-config -display none -serial stdio -no-reboot -kernel"

# One stats line per run into $tmp/kite and $tmp/qemu.
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	echo "where: this host's /dev/kvm"
	qemu=$(command -v qemu-system-x86_64 || true)
	: >"$tmp/kite"; : >"$tmp/qemu"
	for _ in $(seq "$RUNS"); do
		KITE_STATS=1 "$clock" "$KITE" run --kernel "$guest" --mem 64M </dev/null 2>&1 >/dev/null |
			grep -E 'startclock:|kite-stats:' | tr '\n' ' ' >>"$tmp/kite"
		echo >>"$tmp/kite"
		[ -n "$qemu" ] || continue
		"$clock" "$qemu" $QEMU_ARGS "$guest" </dev/null 2>&1 >/dev/null |
			grep 'startclock:' >>"$tmp/qemu"
	done
else
	. "$top/tests/rig/lib.sh"
	echo "where: the nested rig's L1 (no usable /dev/kvm here; TCG: compare the ratios)"
	rig_tmp_init
	trap 'rig_cleanup; rm -rf "$tmp"' EXIT
	rig_prepare qemu
	KITE_RIG_FILES="$clock $guest"
	rig_boot_l1 "rig_startup $RUNS /rig/files/${guest##*/} $(rig_plan_quote $QEMU_ARGS)" \
		$((RUNS * 20 + 120)) "$RIG_CACHE/last-bench.log" quiet || true
	tr -d '\r' <"$RIG_L1_LOG" >"$tmp/console"
	sed -n 's/^RIG-STARTUP kite //p' "$tmp/console" >"$tmp/kite"
	sed -n 's/^RIG-STARTUP qemu //p' "$tmp/console" >"$tmp/qemu"
	qemu=qemu-system-x86_64
	[ -s "$tmp/kite" ] || { echo "bench-startup: no figures from L1; its console:"; tail -n 20 "$tmp/console"; exit 1; }
fi

# field NAME LINE -> value of NAME=... in LINE
field() { sed -nE "s/.*[ :]$1=([0-9-]+).*/\1/p" <<<"$2"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

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
echo "(CPU time includes running the guest.)"
