#!/bin/busybox sh
# /init of the guest tests/boot/linux-matrix.sh boots: prints what the
# guest sees (memory, CPUs, date, RTC, interrupt counts, boot warnings)
# between KITE-CHECK markers, then stops as the command line asks
# (kite.poweroff: ACPI S5; default: reboot -f, i.e. the i8042 reset).
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo "=== KITE-CHECK ==="
grep -E "MemTotal" /proc/meminfo
echo "nproc: $(nproc)"
echo "date: $(date -u +%s) $(date -u)"
echo "uptime: $(cat /proc/uptime)"
echo "cpuflags: $(grep -o -w -E 'tsc_deadline_timer|x2apic' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "hwclock: $(hwclock -r -u 2>&1)"
/bin/rtctest
grep -E "^ *(1|4|8|9|12):" /proc/interrupts
dmesg | grep -iE "warn|error|fail|timeout|unable|bug|firmware" | grep -v -E "XSAVE|xstate|pci=nocrs|This is not a bug" | head -20 | sed "s/^/dmesg-warn: /"
echo "=== END ==="
case " $(cat /proc/cmdline) " in
*" kite.poweroff "*) poweroff -f ;;
esac
reboot -f
