#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's cloud kernel with kite inside the nested rig (tests/rig)
# for a set of vCPU counts and memory sizes, bzImage and PVH vmlinux, and
# check what the guest reports: MemTotal against the e820 RAM, nproc,
# date against the host, RTC interrupts, no boot warnings, a clean exit.
#
#   tests/boot/linux-matrix.sh [CPUS:MEM[:pvh|:acpioff] ...]   (default: a matrix)
#
# KITE_MATRIX_KERNEL=FILE boots that bzImage instead of the rig's (e.g.
# Debian's generic kernel, whose MP-table parsing :acpioff exercises).
# KITE (default ./kite) is the binary under test, KITE_RIG the rig script
# (default tests/rig/rig.sh). Boot warnings of the nested L1 itself
# (XSAVE consistency, also seen with QEMU as the inner VMM) are ignored.
# KITE_MATRIX_LOGS=DIR keeps each boot's console log there. Give it its
# own KITE_RIG_CACHE when others use the rig at the same time.
# Slow (about 30 s per boot on 2 host cores); not part of `make check`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rig=${KITE_RIG:-$top/tests/rig/rig.sh}
KITE=${KITE:-$top/kite}
[ -x "$rig" ] || { echo "linux-matrix: no $rig (the nested rig)"; exit 77; }
[ -x "$KITE" ] || { echo "linux-matrix: no kite at $KITE (make)"; exit 1; }

tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/ird/bin" "$tmp/ird/proc" "$tmp/ird/sys" "$tmp/ird/dev"
cp "$(command -v busybox)" "$tmp/ird/bin/busybox" || exit 1
cp "$here/init.sh" "$tmp/ird/init"
gcc -static -O2 -o "$tmp/ird/bin/rtctest" "$here/rtctest.c" || exit 1
(cd "$tmp/ird" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$tmp/initrd.gz"

# The PVH entry needs the uncompressed vmlinux: unpack it from the rig's
# bzImage (payload_offset/length in the setup header; Debian uses LZ4).
vmlinux() {
	local bz
	bz=$(ls "${KITE_RIG_CACHE:-$HOME/.cache/kite-rig}"/kernel-*/root/boot/vmlinuz-* 2>/dev/null | tail -n1)
	[ -n "$bz" ] || { "$rig" build >/dev/null && vmlinux; return; }
	python3 - "$bz" "$tmp/payload" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
setup = (d[0x1f1] + 1) * 512
off, length = struct.unpack_from('<II', d, 0x248)
open(sys.argv[2], 'wb').write(d[setup + off:setup + off + length])
PY
	# The kernel's legacy LZ4 stream ends in a size word lz4 complains
	# about after writing everything: judge by the result, an ELF.
	lz4 -dc "$tmp/payload" >"$tmp/vmlinux" 2>/dev/null
	[ "$(head -c 4 "$tmp/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]
}

[ $# -gt 0 ] || set -- 1:128M 1:256M 2:256M 2:3G 2:5G 4:1G 2:1G:pvh 2:5G:pvh
fails=0
for run in "$@"; do
	IFS=: read -r cpus mem mode <<<"$run"
	files=$tmp/initrd.gz kernel=/rig/l2/bzImage cmdline=()
	if [ -n "${KITE_MATRIX_KERNEL:-}" ]; then
		cp "$KITE_MATRIX_KERNEL" "$tmp/bzImage" || exit 1
		files="$files $tmp/bzImage" kernel=/rig/files/bzImage
	fi
	# acpi=off: the vCPUs come from the MP table (needs CONFIG_X86_MPPARSE,
	# which Debian's generic kernel has and its cloud kernel has not).
	[ "${mode:-}" = acpioff ] && cmdline=(--cmdline "console=ttyS0 reboot=k panic=-1 acpi=off")
	if [ "${mode:-}" = pvh ]; then
		[ -e "$tmp/vmlinux" ] || vmlinux || { echo "linux-matrix: cannot unpack vmlinux"; exit 1; }
		files="$files $tmp/vmlinux" kernel=/rig/files/vmlinux
	fi
	log=$tmp/run.log
	t0=$(date +%s)
	KITE=$KITE KITE_RIG_FILES=$files KITE_RIG_TIMEOUT=240 timeout 600 "$rig" run-kite run \
		--kernel $kernel --initrd /rig/files/initrd.gz --cpus "$cpus" --mem "$mem" \
		"${cmdline[@]}" >"$log" 2>&1
	t1=$(date +%s)
	# The rig shows its L1 console by following a log in its cache: if
	# another run shares the cache, keep only the part from our boot on.
	awk '/RIG-L1 running: kite run/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
		"$log" >"$log.last" && mv "$log.last" "$log"
	[ -n "${KITE_MATRIX_LOGS:-}" ] && mkdir -p "$KITE_MATRIX_LOGS" &&
		cp "$log" "$KITE_MATRIX_LOGS/$cpus-$mem-${mode:-bz}.log"
	memkb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB.*/\1/p' "$log" | head -n1)
	ncpu=$(sed -n 's/^nproc: \([0-9]*\).*/\1/p' "$log" | head -n1)
	gdate=$(sed -n 's/^date: \([0-9]*\) .*/\1/p' "$log" | head -n1)
	ram=$(grep -a -o 'BIOS-e820: \[mem 0x[0-9a-f]*-0x[0-9a-f]*\] usable' "$log" |
		sed 's/.*0x\([0-9a-f]*\)-0x\([0-9a-f]*\).*/\1 \2/' |
		while read -r a b; do echo $(( (0x$b - 0x$a + 1) / 1024 )); done | paste -sd+ | bc)
	warn=$(grep -a -c '^dmesg-warn: ' "$log" || true)
	status=$(sed -n 's/^RIGRUN status=\([0-9]*\).*/\1/p' "$log" | head -n1)
	ok=ok
	[ "$ncpu" = "$cpus" ] || ok=FAIL
	[ -n "$memkb" ] && [ -n "$ram" ] && [ "$memkb" -le "$ram" ] && [ "$memkb" -ge $((ram * 7 / 10 - 40000)) ] || ok=FAIL
	[ -n "$gdate" ] && [ $((gdate - t1)) -le 5 ] && [ $((t0 - gdate)) -le 5 ] || ok=FAIL
	grep -a -q 'rtctest: all ok' "$log" || ok=FAIL
	[ "$warn" = 0 ] && [ "$status" = 0 ] || ok=FAIL
	printf '%-4s cpus=%s mem=%-5s %-4s e820_ram_kb=%s MemTotal_kb=%s nproc=%s date_ok=%s warnings=%s exit=%s (%ss)\n' \
		"$ok" "$cpus" "$mem" "${mode:-bz}" "$ram" "$memkb" "$ncpu" \
		"$([ -n "$gdate" ] && echo $((gdate - t1)) || echo -)" "$warn" "$status" $((t1 - t0))
	if [ $ok != ok ]; then
		fails=$((fails + 1))
		grep -a -E 'KITE|rtctest|kite:|WARN|dmesg-warn|RIGRUN' "$log" | sed 's/^/    | /' | head -20
	fi
done
[ $fails = 0 ]
