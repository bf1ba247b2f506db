/*
 * Reads the console line by line and echoes each line back upper-cased
 * with a prefix, until it reads "quit". Exercises UART input.
 */
#include "guest.h"

void guest_main(struct hvm_start_info *si)
{
	char line[64];
	unsigned n = 0;

	(void)si;
	puts_uart("echo ready\n");
	for (;;) {
		char c = getc_uart();

		if (c == '\r' || c == '\n') {
			line[n] = '\0';
			if (n == 4 && line[0] == 'Q' && line[1] == 'U' &&
			    line[2] == 'I' && line[3] == 'T')
				break;
			puts_uart("echo: ");
			puts_uart(line);
			puts_uart("\n");
			n = 0;
			continue;
		}
		if (n < sizeof(line) - 1)
			line[n++] = (c >= 'a' && c <= 'z') ? c - 32 : c;
	}
	puts_uart("echo done\n");
}
