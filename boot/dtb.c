// SPDX-License-Identifier: GPL-2.0
/* The flattened device tree describing the machine kite built. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libfdt.h>

#include "boot.h"
#include "compat.h"
#include "dtb.h"

#define FDT_INITIAL_SIZE	(16 * KiB)
#define FDT_MAX_SIZE		(1 * MiB)

#define UART_CLOCK		1843200
#define APIC_MMIO_LEN		0x1000

/* A registry entry into the list it belongs to (and no further than it holds). */
static void take_described(const struct bus_dev *dev, void *arg)
{
	struct fdt_machine *m = arg;
	struct fdt_dev d = { .base = dev->base, .size = dev->len,
			     .irq = dev->irq_mask ? __builtin_ctz(dev->irq_mask) : 0 };

	if (!strcmp(dev->compat, COMPAT_UART_8250) && m->nr_uart < FDT_MAX_UARTS)
		m->uart[m->nr_uart++] = d;
	else if (!strcmp(dev->compat, COMPAT_VIRTIO_MMIO) && m->nr_mmio < FDT_MAX_MMIO_DEVS)
		m->mmio[m->nr_mmio++] = d;
}

void fdt_machine_from_vm(struct vm *vm, const char *bootargs, struct fdt_machine *m)
{
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < vm->nr_banks && i < ARRAY_SIZE(m->mem); i++) {
		m->mem[i].gpa = vm->banks[i].gpa;
		m->mem[i].size = vm->banks[i].size;
		m->nr_mem++;
	}
	m->nr_cpus = vm->nr_cpus;
	m->bootargs = bootargs;
	bus_for_each_described(&vm->pio_bus, take_described, m);
	bus_for_each_described(&vm->mmio_bus, take_described, m);
}

/* Two-cell address and size, as the root's #address-cells/#size-cells say. */
static int prop_reg64(void *fdt, u64 addr, u64 size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(addr), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int prop_irq(void *fdt, u32 gsi, u32 type)
{
	fdt32_t irq[2] = { cpu_to_fdt32(gsi), cpu_to_fdt32(type) };

	return fdt_property(fdt, "interrupts", irq, sizeof(irq));
}

/* libfdt's sequential writer returns 0 or a negative error: stop at the first. */
#define FDT_TRY(expr) do { int __r = (expr); if (__r < 0) return __r; } while (0)

static int fdt_node_name(char *buf, size_t len, const char *base, u64 addr)
{
	snprintf(buf, len, "%s@%llx", base, (unsigned long long)addr);
	return 0;
}

static int fdt_memory(void *fdt, const struct fdt_machine *m)
{
	char name[48];

	for (unsigned i = 0; i < m->nr_mem; i++) {
		if (!m->mem[i].size)
			continue;
		fdt_node_name(name, sizeof(name), "memory", m->mem[i].gpa);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "device_type", "memory"));
		FDT_TRY(prop_reg64(fdt, m->mem[i].gpa, m->mem[i].size));
		FDT_TRY(fdt_end_node(fdt));
	}
	return 0;
}

