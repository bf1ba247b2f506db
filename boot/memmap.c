// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's physical memory map as a PC firmware would report it: the
 * e820 table in the zero page and PVH's memmap are both built from here,
 * so the two boot paths can never disagree about where RAM is.
 *
 *   [0, 0x9fc00)              RAM (base memory)
 *   [0x9fc00, 0xa0000)        reserved: MP table, "EBDA"
 *   [0xe0000, 0x100000)       reserved: ACPI and MP tables, BIOS area
 *   [1 MiB, low_end)          RAM
 *   [PCI_ECAM_START, +1 MiB)  reserved: PCIe config space (the MCFG
 *                             table's; Linux uses it only if reserved)
 *   [4 GiB, 4 GiB + high)     RAM, if any did not fit below the hole
 *
 * 0xa0000..0xe0000 (VGA, option ROMs) is left out, as on real PCs. The
 * rest of the hole between low_end and 4 GiB is not listed: Linux places
 * its PCI window in the largest gap below 4 GiB, which starts at low_end.
 */
#include "boot.h"

static int add(struct boot_mem_range *out, unsigned max, unsigned *n,
	       u64 addr, u64 size, u32 type)
{
	if (!size)
		return 0;
	if (*n >= max)
		return -ENOSPC;
	out[*n] = (struct boot_mem_range){ .addr = addr, .size = size, .type = type };
	(*n)++;
	return 0;
}

int boot_memmap_layout(u64 low_end, u64 high_size, struct boot_mem_range *out,
		       unsigned max)
{
	unsigned n = 0;
	int ret;

	/* kite never creates a VM this small; the layout needs 1 MiB + kernel. */
	if (low_end <= BOOT_HIGH_START || low_end > MMIO_HOLE_START)
		return -EINVAL;
	ret = add(out, max, &n, 0, BOOT_MPTABLE, BOOT_MEM_RAM);
	ret = ret ?: add(out, max, &n, BOOT_MPTABLE, BOOT_LOW_RAM_END - BOOT_MPTABLE,
			 BOOT_MEM_RESERVED);
	ret = ret ?: add(out, max, &n, BOOT_ACPI, BOOT_BIOS_END - BOOT_ACPI,
			 BOOT_MEM_RESERVED);
	ret = ret ?: add(out, max, &n, BOOT_HIGH_START, low_end - BOOT_HIGH_START,
			 BOOT_MEM_RAM);
	ret = ret ?: add(out, max, &n, PCI_ECAM_START, PCI_ECAM_SIZE, BOOT_MEM_RESERVED);
	ret = ret ?: add(out, max, &n, MMIO_HOLE_END, high_size, BOOT_MEM_RAM);
	return ret ?: (int)n;
}

int boot_memmap(struct vm *vm, struct boot_mem_range *out, unsigned max)
{
	return boot_memmap_layout(vm_low_ram_end(vm), vm_high_ram_size(vm), out, max);
}
