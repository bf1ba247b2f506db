/* UART and exit helpers for test guests: polled, no interrupts. */
#include "guest.h"

void putc_uart(char c)
{
	/* The emulated UART's THR is always ready; check THRE anyway. */
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, c);
}

void puts_uart(const char *s)
{
	while (*s)
		putc_uart(*s++);
}

void put_hex(uint32_t v)
{
	int i;

	puts_uart("0x");
	for (i = 28; i >= 0; i -= 4)
		putc_uart("0123456789abcdef"[(v >> i) & 0xf]);
}

void put_dec(uint32_t v)
{
	char buf[11];
	int i = 10;

	buf[i] = '\0';
	do {
		buf[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	puts_uart(&buf[i]);
}

char getc_uart(void)
{
	while (!(inb(COM1 + 5) & 0x01))
		;
	return inb(COM1);
}

void guest_exit(void)
{
	outb(0x64, 0xfe);
	for (;;)
		__asm__ volatile("hlt");
}
