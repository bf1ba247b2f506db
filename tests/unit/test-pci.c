// SPDX-License-Identifier: GPL-2.0
/*
 * hw/pci.c and hw/pci-aml.c without a guest: configuration mechanism #1,
 * BAR sizing, mapping and relocation, INTx, the capability list, and the
 * host bridge's DSDT fragment (see pci-harness.h).
 */

#include "pci-harness.h"

/* ---- configuration mechanism #1 ---- */

START_TEST(host_bridge_identity)
{
	ck_assert_uint_eq(cfg16(0, PCI_VENDOR_ID), PCI_VENDOR_ID_REDHAT);
	ck_assert_uint_eq(cfg16(0, PCI_DEVICE_ID), PCI_DEVICE_ID_REDHAT_HOST);
	ck_assert_uint_eq(cfg32(0, PCI_CLASS_REVISION) >> 8, 0x060000);
	ck_assert_uint_eq(cfg8(0, PCI_HEADER_TYPE), PCI_HEADER_TYPE_NORMAL);
	/* No BARs: sizing one reads back zero. */
	cfg_write(0, 0, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(0, PCI_BASE_ADDRESS_0), 0);
}
END_TEST

START_TEST(address_register)
{
	/* Linux's pci_check_type1(): a dword at 0xCF8 reads back what was written. */
	outl(PCI_CONF1_ADDR_PORT, 0x80000000);
	ck_assert_uint_eq(inl(PCI_CONF1_ADDR_PORT), 0x80000000);
	/* Bits 1:0 are hardwired to zero. */
	outl(PCI_CONF1_ADDR_PORT, 0x80001807);
	ck_assert_uint_eq(inl(PCI_CONF1_ADDR_PORT), 0x80001804);
	/* A byte write to 0xCFB (the type 1 probe does one) leaves it alone. */
	{
		u8 b = 0x01;
		u16 w;

		bus_access(&vm.pio_bus, 0xcfb, &b, 1, true);
		ck_assert_uint_eq(inl(PCI_CONF1_ADDR_PORT), 0x80001804);
		bus_access(&vm.pio_bus, 0xcfa, &w, 2, false);
		ck_assert_uint_eq(w, 0xffff);
	}
}
END_TEST

START_TEST(absent_functions_read_all_ones)
{
	static struct tdev t;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	/* Empty slot, function 1 of a present device, bus 1. */
	ck_assert_uint_eq(cfg32(2, PCI_VENDOR_ID), 0xffffffff);
	ck_assert_uint_eq(cfg16(31, PCI_VENDOR_ID), 0xffff);
	ck_assert_uint_eq(cfg_read(1, 1, PCI_VENDOR_ID, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(1, 7, PCI_VENDOR_ID, 1), 0xff);
	outl(PCI_CONF1_ADDR_PORT, PCI_CONF1_ENABLE | 1 << 16 | 1 << 11);
	ck_assert_uint_eq(inl(PCI_CONF1_DATA_PORT), 0xffffffff);
	/* Enable bit clear, or the reserved/extended-register bits set. */
	outl(PCI_CONF1_ADDR_PORT, 1 << 11);
	ck_assert_uint_eq(inl(PCI_CONF1_DATA_PORT), 0xffffffff);
	outl(PCI_CONF1_ADDR_PORT, cfg_addr(1, 0, 0) | 0x01000000);
	ck_assert_uint_eq(inl(PCI_CONF1_DATA_PORT), 0xffffffff);
	/* And the device itself is there. */
	ck_assert_uint_eq(cfg32(1, PCI_VENDOR_ID), 0x56781234);
	/* Writes to nothing go nowhere. */
	cfg_write(2, 0, PCI_COMMAND, 0xffff, 2);
	cfg_write(1, 1, PCI_COMMAND, 0, 2);
	ck_assert(cfg16(1, PCI_COMMAND) & PCI_COMMAND_MEMORY);
}
END_TEST

START_TEST(sub_dword_accesses)
{
	static struct tdev t;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	/* Bytes and words at 0xCFC-0xCFF select bytes of the dword. */
	ck_assert_uint_eq(cfg_read(1, 0, PCI_VENDOR_ID + 1, 1), 0x12);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_DEVICE_ID, 2), 0x5678);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_DEVICE_ID + 1, 1), 0x56);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_INTERRUPT_LINE, 1), 0);
	/* A byte write to the interrupt line leaves its neighbours alone. */
	cfg_write(1, 0, PCI_INTERRUPT_LINE, 0x0b, 1);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_INTERRUPT_LINE, 1), 0x0b);
	ck_assert_uint_eq(cfg_read(1, 0, PCI_INTERRUPT_PIN, 1), 0);
	/* Read-only registers stay what they were. */
	cfg_write(1, 0, PCI_VENDOR_ID, 0xdeadbeef, 4);
	cfg_write(1, 0, PCI_CLASS_REVISION + 2, 0xffff, 2);
	ck_assert_uint_eq(cfg32(1, PCI_VENDOR_ID), 0x56781234);
	ck_assert_uint_eq(cfg32(1, PCI_CLASS_REVISION), 0xff000000);
	/* Word at 0xCFE: the high half of COMMAND/STATUS is STATUS. */
	ck_assert_uint_eq(cfg_read(1, 0, PCI_STATUS, 2), 0);
}
END_TEST

