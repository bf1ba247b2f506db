// SPDX-License-Identifier: GPL-2.0
/*
 * The DSDT fragment that announces the PCI host bridge to an ACPI guest.
 *
 * Why it is needed: an x86 Linux with ACPI takes its PCI root buses from
 * the DSDT (PNP0A03 devices) and skips the legacy "probe bus 0 through
 * 0xCF8" scan entirely (arch/x86/pci/legacy.c runs it only when ACPI IRQ
 * routing is off). Without this device, a distro kernel booted with
 * kite's ACPI tables would see no PCI devices at all.
 *
 *   Scope (\_SB) {
 *     Device (PCI0) {
 *       Name (_HID, EisaId ("PNP0A03"))
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *         WordBusNumber: bus 0
 *         IO: 0xCF8-0xCFF (configuration mechanism #1)
 *         WordIO: 0x0000-0x0CF7 and 0x0D00-0xFFFF
 *         DWordMemory: the BAR window, PCI_MMIO_START + PCI_MMIO_SIZE
 *       })
 *       Name (_PRT, Package () {	slots 1..31, INTA# only
 *         Package () { 0xSSSSFFFF, 0, 0, pci_slot_gsi (S) }, ...
 *       })
 *     }
 *   }
 *
 * _PRT entries name GSIs directly (no link devices): the INTx wiring of
 * hw/pci.c, used only by a driver that leaves MSI-X off.
 */
#include <string.h>

#include "pci.h"

#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_DWORD_PREFIX	0x0c
#define AML_ZERO_OP		0x00
#define AML_PACKAGE_OP		0x12
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_EXT_PREFIX		0x5b
#define AML_DEVICE_OP		0x82
#define AML_ROOT_CHAR		'\\'

/* Resource descriptors (ACPI 6.x, 6.4). */
#define RES_IO			0x47	/* small item, 8 bytes */
#define RES_END			0x79
#define RES_DWORD_ADDR		0x87
#define RES_WORD_ADDR		0x88
#define RES_TYPE_MEM		0
#define RES_TYPE_IO		1
#define RES_TYPE_BUS		2
#define RES_MIN_MAX_FIXED	0x0c	/* producer, positive decode, min and max fixed */
#define RES_IO_ENTIRE_RANGE	0x03
#define RES_MEM_RW		0x01	/* read-write, non-cacheable */

/* EisaId ("PNP0A03") as AML encodes it. */
#define EISA_PNP0A03		0x030ad041

struct aml {
	u8 *buf;
	size_t len;
	size_t pos;			/* may run past len: then only counted */
};

static void emit(struct aml *a, const void *p, size_t n)
{
	if (a->pos + n <= a->len)
		memcpy(a->buf + a->pos, p, n);
	a->pos += n;
}

static void emit8(struct aml *a, u8 v)
{
	emit(a, &v, 1);
}

static void emit16(struct aml *a, u16 v)
{
	emit8(a, v);
	emit8(a, v >> 8);
}

static void emit32(struct aml *a, u32 v)
{
	emit16(a, v);
	emit16(a, v >> 16);
}

static void word_addr(struct aml *a, u8 type, u8 tflags, u16 min, u16 max, u16 len)
{
	emit8(a, RES_WORD_ADDR);
	emit16(a, 13);
	emit8(a, type);
	emit8(a, RES_MIN_MAX_FIXED);
	emit8(a, tflags);
	emit16(a, 0);			/* granularity */
	emit16(a, min);
	emit16(a, max);
	emit16(a, 0);			/* translation */
	emit16(a, len);
}

