// SPDX-License-Identifier: GPL-2.0
/* CMOS RTC registers against a fake host clock: BCD/binary, 12/24 h, SET, UIP. */
#include <string.h>
#include <time.h>

#include "hw.h"
#include "test.h"

static time_t fake_sec;
static u64 fake_ns;
static struct rtc rtc;

static time_t fake_clock(u64 *ns)
{
	*ns = fake_ns;
	return fake_sec;
}

static time_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return timegm(&tm);
}

static u8 rd(u8 reg)
{
	rtc_port_write(&rtc, 0x70, reg);
	return rtc_port_read(&rtc, 0x71);
}

static void wr(u8 reg, u8 val)
{
	rtc_port_write(&rtc, 0x70, reg);
	rtc_port_write(&rtc, 0x71, val);
}

static void setup(void)
{
	pthread_mutex_init(&rtc.lock, NULL);
	/* Saturday 2026-11-21 22:47:52 UTC */
	fake_sec = utc(2026, 11, 21, 22, 47, 52);
	fake_ns = 0;
	rtc_reset(&rtc, fake_clock);
}

static void teardown(void)
{
	pthread_mutex_destroy(&rtc.lock);
}

START_TEST(bcd_24h_default)
{
	ck_assert_uint_eq(rd(0x0b), 0x02);	/* 24 h, BCD */
	ck_assert_uint_eq(rd(0x00), 0x52);
	ck_assert_uint_eq(rd(0x02), 0x47);
	ck_assert_uint_eq(rd(0x04), 0x22);
	ck_assert_uint_eq(rd(0x06), 7);		/* Saturday; Sunday is 1 */
	ck_assert_uint_eq(rd(0x07), 0x21);
	ck_assert_uint_eq(rd(0x08), 0x11);
	ck_assert_uint_eq(rd(0x09), 0x26);
	ck_assert_uint_eq(rd(0x32), 0x20);
	/* The clock follows the host. */
	fake_sec += 61;
	ck_assert_uint_eq(rd(0x00), 0x53);
	ck_assert_uint_eq(rd(0x02), 0x48);
}
END_TEST

START_TEST(binary)
{
	wr(0x0b, 0x06);
	ck_assert_uint_eq(rd(0x00), 52);
	ck_assert_uint_eq(rd(0x02), 47);
	ck_assert_uint_eq(rd(0x04), 22);
	ck_assert_uint_eq(rd(0x07), 21);
	ck_assert_uint_eq(rd(0x08), 11);
	ck_assert_uint_eq(rd(0x09), 26);
	ck_assert_uint_eq(rd(0x32), 20);
}
END_TEST

START_TEST(twelve_hour)
{
	wr(0x0b, 0x00);				/* BCD, 12 h */
	ck_assert_uint_eq(rd(0x04), 0x80 | 0x10);	/* 10 PM */
	wr(0x0b, 0x04);				/* binary, 12 h */
	ck_assert_uint_eq(rd(0x04), 0x80 | 10);
	fake_sec = utc(2026, 11, 21, 0, 30, 0);
	ck_assert_uint_eq(rd(0x04), 12);		/* 12 AM */
	fake_sec = utc(2026, 11, 21, 12, 30, 0);
	ck_assert_uint_eq(rd(0x04), 0x80 | 12);	/* 12 PM */
}
END_TEST

START_TEST(set_time)
{
	/* hwclock --systohc: SET, write fields, clear SET. */
	wr(0x0b, 0x82);
	wr(0x00, 0x05);
	wr(0x02, 0x04);
	wr(0x04, 0x03);
	wr(0x07, 0x02);
	wr(0x08, 0x01);
	wr(0x09, 0x30);
	wr(0x32, 0x20);
	/* While SET is on, the fields hold still. */
	fake_sec += 5;
	ck_assert_uint_eq(rd(0x00), 0x05);
	wr(0x0b, 0x02);
	fake_sec += 10;
	ck_assert_uint_eq(rd(0x00), 0x15);
	ck_assert_uint_eq(rd(0x02), 0x04);
	ck_assert_uint_eq(rd(0x04), 0x03);
	ck_assert_uint_eq(rd(0x07), 0x02);
	ck_assert_uint_eq(rd(0x08), 0x01);
	ck_assert_uint_eq(rd(0x09), 0x30);
	ck_assert_uint_eq(rd(0x06), 4);		/* 2030-01-02 is a Wednesday */
	/* 12 h PM hours written in binary decode to the afternoon. */
	wr(0x0b, 0x84);
	wr(0x04, 0x80 | 1);
	wr(0x0b, 0x06);
	ck_assert_uint_eq(rd(0x04), 13);
}
END_TEST

