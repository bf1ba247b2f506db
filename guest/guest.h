/* Shared by kite's freestanding test guests. */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define COM1	0x3f8

/* The start of struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h). */
struct hvm_start_info {
	uint32_t magic;		/* 0x336ec578 "xEn3" */
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

void putc_uart(char c);
void puts_uart(const char *s);
void put_hex(uint32_t v);
void put_dec(uint32_t v);
/* Blocks until the UART has a byte (polls LSR.DR). */
char getc_uart(void);
/* i8042 reset (0xFE to port 0x64): how the guest asks kite to stop. */
void guest_exit(void) __attribute__((noreturn));
void guest_main(struct hvm_start_info *si);

#endif
