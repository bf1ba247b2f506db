// SPDX-License-Identifier: GPL-2.0
/*
 * PVH boot: load the ELF, then describe the machine in hvm_start_info
 * (memory map, command line, initrd as module 0) at BOOT_START_INFO.
 */
#include <stdio.h>
#include <string.h>

#include "boot.h"

#define HVM_START_MAGIC		0x336ec578	/* "xEn3" */

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;
	u32 memmap_entries;
	u32 reserved;
} __attribute__((packed));

struct hvm_modlist_entry {
	u64 paddr;
	u64 size;
	u64 cmdline_paddr;
	u64 reserved;
} __attribute__((packed));

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
} __attribute__((packed));

/* Placement inside the start-info page. */
#define PVH_MEMMAP		(BOOT_START_INFO + 0x100)
#define PVH_MEMMAP_MAX		16
#define PVH_MODLIST		(BOOT_START_INFO + 0x800)

/* boot_pvh_regions() tells the ELF loader that this page is taken. */
_Static_assert(PVH_MEMMAP + PVH_MEMMAP_MAX * sizeof(struct hvm_memmap_entry) <= PVH_MODLIST &&
	       PVH_MODLIST + sizeof(struct hvm_modlist_entry) <=
	       BOOT_START_INFO + BOOT_START_INFO_SIZE, "PVH start info overflows its page");

int pvh_setup(struct vm *vm, const struct boot_payload *p)
{
	struct hvm_start_info *si = guest_ptr(vm, BOOT_START_INFO, sizeof(*si));
	struct hvm_memmap_entry *mm = guest_ptr(vm, PVH_MEMMAP, PVH_MEMMAP_MAX * sizeof(*mm));
	struct hvm_modlist_entry *mod = guest_ptr(vm, PVH_MODLIST, sizeof(*mod));
	struct boot_mem_range map[BOOT_MEM_MAX];
	int n, i;

	if (!si || !mm || !mod) {
		pr_err("guest RAM is too small for the PVH boot tables");
		return -ENOMEM;
	}
	memset(si, 0, sizeof(*si));
	si->magic = HVM_START_MAGIC;
	si->version = 1;
	si->cmdline_paddr = p->cmdline_addr;
	si->rsdp_paddr = p->rsdp_addr;
	n = boot_memmap(vm, map, MIN(PVH_MEMMAP_MAX, BOOT_MEM_MAX));
	if (n < 0)
		return n;
	/* Same ranges as the zero page's e820: one builder for both paths. */
	for (i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){ map[i].addr, map[i].size, map[i].type };
	si->memmap_paddr = PVH_MEMMAP;
	si->memmap_entries = n;
	if (p->initrd_size) {
		*mod = (struct hvm_modlist_entry){ .paddr = p->initrd_addr, .size = p->initrd_size };
		si->modlist_paddr = PVH_MODLIST;
		si->nr_modules = 1;
	}
	return 0;
}
