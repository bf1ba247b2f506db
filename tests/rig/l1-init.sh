#!/bin/busybox sh
# /init of the rig's L1 (Debian's cloud kernel under QEMU TCG with emulated
# SVM). It loads kvm-amd, then does what /rig/plan says, reporting on the
# serial console, and powers L1 off. No process outlives it: every inner
# VMM runs under rigrun, which bounds it and kills its process group.
#
# /rig/plan (written by the host, tests/rig/lib.sh) is sourced at the end:
# RIG_HOST_EPOCH (the host's clock), RIG_INNER (kite | qemu: the VMM that
# boots L2), then calls of rig_case_*, rig_bench, rig_run or rig_demo
# below. Markers on the console:
#   RIG-L1 ready UPTIME            /dev/kvm is there
#   RIG-RESULT NAME PASS|FAIL DETAIL
#   RIG-BENCH VMM RUN status=N init_ms=N wall_ms=N user_ms=N sys_ms=N guest_ms=N ...
#   RIG-PROG NAME status=N timed_out=0|1 orphans=0|1   (a host test program)
#   RIG-STARTUP kite|qemu FIGURES  (bench-startup)
#   RIG-L1 done
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
# A root file system as a real machine has, not the initramfs (rootfs):
# pivot_root, which passt's and virtiofsd's own sandboxes do, refuses
# rootfs. Everything moves to a tmpfs and this script starts again there.
if [ "$$" = 1 ] && [ ! -e /.rig-root ]; then
	/bin/busybox mkdir -p /newroot &&
		/bin/busybox mount -t tmpfs -o size=75% root /newroot &&
		for f in /*; do
			case $f in /newroot|/dev|/proc|/sys) ;; *) /bin/busybox cp -a "$f" /newroot/ ;; esac
		done &&
		/bin/busybox mkdir -p /newroot/dev /newroot/proc /newroot/sys &&
		/bin/busybox touch /newroot/.rig-root &&
		exec /bin/busybox switch_root /newroot /init
	echo "RIG-L1 error: could not move the root to a tmpfs; going on from the initramfs"
fi
export PATH=/rig/bin:/bin:/sbin:/usr/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs -o size=1g tmp /tmp	# 64 MiB each way for the net cases, 256 MiB for bench-virtiofs
# kite runs virtiofsd from Debian's path.
[ -x /rig/bin/virtiofsd ] && mkdir -p /usr/lib/qemu /var/run &&
	ln -sf /rig/bin/virtiofsd /usr/lib/qemu/virtiofsd
# Pseudo-terminals, for rigrun -T (the winch case).
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts
# khugepaged off (it wakes after an hour): collapsing huge pages in a VMM's
# guest RAM sends a TLB-flush IPI to the CPUs running its vCPUs, and under
# TCG's emulated SVM a CPU inside L2 has been seen to leave one unanswered
# for 79 s, until L1's soft-lockup panic (khugepaged in
# smp_call_function_many_cond, tests/rig/README.md). Huge pages at fault
# time stay on.
echo 3600000 >/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs

for m in $(cat /rig/l1-modules); do
	insmod "$m" || echo "RIG-L1 insmod $m failed"
done
if [ ! -c /dev/kvm ]; then
	echo "RIG-L1 error: no /dev/kvm after loading kvm-amd (is svm in -cpu?)"
fi
# Booted quiet; from now on kernel warnings come with their traces.
dmesg -n 7
echo "RIG-L1 ready $(cut -d' ' -f1 /proc/uptime)"

# L1's clock comes from QEMU's RTC, i.e. the host's: the date checks
# trust it only if it agrees with the host's clock when the plan was made
# (L1 boots in seconds; the bound allows for a slow, loaded host).
l1_clock_off=
host_now=$(sed -n 's/^RIG_HOST_EPOCH=//p' /rig/plan)
if [ -n "$host_now" ]; then
	now=$(date +%s)
	if [ "$now" -lt "$host_now" ] || [ "$now" -gt $((host_now + 120)) ]; then
		l1_clock_off="l1-clock=$now(host $host_now)"
		echo "RIG-L1 clock $now is off the host's $host_now"
	fi
fi

L2K=/rig/l2/bzImage
L2I=/rig/l2/initrd.cpio
# Debian's kernel prints ~30 KB at boot; over an emulated 8250 in a nested
# guest under TCG that costs seconds, so the tests boot it quiet.
L2_CMDLINE_VERBOSE="console=ttyS0 reboot=k panic=-1"
L2_CMDLINE="$L2_CMDLINE_VERBOSE quiet"

# rig_vmm_cmd CPUS MEM CMDLINE: the inner VMM's command line booting L2,
# as shell words for eval. QEMU gets the legacy devices kite has (i8042
# for reboot=k, the RTC): without them the guest kernel spends seconds
# probing empty ports, and its i8042 reset loop a minute.
# Further arguments are virtio-blk disks in kite's syntax
# (PATH[,ro][,cache=none|writeback][,engine=...]); QEMU gets the same as
# -drive with aio=native for cache=none (threads otherwise) and a
# virtio-blk-device (microvm: virtio-mmio, which it describes in its ACPI
# DSDT, so Debian's kernel finds it without virtio_mmio.device=).
# One request queue per vCPU, as kite has (QEMU's virtio-blk-device
# would have one). RIG_INNER=qemu-pci is the same microvm with pcie=on (a PCIe host bridge
# in its ACPI tables) and virtio-blk-pci: QEMU on kite's default transport.
# RIG_TRANSPORT=mmio runs kite with --transport mmio; RIG_KERNEL replaces
# the L2 kernel (see rig_mmio).
rig_vmm_cmd() {
	cpus=$1 mem=$2 cmdline=$3
	shift 3
	case $RIG_INNER in
	kite)
		printf "kite run --kernel ${RIG_KERNEL:-$L2K} --initrd $L2I --cmdline '$cmdline' --cpus $cpus --mem $mem"
		[ -n "${RIG_TRANSPORT:-}" ] && printf " --transport %s" "$RIG_TRANSPORT"
		for d in "$@"; do printf " --disk %s" "$d"; done
		echo ;;
	qemu|qemu-pci)
		m=microvm,rtc=on blkdev=virtio-blk-device
		[ $RIG_INNER = qemu-pci ] && m=$m,pcie=on blkdev=virtio-blk-pci
		# The mini kernel has no ACPI: microvm then puts its virtio-mmio
		# devices on the command line only without ACPI tables.
		[ -n "${RIG_KERNEL:-}" ] && m=$m,acpi=off
		printf "qemu-system-x86_64 -M $m -device i8042 -enable-kvm -cpu host"
		printf " -m $mem -smp $cpus -nodefaults -no-user-config -display none -serial stdio"
		printf " -kernel ${RIG_KERNEL:-$L2K} -initrd $L2I -append '$cmdline' -no-reboot"
		i=0
		for d in "$@"; do
			o="file=${d%%,*},if=none,id=d$i,format=raw"
			case ,$d, in *,ro,*) o="$o,readonly=on" ;; esac
			case ,$d, in
			*,cache=writeback,*) o="$o,cache=writeback,aio=threads" ;;
			*) o="$o,cache=none,aio=native" ;;
			esac
			printf " -drive %s -device %s,drive=d%s,num-queues=%s" "$o" $blkdev $i $cpus
			i=$((i + 1))
		done
		echo ;;
	*)
		echo "echo unknown inner VMM $RIG_INNER; false" ;;
	esac
}

# rig_vmm_run NAME TIMEOUT CPUS MEM CMDLINE [DISK...]: boot L2 with the inner VMM,
# output prefixed on the console and kept in /tmp/NAME.log, figures in
# /tmp/NAME.res (see rigrun.c). Sets t0/t1 (L1 wall clock around the run).
rig_vmm_run() {	# ... [DISK...]: see rig_vmm_cmd
	name=$1 secs=$2
	shift 2
	eval "set -- $(rig_vmm_cmd "$@")"
	rig_l2_run "$@"
}

# rig_l2_run CMD...: run the VMM command under rigrun for case $name,
# bounded by $secs (both set by the caller); sets t0/t1, prints rigrun's
# figures.
rig_l2_run() {
	t0=$(date +%s)
	# RIG_SNAP=FILE: snapshots of the VMM's counters on the guest's
	# RIG-SNAP lines, with the trace histograms of rig_trace_on.
	rigrun -t "$secs" -m RIG-L2-INIT -o "/tmp/$name.log" -p "  $name| " \
		-r "/tmp/$name.res" ${RIG_SNAP:+-s "$RIG_SNAP" $RIG_SNAP_FILES} -- "$@" </dev/null
	t1=$(date +%s)
	cat "/tmp/$name.res"
}

res_field() {	# res_field NAME FIELD: from rigrun's "RIGRUN status=..." line
	grep '^RIGRUN ' "/tmp/$1.res" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
l2_field() {	# l2_field NAME FIELD: from the guest's "RIG-L2 cpus=..." line
	tr -d '\r' <"/tmp/$1.log" | grep -m1 '^RIG-L2 cpus=' | tr ' ' '\n' | sed -n "s/^$2=//p"
}
mem_kb() {	# 256M -> 262144
	case $1 in
	*G) echo $((${1%G} * 1048576)) ;;
	*M) echo $((${1%M} * 1024)) ;;
	esac
}

# Every case ends with the VMM's own checks: it exited by itself (no
# timeout), left nothing running, and with the expected status.
rig_common() {	# rig_common NAME WANT_STATUS -> sets why
	why=
	[ "$(res_field "$1" timed_out)" = 1 ] && why="$why timed-out"
	[ "$(res_field "$1" orphans)" = 1 ] && why="$why left-processes"
	st=$(res_field "$1" status)
	[ "$st" = "$2" ] || why="$why exit=$st(want $2)"
	grep -q '^RIG-L2-INIT' "/tmp/$1.log" || why="$why no-init-marker"
}

rig_result() {	# rig_result NAME DETAIL
	# An L2 that triple-faulted (kite says so) or whose kernel took a
	# double fault is marked for run-tests.sh, which gives the case one
	# fresh L1 (tests/rig/README.md, "Measured here", 2026-12-07 and -08:
	# TCG's nested SVM delivering an interrupt it must not).
	[ -n "$why" ] && cat /tmp/"$1"*.log 2>/dev/null |
		grep -q -e "guest triple-faulted" -e "PANIC: double fault" && why="$why l2-tcg-fault"
	if [ -z "$why" ]; then
		echo "RIG-RESULT $1 PASS $2"
	else
		echo "RIG-RESULT $1 FAIL${why} ($2)"
	fi
}

# L2 boots to init with CPUS and MEM, sees them and the right date, and
# stops with `reboot -f` (reboot=k: i8042 reset), which must end the VMM
# with status 0.
rig_case_boot() {	# rig_case_boot NAME TIMEOUT CPUS MEM
	rig_vmm_run "$1" "$2" "$3" "$4" "$L2_CMDLINE rig.test=boot"
	rig_common "$1" 0
	if ! tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 cpus='; then
		why="$why no-guest-report"
		rig_result "$1" "init_ms=-"
		return
	fi
	cpus=$(l2_field "$1" cpus)
	mem=$(l2_field "$1" memtotal_kb)
	date=$(l2_field "$1" date)
	want=$(mem_kb "$4")
	[ "$cpus" = "$3" ] || why="$why cpus=$cpus(want $3)"
	# MemTotal is RAM less what the kernel keeps for itself: ~30 MiB
	# (image, low memory) plus ~3% (memmap), measured with QEMU microvm
	# as 222756 kB of 256 MiB and 5047208 kB of 5 GiB. Losing a 128 MiB
	# chunk of RAM (a bad e820 map, the hole below 4 GiB) fails this.
	low=$((want / 100 * 95 - 49152))
	if [ -z "$mem" ] || [ "$mem" -gt "$want" ] || [ "$mem" -lt "$low" ]; then
		why="$why memtotal_kb=$mem(want $low..$want)"
	fi
	# The guest's clock must read the host's wall time: between L1's
	# clock just before the VMM started and just after it ended (L1's
	# clock was checked against the host's when L1 came up).
	[ -n "$l1_clock_off" ] && why="$why $l1_clock_off"
	if [ -z "$date" ] || [ "$date" -lt $((t0 - 2)) ] || [ "$date" -gt $((t1 + 2)) ]; then
		why="$why date=$date(want $t0..$t1)"
	fi
	# kite's SMBIOS names it in the guest's DMI (no "DMI not present").
	dmi=$(l2_field "$1" dmi)
	[ "$RIG_INNER" != kite ] || [ "$dmi" = kite ] || why="$why dmi=$dmi(want kite)"
	tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 modules ok' || why="$why no-modules-marker"
	tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 modules.* failed' && why="$why virtio-modules-failed"
	rig_result "$1" "cpus=$cpus memtotal_kb=$mem date=$date dmi=$dmi l1=$t0..$t1 init_ms=$(sed -n 's/^RIGRUN-MARK RIG-L2-INIT //p' "/tmp/$1.res")"
}

# The guest's own `reboot` (busybox init shutting down, kernel's default
# reboot method, no reboot=k) ends the VMM with status 0.
rig_case_reboot() {	# rig_case_reboot NAME TIMEOUT
	rig_vmm_run "$1" "$2" 1 256M "console=ttyS0 panic=-1 quiet rig.test=reboot"
	rig_common "$1" 0
	tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 reboot' || why="$why no-reboot-marker"
	rig_result "$1" "guest ran reboot"
}

# A guest kernel panic with panic=-1 reboots at once, ending the VMM
# with status 0.
rig_case_panic() {	# rig_case_panic NAME TIMEOUT
	rig_vmm_run "$1" "$2" 1 256M "$L2_CMDLINE rig.test=panic"
	rig_common "$1" 0
	tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 panicking' || why="$why no-sysrq-marker"
	grep -q 'Kernel panic' "/tmp/$1.log" || why="$why no-panic-message"
	rig_result "$1" "guest kernel panicked"
}

# ---- virtio-blk -------------------------------------------------------
# Images live on /disk: ext2 on a RAM disk (brd) in L1. A RAM disk, so
# the outer QEMU's emulated disk (TCG: slow and noisy) is not what is
# measured; a block device rather than L1's tmpfs, because tmpfs refuses
# O_DIRECT, which kite's cache=none and QEMU's aio=native need. loop lets
# L1 look into an image's filesystem.
rig_disk_setup() {
	grep -q " /disk " /proc/mounts && return 0
	insmod /rig/mod/brd.ko rd_nr=1 rd_size=1048576 &&
		insmod /rig/mod/loop.ko &&
		mke2fs -q -m 0 -i 1048576 /dev/ram0 && mkdir -p /disk /mnt &&
		mount -t ext2 /dev/ram0 /disk
}
# rig_image FILE MIB: a zeroed, allocated (not sparse) image, written back
# (an O_DIRECT read of dirty pages would first wait for their writeback).
rig_image() {
	rm -f "$1"
	dd if=/dev/zero of="$1" bs=1M count="$2" conv=fsync 2>/dev/null
}
# l2_marker NAME PREFIX FIELD: FIELD=value from the guest's line starting
# with PREFIX (e.g. "RIG-L2 blk ").
l2_marker() {
	tr -d '\r' <"/tmp/$1.log" | grep -m1 "^$2" | tr ' ' '\n' | sed -n "s/^$3=//p"
}
# What the guest wrote, made again by L1: the guest's seq output.
md5_of_seq() { seq "$1" "$2" | md5sum | cut -d' ' -f1; }
md5_file() { md5sum "$1" 2>/dev/null | cut -d' ' -f1; }
# img_md5 IMAGE FILE: a file's checksum inside IMAGE's ext2 (loop, ro).
img_md5() {
	mount -t ext2 -o ro,loop "$1" /mnt 2>/dev/null || { echo no-mount; return; }
	md5_file "/mnt/$2"
	umount /mnt
}
# blk_common NAME SECTORS RO [QUEUES]: the guest's view of vda.
blk_common() {
	v=$(l2_marker "$1" "RIG-L2 blk " sectors)
	[ "$v" = "$2" ] || why="$why sectors=$v(want $2)"
	v=$(l2_marker "$1" "RIG-L2 blk " ro)
	[ "$v" = "$3" ] || why="$why ro=$v(want $3)"
	if [ -n "${4:-}" ]; then
		v=$(l2_marker "$1" "RIG-L2 blk " queues)
		[ "$v" = "$4" ] || why="$why queues=$v(want $4)"
	fi
}
BLK_IMG=/disk/blk.img
BLK_MIB=64
DATA_MD5=
# The image blk-readback and blk-ro read: blk-rw's, or if that did not
# run, one L1 makes the same way.
blk_seed() {
	DATA_MD5=$(md5_of_seq 1 100000)
	[ -e $BLK_IMG ] && return
	rig_image $BLK_IMG $BLK_MIB
	mke2fs -q -F $BLK_IMG && mount -t ext2 -o loop $BLK_IMG /mnt &&
		seq 1 100000 >/mnt/data && umount /mnt
}

# The guest makes a filesystem on vda (cache=none, libaio), writes a file,
# syncs and resets at once; L1 finds the file in the image. Then L1 adds a
# file of its own for blk-readback.
rig_case_blk_rw() {	# NAME TIMEOUT
	why=
	rig_disk_setup || { why=" no-ram-disk"; rig_result "$1" "L1 setup"; return; }
	rig_image $BLK_IMG $BLK_MIB
	DATA_MD5=$(md5_of_seq 1 100000)
	rig_vmm_run "$1" "$2" 1 256M "$L2_CMDLINE rig.test=blk-rw" "$BLK_IMG,cache=none,engine=aio"
	rig_common "$1" 0
	blk_common "$1" $((BLK_MIB * 2048)) 0
	g=$(l2_marker "$1" "RIG-L2 blk-rw " data)
	[ "$g" = "$DATA_MD5" ] || why="$why guest-data=$g"
	h=$(img_md5 $BLK_IMG data)
	[ "$h" = "$DATA_MD5" ] || why="$why image-data=$h(want $DATA_MD5)"
	mount -t ext2 -o loop $BLK_IMG /mnt && seq 300000 350000 >/mnt/host && umount /mnt
	rig_result "$1" "vda ${BLK_MIB}MiB mkfs+write+sync+reset; image holds data=$h"
}

# A second boot (cache=writeback, the sync engine) reads back what the
# first wrote and what L1 added, and writes a file L1 then finds.
rig_case_blk_readback() {	# NAME TIMEOUT
	why=
	rig_disk_setup || { why=" no-ram-disk"; rig_result "$1" "L1 setup"; return; }
	blk_seed
	mount -t ext2 -o loop $BLK_IMG /mnt 2>/dev/null &&
		{ [ -e /mnt/host ] || seq 300000 350000 >/mnt/host; } && umount /mnt
	rig_vmm_run "$1" "$2" 1 256M "$L2_CMDLINE rig.test=blk-readback" \
		"$BLK_IMG,cache=writeback,engine=sync"
	rig_common "$1" 0
	blk_common "$1" $((BLK_MIB * 2048)) 0
	g=$(l2_marker "$1" "RIG-L2 blk-readback " data)
	[ "$g" = "$DATA_MD5" ] || why="$why guest-data=$g(want $DATA_MD5)"
	g=$(l2_marker "$1" "RIG-L2 blk-readback " host)
	w=$(md5_of_seq 300000 350000)
	[ "$g" = "$w" ] || why="$why guest-host-file=$g(want $w)"
	h=$(img_md5 $BLK_IMG back)
	w=$(md5_of_seq 200000 250000)
	[ "$h" = "$w" ] || why="$why image-back=$h(want $w)"
	rig_result "$1" "guest read data+host file, wrote back=$h"
}

# A read-only disk: the guest sees ro=1, its raw and file writes fail, its
# reads work, and the image is unchanged.
rig_case_blk_ro() {	# NAME TIMEOUT
	why=
	rig_disk_setup || { why=" no-ram-disk"; rig_result "$1" "L1 setup"; return; }
	blk_seed
	before=$(md5_file $BLK_IMG)
	rig_vmm_run "$1" "$2" 1 256M "$L2_CMDLINE rig.test=blk-ro" "$BLK_IMG,ro"
	rig_common "$1" 0
	blk_common "$1" $((BLK_MIB * 2048)) 1
	for f in raw-write file-write; do
		v=$(l2_marker "$1" "RIG-L2 blk-ro " $f)
		[ "$v" = fail ] || why="$why $f=$v(want fail)"
	done
	g=$(l2_marker "$1" "RIG-L2 blk-ro " data)
	[ "$g" = "$DATA_MD5" ] || why="$why guest-data=$g(want $DATA_MD5)"
	after=$(md5_file $BLK_IMG)
	[ "$before" = "$after" ] || why="$why image-changed"
	rig_result "$1" "ro=1, writes refused, image unchanged"
}

# Device reset under I/O (cache=none, io_uring): the guest unbinds
# virtio_blk from the disk while dd writes to it with O_DIRECT, then
# rmmod + insmod. Every block dd saw complete is intact, in the guest and
# in the image, and the device works again.
rig_case_blk_reload() {	# NAME TIMEOUT
	why=
	rig_disk_setup || { why=" no-ram-disk"; rig_result "$1" "L1 setup"; return; }
	img=/disk/reload.img
	rig_image $img 64
	rig_vmm_run "$1" "$2" 1 256M "$L2_CMDLINE rig.test=blk-reload" "$img,cache=none,engine=uring"
	rig_common "$1" 0
	blk_common "$1" 131072 0
	n=$(l2_marker "$1" "RIG-L2 blk-reload " written)
	t=$(l2_marker "$1" "RIG-L2 blk-reload " total)
	for f in intact after; do
		v=$(l2_marker "$1" "RIG-L2 blk-reload " $f)
		case $f=$v in intact=yes|after=ok) ;; *) why="$why $f=$v" ;; esac
	done
	# Under I/O: some blocks done, not all.
	if [ -z "$n" ] || [ -z "$t" ] || [ "$n" -lt 1 ] || [ "$n" -ge "$t" ]; then
		why="$why written=$n(want 1..$t-1: reset not under I/O)"
	else
		seq -w 1000000 1524287 >/tmp/pat
		a=$(dd if=/tmp/pat bs=4096 count="$n" 2>/dev/null | md5sum | cut -d' ' -f1)
		b=$(dd if=$img bs=4096 count="$n" 2>/dev/null | md5sum | cut -d' ' -f1)
		[ "$a" = "$b" ] || why="$why image-blocks-differ"
		rm -f /tmp/pat
	fi
	rig_result "$1" "reset after $n of $t blocks; all $n intact in guest and image"
}

# Two vCPUs, two queues: a writer pinned to each CPU; both regions intact.
rig_case_blk_mq() {	# NAME TIMEOUT
	why=
	rig_disk_setup || { why=" no-ram-disk"; rig_result "$1" "L1 setup"; return; }
	img=/disk/mq.img
	rig_image $img 64
	rig_vmm_run "$1" "$2" 2 256M "$L2_CMDLINE rig.test=blk-mq" "$img"
	rig_common "$1" 0
	blk_common "$1" 131072 0 2
	for f in a b; do
		v=$(l2_marker "$1" "RIG-L2 blk-mq " $f)
		[ "$v" = ok ] || why="$why writer-$f=$v"
	done
	# Both queues carried requests: each one's own MSI-X vector fired
	# (kite's PCI transport; virtio-mmio has one interrupt per device).
	q=$(l2_marker "$1" "RIG-L2 blk-mq " irqs)
	if [ "$RIG_INNER" = kite ] && [ "${RIG_TRANSPORT:-pci}" = pci ]; then
		case $q in
		*,*,* | *,0 | 0,* | *[!0-9,]* | '') why="$why irqs=$q(want 2 queues, both used)" ;;
		*,*) ;;
		*) why="$why irqs=$q(want 2 queues, both used)" ;;
		esac
	else
		q="n/a (one per device)"
	fi
	a=$(seq -w 1000000 1131071 | md5sum | cut -d' ' -f1)
	b=$(dd if=$img bs=4096 count=256 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$a" = "$b" ] || why="$why image-region-a"
	a=$(seq -w 2000000 2131071 | md5sum | cut -d' ' -f1)
	b=$(dd if=$img bs=4096 count=256 skip=1024 2>/dev/null | md5sum | cut -d' ' -f1)
	[ "$a" = "$b" ] || why="$why image-region-b"
	rig_result "$1" "2 queues, interrupts per queue $q, both regions intact"
}

# ---- nothing acknowledged is lost (issue 15) --------------------------
# rig_case_blk_durable NAME TIMEOUT raw|fs ENGINE CACHE KILLS: KILLS times,
# the guest writes numbered records (l2-init.sh blk-durable-*) to a fresh
# image, reporting each once its write and flush returned; L1 waits for
# the first report, then SIGKILLs kite at a random moment 0-2.5 s into the
# write phase. Every record the guest reported (1..N, written in order)
# must then be in the image: raw, block n holds record n; fs, the ext2
# (mounted read-only as it was left, uncleanly) holds file rn with it.
# Prints acknowledged, found and lost over all kills; lost must be 0.
DUR_IMG=/disk/durable.img
# records_found MAX: "FOUND [missing N...]": distinct records 1..MAX in
# the text on stdin, and the first missing ones. The leading zeros go
# first: busybox awk reads "00000021" as octal.
records_found() {
	awk -v m="$1" '$1 == "kite-record" && NF == 2 && length($2) == 8 {
		s = $2; sub(/^0+/, "", s); n = s + 0
		if (n >= 1 && n <= m && !seen[n]++) c++ }
		END {
			printf "%d", c
			for (i = 1; i <= m && k < 8; i++) if (!seen[i]) printf "%s %d", k++ ? "" : " missing", i
			print ""
		}'
}
# durable_acked NAME: the last record the guest reported, whole lines only.
durable_acked() {
	tr -d '\r' <"/tmp/$1.log" | sed -n 's/^RIG-L2 durable \([0-9][0-9]*\)$/\1/p' | tail -n 1
}
durable_found() {	# durable_found MODE ACKED
	if [ "$1" = raw ]; then
		dd if=$DUR_IMG bs=4096 skip=1 count="$2" 2>/dev/null | tr -d '\0' | records_found "$2"
		return
	fi
	mount -t ext2 -o ro,loop $DUR_IMG /mnt 2>/dev/null || { echo "0 no-mount"; return; }
	i=1
	while [ $i -le "$2" ]; do cat /mnt/r$i 2>/dev/null; i=$((i + 1)); done | records_found "$2"
	umount /mnt
}
rig_case_blk_durable() {	# NAME TIMEOUT MODE ENGINE CACHE KILLS
	name=$1 secs=$2 mode=$3 engine=$4 cache=$5 kills=$6
	disk="$DUR_IMG,engine=$engine,cache=$cache"
	why= acked=0 found=0 k=0 late=0
	rig_disk_setup || { why=" no-ram-disk"; rig_result "$1" "L1 setup"; return; }
	while [ $k -lt "$kills" ]; do
		k=$((k + 1))
		rig_image $DUR_IMG 64
		eval "set -- $(rig_vmm_cmd 1 256M "$L2_CMDLINE rig.test=blk-durable-$mode" "$disk")"
		# Emptied here, not by the background job's redirection: the
		# wait below must not see the last kill's records.
		: >"/tmp/$name.log"
		"$@" </dev/null >>"/tmp/$name.log" 2>&1 &
		pid=$!
		n=0
		while ! tr -d '\r' <"/tmp/$name.log" | grep -q '^RIG-L2 durable 1$' &&
			kill -0 $pid 2>/dev/null && [ $n -lt $((secs * 10)) ]; do
			sleep 0.1; n=$((n + 1))
		done
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		delay=$((r % 250 / 100)).$((r % 250 % 100 / 10))$((r % 10))
		sleep "$delay"
		kill -KILL $pid 2>/dev/null
		wait $pid
		st=$?
		a=$(durable_acked "$name")
		f=$(durable_found "$mode" "${a:-0}")
		echo "RIG-L1 $name kill $k after ${delay}s: status $st, acknowledged ${a:-0}, found $f"
		[ "$st" = 137 ] || why="$why kill$k-exit=$st"
		[ -n "$a" ] || why="$why kill$k-no-record($(tr -d '\r' <"/tmp/$name.log" | grep -m1 -E 'RIG-L2 durable|error' | head -c 120))"
		tr -d '\r' <"/tmp/$name.log" | grep -q '^RIG-L2 durable done' && late=$((late + 1))
		acked=$((acked + ${a:-0})) found=$((found + ${f%% *}))
	done
	[ "$found" = "$acked" ] || why="$why lost=$((acked - found))"
	[ $late = 0 ] || why="$why $late-kills-after-the-writes-ended"
	rig_result "$name" "$mode $engine cache=$cache: $kills kills, $acked records acknowledged, $found found, $((acked - found)) lost"
}

# rig_mmio CASE NAME TIMEOUT: a blk case on virtio-mmio, with the mini
# kernel (guest/linux: VIRTIO_MMIO_CMDLINE_DEVICES, which Debian's lacks).
rig_mmio() {
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$2" "-"; return
	fi
	RIG_TRANSPORT=mmio RIG_KERNEL=$MINI_BZIMAGE
	$1 "$2" "$3"
	RIG_TRANSPORT= RIG_KERNEL=
}

# ---- fio bench (tests/bench/bench-virtio.sh) ----------------------------
# fio runs from /rig/fio.img (ext2: fio and its libraries) by chroot, in
# L2 from a second disk, in L1 from a loop mount, against the same
# 256 MiB image on /disk. Lines: RIG-FIO WHO RUN RW QD iops=N
FIO_IMG=/disk/bench.img
rig_fio_prepare() {
	rig_disk_setup || return 1
	[ -e $FIO_IMG ] || rig_image $FIO_IMG 256
	grep -q " /fio " /proc/mounts && return 0
	mkdir -p /fio && mount -t ext2 -o ro,loop /rig/fio.img /fio &&
		mount --bind /disk /fio/disk && mount -t devtmpfs dev /fio/dev &&
		mount -t proc proc /fio/proc && mount -t sysfs sys /fio/sys
}
rig_bench_fio() {	# WHO(l1|kite|qemu|qemu-pci) RUN SECS TIMEOUT
	if ! rig_fio_prepare; then
		echo "RIG-FIO $1 $2 setup failed"
		return
	fi
	if [ "$1" = l1 ]; then
		for rw in randread randwrite; do
			for qd in 1 32; do
				f=8
				[ $rw = randwrite ] && f=49
				iops=$(chroot /fio /usr/bin/fio --name=j --filename=$FIO_IMG --direct=1 \
					--ioengine=libaio --rw=$rw --bs=4k --iodepth=$qd --runtime=$3 \
					--time_based --norandommap --randrepeat=0 --minimal 2>&1 |
					awk -F';' -v f=$f '/^3;/ { print $f }')
				echo "RIG-FIO l1 $2 $rw $qd iops=${iops:-fail}"
			done
		done
		return
	fi
	RIG_INNER=$1
	n=fio-$1-$2
	# Round "cost": the same jobs, counted (see rig_cost_of), not timed.
	snap= RIG_SNAP=
	if [ "$2" = cost ]; then
		if rig_trace_on; then
			snap=rig.fio_snap=1 RIG_SNAP=/tmp/$n.snap
		else
			echo "RIG-FIO $1 $2 setup failed: no tracing"
		fi
	fi
	rig_vmm_run "$n" "$4" 1 512M "$L2_CMDLINE rig.test=fio rig.fio_secs=$3 $snap" \
		"$FIO_IMG,cache=none,engine=aio" "/rig/fio.img,ro,cache=writeback" >/dev/null
	if [ -n "$snap" ]; then
		rig_trace_off
		rig_cost_of "$n" "$1"
		RIG_SNAP=
	fi
	echo "RIG-FIO-VMM $1 $2 status=$(res_field "$n" status) wall_ms=$(res_field "$n" wall_ms)" \
		"user_ms=$(res_field "$n" user_ms) sys_ms=$(res_field "$n" sys_ms)" \
		"guest_ms=$(res_field "$n" guest_ms)"
	tr -d '\r' <"/tmp/$n.log" | sed -n "s/^RIG-L2 fio \([a-z]*\) qd\([0-9]*\) /RIG-FIO $1 $2 \1 \2 /p"
	# No figures: the guest's console from its first kernel warning
	# (or the end), for the reason.
	if ! tr -d '\r' <"/tmp/$n.log" | grep -q '^RIG-L2 fio '; then
		echo "RIG-FIO-FAIL $1 $2 no fio figures from the guest"
		tr -d '\r' <"/tmp/$n.log" | sed -n '/BUG\|Oops\|general protection\|RIP:\|panic/,$p' |
			head -n 40
		tail -n 5 "/tmp/$n.log"
	fi
}

# ---- cost per I/O (tests/bench/bench-virtio.sh) -------------------------
# What each I/O costs, counted rather than timed (TCG makes time noisy, not
# counts): L1 KVM's exits by reason (kvm_exit histogram) and its per-VM
# stats, the MSRs the guest touched (kvm_msr), the VMM's syscalls by
# thread and number (raw_syscalls), its threads' context switches and CPU
# time; and in L2 the requests and interrupts. Histograms cover all of
# L1; only one VM runs at a time, and syscalls are kept for the VMM's
# threads only.
TRACE=/sys/kernel/tracing
rig_trace_on() {
	grep -q " /sys/kernel/debug " /proc/mounts ||
		mount -t debugfs debugfs /sys/kernel/debug || return 1
	grep -q " $TRACE " /proc/mounts || mount -t tracefs tracefs $TRACE || return 1
	RIG_SNAP_FILES=
	for t in kvm/kvm_exit:exit_reason kvm/kvm_msr:ecx,write raw_syscalls/sys_enter:common_pid,id; do
		echo "hist:keys=${t#*:}:size=4096" >"$TRACE/events/${t%:*}/trigger" || return 1
		RIG_SNAP_FILES="$RIG_SNAP_FILES -S $TRACE/events/${t%:*}/hist"
	done
}
rig_trace_off() {
	for t in kvm/kvm_exit:exit_reason kvm/kvm_msr:ecx,write raw_syscalls/sys_enter:common_pid,id; do
		echo "!hist:keys=${t#*:}:size=4096" >"$TRACE/events/${t%:*}/trigger" 2>/dev/null
	done
	RIG_SNAP_FILES=
}

# rig_cost_of NAME WHO: from /tmp/NAME.snap and the guest's "RIG-L2 cost"
# lines, one line per fio job: RIG-COST WHO RW QD ios=N KEY=PER_IO...
# Keys: exits (all L2 exits L1's KVM handled), x.REASON (by SVM exit
# code), kvm.STAT (L1 KVM per-VM stats: irq_injections, halt_exits, ...),
# msr.ECX.r|w, vcpu_cs / io_cs (context switches of the vCPU threads / of
# the others), vcpu_us / io_us (their CPU time), sys.vcpu|io (syscalls),
# sc.NAME (syscalls by number), l2.irq_dev|irq_loc|irq_all (interrupts in
# L2: the disk's, the local timer's, all).
rig_cost_of() {
	tr -d '\r' <"/tmp/$1.log" | sed -n 's/^RIG-L2 cost //p' >"/tmp/$1.l2cost"
	awk -v who="$2" -v l2="/tmp/$1.l2cost" '
	function add(k, v) { val[snap, k] += v; keys[k] = 1 }
	$1 == "SNAP" { snap = $2 " " $3 " " $4; file = ""; next }
	$1 == "END" { file = ""; next }
	$1 == "kvm" { add("kvm." $2, $3); next }
	$1 == "task" {
		cls = $6 > 0 ? "vcpu" : "io"
		tid[snap, $2] = cls
		add(cls "_us", $3 / 1000); add(cls "_cs", $4 + $5)
		next
	}
	$1 == "io" { next }
	$1 == "file" { file = $2; next }
	file != "" && /^\{/ {
		# { k1: v1, k2: v2 } hitcount: N
		line = $0; gsub(/[{},]/, " ", line); n = split(line, w, " ")
		delete kv
		for (i = 1; i < n; i++) if (w[i] ~ /:$/) { kv[substr(w[i], 1, length(w[i]) - 1)] = w[i + 1]; i++ }
		hits = kv["hitcount"]
		if (file ~ /kvm_exit/) { add("exits", hits); add("x." kv["exit_reason"], hits) }
		else if (file ~ /kvm_msr/) add("msr." sprintf("%x", kv["ecx"]) (kv["write"] ? ".w" : ".r"), hits)
		else if (file ~ /sys_enter/) { pend[++np] = snap SUBSEP kv["common_pid"] SUBSEP kv["id"] SUBSEP hits }
	}
	END {
		# syscalls: only the VMM threads, known from the task lines.
		for (i = 1; i <= np; i++) {
			split(pend[i], p, SUBSEP)
			c = tid[p[1], p[2]]
			if (c == "") continue
			val[p[1], "sys." c] += p[4]; keys["sys." c] = 1
			val[p[1], "sc." c "." p[3]] += p[4]; keys["sc." c "." p[3]] = 1
		}
		while ((getline line <l2) > 0) {
			split(line, f, " "); rw = f[1]; qd = f[2]; sub(/^qd/, "", qd)
			ios = 0
			for (i = 3; i in f; i++) { split(f[i], kvp, "="); l2v[kvp[1]] = kvp[2] }
			ios = l2v["ios"]
			b = "b " rw " " qd; e = "e " rw " " qd
			if (ios <= 0) continue
			out = "RIG-COST " who " " rw " " qd " ios=" ios
			for (k in l2v) if (k != "ios") out = out sprintf(" l2.%s=%.3f", k, l2v[k] / ios)
			for (k in keys) {
				d = val[e, k] - val[b, k]
				if (d != 0) out = out sprintf(" %s=%.3f", k, d / ios)
			}
			print out
		}
	}' "/tmp/$1.snap"
}

# The mini kernel (guest/linux: everything built in, virtio-mmio command-
# line devices, PVH entry, no ACPI), put in /rig/files by run-tests.sh.
MINI_BZIMAGE=/rig/files/bzImage
MINI_VMLINUX=/rig/files/vmlinux

# rig_mini_cmd KERNEL CPUS MEM CMDLINE TRANSPORT [DISK]: the inner VMM's
# command line booting KERNEL with L2's initrd, with DISK (virtio-blk,
# host page cache: L1's /tmp is tmpfs, no O_DIRECT) and a virtio-rng on
# TRANSPORT. QEMU microvm has no PCI the mini kernel can find (its PCIe is
# described only in ACPI), so with QEMU the transport is always mmio; it
# announces its virtio-mmio devices on the command line only with acpi=off.
rig_mini_cmd() {
	case $RIG_INNER in
	kite)
		echo "kite run --kernel $1 --initrd $L2I --cmdline '$4' --cpus $2 --mem $3" \
			"--transport $5${6:+ --disk $6,cache=writeback --rng}" ;;
	qemu)
		echo "qemu-system-x86_64 -M microvm,rtc=on,acpi=off -device i8042 -enable-kvm -cpu host" \
			"-m $3 -smp $2 -nodefaults -no-user-config -display none -serial stdio" \
			"-kernel $1 -initrd $L2I -append '$4' -no-reboot" \
			"${6:+-drive file=$6,if=none,id=d0,format=raw -device virtio-blk-device,drive=d0 -device virtio-rng-device}" ;;
	*)
		echo "echo unknown inner VMM $RIG_INNER; false" ;;
	esac
}

rig_mini_run() {	# rig_mini_run NAME TIMEOUT ARGS...: as rig_vmm_run
	name=$1 secs=$2
	eval "set -- $(shift 2; rig_mini_cmd "$@")"
	rig_l2_run "$@"
}

l2_line() {	# l2_line NAME PREFIX: the guest's first console line starting with PREFIX
	tr -d '\r' <"/tmp/$1.log" | grep -m1 "^$2"
}

# The mini kernel on TRANSPORT with a disk and an rng (rig.test=devs):
# the guest finds a virtio-blk (id 2) and a virtio-rng (id 4) on that
# transport, reads random bytes from the hwrng, the disk's first line
# (random, written here) and size, and writes a line the image must hold
# after the VMM exits 0.
rig_case_mini_devs() {	# rig_case_mini_devs NAME TIMEOUT TRANSPORT CPUS [intx]
	why=
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	img=/tmp/$1.img
	want=kite-mini-$1-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
	dd if=/dev/zero of=$img bs=1M count=8 2>/dev/null
	echo "$want" | dd of=$img conv=notrunc 2>/dev/null
	# intx: no MSI, so the devices interrupt through INTA#, which this
	# kernel (no ACPI) routes from the MP table's PCI entries.
	extra=; [ "${5:-}" = intx ] && extra=pci=nomsi
	rig_mini_run "$1" "$2" $MINI_BZIMAGE "$4" 256M "$L2_CMDLINE rig.test=devs $extra" "$3" $img
	rig_common "$1" 0
	irqs=$(l2_line "$1" "RIG-L2 irqs")
	if [ "${5:-}" = intx ]; then
		for i in ${irqs#RIG-L2 irqs}; do
			case $i in *:IO-APIC:0) why="$why no-interrupts($i)" ;; *:IO-APIC:*) ;;
			*) why="$why not-intx($i)" ;; esac
		done
		[ "$irqs" != "RIG-L2 irqs" ] || why="$why no-virtio-irqs"
	fi
	cpus=$(l2_field "$1" cpus)
	[ "$cpus" = "$4" ] || why="$why cpus=$cpus(want $4)"
	l2_line "$1" "RIG-L2 modules built-in" >/dev/null || why="$why not-the-mini-kernel"
	virtio=$(l2_line "$1" "RIG-L2 virtio")
	case $virtio in *"=0x0002@$3"*) ;; *) why="$why no-virtio-blk@$3" ;; esac
	case $virtio in *"=0x0004@$3"*) ;; *) why="$why no-virtio-rng@$3" ;; esac
	rng=$(l2_line "$1" "RIG-L2 hwrng=")
	case $rng in "RIG-L2 hwrng=virtio_rng"*) ;; *) why="$why hwrng-not-virtio" ;; esac
	bytes=${rng##*bytes=}
	{ [ ${#bytes} = 32 ] && [ "$bytes" != 00000000000000000000000000000000 ]; } ||
		why="$why rng-bytes=$bytes"
	vda=$(l2_line "$1" "RIG-L2 vda line=")
	[ "$vda" = "RIG-L2 vda line=$want sectors=16384" ] || why="$why vda($vda, want $want 16384)"
	got=$(dd if=$img bs=4096 skip=1 count=1 2>/dev/null | head -n1)
	[ "$got" = "guest-saw $want" ] || why="$why image-at-4096=$got"
	rm -f $img
	rig_result "$1" "${virtio#RIG-L2 virtio } ${rng#RIG-L2 } ${irqs#RIG-L2 } init_ms=$(sed -n 's/^RIGRUN-MARK RIG-L2-INIT //p' "/tmp/$1.res")"
}

# The terminal's size reaches the guest: kite runs on a pseudo-terminal
# (rigrun -T, 24 x 80) with --console virtio, and hvc0 must be 24 x 80
# from the start (Linux reads cols/rows only on a config change: kite
# raises one at DRIVER_OK). Once the guest printed that size, rigrun
# resizes the terminal to 50 x 132 (SIGWINCH to kite), and Linux's
# virtio_console must then see that size on hvc0: kite updated the
# device's cols/rows and raised a config change interrupt.
rig_case_winch() {	# rig_case_winch NAME TIMEOUT
	name=$1 secs=$2
	eval "set -- $(rig_vmm_cmd 1 256M "$L2_CMDLINE rig.test=winch")"
	rigrun -t "$secs" -m RIG-L2-INIT -o "/tmp/$name.log" -p "  $name| " \
		-r "/tmp/$name.res" -T -W "RIG-L2 winch before=" -- "$@" --console virtio
	cat "/tmp/$name.res"
	rig_common "$name" 0
	before=$(l2_line "$name" "RIG-L2 winch before=")
	after=$(l2_line "$name" "RIG-L2 winch after=")
	[ "$before" = "RIG-L2 winch before=24 80" ] ||
		why="$why before=${before#RIG-L2 winch before=}"
	[ "$after" = "RIG-L2 winch after=50 132" ] || why="$why after=${after#RIG-L2 winch after=}"
	rig_result "$name" "hvc0 ${before#RIG-L2 winch } ${after#RIG-L2 winch }"
}

# virtio-net (kite only, the mini kernel, virtio-net built in). tap:
# L1's tap0 is 10.9.0.1, the guest's eth0 10.9.0.2 (static). user: passt
# (/rig/bin/passt), on a dummy interface with a default route here, as
# passt wants one; the guest takes an address by DHCP. Either way the
# guest fetches `seq 1 $NET_LINES` (67128896 bytes, just over 64 MiB)
# from an nc server here (port 5000) and sends what it got back (port
# 5001); both checksums must match L1's own.
NET_LINES=8530000
# passt wants an interface with a default route to copy: a dummy one.
passt_route() {
	ip link show d0 >/dev/null 2>&1 || {
		insmod /rig/mod/dummy.ko; ip link add d0 type dummy &&
		ip addr add 192.0.2.2/24 dev d0 && ip link set d0 up && ip link set lo up &&
		ip route add default via 192.0.2.1; }
}

# dns_start IP: a resolver for L1 at 198.51.100.53 (kite-probe's dns, on
# d0), named in /etc/resolv.conf before passt starts: passt hands it to
# the guest (or forwards the sandbox's 10.0.2.3 to it), and it answers
# kite-rig.test with IP, the guest's address for L1's loopback.
dns_start() {
	ip addr add 198.51.100.53/32 dev d0 2>/dev/null
	mkdir -p /etc			# L1's base has none
	echo "nameserver 198.51.100.53" >/etc/resolv.conf
	$SBX_PROBE dns 198.51.100.53 kite-rig.test "$1" >/tmp/dns.out 2>&1 &
	dns_pid=$!
}
dns_stop() {
	kill $dns_pid 2>/dev/null; wait $dns_pid 2>/dev/null
	rm -f /etc/resolv.conf
}

rig_case_net() {	# rig_case_net NAME TIMEOUT tap|user [debian]
	why=
	name=$1 secs=$2 mode=$3 kern=${4:-mini} e1=
	if [ "$kern" = mini ] && [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	tapwhy=
	if [ "$mode" = tap ]; then
		[ -e /dev/net/tun ] || { insmod /rig/mod/tun.ko; mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
		tunctl -t tap0 >/dev/null && ip addr add 10.9.0.1/24 dev tap0 && ip link set tap0 up ||
			tapwhy=" no-tap0"
		# A second NIC on a second tap, its own subnet (eth1 in the guest).
		tunctl -t tap1 >/dev/null && ip addr add 10.9.1.1/24 dev tap1 && ip link set tap1 up ||
			tapwhy="$tapwhy no-tap1"
		net=tap=tap0 net2="--net tap=tap1"
		seq 1 100000 >/tmp/net2.data
		nc -l -p 5002 </tmp/net2.data &
		srv3=$!
	else
		passt_route || tapwhy=" no-dummy-route"
		dns_start 192.0.2.1
		export KITE_PASST=/rig/bin/passt
		net=user net2= srv3=
	fi
	seq 1 $NET_LINES >/tmp/net.data
	want=$(md5sum </tmp/net.data) want=${want%% *}
	# The receiver's stdin never ends (a FIFO it holds open both ways):
	# busybox nc shuts its sending side down at the end of its stdin.
	rm -f /tmp/net.fifo; mkfifo /tmp/net.fifo
	nc -l -p 5000 </tmp/net.data &
	srv1=$!
	nc -l -p 5001 <>/tmp/net.fifo >/tmp/net.back &
	srv2=$!
	# debian: L2's kernel, virtio_net one of the modules its init loads.
	if [ "$kern" = debian ]; then
		eval "set -- $(rig_vmm_cmd 1 256M "$L2_CMDLINE rig.test=net-$mode")"
	else
		eval "set -- $(rig_mini_cmd $MINI_BZIMAGE 1 256M "$L2_CMDLINE rig.test=net-$mode" pci)"
	fi
	rig_l2_run "$@" --net $net $net2
	rig_common "$name" 0
	why="$why$tapwhy"
	got=$(l2_line "$name" "RIG-L2 net got=")
	[ "$got" = "RIG-L2 net got=$want" ] || why="$why l1-to-guest($got want $want)"
	back=$(md5sum </tmp/net.back) back=${back%% *} bytes=$(wc -c </tmp/net.back)
	[ "$back" = "$want" ] || why="$why guest-to-l1($back, $bytes bytes)"
	l2_line "$name" "RIG-L2 net eth0=" | grep -q "carrier=1" || why="$why no-carrier"
	# passt's MTU reaches the guest through VIRTIO_NET_F_MTU; a tap reports none.
	[ "$mode" = user ] && mtu=65520 || mtu=1500
	l2_line "$name" "RIG-L2 net eth0=" | grep -q " mtu=$mtu\$" || why="$why mtu(want $mtu)"
	if [ "$mode" = tap ]; then
		e1=$(l2_line "$name" "RIG-L2 net eth1=")
		case $e1 in
		*"carrier=1 got=$(md5sum </tmp/net2.data | cut -d' ' -f1)") ;;
		*) why="$why eth1($e1)" ;;
		esac
		m0=$(l2_line "$name" "RIG-L2 net eth0=" | sed 's/^RIG-L2 net eth0=//; s/ .*//')
		m1=$(echo "$e1" | sed 's/^RIG-L2 net eth1=//; s/ .*//')
		[ -n "$m1" ] && [ "$m1" != "$m0" ] || why="$why macs($m0,$m1)"
		e1=" eth1: $(echo "$e1" | sed 's/^RIG-L2 net eth1=//; s/ got=.*/, 588895 bytes/')"
	fi
	kill $srv1 $srv2 $srv3 2>/dev/null; wait $srv1 $srv2 $srv3 2>/dev/null
	[ "$mode" = tap ] && tunctl -d tap0 >/dev/null && tunctl -d tap1 >/dev/null
	rm -f /tmp/net.data /tmp/net.back /tmp/net.fifo /tmp/net2.data
	[ "$mode" = user ] && { l2_line "$name" "RIG-L2 net dhcp addr=192.0.2.2/" >/dev/null ||
		why="$why dhcp($(l2_line "$name" "RIG-L2 net dhcp"))"; }
	if [ "$mode" = user ]; then
		dns_stop
		l2_line "$name" "RIG-L2 net resolved=192.0.2.1" >/dev/null ||
			why="$why dns($(l2_line "$name" "RIG-L2 net resolved="))"
	fi
	rig_result "$name" "$(l2_line "$name" "RIG-L2 net dhcp" | sed 's/^RIG-L2 net //') $(l2_line "$name" "RIG-L2 net eth0=" | sed 's/^RIG-L2 net //') bytes=$bytes each way${e1:-}"
}

