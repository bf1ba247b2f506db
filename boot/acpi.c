// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables: how Linux finds the vCPUs (MADT) and powers off.
 *
 * Why ACPI and not an MP table: kite's target is a stock distro kernel,
 * and Debian's cloud kernel is built with CONFIG_X86_MPPARSE=n, so it
 * never looks at an MP table and would boot on one CPU. Every x86 kernel
 * built with CONFIG_ACPI (all distro kernels) reads the MADT.
 *
 * Why a classic (not "hardware-reduced") ACPI PC: reduced mode makes
 * Linux drop the 8259 PIC, which leaves the IOAPIC without its legacy
 * IRQ domain, so fixed ISA IRQs (COM1's 4, the i8042's 1 and 12, the
 * RTC's 8) would then need DSDT devices to be mapped at all. A classic
 * FADT needs only a tiny PM register block (hw/acpi-pm.c: SCI_EN always
 * set, SLP_TYP/SLP_EN for poweroff) and gives `poweroff` a way out.
 *
 * MCFG points at the PCI host's ECAM window (hw/pci.c).
 *
 * The tables sit in the BIOS area at BOOT_ACPI (reserved in e820), where
 * Linux's RSDP scan looks, and their address also goes into
 * boot_params.acpi_rsdp_addr and hvm_start_info.rsdp_paddr.
 */
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "compat.h"

#define ACPI_OEM_ID		"KITE  "
#define ACPI_OEM_TABLE_ID	"KITEVMM "
#define ACPI_CREATOR_ID		"KITE"
#define ACPI_HDR_LEN		36

#define FADT_REVISION		6
#define FADT_LEN		276
#define FACS_LEN		64

/* FADT field offsets (ACPI 6.x, table 5.9). */
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_PM1A_EVT_BLK	56
#define FADT_PM1A_CNT_BLK	64
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_P_LVL2_LAT		96
#define FADT_P_LVL3_LAT		98
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_X_DSDT		140

#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_PWR_BUTTON	(1u << 4)	/* set: no fixed power button */
#define FADT_F_SLP_BUTTON	(1u << 5)	/* set: no fixed sleep button */
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)
#define BOOT_ARCH_8042		(1u << 1)
#define BOOT_ARCH_NO_VGA	(1u << 2)

#define CMOS_CENTURY_REG	0x32	/* hw/rtc.c keeps the century here */

#define MADT_PCAT_COMPAT	1
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define ISO_LEVEL_HIGH		0x000d	/* active high, level triggered */

struct acpi_buf {
	u8 *base;
	u64 len;
	u64 used;
};

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

/* Reserve len bytes, aligned; returns NULL when the area is full. */
static u8 *alloc(struct acpi_buf *b, u64 len, u64 align)
{
	u64 off = ALIGN_UP(b->used, align);
	u8 *p;

	if (!range_ok(off, len, b->len))
		return NULL;
	p = b->base + off;
	memset(p, 0, len);
	b->used = off + len;
	return p;
}

static u32 gpa(const struct acpi_buf *b, const u8 *p)
{
	return BOOT_ACPI + (u32)(p - b->base);
}

static u8 *table(struct acpi_buf *b, const char sig[4], u32 len, u8 rev)
{
	u8 *t = alloc(b, len, 16);

	if (!t)
		return NULL;
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put32(t + 32, 1);
	return t;
}

static void seal(u8 *t)
{
	u32 len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = boot_checksum(t, len);
}

/*
 * \_S5 in the DSDT: "poweroff" writes SLP_TYP = 5 with SLP_EN to
 * PM1a_CNT. AML: Name (_S5, Package (2) { 5, 5 }).
 */
static const u8 dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',	/* NameOp "_S5_" */
	0x12, 0x06, 0x02,		/* PackageOp, PkgLength 6, 2 elements */
	0x0a, ACPI_SLP_TYP_S5,		/* BytePrefix 5: SLP_TYPa */
	0x0a, ACPI_SLP_TYP_S5,		/* BytePrefix 5: SLP_TYPb */
};

/*
 * The legacy devices as PNP nodes, so Linux binds its drivers to them the
 * way it does on PCs (8250_pnp, rtc_cmos, i8042 via PNP) instead of
 * probing for them. Made from the device registry (in port order), e.g.:
 *
 *   Scope (\_SB) {
 *     Device (COM1) { _HID PNP0501, _UID 1, _CRS { IO 0x3f8/8, IRQ 4 } }
 *     Device (RTC)  { _HID PNP0B00, _CRS { IO 0x70/2, IRQ 8 } }
 *     Device (KBD)  { _HID PNP0303, _CRS { IO 0x60/1, IO 0x64/1, IRQ 1 } }
 *     Device (MOU)  { _HID PNP0F13, _CRS { IRQ 12 } }
 *   }
 */