/* ---- BARs ---- */

START_TEST(bars_assigned_in_window)
{
	static struct tdev a, b;
	u32 a0, b0, b2;

	ck_assert_int_eq(tdev_add(&a, 4096, 0), 1);
	ck_assert_int_eq(tdev_add(&b, 16, 64 * KiB), 2);
	a0 = cfg32(1, PCI_BASE_ADDRESS_0);
	b0 = cfg32(2, PCI_BASE_ADDRESS_0);
	b2 = cfg32(2, PCI_BASE_ADDRESS_2);
	/* 32-bit memory, non-prefetchable: type bits zero. */
	ck_assert_uint_eq(a0 & 0xf, 0);
	for (int i = 0; i < 3; i++) {
		u32 addr = (u32[]){ a0, b0, b2 }[i], size = (u32[]){ 4096, 16, 64 * KiB }[i];

		ck_assert_uint_ge(addr, PCI_MMIO_START);
		ck_assert_uint_le((u64)addr + size, PCI_MMIO_START + PCI_MMIO_SIZE);
		ck_assert_uint_eq(addr % size, 0);
	}
	ck_assert(b0 + 16 <= b2 || b2 + 64 * KiB <= b0);
	ck_assert(a0 + 4096 <= b0);
	/* Decoding, as firmware would leave it. */
	ck_assert(cfg16(1, PCI_COMMAND) & PCI_COMMAND_MEMORY);
	ck_assert_uint_eq(mmio_read(b2 + 0x10, 4, NULL), 0xab000010);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 2), b2);
	ck_assert_uint_eq(b.mapped_at[2], b2);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 1), 0);
}
END_TEST

START_TEST(bar_sizing)
{
	static struct tdev t;
	u32 orig;

	ck_assert_int_eq(tdev_add(&t, 4096, 64 * KiB), 1);
	orig = cfg32(1, PCI_BASE_ADDRESS_0);
	/* Linux's __pci_read_base: decode off, all ones, read, restore. */
	cfg_write(1, 0, PCI_COMMAND, 0, 2);
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), 0xfffff000);
	cfg_write(1, 0, PCI_BASE_ADDRESS_2, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_2), 0xffff0000);
	/* Unimplemented BARs stay zero. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_1, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_1), 0);
	cfg_write(1, 0, PCI_ROM_ADDRESS, 0xffffffff, 4);
	ck_assert_uint_eq(cfg32(1, PCI_ROM_ADDRESS), 0);
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, orig, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), orig);
	/* Nothing was decoded while sizing. */
	ck_assert_uint_eq(t.nr_unmaps, 2);
	ck_assert_uint_eq(t.nr_maps, 2);
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(t.nr_maps, 4);
	ck_assert_uint_eq(mmio_read(orig, 4, NULL), 0xab000000);
}
END_TEST