# kite run --share (the L2 initramfs, not a sandbox): fs1 read-write
# (L1 wrote hello), fs2 read-only; the guest reads hello, writes new
# (seq 1 100000, mode 0600: L1 must hold both), cannot write fs2; then
# both virtio-fs devices lose their driver while a dd writes to fs1 (the
# device is reset under I/O), get it back, mount again and read new
# intact. kite says nothing (a reset is no failure), and fs2 is unchanged.
rig_case_fs_share() {	# NAME TIMEOUT
	why=
	name=$1 secs=$2
	rm -rf /tmp/fs1 /tmp/fs2 && mkdir -p /tmp/fs1 /tmp/fs2
	echo from-l1 >/tmp/fs1/hello
	echo ro-share >/tmp/fs2/two
	want=$(md5_of_seq 1 100000)
	eval "set -- $(rig_vmm_cmd 1 256M "$L2_CMDLINE rig.test=fs-share")"
	rig_l2_run "$@" --share /tmp/fs1,tag=fs1 --share /tmp/fs2,tag=fs2,ro
	rig_common "$name" 0
	l=$(l2_line "$name" "RIG-L2 fs hello=")
	[ "$l" = "RIG-L2 fs hello=from-l1 new=$want ro=refused two=ro-share" ] || why="$why first($l)"
	writes=$(l2_marker "$name" "RIG-L2 fs unbound=" writes)
	[ "$(l2_marker "$name" "RIG-L2 fs unbound=" unbound)" = 2 ] && [ -n "$writes" ] &&
		[ "$writes" -gt 0 ] || why="$why unbind($(l2_line "$name" "RIG-L2 fs unbound="))"
	l=$(l2_line "$name" "RIG-L2 fs again=")
	[ "$l" = "RIG-L2 fs again=$want two=ro-share" ] || why="$why after-rebind($l)"
	[ "$(md5sum </tmp/fs1/new | cut -d' ' -f1)" = "$want" ] || why="$why new-not-on-L1"
	[ "$(stat -c %a /tmp/fs1/new 2>/dev/null)" = 600 ] || why="$why mode=$(stat -c %a /tmp/fs1/new)"
	[ "$(cat /tmp/fs1/after 2>/dev/null)" = after ] || why="$why after-not-on-L1"
	[ "$(ls /tmp/fs2)" = two ] || why="$why fs2-changed($(ls /tmp/fs2 | tr '\n' ' '))"
	! grep -q "kite: warning" "/tmp/$name.log" || why="$why $(grep -m1 "kite: warning" "/tmp/$name.log")"
	rm -rf /tmp/fs1 /tmp/fs2
	rig_result "$name" "read, wrote 0600, ro refused, both devices unbound after $writes MiB written and back, intact"
}

