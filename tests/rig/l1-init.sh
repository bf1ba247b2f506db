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
#   RIG-L1 done
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
export PATH=/rig/bin:/bin:/sbin:/usr/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs -o size=64m tmp /tmp

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
rig_vmm_cmd() {
	case $RIG_INNER in
	kite)
		echo "kite run --kernel $L2K --initrd $L2I --cmdline '$3' --cpus $1 --mem $2" ;;
	qemu)
		echo "qemu-system-x86_64 -M microvm,rtc=on -device i8042 -enable-kvm -cpu host" \
			"-m $2 -smp $1 -nodefaults -no-user-config -display none -serial stdio" \
			"-kernel $L2K -initrd $L2I -append '$3' -no-reboot" ;;
	*)
		echo "echo unknown inner VMM $RIG_INNER; false" ;;
	esac
}

# rig_vmm_run NAME TIMEOUT CPUS MEM CMDLINE: boot L2 with the inner VMM,
# output prefixed on the console and kept in /tmp/NAME.log, figures in
# /tmp/NAME.res (see rigrun.c). Sets t0/t1 (L1 wall clock around the run).
rig_vmm_run() {
	name=$1 secs=$2
	eval "set -- $(rig_vmm_cmd "$3" "$4" "$5")"
	t0=$(date +%s)
	rigrun -t "$secs" -m RIG-L2-INIT -o "/tmp/$name.log" -p "  $name| " \
		-r "/tmp/$name.res" -- "$@" </dev/null
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
	tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 modules ok' || why="$why no-modules-marker"
	tr -d '\r' <"/tmp/$1.log" | grep -q '^RIG-L2 modules.* failed' && why="$why virtio-modules-failed"
	rig_result "$1" "cpus=$cpus memtotal_kb=$mem date=$date l1=$t0..$t1 init_ms=$(sed -n 's/^RIGRUN-MARK RIG-L2-INIT //p' "/tmp/$1.res")"
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
	t0=$(date +%s)
	rigrun -t "$secs" -m RIG-L2-INIT -o "/tmp/$name.log" -p "  $name| " \
		-r "/tmp/$name.res" -- "$@" </dev/null
	t1=$(date +%s)
	cat "/tmp/$name.res"
}

l2_line() {	# l2_line NAME PREFIX: the guest's first console line starting with PREFIX
	tr -d '\r' <"/tmp/$1.log" | grep -m1 "^$2"
}

# The mini kernel on TRANSPORT with a disk and an rng (rig.test=devs):
# the guest finds a virtio-blk (id 2) and a virtio-rng (id 4) on that
# transport, reads random bytes from the hwrng, the disk's first line
# (random, written here) and size, and writes a line the image must hold
# after the VMM exits 0.
rig_case_mini_devs() {	# rig_case_mini_devs NAME TIMEOUT TRANSPORT CPUS
	why=
	if [ ! -r $MINI_BZIMAGE ]; then
		why=" no-$MINI_BZIMAGE"; rig_result "$1" "-"; return
	fi
	img=/tmp/$1.img
	want=kite-mini-$1-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
	dd if=/dev/zero of=$img bs=1M count=8 2>/dev/null
	echo "$want" | dd of=$img conv=notrunc 2>/dev/null
	rig_mini_run "$1" "$2" $MINI_BZIMAGE "$4" 256M "$L2_CMDLINE rig.test=devs" "$3" $img
	rig_common "$1" 0
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
	rig_result "$1" "${virtio#RIG-L2 virtio } ${rng#RIG-L2 } init_ms=$(sed -n 's/^RIGRUN-MARK RIG-L2-INIT //p' "/tmp/$1.res")"
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
