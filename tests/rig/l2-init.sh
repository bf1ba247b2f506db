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
#
# Disk modes (virtio-blk, the disk is /dev/vda; L1 checks the image
# afterwards). Data is what `seq` prints, so L1 can make it again:
#   RIG-L2 blk sectors=N ro=0|1 queues=N     what the guest sees of vda
#   rig.test=blk-rw        mke2fs, mount, write /mnt/data (seq 1 100000),
#                          sync, `reboot -f` without unmounting
#   rig.test=blk-readback  mount, checksum /mnt/data and /mnt/host (written
#                          by L1 into the image), write /mnt/back, sync
#   rig.test=blk-ro        a read-only disk: a raw write and a file write
#                          must fail; the data still reads
#   rig.test=blk-reload    write a pattern with O_DIRECT, unbind the driver
#                          from the device in the middle (removal and reset
#                          under I/O), rmmod + insmod virtio_blk (bind if
#                          built in; probe: reset, renegotiation); every
#                          block dd saw
#                          complete must read back intact
#   rig.test=blk-mq        one writer pinned to each CPU, each its own
#                          region; both read back; per-queue interrupts
#   rig.test=blk-durable-raw  numbered 4 KiB records ("kite-record %08d\n",
#                          zero-padded) to block N of vda, one dd each
#                          with O_DIRECT + fsync (a FLUSH), printing
#                          "RIG-L2 durable N" once it returned, until L1
#                          kills the VMM (or "RIG-L2 durable done" at 16000)
#   rig.test=blk-durable-fs   the same as files /mnt/rN on a fresh ext2,
#                          each followed by `sync`
#   rig.test=fio           fio from the disk that holds it (chroot) against
#                          the other one: 4 KiB randread/randwrite at queue
#                          depth 1 and 32, rig.fio_secs seconds each;
#                          with rig.fio_snap=1 each job sits between
#                          "RIG-SNAP b|e RW QD" lines (L1's rigrun snapshots
#                          the VMM's counters on each) and is followed by
#                          "RIG-L2 cost RW qdQD ios= irq_dev= irq_loc= irq_all="
#                          (the guest's side of the same window)
#   rig.test=net-reload    DHCP from passt, then rmmod + insmod virtio_net
#                          (unbind + bind if built in) while L1's port 5000
#                          sends, DHCP again, the whole file from port
#                          5001: "RIG-L2 net-reload cut=BYTES got=MD5"
#   rig.test=devs    report the virtio devices, the hwrng, vda's first line
#                    and the virtio interrupts (chip, count), write a line
#                    to vda, then reboot (mini kernel)
#   rig.test=fs-share  kite run --share fs1 (rw) and fs2 (ro): mount both,
#                    read fs1's hello, write fs1/new (seq 1 100000, mode
#                    0600), fail to write fs2; then unbind both virtio-fs
#                    devices while a writer rewrites 1 MiB in fs1 until a
#                    write fails, bind them again,
#                    mount again and read new back: "RIG-L2 fs KEY=VAL..."
#   rig.test=winch   with --console virtio on a terminal: hvc0's size
#                    (`RIG-L2 winch before=ROWS COLS`, waiting up to 2 s
#                    while it has none), then, within 30 s,
#                    the size after the host terminal was resized
#                    (`RIG-L2 winch after=ROWS COLS`)
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
dmi=$(tr -d ' ' </sys/class/dmi/id/sys_vendor 2>/dev/null)
echo "RIG-L2 cpus=$cpus memtotal_kb=$mem date=$(date +%s) uptime=$(cut -d' ' -f1 /proc/uptime) dmi=${dmi:-none}"

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

# vda's size in 512-byte sectors, read-only flag and hardware queues.
blk_report() {
	if [ ! -b /dev/vda ]; then
		echo "RIG-L2 blk no /dev/vda"
		return 1
	fi
	echo "RIG-L2 blk sectors=$(cat /sys/block/vda/size) ro=$(cat /sys/block/vda/ro)" \
		"queues=$(ls /sys/block/vda/mq | wc -l)"
}
md5() { md5sum "$1" 2>/dev/null | cut -d' ' -f1; }
# dd's count of whole blocks written, from its stderr in FILE.
dd_out() { sed -n 's/^\([0-9]*\)+[0-9]* records out$/\1/p' "$1"; }
# Waits up to 10 s for /dev/vda (after a driver probe).
wait_vda() {
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	[ -b /dev/vda ]
}

