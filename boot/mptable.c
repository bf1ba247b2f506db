// SPDX-License-Identifier: GPL-2.0
/*
 * Intel MultiProcessor Specification 1.4 table, for kernels that take
 * their CPUs from it: those built without ACPI, and any kernel booted
 * with acpi=off. Distro kernels use the MADT (boot/acpi.c says why both
 * exist); when both are present Linux prefers ACPI and ignores this.
 *
 * The floating pointer sits at BOOT_MPTABLE, in the last KiB of base
 * memory that Linux scans; the configuration table, which for 64 CPUs
 * is larger than that KiB, sits in the BIOS area at BOOT_MPTABLE_CFG.
 * Contents: every vCPU (APIC ID == index, CPU 0 the BSP), a PCI bus 0
 * and an ISA bus 1, the IOAPIC, ISA IRQs 0..15 (but the cascade, 2) to
 * the IOAPIC pin of the same number (KVM's default GSI routing), and the
 * local APICs' LINT0 = ExtINT (the 8259 in virtual-wire mode), LINT1 =
 * NMI. PCI slots 1..31 have their INTA# (the fallback of a guest that
 * does not enable MSI-X) on the IOAPIC pin pci_slot_gsi() names: the same
 * wiring as the DSDT's _PRT, so a kernel without ACPI finds it too.
 */
#include <string.h>

#include "boot.h"
#include "pci.h"

#define MP_SPEC_REV		4	/* 1.4 */
#define MP_APIC_VERSION		0x14
#define MP_IOAPIC_VERSION	0x11
#define MP_CPU_SIGNATURE	0x600	/* family 6: what KVM's CPUs look like */
#define MP_CPU_FEATURES		0x201	/* FPU, APIC */

#define MP_PROCESSOR		0
#define MP_BUS			1
#define MP_IOAPIC		2
#define MP_INTSRC		3
#define MP_LINTSRC		4

#define MP_CPU_EN		1
#define MP_CPU_BP		2
#define MP_INT			0
#define MP_NMI			1
#define MP_EXTINT		3

#define BUS_PCI			0
#define BUS_ISA			1

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }

u64 mptable_size(unsigned nr_cpus)
{
	/* header, CPUs, 2 buses, IOAPIC, 15 ISA IRQs, PCI INTA#s, 2 local interrupts */
	return 44 + nr_cpus * 20 + 2 * 8 + 8 + 15 * 8 + (PCI_MAX_SLOTS - 1) * 8 + 2 * 8;
}

static u8 *intsrc(u8 *e, u8 type, u8 bus, u8 irq, u8 apic, u8 pin)
{
	e[0] = MP_INTSRC;
	e[1] = type;
	put16(e + 2, 0);	/* polarity and trigger conform to the bus */
	e[4] = bus;
	e[5] = irq;
	e[6] = apic;
	e[7] = pin;
	return e + 8;
}

int mptable_build(u8 *fp, u8 *cfg, u64 cfg_len, unsigned nr_cpus)
{
	u8 ioapic_id = nr_cpus;	/* IDs are unique across CPUs and IOAPICs */
	u64 len = mptable_size(nr_cpus);
	unsigned i, entries = 0;
	u8 *e;

	if (!nr_cpus || nr_cpus > KITE_MAX_CPUS)
		return -EINVAL;
	if (len > cfg_len)
		return -ENOSPC;
	memset(cfg, 0, len);
	e = cfg + 44;
	for (i = 0; i < nr_cpus; i++, e += 20, entries++) {
		e[0] = MP_PROCESSOR;
		e[1] = i;
		e[2] = MP_APIC_VERSION;
		e[3] = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0);
		put32(e + 4, MP_CPU_SIGNATURE);
		put32(e + 8, MP_CPU_FEATURES);
	}
	e[0] = MP_BUS;
	e[1] = BUS_PCI;
	memcpy(e + 2, "PCI   ", 6);
	e += 8;
	e[0] = MP_BUS;
	e[1] = BUS_ISA;
	memcpy(e + 2, "ISA   ", 6);
	e += 8;
	entries += 2;
	e[0] = MP_IOAPIC;
	e[1] = ioapic_id;
	e[2] = MP_IOAPIC_VERSION;
	e[3] = 1;		/* enabled */
	put32(e + 4, IOAPIC_BASE);
	e += 8;
	entries++;
	for (i = 0; i < 16; i++) {
		if (i == 2)	/* the 8259 cascade never reaches the IOAPIC */
			continue;
		e = intsrc(e, MP_INT, BUS_ISA, i, ioapic_id, i);
		entries++;
	}
	/* A PCI source IRQ is (device << 2) | pin, with INTA# pin 0. */
	for (i = 1; i < PCI_MAX_SLOTS; i++) {
		e = intsrc(e, MP_INT, BUS_PCI, i << 2, ioapic_id, pci_slot_gsi(i));
		entries++;
	}
	e[0] = MP_LINTSRC;
	e[1] = MP_EXTINT;
	e[4] = BUS_ISA;
	e[6] = 0xff;		/* all local APICs */
	e[7] = 0;		/* LINT0 */
	e += 8;
	e[0] = MP_LINTSRC;
	e[1] = MP_NMI;
	e[4] = BUS_ISA;
	e[6] = 0xff;
	e[7] = 1;		/* LINT1 */
	e += 8;
	entries += 2;

	memcpy(cfg, "PCMP", 4);
	put16(cfg + 4, len);
	cfg[6] = MP_SPEC_REV;
	memcpy(cfg + 8, "KITE    ", 8);
	memcpy(cfg + 16, "KITEVMM     ", 12);
	put16(cfg + 34, entries);
	put32(cfg + 36, LAPIC_BASE);
	cfg[7] = boot_checksum(cfg, len);

	memset(fp, 0, 16);
	memcpy(fp, "_MP_", 4);
	put32(fp + 4, BOOT_MPTABLE_CFG);
	fp[8] = 1;		/* length in 16-byte units */
	fp[9] = MP_SPEC_REV;
	/* feature bytes 0: the configuration table is present, virtual wire */
	fp[10] = boot_checksum(fp, 16);
	return 0;
}

int mptable_setup(struct vm *vm)
{
	u64 len = mptable_size(vm->nr_cpus);
	u8 *fp = guest_ptr(vm, BOOT_MPTABLE, 16);
	u8 *cfg = guest_ptr(vm, BOOT_MPTABLE_CFG, len);

	if (!fp || !cfg)
		return -EINVAL;
	return mptable_build(fp, cfg, len, vm->nr_cpus);
}
