/*
 * Loads an empty IDT and raises an exception: no handler, so a double and
 * then a triple fault. kite must report it and exit with its triple-fault
 * status.
 */
#include "guest.h"

void guest_main(struct hvm_start_info *si)
{
	static const struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idt = { 0, 0 };

	(void)si;
	puts_uart("about to triple fault\n");
	__asm__ volatile("lidt %0; ud2" : : "m"(idt));
}