blk_rw() {
	blk_report || return
	mkdir -p /mnt
	mke2fs -q /dev/vda && mount -t ext2 /dev/vda /mnt || { echo "RIG-L2 blk-rw mkfs/mount failed"; return; }
	seq 1 100000 >/mnt/data
	sync
	echo "RIG-L2 blk-rw data=$(md5 /mnt/data)"
}

# The records blk-durable-* write: L1 makes them again to check the image.
durable_record() { printf 'kite-record %08d\n' "$1"; }

blk_durable() {
	blk_report || return
	if [ "$1" = fs ]; then
		mkdir -p /mnt
		mke2fs -q /dev/vda && mount -t ext2 /dev/vda /mnt ||
			{ echo "RIG-L2 durable mkfs/mount failed"; return; }
	fi
	n=1
	while [ $n -le 16000 ]; do
		if [ "$1" = fs ]; then
			durable_record $n >/mnt/r$n && sync
		else
			durable_record $n | dd of=/dev/vda bs=4096 seek=$n oflag=direct \
				conv=sync,notrunc,fsync 2>/dev/null
		fi || { echo "RIG-L2 durable write $n failed"; return; }
		echo "RIG-L2 durable $n"
		n=$((n + 1))
	done
	echo "RIG-L2 durable done"
}

blk_readback() {
	blk_report || return
	mkdir -p /mnt
	mount -t ext2 /dev/vda /mnt || { echo "RIG-L2 blk-readback mount failed"; return; }
	seq 200000 250000 >/mnt/back
	sync
	echo "RIG-L2 blk-readback data=$(md5 /mnt/data) host=$(md5 /mnt/host) back=$(md5 /mnt/back)"
}

blk_ro() {
	blk_report || return
	mkdir -p /mnt
	raw=ok file=ok
	dd if=/dev/zero of=/dev/vda bs=4096 count=1 oflag=direct conv=notrunc 2>/dev/null || raw=fail
	# ext2 on a write-protected disk mounts read-only by itself.
	mount -t ext2 /dev/vda /mnt 2>/dev/null || mount -t ext2 -o ro /dev/vda /mnt
	echo x 2>/dev/null >/mnt/new || file=fail
	echo "RIG-L2 blk-ro raw-write=$raw file-write=$file data=$(md5 /mnt/data)"
}

blk_reload() {
	blk_report || return
	# 4 MiB, every 4 KiB block different (8-byte lines).
	seq -w 1000000 1524287 >/tmp/pat
	total=$(($(stat -c %s /tmp/pat) / 4096))
	dev=$(basename "$(readlink /sys/block/vda/device)")
	dd if=/tmp/pat of=/dev/vda bs=4096 oflag=direct conv=notrunc 2>/tmp/dd.err &
	pid=$!
	# Unbind once some writes completed (field 5 of stat): the disk goes
	# away and the device is reset while dd keeps writing.
	n=0
	while [ "$(awk '{ print $5 }' /sys/block/vda/stat 2>/dev/null || echo 0)" -lt 64 ] &&
		[ $n -lt 300 ]; do
		sleep 0.05; n=$((n + 1))
	done
	echo "$dev" >/sys/bus/virtio/drivers/virtio_blk/unbind
	wait $pid
	written=$(dd_out /tmp/dd.err)
	# The driver again, which probes the device from scratch: rmmod +
	# insmod, or with virtio_blk built in, bind.
	if [ -e /proc/modules ]; then
		rmmod virtio_blk && insmod "$(grep /virtio_blk.ko /etc/rig-modules)" ||
			echo "RIG-L2 blk-reload rmmod/insmod failed"
	else
		echo "$dev" >/sys/bus/virtio/drivers/virtio_blk/bind ||
			echo "RIG-L2 blk-reload bind failed"
	fi
	wait_vda || { echo "RIG-L2 blk-reload no /dev/vda after reload"; return; }
	intact=no after=fail
	dd if=/dev/vda of=/tmp/back bs=4096 count="${written:-0}" iflag=direct 2>/dev/null
	dd if=/tmp/pat of=/tmp/want bs=4096 count="${written:-0}" 2>/dev/null
	[ -n "$written" ] && cmp -s /tmp/back /tmp/want && intact=yes
	# The device works after all that: a block written and read back.
	dd if=/tmp/pat of=/dev/vda bs=4096 count=1 seek=8192 oflag=direct conv=notrunc 2>/dev/null &&
		dd if=/dev/vda of=/tmp/one bs=4096 count=1 skip=8192 iflag=direct 2>/dev/null &&
		[ "$(md5 /tmp/one)" = "$(dd if=/tmp/pat bs=4096 count=1 2>/dev/null | md5sum | cut -d' ' -f1)" ] &&
		after=ok
	echo "RIG-L2 blk-reload written=$written total=$total intact=$intact after=$after"
}

