#!/bin/busybox sh
# /init of the rig's L2 guest (the Linux that kite boots). Busybox only.
#
# It reports what the guest sees as single-line markers on its console and
# then stops the way the kernel command line asks (rig.test=...):
#
#   RIG-L2-INIT                      first thing init does (boot-time mark)
#   RIG-L2 cpus=N memtotal_kb=N date=EPOCH uptime=SECS
#   RIG-L2 modules ok|failed NAME...  virtio modules loaded in order
#
#   rig.test=boot    (default) print markers, then `reboot -f`. A guest
#                    without ACPI cannot power off to its VMM (poweroff -f
#                    only halts the CPU), so with reboot=k on the command
#                    line the reboot is the guest's "power off": the
#                    kernel pulses the i8042 reset line and kite exits 0.
#   rig.test=reboot  the init system's own `reboot` (busybox init shuts
#                    down, then reboot(2) with the kernel's default method)
#   rig.test=panic   crash the kernel through sysrq: with panic=-1 it
#                    reboots at once, which must end the VMM too
#   rig.test=shell   interactive busybox shell on the console; leaving it
#                    reboots (ends the VMM)
#   rig.test=script  run a fixed set of commands, then reboot (the
#                    non-interactive demo)
#   rig.test=devs    report the virtio devices, the hwrng and vda's first
#                    line, write a line to vda, then reboot (mini kernel)
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo "RIG-L2-INIT"
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys

test=boot
for arg in $(cat /proc/cmdline); do
	case $arg in rig.test=*) test=${arg#rig.test=} ;; esac
done

cpus=$(grep -c '^processor' /proc/cpuinfo)
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
echo "RIG-L2 cpus=$cpus memtotal_kb=$mem date=$(date +%s) uptime=$(cut -d' ' -f1 /proc/uptime)"

# The virtio drivers are modules in Debian's kernel; this order satisfies
# their dependencies (generated from modules.dep when the initrd is built).
# A kernel without module support (guest/linux: drivers built in) has no
# /proc/modules and nothing to load.
ok= bad=
[ -e /proc/modules ] || echo "RIG-L2 modules built-in"
[ -e /proc/modules ] && for m in $(cat /etc/rig-modules); do
	if insmod "$m" 2>/dev/null; then ok="$ok ${m##*/}"; else bad="$bad ${m##*/}"; fi
done
[ -e /proc/modules ] && echo "RIG-L2 modules ok${ok:+ }${ok# }${bad:+ failed}$bad"

case $test in
panic)
	echo "RIG-L2 panicking"
	echo 1 >/proc/sys/kernel/sysrq
	echo c >/proc/sysrq-trigger
	;;
reboot)
	echo "RIG-L2 reboot"
	# busybox init runs `reboot` once; reboot signals init, which kills
	# everything and calls reboot(2).
	exec init
	;;
shell)
	echo "RIG-L2 shell (exit or Ctrl-D to stop the guest)"
	hostname kite-guest
	setsid cttyhack sh -l
	;;
script)
	echo "RIG-L2 demo: uname -a; nproc; free -m; date -u"
	uname -a; nproc; free -m; date -u
	;;
devs)
	# The virtio devices the guest found (id@transport), the hwrng in use
	# and 16 bytes from it, vda's first line and size; then it writes
	# "guest-saw LINE" at offset 4096 of vda for the host to check.
	v=
	for d in /sys/bus/virtio/devices/*; do
		[ -e "$d/device" ] || continue
		case $(readlink -f "$d") in */pci*) t=pci ;; *) t=mmio ;; esac
		v="$v ${d##*/}=$(cat "$d/device")@$t"
	done
	echo "RIG-L2 virtio${v:- none}"
	echo "RIG-L2 hwrng=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)" \
		"bytes=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')"
	line=$(head -n1 /dev/vda 2>/dev/null | tr -dc 'a-zA-Z0-9-')
	echo "RIG-L2 vda line=$line sectors=$(cat /sys/block/vda/size 2>/dev/null)"
	[ -b /dev/vda ] &&
		printf 'guest-saw %s\n' "$line" | dd of=/dev/vda bs=4096 seek=1 conv=notrunc,fsync 2>/dev/null &&
		echo "RIG-L2 vda written"
	;;
esac
echo "RIG-L2 stopping"
reboot -f
# reboot -f returning means the kernel could not reset the machine.
echo "RIG-L2 reboot failed"
while :; do sleep 1000; done