#define AML_SCOPE_OP		0x10
#define AML_NAME_OP		0x08
#define AML_BUFFER_OP		0x11
#define AML_BYTE_PREFIX		0x0a
#define AML_DWORD_PREFIX	0x0c
#define AML_EXT_PREFIX		0x5b
#define AML_DEVICE_OP		0x82
#define PNP_ID(a, b, c, prod)	(((((a) - '@') << 10 | ((b) - '@') << 5 | ((c) - '@')) >> 8) | \
				 ((((a) - '@') << 10 | ((b) - '@') << 5 | ((c) - '@')) & 0xff) << 8 | \
				 (u32)((prod) >> 8) << 16 | (u32)((prod) & 0xff) << 24)

struct aml {
	u8 *buf;
	size_t len, cap;
};

static void aml_put(struct aml *a, const void *p, size_t n)
{
	if (a->len + n <= a->cap)
		memcpy(a->buf + a->len, p, n);
	a->len += n;		/* past cap: only counted, the caller sees the overflow */
}

static void aml_byte(struct aml *a, u8 v)
{
	aml_put(a, &v, 1);
}

/* PkgLength covering itself and the n bytes that follow (n < 4096 - 2). */
static void aml_pkglen(struct aml *a, size_t n)
{
	if (n + 1 < 64) {
		aml_byte(a, n + 1);
	} else {
		n += 2;
		aml_byte(a, 0x40 | (n & 0xf));
		aml_byte(a, n >> 4);
	}
}

