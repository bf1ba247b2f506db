// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree kite writes (--dump-dtb), read back with libfdt: every
 * node the machine has, with its reg and interrupts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libfdt.h>

#include "boot.h"
#include "dtb.h"
#include "hw.h"
#include "virtio.h"
#include "test.h"

/* A 5 GiB guest as the memory layout splits it: 3 GiB low, 2 GiB above 4 GiB. */
static void machine_5g(struct vm *vm, unsigned nr_cpus)
{
	ck_assert_int_eq(vm_init_bare(vm, NULL), 0);
	vm->banks[0] = (struct mem_bank){ .gpa = 0, .size = MMIO_HOLE_START };
	vm->banks[1] = (struct mem_bank){ .gpa = 4 * GiB, .size = 5 * GiB - MMIO_HOLE_START };
	vm->nr_banks = 2;
	vm->nr_cpus = nr_cpus;
}

static void machine_free(struct vm *vm)
{
	vm_destroy(vm);
}

/* Dump vm to a file and read it back; the caller frees the result. */
static void *dump_and_load_with(struct vm *vm, const char *bootargs)
{
	char *path = test_tmp_path("kite.dtb");
	void *buf = malloc(1 * MiB);
	size_t size;
	FILE *f;

	ck_assert_int_eq(fdt_dump(vm, bootargs, path), 0);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	size = fread(buf, 1, 1 * MiB, f);
	fclose(f);
	ck_assert_uint_gt(size, sizeof(struct fdt_header));
	ck_assert_int_eq(fdt_check_header(buf), 0);
	ck_assert_uint_eq(fdt_totalsize(buf), size);
	free(path);
	return buf;
}

static void *dump_and_load(struct vm *vm)
{
	return dump_and_load_with(vm, BOOT_DEFAULT_CMDLINE);
}

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	ck_assert_msg(off >= 0, "no node %s: %s", path, fdt_strerror(off));
	return off;
}

static const fdt32_t *prop32(const void *fdt, int off, const char *name, int cells)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, off, name, &len);

	ck_assert_msg(p, "no property %s", name);
	ck_assert_int_eq(len, cells * 4);
	return p;
}

static void check_reg64(const void *fdt, const char *path, u64 addr, u64 size)
{
	const fdt32_t *reg = prop32(fdt, node(fdt, path), "reg", 4);

	ck_assert_uint_eq((u64)fdt32_to_cpu(reg[0]) << 32 | fdt32_to_cpu(reg[1]), addr);
	ck_assert_uint_eq((u64)fdt32_to_cpu(reg[2]) << 32 | fdt32_to_cpu(reg[3]), size);
}

static void check_irq(const void *fdt, const char *path, u32 gsi, u32 type)
{
	const fdt32_t *irq = prop32(fdt, node(fdt, path), "interrupts", 2);

	ck_assert_uint_eq(fdt32_to_cpu(irq[0]), gsi);
	ck_assert_uint_eq(fdt32_to_cpu(irq[1]), type);
}

START_TEST(memory_split_around_hole)
{
	struct vm vm;
	void *fdt;
	int off, n = 0;

	machine_5g(&vm, 1);
	fdt = dump_and_load(&vm);
	ck_assert_uint_eq(fdt32_to_cpu(*prop32(fdt, 0, "#address-cells", 1)), 2);
	ck_assert_uint_eq(fdt32_to_cpu(*prop32(fdt, 0, "#size-cells", 1)), 2);
	check_reg64(fdt, "/memory@0", 0, 3 * GiB);
	check_reg64(fdt, "/memory@100000000", 4 * GiB, 2 * GiB);
	/* Exactly those two memory nodes, and RAM adds up to what was asked. */
	fdt_for_each_subnode(off, fdt, 0) {
		const char *t = fdt_getprop(fdt, off, "device_type", NULL);

		n += t && !strcmp(t, "memory");
	}
	ck_assert_int_eq(n, 2);
	free(fdt);
	machine_free(&vm);
}
END_TEST

