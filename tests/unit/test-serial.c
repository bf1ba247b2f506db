// SPDX-License-Identifier: GPL-2.0
/* The 8250 UART register model, driven through the port bus as a guest would. */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "hw.h"
#include "test.h"

#define B COM1_BASE

static struct vm vm;
static struct vm_config cfg;
static struct serial8250 *uart;
static int out[2];

static void setup(void)
{
	ck_assert_int_eq(vm_init_bare(&vm, &cfg), 0);
	ck_assert_int_eq(pipe2(out, O_NONBLOCK), 0);
	uart = serial8250_create(&vm, B, IRQ_COM1, out[1]);
	ck_assert_ptr_nonnull(uart);
}

static void teardown(void)
{
	serial8250_destroy(uart);
	close(out[0]);
	close(out[1]);
	vm_destroy(&vm);
}

static u8 in8(u16 reg)
{
	u8 v = 0;

	ck_assert(bus_access(&vm.pio_bus, B + reg, &v, 1, false));
	return v;
}

static void out8(u16 reg, u8 v)
{
	ck_assert(bus_access(&vm.pio_bus, B + reg, &v, 1, true));
}

START_TEST(transmit_goes_to_the_host)
{
	char buf[8] = { 0 };

	out8(0, 'h');
	out8(0, 'i');
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "hi");
	/* THR empty and transmitter empty: Linux polls these. */
	ck_assert_uint_eq(in8(5) & 0x60, 0x60);
}
END_TEST

START_TEST(receive_in_order_and_data_ready)
{
	ck_assert_uint_eq(in8(5) & 1, 0);
	ck_assert_uint_eq(serial8250_feed(uart, (const u8 *)"xyz", 3), 3);
	ck_assert_uint_eq(in8(5) & 1, 1);
	ck_assert_uint_eq(in8(0), 'x');
	ck_assert_uint_eq(in8(0), 'y');
	ck_assert_uint_eq(in8(0), 'z');
	ck_assert_uint_eq(in8(5) & 1, 0);
}
END_TEST

START_TEST(rx_interrupt_follows_data_and_out2)
{
	out8(4, 0x08);			/* OUT2: the PC's IRQ gate */
	out8(1, 0x01);			/* IER: receive data */
	ck_assert_uint_eq(in8(2) & 0x0f, 0x01);	/* nothing pending */
	ck_assert_int_eq(serial8250_irq_level(uart), 0);
	serial8250_feed(uart, (const u8 *)"a", 1);
	ck_assert_uint_eq(in8(2) & 0x0f, 0x04);
	ck_assert_int_eq(serial8250_irq_level(uart), 1);
	out8(4, 0x00);			/* OUT2 off: line drops, state stays */
	ck_assert_int_eq(serial8250_irq_level(uart), 0);
	ck_assert_uint_eq(in8(2) & 0x0f, 0x04);
	out8(4, 0x08);
	ck_assert_int_eq(serial8250_irq_level(uart), 1);
	ck_assert_uint_eq(in8(0), 'a');
	ck_assert_int_eq(serial8250_irq_level(uart), 0);
	ck_assert_uint_eq(in8(2) & 0x0f, 0x01);
}
END_TEST

START_TEST(thre_interrupt_on_enable_and_after_transmit)
{
	out8(4, 0x08);
	out8(1, 0x02);			/* enabling THRI with THR empty raises it */
	ck_assert_int_eq(serial8250_irq_level(uart), 1);
	ck_assert_uint_eq(in8(2) & 0x0f, 0x02);	/* reading IIR acknowledges */
	ck_assert_int_eq(serial8250_irq_level(uart), 0);
	ck_assert_uint_eq(in8(2) & 0x0f, 0x01);
	out8(0, 'q');			/* each transmitted byte re-arms it */
	ck_assert_int_eq(serial8250_irq_level(uart), 1);
	/* Receive data outranks THRE. */
	out8(1, 0x03);
	serial8250_feed(uart, (const u8 *)"r", 1);
	ck_assert_uint_eq(in8(2) & 0x0f, 0x04);
}
END_TEST

START_TEST(fifo_bits_dlab_scratch_and_ier_mask)
{
	ck_assert_uint_eq(in8(2) & 0xc0, 0);
	out8(2, 0x01);
	ck_assert_uint_eq(in8(2) & 0xc0, 0xc0);
	out8(3, 0x83);			/* DLAB: 0/1 are the divisor latch */
	out8(0, 0x01);
	out8(1, 0x02);
	ck_assert_uint_eq(in8(0), 0x01);
	ck_assert_uint_eq(in8(1), 0x02);
	out8(3, 0x03);
	ck_assert_uint_eq(in8(1), 0);	/* IER untouched by the divisor write */
	out8(1, 0xff);
	ck_assert_uint_eq(in8(1), 0x0f);
	out8(7, 0xa5);
	ck_assert_uint_eq(in8(7), 0xa5);
	ck_assert_uint_eq(in8(3), 0x03);
}
END_TEST

START_TEST(loopback_wires_modem_lines_and_data)
{
	char buf[4];

	ck_assert_uint_eq(in8(6) & 0xf0, 0xb0);	/* DCD, DSR, CTS */
	out8(4, 0x10 | 0x0a);		/* loop, RTS, OUT2 */
	ck_assert_uint_eq(in8(6) & 0xf0, 0x90);	/* the test Linux's probe runs */
	out8(4, 0x10 | 0x05);		/* loop, DTR, OUT1 */
	ck_assert_uint_eq(in8(6) & 0xf0, 0x60);
	out8(0, 'L');
	ck_assert_uint_eq(in8(5) & 1, 1);
	ck_assert_uint_eq(in8(0), 'L');
	ck_assert_int_eq(read(out[0], buf, sizeof(buf)), -1);	/* nothing reached the host */
}
END_TEST