static void aml_device(struct aml *a, const char name[4], u32 hid, int uid,
		       const u8 *crs, size_t crs_len)
{
	u8 body[96];
	struct aml d = { .buf = body, .cap = sizeof(body) };

	aml_put(&d, name, 4);
	aml_byte(&d, AML_NAME_OP);
	aml_put(&d, "_HID", 4);
	aml_byte(&d, AML_DWORD_PREFIX);
	aml_put(&d, &hid, 4);
	if (uid >= 0) {
		aml_byte(&d, AML_NAME_OP);
		aml_put(&d, "_UID", 4);
		aml_byte(&d, AML_BYTE_PREFIX);
		aml_byte(&d, uid);
	}
	aml_byte(&d, AML_NAME_OP);
	aml_put(&d, "_CRS", 4);
	aml_byte(&d, AML_BUFFER_OP);
	aml_pkglen(&d, 2 + crs_len);
	aml_byte(&d, AML_BYTE_PREFIX);
	aml_byte(&d, crs_len);
	aml_put(&d, crs, crs_len);
	aml_byte(a, AML_EXT_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_pkglen(a, d.len);
	aml_put(a, body, d.len);
}

/* Resource descriptors: IO (decode16, fixed range), IRQNoFlags (a mask), end tag. */
static size_t res_io(u8 *p, u16 port, u8 len)
{
	const u8 d[] = { 0x47, 0x01, port & 0xff, port >> 8, port & 0xff, port >> 8, 0x01, len };

	memcpy(p, d, sizeof(d));
	return sizeof(d);
}

static size_t res_irq(u8 *p, u16 mask)
{
	const u8 d[] = { 0x22, mask & 0xff, mask >> 8 };

	memcpy(p, d, sizeof(d));
	return sizeof(d);
}

static size_t res_end(u8 *p)
{
	p[0] = 0x79;
	p[1] = 0x00;
	return 2;
}

struct registry_aml {
	struct aml a;
	unsigned nr_uarts;
};

/* An IO range, then IRQNoFlags for the lines in mask: one device's _CRS. */
static size_t crs_io_irq(u8 *res, u16 port, u8 len, u16 mask)
{
	size_t n = res_io(res, port, len);

	n += res_irq(res + n, mask);
	return n + res_end(res + n);
}

/* One PNP device for a registry entry: name, _HID and resources by compat. */
static void registry_device(const struct bus_dev *dev, void *arg)
{
	struct registry_aml *r = arg;
	u16 port = dev->base, irqs = dev->irq_mask;
	u16 first = irqs & -irqs, second = irqs & (irqs - 1);
	u8 res[32];
	size_t n;

	if (!strcmp(dev->compat, COMPAT_UART_8250) && r->nr_uarts < 9) {
		char name[5] = { 'C', 'O', 'M', '1' + r->nr_uarts, 0 };

		n = crs_io_irq(res, port, dev->len, irqs);
		aml_device(&r->a, name, PNP_ID('P', 'N', 'P', 0x0501), ++r->nr_uarts, res, n);
	} else if (!strcmp(dev->compat, COMPAT_RTC_CMOS)) {
		n = crs_io_irq(res, port, dev->len, irqs);
		aml_device(&r->a, "RTC_", PNP_ID('P', 'N', 'P', 0x0b00), -1, res, n);
	} else if (!strcmp(dev->compat, COMPAT_I8042)) {
		/* The keyboard: data and command ports, the first line... */
		n = res_io(res, port, 1);
		n += crs_io_irq(res + n, port + 4, 1, first);
		aml_device(&r->a, "KBD_", PNP_ID('P', 'N', 'P', 0x0303), -1, res, n);
		/* ...the PS/2 mouse on the aux port, the second. */
		n = res_irq(res, second);
		n += res_end(res + n);
		aml_device(&r->a, "MOU_", PNP_ID('P', 'N', 'P', 0x0f13), -1, res, n);
	}
}

size_t acpi_registry_aml(struct vm *vm, u8 *buf, size_t cap)
{
	u8 body[1024];
	struct registry_aml r = { .a = { .buf = body, .cap = sizeof(body) } };
	struct aml a = { .buf = buf, .cap = cap };

	aml_put(&r.a, "\\_SB_", 5);
	bus_for_each_described(&vm->pio_bus, registry_device, &r);
	if (r.a.len > sizeof(body))
		return SIZE_MAX / 2;	/* more than any DSDT area holds */
	aml_byte(&a, AML_SCOPE_OP);
	aml_pkglen(&a, r.a.len);
	aml_put(&a, body, r.a.len);
	return a.len;
}

static u8 *build_dsdt(struct acpi_buf *b, const u8 *aml, u64 aml_len)
{
	u64 len = ACPI_HDR_LEN + sizeof(dsdt_aml) + aml_len;
	u8 *t = len <= UINT32_MAX ? table(b, "DSDT", len, 2) : NULL, *p;

	if (!t)
		return NULL;
	p = t + ACPI_HDR_LEN;
	memcpy(p, dsdt_aml, sizeof(dsdt_aml));
	p += sizeof(dsdt_aml);
	if (aml_len)
		memcpy(p, aml, aml_len);
	seal(t);
	return t;
}

static u8 *build_facs(struct acpi_buf *b)
{
	u8 *t = alloc(b, FACS_LEN, 64);	/* the spec wants 64-byte alignment */

	if (!t)
		return NULL;
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2;			/* version */
	return t;
}

static u8 *build_fadt(struct acpi_buf *b, u32 facs, u32 dsdt)
{
	u8 *t = table(b, "FACP", FADT_LEN, FADT_REVISION);

	if (!t)
		return NULL;
	put32(t + FADT_FIRMWARE_CTRL, facs);
	put32(t + FADT_DSDT, dsdt);
	put64(t + FADT_X_DSDT, dsdt);
	put16(t + FADT_SCI_INT, ACPI_SCI_IRQ);
	/* SMI_CMD stays 0: the machine is always in ACPI mode. */
	put32(t + FADT_PM1A_EVT_BLK, ACPI_PM_BASE);
	put32(t + FADT_PM1A_CNT_BLK, ACPI_PM_BASE + 4);
	t[FADT_PM1_EVT_LEN] = 4;
	t[FADT_PM1_CNT_LEN] = 2;
	/* No C2/C3: latencies above 100 / 1000 us say "not supported". */
	put16(t + FADT_P_LVL2_LAT, 101);
	put16(t + FADT_P_LVL3_LAT, 1001);
	t[FADT_CENTURY] = CMOS_CENTURY_REG;
	put16(t + FADT_IAPC_BOOT_ARCH,
	      BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_8042 | BOOT_ARCH_NO_VGA);
	put32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 |
	      FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON);
	t[131] = 0;			/* FADT minor version */
	seal(t);
	return t;
}

/*
 * MCFG: where PCIe-style config space is (hw/pci.c decodes it), bus 0
 * only. Without it Linux warns that it cannot reach extended config space.
 */
static u8 *build_mcfg(struct acpi_buf *b)
{
	u8 *t = table(b, "MCFG", ACPI_HDR_LEN + 8 + 16, 1), *e;

	if (!t)
		return NULL;
	e = t + ACPI_HDR_LEN + 8;
	put64(e, PCI_ECAM_START);
	put16(e + 8, 0);		/* segment */
	e[10] = 0;			/* first bus */
	e[11] = PCI_ECAM_SIZE / (1 << 20) - 1;	/* last bus: 1 MiB per bus */
	seal(t);
	return t;
}