# Debian's cloud kernel (virtio_net a module) on passt: the guest takes
# its address by DHCP, removes the driver while L1's server on port 5000
# sends (the device is reset with frames in flight), loads it again, takes
# an address again and fetches the whole file from port 5001 (checksum
# compared). passt and the NIC outlive the driver; kite says nothing.
rig_case_net_reload() {	# rig_case_net_reload NAME TIMEOUT
	name=$1 secs=$2 routewhy=
	passt_route || routewhy=" no-dummy-route"
	export KITE_PASST=/rig/bin/passt
	seq 1 $NET_LINES >/tmp/net.data
	want=$(md5sum </tmp/net.data) want=${want%% *} bytes=$(wc -c </tmp/net.data)
	nc -l -p 5000 </tmp/net.data &
	srv1=$!
	nc -l -p 5001 </tmp/net.data &
	srv2=$!
	eval "set -- $(rig_vmm_cmd 1 256M "$L2_CMDLINE rig.test=net-reload")"
	rig_l2_run "$@" --net user
	rig_common "$name" 0
	why="$why$routewhy"
	kill $srv1 $srv2 2>/dev/null; wait $srv1 $srv2 2>/dev/null
	rm -f /tmp/net.data
	cut=$(l2_marker "$name" "RIG-L2 net-reload " cut)
	got=$(l2_marker "$name" "RIG-L2 net-reload " got)
	mtu=$(l2_marker "$name" "RIG-L2 net eth0=" mtu)
	[ -n "$cut" ] && [ "$cut" -gt 0 ] && [ "$cut" -lt "$bytes" ] ||
		why="$why cut=$cut(want 1..$bytes-1: not under traffic)"
	[ "$got" = "$want" ] || why="$why got=$got(want $want)"
	[ "$mtu" = 65520 ] || why="$why mtu=$mtu(want 65520)"
	l2_line "$name" "RIG-L2 net-reload " | grep -q "carrier=1" || why="$why no-carrier"
	tr -d '\r' <"/tmp/$name.log" | grep -q "^RIG-L2 net-reload .* failed" && why="$why reload-failed"
	! grep -q "kite: warning" "/tmp/$name.log" || why="$why $(grep -m1 "kite: warning" "/tmp/$name.log")"
	rig_result "$name" "driver removed after $cut of $bytes bytes, then $bytes bytes intact"
}

