// SPDX-License-Identifier: GPL-2.0
/*
 * The cpio newc writer: what it writes is parsed back here field by
 * field, and, where GNU cpio is installed, listed and extracted by it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot.h"
#include "test.h"

struct entry {
	char name[256];
	u32 mode, nlink, uid, size;
	const u8 *data;
};

static u32 hexfield(const u8 *p)
{
	char s[9];

	memcpy(s, p, 8);
	s[8] = '\0';
	return strtoul(s, NULL, 16);
}

/* Parse every entry of buf; returns how many, the trailer not counted. */
static int parse(const u8 *buf, size_t len, struct entry *e, int max)
{
	size_t off = 0;
	int n = 0;

	for (;;) {
		u32 namesize, size;

		ck_assert_uint_le(off + 110, len);
		ck_assert_int_eq(memcmp(buf + off, "070701", 6), 0);
		namesize = hexfield(buf + off + 94);
		size = hexfield(buf + off + 54);
		ck_assert_uint_le(off + 110 + namesize, len);
		ck_assert_uint_eq(buf[off + 110 + namesize - 1], 0);
		if (!strcmp((const char *)buf + off + 110, "TRAILER!!!")) {
			ck_assert_uint_eq(ALIGN_UP(off + 110 + namesize, 4), len);
			return n;
		}
		ck_assert_int_lt(n, max);
		snprintf(e[n].name, sizeof(e[n].name), "%s", buf + off + 110);
		e[n].mode = hexfield(buf + off + 14);
		e[n].uid = hexfield(buf + off + 22);
		e[n].nlink = hexfield(buf + off + 38);
		e[n].size = size;
		off = ALIGN_UP(off + 110 + namesize, 4);
		e[n].data = buf + off;
		off = ALIGN_UP(off + size, 4);
		n++;
	}
}

START_TEST(test_files_and_parents)
{
	struct cpio c = { 0 };
	struct entry e[8];
	static const u8 bin[] = { 0, 1, 2, 0xff, '\n', 0 };

	ck_assert_int_eq(cpio_add_file(&c, "/kite/instructions", 0644, bin, sizeof(bin)), 0);
	ck_assert_int_eq(cpio_add_file(&c, "kite/bin/x", 0755, "abc", 3), 0);
	ck_assert_int_eq(cpio_add_dir(&c, "kite", 0700), 0);	/* there already */
	ck_assert_int_eq(cpio_add_file(&c, "init", 0755, "", 0), 0);
	ck_assert_int_eq(cpio_finish(&c), 0);
	ck_assert_int_eq(parse(c.buf, c.len, e, 8), 5);
	ck_assert_str_eq(e[0].name, "kite");
	ck_assert_uint_eq(e[0].mode, S_IFDIR | 0755);
	ck_assert_uint_eq(e[0].nlink, 2);
	ck_assert_str_eq(e[1].name, "kite/instructions");
	ck_assert_uint_eq(e[1].mode, S_IFREG | 0644);
	ck_assert_uint_eq(e[1].size, sizeof(bin));
	ck_assert_int_eq(memcmp(e[1].data, bin, sizeof(bin)), 0);
	ck_assert_str_eq(e[2].name, "kite/bin");
	ck_assert_str_eq(e[3].name, "kite/bin/x");
	ck_assert_uint_eq(e[3].mode, S_IFREG | 0755);
	ck_assert_int_eq(memcmp(e[3].data, "abc", 3), 0);
	ck_assert_str_eq(e[4].name, "init");
	ck_assert_uint_eq(e[4].size, 0);
	ck_assert_uint_eq(e[4].uid, 0);
	cpio_free(&c);
}
END_TEST

START_TEST(test_bad_names)
{
	struct cpio c = { 0 };

	ck_assert_int_eq(cpio_add_file(&c, "../etc/passwd", 0644, "x", 1), -EINVAL);
	ck_assert_int_eq(cpio_add_file(&c, "a/../../b", 0644, "x", 1), -EINVAL);
	ck_assert_int_eq(cpio_add_file(&c, "a/..", 0644, "x", 1), -EINVAL);
	ck_assert_int_eq(cpio_add_file(&c, "/", 0644, "x", 1), -EINVAL);
	ck_assert_int_eq(cpio_add_host_file(&c, "x", "/nonexistent/kite"), -ENOENT);
	ck_assert_int_eq(cpio_add_host_file(&c, "x", "/"), -EINVAL);
	ck_assert_uint_eq(c.len, 0);
	cpio_free(&c);
}
END_TEST

/* GNU cpio reads it back: names, contents, modes. */
START_TEST(test_gnu_cpio_extracts)
{
	char dir[] = "/tmp/kite-cpio-XXXXXX", cmd[512], path[300];
	struct cpio c = { 0 };
	struct stat st;
	u8 big[70000], got[sizeof(big)];
	int fd, status;

	if (access("/usr/bin/cpio", X_OK))
		return;		/* the parse above is the check then */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i * 7 + (i >> 8);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(cpio_add_file(&c, "d/e/big", 0640, big, sizeof(big)), 0);
	ck_assert_int_eq(cpio_add_file(&c, "odd", 0755, "1", 1), 0);
	ck_assert_int_eq(cpio_finish(&c), 0);
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_full(fd, c.buf, c.len), 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cd %s && cpio -i --quiet -d --no-absolute-filenames < a.cpio 2>&1",
		 dir);
	status = system(cmd);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	snprintf(path, sizeof(path), "%s/d/e/big", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_size, sizeof(big));
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read_full(fd, got, sizeof(got)), 0);
	close(fd);
	ck_assert_int_eq(memcmp(big, got, sizeof(big)), 0);
	snprintf(path, sizeof(path), "%s/odd", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	cpio_free(&c);
}
END_TEST

static Suite *cpio_suite(void)
{
	Suite *s = suite_create("cpio");
	TCase *tc = tcase_create("newc");

	tcase_add_test(tc, test_files_and_parents);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_gnu_cpio_extracts);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(cpio_suite)