START_TEST(full_buffer_refuses_then_signals_room)
{
	static u8 big[SERIAL_RX_BUF + 100];
	struct pollfd p;
	u8 c;

	memset(big, 'b', sizeof(big));
	ck_assert_uint_eq(serial8250_feed(uart, big, sizeof(big)), SERIAL_RX_BUF);
	ck_assert_uint_eq(serial8250_rx_room(uart), 0);
	p = (struct pollfd){ .fd = serial8250_room_fd(uart), .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 0);
	c = in8(0);
	ck_assert_uint_eq(c, 'b');
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	ck_assert_uint_eq(serial8250_rx_room(uart), 1);
	out8(2, 0x03);			/* FCR: clear the receive FIFO */
	ck_assert_uint_eq(in8(5) & 1, 0);
	ck_assert_uint_eq(serial8250_rx_room(uart), SERIAL_RX_BUF);
}
END_TEST

static u8 tx_pattern(size_t i)
{
	return 'a' + (i * 7 + i / 26) % 26;
}

/*
 * stdout full and nobody reading: THR stays empty (the guest is never
 * held), output queues up to SERIAL_TX_BUF, the rest is counted as
 * dropped, and the console loop is told to poll stdout for POLLOUT.
 */
START_TEST(full_stdout_never_holds_the_guest)
{
	const size_t pipe_size = 4096, total = pipe_size + SERIAL_TX_BUF + 1000;
	static u8 got[4096 + SERIAL_TX_BUF + 1000];
	struct pollfd pf;
	size_t n = 0;

	ck_assert_int_eq(fcntl(out[1], F_SETPIPE_SZ, pipe_size), (int)pipe_size);
	out8(4, 0x08);
	out8(1, 0x02);
	serial8250_tx_poll(uart, &pf);
	ck_assert_int_ne(pf.fd, out[1]);
	ck_assert_uint_eq(pf.events, POLLIN);
	ck_assert_int_eq(poll(&pf, 1, 0), 0);		/* nothing waits yet */
	for (size_t i = 0; i < total; i++) {
		ck_assert_uint_eq(in8(5) & 0x60, 0x60);
		out8(0, tx_pattern(i));
	}
	ck_assert_int_eq(poll(&pf, 1, 0), 1);		/* the loop is woken ... */
	serial8250_tx_poll(uart, &pf);
	ck_assert_uint_eq(pf.events, POLLOUT);		/* ... and waits for stdout */
	ck_assert_int_ne(pf.fd, out[1]);		/* (its own description) */
	ck_assert_int_eq(poll(&pf, 1, 0), 0);
	/* The THRE interrupt keeps coming, byte after byte. */
	ck_assert_uint_eq(in8(2) & 0x0f, 0x02);
	out8(0, '!');
	ck_assert_int_eq(serial8250_irq_level(uart), 1);

	/* The reader comes back: the console loop's flushes empty the ring in order. */
	while (n < pipe_size + SERIAL_TX_BUF) {
		ssize_t r = read(out[0], got + n, sizeof(got) - n);

		if (r <= 0)
			break;
		n += r;
		serial8250_tx_flush(uart);
	}
	ck_assert_uint_eq(n, pipe_size + SERIAL_TX_BUF);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(got[i] == tx_pattern(i), "byte %zu out of order", i);
	serial8250_tx_poll(uart, &pf);
	ck_assert_uint_eq(pf.events, POLLIN);
	/* 1000 pattern bytes and the '!' found the ring full. */
	ck_assert_uint_eq(serial8250_tx_drain(uart, 10, 1000), 1001);
	/* Room again: output flows straight through. */
	out8(0, 'z');
	ck_assert_int_eq(read(out[0], got, 8), 1);
	ck_assert_uint_eq(got[0], 'z');
}
END_TEST

/* At exit nobody reads: the bounded drain drops what is left and says how much. */
START_TEST(drain_at_exit_is_bounded)
{
	const size_t pipe_size = 4096;
	static u8 got[4096];

	ck_assert_int_eq(fcntl(out[1], F_SETPIPE_SZ, pipe_size), (int)pipe_size);
	for (size_t i = 0; i < pipe_size + 300; i++)
		out8(0, 'x');
	ck_assert_uint_eq(serial8250_tx_drain(uart, 20, 1000), 300);
	ck_assert_int_eq(read(out[0], got, sizeof(got)), (int)pipe_size);
}
END_TEST

static Suite *serial_suite(void)
{
	Suite *s = suite_create("serial");
	TCase *tc = tcase_create("8250");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, transmit_goes_to_the_host);
	tcase_add_test(tc, receive_in_order_and_data_ready);
	tcase_add_test(tc, rx_interrupt_follows_data_and_out2);
	tcase_add_test(tc, thre_interrupt_on_enable_and_after_transmit);
	tcase_add_test(tc, fifo_bits_dlab_scratch_and_ier_mask);
	tcase_add_test(tc, loopback_wires_modem_lines_and_data);
	tcase_add_test(tc, full_buffer_refuses_then_signals_room);
	tcase_add_test(tc, full_stdout_never_holds_the_guest);
	tcase_add_test(tc, drain_at_exit_is_bounded);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(serial_suite)