static u8 *build_madt(struct acpi_buf *b, unsigned nr_cpus)
{
	u32 len = ACPI_HDR_LEN + 8 + nr_cpus * 8 + 12 + 10 + 6;
	u8 *t = table(b, "APIC", len, 4), *e;
	unsigned i;

	if (!t)
		return NULL;
	put32(t + 36, LAPIC_BASE);
	put32(t + 40, MADT_PCAT_COMPAT);	/* there are 8259s (KVM's PIC) */
	e = t + 44;
	for (i = 0; i < nr_cpus; i++, e += 8) {
		e[0] = MADT_LAPIC;
		e[1] = 8;
		e[2] = i;		/* ACPI processor UID */
		e[3] = i;		/* APIC ID == vCPU index in KVM */
		put32(e + 4, 1);	/* enabled */
	}
	/* KVM's IOAPIC reads back ID 0; pins == GSIs == ISA IRQs. */
	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = 0;
	put32(e + 4, IOAPIC_BASE);
	put32(e + 8, 0);
	e += 12;
	/* The SCI is level-triggered; kite's lines are active high. */
	e[0] = MADT_ISO;
	e[1] = 10;
	e[2] = 0;			/* ISA */
	e[3] = ACPI_SCI_IRQ;
	put32(e + 4, ACPI_SCI_IRQ);
	put16(e + 8, ISO_LEVEL_HIGH);
	e += 10;
	/* LINT1 of every CPU is NMI, as on PCs. */
	e[0] = MADT_LAPIC_NMI;
	e[1] = 6;
	e[2] = 0xff;
	put16(e + 3, 0);
	e[5] = 1;
	seal(t);
	return t;
}

int acpi_build(u8 *buf, u64 len, unsigned nr_cpus, const u8 *aml, u64 aml_len,
	       u64 *rsdp_gpa)
{
	struct acpi_buf b = { .base = buf, .len = len };
	u8 *rsdp, *xsdt, *facs, *dsdt, *fadt, *madt, *mcfg;

	if (!nr_cpus || nr_cpus > KITE_MAX_CPUS)
		return -EINVAL;
	/* The RSDP first: Linux scans 16-byte boundaries from 0xe0000. */
	rsdp = alloc(&b, 36, 16);
	xsdt = rsdp ? table(&b, "XSDT", ACPI_HDR_LEN + 3 * 8, 1) : NULL;
	facs = xsdt ? build_facs(&b) : NULL;
	dsdt = facs ? build_dsdt(&b, aml, aml_len) : NULL;
	fadt = dsdt ? build_fadt(&b, gpa(&b, facs), gpa(&b, dsdt)) : NULL;
	madt = fadt ? build_madt(&b, nr_cpus) : NULL;
	mcfg = madt ? build_mcfg(&b) : NULL;
	if (!mcfg)
		return -ENOSPC;

	put64(xsdt + ACPI_HDR_LEN, gpa(&b, fadt));
	put64(xsdt + ACPI_HDR_LEN + 8, gpa(&b, madt));
	put64(xsdt + ACPI_HDR_LEN + 16, gpa(&b, mcfg));
	seal(xsdt);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, ACPI_OEM_ID, 6);
	rsdp[15] = 2;			/* ACPI 2.0+: use the XSDT */
	put32(rsdp + 20, 36);
	put64(rsdp + 24, gpa(&b, xsdt));
	rsdp[8] = boot_checksum(rsdp, 20);
	rsdp[32] = boot_checksum(rsdp, 36);
	*rsdp_gpa = gpa(&b, rsdp);
	return 0;
}

int acpi_setup(struct vm *vm, const acpi_aml_fn *fns, unsigned nr, u64 *rsdp)
{
	u64 area = BOOT_ACPI_END - BOOT_ACPI, used = 0;
	u8 *buf = guest_ptr(vm, BOOT_ACPI, area), *aml;
	unsigned i;
	int ret;

	if (!buf)
		return -EINVAL;
	/* The devices' AML, gathered first: it all fits in the area or fails. */
	aml = malloc(area);
	if (!aml)
		return -ENOMEM;
	for (i = 0; i <= nr; i++) {
		/* The registry's legacy devices first, then the devices' own. */
		size_t n = i == 0 ? acpi_registry_aml(vm, aml, area) : fns[i - 1](aml + used, area - used);

		if (n > area - used) {
			free(aml);
			return -ENOSPC;
		}
		used += n;
	}
	ret = acpi_build(buf, area, vm->nr_cpus, aml, used, rsdp);
	free(aml);
	return ret;
}

int boot_write_tables(struct vm *vm, const struct boot_config *bc, u64 *rsdp)
{
	return acpi_setup(vm, bc->dsdt_aml, bc->nr_dsdt_aml, rsdp) ?: mptable_setup(vm) ?:
	       smbios_setup(vm);
}
