#!/usr/bin/env bash
# The disk layer against its peers, side by side in one run: 4 KiB random
# read and write at queue depth 1 and 32, O_DIRECT, on a 1 GiB file:
#   kite io -e aio   vs  fio --ioengine=libaio
#   kite io -e uring vs  fio --ioengine=io_uring
#   kite io (sequential offsets) vs qemu-img bench -t none -i native, which
#   only does sequential offsets.
# Prints IOPS, CPU time per I/O (user+sys from /usr/bin/time) and kite's
# ratio to the peer (IOPS ratio > 1 and CPU ratio < 1 are kite ahead).
#
# The disk here is shared and noisy, so each pair runs BENCH_REPEAT times,
# alternating, and the best run of each side counts.
#
#   BENCH_SECONDS   length of each run [2]
#   BENCH_REPEAT    runs per tool and cell [2]
#   BENCH_IMAGE     the 1 GiB file [/var/tmp/kite-bench-1g.img]; created
#                   with real blocks (not sparse) and removed afterwards
#                   unless BENCH_KEEP=1
set -u
KITE=${KITE:-$(cd "$(dirname "$0")/../.." && pwd)/kite}
T=${BENCH_SECONDS:-2}
R=${BENCH_REPEAT:-2}
IMG=${BENCH_IMAGE:-/var/tmp/kite-bench-1g.img}
SIZE=$((1024 * 1024 * 1024))

for tool in fio qemu-img /usr/bin/time; do
	if ! command -v "$tool" >/dev/null; then
		echo "   $tool missing (make deps installs fio, qemu-utils, time): skipped"
		exit 1
	fi
done
[ -x "$KITE" ] || { echo "   $KITE not built"; exit 1; }

if [ "$(stat -c %s "$IMG" 2>/dev/null)" != "$SIZE" ]; then
	echo "   creating $IMG (1 GiB, allocated)"
	dd if=/dev/zero of="$IMG" bs=1M count=1024 oflag=direct status=none || exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$IMG"' EXIT

# timed OUT CMD...: runs CMD, stdout to $tmp/OUT, CPU seconds to $tmp/OUT.cpu.
timed() {
	local out=$1; shift
	/usr/bin/time -f "%U %S" -o "$tmp/$out.time" "$@" >"$tmp/$out" 2>"$tmp/$out.err"
	local rc=$?
	awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/$out.time" >"$tmp/$out.cpu"
	[ $rc = 0 ] || { echo "   FAILED: $*"; sed 's/^/     | /' "$tmp/$out.err" | tail -3; }
	return $rc
}

# Each runner prints "IOPS OPS CPU_SECONDS".
run_kite() {  # engine mode qd
	timed kite "$KITE" io -e "$1" -w "$2" -b 4K -q "$3" -c none -t "$T" "$IMG" || { echo "0 0 0"; return; }
	awk -v cpu="$(cat "$tmp/kite.cpu")" '/^  total/ { print $4, $2, cpu }' "$tmp/kite"
}

run_fio() {  # engine mode qd
	timed fio fio --name=bench --filename="$IMG" --size=1G --rw="$2" --bs=4k \
		--iodepth="$3" --ioengine="$1" --direct=1 --runtime="$T" --time_based \
		--norandommap --randrepeat=0 --minimal || { echo "0 0 0"; return; }
	# Terse v3: field 8 read IOPS, 49 write IOPS, 6/47 KiB moved.
	awk -F';' -v cpu="$(cat "$tmp/fio.cpu")" \
		'{ iops = $8 + $49; ops = ($6 + $47) / 4; print iops, ops, cpu }' "$tmp/fio"
}

run_qemu() {  # mode qd count
	local w=; [ "$1" = write ] && w=-w
	timed qemu qemu-img bench -f raw -t none -i native -c "$3" -d "$2" -s 4096 $w "$IMG" ||
		{ echo "0 0 0"; return; }
	awk -v n="$3" -v cpu="$(cat "$tmp/qemu.cpu")" \
		'/Run completed in/ { printf "%.0f %d %s\n", n / $4, n, cpu }' "$tmp/qemu"
}

row() {  # label "IOPS OPS CPU" [peer-label "IOPS OPS CPU"]
	local label=$1 r=$2 peer=${3:-} p=${4:-}
	awk -v label="$label" -v r="$r" -v peer="$peer" -v p="$p" 'BEGIN {
		split(r, a, " "); us = a[2] ? a[3] / a[2] * 1e6 : 0
		line = sprintf("   %-22s %9.0f IOPS %7.2f us CPU/IO", label, a[1], us)
		if (peer != "") {
			split(p, b, " "); pus = b[2] ? b[3] / b[2] * 1e6 : 0
			line = line sprintf("   %5.2fx IOPS, %5.2fx CPU/IO vs %s",
				b[1] ? a[1] / b[1] : 0, pus ? us / pus : 0, peer)
		}
		print line
	}'
}

# better "IOPS OPS CPU" "IOPS OPS CPU": the one with more IOPS.
better() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		print (y[1] + 0 > x[1] + 0) ? b : a }'
}

echo "   4 KiB, O_DIRECT, 1 GiB file $IMG, ${T} s per run, best of $R"
for mode in randread randwrite; do
	seq=${mode#rand}
	for qd in 1 32; do
		echo "   -- $mode, queue depth $qd"
		fa="0 0 0" ka="0 0 0" fu="0 0 0" ku="0 0 0" ks="0 0 0" qb="0 0 0"
		for _ in $(seq "$R"); do
			fa=$(better "$fa" "$(run_fio libaio "$mode" "$qd")")
			ka=$(better "$ka" "$(run_kite aio "$mode" "$qd")")
			fu=$(better "$fu" "$(run_fio io_uring "$mode" "$qd")")
			ku=$(better "$ku" "$(run_kite uring "$mode" "$qd")")
			ks=$(better "$ks" "$(run_kite aio "$seq" "$qd")")
			# As many requests as kite did, so both run about T seconds.
			count=$(awk '{ print ($2 > 1000 ? $2 : 1000) }' <<<"$ks")
			qb=$(better "$qb" "$(run_qemu "$seq" "$qd" "$count")")
		done
		row "fio libaio" "$fa"
		row "kite io aio" "$ka" "fio libaio" "$fa"
		row "fio io_uring" "$fu"
		row "kite io uring" "$ku" "fio io_uring" "$fu"
		row "qemu-img bench ($seq)" "$qb"
		row "kite io aio ($seq)" "$ks" "qemu-img bench" "$qb"
	done
done
