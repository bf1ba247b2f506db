// SPDX-License-Identifier: GPL-2.0
/*
 * The legacy port handlers a guest drives with in/out: the 8250 (through
 * the VM's port bus, as a vCPU's exit reaches it, plus host input), the
 * CMOS RTC (against a clock the input sets, with its periodic tick) and
 * the i8042. The input is a program of 3-byte steps: op, port/register,
 * value.
 */
#include <fcntl.h>
#include <unistd.h>

#include "hw.h"
#include "fuzz.h"

static time_t clock_sec;
static u64 clock_ns;

static time_t fuzz_clock(u64 *ns)
{
	*ns = clock_ns;
	return clock_sec;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static int null_fd = -1;
	struct fin in = { data, size };
	struct serial8250 *uart;
	struct i8042 *kbc;
	struct rtc rtc;
	struct vm vm;
	bool kbd, aux, reset;

	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fuzz_vm_init(&vm, 0);
	uart = serial8250_create(&vm, COM1_BASE, IRQ_COM1, null_fd);
	FUZZ_CHECK(uart);
	kbc = i8042_new(NULL);
	FUZZ_CHECK(kbc);
	memset(&rtc, 0, sizeof(rtc));
	pthread_mutex_init(&rtc.lock, NULL);
	clock_sec = fin_u32(&in);
	clock_ns = fin_u32(&in) % 1000000000u;
	rtc_reset(&rtc, fuzz_clock);

	while (!fin_empty(&in)) {
		u8 op = fin_u8(&in), reg = fin_u8(&in), val = fin_u8(&in);
		u8 v = val, buf[16];

		switch (op % 10) {
		case 0:		/* out to the UART */
			bus_access(&vm.pio_bus, COM1_BASE + reg % 8, &v, 1, true);
			break;
		case 1:
			bus_access(&vm.pio_bus, COM1_BASE + reg % 8, &v, 1, false);
			break;
		case 2:		/* host keyboard input */
			memset(buf, val, sizeof(buf));
			serial8250_feed(uart, buf, reg % sizeof(buf));
			serial8250_tx_flush(uart);
			break;
		case 3:
			rtc_port_write(&rtc, 0x70 + (reg & 1), val);
			break;
		case 4:
			rtc_port_read(&rtc, 0x70 + (reg & 1));
			break;
		case 5:		/* time passes; the periodic interrupt fires */
			clock_ns += (u64)val * 1000000;
			clock_sec += clock_ns / 1000000000u + (reg & 3);
			clock_ns %= 1000000000u;
			pthread_mutex_lock(&rtc.lock);
			rtc_next_tick_ns(&rtc);
			rtc_tick(&rtc);
			pthread_mutex_unlock(&rtc.lock);
			break;
		case 6:
			i8042_port_write(kbc, reg & 1 ? 0x64 : 0x60, val);
			break;
		case 7:
			i8042_port_read(kbc, reg & 1 ? 0x64 : 0x60);
			break;
		case 8:
			i8042_lines(kbc, &kbd, &aux, &reset);
			break;
		default:	/* a port nobody claims, or a wide access */
			bus_access(&vm.pio_bus, 0x3f0 + reg % 16, buf, 1u << (val & 3), val & 4);
			break;
		}
	}
	i8042_free(kbc);
	pthread_mutex_destroy(&rtc.lock);
	serial8250_destroy(uart);
	vm_destroy(&vm);
	return 0;
}
