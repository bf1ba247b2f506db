/*
 * A virtio-pci driver in miniature, run under real KVM: scans bus 0
 * through configuration mechanism #1, finds the virtio-rng function,
 * walks its capabilities to the common config and notify structures in
 * BAR 0, negotiates VERSION_1, sets up queue 0, kicks it and polls the
 * used ring, then resets the device and does it all again, as a driver
 * reloading would - the second time with the queue's MSI-X vector
 * programmed (LAPIC, vector 0x40) and waits for that interrupt. Prints one
 * line per step; tests/kvm/test-guest-virtio-pci.c asserts on them.
 */
#include "guest.h"

#define VIRTIO_VENDOR		0x1af4
#define VIRTIO_RNG_DEVICE	0x1044

/* struct virtio_pci_common_cfg offsets */
#define DFSELECT	0x00
#define DF		0x04
#define GFSELECT	0x08
#define GF		0x0c
#define NUMQ		0x12
#define STATUS		0x14
#define Q_SELECT	0x16
#define Q_SIZE		0x18
#define Q_MSIX		0x1a
#define Q_ENABLE	0x1c
#define Q_NOFF		0x1e
#define Q_DESC		0x20
#define Q_AVAIL		0x28
#define Q_USED		0x30

/* Rings and the buffer, in guest RAM above the image. */
#define RING_DESC	0x300000u
#define RING_AVAIL	0x301000u
#define RING_USED	0x302000u
#define BUF		0x303000u
#define QSIZE		8

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t cfg32(unsigned slot, unsigned reg)
{
	outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
	return inl(0xcfc);
}

static uint8_t cfg8(unsigned slot, unsigned reg)
{
	return cfg32(slot, reg) >> (8 * (reg & 3));
}

static void cfg_write16(unsigned slot, unsigned reg, uint16_t v)
{
	outl(0xcf8, 0x80000000u | slot << 11 | (reg & 0xfc));
	outw(0xcfc + (reg & 3), v);
}

