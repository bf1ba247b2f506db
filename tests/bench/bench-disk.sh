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
# alternating; medians count (see row).
#
# On that disk the device is the bottleneck at queue depth 32: every tool
# that keeps 32 requests in flight gets the same IOPS within noise, and only
# CPU per I/O tells the I/O paths apart. So the same matrix runs a second
# time on a 1 GiB file in RAM (tmpfs, which takes O_DIRECT since Linux
# 6.6), where the software path is what limits IOPS. io_uring cannot issue
# tmpfs reads and writes without blocking, so it hands each one to its
# io-wq threads: the uring rows there measure those threads as much as the
# tool.
#
#   BENCH_SECONDS   length of each run [2]
#   BENCH_REPEAT    runs per tool and cell [5]
#   BENCH_IMAGE     the 1 GiB file [/var/tmp/kite-bench-1g.img]; created
#                   with real blocks (not sparse) and removed afterwards
#                   unless BENCH_KEEP=1
#   BENCH_RAMFILE   the file in RAM [/dev/shm/kite-bench-1g.img], always
#                   removed afterwards; "none" skips that pass
set -u
KITE=${KITE:-$(cd "$(dirname "$0")/../.." && pwd)/kite}
T=${BENCH_SECONDS:-2}
R=${BENCH_REPEAT:-5}
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
RAMFILE=${BENCH_RAMFILE:-/dev/shm/kite-bench-1g.img}
cleanup() {
	rm -rf "$tmp"
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$IMG"
	[ "$RAMFILE" = none ] || rm -f "$RAMFILE"
}
trap cleanup EXIT

# timed OUT CMD...: runs CMD, stdout to $tmp/OUT, CPU seconds to $tmp/OUT.cpu.
timed() {
	local out=$1; shift
	/usr/bin/time -f "%U %S" -o "$tmp/$out.time" "$@" >"$tmp/$out" 2>"$tmp/$out.err"
	local rc=$?
	awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/$out.time" >"$tmp/$out.cpu"
	[ $rc = 0 ] || { echo "   FAILED: $*"; sed 's/^/     | /' "$tmp/$out.err" | tail -3; } >&2
	return $rc
}

# Each runner prints "IOPS OPS CPU_SECONDS".
run_kite() {  # engine mode qd
	timed kite "$KITE" io -e "$1" -w "$2" -b 4K -q "$3" -c none -t "$T" "$DEV" || { echo "0 0 0"; return; }
	awk -v cpu="$(cat "$tmp/kite.cpu")" '/^  total/ { print $4, $2, cpu }' "$tmp/kite"
}

# kite io writes the same buffers over and over; so does fio with
# scramble_buffers off (its default rewrites part of each buffer per write,
# CPU that is not the I/O path's).
run_fio() {  # engine mode qd
	timed fio fio --name=bench --filename="$DEV" --size=1G --rw="$2" --bs=4k \
		--iodepth="$3" --ioengine="$1" --direct=1 --runtime="$T" --time_based \
		--norandommap --randrepeat=0 --scramble_buffers=0 --minimal ||
		{ echo "0 0 0"; return; }
	# Terse v3: field 8 read IOPS, 49 write IOPS, 6/47 KiB moved.
	awk -F';' -v cpu="$(cat "$tmp/fio.cpu")" \
		'{ iops = $8 + $49; ops = ($6 + $47) / 4; print iops, ops, cpu }' "$tmp/fio"
}

run_qemu() {  # mode qd count
	local w=; [ "$1" = write ] && w=-w
	timed qemu qemu-img bench -f raw -t none -i native -c "$3" -d "$2" -s 4096 $w "$DEV" ||
		{ echo "0 0 0"; return; }
	awk -v n="$3" -v cpu="$(cat "$tmp/qemu.cpu")" \
		'/Run completed in/ { printf "%.0f %d %s\n", n / $4, n, cpu }' "$tmp/qemu"
}

# row LABEL FILE [PEER-LABEL PEER-FILE]: FILE holds one "IOPS OPS CPU" line
# per round. Prints the median IOPS and CPU per I/O and, against a peer,
# the median of the per-round ratios: rounds alternate, so each ratio
# compares two runs a few seconds apart, which the disk's drift spoils
# far less than it spoils a best-of or a mean.
row() {
	local label=$1 f=$2 peer=${3:-} pf=${4:-/dev/null}
	awk -v label="$label" -v peer="$peer" '
		function median(v, n,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		FNR == NR { k++; iops[k] = $1; us[k] = $2 ? $3 / $2 * 1e6 : 0; next }
		{ p++; piops[p] = $1; pus[p] = $2 ? $3 / $2 * 1e6 : 0 }
		END {
			for (i = 1; i <= k; i++) { a[i] = iops[i]; b[i] = us[i] }
			line = sprintf("   %-22s %9.0f IOPS %7.2f us CPU/IO", label, median(a, k), median(b, k))
			if (peer != "" && p == k) {
				for (i = 1; i <= k; i++) {
					r[i] = piops[i] ? iops[i] / piops[i] : 0
					c[i] = pus[i] ? us[i] / pus[i] : 0
				}
				line = line sprintf("   %5.2fx IOPS, %5.2fx CPU/IO vs %s", median(r, k), median(c, k), peer)
			}
			print line
		}' "$f" "$pf"
}

# matrix DEV: every run and row, on DEV (a file or a block device).
matrix() {
	DEV=$1
	for mode in randread randwrite; do
		seq=${mode#rand}
		for qd in 1 32; do
			echo "   -- $mode, queue depth $qd"
			d=$tmp/$(basename "$DEV")-$mode-$qd
			mkdir -p "$d"
			for _ in $(seq "$R"); do
				run_fio libaio "$mode" "$qd" >>"$d/fa"
				run_kite aio "$mode" "$qd" >>"$d/ka"
				run_fio io_uring "$mode" "$qd" >>"$d/fu"
				run_kite uring "$mode" "$qd" >>"$d/ku"
				run_kite aio "$seq" "$qd" >"$d/ks1"
				cat "$d/ks1" >>"$d/ks"
				# As many requests as kite did, so both run about T seconds.
				count=$(awk '{ print ($2 > 1000 ? $2 : 1000) }' "$d/ks1")
				run_qemu "$seq" "$qd" "$count" >>"$d/qb"
			done
			row "fio libaio" "$d/fa"
			row "kite io aio" "$d/ka" "fio libaio" "$d/fa"
			row "fio io_uring" "$d/fu"
			row "kite io uring" "$d/ku" "fio io_uring" "$d/fu"
			row "qemu-img bench ($seq)" "$d/qb"
			row "kite io aio ($seq)" "$d/ks" "qemu-img bench" "$d/qb"
		done
	done
}

# ramfile: the file in RAM, every page allocated (as the disk file's blocks
# are), if this kernel's tmpfs takes O_DIRECT.
ramfile() {
	[ "$RAMFILE" != none ] || return 1
	dd if=/dev/urandom of="$RAMFILE" bs=1M count=1024 status=none 2>/dev/null &&
		dd if="$RAMFILE" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null
}

echo "   4 KiB, O_DIRECT, ${T} s per run, $R alternating rounds;"
echo "   medians, and the median of per-round ratios (> 1x IOPS, < 1x CPU: kite ahead)"
echo "   == 1 GiB file $IMG"
matrix "$IMG"
if ramfile; then
	echo "   == 1 GiB file in RAM $RAMFILE: the I/O path, not the disk, is the limit"
	matrix "$RAMFILE"
else
	echo "   (no O_DIRECT on tmpfs here, or BENCH_RAMFILE=none: the pass in RAM is skipped)"
fi