START_TEST(memory_enable_bit)
{
	static struct tdev t;
	u32 bar;
	bool hit;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	bar = cfg32(1, PCI_BASE_ADDRESS_0);
	ck_assert(mmio_write(bar + 8, 0x55, 4));
	ck_assert_uint_eq(t.last_write_off, 8);
	ck_assert_uint_eq(t.last_write_val, 0x55);

	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
	ck_assert_uint_eq(mmio_read(bar, 4, &hit), 0xffffffff);
	ck_assert(!hit);
	ck_assert(!mmio_write(bar + 8, 0x66, 4));
	ck_assert_uint_eq(t.last_write_val, 0x55);
	ck_assert_uint_eq(pci_bar_addr(&t.pdev, 0), 0);

	/* The high byte of COMMAND alone does not touch decoding. */
	cfg_write(1, 0, PCI_COMMAND + 1, PCI_COMMAND_INTX_DISABLE >> 8, 1);
	ck_assert(!(cfg16(1, PCI_COMMAND) & PCI_COMMAND_MEMORY));
	cfg_write(1, 0, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	ck_assert_uint_eq(mmio_read(bar + 4, 4, &hit), 0xab000004);
	ck_assert(hit);
}
END_TEST

START_TEST(bar_relocation_moves_handler)
{
	static struct tdev t;
	u32 old, new = 0xe0000000;
	bool hit;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	old = cfg32(1, PCI_BASE_ADDRESS_0);
	/* Moved while decoding (a guest need not turn decode off). */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, new, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), new);
	ck_assert_uint_eq(mmio_read(new + 0x20, 4, &hit), 0xab000020);
	ck_assert(hit);
	mmio_read(old + 0x20, 4, &hit);
	ck_assert(!hit);
	ck_assert_uint_eq(t.mapped_at[0], new);
	ck_assert_uint_eq(pci_bar_addr(&t.pdev, 0), new);

	/* Low bits of the address are not writable: it stays aligned. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0, 0xe0010abc, 4);
	ck_assert_uint_eq(cfg32(1, PCI_BASE_ADDRESS_0), 0xe0010000);
	ck_assert_uint_eq(mmio_read(0xe0010000, 4, NULL), 0xab000000);

	/* Byte-wise reprogramming ends at the full address too. */
	cfg_write(1, 0, PCI_BASE_ADDRESS_0 + 2, 0x02, 1);
	cfg_write(1, 0, PCI_BASE_ADDRESS_0 + 3, 0xe0, 1);
	ck_assert_uint_eq(mmio_read(0xe0020000, 4, NULL), 0xab000000);
	mmio_read(0xe0010000, 4, &hit);
	ck_assert(!hit);
}
END_TEST

/*
 * ECAM sits on the MMIO bus it remaps BARs on: a config write through it
 * that turns decoding off, moves a BAR and turns it on again must not
 * wait for the bus lock it came in under (found by tests/fuzz/fuzz-pci:
 * it hung the vCPU forever).
 */
static void ecam_write16(unsigned slot, unsigned reg, u32 v, u32 len)
{
	ck_assert(bus_access(&vm.mmio_bus, PCI_ECAM_START + (slot << 15) + reg, &v, len, true));
}

START_TEST(ecam_writes_remap_bars)
{
	static struct tdev t;
	bool hit;

	ck_assert_int_eq(tdev_add(&t, 4096, 0), 1);
	ecam_write16(1, PCI_COMMAND, 0, 2);
	ck_assert_uint_eq(pci_bar_addr(&t.pdev, 0), 0);
	ecam_write16(1, PCI_BASE_ADDRESS_0, 0xe0000000, 4);
	ecam_write16(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(pci_bar_addr(&t.pdev, 0), 0xe0000000);
	ck_assert_uint_eq(mmio_read(0xe0000000 + 0x20, 4, &hit), 0xab000020);
	ck_assert(hit);
	ecam_write16(1, PCI_BASE_ADDRESS_0, 0xe0010000, 4);	/* moved while decoding */
	ck_assert_uint_eq(mmio_read(0xe0010000, 4, NULL), 0xab000000);
}
END_TEST

START_TEST(bar_overlap_and_bad_addresses)
{
	static struct tdev a, b;
	u32 a0, b0;
	bool hit;

	ck_assert_int_eq(tdev_add(&a, 4096, 0), 1);
	ck_assert_int_eq(tdev_add(&b, 4096, 0), 2);
	a0 = cfg32(1, PCI_BASE_ADDRESS_0);
	b0 = cfg32(2, PCI_BASE_ADDRESS_0);
	/* b on top of a: b stops decoding, a keeps working. */
	cfg_write(2, 0, PCI_BASE_ADDRESS_0, a0, 4);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 0), 0);
	ck_assert(mmio_write(a0, 1, 4));
	ck_assert_uint_eq(a.last_write_val, 1);
	ck_assert_uint_eq(b.last_write_val, 0);
	mmio_read(b0, 4, &hit);
	ck_assert(!hit);
	/* Moved somewhere free: decoding again. */
	cfg_write(2, 0, PCI_BASE_ADDRESS_0, 0xe0000000, 4);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 0), 0xe0000000);
	ck_assert(mmio_write(0xe0000000, 2, 4));
	ck_assert_uint_eq(b.last_write_val, 2);
	/* Address 0 is "unassigned": not decoded. */
	cfg_write(2, 0, PCI_BASE_ADDRESS_0, 0, 4);
	ck_assert_uint_eq(pci_bar_addr(&b.pdev, 0), 0);
	mmio_read(0, 4, &hit);
	ck_assert(!hit);
}
END_TEST

