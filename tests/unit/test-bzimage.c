// SPDX-License-Identifier: GPL-2.0
/*
 * bzImage validation, placement and zero page, on synthetic images whose
 * setup header each test bends one way; plus the real Debian kernel when
 * $KITE_TEST_BZIMAGE names one (it is never required).
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "test.h"

#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define IMG_SIZE	(SETUP_SIZE + 64 * 1024)

static void p16(u8 *b, unsigned off, u16 v) { memcpy(b + off, &v, 2); }
static void p32(u8 *b, unsigned off, u32 v) { memcpy(b + off, &v, 4); }
static void p64(u8 *b, unsigned off, u64 v) { memcpy(b + off, &v, 8); }
static u32 g32(const u8 *b, unsigned off) { u32 v; memcpy(&v, b + off, 4); return v; }
static u64 g64(const u8 *b, unsigned off) { u64 v; memcpy(&v, b + off, 8); return v; }

static u8 img[IMG_SIZE];
static char err[256];

/* A well-formed 2.15 bzImage header like Debian's, 64 KiB of "kernel". */
static void make_image(u32 init_size)
{
	unsigned i;

	memset(img, 0, sizeof(img));
	img[0x1f1] = SETUP_SECTS;
	p32(img, 0x1f4, (IMG_SIZE - SETUP_SIZE) / 16);
	p16(img, 0x1fe, 0xaa55);
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;		/* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	p16(img, 0x206, 0x20f);
	img[0x211] = 0x01;		/* LOADED_HIGH */
	p32(img, 0x22c, 0x7fffffff);	/* initrd_addr_max */
	p32(img, 0x230, 0x200000);	/* kernel_alignment */
	img[0x234] = 1;			/* relocatable */
	p16(img, 0x236, 0x3);		/* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	p32(img, 0x238, 2047);		/* cmdline_size */
	p64(img, 0x258, 0x1000000);	/* pref_address */
	p32(img, 0x260, init_size);
	for (i = SETUP_SIZE; i < IMG_SIZE; i++)
		img[i] = i * 7;
}

static int parse(struct bzimage_info *info)
{
	return bzimage_parse(img, sizeof(img), info, err, sizeof(err));
}

