/*
 * Prints a greeting, what PVH handed it (magic, command line, memory map
 * total), and stops through the i8042 reset. Integration tests assert on
 * every line.
 */
#include "guest.h"

void guest_main(struct hvm_start_info *si)
{
	uint64_t ram = 0;
	uint32_t i;

	puts_uart("hello from kite guest\n");
	puts_uart("magic ");
	put_hex(si->magic);
	puts_uart("\ncmdline ");
	if (si->cmdline_paddr)
		puts_uart((const char *)(uintptr_t)si->cmdline_paddr);
	puts_uart("\n");
	for (i = 0; i < si->memmap_entries; i++) {
		struct hvm_memmap_entry *e =
			(struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr + i;
		if (e->type == 1)
			ram += e->size;
	}
	puts_uart("ram_kib ");
	put_dec((uint32_t)(ram >> 10));
	puts_uart("\nbye\n");
}
