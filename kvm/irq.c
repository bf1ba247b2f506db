// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts through the in-kernel irqchip: legacy lines, MSI routes,
 * irqfd and ioeventfd. KVM_SET_GSI_ROUTING replaces the whole table, so
 * kite keeps its own copy: the default PIC/IOAPIC routes for GSIs 0-23
 * plus one MSI route per GSI handed out.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm.h"

#define IOAPIC_PINS	24
#define MAX_ROUTES	1024

/*
 * ISA lines free for devices; 12 (PS/2 aux) and 3 (COM2) stay unused, and
 * 9 is the ACPI SCI (level-triggered in the MADT, see boot/acpi.c).
 */
static const u8 free_lines[] = { 5, 6, 7, 10, 11, 14, 15 };

static void add_irqchip_route(struct kvm_irq_routing *r, u32 gsi, u32 chip, u32 pin)
{
	struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

int irq_init(struct vm *vm)
{
	struct kvm_irq_routing *r;
	u32 gsi;

	r = calloc(1, sizeof(*r) + MAX_ROUTES * sizeof(r->entries[0]));
	if (!r)
		return -ENOMEM;
	/* The same table KVM starts with, so adding MSIs changes nothing else. */
	for (gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi < 8)
			add_irqchip_route(r, gsi, KVM_IRQCHIP_PIC_MASTER, gsi);
		else if (gsi < 16)
			add_irqchip_route(r, gsi, KVM_IRQCHIP_PIC_SLAVE, gsi - 8);
		add_irqchip_route(r, gsi, KVM_IRQCHIP_IOAPIC, gsi);
	}
	pthread_mutex_init(&vm->irq_lock, NULL);
	vm->routing = r;
	vm->next_msi_gsi = IRQ_FIRST_MSI_GSI;
	vm->next_irq_line = 0;
	return 0;
}

void irq_exit(struct vm *vm)
{
	free(vm->routing);
	vm->routing = NULL;
	pthread_mutex_destroy(&vm->irq_lock);
}

int irq_set_line(struct vm *vm, u32 gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

int irq_alloc_line(struct vm *vm)
{
	int line = -ENOSPC;

	pthread_mutex_lock(&vm->irq_lock);
	if (vm->next_irq_line < ARRAY_SIZE(free_lines))
		line = free_lines[vm->next_irq_line++];
	pthread_mutex_unlock(&vm->irq_lock);
	return line;
}

static void fill_msi(struct kvm_irq_routing_entry *e, u32 gsi, u64 addr, u32 data)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = (u32)addr;
	e->u.msi.address_hi = (u32)(addr >> 32);
	e->u.msi.data = data;
}

/* Called with irq_lock held. */
static int commit_routing(struct vm *vm)
{
	if (vm->vm_fd < 0)		/* unit tests build a VM without KVM */
		return 0;
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, vm->routing) < 0 ? -errno : 0;
}

int irq_add_msi_route(struct vm *vm, u64 addr, u32 data)
{
	struct kvm_irq_routing *r = vm->routing;
	int ret;
	u32 gsi;

	pthread_mutex_lock(&vm->irq_lock);
	if (r->nr >= MAX_ROUTES) {
		pthread_mutex_unlock(&vm->irq_lock);
		return -ENOSPC;
	}
	gsi = vm->next_msi_gsi++;
	fill_msi(&r->entries[r->nr++], gsi, addr, data);
	ret = commit_routing(vm);
	if (ret) {
		r->nr--;
		vm->next_msi_gsi--;
	}
	pthread_mutex_unlock(&vm->irq_lock);
	return ret ? ret : (int)gsi;
}

int irq_update_msi_route(struct vm *vm, u32 gsi, u64 addr, u32 data)
{
	struct kvm_irq_routing *r = vm->routing;
	int ret = -ENOENT;
	u32 i;

	pthread_mutex_lock(&vm->irq_lock);
	for (i = 0; i < r->nr; i++) {
		struct kvm_irq_routing_entry *e = &r->entries[i];

		if (e->gsi != gsi || e->type != KVM_IRQ_ROUTING_MSI)
			continue;
		if (e->u.msi.address_lo == (u32)addr &&
		    e->u.msi.address_hi == (u32)(addr >> 32) && e->u.msi.data == data) {
			ret = 0;	/* unchanged: skip the ioctl */
			break;
		}
		fill_msi(e, gsi, addr, data);
		ret = commit_routing(vm);
		break;
	}
	pthread_mutex_unlock(&vm->irq_lock);
	return ret;
}

int irq_signal_msi(struct vm *vm, u64 addr, u32 data)
{
	struct kvm_msi msi = {
		.address_lo = (u32)addr,
		.address_hi = (u32)(addr >> 32),
		.data = data,
	};

	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

static int irqfd(struct vm *vm, int efd, u32 gsi, u32 flags)
{
	struct kvm_irqfd fd = { .fd = efd, .gsi = gsi, .flags = flags };

	return ioctl(vm->vm_fd, KVM_IRQFD, &fd) < 0 ? -errno : 0;
}

int irqfd_assign(struct vm *vm, int efd, u32 gsi)
{
	return irqfd(vm, efd, gsi, 0);
}

int irqfd_deassign(struct vm *vm, int efd, u32 gsi)
{
	return irqfd(vm, efd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
}

static int ioeventfd(struct vm *vm, int efd, u64 addr, u32 len, bool pio, u32 flags)
{
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = len,
		.fd = efd,
		.flags = flags | (pio ? KVM_IOEVENTFD_FLAG_PIO : 0),
	};

	return ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

int ioeventfd_assign(struct vm *vm, int efd, u64 addr, u32 len, bool pio)
{
	return ioeventfd(vm, efd, addr, len, pio, 0);
}

int ioeventfd_deassign(struct vm *vm, int efd, u64 addr, u32 len, bool pio)
{
	return ioeventfd(vm, efd, addr, len, pio, KVM_IOEVENTFD_FLAG_DEASSIGN);
}
