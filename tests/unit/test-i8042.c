// SPDX-License-Identifier: GPL-2.0
/*
 * The i8042 as Linux's i8042/atkbd/psmouse drivers probe it: controller
 * self-test, command byte, port tests, AUX loopback, device identify,
 * interrupt lines and the reset line.
 */
#include "hw.h"
#include "test.h"

static struct i8042 *c;

static void setup(void) { c = i8042_new(NULL); ck_assert_ptr_nonnull(c); }
static void teardown(void) { i8042_free(c); }

static u8 status(void) { return i8042_port_read(c, 0x64); }
static void cmd(u8 v) { i8042_port_write(c, 0x64, v); }
static void data(u8 v) { i8042_port_write(c, 0x60, v); }

/* The next byte, which must be there and come from the given port. */
static u8 next(bool aux)
{
	u8 s = status();

	ck_assert_msg(s & 0x01, "output buffer empty");
	ck_assert_uint_eq(!!(s & 0x20), aux);
	return i8042_port_read(c, 0x60);
}

static void empty(void) { ck_assert_uint_eq(status() & 0x01, 0); }

START_TEST(selftest_and_ctr)
{
	empty();
	cmd(0xaa);
	ck_assert_uint_eq(next(false), 0x55);
	empty();
	cmd(0x20);
	ck_assert_uint_eq(next(false), 0x47);	/* ints on, SYS, translation */
	cmd(0x60);
	data(0x64);
	cmd(0x20);
	ck_assert_uint_eq(next(false), 0x64);
	ck_assert_uint_eq(status() & 0x04, 0x04);	/* SYS flag follows the CTR */
	cmd(0xab);
	ck_assert_uint_eq(next(false), 0x00);
	cmd(0xa9);
	ck_assert_uint_eq(next(false), 0x00);
}
END_TEST

START_TEST(aux_loop_and_enable)
{
	cmd(0xd3);
	data(0x5a);
	ck_assert_uint_eq(next(true), 0x5a);
	cmd(0xa7);
	cmd(0x20);
	ck_assert_uint_eq(next(false) & 0x20, 0x20);
	cmd(0xa8);
	cmd(0x20);
	ck_assert_uint_eq(next(false) & 0x20, 0);
	cmd(0xad);
	cmd(0x20);
	ck_assert_uint_eq(next(false) & 0x10, 0x10);
	cmd(0xae);
	cmd(0x20);
	ck_assert_uint_eq(next(false) & 0x10, 0);
}
END_TEST

START_TEST(keyboard)
{
	data(0xf2);
	ck_assert_uint_eq(next(false), 0xfa);
	ck_assert_uint_eq(next(false), 0xab);
	ck_assert_uint_eq(next(false), 0x83);
	empty();
	data(0xed);				/* LEDs take a parameter */
	ck_assert_uint_eq(next(false), 0xfa);
	data(0x07);
	ck_assert_uint_eq(next(false), 0xfa);
	empty();
	data(0xff);
	ck_assert_uint_eq(next(false), 0xfa);
	ck_assert_uint_eq(next(false), 0xaa);
	data(0xee);
	ck_assert_uint_eq(next(false), 0xee);
}
END_TEST

START_TEST(mouse)
{
	cmd(0xd4);
	data(0xf2);
	ck_assert_uint_eq(next(true), 0xfa);
	ck_assert_uint_eq(next(true), 0x00);
	cmd(0xd4);
	data(0xff);
	ck_assert_uint_eq(next(true), 0xfa);
	ck_assert_uint_eq(next(true), 0xaa);
	ck_assert_uint_eq(next(true), 0x00);
	cmd(0xd4);
	data(0xf3);				/* sample rate, then its value */
	ck_assert_uint_eq(next(true), 0xfa);
	cmd(0xd4);
	data(200);
	ck_assert_uint_eq(next(true), 0xfa);
	empty();
	cmd(0xd4);
	data(0xe9);
	ck_assert_uint_eq(next(true), 0xfa);
	next(true);
	next(true);
	ck_assert_uint_eq(next(true), 100);
	empty();
}
END_TEST

START_TEST(irq_lines)
{
	bool kbd, aux, reset;

	data(0xf2);				/* 3 bytes from the keyboard */
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(kbd && !aux);
	ck_assert_uint_eq(i8042_irq_rises(c), 1);
	next(false);
	next(false);
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(kbd);
	/* Each byte is its own edge: Linux reads one byte per interrupt. */
	ck_assert_uint_eq(i8042_irq_rises(c), 3);
	next(false);
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(!kbd && !aux);
	ck_assert_uint_eq(i8042_irq_rises(c), 3);
	cmd(0xd3);
	data(0x01);
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(!kbd && aux);
	next(true);
	/* With interrupts off in the command byte, lines stay low (polling). */
	cmd(0x60);
	data(0x44);
	cmd(0xaa);
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(!kbd && !aux && !reset);
	ck_assert_uint_eq(next(false), 0x55);
}
END_TEST

START_TEST(reset_line)
{
	bool kbd, aux, reset;

	cmd(0xd1);
	data(0x03);				/* reset line stays high */
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(!reset);
	cmd(0xd0);
	ck_assert_uint_eq(next(false), 0x03);
	cmd(0xff);				/* pulse nothing */
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(!reset);
	cmd(0xfe);				/* what reboot=k does */
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(reset);
}
END_TEST

START_TEST(reset_via_output_port)
{
	bool kbd, aux, reset;

	cmd(0xd1);
	data(0x02);
	i8042_lines(c, &kbd, &aux, &reset);
	ck_assert(reset);
}
END_TEST

static Suite *i8042_suite(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, selftest_and_ctr);
	tcase_add_test(tc, aux_loop_and_enable);
	tcase_add_test(tc, keyboard);
	tcase_add_test(tc, mouse);
	tcase_add_test(tc, irq_lines);
	tcase_add_test(tc, reset_line);
	tcase_add_test(tc, reset_via_output_port);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(i8042_suite)