static void crs(struct aml *a)
{
	word_addr(a, RES_TYPE_BUS, 0, 0, 0, 1);

	emit8(a, RES_IO);
	emit8(a, 0x01);			/* 16-bit decode */
	emit16(a, PCI_CONF1_ADDR_PORT);
	emit16(a, PCI_CONF1_ADDR_PORT);
	emit8(a, 1);			/* alignment */
	emit8(a, 8);			/* length */

	word_addr(a, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, 0, PCI_CONF1_ADDR_PORT - 1,
		  PCI_CONF1_ADDR_PORT);
	word_addr(a, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, PCI_CONF1_ADDR_PORT + 8, 0xffff,
		  0x10000 - (PCI_CONF1_ADDR_PORT + 8));

	emit8(a, RES_DWORD_ADDR);
	emit16(a, 23);
	emit8(a, RES_TYPE_MEM);
	emit8(a, RES_MIN_MAX_FIXED);
	emit8(a, RES_MEM_RW);
	emit32(a, 0);			/* granularity */
	emit32(a, PCI_MMIO_START);
	emit32(a, PCI_MMIO_START + PCI_MMIO_SIZE - 1);
	emit32(a, 0);			/* translation */
	emit32(a, PCI_MMIO_SIZE);

	emit8(a, RES_END);
	emit8(a, 0);			/* checksum 0: "treat as correct" */
}

/*
 * PkgLength counts itself: one byte up to 63, else a lead byte with the
 * low nibble and the count of following bytes (bits 7:6), which hold the
 * rest 8 bits at a time.
 */
static void pkg_length(struct aml *a, size_t body)
{
	size_t n = body + 1;

	if (n < 64) {
		emit8(a, n);
		return;
	}
	n = body + 2;
	if (n < (1 << 12)) {
		emit8(a, 0x40 | (n & 0xf));
		emit8(a, n >> 4);
		return;
	}
	n = body + 3;
	emit8(a, 0x80 | (n & 0xf));
	emit8(a, n >> 4);
	emit8(a, n >> 12);
}

/* Emit what fill(arg) produces, preceded by its PkgLength. */
static void package(struct aml *a, void (*fill)(struct aml *, unsigned), unsigned arg)
{
	struct aml probe = { .buf = NULL, .len = 0 };

	fill(&probe, arg);
	pkg_length(a, probe.pos);
	fill(a, arg);
}

static void crs_buffer_body(struct aml *a, unsigned unused)
{
	struct aml probe = { .buf = NULL, .len = 0 };

	crs(&probe);
	emit8(a, AML_BYTE_PREFIX);	/* BufferSize */
	emit8(a, probe.pos);
	crs(a);
}

static void prt_entry(struct aml *a, unsigned slot)
{
	emit8(a, 4);				/* NumElements */
	emit8(a, AML_DWORD_PREFIX);
	emit32(a, slot << 16 | 0xffff);	/* _ADR: any function of the slot */
	emit8(a, AML_ZERO_OP);			/* pin: INTA# */
	emit8(a, AML_ZERO_OP);			/* source: none, a GSI follows */
	emit8(a, AML_BYTE_PREFIX);
	emit8(a, pci_slot_gsi(slot));
}

static void prt_body(struct aml *a, unsigned unused)
{
	emit8(a, PCI_MAX_SLOTS - 1);		/* NumElements */
	for (unsigned slot = 1; slot < PCI_MAX_SLOTS; slot++) {
		emit8(a, AML_PACKAGE_OP);
		package(a, prt_entry, slot);
	}
}

static void device_body(struct aml *a, unsigned unused)
{
	emit(a, "PCI0", 4);
	emit8(a, AML_NAME_OP);
	emit(a, "_HID", 4);
	emit8(a, AML_DWORD_PREFIX);
	emit32(a, EISA_PNP0A03);
	emit8(a, AML_NAME_OP);
	emit(a, "_UID", 4);
	emit8(a, AML_ZERO_OP);
	emit8(a, AML_NAME_OP);
	emit(a, "_CRS", 4);
	emit8(a, AML_BUFFER_OP);
	package(a, crs_buffer_body, 0);
	emit8(a, AML_NAME_OP);
	emit(a, "_PRT", 4);
	emit8(a, AML_PACKAGE_OP);
	package(a, prt_body, 0);
}

static void scope_body(struct aml *a, unsigned unused)
{
	emit8(a, AML_ROOT_CHAR);
	emit(a, "_SB_", 4);
	emit8(a, AML_EXT_PREFIX);
	emit8(a, AML_DEVICE_OP);
	package(a, device_body, 0);
}

size_t pci_acpi_aml(u8 *buf, size_t len)
{
	struct aml a = { .buf = buf, .len = len };

	emit8(&a, AML_SCOPE_OP);
	package(&a, scope_body, 0);
	return a.pos;
}
