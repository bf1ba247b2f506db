// SPDX-License-Identifier: GPL-2.0
/*
 * The state Linux's 64-bit boot protocol entry expects: long mode with
 * paging on, an identity map covering the kernel, boot_params and the
 * command line, a GDT with __BOOT_CS (0x10) and __BOOT_DS (0x18),
 * interrupts off and RSI = boot_params. The kernel replaces all of it
 * within its first few hundred instructions, so the simplest complete
 * thing is enough: 2 MiB pages identity-mapping the first 4 GiB, which
 * holds everything kite places (all of it lies in low RAM).
 */
#include <string.h>
#include <sys/ioctl.h>

#include "boot.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PS		0x080ULL	/* 2 MiB page in a PD entry */

#define BOOT_PDPT	(BOOT_PML4 + 0x1000)
#define BOOT_PD		(BOOT_PML4 + 0x2000)	/* 4 tables, one per GiB */
#define BOOT_PT_END	(BOOT_PD + 4 * 0x1000)

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* GDT entries: flat 64-bit code and flat data, and a TSS for TR. */
#define GDT_CODE64	0x00af9b000000ffffULL
#define GDT_DATA	0x00cf93000000ffffULL
#define GDT_TSS		0x00008b0000000067ULL	/* busy 64-bit TSS at 0, limit 0x67 */
#define BOOT_SEL_TSS	0x20
#define GDT_ENTRIES	6		/* the 64-bit TSS descriptor takes two */

static int write_page_tables(struct vm *vm)
{
	u64 *pml4 = guest_ptr(vm, BOOT_PML4, BOOT_PT_END - BOOT_PML4);
	u64 *pdpt, *pd;
	unsigned i;

	if (!pml4)
		return -EINVAL;
	memset(pml4, 0, BOOT_PT_END - BOOT_PML4);
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	pml4[0] = BOOT_PDPT | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD + i * 0x1000) | PTE_P | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((u64)i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

static int write_gdt(struct vm *vm)
{
	u64 *gdt = guest_ptr(vm, BOOT_GDT_ADDR, GDT_ENTRIES * 8);

	if (!gdt)
		return -EINVAL;
	memset(gdt, 0, GDT_ENTRIES * 8);
	gdt[BOOT_SEL_CODE / 8] = GDT_CODE64;
	gdt[BOOT_SEL_DATA / 8] = GDT_DATA;
	gdt[BOOT_SEL_TSS / 8] = GDT_TSS;
	return 0;
}

static struct kvm_segment seg(u16 sel, u8 type, bool code64)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.present = 1, .s = 1, .l = code64, .db = !code64, .g = 1,
	};
}

int boot_setup_long64(struct vcpu *vcpu, const struct boot_entry *entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	ret = write_page_tables(vcpu->vm);
	ret = ret ?: write_gdt(vcpu->vm);
	if (ret)
		return ret;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = seg(BOOT_SEL_CODE, 0xb, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg(BOOT_SEL_DATA, 0x3, false);
	sregs.tr = (struct kvm_segment){
		.selector = BOOT_SEL_TSS, .limit = 0x67, .type = 0xb, .present = 1,
	};
	sregs.ldt = (struct kvm_segment){ .unusable = 1 };
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = GDT_ENTRIES * 8 - 1;
	sregs.idt.base = 0;
	sregs.idt.limit = 0;
	sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	sregs.cr3 = BOOT_PML4;
	sregs.cr4 = CR4_PAE;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;	/* IF clear: the protocol wants interrupts off */
	regs.rip = entry->rip;
	regs.rsi = entry->rsi;
	regs.rbx = entry->rbx;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	return 0;
}
