// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci under real KVM: a VM with the 8250, the i8042 and a
 * virtio-rng on PCI runs guest/virtio-pci.c, a miniature driver that
 * reaches the device only through port 0xCF8/0xCFC and BAR 0: it finds
 * the function, walks its capabilities, negotiates, gets random bytes
 * through queue 0 (kicked through the notify ioeventfd), resets the
 * device and does it again with the queue's MSI-X vector programmed,
 * waiting for that interrupt (GSI route + irqfd). Its serial output is
 * checked line by line.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "hw.h"
#include "pci.h"
#include "virtio.h"
#include "test.h"

static void serial_free(void *arg)
{
	serial8250_destroy(arg);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 64 * KiB);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(buf);
	if (fread(buf, 1, 64 * KiB - 1, f) == 0)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

START_TEST(guest_drives_virtio_pci)
{
	char *kernel, *out_path = test_tmp_path("serial.out"), *out;
	struct vm_config cfg = { .ram_size = 64 * MiB, .nr_cpus = 1 };
	struct boot_config bc = { .cmdline = BOOT_DEFAULT_CMDLINE };
	struct virtio_transport t;
	struct boot_entry entry;
	struct pci_host *pci;
	struct vm vm;
	void *serial;
	int fd, code;

	ck_assert_int_ge(asprintf(&kernel, "%s/guest/virtio-pci.elf", test_build_dir()), 0);
	bc.kernel = kernel;
	fd = open(out_path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);

	ck_assert_int_eq(vm_create(&vm, &cfg), 0);
	serial = serial8250_create(&vm, COM1_BASE, IRQ_COM1, fd);
	ck_assert_ptr_nonnull(serial);
	ck_assert_int_eq(vm_on_exit(&vm, serial_free, serial), 0);
	ck_assert_int_eq(serial_console_attach(&vm, serial, -1), 0);
	ck_assert_int_eq(i8042_init(&vm), 0);
	pci = pci_host_create(&vm);
	ck_assert_ptr_nonnull(pci);
	ck_assert_int_eq(virtio_transport_init(&t, "pci", &vm, pci), 0);
	ck_assert_int_eq(virtio_rng_create(&t), 0);
	ck_assert_int_eq(boot_load_kernel(&vm, &bc, &entry), 0);
	ck_assert_int_eq(boot_setup_bsp(&vm.vcpus[0], &entry), 0);
	code = vm_run(&vm);
	vm_destroy(&vm);
	close(fd);

	out = slurp(out_path);
	if (getenv("KITE_TEST_VERBOSE"))
		fputs(out, stderr);
	ck_assert_msg(code == KITE_EXIT_GUEST_OFF, "exit %d, guest said:\n%s", code, out);
	ck_assert_msg(strstr(out, "pci 00:00.0 1b36:0008 class 060000\n"), "%s", out);
	ck_assert_msg(strstr(out, "pci 00:01.0 1af4:1044 class ff0000\n"), "%s", out);
	ck_assert_msg(!strstr(out, "pci 00:02.0"), "%s", out);
	ck_assert_msg(strstr(out, "virtio common found 1\n"), "%s", out);
	ck_assert_msg(strstr(out, "notify multiplier 4\n"), "%s", out);
	ck_assert_msg(strstr(out, "num queues 1\n"), "%s", out);
	ck_assert_msg(strstr(out, "version 1 offered 1\n"), "%s", out);
	/* Both rounds, before and after the reset, got their 16 bytes. */
	ck_assert_msg(strstr(out, "rng bytes 16\nstatus after reset 0\n"), "%s", out);
	/* The second one was signalled by the queue's MSI-X vector, through its irqfd. */
	ck_assert_msg(strstr(out, "msix set up 1\nqueue vector 1\ninterrupt 1\nmsix irqs 1\n"
			      "other irqs 0\nrng bytes 16\nbye\n"), "%s", out);
	free(out);
	free(kernel);
	free(out_path);
}
END_TEST

static Suite *virtio_pci_kvm_suite(void)
{
	Suite *s = suite_create("virtio-pci-kvm");
	TCase *tc = tcase_create("guest");

	if (access("/dev/kvm", R_OK | W_OK))
		test_skip("no usable /dev/kvm");
	tcase_add_test(tc, guest_drives_virtio_pci);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(virtio_pci_kvm_suite)