START_TEST(slots_and_window_run_out)
{
	static struct tdev t[PCI_MAX_SLOTS];
	static struct tdev big;

	for (int i = 1; i < PCI_MAX_SLOTS; i++)
		ck_assert_int_eq(tdev_add(&t[i], 16, 0), i);
	ck_assert_int_eq(tdev_add(&t[0], 16, 0), -ENOSPC);
	pci_unregister(&t[5].pdev);
	ck_assert_uint_eq(cfg32(5, PCI_VENDOR_ID), 0xffffffff);
	/* The whole window plus a bit cannot fit any more. */
	ck_assert_int_eq(tdev_add(&big, 0x10000000, 0), -ENOSPC);
	ck_assert_int_eq(tdev_add(&big, 4096, 0), 5);
}
END_TEST

START_TEST(bad_bar_declarations)
{
	struct pci_dev d;

	pci_dev_init(&d, "bad", 1, 2, 0, 0, 0);
	ck_assert_int_eq(pci_dev_add_bar(&d, 0, 8, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, 0, 3000, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, 6, 4096, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, -1, 4096, &tdev_bar_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_dev_add_bar(&d, 1, 4096, &tdev_bar_ops, NULL), 0);
	ck_assert_int_eq(pci_dev_add_bar(&d, 1, 4096, &tdev_bar_ops, NULL), -EINVAL);
}
END_TEST

/* Slots 1 and 9 share GSI 17: the line is the OR of both INTA#s. */
START_TEST(intx_shared_line)
{
	static struct tdev t[10];
	u32 gsi = pci_slot_gsi(1);

	for (int i = 1; i < 10; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		pci_dev_init(&t[i].pdev, "intx", 0x1234, 0x10, 0xff0000, 0, 0);
		if (i == 1 || i == 9)
			pci_dev_enable_intx(&t[i].pdev);
		ck_assert_int_eq(pci_register(&host, &t[i].pdev), i);
	}
	ck_assert_uint_eq(pci_slot_gsi(9), gsi);
	ck_assert_uint_eq(cfg8(9, PCI_INTERRUPT_PIN), 1);
	ck_assert_uint_eq(cfg8(2, PCI_INTERRUPT_PIN), 0);
	pci_intx_set(&t[1].pdev, true);
	ck_assert_int_eq(line_level[gsi], 1);
	pci_intx_set(&t[9].pdev, true);
	pci_intx_set(&t[1].pdev, false);
	ck_assert_int_eq(line_level[gsi], 1);
	ck_assert_uint_eq(nr_set_line, 1);	/* no glitch while one still asserts */
	pci_intx_set(&t[9].pdev, false);
	ck_assert_int_eq(line_level[gsi], 0);
	/* A function without a pin drives nothing; one that goes away lets go. */
	pci_intx_set(&t[2].pdev, true);
	ck_assert_uint_eq(nr_set_line, 2);
	pci_intx_set(&t[9].pdev, true);
	ck_assert_int_eq(line_level[gsi], 1);
	pci_unregister(&t[9].pdev);
	ck_assert_int_eq(line_level[gsi], 0);
}
END_TEST

/* ---- capabilities ---- */

START_TEST(capability_list)
{
	static struct tdev t;
	u8 ids[] = { PCI_CAP_ID_VNDR, PCI_CAP_ID_PM, PCI_CAP_ID_VNDR };
	u8 lens[] = { 16, 8, 20 };
	unsigned n = 0, guard = 0;
	u8 pos;

	memset(&t, 0, sizeof(t));
	pci_dev_init(&t.pdev, "caps", 0x1234, 0x1, 0xff0000, 0, 0);
	for (int i = 0; i < 3; i++) {
		int off = pci_dev_add_cap(&t.pdev, ids[i], lens[i]);

		ck_assert_int_ge(off, PCI_CAP_START);
		ck_assert_int_eq(off % 4, 0);
	}
	ck_assert_int_ge(pci_register(&host, &t.pdev), 1);

	ck_assert(cfg16(1, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	/* Walk the list as a driver does: it ends, in order, without overlap. */
	for (pos = cfg8(1, PCI_CAPABILITY_LIST); pos; pos = cfg8(1, pos + PCI_CAP_LIST_NEXT)) {
		u8 next = cfg8(1, pos + PCI_CAP_LIST_NEXT);

		ck_assert_uint_lt(n, 3);
		ck_assert_uint_eq(cfg8(1, pos), ids[n]);
		ck_assert(next == 0 || next >= pos + lens[n]);
		/* The list is read-only. */
		cfg_write(1, 0, pos, 0xffff, 2);
		ck_assert_uint_eq(cfg8(1, pos), ids[n]);
		n++;
		ck_assert_uint_lt(++guard, 48);
	}
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(capability_space_runs_out)
{
	struct pci_dev d;

	pci_dev_init(&d, "caps", 0x1234, 0x1, 0xff0000, 0, 0);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 180), 0x40);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 20), -ENOSPC);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 12), 0x40 + 180);
	ck_assert_int_eq(pci_dev_add_cap(&d, PCI_CAP_ID_VNDR, 2), -ENOSPC);
	ck_assert_uint_eq(d.cfg[0x40 + PCI_CAP_LIST_NEXT], 0x40 + 180);
	ck_assert_uint_eq(d.cfg[0x40 + 180 + PCI_CAP_LIST_NEXT], 0);
}
END_TEST