START_TEST(small_guest_has_one_bank)
{
	struct vm vm;
	void *fdt;

	machine_5g(&vm, 1);
	vm.banks[0] = (struct mem_bank){ .gpa = 0, .size = 256 * MiB };
	vm.banks[1] = (struct mem_bank){ 0 };
	vm.nr_banks = 1;
	fdt = dump_and_load(&vm);
	check_reg64(fdt, "/memory@0", 0, 256 * MiB);
	ck_assert_int_lt(fdt_path_offset(fdt, "/memory@100000000"), 0);
	free(fdt);
	machine_free(&vm);
}
END_TEST

START_TEST(cpus_by_apic_id)
{
	struct vm vm;
	void *fdt;
	int cpus, off, n = 0;

	machine_5g(&vm, 4);
	fdt = dump_and_load(&vm);
	cpus = node(fdt, "/cpus");
	ck_assert_uint_eq(fdt32_to_cpu(*prop32(fdt, cpus, "#address-cells", 1)), 1);
	ck_assert_uint_eq(fdt32_to_cpu(*prop32(fdt, cpus, "#size-cells", 1)), 0);
	fdt_for_each_subnode(off, fdt, cpus) {
		ck_assert_str_eq(fdt_getprop(fdt, off, "device_type", NULL), "cpu");
		ck_assert_uint_eq(fdt32_to_cpu(*prop32(fdt, off, "reg", 1)), n);
		n++;
	}
	ck_assert_int_eq(n, 4);
	free(fdt);
	machine_free(&vm);
}
END_TEST

/* The UARTs are the registry's: COM1 and a COM2, the first one stdout. */
START_TEST(apics_and_uart)
{
	struct serial8250 *com1, *com2;
	struct vm vm;
	void *fdt;
	const fdt32_t *reg;
	int ioapic, uart;

	machine_5g(&vm, 1);
	com2 = serial8250_create(&vm, 0x2f8, 3, -1);
	com1 = serial8250_create(&vm, COM1_BASE, IRQ_COM1, -1);
	ck_assert(com1 && com2);
	fdt = dump_and_load(&vm);
	check_reg64(fdt, "/lapic@fee00000", LAPIC_BASE, 0x1000);
	check_reg64(fdt, "/ioapic@fec00000", IOAPIC_BASE, 0x1000);
	ioapic = node(fdt, "/ioapic@fec00000");
	ck_assert_int_eq(fdt_node_check_compatible(fdt, ioapic, "intel,ce4100-ioapic"), 0);
	ck_assert_ptr_nonnull(fdt_getprop(fdt, ioapic, "interrupt-controller", NULL));
	ck_assert_uint_eq(fdt32_to_cpu(*prop32(fdt, ioapic, "#interrupt-cells", 1)), 2);
	/* The root's interrupt-parent resolves to the I/O APIC. */
	ck_assert_int_eq(fdt_node_offset_by_phandle(fdt,
			 fdt32_to_cpu(*prop32(fdt, 0, "interrupt-parent", 1))), ioapic);

	uart = node(fdt, "/isa/serial@i3f8");
	ck_assert_int_eq(fdt_node_check_compatible(fdt, uart, "ns16550a"), 0);
	reg = prop32(fdt, uart, "reg", 3);
	ck_assert_uint_eq(fdt32_to_cpu(reg[0]), 1);	/* ISA I/O space */
	ck_assert_uint_eq(fdt32_to_cpu(reg[1]), 0x3f8);
	ck_assert_uint_eq(fdt32_to_cpu(reg[2]), 8);
	check_irq(fdt, "/isa/serial@i3f8", 4, FDT_IRQ_EDGE_RISING);
	check_irq(fdt, "/isa/serial@i2f8", 3, FDT_IRQ_EDGE_RISING);
	/* Registry order is port order: COM2's 0x2f8 comes first. */
	ck_assert_str_eq(fdt_getprop(fdt, node(fdt, "/chosen"), "stdout-path", NULL),
			 "/isa/serial@i2f8");
	free(fdt);
	serial8250_destroy(com1);
	serial8250_destroy(com2);
	/* No UART, no stdout-path (and no serial node). */
	fdt = dump_and_load(&vm);
	ck_assert_ptr_null(fdt_getprop(fdt, node(fdt, "/chosen"), "stdout-path", NULL));
	ck_assert_int_lt(fdt_path_offset(fdt, "/isa/serial@i3f8"), 0);
	free(fdt);
	machine_free(&vm);
}
END_TEST

