// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio under real KVM: guest/virtio.elf drives a virtio-blk and a
 * virtio-rng through the mmio window, with its QueueNotify writes going
 * through the ioeventfd and the device work on kite's worker threads. The
 * guest reports on the UART; the test checks its report and the image.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "hw.h"
#include "test.h"
#include "virtio.h"

#define IMG_SIZE	(64 * KiB)

static char *guest_path(void)
{
	char *p;

	if (asprintf(&p, "%s/guest/virtio.elf", test_build_dir()) < 0)
		abort();
	return p;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

START_TEST(test_guest_blk_rng)
{
	char *img = test_tmp_path("guest.img"), *out = test_tmp_path("uart.out");
	char spec[512], expect[128];
	u8 sector[512], orig0[8];
	struct vm_config cfg = { .ram_size = 64 * MiB, .nr_cpus = 1 };
	struct boot_config bc = { .kernel = guest_path() };
	struct virtio_transport t;
	struct serial8250 *uart;
	struct boot_entry entry;
	struct vm vm;
	char *cmdline;
	int fd, out_fd, ret;
	char *log;

	/* The image: a recognisable sector 0, the rest zeros. */
	fd = open(img, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 8; i++)
		orig0[i] = 0xa0 + i;
	ck_assert_int_eq(ftruncate(fd, IMG_SIZE), 0);
	ck_assert_int_eq(pwrite(fd, orig0, 8, 0), 8);
	close(fd);
	snprintf(spec, sizeof(spec), "%s,cache=writeback", img);

	out_fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(out_fd, 0);
	ck_assert_int_eq(vm_create(&vm, &cfg), 0);
	uart = serial8250_create(&vm, COM1_BASE, IRQ_COM1, out_fd);
	ck_assert_ptr_nonnull(uart);
	ck_assert_int_eq(serial_console_attach(&vm, uart, -1), 0);
	ck_assert_int_eq(i8042_init(&vm), 0);
	/* What the machine builds for --transport mmio --disk IMG --rng. */
	ck_assert_int_eq(virtio_transport_init(&t, "mmio", &vm, NULL), 0);
	ck_assert_int_eq(virtio_blk_create(&t, spec, 0), 0);
	ck_assert_int_eq(virtio_rng_create(&t), 0);
	cmdline = boot_cmdline(&vm, NULL, NULL);
	ck_assert_ptr_nonnull(strstr(cmdline, "virtio_mmio.device=4K@0xd0000000:"));
	bc.cmdline = cmdline;
	ck_assert_int_eq(boot_load_kernel(&vm, &bc, &entry), 0);
	ck_assert_int_eq(boot_setup_bsp(&vm.vcpus[0], &entry), 0);
	ret = vm_run(&vm);
	serial8250_destroy(uart);
	vm_destroy(&vm);
	free(cmdline);
	close(out_fd);

	log = slurp(out);
	if (getenv("KITE_TEST_VERBOSE"))
		fputs(log, stdout);
	ck_assert_msg(ret == KITE_EXIT_GUEST_OFF, "exit %d, guest said:\n%s", ret, log);
	ck_assert_msg(strstr(log, "virtio done"), "guest said:\n%s", log);
	ck_assert_msg(!strstr(log, "FAIL"), "guest said:\n%s", log);
	snprintf(expect, sizeof(expect), "blk: capacity %u\n", (unsigned)(IMG_SIZE / 512));
	ck_assert_msg(strstr(log, expect), "guest said:\n%s", log);
	ck_assert_msg(strstr(log, "blk: id guest.img\n"), "guest said:\n%s", log);
	ck_assert_msg(strstr(log, "blk: sector0 a0a1a2a3a4a5a6a7\n"), "guest said:\n%s", log);
	ck_assert_msg(strstr(log, "blk: ok\n"), "guest said:\n%s", log);
	ck_assert_msg(strstr(log, "rng: ok\n"), "guest said:\n%s", log);

	/* The guest's write is in the image. */
	fd = open(img, O_RDONLY);
	ck_assert_int_eq(pread(fd, sector, 512, 512), 512);
	close(fd);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(sector[i], (u8)(i * 3 + 1));
	free((char *)bc.kernel);
	free(img);
	free(out);
}
END_TEST

static Suite *guest_suite(void)
{
	Suite *s = suite_create("virtio-guest");
	TCase *tc = tcase_create("guest");

	if (access("/dev/kvm", R_OK | W_OK))
		test_skip("no access to /dev/kvm");
	tcase_add_test(tc, test_guest_blk_rng);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(guest_suite)