/* ---- the DSDT fragment ---- */

/* Decode a PkgLength at p; returns its value and sets *n to its size. */
static size_t aml_pkglen(const u8 *p, size_t *n)
{
	size_t follow = p[0] >> 6, v = p[0] & (follow ? 0x0f : 0x3f);

	for (size_t i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	*n = 1 + follow;
	return v;
}

static const u8 *find_bytes(const u8 *hay, size_t len, const void *needle, size_t nlen)
{
	for (size_t i = 0; i + nlen <= len; i++)
		if (!memcmp(hay + i, needle, nlen))
			return hay + i;
	return NULL;
}

START_TEST(acpi_host_bridge_aml)
{
	u8 buf[1024], small[16];
	size_t len = pci_acpi_aml(buf, sizeof(buf)), n, pl, crs_len;
	const u8 *p, *end, *dev, *crs;
	bool bus = false, conf = false, mem = false;
	unsigned io_windows = 0;

	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(len, sizeof(buf));
	ck_assert_uint_eq(pci_acpi_aml(small, sizeof(small)), len);	/* sizes without writing past */

	/* Scope (\_SB_) whose PkgLength covers exactly the rest. */
	ck_assert_uint_eq(buf[0], 0x10);
	pl = aml_pkglen(buf + 1, &n);
	ck_assert_uint_eq(1 + pl, len);
	ck_assert(!memcmp(buf + 1 + n, "\\_SB_", 5));
	/* Device (PCI0), nested inside it. */
	dev = buf + 1 + n + 5;
	ck_assert_uint_eq(dev[0], 0x5b);
	ck_assert_uint_eq(dev[1], 0x82);
	pl = aml_pkglen(dev + 2, &n);
	ck_assert_ptr_eq(dev + 2 + pl, buf + len);
	ck_assert(!memcmp(dev + 2 + n, "PCI0", 4));
	/* _HID is EisaId ("PNP0A03"), i.e. a PCI host bridge. */
	p = find_bytes(dev, buf + len - dev, "\x08_HID\x0c", 6);
	ck_assert_ptr_nonnull(p);
	ck_assert(!memcmp(p + 6, "\x41\xd0\x0a\x03", 4));
	/* _CRS: a buffer of resource descriptors ending in an end tag. */
	crs = find_bytes(dev, buf + len - dev, "\x08_CRS\x11", 6);
	ck_assert_ptr_nonnull(crs);
	pl = aml_pkglen(crs + 6, &n);
	ck_assert_uint_eq(crs[6 + n], 0x0a);
	crs_len = crs[6 + n + 1];
	p = crs + 6 + n + 2;
	end = p + crs_len;
	ck_assert_ptr_eq(end, crs + 6 + pl);
	while (p < end && p[0] != 0x79) {
		u16 dlen;

		if (p[0] == 0x47) {	/* I/O port */
			conf = p[2] == 0xf8 && p[3] == 0x0c && p[7] == 8;
			p += 8;
			continue;
		}
		ck_assert(p[0] == 0x87 || p[0] == 0x88);
		memcpy(&dlen, p + 1, 2);
		if (p[0] == 0x88 && p[3] == 2) {
			u16 min, max;

			memcpy(&min, p + 8, 2);
			memcpy(&max, p + 10, 2);
			bus = min == 0 && max == 0;
		} else if (p[0] == 0x88 && p[3] == 1) {
			io_windows++;
		} else if (p[0] == 0x87 && p[3] == 0) {
			u32 min, max, size;

			memcpy(&min, p + 10, 4);
			memcpy(&max, p + 14, 4);
			memcpy(&size, p + 22, 4);
			mem = min == PCI_MMIO_START && max == PCI_MMIO_START + PCI_MMIO_SIZE - 1 &&
			      size == PCI_MMIO_SIZE;
		}
		p += 3 + dlen;
	}
	ck_assert_ptr_eq(p, end - 2);
	ck_assert(bus && conf && mem);
	ck_assert_uint_eq(io_windows, 2);

	/* _PRT: slot S's INTA# is GSI 16 + S % 8, as hw/pci.c wires it. */
	p = find_bytes(dev, buf + len - dev, "\x08_PRT\x12", 6);
	ck_assert_ptr_nonnull(p);
	pl = aml_pkglen(p + 6, &n);
	ck_assert_ptr_eq(p + 6 + pl, buf + len);	/* the last thing in PCI0 */
	ck_assert_uint_eq(p[6 + n], PCI_MAX_SLOTS - 1);
	p += 6 + n + 1;
	for (unsigned slot = 1; slot < PCI_MAX_SLOTS; slot++) {
		u32 adr;

		ck_assert_uint_eq(p[0], 0x12);
		pl = aml_pkglen(p + 1, &n);
		ck_assert_uint_eq(p[1 + n], 4);
		ck_assert_uint_eq(p[2 + n], 0x0c);
		memcpy(&adr, p + 3 + n, 4);
		ck_assert_uint_eq(adr, slot << 16 | 0xffff);
		ck_assert(!memcmp(p + 7 + n, "\x00\x00\x0a", 3));
		ck_assert_uint_eq(p[10 + n], pci_slot_gsi(slot));
		p += 1 + pl;
	}
	ck_assert_ptr_eq(p, buf + len);
}
END_TEST

Suite *pci_suite(void);

Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("conf1");
	TCase *bars = tcase_create("bars");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, host_bridge_identity);
	tcase_add_test(tc, address_register);
	tcase_add_test(tc, absent_functions_read_all_ones);
	tcase_add_test(tc, sub_dword_accesses);
	tcase_add_test(tc, capability_list);
	tcase_add_test(tc, capability_space_runs_out);
	tcase_add_test(tc, acpi_host_bridge_aml);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(bars, setup, teardown);
	tcase_add_test(bars, bars_assigned_in_window);
	tcase_add_test(bars, bar_sizing);
	tcase_add_test(bars, memory_enable_bit);
	tcase_add_test(bars, bar_relocation_moves_handler);
	tcase_add_test(bars, ecam_writes_remap_bars);
	tcase_add_test(bars, bar_overlap_and_bad_addresses);
	tcase_add_test(bars, slots_and_window_run_out);
	tcase_add_test(bars, bad_bar_declarations);
	tcase_add_test(bars, intx_shared_line);
	suite_add_tcase(s, bars);
	return s;
}

KITE_TEST_MAIN(pci_suite)