# The mini kernel's vmlinux (an ELF: kite boots it through its PVH entry)
# reaches init and stops with reboot=k.
rig_case_mini_pvh() {	# rig_case_mini_pvh NAME TIMEOUT
	why=
	if [ ! -r $MINI_VMLINUX ]; then
		why=" no-$MINI_VMLINUX"; rig_result "$1" "-"; return
	fi
	rig_mini_run "$1" "$2" $MINI_VMLINUX 1 256M "$L2_CMDLINE rig.test=boot" pci
	rig_common "$1" 0
	cpus=$(l2_field "$1" cpus)
	[ "$cpus" = 1 ] || why="$why cpus=$cpus(want 1)"
	l2_line "$1" "RIG-L2 modules built-in" >/dev/null || why="$why not-the-mini-kernel"
	rig_result "$1" "cpus=$cpus memtotal_kb=$(l2_field "$1" memtotal_kb) uptime=$(l2_field "$1" uptime) init_ms=$(sed -n 's/^RIGRUN-MARK RIG-L2-INIT //p' "/tmp/$1.res")"
}

# kite sandbox on the mini kernel, which sees L1's root read-only (over
# virtio-fs) under a throwaway overlay; kite-probe (static, built by make
# as $O/guest/init/kite-probe, put in /rig/files by run-tests.sh) is
# packed above it with --add as /bin/kite-probe. One rigrun per run (timeout, nothing
# left behind); its stdin, stdout and stderr are files here.
SBX_PROBE=/rig/files/kite-probe
# The guest kernel: kite's mini kernel, or SBX_KERNEL with SBX_EXTRA's
# options (rig_case_sandbox_debian). SBX_AS: a prefix to kite (the user
# it runs as: rig_case_sandbox_unpriv).
SBX_EXTRA= SBX_AS=
sbx_run() {	# sbx_run NAME IN OUT ERR ARGS...: kite sandbox ARGS; sets sbx_st
	n=$1 in=$2 out=$3 err=$4
	shift 4
	rigrun -t "$secs" -o "/tmp/$n.log" -p "  $n| " -r "/tmp/$n.res" -- \
		sh -c 'in=$1 out=$2 err=$3; shift 3; exec "$@" <"$in" >"$out" 2>"$err"' sbx \
		"$in" "$out" "$err" $SBX_AS kite sandbox --kernel ${SBX_KERNEL:-$MINI_BZIMAGE} $SBX_EXTRA \
		--log /tmp/$n.console --add $SBX_PROBE:/bin/kite-probe -e PATH=/bin "$@"
	sbx_st=$(res_field "$n" status)
	# kite or the guest failed: the end of the guest's console, for the reason.
	[ "$sbx_st" = 125 ] && tail -n 25 /tmp/$n.console 2>/dev/null | sed "s/^/  $n| console: /"
	# kite's last words (a triple fault, say) for rig_result, which reads
	# the case's logs: the end of stderr, which may be the command's data.
	[ -f "$err" ] && tail -c 4096 "$err" >>"/tmp/$n.log"
	[ "$(res_field "$n" timed_out)" = 1 ] && why="$why $n:timed-out"
	[ "$(res_field "$n" orphans)" = 1 ] && why="$why $n:left-processes"
	return 0
}