static int fdt_cpus(void *fdt, const struct fdt_machine *m)
{
	char name[32];

	FDT_TRY(fdt_begin_node(fdt, "cpus"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 1));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned i = 0; i < m->nr_cpus; i++) {
		snprintf(name, sizeof(name), "cpu@%x", i);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "device_type", "cpu"));
		FDT_TRY(fdt_property_u32(fdt, "reg", i));	/* APIC id */
		FDT_TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int fdt_apics(void *fdt)
{
	char name[48];

	fdt_node_name(name, sizeof(name), "lapic", LAPIC_BASE);
	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
	FDT_TRY(prop_reg64(fdt, LAPIC_BASE, APIC_MMIO_LEN));
	FDT_TRY(fdt_end_node(fdt));

	fdt_node_name(name, sizeof(name), "ioapic", IOAPIC_BASE);
	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	FDT_TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_TRY(fdt_property_u32(fdt, "#interrupt-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 0));
	FDT_TRY(prop_reg64(fdt, IOAPIC_BASE, APIC_MMIO_LEN));
	FDT_TRY(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_IOAPIC));
	return fdt_end_node(fdt);
}

static void uart_node_name(char *buf, size_t len, const struct fdt_dev *d)
{
	snprintf(buf, len, "serial@i%llx", (unsigned long long)d->base);
}

/*
 * UARTs sit on I/O ports, which x86 does not map into memory space: they
 * go under an ISA node using the ISA binding's two address cells (space,
 * port), space 1 being I/O.
 */
static int fdt_isa(void *fdt, const struct fdt_machine *m)
{
	char name[32];

	FDT_TRY(fdt_begin_node(fdt, "isa"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "isa"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 1));
	for (unsigned i = 0; i < m->nr_uart; i++) {
		const struct fdt_dev *d = &m->uart[i];
		fdt32_t reg[3] = { cpu_to_fdt32(1), cpu_to_fdt32(d->base), cpu_to_fdt32(d->size) };

		uart_node_name(name, sizeof(name), d);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "compatible", COMPAT_UART_8250));
		FDT_TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
		FDT_TRY(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK));
		FDT_TRY(prop_irq(fdt, d->irq, FDT_IRQ_EDGE_RISING));
		FDT_TRY(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int fdt_mmio_devs(void *fdt, const struct fdt_machine *m)
{
	char name[48];

	for (unsigned i = 0; i < m->nr_mmio; i++) {
		const struct fdt_dev *d = &m->mmio[i];

		fdt_node_name(name, sizeof(name), "virtio_mmio", d->base);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "compatible", COMPAT_VIRTIO_MMIO));
		FDT_TRY(prop_reg64(fdt, d->base, d->size));
		/* An irqfd pulses the line: an edge (see virtio/mmio.c). */
		FDT_TRY(prop_irq(fdt, d->irq, FDT_IRQ_EDGE_RISING));
		FDT_TRY(fdt_end_node(fdt));
	}
	return 0;
}

int fdt_build(const struct fdt_machine *m, void *buf, size_t size)
{
	void *fdt = buf;

	FDT_TRY(fdt_create(fdt, size));
	FDT_TRY(fdt_finish_reservemap(fdt));
	FDT_TRY(fdt_begin_node(fdt, ""));
	FDT_TRY(fdt_property_string(fdt, "compatible", "kite,x86-64"));
	FDT_TRY(fdt_property_string(fdt, "model", "kite"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "interrupt-parent", FDT_PHANDLE_IOAPIC));

	FDT_TRY(fdt_begin_node(fdt, "chosen"));
	if (m->bootargs)
		FDT_TRY(fdt_property_string(fdt, "bootargs", m->bootargs));
	if (m->nr_uart) {
		char path[48] = "/isa/";

		uart_node_name(path + 5, sizeof(path) - 5, &m->uart[0]);
		FDT_TRY(fdt_property_string(fdt, "stdout-path", path));
	}
	FDT_TRY(fdt_end_node(fdt));

	FDT_TRY(fdt_memory(fdt, m));
	FDT_TRY(fdt_cpus(fdt, m));
	FDT_TRY(fdt_apics(fdt));
	FDT_TRY(fdt_isa(fdt, m));
	FDT_TRY(fdt_mmio_devs(fdt, m));

	FDT_TRY(fdt_end_node(fdt));
	FDT_TRY(fdt_finish(fdt));
	return fdt_totalsize(fdt);
}

int fdt_dump(struct vm *vm, const char *bootargs, const char *path)
{
	struct fdt_machine m;
	void *buf = NULL;
	size_t size;
	int len = -FDT_ERR_NOSPACE, fd, ret;

	fdt_machine_from_vm(vm, bootargs, &m);
	for (size = FDT_INITIAL_SIZE; size <= FDT_MAX_SIZE && len == -FDT_ERR_NOSPACE; size *= 2) {
		void *nbuf = realloc(buf, size);

		if (!nbuf) {
			free(buf);
			pr_err("--dump-dtb: out of memory");
			return -ENOMEM;
		}
		buf = nbuf;
		len = fdt_build(&m, buf, size);
	}
	if (len < 0) {
		free(buf);
		pr_err("--dump-dtb: cannot build the device tree: %s", fdt_strerror(len));
		return -EINVAL;
	}

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		free(buf);
		pr_err("--dump-dtb %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = write_full(fd, buf, len);
	if (close(fd) && !ret)
		ret = -errno;
	free(buf);
	if (ret) {
		pr_err("--dump-dtb %s: %s", path, strerror(ret < 0 ? -ret : ret));
		unlink(path);
		return ret < 0 ? ret : -EIO;
	}
	return 0;
}
