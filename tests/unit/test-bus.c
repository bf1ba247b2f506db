// SPDX-License-Identifier: GPL-2.0
/* The device bus: registration rules and dispatch by binary search. */
#include <string.h>

#include "bus.h"
#include "test.h"

struct rec {
	struct bus_dev dev;
	u64 last_off;
	u32 last_len;
	u64 value;
	int reads, writes;
};

static void rec_read(struct bus_dev *d, u64 off, void *data, u32 len)
{
	struct rec *r = d->priv;

	r->reads++;
	r->last_off = off;
	r->last_len = len;
	memcpy(data, &r->value, len);
}

static void rec_write(struct bus_dev *d, u64 off, const void *data, u32 len)
{
	struct rec *r = d->priv;

	r->writes++;
	r->last_off = off;
	r->last_len = len;
	r->value = 0;
	memcpy(&r->value, data, len);
}

static const struct bus_dev_ops rec_ops = { .read = rec_read, .write = rec_write };

static void rec_init(struct rec *r, u64 base, u64 len)
{
	memset(r, 0, sizeof(*r));
	r->dev = (struct bus_dev){ .base = base, .len = len, .ops = &rec_ops, .priv = r };
}

START_TEST(dispatch_offsets_and_widths)
{
	struct bus bus;
	struct rec a, b;
	u32 v = 0xdeadbeef, out = 0;

	bus_init(&bus, "t");
	rec_init(&a, 0x100, 0x10);
	rec_init(&b, 0x110, 0x8);
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &b.dev), 0);

	ck_assert(bus_access(&bus, 0x10c, &v, 4, true));
	ck_assert_int_eq(a.writes, 1);
	ck_assert_uint_eq(a.last_off, 0xc);
	ck_assert_uint_eq(a.value, 0xdeadbeef);
	ck_assert(bus_access(&bus, 0x110, &out, 2, false));
	ck_assert_int_eq(b.reads, 1);
	ck_assert_uint_eq(b.last_off, 0);
	ck_assert_uint_eq(b.last_len, 2);
	bus_exit(&bus);
}
END_TEST

START_TEST(unclaimed_reads_all_ones_and_straddling_is_refused)
{
	struct bus bus;
	struct rec a, b;
	u32 out = 0;

	bus_init(&bus, "t");
	rec_init(&a, 0x100, 0x10);
	rec_init(&b, 0x110, 0x10);
	bus_register(&bus, &a.dev);
	bus_register(&bus, &b.dev);
	ck_assert(!bus_access(&bus, 0x50, &out, 4, false));
	ck_assert_uint_eq(out, 0xffffffff);
	/* 0x10e..0x111 spans both devices: nobody may see half of it. */
	out = 0;
	ck_assert(!bus_access(&bus, 0x10e, &out, 4, false));
	ck_assert_uint_eq(out, 0xffffffff);
	ck_assert_int_eq(a.reads + b.reads, 0);
	/* One past the end of the last range. */
	ck_assert(!bus_access(&bus, 0x120, &out, 1, true));
	ck_assert_int_eq(a.writes + b.writes, 0);
	bus_exit(&bus);
}
END_TEST

START_TEST(overlaps_and_bad_ranges_are_refused)
{
	struct bus bus;
	struct rec a, over_lo, over_hi, inside, empty, wrap, adj;

	bus_init(&bus, "t");
	rec_init(&a, 0x1000, 0x100);
	rec_init(&over_lo, 0xf80, 0x81);
	rec_init(&over_hi, 0x10ff, 0x10);
	rec_init(&inside, 0x1010, 0x10);
	rec_init(&empty, 0x5000, 0);
	rec_init(&wrap, ~0ULL - 4, 0x10);
	rec_init(&adj, 0x1100, 0x10);
	ck_assert_int_eq(bus_register(&bus, &a.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &over_lo.dev), -EEXIST);
	ck_assert_int_eq(bus_register(&bus, &over_hi.dev), -EEXIST);
	ck_assert_int_eq(bus_register(&bus, &inside.dev), -EEXIST);
	ck_assert_int_eq(bus_register(&bus, &empty.dev), -EINVAL);
	ck_assert_int_eq(bus_register(&bus, &wrap.dev), -EINVAL);
	ck_assert_int_eq(bus_register(&bus, &adj.dev), 0);
	ck_assert_int_eq(bus_unregister(&bus, &inside.dev), -ENOENT);
	ck_assert_int_eq(bus_unregister(&bus, &a.dev), 0);
	ck_assert_int_eq(bus_register(&bus, &inside.dev), 0);
	bus_exit(&bus);
}
END_TEST

START_TEST(move_follows_the_device)
{
	struct bus bus;
	struct rec a, b;
	u8 v = 7;

	bus_init(&bus, "t");
	rec_init(&a, 0x1000, 0x100);
	rec_init(&b, 0x3000, 0x100);
	bus_register(&bus, &a.dev);
	bus_register(&bus, &b.dev);
	ck_assert_int_eq(bus_move(&bus, &a.dev, 0x3080), -EEXIST);
	ck_assert_uint_eq(a.dev.base, 0x1000);
	ck_assert_int_eq(bus_move(&bus, &a.dev, 0x5000), 0);
	ck_assert(!bus_access(&bus, 0x1000, &v, 1, true));
	ck_assert(bus_access(&bus, 0x5004, &v, 1, true));
	ck_assert_uint_eq(a.last_off, 4);
	/* Moving onto its own old range overlapping itself is fine. */
	ck_assert_int_eq(bus_move(&bus, &a.dev, 0x5080), 0);
	ck_assert(bus_access(&bus, 0x5100, &v, 1, true));
	ck_assert_uint_eq(a.last_off, 0x80);
	bus_exit(&bus);
}
END_TEST

START_TEST(many_devices_each_found)
{
	enum { N = 500 };
	static struct rec r[N];
	struct bus bus;
	unsigned i;

	bus_init(&bus, "t");
	/* Registered in a scrambled order; lookups must still find each. */
	for (i = 0; i < N; i++) {
		unsigned j = (i * 7919) % N;

		rec_init(&r[j], 0x10000 + j * 0x20, 0x10);
		ck_assert_int_eq(bus_register(&bus, &r[j].dev), 0);
	}
	for (i = 0; i < N; i++) {
		u8 v = i & 0xff;

		ck_assert(bus_access(&bus, 0x10000 + i * 0x20 + 0xf, &v, 1, true));
		ck_assert_int_eq(r[i].writes, 1);
		ck_assert_uint_eq(r[i].last_off, 0xf);
		ck_assert(!bus_access(&bus, 0x10000 + i * 0x20 + 0x10, &v, 1, true));
	}
	bus_exit(&bus);
}
END_TEST

static Suite *bus_suite(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("bus");

	tcase_add_test(tc, dispatch_offsets_and_widths);
	tcase_add_test(tc, unclaimed_reads_all_ones_and_straddling_is_refused);
	tcase_add_test(tc, overlaps_and_bad_ranges_are_refused);
	tcase_add_test(tc, move_follows_the_device);
	tcase_add_test(tc, many_devices_each_found);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(bus_suite)