# Exit statuses: the command's own (0, 1, 7), 126 not executable, 127 not
# found, 128+9 killed by SIGKILL, 125 when the guest kernel panics (with
# kite's one-line reason); stderr holds only what the guest's init or kite
# says, never kernel messages, which are in --log's file (sbx_run).
rig_case_sandbox_status() {	# NAME TIMEOUT
	name=$1 secs=$2 why= got=
	if [ ! -r $MINI_BZIMAGE ] || [ ! -r $SBX_PROBE ]; then
		why=" no-$MINI_BZIMAGE-or-$SBX_PROBE"; rig_result "$1" "-"; return
	fi
	echo not a program >/tmp/sbx-noexec
	chmod 644 /tmp/sbx-noexec
	for t in "0:kite-probe exit 0" "1:kite-probe exit 1" "7:kite-probe exit 7" \
		 "126:/bin/noexec" "127:no-such-command" "137:kite-probe kill 9" \
		 "125:kite-probe panic"; do
		want=${t%%:*}
		# shellcheck disable=SC2086
		sbx_run "$name-$want" /dev/null /tmp/sbx.out /tmp/sbx.err \
			--add /tmp/sbx-noexec:/bin/noexec -- ${t#*:}
		got="$got $want=$sbx_st"
		[ "$sbx_st" = "$want" ] || why="$why exit=$sbx_st(want $want,$(head -c 200 /tmp/sbx.err))"
		grep -q '^\[ *[0-9.]*\]\|Linux version' /tmp/sbx.err && why="$why $want:kernel-messages-on-stderr"
		grep -q 'Linux version' "/tmp/$name-$want.console" || why="$why $want:no-kernel-messages-in-log"
	done
	rig_result "$1" "$got"
}

# stdout and stderr apart and byte-exact for 16 MiB of binary data through
# a pipe each (kite-probe's pattern, made here by the same static binary),
# and stdin piped in and out again.
rig_case_sandbox_stdio() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ] || [ ! -r $SBX_PROBE ]; then
		why=" no-$MINI_BZIMAGE-or-$SBX_PROBE"; rig_result "$1" "-"; return
	fi
	size=$((16 * 1024 * 1024))
	$SBX_PROBE pattern $size 1 >/tmp/sbx-want1
	$SBX_PROBE pattern $size 2 2>/tmp/sbx-want2
	sbx_run "$name-out" /dev/null /tmp/sbx.out /tmp/sbx.err -- kite-probe pattern $size 1
	[ "$sbx_st" = 0 ] || why="$why out:exit=$sbx_st($(head -c 200 /tmp/sbx.err | tr '\n' ' '))"
	cmp -s /tmp/sbx.out /tmp/sbx-want1 || why="$why stdout-differs($(wc -c </tmp/sbx.out) bytes)"
	[ -s /tmp/sbx.err ] && why="$why stderr-not-empty($(head -c 200 /tmp/sbx.err))"
	sbx_run "$name-err" /dev/null /tmp/sbx.out /tmp/sbx.err -- kite-probe pattern $size 2
	[ "$sbx_st" = 0 ] || why="$why err:exit=$sbx_st($(head -c 200 /tmp/sbx.err | tr '\n' ' '))"
	cmp -s /tmp/sbx.err /tmp/sbx-want2 || why="$why stderr-differs($(wc -c </tmp/sbx.err) bytes)"
	[ -s /tmp/sbx.out ] && why="$why stdout-not-empty"
	sbx_run "$name-cat" /tmp/sbx-want1 /tmp/sbx.out /tmp/sbx.err -- kite-probe cat
	[ "$sbx_st" = 0 ] || why="$why cat:exit=$sbx_st($(head -c 200 /tmp/sbx.err | tr '\n' ' '))"
	cmp -s /tmp/sbx.out /tmp/sbx-want1 || why="$why cat-differs($(wc -c </tmp/sbx.out) bytes)"
	rm -f /tmp/sbx-want1 /tmp/sbx-want2 /tmp/sbx.out /tmp/sbx.err
	rig_result "$1" "stdout+stderr+stdin ${size} bytes each"
}

# kite's SIGTERM reaches the command: kite-probe term exits 42 on SIGTERM
# (a status only the forwarded signal gives: kite stopping the guest
# itself would give 143); the signal is sent once it printed "ready".
rig_case_sandbox_sigterm() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ] || [ ! -r $SBX_PROBE ]; then
		why=" no-$MINI_BZIMAGE-or-$SBX_PROBE"; rig_result "$1" "-"; return
	fi
	rm -f /tmp/sbx.out
	kite sandbox --kernel $MINI_BZIMAGE --add $SBX_PROBE:/bin/kite-probe -e PATH=/bin \
		-- kite-probe term </dev/null >/tmp/sbx.out 2>/tmp/sbx.err &
	pid=$!
	n=0
	while ! grep -q ready /tmp/sbx.out 2>/dev/null && [ $n -lt $((secs * 10)) ]; do
		sleep 0.1; n=$((n + 1))
	done
	grep -q ready /tmp/sbx.out || why="$why never-ready($(head -c 200 /tmp/sbx.err))"
	kill -TERM $pid
	n=0
	while kill -0 $pid 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
	if kill -0 $pid 2>/dev/null; then
		why="$why still-running-30s-after-SIGTERM"; kill -KILL $pid
	fi
	wait $pid
	st=$?
	[ "$st" = 42 ] || why="$why exit=$st(want 42,$(head -c 200 /tmp/sbx.err))"
	rig_result "$1" "exit=$st"
}

