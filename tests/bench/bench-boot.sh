#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot time to the guest's init: kite vs QEMU microvm, side by side in one
# boot of the nested rig's L1 (tests/rig), same L2 kernel (Debian cloud),
# same initrd, 1 vCPU, 256 MiB, `quiet`, runs interleaved so drift hits
# both alike (KITE_BENCH_RUNS each, default 3).
#
#   init_ms   exec of the VMM to the first line of the guest's /init on the
#             VMM's stdout (L1 monotonic clock; rigrun.c)
#   guest_ms  CPU time the VMM's vCPU threads spent running the guest
#             (KVM's guest accounting; part of user time)
#   own_ms    user time less guest_ms: the VMM's own user-space work
#   sys_ms    kernel time (KVM exit handling, syscalls)
#   own%      own_ms / init_ms (the CPU figures cover boot and stop)
#   maxrss    peak RSS of the VMM process
#
# QEMU runs as `-M microvm,rtc=on -device i8042 -enable-kvm -cpu host`: the
# RTC and i8042 are the legacy devices kite has too; without them Debian's
# kernel spends seconds probing empty ports and a minute in its i8042
# reset loop. Anchor: Firecracker reaches init in <= 125 ms on hardware.
# Goal: kite faster than QEMU microvm here, own% under 5.
#
# KITE_BENCH_KERNEL=mini boots the mini kernel (guest/linux/build.sh,
# built once and cached) instead of Debian's, as a bzImage; =mini-pvh its
# vmlinux through the PVH entry. Same initrd and command line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../rig/lib.sh"

runs=${KITE_BENCH_RUNS:-3}
secs=${KITE_BENCH_TIMEOUT:-90}
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "bench-boot: no qemu-system-x86_64 (make deps)"
	exit 1
fi
rig_tmp_init
rig_prepare qemu

plan="RIG_INNER=kite"
kname="Debian $RIG_KVER"
case ${KITE_BENCH_KERNEL:-debian} in
debian) ;;
mini|mini-pvh)
	k=$("$here/../../guest/linux/build.sh") || { echo "bench-boot: the mini kernel failed to build"; exit 1; }
	f=bzImage; [ "$KITE_BENCH_KERNEL" = mini-pvh ] && f=vmlinux
	KITE_RIG_FILES="${KITE_RIG_FILES:-} $(awk -v f=$f '$1 == f { print $2 }' <<<"$k")"
	plan+=$'\n'"L2K=/rig/files/$f"
	kname="mini kernel $f" ;;
*)
	echo "bench-boot: KITE_BENCH_KERNEL must be debian, mini or mini-pvh"; exit 1 ;;
esac
for i in $(seq "$runs"); do
	plan+=$'\n'"rig_bench kite $i $secs"$'\n'"rig_bench qemu $i $secs"
done
log=$RIG_CACHE/last-bench.log
rig_boot_l1 "$plan" $((runs * 2 * (secs + 10) + 60)) "$log" quiet
rc=$?
tr -d '\r' <"$RIG_L1_LOG" | grep '^RIG-BENCH \|^RIG-L1 ready' >"$RIG_TMP/bench"


echo "L2 boot to init in the rig's L1 ($kname, 1 vCPU, 256 MiB, quiet);" \
	"L1 $(sed -n 's/^RIG-L1 ready /ready at /p' "$RIG_TMP/bench")s; medians of $runs runs"
printf '  %-6s %8s %15s %8s %9s %7s %7s %6s %10s\n' vmm init_ms "(min..max)" l2_up_s \
	guest_ms own_ms sys_ms own% maxrss_kb
declare -A med
bad=0
for v in kite qemu; do
	inits=() guests=() owns=() syss=() rsss=() ups=() fails=
	while read -r line; do
		st=$(rig_field "$line" status)
		if [ "$st" != 0 ] || [ -z "$(rig_field "$line" init_ms)" ]; then
			fails+=" exit=$st"
			continue
		fi
		u=$(rig_field "$line" user_ms) g=$(rig_field "$line" guest_ms)
		inits+=("$(rig_field "$line" init_ms)")
		guests+=("$g")
		owns+=($((u - g)))
		syss+=("$(rig_field "$line" sys_ms)")
		rsss+=("$(rig_field "$line" maxrss_kb)")
		ups+=("$(rig_field "$line" l2_uptime)")
	done < <(grep "^RIG-BENCH $v " "$RIG_TMP/bench")
	if [ ${#inits[@]} = 0 ]; then
		printf '  %-6s failed:%s\n' $v "${fails:- no result (qemu exit $rc)}"
		bad=1
		continue
	fi
	m=$(rig_median "${inits[@]}")
	med[$v]=$m
	mn=$(printf '%s\n' "${inits[@]}" | sort -n | head -n1)
	mx=$(printf '%s\n' "${inits[@]}" | sort -n | tail -n1)
	own=$(rig_median "${owns[@]}")
	printf '  %-6s %8s %15s %8s %9s %7s %7s %6s %10s%s\n' $v "$m" "($mn..$mx)" \
		"$(rig_median "${ups[@]}")" "$(rig_median "${guests[@]}")" "$own" "$(rig_median "${syss[@]}")" \
		"$(awk -v a="$own" -v b="$m" 'BEGIN { printf "%.1f", 100 * a / b }')" \
		"$(rig_median "${rsss[@]}")" "${fails:+ (failed:$fails)}"
done
if [ -n "${med[kite]:-}" ] && [ -n "${med[qemu]:-}" ]; then
	echo "  kite/qemu time to init: $(awk -v a="${med[kite]}" -v b="${med[qemu]}" \
		'BEGIN { printf "%.2f", a / b }') (goal: < 1)"
else
	echo "  kite/qemu time to init: n/a (a side failed)"
fi
echo "  log: $log"
exit $bad
