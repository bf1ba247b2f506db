// SPDX-License-Identifier: GPL-2.0
/*
 * The bzImage path end to end on /dev/kvm, with a synthetic bzImage: a
 * real setup header and, at the 64-bit entry, a few instructions that
 * report what they find over COM1 and reset through the i8042. They show
 * the vCPU starts in long mode with paging, at load + 0x200, with RSI
 * pointing at a zero page carrying the header, e820 map and command
 * line. Then every bad input kite must refuse with one line, exit 1 and
 * no guest output, before any vCPU runs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define TIMEOUT_MS	20000
#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define KERNEL_SIZE	4096
#define IMG_SIZE	(SETUP_SIZE + KERNEL_SIZE)

/*
 * At the 64-bit entry (offset 0x200 of the protected-mode kernel):
 *
 *	mov $0x3f8, %dx;  mov $'L', %al;  out %al, (%dx)
 *	movabs $0x4d00000000000000, %rax;  shr $56, %rax;  out	('M': 64-bit decode)
 *	cmpl $0x53726448, 0x202(%rsi);  jne fail		(zero page has "HdrS")
 *	mov $'H', %al;  out
 *	movzbl 0x1e8(%rsi), %eax;  add $'0', %al;  out		(e820 entries)
 *	mov 0x228(%rsi), %ebx;  1: print bytes at (%rbx) up to the NUL
 *	mov $'\n', %al;  out
 * done: mov $0xfe, %al;  out %al, $0x64;  hlt
 * fail: mov $'F', %al;  out;  jmp done
 */
static const unsigned char entry64[] = {
	0x66, 0xba, 0xf8, 0x03, 0xb0, 0x4c, 0xee, 0x48, 0xb8, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x4d, 0x48, 0xc1, 0xe8, 0x38, 0xee, 0x81, 0xbe,
	0x02, 0x02, 0x00, 0x00, 0x48, 0x64, 0x72, 0x53, 0x75, 0x29, 0xb0, 0x48,
	0xee, 0x0f, 0xb6, 0x86, 0xe8, 0x01, 0x00, 0x00, 0x04, 0x30, 0xee, 0x8b,
	0x9e, 0x28, 0x02, 0x00, 0x00, 0x8a, 0x03, 0x84, 0xc0, 0x74, 0x06, 0xee,
	0x48, 0xff, 0xc3, 0xeb, 0xf4, 0xb0, 0x0a, 0xee, 0xb0, 0xfe, 0xe6, 0x64,
	0xf4, 0xeb, 0xfd, 0xb0, 0x46, 0xee, 0xeb, 0xf4
};

static u8 img[IMG_SIZE];

static void p16(unsigned off, u16 v) { memcpy(img + off, &v, 2); }
static void p32(unsigned off, u32 v) { memcpy(img + off, &v, 4); }
static void p64(unsigned off, u64 v) { memcpy(img + off, &v, 8); }

static void make_image(void)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = SETUP_SECTS;
	p32(0x1f4, KERNEL_SIZE / 16);
	p16(0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;
	memcpy(img + 0x202, "HdrS", 4);
	p16(0x206, 0x20f);
	img[0x211] = 0x01;
	p32(0x22c, 0x7fffffff);
	p32(0x230, 0x200000);
	img[0x234] = 1;
	p16(0x236, 0x3);
	p32(0x238, 255);		/* cmdline_size */
	p64(0x258, 0x1000000);
	p32(0x260, 1 << 20);		/* init_size */
	memcpy(img + SETUP_SIZE + 0x200, entry64, sizeof(entry64));
}