# kite sandbox --net user (passt): the command resolves kite-rig.test
# (its resolver, 10.0.2.3, is passt, which forwards to L1's: dns_start)
# to the gateway address (passt maps it to L1's loopback), reaches a TCP
# server there, fetches 3.4 MB whose checksum must be L1's, and finds
# the resolver kite set up, with nothing on stderr (passt's messages are
# not the command's); then sbx_fwd.
# nc's stdin never ends (a FIFO open both ways): at the end of its stdin
# busybox nc half-closes, the server in L1 then exits before it has sent
# everything, and passt (Debian 12's) leaves the rest of the stream hung.
rig_case_sandbox_net() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	passt_route || why="$why no-dummy-route"
	dns_start 10.0.2.2
	seq 1 500000 >/tmp/net.data
	want=$(md5sum </tmp/net.data) want=${want%% *} bytes=$(wc -c </tmp/net.data)
	nc -l -p 5000 </tmp/net.data &
	srv=$!
	KITE_PASST=/rig/bin/passt sbx_run "$name-run" /dev/null /tmp/sbx.out /tmp/sbx.err \
		--net user -- sh -c 'mkfifo /var/in && nc kite-rig.test 5000 <>/var/in | md5sum; cat /etc/resolv.conf'
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	dns_stop
	[ "$sbx_st" = 0 ] || why="$why exit=$sbx_st($(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	got=$(head -n1 /tmp/sbx.out) got=${got%% *}
	[ "$got" = "$want" ] || why="$why fetched=$got(want $want; $(tr '\n' ' ' </tmp/sbx.out | head -c 300) $(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	grep -q '^nameserver 10.0.2.3$' /tmp/sbx.out || why="$why no-resolver"
	# The command wrote nothing to stderr: passt's chatter must not be there.
	[ -s /tmp/sbx.err ] && why="$why stderr($(head -c 200 /tmp/sbx.err | tr '\n' ' '))"
	rm -f /tmp/net.data /tmp/sbx.out /tmp/sbx.err
	sbx_fwd "$name"
	rig_result "$1" "$bytes bytes from L1 (kite-rig.test, resolved through passt) over passt, checksum $got, resolver 10.0.2.3; fwd=tcp:5005:8080:$fwd_got"
}

# sbx_fwd NAME: --net user,fwd=tcp:5005:8080 with kite-probe tcp-serve
# on the guest's port 8080 for two connections; L1 reaches it through
# passt's port 5005 from 127.0.0.1 (4 MiB from the guest) and from d0's
# address (4 MiB to it), each stream checked by its receiver. Sets
# fwd_got, adds to why.
sbx_fwd() {
	rm -f /tmp/fwd.res
	(
		i=0
		until grep -q '^tcp ready 8080' /tmp/sbx.out 2>/dev/null; do
			[ $i -lt 600 ] || exit 1
			sleep 0.1; i=$((i + 1))
		done
		$SBX_PROBE tcp-bench 127.0.0.1 5005 recv 4194304 &&
			$SBX_PROBE tcp-bench 192.0.2.2 5005 send 4194304
	) >/tmp/fwd.res 2>&1 &
	cl=$!
	KITE_PASST=/rig/bin/passt sbx_run "$1-fwd" /dev/null /tmp/sbx.out /tmp/sbx.err \
		--net user,fwd=tcp:5005:8080 -- timeout 60 kite-probe tcp-serve 8080 2
	kill $cl 2>/dev/null; wait $cl
	fwd_got=$(grep -c '^tcp ' /tmp/fwd.res)
	[ "$sbx_st" = 0 ] && [ "$fwd_got" = 2 ] ||
		why="$why fwd(exit=$sbx_st: $(head -c 300 /tmp/fwd.res /tmp/sbx.err | tr '\n' ' '))"
	fwd_got=" $(grep '^tcp ' /tmp/fwd.res | tr '\n' ' ')"
	rm -f /tmp/fwd.res /tmp/sbx.out /tmp/sbx.err
}

# The daemon of a --share SIGKILLed while the command writes there (L1
# finds it by its -o source=DIR): the command's writes and its ls of the
# share must fail (kite answers for the dead daemon with EIO) instead of
# waiting forever, the command then exits 9 and so must kite, with one
# warning on stderr, and nothing may be left running.
rig_case_sandbox_fskill() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	f=/tmp/sbx-fsk
	rm -rf $f && mkdir -p $f
	(
		i=0
		until [ -e $f/started ]; do
			[ $i -lt 600 ] || exit 1
			sleep 0.1; i=$((i + 1))
		done
		sleep 1
		for p in /proc/[0-9]*; do
			tr '\0' ' ' <$p/cmdline 2>/dev/null | grep -q "source=$f " && kill -9 ${p#/proc/}
		done
	) &
	killer=$!
	sbx_run "$name-run" /dev/null /tmp/sbx.out /tmp/sbx.err --share $f -- sh -c \
		"cd $f && touch started && i=0; while dd if=/dev/zero of=f\$((i % 8)) bs=64k count=16 2>/dev/null; do i=\$((i + 1)); done; echo writes=\$i; ls >/dev/null 2>&1 || echo ls-failed; exit 9"
	kill $killer 2>/dev/null; wait $killer
	[ "$sbx_st" = 9 ] || why="$why exit=$sbx_st(want 9; $(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	writes=$(sed -n 's/^writes=//p' /tmp/sbx.out)
	[ -n "$writes" ] && [ "$writes" -gt 0 ] || why="$why writes=$writes(want > 0: killed under I/O)"
	grep -q '^ls-failed$' /tmp/sbx.out || why="$why ls-did-not-fail"
	[ "$(grep -c 'hung up' /tmp/sbx.err)" = 1 ] ||
		why="$why warnings($(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	rm -rf $f /tmp/sbx.out /tmp/sbx.err
	rig_result "$1" "daemon killed after $writes writes of 1 MiB: EIO, exit 9, one warning"
}

# kite sandbox run by a user (1000:1000, /dev/kvm opened up to it for the
# case): virtiofsd then runs in a user namespace kite makes, passt as
# that user. The command is root in the guest, sees its directory
# read-write (its file there is the user's on L1), reaches L1's server
# through passt (3.4 MB, checksum compared), and nothing is left running.
# busybox is packed (--add): L1's own, owned by root, cannot be run from
# the shared root by an unprivileged daemon (README.md, kite sandbox).
rig_case_sandbox_unpriv() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	d=/tmp/sbx-unpriv
	rm -rf $d && mkdir -p $d && chown 1000:1000 $d
	kvm_mode=$(stat -c %a /dev/kvm)
	chmod 666 /dev/kvm
	passt_route || why="$why no-dummy-route"
	seq 1 500000 >/tmp/net.data
	want=$(md5sum </tmp/net.data) want=${want%% *}
	nc -l -p 5000 </tmp/net.data &
	srv=$!
	cd $d
	SBX_AS="$SBX_PROBE as 1000:1000" KITE_PASST=/rig/bin/passt sbx_run "$name-run" /dev/null \
		/tmp/sbx.out /tmp/sbx.err --add /bin/busybox:/bin/busybox --net user -- \
		sh -c 'id -u; echo mine >out; mkfifo /var/in && nc 10.0.2.2 5000 <>/var/in | md5sum'
	cd /
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	chmod $kvm_mode /dev/kvm
	[ "$sbx_st" = 0 ] || why="$why exit=$sbx_st($(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	got=$(tr '\n' ' ' </tmp/sbx.out)
	[ "$got" = "0 $want  - " ] || why="$why stdout=($got want 0 $want  -)"
	own=$(stat -c %u:%g $d/out 2>/dev/null)
	[ "$own" = 1000:1000 ] && [ "$(cat $d/out)" = mine ] || why="$why file($own)"
	rm -rf $d /tmp/net.data /tmp/sbx.out /tmp/sbx.err
	rig_result "$1" "kite as 1000:1000: exit $sbx_st, the guest's file $own on L1, 3.4 MB through passt"
}

# Two sandboxes at once, each in a directory of its own: each command
# writes a file there, waits, reads it back and exits with its own
# status; both files and both statuses must be the right ones (their
# shares, daemons and ports do not mix).
rig_case_sandbox_parallel() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	for i in 1 2; do
		rm -rf /tmp/sbx-par$i && mkdir -p /tmp/sbx-par$i
		(cd /tmp/sbx-par$i && exec timeout -k 5 "$secs" kite sandbox --kernel $MINI_BZIMAGE \
			--mem 256M -e PATH=/bin -- sh -c "echo $i >mine; sleep 2; cat mine; exit 1$i" \
			</dev/null >/tmp/sbx-par$i.out 2>/tmp/sbx-par$i.err) &
		eval "pid$i=\$!"
	done
	wait "$pid1"; st1=$?
	wait "$pid2"; st2=$?
	for i in 1 2; do
		eval "st=\$st$i"
		[ "$st" = 1$i ] || why="$why sandbox$i:exit=$st($(head -c 200 /tmp/sbx-par$i.err | tr '\n' ' '))"
		[ "$(cat /tmp/sbx-par$i.out)" = $i ] || why="$why sandbox$i:out=($(head -c 50 /tmp/sbx-par$i.out))"
		[ "$(cat /tmp/sbx-par$i/mine 2>/dev/null)" = $i ] || why="$why sandbox$i:file"
	done
	rm -rf /tmp/sbx-par1 /tmp/sbx-par2 /tmp/sbx-par?.out /tmp/sbx-par?.err
	rig_result "$1" "exit=$st1,$st2, each its own file"
}

# A terminal: kite on a pseudo-terminal (rigrun -T, 24 x 80) gives the
# command one too: fd 0, 1, 2 are a tty of that size, its controlling
# one; when it has said so, rigrun resizes kite's terminal to 50 x 132
# (-W) and the command must get SIGWINCH and see the new size.
rig_case_sandbox_tty() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ] || [ ! -r $SBX_PROBE ]; then
		why=" no-$MINI_BZIMAGE-or-$SBX_PROBE"; rig_result "$1" "-"; return
	fi
	rigrun -t "$secs" -o "/tmp/$name.log" -p "  $name| " -r "/tmp/$name.res" \
		-T -W "tty 111 24 80" -- kite sandbox --kernel $MINI_BZIMAGE \
		--add $SBX_PROBE:/bin/kite-probe -e PATH=/bin -- kite-probe tty-winch
	st=$(res_field "$name" status)
	[ "$(res_field "$name" timed_out)" = 1 ] && why="$why timed-out"
	[ "$(res_field "$name" orphans)" = 1 ] && why="$why left-processes"
	[ "$st" = 0 ] || why="$why exit=$st"
	before=$(grep -a -c "^tty 111 24 80 ctty=1" "/tmp/$name.log")
	after=$(grep -a -c "^tty 111 50 132 ctty=1" "/tmp/$name.log")
	[ "$before" = 1 ] || why="$why before=($(grep -a '^tty' "/tmp/$name.log" | head -n1 | tr -d '\r'))"
	[ "$after" = 1 ] || why="$why after=($(grep -a '^tty' "/tmp/$name.log" | tail -n1 | tr -d '\r'))"
	rig_result "$1" "fd 0-2 a tty, 24 80 then 50 132 after a resize"
}