static void w8(uint32_t a, uint8_t v)   { *(volatile uint8_t *)a = v; }
static void w16(uint32_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static void w32(uint32_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static uint8_t r8(uint32_t a)   { return *(volatile uint8_t *)a; }
static uint16_t r16(uint32_t a) { return *(volatile uint16_t *)a; }
static uint32_t r32(uint32_t a) { return *(volatile uint32_t *)a; }

/* ---- interrupts: an IDT whose vector 0x40 counts MSI-X messages ---- */

#define LAPIC		0xfee00000u
#define MSIX_VECTOR	0x40

volatile uint32_t msix_irqs, other_irqs;

/*
 * Wait up to `spins` loops with interrupts on; returns 0 on timeout, 1
 * for the MSI-X vector, 2 for any other. KVM's emulator cannot run a
 * protected-mode IRET, so a handler never returns to the interrupted
 * loop: it drops the interrupt frame and returns from wait_irq itself
 * (which pushes nothing, so its return address is right under the frame).
 */
uint32_t wait_irq(uint32_t spins);
void msix_entry(void);
void other_entry(void);
__asm__(".text\n"
	".globl wait_irq\n"
	"wait_irq:\n"
	"	movl 4(%esp), %ecx\n"
	"	sti\n"
	"1:	pause\n"
	"	decl %ecx\n"
	"	jnz 1b\n"
	"	cli\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	"msix_entry:\n"
	"	incl msix_irqs\n"
	"	movl $1, %eax\n"
	"	jmp 2f\n"
	"other_entry:\n"
	"	incl other_irqs\n"
	"	movl $2, %eax\n"
	"2:	movl $0, 0xfee000b0\n"		/* LAPIC EOI */
	"	addl $12, %esp\n"		/* EIP, CS, EFLAGS; IF stays clear */
	"	ret\n");

struct gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

static struct gate idt[256] __attribute__((aligned(8)));

static void idt_setup(void)
{
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint32_t)idt,
	};
	uint16_t cs;
	int i;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	for (i = 0; i < 256; i++) {
		uint32_t h = (uint32_t)(i == MSIX_VECTOR ? msix_entry : other_entry);

		idt[i] = (struct gate){ h & 0xffff, cs, 0, 0x8e, h >> 16 };
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
	/* Software-enable the local APIC (spurious vector 0xff). */
	*(volatile uint32_t *)(LAPIC + 0xf0) = 0x1ff;
}

/* Enable MSI-X on the function and point table entry `vec` at vector 0x40 on APIC 0. */
static int msix_setup(unsigned slot, unsigned vec)
{
	uint8_t pos;
	uint32_t t, table;

	for (pos = cfg8(slot, 0x34); pos; pos = cfg8(slot, pos + 1))
		if (cfg8(slot, pos) == 0x11)
			break;
	if (!pos)
		return 0;
	t = cfg32(slot, pos + 4);
	table = (cfg32(slot, 0x10 + 4 * (t & 7)) & ~0xfu) + (t & ~7u);
	cfg_write16(slot, pos + 2, 0xc000);		/* enable + function mask */
	*(volatile uint32_t *)(table + 16 * vec) = LAPIC;
	*(volatile uint32_t *)(table + 16 * vec + 4) = 0;
	*(volatile uint32_t *)(table + 16 * vec + 8) = MSIX_VECTOR;
	*(volatile uint32_t *)(table + 16 * vec + 12) = 0;	/* unmask */
	cfg_write16(slot, pos + 2, 0x8000);		/* enable */
	return 1;
}

static void put_hex_n(uint32_t v, int digits)
{
	while (digits--)
		putc_uart("0123456789abcdef"[(v >> (4 * digits)) & 0xf]);
}

static void line(const char *what, uint32_t v)
{
	puts_uart(what);
	putc_uart(' ');
	put_dec(v);
	putc_uart('\n');
}

/* One request: a 16-byte writable buffer on queue 0; returns the used length. */
static uint32_t rng_round(uint32_t common, uint32_t notify, uint32_t mult, int use_irq)
{
	volatile uint16_t *avail = (volatile uint16_t *)RING_AVAIL;
	volatile uint16_t *used = (volatile uint16_t *)RING_USED;
	uint32_t i;

	for (i = 0; i < 0x3000 / 4; i++)
		w32(RING_DESC + 4 * i, 0);
	w8(common + STATUS, 0);
	w8(common + STATUS, 1);
	w8(common + STATUS, 3);
	w32(common + GFSELECT, 0);
	w32(common + GF, 0);
	w32(common + GFSELECT, 1);
	w32(common + GF, 1);			/* VERSION_1 */
	w8(common + STATUS, 0x0b);
	if (!(r8(common + STATUS) & 0x08))
		return 0;

	w16(common + Q_SELECT, 0);
	w16(common + Q_SIZE, QSIZE);
	w32(common + Q_DESC, RING_DESC);
	w32(common + Q_DESC + 4, 0);
	w32(common + Q_AVAIL, RING_AVAIL);
	w32(common + Q_AVAIL + 4, 0);
	w32(common + Q_USED, RING_USED);
	w32(common + Q_USED + 4, 0);
	if (use_irq) {
		w16(common + Q_MSIX, 1);
		line("queue vector", r16(common + Q_MSIX));
	}
	w16(common + Q_ENABLE, 1);
	w8(common + STATUS, 0x0f);

	/* desc[0] = { BUF, 16, WRITE } */
	w32(RING_DESC, BUF);
	w32(RING_DESC + 8, 16);
	w16(RING_DESC + 12, 2);
	avail[2] = 0;				/* ring[0] = head 0 */
	__asm__ volatile("" ::: "memory");
	avail[1] = 1;				/* idx */
	__asm__ volatile("" ::: "memory");
	w16(notify + r16(common + Q_NOFF) * mult, 0);	/* kick queue 0 */

	if (use_irq) {
		line("interrupt", wait_irq(2000000));
		line("msix irqs", msix_irqs);
		line("other irqs", other_irqs);
	}
	/*
	 * The device thread may share the host CPU with this vCPU (the rig's
	 * L1 runs the KVM tests on one CPU): then it runs only when the
	 * scheduler preempts the vCPU, milliseconds later. The bound covers
	 * that; a working device ends the loop at once.
	 */
	for (i = 0; i < 100000000 && used[1] != 1; i++)
		__asm__ volatile("pause");
	if (used[1] != 1)
		return 0;
	return r32(RING_USED + 8);		/* used ring[0].len */
}

void guest_main(struct hvm_start_info *si)
{
	unsigned slot, rng = 0;
	uint32_t bar0, common = 0, notify = 0, mult = 0;
	uint8_t pos;

	(void)si;
	for (slot = 0; slot < 32; slot++) {
		uint32_t id = cfg32(slot, 0);

		if (id == 0xffffffff)
			continue;
		puts_uart("pci 00:");
		put_hex_n(slot, 2);
		puts_uart(".0 ");
		put_hex_n(id & 0xffff, 4);
		putc_uart(':');
		put_hex_n(id >> 16, 4);
		puts_uart(" class ");
		put_hex_n(cfg32(slot, 8) >> 8, 6);
		putc_uart('\n');
		if (id == (VIRTIO_RNG_DEVICE << 16 | VIRTIO_VENDOR))
			rng = slot;
	}
	if (!rng) {
		puts_uart("no virtio-rng\n");
		guest_exit();
	}

	bar0 = cfg32(rng, 0x10) & ~0xfu;
	for (pos = cfg8(rng, 0x34); pos; pos = cfg8(rng, pos + 1)) {
		uint8_t type = cfg8(rng, pos + 3);

		if (cfg8(rng, pos) != 0x09 || cfg8(rng, pos + 4) != 0)
			continue;
		if (type == 1)
			common = bar0 + cfg32(rng, pos + 8);
		if (type == 2) {
			notify = bar0 + cfg32(rng, pos + 8);
			mult = cfg32(rng, pos + 16);
		}
	}
	line("virtio common found", common != 0);
	line("notify multiplier", mult);
	line("num queues", r16(common + NUMQ));
	w32(common + DFSELECT, 1);
	line("version 1 offered", r32(common + DF) & 1);

	line("rng bytes", rng_round(common, notify, mult, 0));
	/* A driver reload: reset, then the same again, this time with MSI-X. */
	w8(common + STATUS, 0);
	line("status after reset", r8(common + STATUS));
	idt_setup();
	line("msix set up", msix_setup(rng, 1));
	line("rng bytes", rng_round(common, notify, mult, 1));
	w8(common + STATUS, 0);
	puts_uart("bye\n");
}