START_TEST(valid_header)
{
	struct bzimage_info info;

	make_image(32 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_uint_eq(info.version, 0x20f);
	ck_assert_uint_eq(info.setup_size, SETUP_SIZE);
	ck_assert_uint_eq(info.kernel_size, IMG_SIZE - SETUP_SIZE);
	ck_assert_uint_eq(info.header_end, 0x26c);
	ck_assert_uint_eq(info.kernel_alignment, 0x200000);
	ck_assert_uint_eq(info.cmdline_size, 2047);
	ck_assert_uint_eq(info.init_size, 32 * MiB);
	ck_assert(bzimage_probe(img, sizeof(img)));
}
END_TEST

static void expect_reject(const char *what)
{
	struct bzimage_info info;

	ck_assert_int_eq(parse(&info), -EINVAL);
	ck_assert_msg(strstr(err, what), "error \"%s\" does not mention \"%s\"", err, what);
}

START_TEST(not_a_kernel)
{
	make_image(32 * MiB);
	memcpy(img + 0x202, "HdrX", 4);
	ck_assert(!bzimage_probe(img, sizeof(img)));
	expect_reject("not a Linux kernel");
	make_image(32 * MiB);
	p16(img, 0x1fe, 0x1234);
	expect_reject("not a Linux kernel");
	/* An ELF file is not a bzImage either. */
	memset(img, 0, sizeof(img));
	memcpy(img, "\x7f" "ELF", 4);
	expect_reject("not a Linux kernel");
}
END_TEST

START_TEST(protocol_too_old)
{
	make_image(32 * MiB);
	p16(img, 0x206, 0x20b);
	expect_reject("2.11 is too old");
}
END_TEST

START_TEST(no_64bit_entry)
{
	make_image(32 * MiB);
	p16(img, 0x236, 0);
	expect_reject("64-bit entry");
}
END_TEST

START_TEST(not_relocatable)
{
	make_image(32 * MiB);
	img[0x234] = 0;
	expect_reject("not relocatable");
}
END_TEST

START_TEST(not_loaded_high)
{
	make_image(32 * MiB);
	img[0x211] = 0;
	expect_reject("zImage");
}
END_TEST

START_TEST(bad_alignment)
{
	make_image(32 * MiB);
	p32(img, 0x230, 0x300000);
	expect_reject("power of two");
}
END_TEST

START_TEST(truncated)
{
	struct bzimage_info info;

	make_image(32 * MiB);
	/* The header promises 16 bytes more than the file has. */
	p32(img, 0x1f4, (IMG_SIZE - SETUP_SIZE) / 16 + 1);
	expect_reject("truncated");
	/* Cut inside the setup code. */
	make_image(32 * MiB);
	ck_assert_int_eq(bzimage_parse(img, SETUP_SIZE - 100, &info, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "truncated"));
	/* Shorter than the header itself. */
	ck_assert_int_eq(bzimage_parse(img, 600, &info, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(init_size_smaller_than_kernel)
{
	make_image(1024);
	expect_reject("init_size");
}
END_TEST

START_TEST(place_at_pref_address)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	make_image(51 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 256 * MiB, 30 * MiB + 123, 100, &lay,
				       err, sizeof(err)), 0);
	ck_assert_uint_eq(lay.kernel_addr, 16 * MiB);
	ck_assert_uint_eq(lay.entry, 16 * MiB + 0x200);
	ck_assert_uint_eq(lay.cmdline_addr, BOOT_CMDLINE);
	/* As high as RAM allows, page aligned, ending at or below RAM's end. */
	ck_assert_uint_eq(lay.initrd_addr, (256 * MiB - (30 * MiB + 123)) & ~4095ULL);
	ck_assert_uint_eq(lay.initrd_size, 30 * MiB + 123);
}
END_TEST

START_TEST(place_low_when_pref_is_unusable)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	/* A preferred address that breaks kernel_alignment is not used. */
	make_image(60 * MiB);
	p64(img, 0x258, 1 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 64 * MiB, 2 * MiB, 0, &lay, err, sizeof(err)), 0);
	ck_assert_uint_eq(lay.kernel_addr, 2 * MiB);	/* 1 MiB aligned up to 2 MiB */
	ck_assert_uint_eq(lay.initrd_addr, 62 * MiB);
}
END_TEST

START_TEST(decompression_space_counts_from_pref)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	/*
	 * 16 MiB + 60 MiB does not fit in 64 MiB; loading at 2 MiB would
	 * not help, as the kernel moves up to 16 MiB before decompressing.
	 */
	make_image(60 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 64 * MiB, 0, 0, &lay, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "60 MiB of RAM from 0x1000000"), "%s", err);
	ck_assert_int_eq(bzimage_place(&info, 76 * MiB, 0, 0, &lay, err, sizeof(err)), 0);
	ck_assert_uint_eq(lay.kernel_addr, 16 * MiB);
}
END_TEST

START_TEST(initrd_below_initrd_addr_max)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	make_image(51 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 3 * GiB, 10 * MiB, 0, &lay, err, sizeof(err)), 0);
	ck_assert_uint_eq(lay.initrd_addr, 2 * GiB - 10 * MiB);
	/* A kernel that wants its initrd below 512 MiB gets it there. */
	p32(img, 0x22c, 512 * MiB - 1);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 3 * GiB, 10 * MiB, 0, &lay, err, sizeof(err)), 0);
	ck_assert_uint_eq(lay.initrd_addr + lay.initrd_size, 512 * MiB);
}
END_TEST

START_TEST(kernel_too_big_for_ram)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	make_image(200 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 128 * MiB, 0, 0, &lay, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "200 MiB"));
}
END_TEST