START_TEST(uip)
{
	fake_ns = 500000000;
	ck_assert_uint_eq(rd(0x0a), 0x26);
	fake_ns = 999900000;			/* within 244 us of the update */
	ck_assert_uint_eq(rd(0x0a), 0x26 | 0x80);
	/* The guest cannot set UIP itself. */
	fake_ns = 0;
	wr(0x0a, 0xa6);
	ck_assert_uint_eq(rd(0x0a), 0x26);
}
END_TEST

START_TEST(status_and_ram)
{
	ck_assert_uint_eq(rd(0x0d), 0x80);	/* valid RAM and time */
	ck_assert_uint_eq(rd(0x0c), 0);
	wr(0x0d, 0);
	ck_assert_uint_eq(rd(0x0d), 0x80);
	/* Bit 7 of the index is the NMI mask, not part of the index. */
	wr(0x80 | 0x40, 0x5a);
	ck_assert_uint_eq(rd(0x40), 0x5a);
	wr(0x7f, 0x11);
	ck_assert_uint_eq(rd(0x7f), 0x11);
	/* Alarm registers are storage, not the clock. */
	wr(0x01, 0x33);
	ck_assert_uint_eq(rd(0x01), 0x33);
	ck_assert_uint_eq(rd(0x00), 0x52);
	/* The index port reads as open bus. */
	ck_assert_uint_eq(rtc_port_read(&rtc, 0x70), 0xff);
}
END_TEST

START_TEST(update_interrupt)
{
	fake_ns = 250000000;
	/* Nothing enabled: no timer at all. */
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 0);
	wr(0x0b, 0x12);				/* UIE, 24 h, BCD */
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 750000000 + 1000);
	/* Same second: nothing due yet. */
	ck_assert(!rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c), 0);
	fake_sec++;
	fake_ns = 1000;
	ck_assert(rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c), 0x80 | 0x10);	/* IRQF | UF, cleared by the read */
	ck_assert_uint_eq(rd(0x0c), 0);
	/* While C is unread, IRQF stays up and no second edge is asked for. */
	fake_sec++;
	ck_assert(rtc_tick(&rtc));
	fake_sec++;
	ck_assert(!rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c), 0x90);
	/* SET stops the clock and its interrupts. */
	wr(0x0b, 0x92);
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 0);
	fake_sec++;
	ck_assert(!rtc_tick(&rtc));
}
END_TEST

START_TEST(alarm_interrupt)
{
	/* 22:47:52 now; alarm at 22:47:54, any hour also tried below. */
	wr(0x01, 0x54);
	wr(0x03, 0x47);
	wr(0x05, 0x22);
	wr(0x0b, 0x22);				/* AIE */
	fake_sec++;
	ck_assert(!rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c) & 0x20, 0);
	fake_sec++;
	ck_assert(rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c), 0x80 | 0x20 | 0x10);	/* AF, and UF (not enabled) */
	/* "Don't care" hours and minutes: every minute at :10. */
	wr(0x01, 0x10);
	wr(0x03, 0xff);
	wr(0x05, 0xc0);
	fake_sec = utc(2026, 11, 22, 5, 33, 10);
	ck_assert(rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c) & 0x20, 0x20);
}
END_TEST

START_TEST(periodic_interrupt)
{
	wr(0x0b, 0x42);				/* PIE at the default 1024 Hz */
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 1000000000ULL / 1024);
	ck_assert(rtc_tick(&rtc));
	ck_assert_uint_eq(rd(0x0c) & 0xc0, 0xc0);
	wr(0x0a, 0x2f);				/* 2 Hz */
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 500000000);
	wr(0x0a, 0x23);				/* 8192 Hz: capped at 1024 */
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 1000000000ULL / 1024);
	wr(0x0a, 0x21);				/* RS 1 is 256 Hz */
	ck_assert_uint_eq(rtc_next_tick_ns(&rtc), 1000000000ULL / 256);
}
END_TEST

static Suite *rtc_suite(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bcd_24h_default);
	tcase_add_test(tc, binary);
	tcase_add_test(tc, twelve_hour);
	tcase_add_test(tc, set_time);
	tcase_add_test(tc, uip);
	tcase_add_test(tc, status_and_ram);
	tcase_add_test(tc, update_interrupt);
	tcase_add_test(tc, alarm_interrupt);
	tcase_add_test(tc, periodic_interrupt);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(rtc_suite)
