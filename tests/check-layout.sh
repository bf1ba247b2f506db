#!/usr/bin/env bash
# The layers' boundaries (ARCHITECTURE.md), checked on the sources: the
# KVM core includes no device header, the disk layer and util/ nothing of
# the VM, util/ nothing of the disk layer; only cmd/ (the commands and the
# machine builder) may include machine.h. The build enforces the same at
# link time (the disk tests link the disk and util archives alone).
# Prints "layout: N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0
rule() {  # rule WHAT DIRS... -- HEADERS...
	local what=$1 dirs=() hdrs=() hits
	shift
	while [ "$1" != -- ]; do dirs+=("$1"); shift; done
	shift
	hdrs=("$@")
	local re
	re=$(printf '%s|' "${hdrs[@]}")
	re="#include \"(${re%|})\""
	hits=$(grep -nE "$re" $(for d in "${dirs[@]}"; do ls $d 2>/dev/null; done) 2>/dev/null)
	if [ -n "$hits" ]; then
		echo "FAIL: $what:"; echo "$hits" | sed 's/^/  /'
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}
rule "the KVM core names no device" kvm/*.c include/kvm.h include/bus.h -- hw.h virtio.h pci.h machine.h boot.h dtb.h disk.h
rule "the disk layer needs no VM" disk/*.c disk/*.h include/disk.h -- kvm.h hw.h virtio.h pci.h boot.h machine.h bus.h
rule "util/ needs nothing above it" util/*.c include/util.h include/json.h include/term.h include/iov.h include/child.h -- kvm.h hw.h virtio.h pci.h boot.h machine.h disk.h bus.h
rule "kite io needs no VM" cmd/io*.c include/io-report.h -- kvm.h hw.h virtio.h pci.h boot.h machine.h bus.h
# boot/ may read pci.h: the MP table describes the host bridge's INTx wiring.
rule "boot/ describes, builds nothing" boot/*.c include/boot.h include/dtb.h -- hw.h virtio.h machine.h disk.h
rule "devices know no machine" hw/*.c virtio/*.c -- machine.h
echo "layout: $passed passed, $failed failed"
[ "$failed" = 0 ]