START_TEST(initrd_does_not_fit)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	make_image(51 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	/* 16 MiB + 51 MiB of kernel leave 61 MiB of 128 MiB. */
	ck_assert_int_eq(bzimage_place(&info, 128 * MiB, 61 * MiB, 0, &lay, err, sizeof(err)), 0);
	ck_assert_int_eq(bzimage_place(&info, 128 * MiB, 61 * MiB + 1, 0, &lay, err, sizeof(err)),
			 -EINVAL);
	ck_assert(strstr(err, "initrd"));
	ck_assert_int_eq(bzimage_place(&info, 128 * MiB, 4 * GiB, 0, &lay, err, sizeof(err)),
			 -EINVAL);
}
END_TEST

START_TEST(cmdline_too_long)
{
	struct bzimage_info info;
	struct bzimage_layout lay;

	make_image(32 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 256 * MiB, 0, 2047, &lay, err, sizeof(err)), 0);
	ck_assert_int_eq(bzimage_place(&info, 256 * MiB, 0, 2048, &lay, err, sizeof(err)), -EINVAL);
	ck_assert(strstr(err, "command line is 2048 bytes"));
	ck_assert(strstr(err, "at most 2047"));
}
END_TEST

START_TEST(zero_page)
{
	struct boot_mem_range map[BOOT_MEM_MAX];
	struct bzimage_info info;
	struct bzimage_layout lay;
	static u8 zp[BOOT_ZERO_PAGE_SIZE];
	int n, i;

	make_image(51 * MiB);
	ck_assert_int_eq(parse(&info), 0);
	ck_assert_int_eq(bzimage_place(&info, 512 * MiB, 5 * MiB, 20, &lay, err, sizeof(err)), 0);
	n = boot_memmap_layout(512 * MiB, 0, map, BOOT_MEM_MAX);
	ck_assert_int_gt(n, 0);
	memset(zp, 0xcc, sizeof(zp));
	ck_assert_int_eq(bzimage_fill_zero_page(zp, img, &info, &lay, map, n, 0xe0000), 0);

	/* The setup header is the image's, with the loader's fields set. */
	ck_assert_int_eq(memcmp(zp + 0x202, "HdrS", 4), 0);
	ck_assert_uint_eq(zp[0x1f1], SETUP_SECTS);
	ck_assert_uint_eq(g32(zp, 0x260), 51 * MiB);
	ck_assert_uint_eq(zp[0x210], 0xff);			/* type_of_loader */
	ck_assert_uint_eq(g32(zp, 0x228), BOOT_CMDLINE);	/* cmd_line_ptr */
	ck_assert_uint_eq(g32(zp, 0x218), lay.initrd_addr);	/* ramdisk_image */
	ck_assert_uint_eq(g32(zp, 0x21c), 5 * MiB);		/* ramdisk_size */
	ck_assert_uint_eq(g64(zp, 0x070), 0xe0000);		/* acpi_rsdp_addr */
	/* Nothing beyond the header was copied from the image. */
	ck_assert_uint_eq(zp[0x26c], 0);
	ck_assert_uint_eq(zp[0x000], 0);

	ck_assert_uint_eq(zp[0x1e8], n);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(g64(zp, 0x2d0 + i * 20), map[i].addr);
		ck_assert_uint_eq(g64(zp, 0x2d0 + i * 20 + 8), map[i].size);
		ck_assert_uint_eq(g32(zp, 0x2d0 + i * 20 + 16), map[i].type);
	}
}
END_TEST

/*
 * The real thing when there is one: $KITE_TEST_BZIMAGE, else the Debian
 * cloud kernel the nested rig keeps in its cache. Never required.
 */