blk_mq() {
	blk_report || return
	# 1 MiB each, every 4 KiB block different.
	seq -w 1000000 1131071 >/tmp/pa
	seq -w 2000000 2131071 >/tmp/pb
	taskset 1 dd if=/tmp/pa of=/dev/vda bs=4096 oflag=direct conv=notrunc 2>/dev/null &
	a=$!
	taskset 2 dd if=/tmp/pb of=/dev/vda bs=4096 seek=1024 oflag=direct conv=notrunc 2>/dev/null &
	b=$!
	ra=ok rb=ok
	wait $a || ra=fail
	wait $b || rb=fail
	dd if=/dev/vda of=/tmp/ba bs=4096 count=256 iflag=direct 2>/dev/null
	dd if=/dev/vda of=/tmp/bb bs=4096 count=256 skip=1024 iflag=direct 2>/dev/null
	cmp -s /tmp/pa /tmp/ba || ra=bad
	cmp -s /tmp/pb /tmp/bb || rb=bad
	# Interrupts of each request queue (with MSI-X, one vector per
	# queue: "virtioN-req.Q"), summed over the CPUs.
	irqs=$(awk '/virtio[0-9]*-req\./ { s = 0; for (i = 2; $i ~ /^[0-9]+$/; i++) s += $i
		printf "%s%s", sep, s; sep = "," }' /proc/interrupts)
	echo "RIG-L2 blk-mq a=$ra b=$rb irqs=${irqs:-n/a}"
}