/* Build from a machine description (no vm) and check it parses. */
static void *build(const struct fdt_machine *m)
{
	void *buf = malloc(64 * KiB);
	int len = fdt_build(m, buf, 64 * KiB);

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(fdt_check_header(buf), 0);
	ck_assert_int_eq(fdt_totalsize(buf), len);
	return buf;
}

START_TEST(virtio_mmio_devices)
{
	struct fdt_machine *m = calloc(1, sizeof(*m));
	struct vm vm;
	void *fdt;
	int off, n = 0, ioapic;

	machine_5g(&vm, 2);
	fdt_machine_from_vm(&vm, NULL, m);
	ck_assert_uint_eq(m->nr_mmio, 0);	/* nothing on the bus */
	for (unsigned i = 0; i < 3; i++)
		m->mmio[m->nr_mmio++] = (struct fdt_dev){
			.base = VIRTIO_MMIO_START + i * VIRTIO_MMIO_SLOT,
			.size = VIRTIO_MMIO_SLOT,
			.irq = 5 + i,
		};
	fdt = build(m);
	check_reg64(fdt, "/virtio_mmio@d0000000", 0xd0000000, 0x1000);
	check_irq(fdt, "/virtio_mmio@d0000000", 5, FDT_IRQ_EDGE_RISING);
	check_reg64(fdt, "/virtio_mmio@d0002000", 0xd0002000, 0x1000);
	check_irq(fdt, "/virtio_mmio@d0002000", 7, FDT_IRQ_EDGE_RISING);
	/* In bus order, each resolving its interrupt parent to the I/O APIC. */
	ioapic = node(fdt, "/ioapic@fec00000");
	fdt_for_each_subnode(off, fdt, 0) {
		if (fdt_node_check_compatible(fdt, off, "virtio,mmio"))
			continue;
		ck_assert_uint_eq(fdt32_to_cpu(prop32(fdt, off, "reg", 4)[1]),
				  0xd0000000 + n * 0x1000);
		ck_assert_int_eq(fdt_node_offset_by_phandle(fdt,
				 fdt32_to_cpu(*prop32(fdt, 0, "interrupt-parent", 1))), ioapic);
		n++;
	}
	ck_assert_int_eq(n, 3);
	free(fdt);
	free(m);
	machine_free(&vm);
}
END_TEST

/* Real virtio-mmio devices on a VM without KVM: the tree lists what the transport registered. */
START_TEST(virtio_mmio_from_transport)
{
	struct fdt_machine *m = calloc(1, sizeof(*m));
	struct virtio_transport t;
	struct fdt_dev *info = m->mmio;
	struct vm vm;
	void *fdt;
	int off, n = 0;

	machine_5g(&vm, 1);
	ck_assert_int_eq(virtio_transport_init(&t, "mmio", &vm, NULL), 0);
	ck_assert_int_eq(virtio_rng_create(&t), 0);
	ck_assert_int_eq(virtio_rng_create(&t), 0);
	fdt_machine_from_vm(&vm, NULL, m);
	ck_assert_uint_eq(m->nr_mmio, 2);
	fdt = dump_and_load(&vm);
	fdt_for_each_subnode(off, fdt, 0) {
		const fdt32_t *reg, *irq;

		if (fdt_node_check_compatible(fdt, off, "virtio,mmio"))
			continue;
		ck_assert_int_lt(n, 2);
		reg = prop32(fdt, off, "reg", 4);
		irq = prop32(fdt, off, "interrupts", 2);
		ck_assert_uint_eq((u64)fdt32_to_cpu(reg[0]) << 32 | fdt32_to_cpu(reg[1]), info[n].base);
		ck_assert_uint_eq((u64)fdt32_to_cpu(reg[2]) << 32 | fdt32_to_cpu(reg[3]), info[n].size);
		ck_assert_uint_eq(fdt32_to_cpu(irq[0]), info[n].irq);
		ck_assert_uint_eq(fdt32_to_cpu(irq[1]), FDT_IRQ_EDGE_RISING);
		n++;
	}
	ck_assert_int_eq(n, 2);
	ck_assert_uint_ne(info[0].irq, info[1].irq);
	free(fdt);
	free(m);
	machine_free(&vm);	/* the devices go with the VM's exit hooks */
}
END_TEST