static char *real_kernel_path(void)
{
	const char *env = getenv("KITE_TEST_BZIMAGE"), *home = getenv("HOME");
	char *pattern, *path = NULL;
	glob_t g;

	if (env)
		return strdup(env);
	if (!home || asprintf(&pattern, "%s/.cache/kite-rig/kernel-*/root/boot/vmlinuz-*", home) < 0)
		return NULL;
	if (!glob(pattern, 0, NULL, &g) && g.gl_pathc)
		path = strdup(g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	free(pattern);
	return path;
}

/* The release in the header's kernel_version string: its first word, if whole. */
START_TEST(kernel_version)
{
	static const char v[] = "6.1.0-28-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP";
	char rel[64];

	make_image(1 << 20);
	ck_assert_int_eq(bzimage_kernel_version(img, sizeof(img), rel, sizeof(rel)), -ENOENT);
	memcpy(img + 0x200 + 0x300, v, sizeof(v));
	p16(img, 0x20e, 0x300);
	ck_assert_int_eq(bzimage_kernel_version(img, sizeof(img), rel, sizeof(rel)), 0);
	ck_assert_str_eq(rel, "6.1.0-28-cloud-amd64");
	/* Too long for the buffer, running off the setup sectors, not a kernel. */
	ck_assert_int_eq(bzimage_kernel_version(img, sizeof(img), rel, 8), -ENOENT);
	p16(img, 0x20e, SETUP_SIZE - 0x200 - 4);
	memcpy(img + SETUP_SIZE - 4, "6.1.", 4);
	ck_assert_int_eq(bzimage_kernel_version(img, sizeof(img), rel, sizeof(rel)), -ENOENT);
	memcpy(img + 0x202, "HdrX", 4);
	ck_assert_int_eq(bzimage_kernel_version(img, sizeof(img), rel, sizeof(rel)), -ENOENT);
}
END_TEST

START_TEST(real_kernel)
{
	char *path = real_kernel_path();
	struct bzimage_info info;
	struct bzimage_layout lay;
	void *buf;
	u64 size;

	if (!path || boot_read_file(path, 256 * MiB, &buf, &size)) {
		printf("real_kernel: no real bzImage here (KITE_TEST_BZIMAGE), synthetic images only\n");
		free(path);
		return;
	}
	printf("real_kernel: %s\n", path);
	free(path);
	ck_assert_msg(bzimage_parse(buf, size, &info, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_ge(info.version, 0x20c);
	{
		char rel[128];

		ck_assert_int_eq(bzimage_kernel_version(buf, size, rel, sizeof(rel)), 0);
		printf("real_kernel: release %s\n", rel);
	}
	ck_assert_int_eq(bzimage_place(&info, 256 * MiB, 40 * MiB, strlen(BOOT_DEFAULT_CMDLINE),
				       &lay, err, sizeof(err)), 0);
	ck_assert_uint_ge(lay.initrd_addr, lay.kernel_addr + info.init_size);
	/* Truncating the real image is caught too. */
	ck_assert_int_eq(bzimage_parse(buf, size / 2, &info, err, sizeof(err)), -EINVAL);
	free(buf);
}
END_TEST

static Suite *bzimage_suite(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, valid_header);
	tcase_add_test(tc, not_a_kernel);
	tcase_add_test(tc, protocol_too_old);
	tcase_add_test(tc, no_64bit_entry);
	tcase_add_test(tc, not_relocatable);
	tcase_add_test(tc, not_loaded_high);
	tcase_add_test(tc, bad_alignment);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, init_size_smaller_than_kernel);
	tcase_add_test(tc, place_at_pref_address);
	tcase_add_test(tc, place_low_when_pref_is_unusable);
	tcase_add_test(tc, decompression_space_counts_from_pref);
	tcase_add_test(tc, initrd_below_initrd_addr_max);
	tcase_add_test(tc, kernel_too_big_for_ram);
	tcase_add_test(tc, initrd_does_not_fit);
	tcase_add_test(tc, cmdline_too_long);
	tcase_add_test(tc, zero_page);
	tcase_add_test(tc, kernel_version);
	tcase_add_test(tc, real_kernel);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(bzimage_suite)