# kite sandbox on Debian's cloud kernel (L2's), whose virtio, virtiofs and
# overlay drivers are modules: kite packs them from the tree the rig put
# in /rig/l2/modules (modules.dep and the files it needs) and init loads
# them. Statuses 0, 7 and 127, a file written in the current directory
# reaches L1 and one in /etc does not; with an empty tree (no drivers)
# kite says the guest stopped before the command's status, status 125.
# Then sbx_fs_more and sbx_fwd on this kernel and its modules.
rig_case_sandbox_debian() {	# NAME TIMEOUT
	name=$1 secs=$2 why= got=
	mods=$(ls -d /rig/l2/modules/* 2>/dev/null | head -n1)
	[ -r "$mods/modules.dep" ] || why="$why no-modules-tree"
	SBX_KERNEL=$L2K SBX_EXTRA="--modules $mods"
	d=/tmp/sbx-deb
	rm -rf $d && mkdir -p $d && cd $d
	for t in "0:kite-probe exit 0" "7:kite-probe exit 7" "127:no-such-command" \
		 "0:sh -c 'echo deb >out && mkdir -p /etc/kite && echo x >/etc/kite/sbx'"; do
		want=${t%%:*}
		eval "sbx_run \"$name-$want\" /dev/null /tmp/sbx.out /tmp/sbx.err -- ${t#*:}"
		got="$got $want=$sbx_st"
		[ "$sbx_st" = "$want" ] || why="$why exit=$sbx_st(want $want,$(head -c 200 /tmp/sbx.err))"
	done
	[ "$(cat $d/out 2>/dev/null)" = deb ] || why="$why cwd-write-not-on-L1"
	[ -e /etc/kite ] && why="$why etc-write-reached-L1"
	mkdir -p /tmp/no-mods && : >/tmp/no-mods/modules.dep
	SBX_EXTRA="--modules /tmp/no-mods"
	sbx_run "$name-nomods" /dev/null /tmp/sbx.out /tmp/sbx.err -- kite-probe exit 0
	got="$got no-modules=$sbx_st"
	[ "$sbx_st" = 125 ] || why="$why no-modules:exit=$sbx_st(want 125)"
	grep -q 'before the command' /tmp/sbx.err || why="$why no-modules:reason($(head -c 200 /tmp/sbx.err))"
	cd /
	# The share and network checks of the mini kernel's cases, with
	# Debian's fuse, virtiofs and virtio_net modules.
	SBX_EXTRA="--modules $mods"
	sbx_fs_more "$name"
	passt_route || why="$why no-dummy-route"
	sbx_fwd "$name"
	SBX_KERNEL= SBX_EXTRA=
	rm -rf $d /tmp/no-mods /etc/kite /tmp/sbx.out /tmp/sbx.err
	rig_result "$1" "$got (Debian's kernel, $(find $mods -name "*.ko*" | wc -l) modules in its tree);$fs_more; fwd=tcp:5005:8080:$fwd_got"
}

# The host's files: in a directory of L1's (the sandbox's cwd) the
# command reads a file L1 wrote and writes one L1 must then hold; it
# writes /var/kite-sbx (fine in the guest: the overlay) which L1 must not
# get; it runs in that directory. With --ro the cwd is read-only: the
# write fails (status 1) and L1 gets nothing. --share DIR,ro shows DIR at
# its path, unwritable. A process left behind (virtiofsd) fails sbx_run.
# --user runs the command as that user; then sbx_fs_more.
rig_case_sandbox_files() {	# NAME TIMEOUT
	name=$1 secs=$2 why=
	if [ ! -r $MINI_BZIMAGE ] || [ ! -r $SBX_PROBE ]; then
		why=" no-$MINI_BZIMAGE-or-$SBX_PROBE"; rig_result "$1" "-"; return
	fi
	[ -x /usr/lib/qemu/virtiofsd ] || why="$why no-virtiofsd-in-L1"
	d=/tmp/sbx-cwd x=/tmp/sbx-extra
	rm -rf $d $x /var/kite-sbx && mkdir -p $d $x && echo from-l1 >$d/in && echo extra >$x/e
	# Not in a subshell: sbx_run sets sbx_st and why.
	cd $d
	sbx_run "$name-rw" /dev/null /tmp/sbx.out /tmp/sbx.err -- sh -c \
		'cat in && echo from-guest >out && echo guest-root >/var/kite-sbx && cat /var/kite-sbx && pwd'
	cd /
	[ "$sbx_st" = 0 ] || why="$why rw:exit=$sbx_st($(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	got=$(tr '\n' ' ' </tmp/sbx.out)
	[ "$got" = "from-l1 guest-root $d " ] || why="$why rw:stdout=($got)"
	[ "$(cat $d/out 2>/dev/null)" = from-guest ] || why="$why cwd-write-not-on-L1"
	[ -e /var/kite-sbx ] && why="$why guest-root-write-reached-L1"
	cd $d
	sbx_run "$name-ro" /dev/null /tmp/sbx.out /tmp/sbx.err --ro --share $x,ro -- \
		sh -c "cat in $x/e; echo no >out2; echo no >$x/f; test ! -e out2 && test ! -e $x/f"
	cd /
	[ "$sbx_st" = 0 ] || why="$why ro:exit=$sbx_st($(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	got=$(tr '\n' ' ' </tmp/sbx.out)
	[ "$got" = "from-l1 extra " ] || why="$why ro:stdout=($got)"
	[ -e $d/out2 ] || [ -e $x/f ] && why="$why ro-write-reached-L1"
	# --user: the command is that user, and what it writes in the shared
	# directory is that user's on L1 (virtiofsd creates it with its creds).
	chmod 777 $d
	cd $d
	sbx_run "$name-user" /dev/null /tmp/sbx.out /tmp/sbx.err --user 1000:1001 -- \
		sh -c 'id -u; id -g; id -G; echo u >uout'
	cd /
	[ "$sbx_st" = 0 ] || why="$why user:exit=$sbx_st($(head -c 300 /tmp/sbx.err | tr '\n' ' '))"
	got=$(tr '\n' ' ' </tmp/sbx.out)
	[ "$got" = "1000 1001 1001 " ] || why="$why user:ids=($got)"
	own=$(stat -c %u:%g $d/uout 2>/dev/null)
	[ "$own" = 1000:1001 ] || why="$why user:file-owner=$own"
	rm -rf $d $x /var/kite-sbx /tmp/sbx.out /tmp/sbx.err
	sbx_fs_more "$name"
	rig_result "$1" "cwd rw, / overlay, --ro and --share DIR,ro held, --user 1000:1001 owns $own;$fs_more"
}

# sbx_fs_more NAME: a share holding 10,000 files, all listed (ls) and
# stat'ed (ls -l) in the guest, and a file of it through a shared mapping
# (kite-probe mmap): the sum the guest read must be L1's for the same
# bytes, and L1 must then hold "MMAPED!" over its first 7 bytes, the rest
# unchanged. Sets fs_more, adds to why.
sbx_fs_more() {
	f=/tmp/sbx-fsx
	rm -rf $f && mkdir -p $f/many
	(cd $f/many && seq 1 10000 | sed 's/^/f/' | xargs touch)
	seq 1 20000 >$f/data && cp $f/data /tmp/sbx-data.orig && cp $f/data /tmp/sbx-data.l1
	want=$($SBX_PROBE mmap /tmp/sbx-data.l1)
	sbx_run "$1-fs" /dev/null /tmp/sbx.out /tmp/sbx.err --share $f -- \
		sh -c "ls $f/many | wc -l; ls -l $f/many | grep -c '^-'; kite-probe mmap $f/data"
	got=$(tr '\n' ' ' </tmp/sbx.out)
	[ "$sbx_st" = 0 ] && [ "$got" = "10000 10000 $want " ] ||
		why="$why fs:exit=$sbx_st,stdout=($got want 10000 10000 $want; $(head -c 200 /tmp/sbx.err | tr '\n' ' '))"
	[ "$(head -c 7 $f/data)" = MMAPED! ] || why="$why mmap-write-not-on-L1"
	[ "$(tail -c +8 $f/data | md5sum)" = "$(tail -c +8 /tmp/sbx-data.orig | md5sum)" ] ||
		why="$why mmap-rest-changed"
	fs_more=" 10000 files listed, mmap: $want"
	rm -rf $f /tmp/sbx-data.orig /tmp/sbx-data.l1 /tmp/sbx.out /tmp/sbx.err
}

# A test program built on the host (tests/kvm, packed by
# rig_tests_segment) run here because L1 has the /dev/kvm the host lacks:
# its output on the console as "  prog:NAME| ...", then
# "RIG-PROG NAME status=N timed_out=0|1 orphans=0|1" (rigrun's figures).
# The host's tests/run-tests.sh counts it like a program run on the host.
# CK_LOG_FILE_NAME=- logs each test to stdout as it ends, so a long program
# keeps the console alive for the stall watchdog.
# While it runs, a heartbeat every 30 s says L1 is alive and what is
# busiest: a test that hangs is then told from an L1 that froze (the
# host's stall watchdog), and the program's own bound ends it.
rig_prog() {	# rig_prog NAME TIMEOUT
	name=prog-$1
	(while sleep 30; do
		echo "RIG-L1 alive $(cut -d' ' -f1 /proc/uptime) load $(cut -d' ' -f1-3 /proc/loadavg)" \
			"busiest: $(top -b -n1 | sed -n '5p' | tr -s ' ')"
	done) &
	hb=$!
	(cd /tmp && O=/rig/build KITE=/rig/bin/kite CK_LOG_FILE_NAME=- \
		rigrun -t "$2" -o "/tmp/$name.log" -p "  prog:$1| " -r "/tmp/$name.res" \
		-- "/rig/tests/$1" </dev/null)
	kill $hb
	echo "RIG-PROG $1 status=$(res_field "$name" status)" \
		"timed_out=$(res_field "$name" timed_out) orphans=$(res_field "$name" orphans)"
}

# One boot for the benchmark (1 vCPU, 256 MiB, quiet): figures only, no
# checks beyond the status. init_ms: exec of the VMM to the guest init's
# first line on the VMM's stdout, by L1's monotonic clock.
rig_bench() {	# rig_bench INNER RUN TIMEOUT
	RIG_INNER=$1
	n=bench-$1-$2
	rig_vmm_run "$n" "$3" 1 256M "$L2_CMDLINE rig.test=boot" >/dev/null
	echo "RIG-BENCH $1 $2 status=$(res_field "$n" status)" \
		"init_ms=$(sed -n 's/^RIGRUN-MARK RIG-L2-INIT //p' "/tmp/$n.res")" \
		"wall_ms=$(res_field "$n" wall_ms) user_ms=$(res_field "$n" user_ms)" \
		"sys_ms=$(res_field "$n" sys_ms) guest_ms=$(res_field "$n" guest_ms)" \
		"maxrss_kb=$(res_field "$n" maxrss_kb)" \
		"l2_uptime=$(l2_field "$n" uptime)"
}

# bench-sandbox (tests/bench): the same sandbox on kite and on QEMU
# microvm. Both boot the mini kernel with one initramfs per command, kite's
# own (kite sandbox --save-initramfs: kite-init, the same instructions),
# 1 vCPU and 512 MiB of shared memfd RAM, with L1's / shared as kite-root
# by Debian's virtiofsd run as kite runs it (-o source=/ -o cache=auto
# -o sandbox=chroot), and the four named ports: kite's virtio-console
# ports, QEMU's virtserialports on a virtio-serial-device (virtio-mmio:
# the only transport microvm gives a kernel without ACPI). QEMU's run is
# the script a QEMU user writes (sbx_qemu_script): start virtiofsd, wait
# for its socket, run QEMU, reap the daemon, exit with the status the
# control port carried. One line per run, RUNS rounds, kite and QEMU
# alternating:
#   RIG-SBX kite|qemu echo|true RUN status=N ready_ms=N wall_ms=N user_ms=N
#           sys_ms=N guest_ms=N maxrss_kb=N [kite-stats: ...]
# ready_ms: exec to the command's first line ("ready") on stdout.
SBX_QEMU=/tmp/sbx-qemu.sh
sbx_qemu_script() {
	cat >$SBX_QEMU <<'SCRIPT'
# sbx-qemu.sh KERNEL INITRAMFS [DIR...]: that sandbox under QEMU microvm,
# L1's / as kite-root and each DIR as kite-1, kite-2... (kite's tags), each
# by its own virtiofsd. SBX_QEMU_PCI=1: PCIe in ACPI and virtio-pci devices
# (a distro kernel, kite's transport); else virtio-mmio on the command line.
# SBX_QEMU_NET=tap:NAME: a virtio-net on that tap (vhost=off, as kite has
# no vhost-net); user: on a passt this script starts as kite starts one
# (--mtu 65520, kite sandbox's addresses), reached by -netdev stream, its
# MTU given to the guest (host_mtu, kite's VIRTIO_NET_F_MTU).
k=$1 i=$2 n=0 nr=0 socks= shares=
shift 2
ctl=/tmp/sbx-qemu-$$.ctl
for d in / "$@"; do
	s=/tmp/sbx-qemu-$$-$nr.sock tag=kite-$nr
	[ $nr = 0 ] && tag=kite-root
	/usr/lib/qemu/virtiofsd --socket-path=$s -o source=$d -o cache=auto -o sandbox=chroot \
		-o log_level=warn &
	socks="$socks $s"
	nr=$((nr + 1))
done
if [ "${SBX_QEMU_PCI:-0}" = 1 ]; then
	m=microvm,rtc=on,pcie=on,memory-backend=mem t=pci
	set --
else
	m=microvm,rtc=on,acpi=off,memory-backend=mem t=device
	set -- -global virtio-mmio.force-legacy=false
fi
nr=0
for s in $socks; do
	tag=kite-$nr
	[ $nr = 0 ] && tag=kite-root
	while [ ! -S $s ] && [ $n -lt 200000 ]; do n=$((n + 1)); done
	set -- "$@" -chardev socket,id=fs$nr,path=$s -device vhost-user-fs-$t,chardev=fs$nr,tag=$tag
	nr=$((nr + 1))
done
ps=/tmp/sbx-qemu-$$.passt rom=
# virtio-net-pci wants an option ROM (for firmware boot) L1 does not hold.
[ $t = pci ] && rom=,romfile=
case ${SBX_QEMU_NET:-} in
tap:*)
	set -- "$@" -netdev tap,id=n0,ifname=${SBX_QEMU_NET#tap:},script=no,downscript=no,vhost=off \
		-device virtio-net-$t,netdev=n0$rom ;;
user)
	# As root, passt looks "nobody" up, and L1 has no /etc/passwd: the
	# numeric ids kite gives it.
	${KITE_PASST:-passt} --foreground --one-off --quiet --socket $ps --mtu 65520 \
		--address 10.0.2.15 --netmask 24 --gateway 10.0.2.2 --dns-forward 10.0.2.3 \
		$([ "$(id -u)" = 0 ] && echo --runas 65534:65534) &
	while [ ! -S $ps ] && [ $n -lt 400000 ]; do n=$((n + 1)); done
	set -- "$@" -netdev stream,id=n0,server=off,addr.type=unix,addr.path=$ps \
		-device virtio-net-$t,netdev=n0,host_mtu=65520$rom ;;
esac
qemu-system-x86_64 -M $m -device i8042 -enable-kvm -cpu host -m 512M -smp 1 \
	-object memory-backend-memfd,id=mem,size=512M,share=on \
	-nodefaults -no-user-config -display none -serial null -no-reboot \
	-kernel "$k" -initrd "$i" -append "console=ttyS0 reboot=k panic=-1 quiet loglevel=0" \
	"$@" -device virtio-serial-$t,max_ports=8 \
	-chardev null,id=in -device virtserialport,chardev=in,name=kite.stdin \
	-chardev file,id=out,path=/proc/self/fd/1 -device virtserialport,chardev=out,name=kite.stdout \
	-chardev file,id=err,path=/proc/self/fd/2 -device virtserialport,chardev=err,name=kite.stderr \
	-chardev file,id=ctl,path=$ctl -device virtserialport,chardev=ctl,name=kite.control
wait
st=$(sed -n 's/^exit \([0-9]*\)$/\1/p' $ctl)
rm -f $socks $ctl $ps
exit ${st:-125}
SCRIPT
}

sbx_bench_one() {	# WHO CMD RUN ARGV...: bounded by SBX_BENCH_SECS (default 60)
	n=sbx-$1-$2-$3
	echo "RIG-SBX $1 $2 $3 $(shift 3; KITE_STATS=1 rigrun -t ${SBX_BENCH_SECS:-60} -m ready -o /tmp/$n.log \
		-r /tmp/$n.res -- "$@" </dev/null >/dev/null 2>&1
		echo status=$(res_field "$n" status) \
		"ready_ms=$(sed -n 's/^RIGRUN-MARK ready //p' /tmp/$n.res)" \
		"wall_ms=$(res_field "$n" wall_ms) user_ms=$(res_field "$n" user_ms)" \
		"sys_ms=$(res_field "$n" sys_ms) guest_ms=$(res_field "$n" guest_ms)" \
		"maxrss_kb=$(res_field "$n" maxrss_kb)" \
		"$(grep -o 'kite-stats:.*' /tmp/$n.log | tr -d '\r')" \
		"$(grep -E '^(fs-|tcp )' /tmp/$n.log | tr -d '\r' | tr '\n' ' ')")"
}

rig_sandbox_bench() {	# rig_sandbox_bench RUNS
	runs=$1 i=0 k=$MINI_BZIMAGE
	sbx_qemu_script
	cd /
	kite sandbox --kernel $k -e PATH=/bin --save-initramfs /tmp/sbx-echo.cpio -- echo ready &&
		kite sandbox --kernel $k -e PATH=/bin --save-initramfs /tmp/sbx-true.cpio -- true ||
		echo "RIG-SBX error: kite sandbox --save-initramfs failed"
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		sbx_bench_one kite echo $i kite sandbox --kernel $k -e PATH=/bin -- echo ready
		sbx_bench_one qemu echo $i sh $SBX_QEMU $k /tmp/sbx-echo.cpio
		sbx_bench_one kite true $i kite sandbox --kernel $k -e PATH=/bin -- true
		sbx_bench_one qemu true $i sh $SBX_QEMU $k /tmp/sbx-true.cpio
	done
	# The first run of each kept whole, for a reader of the log.
	for f in /tmp/sbx-kite-echo-1.log /tmp/sbx-qemu-echo-1.log; do
		sed "s|^|  $(basename $f .log)\| |" $f
	done
	cd - >/dev/null
}

# sbx_bench_kernel debian|mini: sets k (the kernel) and kargs (kite
# sandbox's options for it); debian: Debian's cloud kernel with its
# modules, QEMU on virtio-pci too (SBX_QEMU_PCI).
sbx_bench_kernel() {
	k=$MINI_BZIMAGE kargs=
	unset SBX_QEMU_PCI
	[ "$1" = debian ] || return 0
	k=$L2K kargs="--modules $(ls -d /rig/l2/modules/* | head -n1)"
	export SBX_QEMU_PCI=1
}

# bench-virtiofs (tests/bench): a share's metadata and data speed, kite
# sandbox vs QEMU microvm set up as in rig_sandbox_bench, /tmp/fsb (L1's
# tmpfs) shared as kite-1, the guest running kite-probe fs-meta (FILES
# files created, stat'ed, unlinked) and fs-data (MIB MiB written and
# fsync'ed, read back after the guest dropped its caches). KERNEL debian:
# Debian's cloud kernel with its modules and both VMMs on virtio-pci;
# mini: the mini kernel (QEMU on virtio-mmio). RIG-SBX lines as there,
# with the guest's "fs-meta ..." or "fs-data ..." line.
rig_fs_bench() {	# rig_fs_bench RUNS FILES MIB KERNEL
	runs=$1 files=$2 mib=$3 i=0
	sbx_bench_kernel $4
	fsargs="--kernel $k $kargs --add $SBX_PROBE:/bin/kite-probe -e PATH=/bin --share /tmp/fsb"
	sbx_qemu_script
	mkdir -p /tmp/fsb
	cd /
	kite sandbox $fsargs --save-initramfs /tmp/fsb-meta.cpio -- kite-probe fs-meta /tmp/fsb $files &&
		kite sandbox $fsargs --save-initramfs /tmp/fsb-data.cpio -- \
			kite-probe fs-data /tmp/fsb/data $mib ||
		echo "RIG-SBX error: kite sandbox --save-initramfs failed"
	# Under TCG a file costs ~12 ms and a MiB ~0.15 s (write, then read).
	export SBX_BENCH_SECS=$((60 + files / 40 + mib / 2))
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		for who in kite qemu; do
			for w in meta data; do
				# A run that timed out leaves its files: fs-meta's O_EXCL would fail.
				rm -rf /tmp/fsb && mkdir -p /tmp/fsb
				case $who-$w in
				kite-meta) set -- kite sandbox $fsargs -- kite-probe fs-meta /tmp/fsb $files ;;
				kite-data) set -- kite sandbox $fsargs -- kite-probe fs-data /tmp/fsb/data $mib ;;
				qemu-*) set -- sh $SBX_QEMU $k /tmp/fsb-$w.cpio /tmp/fsb ;;
				esac
				sbx_bench_one $who $w $i "$@"
			done
		done
	done
	unset SBX_BENCH_SECS
	for f in /tmp/sbx-kite-meta-1.log /tmp/sbx-qemu-meta-1.log; do
		sed "s|^|  $(basename $f .log)\| |" $f
	done
	cd - >/dev/null
	unset SBX_QEMU_PCI
}

# bench-net (tests/bench): TCP over virtio-net, kite sandbox vs QEMU
# microvm booting the same initramfs (--save-initramfs, as rig_fs_bench),
# KERNEL as there, on a tap (the guest 10.9.0.2 next to L1's tap0; QEMU
# with vhost=off) and on passt (QEMU: -netdev stream to a passt its script
# starts). The guest runs kite-probe tcp-bench against kite-probe
# tcp-serve here: MIB MiB from L1 (recv), MIB MiB to it (send), RR
# one-byte round trips (rr); tcp-serve also counts the VMM's own CPU time
# from the first connection to the end of the last (cpu_ms). Lines:
# RIG-SBX kite|qemu tap|user RUN figures, the guest's "tcp ..." lines and
# tcp-serve's.
rig_net_bench() {	# rig_net_bench RUNS MIB RR KERNEL
	runs=$1 i=0 b=$(($2 * 1048576))
	nbcmd="kite-probe tcp-bench @ 5010 recv $b && kite-probe tcp-bench @ 5010 send $b && kite-probe tcp-bench @ 5010 rr $3"
	sbx_bench_kernel $4
	[ -e /dev/net/tun ] || { insmod /rig/mod/tun.ko; mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
	tunctl -t tap0 >/dev/null && ip addr add 10.9.0.1/24 dev tap0 && ip link set tap0 up ||
		echo "RIG-SBX error: no tap0"
	passt_route || echo "RIG-SBX error: no default route for passt"
	export KITE_PASST=/rig/bin/passt SBX_BENCH_SECS=$((60 + $2 * 4))
	sbx_qemu_script
	cd /
	for net in tap user; do
		net_bench_setup $net
		kite sandbox $nbargs --save-initramfs /tmp/nb-$net.cpio -- sh -c "$nbnetcmd" ||
			echo "RIG-SBX error: kite sandbox --save-initramfs failed ($net)"
	done
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		for net in tap user; do
			net_bench_setup $net
			net_bench_one kite kite $net $i kite sandbox $nbargs -- sh -c "$nbnetcmd"
			net_bench_one qemu-system-x86 qemu $net $i sh $SBX_QEMU $k /tmp/nb-$net.cpio
		done
	done
	for f in /tmp/sbx-kite-user-1.log /tmp/sbx-qemu-user-1.log; do
		sed "s|^|  $(basename $f .log)\| |" $f
	done
	cd - >/dev/null
	tunctl -d tap0 >/dev/null
	unset SBX_QEMU_PCI SBX_BENCH_SECS SBX_QEMU_NET
}
# net_bench_setup tap|user: nbargs (kite sandbox's options), nbnetcmd
# (the guest's command, with L1's address), SBX_QEMU_NET.
net_bench_setup() {
	case $1 in
	tap) spec=tap=tap0,addr=10.9.0.2/24 srv=10.9.0.1 SBX_QEMU_NET=tap:tap0 ;;
	user) spec=user srv=10.0.2.2 SBX_QEMU_NET=user ;;
	esac
	export SBX_QEMU_NET
	nbargs="--kernel $k $kargs --add $SBX_PROBE:/bin/kite-probe -e PATH=/bin --net $spec"
	nbnetcmd=$(echo "$nbcmd" | sed "s/@/$srv/g")
}
# net_bench_one COMM WHO CMD RUN ARGV...: sbx_bench_one with a tcp-serve
# here for the guest's three connections, counting the CPU of the
# processes named COMM (the VMM), stopped after the run.
net_bench_one() {
	comm=$1
	shift
	$SBX_PROBE tcp-serve 5010 3 "$comm" >/tmp/nb-serve.out 2>&1 &
	nb_srv=$!
	line=$(sbx_bench_one "$@")
	kill $nb_srv 2>/dev/null; wait $nb_srv 2>/dev/null
	echo "$line $(grep '^tcp-serve ' /tmp/nb-serve.out)"
}

# bench-startup (tests/bench) here, when the host has no /dev/kvm: RUNS
# rounds of kite then QEMU microvm booting the test guest GUEST, each
# under startclock (in /rig/files with the guest); one line per run:
# "RIG-STARTUP kite|qemu" and the figures, as the host would print them.
rig_startup() {	# rig_startup RUNS GUEST QEMU_ARG...
	runs=$1 g=$2 i=0
	shift 2
	while [ $i -lt "$runs" ]; do
		echo "RIG-STARTUP kite $(KITE_STATS=1 /rig/files/startclock kite run --kernel "$g" \
			--mem 64M </dev/null 2>&1 >/dev/null | grep -E 'startclock:|kite-stats:' | tr '\n' ' ')"
		echo "RIG-STARTUP qemu $(/rig/files/startclock qemu-system-x86_64 "$@" "$g" \
			</dev/null 2>&1 >/dev/null | grep 'startclock:')"
		i=$((i + 1))
	done
}

# Run the VMM as the console's foreground program (interactive use and
# debugging): stdin is the console when the host has a terminal.
rig_run() {	# rig_run TIMEOUT INTERACTIVE ARGV...
	secs=$1 tty=$2; shift 2
	[ $# = 0 ] && eval "set -- $(rig_vmm_cmd 1 256M "$L2_CMDLINE_VERBOSE rig.test=boot")"
	echo "RIG-L1 running: $*"
	if [ "$tty" = 1 ]; then
		rigrun -t "$secs" -m RIG-L2-INIT -- "$@"
	else
		rigrun -t "$secs" -m RIG-L2-INIT -- "$@" </dev/null
	fi
}

# The demo: a Linux guest's shell (rig.test=shell) on the console, or
# without a terminal a fixed set of commands (rig.test=script).
rig_demo() {	# rig_demo TIMEOUT INTERACTIVE
	secs=$1 tty=$2 test=script
	[ "$tty" = 1 ] && test=shell
	eval "set -- $(rig_vmm_cmd 2 1G "$L2_CMDLINE rig.test=$test")"
	echo "RIG-L1 booting a Linux guest with $RIG_INNER (in L1, under emulation: give it a few seconds)"
	[ "$test" = shell ] && echo "RIG-L1 leave the guest's shell with 'exit' (or Ctrl-A x to stop kite)"
	if [ "$tty" = 1 ]; then
		rigrun -t "$secs" -- "$@" 2>&1
	else
		rigrun -t "$secs" -- "$@" </dev/null 2>&1
	fi
}

. /rig/plan
echo "RIG-L1 done $(cut -d' ' -f1 /proc/uptime)"
dmesg -n 1
poweroff -f