# fio lives on an ext2 disk of its own (with its libraries): find it,
# chroot into it and run against the other disk.
# fio_counters DISK: "IOS DEV LOC ALL": requests the disk completed, and
# the guest's interrupts: the disk's virtio device (its MSI-X queue vectors,
# or its one virtio-mmio line), the local timer, all of them.
fio_counters() {
	dev=$(readlink /sys/block/$1/device)
	dev=${dev##*/}
	set -- $(cat /sys/block/$1/stat)
	awk -v ios=$(($1 + $5)) -v dev="$dev" -v n="$(grep -c '^processor' /proc/cpuinfo)" '
		NR > 1 {
			s = 0
			for (i = 2; i <= n + 1; i++) s += $i
			all += s
			if ($1 == "LOC:") loc = s
			if ($NF == dev || index($NF, dev "-req") == 1) d += s
		}
		END { printf "%d %d %d %d\n", ios, d, loc, all }' /proc/interrupts
}

fio_run() {
	secs=3 target= fdev= snap=
	for arg in $(cat /proc/cmdline); do
		case $arg in
		rig.fio_secs=*) secs=${arg#rig.fio_secs=} ;;
		rig.fio_snap=1) snap=1 ;;
		esac
	done
	mkdir -p /fio
	for d in /sys/block/vd*; do
		d=${d##*/}
		if [ -z "$fdev" ] && mount -t ext2 -o ro /dev/$d /fio 2>/dev/null; then
			if [ -x /fio/usr/bin/fio ]; then fdev=$d; else umount /fio; target=$d; fi
		else
			target=$d
		fi
	done
	if [ -z "$fdev" ] || [ -z "$target" ]; then
		echo "RIG-L2 fio no fio disk ($fdev) or no target ($target)"
		return
	fi
	mount -t devtmpfs dev /fio/dev
	mount -t proc proc /fio/proc
	mount -t sysfs sys /fio/sys
	for rw in randread randwrite; do
		for qd in 1 32; do
			# The snapshots are taken while the guest sleeps: L1 has
			# a second to take them, and a sleeping guest costs little.
			if [ -n "$snap" ]; then
				c0=$(fio_counters $target)
				echo "RIG-SNAP b $rw $qd"
				sleep 1
			fi
			out=$(chroot /fio /usr/bin/fio --name=j --filename=/dev/$target --direct=1 \
				--ioengine=libaio --rw=$rw --bs=4k --iodepth=$qd --runtime=$secs \
				--time_based --norandommap --randrepeat=0 --minimal 2>&1)
			if [ -n "$snap" ]; then
				c1=$(fio_counters $target)
				echo "RIG-SNAP e $rw $qd"
				sleep 1
				set -- $c0 $c1
				echo "RIG-L2 cost $rw qd$qd ios=$(($5 - $1)) irq_dev=$(($6 - $2))" \
					"irq_loc=$(($7 - $3)) irq_all=$(($8 - $4))"
			fi
			f=8
			[ $rw = randwrite ] && f=49
			iops=$(echo "$out" | awk -F';' -v f=$f '/^3;/ { print $f }')
			echo "RIG-L2 fio $rw qd$qd iops=${iops:-fail}"
			[ -n "$iops" ] || echo "$out" | tail -n 3
		done
	done
}

# eth0's address from passt's DHCP server; sets l1 (the gateway: L1's
# loopback through passt) and prints what the guest got.
net_dhcp() {
	printf '#!/bin/sh\n[ "$1" = bound ] || exit 0\nifconfig $interface $ip netmask $subnet\nip route add default via $router\necho $router >/tmp/gw\nrm -f /etc/resolv.conf\nfor d in $dns; do echo nameserver $d; done >/etc/resolv.conf\n' >/tmp/dhcp.sh
	chmod +x /tmp/dhcp.sh
	rm -f /tmp/gw
	udhcpc -i eth0 -s /tmp/dhcp.sh -q -n -t 10 -T 2 >/dev/null 2>&1
	l1=$(cat /tmp/gw 2>/dev/null)
	echo "RIG-L2 net dhcp addr=$(ip -4 addr show eth0 | awk '/inet / { print $2 }') gw=$l1"
}

# "RIG-L2 net eth0=MAC carrier=0|1 mtu=N": what the guest's eth0 is.
net_eth0() {
	echo "RIG-L2 net eth0=$(cat /sys/class/net/eth0/address 2>/dev/null)" \
		"carrier=$(cat /sys/class/net/eth0/carrier 2>/dev/null)" \
		"mtu=$(cat /sys/class/net/eth0/mtu 2>/dev/null)"
}

# The NIC's driver removed while L1's server on port 5000 sends, and
# loaded again (rmmod + insmod virtio_net, or unbind + bind when built
# in): the device is reset with frames in flight both ways. Then the
# whole file from port 5001, checksummed.
net_reload() {
	ip link set lo up
	ip link set eth0 up
	net_dhcp
	net_eth0
	mkfifo /tmp/net.fifo
	: >/tmp/net.cut
	nc "$l1" 5000 <>/tmp/net.fifo >/tmp/net.cut &
	pid=$!
	n=0
	while [ "$(stat -c %s /tmp/net.cut)" -lt 4194304 ] && [ $n -lt 600 ]; do
		sleep 0.1; n=$((n + 1))
	done
	dev=$(basename "$(readlink /sys/class/net/eth0/device)")
	if [ -e /proc/modules ]; then
		rmmod virtio_net && insmod "$(grep /virtio_net.ko /etc/rig-modules)" ||
			echo "RIG-L2 net-reload rmmod/insmod failed"
	else
		echo "$dev" >/sys/bus/virtio/drivers/virtio_net/unbind &&
			echo "$dev" >/sys/bus/virtio/drivers/virtio_net/bind ||
			echo "RIG-L2 net-reload unbind/bind failed"
	fi
	cut=$(stat -c %s /tmp/net.cut)
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	rm -f /tmp/net.cut
	n=0
	while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	ip link set eth0 up
	net_dhcp
	got=$(nc "$l1" 5001 <>/tmp/net.fifo | md5sum)
	echo "RIG-L2 net-reload cut=$cut got=${got%% *}" \
		"carrier=$(cat /sys/class/net/eth0/carrier 2>/dev/null)"
}

# hvc0's "ROWS COLS"; Linux leaves it 0 x 0 until the first change, which
# busybox stty reports as an error: "none".
hvc_size() {
	s=$(stty -F /dev/hvc0 size 2>/dev/null)
	echo "${s:-none}"
}

case $test in
blk-rw) blk_rw ;;
blk-durable-raw) blk_durable raw ;;
blk-durable-fs) blk_durable fs ;;
blk-readback) blk_readback ;;
blk-ro) blk_ro ;;
blk-reload) blk_reload ;;
blk-mq) blk_mq ;;
net-reload) net_reload ;;
fio) fio_run ;;
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
winch)
	# Kept open: hvc applies a resize only to an open tty.
	exec 3<>/dev/hvc0
	# That first open applies the size hvc0 holds from a work item: give
	# it 2 s. Without a config change at DRIVER_OK it has none anyway
	# (0 x 0, which busybox stty reports as an error: "none").
	before=$(hvc_size) i=0
	while { [ "$before" = none ] || [ "$before" = "0 0" ]; } && [ $i -lt 20 ]; do
		sleep 0.1
		before=$(hvc_size)
		i=$((i + 1))
	done
	echo "RIG-L2 winch before=$before"
	i=0 now=$before
	while [ "$now" = "$before" ] && [ $i -lt 300 ]; do
		sleep 0.1
		now=$(hvc_size)
		i=$((i + 1))
	done
	echo "RIG-L2 winch after=$now"
	exec 3<&-
	;;