static char *write_file(const char *name, const void *buf, size_t len)
{
	char *path = test_tmp_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

static int kite(struct test_proc *p, const char *a0, const char *a1, const char *a2,
		const char *a3, const char *a4, const char *a5, const char *a6,
		const char *a7)
{
	char *argv[] = { (char *)test_kite_path(), "run", (char *)a0, (char *)a1, (char *)a2,
			 (char *)a3, (char *)a4, (char *)a5, (char *)a6, (char *)a7, NULL };

	return test_spawn(argv, NULL, TIMEOUT_MS, p);
}

START_TEST(entry64_sees_zero_page)
{
	struct test_proc p;
	char *k;

	make_image();
	k = write_file("bz", img, sizeof(img));
	ck_assert_int_eq(kite(&p, "--kernel", k, "--mem", "64M", "--cmdline", "hello bz",
			      NULL, NULL), 0);
	/* 64 MiB: base RAM, two reserved BIOS ranges, RAM from 1 MiB, ECAM. */
	ck_assert_str_eq(p.out, "LMH5hello bz\n");
	ck_assert_str_eq(p.err, "");
	test_proc_free(&p);
	free(k);
}
END_TEST

START_TEST(entry64_above_4g_default_cmdline_smp)
{
	struct test_proc p;
	char *k;

	make_image();
	k = write_file("bz", img, sizeof(img));
	/* 5 GiB adds the e820 range from 4 GiB; APs wait for INIT/SIPI. */
	ck_assert_int_eq(kite(&p, "--kernel", k, "--mem", "5G", "--cpus", "2", NULL, NULL), 0);
	ck_assert_str_eq(p.out, "LMH6console=ttyS0 reboot=k panic=-1\n");
	test_proc_free(&p);
	free(k);
}
END_TEST

START_TEST(entry64_with_initrd)
{
	static u8 initrd[3 << 20];
	struct test_proc p;
	char *k, *i;

	make_image();
	k = write_file("bz", img, sizeof(img));
	i = write_file("initrd", initrd, sizeof(initrd));
	ck_assert_int_eq(kite(&p, "--kernel", k, "--initrd", i, "--mem", "32M",
			      "--cmdline", "x"), 0);
	ck_assert_str_eq(p.out, "LMH5x\n");
	test_proc_free(&p);
	free(k);
	free(i);
}
END_TEST

/* Refused with exactly one "kite: error:" line naming `what`, no guest output. */
static void refused(const struct test_proc *p, int status, const char *what)
{
	ck_assert_int_eq(status, p->status);
	test_assert_one_line_error(p, what);
	ck_assert_str_eq(p->out, "");
}

START_TEST(bad_images_are_refused)
{
	struct test_proc p;
	char *k;
	int st;

	make_image();
	k = write_file("trunc", img, SETUP_SIZE + 100);
	st = kite(&p, "--kernel", k, "--mem", "64M", NULL, NULL, NULL, NULL);
	refused(&p, st, "truncated");
	test_proc_free(&p);
	free(k);

	make_image();
	p16(0x206, 0x20a);
	k = write_file("old", img, sizeof(img));
	st = kite(&p, "--kernel", k, "--mem", "64M", NULL, NULL, NULL, NULL);
	refused(&p, st, "too old");
	test_proc_free(&p);
	free(k);

	make_image();
	img[0x234] = 0;
	k = write_file("norel", img, sizeof(img));
	st = kite(&p, "--kernel", k, "--mem", "64M", NULL, NULL, NULL, NULL);
	refused(&p, st, "not relocatable");
	test_proc_free(&p);
	free(k);

	make_image();
	memcpy(img + 0x202, "Hdr!", 4);
	k = write_file("junk", img, sizeof(img));
	st = kite(&p, "--kernel", k, "--mem", "64M", NULL, NULL, NULL, NULL);
	refused(&p, st, "not a kernel");
	test_proc_free(&p);
	free(k);

	/* init_size beyond RAM */
	make_image();
	p32(0x260, 100 << 20);
	k = write_file("huge", img, sizeof(img));
	st = kite(&p, "--kernel", k, "--mem", "64M", NULL, NULL, NULL, NULL);
	refused(&p, st, "more --mem");
	test_proc_free(&p);
	free(k);
}
END_TEST

START_TEST(bad_cmdline_and_initrd_are_refused)
{
	static u8 initrd[20 << 20];
	char longline[300];
	struct test_proc p;
	char *k, *i;
	int st;

	make_image();
	k = write_file("bz", img, sizeof(img));
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	st = kite(&p, "--kernel", k, "--mem", "64M", "--cmdline", longline, NULL, NULL);
	refused(&p, st, "at most 255");
	test_proc_free(&p);

	/* 16 MiB + 1 MiB of kernel leaves 15 MiB of a 32 MiB VM. */
	i = write_file("initrd", initrd, sizeof(initrd));
	st = kite(&p, "--kernel", k, "--mem", "32M", "--initrd", i, NULL, NULL);
	refused(&p, st, "does not fit");
	test_proc_free(&p);
	free(k);
	free(i);
}
END_TEST

static Suite *bzimage_boot_suite(void)
{
	int fd = open("/dev/kvm", O_RDWR);
	Suite *s;
	TCase *tc;

	/* Skip before building the suite: exit(77) would leak it (LSan). */
	if (fd < 0)
		test_skip("/dev/kvm cannot be opened (%s): these tests run guests on it",
			  strerror(errno));
	close(fd);
	s = suite_create("bzimage-boot");
	tc = tcase_create("kvm");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, entry64_sees_zero_page);
	tcase_add_test(tc, entry64_above_4g_default_cmdline_smp);
	tcase_add_test(tc, entry64_with_initrd);
	tcase_add_test(tc, bad_images_are_refused);
	tcase_add_test(tc, bad_cmdline_and_initrd_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(bzimage_boot_suite)
