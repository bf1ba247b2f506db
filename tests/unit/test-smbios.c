// SPDX-License-Identifier: GPL-2.0
/* SMBIOS: the entry point, and the structures walked as a guest's dmi code does. */
#include <string.h>

#include "boot.h"
#include "test.h"

#define GPA	0xf1000ULL

static u8 buf[4096];
static const u8 uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 0x48, 0x89, 10, 11, 12, 13, 14, 15, 16 };

static u8 sum(const u8 *p, u64 len)
{
	u8 s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* String number n (1-based) of the structure at s, or NULL. */
static const char *str(const u8 *s, u8 n, const u8 *end)
{
	const char *p = (const char *)s + s[1];

	if (!n)
		return NULL;
	while (--n) {
		p += strlen(p) + 1;
		if (!*p || (const u8 *)p >= end)
			return NULL;
	}
	return p;
}

struct walk {
	const u8 *type[128];
	unsigned nr;
};

/* Walk the table at buf[off, off + len): every structure well formed. */
static void walk(const u8 *t, u32 len, struct walk *w)
{
	const u8 *p = t, *end = t + len;
	u16 handles[64];

	memset(w, 0, sizeof(*w));
	while (p < end) {
		const u8 *s = p;
		u16 h;
		unsigned i;

		ck_assert_uint_ge(s[1], 4);
		ck_assert(s + s[1] + 2 <= end);
		memcpy(&h, s + 2, 2);
		for (i = 0; i < w->nr; i++)
			ck_assert_uint_ne(handles[i], h);	/* unique handles */
		ck_assert_uint_lt(w->nr, ARRAY_SIZE(handles));
		handles[w->nr++] = h;
		ck_assert_ptr_null(w->type[s[0] & 127]);
		w->type[s[0] & 127] = s;
		/* Strings end at a double NUL (an empty set is just that). */
		p = s + s[1];
		while (p + 1 < end && (p[0] || p[1]))
			p++;
		ck_assert(p + 1 < end);
		p += 2;
		if (s[0] == 127)
			break;
	}
	ck_assert_ptr_eq(p, end);		/* the end marker ends the table */
}

START_TEST(entry_point)
{
	u32 table_len;
	u64 table_gpa;

	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(smbios_build(buf, sizeof(buf), GPA, uuid), 0);
	ck_assert_int_eq(memcmp(buf, "_SM3_", 5), 0);
	ck_assert_uint_eq(buf[6], 24);
	ck_assert_uint_eq(sum(buf, buf[6]), 0);
	ck_assert_uint_eq(buf[7], 3);
	ck_assert_uint_eq(buf[10], 1);
	memcpy(&table_len, buf + 12, 4);
	memcpy(&table_gpa, buf + 16, 8);
	ck_assert_uint_eq(table_gpa % 4, 0);
	ck_assert(table_gpa >= GPA + 24 && table_gpa + table_len <= GPA + sizeof(buf));
	/* Past the table, nothing was written. */
	ck_assert_uint_eq(buf[table_gpa - GPA + table_len], 0xee);
}
END_TEST

START_TEST(structures)
{
	struct walk w;
	const u8 *end, *t;
	u32 len;
	u64 gpa;

	ck_assert_int_eq(smbios_build(buf, sizeof(buf), GPA, uuid), 0);
	memcpy(&len, buf + 12, 4);
	memcpy(&gpa, buf + 16, 8);
	t = buf + (gpa - GPA);
	end = t + len;
	walk(t, len, &w);
	ck_assert_ptr_nonnull(w.type[0]);
	ck_assert_ptr_nonnull(w.type[1]);
	ck_assert_ptr_nonnull(w.type[3]);
	ck_assert_ptr_nonnull(w.type[32]);
	ck_assert_ptr_nonnull(w.type[127]);

	ck_assert_str_eq(str(w.type[0], w.type[0][4], end), "kite");		/* BIOS vendor */
	ck_assert_ptr_nonnull(str(w.type[0], w.type[0][8], end));		/* release date */
	ck_assert_uint_eq(w.type[0][0x13] & (1 << 4), 1 << 4);		/* a VM */
	ck_assert_str_eq(str(w.type[1], w.type[1][4], end), "kite");		/* sys_vendor */
	ck_assert_str_eq(str(w.type[1], w.type[1][5], end), "kite VM");	/* product_name */
	ck_assert_int_eq(memcmp(w.type[1] + 8, uuid, 16), 0);
	ck_assert_str_eq(str(w.type[3], w.type[3][4], end), "kite");
	ck_assert_uint_eq(w.type[3][5], 1);
	ck_assert_uint_eq(w.type[32][0x0a], 0);				/* booted fine */
}
END_TEST

START_TEST(too_small)
{
	u32 len;
	u64 need;

	ck_assert_int_eq(smbios_build(buf, sizeof(buf), GPA, uuid), 0);
	memcpy(&len, buf + 12, 4);
	need = 24 + len;
	for (u64 n = 0; n < need; n++) {
		memset(buf, 0xee, sizeof(buf));
		ck_assert_int_eq(smbios_build(buf, n, GPA, uuid), -ENOSPC);
		ck_assert_uint_eq(buf[n], 0xee);	/* never past the end */
	}
	ck_assert_int_eq(smbios_build(buf, need, GPA, uuid), 0);
}
END_TEST

START_TEST(in_the_bios_area)
{
	/* Where Linux scans for the anchor: 16-byte aligned in 0xF0000-0xFFFFF. */
	ck_assert_uint_eq(BOOT_SMBIOS % 16, 0);
	ck_assert(BOOT_SMBIOS >= 0xf0000 && BOOT_SMBIOS_END <= BOOT_BIOS_END);
	ck_assert_uint_ge(BOOT_SMBIOS, BOOT_MPTABLE_CFG + mptable_size(KITE_MAX_CPUS));
}
END_TEST

static Suite *smbios_suite(void)
{
	Suite *s = suite_create("smbios");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, entry_point);
	tcase_add_test(tc, structures);
	tcase_add_test(tc, too_small);
	tcase_add_test(tc, in_the_bios_area);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(smbios_suite)