net-tap|net-user)
	# net-tap: eth0 at 10.9.0.2 next to L1's tap0 (10.9.0.1). net-user:
	# an address by DHCP from passt; its gateway is L1 itself (passt maps
	# it to L1's loopback). Then the bytes of L1's server on port 5000
	# (64 MiB, checksummed here and kept), sent back to its port 5001
	# (checksummed there). The receiving nc's stdin is a FIFO that never
	# ends: at the end of its stdin busybox nc shuts its side down.
	ip link set lo up
	ip link set eth0 up
	if [ "$test" = net-tap ]; then
		ip addr add 10.9.0.2/24 dev eth0
		l1=10.9.0.1
	else
		net_dhcp
		# L1's resolver (behind passt) names L1's loopback: kite-rig.test.
		echo "RIG-L2 net resolved=$(nslookup kite-rig.test 2>/dev/null |
			awk '/^Address: / { a = $2 } END { print a }')"
		l1=kite-rig.test
	fi
	net_eth0
	mkfifo /tmp/net.fifo
	got=$(nc "$l1" 5000 <>/tmp/net.fifo | tee /tmp/net.in | md5sum)
	echo "RIG-L2 net got=${got%% *}"
	nc "$l1" 5001 </tmp/net.in
	rm -f /tmp/net.in
	echo "RIG-L2 net sent"
	# net-tap has a second NIC on L1's tap1: its own MAC, carrier, and
	# `seq 1 100000` from L1's server at 10.9.1.1.
	if [ "$test" = net-tap ]; then
		ip link set eth1 up && ip addr add 10.9.1.2/24 dev eth1
		mkfifo /tmp/net2.fifo
		got=$(nc 10.9.1.1 5002 <>/tmp/net2.fifo | md5sum)
		echo "RIG-L2 net eth1=$(cat /sys/class/net/eth1/address 2>/dev/null)" \
			"carrier=$(cat /sys/class/net/eth1/carrier 2>/dev/null) got=${got%% *}"
	fi
	;;
fs-share)
	mkdir -p /mnt/1 /mnt/2
	mount -t virtiofs fs1 /mnt/1 && mount -t virtiofs fs2 /mnt/2 || echo "RIG-L2 fs mount failed"
	hello=$(cat /mnt/1/hello 2>/dev/null)
	seq 1 100000 >/mnt/1/new && chmod 0600 /mnt/1/new
	echo x 2>/dev/null >/mnt/2/x && ro=writable || ro=refused
	echo "RIG-L2 fs hello=$hello new=$(md5 /mnt/1/new) ro=$ro two=$(cat /mnt/2/two 2>/dev/null)"
	# The devices' driver goes and comes back while a writer is busy: it
	# writes 1 MiB over and over until a write fails, which only the
	# unbind can make happen (the case's timeout bounds it otherwise).
	( n=0
	  while dd if=/dev/zero of=/mnt/1/big bs=64k count=16 conv=notrunc 2>/dev/null; do
		n=$((n + 1))
	  done
	  echo $n >/tmp/writes ) &
	w=$!
	sleep 1
	devs=
	for d in /sys/bus/virtio/drivers/virtiofs/virtio*; do
		[ -e "$d" ] && devs="$devs ${d##*/}"
	done
	for d in $devs; do echo "$d" >/sys/bus/virtio/drivers/virtiofs/unbind; done
	wait $w
	echo "RIG-L2 fs unbound=$(echo $devs | wc -w) writes=$(cat /tmp/writes)"
	umount -l /mnt/1 2>/dev/null; umount -l /mnt/2 2>/dev/null
	for d in $devs; do echo "$d" >/sys/bus/virtio/drivers/virtiofs/bind; done
	mount -t virtiofs fs1 /mnt/1 && mount -t virtiofs fs2 /mnt/2 || echo "RIG-L2 fs remount failed"
	echo after >/mnt/1/after
	echo "RIG-L2 fs again=$(md5 /mnt/1/new) two=$(cat /mnt/2/two 2>/dev/null)"
	sync
	umount /mnt/1; umount /mnt/2
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
	# How each virtio interrupt arrives: " name:chip:count" per line.
	echo "RIG-L2 irqs$(grep virtio /proc/interrupts | awk '{
		s = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
		printf " %s:%s:%d", $NF, $i, s }')"
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
