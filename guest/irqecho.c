/*
 * Console input by interrupt: programs the 8259 PIC (IRQs at vector 0x20),
 * enables the UART's receive interrupt, and sleeps in HLT. Each IRQ 4
 * drains the UART; complete lines come back as "irq: LINE", with the
 * number of interrupts taken at "quit". Proves UART -> in-kernel PIC ->
 * LAPIC (LINT0 ExtINT) -> guest delivery end to end.
 */
#include "guest.h"

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

static struct idt_entry idt[0x30];
static volatile char buf[128];
static volatile unsigned head, tail, irqs;

void irq4_handler(void)
{
	while (inb(COM1 + 5) & 0x01) {
		buf[head % sizeof(buf)] = inb(COM1);
		head++;
	}
	irqs++;
	outb(0x20, 0x20);		/* EOI to the master PIC */
}

/*
 * Entry stubs: IRQ 4 calls the handler; anything else (spurious IRQ 7)
 * just returns. KVM's instruction emulator (all this host runs for a
 * non-PVM guest) cannot do IRET outside real mode, so the return is done
 * by hand: same CPL and CS, so it is popfl + ret with the frame
 * [eip, cs, eflags] rearranged to [-, eflags, eip].
 */
__asm__(".text\n"
	"irq_return:\n"
	"	push %eax\n"			/* [eax, eip, cs, eflags] */
	"	mov 4(%esp), %eax\n"
	"	xchg %eax, 12(%esp)\n"		/* [eax, eip, cs, eip], eax = eflags */
	"	mov %eax, 8(%esp)\n"		/* [eax, eip, eflags, eip] */
	"	pop %eax\n"
	"	add $4, %esp\n"
	"	popfl\n"
	"	ret\n"
	"irq4_entry: pusha; cld; call irq4_handler; popa; jmp irq_return\n"
	"spurious_entry: jmp irq_return\n");
extern char irq4_entry[], spurious_entry[];

static void set_gate(unsigned vec, void *fn)
{
	uint32_t a = (uint32_t)(uintptr_t)fn;

	idt[vec] = (struct idt_entry){ a & 0xffff, 0x10, 0, 0x8e, a >> 16 };
}

static void pic_init(void)
{
	outb(0x20, 0x11); outb(0xa0, 0x11);	/* ICW1: edge, cascade, ICW4 */
	outb(0x21, 0x20); outb(0xa1, 0x28);	/* ICW2: vectors 0x20, 0x28 */
	outb(0x21, 0x04); outb(0xa1, 0x02);	/* ICW3: slave on IRQ 2 */
	outb(0x21, 0x01); outb(0xa1, 0x01);	/* ICW4: 8086 mode */
	outb(0x21, 0xef); outb(0xa1, 0xff);	/* unmask IRQ 4 only */
}

void guest_main(struct hvm_start_info *si)
{
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint32_t)(uintptr_t)idt };
	char line[64];
	unsigned n = 0, i;

	(void)si;
	for (i = 0x20; i < 0x30; i++)
		set_gate(i, spurious_entry);
	set_gate(0x24, irq4_entry);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	pic_init();
	outb(COM1 + 4, 0x08);			/* MCR: OUT2 gates the IRQ */
	outb(COM1 + 1, 0x01);			/* IER: receive data available */
	puts_uart("irqecho ready\n");
	for (;;) {
		__asm__ volatile("cli");
		if (tail == head) {
			/* sti takes effect after hlt starts: no lost wakeup. */
			__asm__ volatile("sti; hlt");
			continue;
		}
		__asm__ volatile("sti");
		while (tail != head) {
			char c = buf[tail % sizeof(buf)];

			tail++;
			if (c != '\n') {
				if (n < sizeof(line) - 1)
					line[n++] = c;
				continue;
			}
			line[n] = '\0';
			if (n == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't') {
				puts_uart("irqecho done, interrupts ");
				put_dec(irqs);
				puts_uart("\n");
				return;
			}
			puts_uart("irq: ");
			puts_uart(line);
			puts_uart("\n");
			n = 0;
		}
	}
}