/*
 * /chosen/bootargs is the line the kernel boots with: the base, the
 * virtio_mmio.device= of every device in the registry, the extras
 * (boot_cmdline, which the machine hands to both the loader and the tree).
 */
START_TEST(bootargs_are_the_booted_line)
{
	struct virtio_transport t;
	char want[256], *line;
	struct vm vm;
	void *fdt;

	machine_5g(&vm, 1);
	ck_assert_int_eq(virtio_transport_init(&t, "mmio", &vm, NULL), 0);
	ck_assert_int_eq(virtio_rng_create(&t), 0);
	ck_assert_int_eq(virtio_rng_create(&t), 0);
	line = boot_cmdline(&vm, "console=ttyS0 quiet", "console=hvc0");
	ck_assert_ptr_nonnull(line);
	snprintf(want, sizeof(want), "console=ttyS0 quiet virtio_mmio.device=4K@0xd0000000:%u "
		 "virtio_mmio.device=4K@0xd0001000:%u console=hvc0",
		 __builtin_ctz(vm.mmio_bus.devs[0]->irq_mask),
		 __builtin_ctz(vm.mmio_bus.devs[1]->irq_mask));
	ck_assert_str_eq(line, want);
	fdt = dump_and_load_with(&vm, line);
	ck_assert_str_eq(fdt_getprop(fdt, node(fdt, "/chosen"), "bootargs", NULL), line);
	free(fdt);
	free(line);

	/* No --cmdline: the default, still with the devices. */
	line = boot_cmdline(&vm, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(line, BOOT_DEFAULT_CMDLINE " virtio_mmio.device=4K@0xd0000000:"));
	free(line);
	machine_free(&vm);
}
END_TEST

START_TEST(small_buffer_is_refused)
{
	struct fdt_machine m;
	struct vm vm;
	char buf[256];
	static char big[64 * 1024];
	int len;

	machine_5g(&vm, 8);
	fdt_machine_from_vm(&vm, BOOT_DEFAULT_CMDLINE, &m);
	ck_assert_int_eq(fdt_build(&m, buf, sizeof(buf)), -FDT_ERR_NOSPACE);
	len = fdt_build(&m, big, sizeof(big));
	ck_assert_int_gt(len, (int)sizeof(buf));
	ck_assert_int_eq(fdt_check_header(big), 0);
	machine_free(&vm);
}
END_TEST

START_TEST(unwritable_path_fails)
{
	struct vm vm;

	machine_5g(&vm, 1);
	ck_assert_int_eq(fdt_dump(&vm, NULL, "/nonexistent-dir/kite.dtb"), -ENOENT);
	machine_free(&vm);
}
END_TEST

static Suite *fdt_suite(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("dtb");

	tcase_add_test(tc, memory_split_around_hole);
	tcase_add_test(tc, small_guest_has_one_bank);
	tcase_add_test(tc, cpus_by_apic_id);
	tcase_add_test(tc, apics_and_uart);
	tcase_add_test(tc, virtio_mmio_devices);
	tcase_add_test(tc, virtio_mmio_from_transport);
	tcase_add_test(tc, bootargs_are_the_booted_line);
	tcase_add_test(tc, small_buffer_is_refused);
	tcase_add_test(tc, unwritable_path_fails);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(fdt_suite)
