/*
 * Floods the UART for the console output tests. "flood=N" on the command
 * line prints N blocks of 4 KiB, "flood=0" prints forever; then "flood
 * done" and the guest stops. Each block is 64 lines of 64 bytes, "NNNNNNNN
 * " (the line's number, 8 digits) then letters and '\n', so a reader can
 * tell that every byte arrived in order. A block goes out with one rep
 * outsb: one exit to kite per 4 KiB, which keeps the flood cheap under an
 * emulating KVM.
 */
#include "guest.h"

#define LINE		64
#define LINES		64
#define DIGITS		8

static char block[LINE * LINES];

static uint32_t flood_arg(const char *s)
{
	static const char key[] = "flood=";
	uint32_t v = 0;

	for (; *s; s++) {
		unsigned i = 0;

		while (key[i] && s[i] == key[i])
			i++;
		if (key[i])
			continue;
		for (s += i; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (*s - '0');
		return v;
	}
	return 1;
}

/* Add one to the 8-digit decimal number at p. */
static void count_up(char *p)
{
	int i = DIGITS - 1;

	while (i >= 0 && p[i] == '9')
		p[i--] = '0';
	if (i >= 0)
		p[i]++;
}

void guest_main(struct hvm_start_info *si)
{
	uint32_t blocks = si->cmdline_paddr ?
			  flood_arg((const char *)(uintptr_t)si->cmdline_paddr) : 1;
	char number[DIGITS] = "00000000";
	unsigned i, j;

	for (i = 0; i < LINES; i++) {
		char *l = block + i * LINE;

		for (j = DIGITS; j < LINE - 1; j++)
			l[j] = 'a' + (j - DIGITS) % 26;
		l[DIGITS] = ' ';
		l[LINE - 1] = '\n';
	}
	for (uint32_t b = 0; !blocks || b < blocks; b++) {
		const char *p = block;
		uint32_t n = sizeof(block);

		for (i = 0; i < LINES; i++) {
			for (j = 0; j < DIGITS; j++)
				block[i * LINE + j] = number[j];
			count_up(number);
		}
		__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(COM1) : "memory");
	}
	puts_uart("flood done\n");
}
