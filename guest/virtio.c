/*
 * A minimal virtio-mmio driver: finds the devices kite put in the
 * virtio-mmio window, and for a block device reads GET_ID, reads sector
 * 0, writes sector 1 and flushes, reads sector 1 back; for an rng reads
 * 16 bytes. Polls the used ring (no interrupt handler) but checks that
 * InterruptStatus says a used buffer was signalled, and acks it.
 * Run with `--transport mmio --disk IMG --rng`.
 */
#include "guest.h"

#define VIRTIO_MMIO_START	0xd0000000u
#define VIRTIO_MMIO_SLOT	0x1000u
#define MAX_DEVS		4

#define REG(b, off)		(*(volatile uint32_t *)((b) + (off)))
#define R_MAGIC			0x000
#define R_VERSION		0x004
#define R_DEVICE_ID		0x008
#define R_DRV_FEATURES		0x020
#define R_DRV_FEATURES_SEL	0x024
#define R_QUEUE_SEL		0x030
#define R_QUEUE_NUM_MAX		0x034
#define R_QUEUE_NUM		0x038
#define R_QUEUE_READY		0x044
#define R_QUEUE_NOTIFY		0x050
#define R_INT_STATUS		0x060
#define R_INT_ACK		0x064
#define R_STATUS		0x070
#define R_DESC_LO		0x080
#define R_DESC_HI		0x084
#define R_DRIVER_LO		0x090
#define R_DRIVER_HI		0x094
#define R_DEVICE_LO		0x0a0
#define R_DEVICE_HI		0x0a4
#define R_CONFIG		0x100

#define QSZ			8
#define F_NEXT			1
#define F_WRITE			2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vq {
	struct desc desc[QSZ] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[QSZ], used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QSZ];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint16_t last_used;
};

static struct vq queues[MAX_DEVS];
static uint8_t buf[512] __attribute__((aligned(512)));
static uint8_t status_byte;
static struct {
	uint32_t type, reserved;
	uint64_t sector;
} hdr;

static void fail(const char *what)
{
	puts_uart("virtio: FAIL ");
	puts_uart(what);
	puts_uart("\n");
	guest_exit();
}

static void barrier(void)
{
	__asm__ volatile("lock; addl $0,0(%%esp)" ::: "memory");
}

static void dev_init(uint32_t b, struct vq *q)
{
	uint32_t st = 1 | 2;

	REG(b, R_STATUS) = 0;
	REG(b, R_STATUS) = 1;
	REG(b, R_STATUS) = st;
	REG(b, R_DRV_FEATURES_SEL) = 1;
	REG(b, R_DRV_FEATURES) = 1;		/* VIRTIO_F_VERSION_1 */
	REG(b, R_DRV_FEATURES_SEL) = 0;
	REG(b, R_DRV_FEATURES) = 0;
	REG(b, R_STATUS) = st |= 8;
	if (!(REG(b, R_STATUS) & 8))
		fail("FEATURES_OK refused");
	REG(b, R_QUEUE_SEL) = 0;
	if (REG(b, R_QUEUE_READY) || REG(b, R_QUEUE_NUM_MAX) < QSZ)
		fail("queue 0 unusable");
	REG(b, R_QUEUE_NUM) = QSZ;
	REG(b, R_DESC_LO) = (uint32_t)q->desc;
	REG(b, R_DESC_HI) = 0;
	REG(b, R_DRIVER_LO) = (uint32_t)&q->avail;
	REG(b, R_DRIVER_HI) = 0;
	REG(b, R_DEVICE_LO) = (uint32_t)&q->used;
	REG(b, R_DEVICE_HI) = 0;
	REG(b, R_QUEUE_READY) = 1;
	REG(b, R_STATUS) = st | 4;		/* DRIVER_OK */
}

/* Publish the chain at descriptor 0, kick, poll for its completion; returns used len. */
static uint32_t submit(uint32_t b, struct vq *q)
{
	uint32_t spins = 0, len;

	q->avail.ring[q->avail.idx % QSZ] = 0;
	barrier();
	q->avail.idx++;
	barrier();
	REG(b, R_QUEUE_NOTIFY) = 0;
	while (*(volatile uint16_t *)&q->used.idx == q->last_used)
		if (++spins > 2000000)
			fail("no completion");
	barrier();
	len = q->used.ring[q->last_used % QSZ].len;
	q->last_used++;
	if (!(REG(b, R_INT_STATUS) & 1))
		fail("InterruptStatus not set");
	REG(b, R_INT_ACK) = 1;
	return len;
}

static uint32_t blk_req(uint32_t b, struct vq *q, uint32_t type, uint32_t sector, uint32_t len)
{
	int write = type == 1;

	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sector;
	status_byte = 0xff;
	q->desc[0] = (struct desc){ (uint32_t)&hdr, 16, F_NEXT, 1 };
	if (len) {
		q->desc[1] = (struct desc){ (uint32_t)buf, len, F_NEXT | (write ? 0 : F_WRITE), 2 };
		q->desc[2] = (struct desc){ (uint32_t)&status_byte, 1, F_WRITE, 0 };
	} else {
		q->desc[0].next = 2;
		q->desc[2] = (struct desc){ (uint32_t)&status_byte, 1, F_WRITE, 0 };
	}
	submit(b, q);
	return status_byte;
}

static void put_bytes(const uint8_t *p, int n)
{
	for (int i = 0; i < n; i++) {
		putc_uart("0123456789abcdef"[p[i] >> 4]);
		putc_uart("0123456789abcdef"[p[i] & 15]);
	}
}

static void blk_test(uint32_t b, struct vq *q)
{
	uint32_t cap_lo = REG(b, R_CONFIG);

	dev_init(b, q);
	puts_uart("blk: capacity ");
	put_dec(cap_lo);
	puts_uart("\n");
	if (blk_req(b, q, 8, 0, 20))		/* GET_ID */
		fail("GET_ID");
	buf[20] = 0;
	puts_uart("blk: id ");
	puts_uart((const char *)buf);
	puts_uart("\n");
	if (blk_req(b, q, 0, 0, 512))
		fail("read sector 0");
	puts_uart("blk: sector0 ");
	put_bytes(buf, 8);
	puts_uart("\n");
	for (int i = 0; i < 512; i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	if (blk_req(b, q, 1, 1, 512))
		fail("write sector 1");
	if (blk_req(b, q, 4, 0, 0))
		fail("flush");
	for (int i = 0; i < 512; i++)
		buf[i] = 0;
	if (blk_req(b, q, 0, 1, 512))
		fail("read sector 1");
	for (int i = 0; i < 512; i++)
		if (buf[i] != (uint8_t)(i * 3 + 1))
			fail("sector 1 read back differs");
	if (blk_req(b, q, 0, cap_lo, 512) != 1)
		fail("read past the end did not fail");
	puts_uart("blk: ok\n");
}

static void rng_test(uint32_t b, struct vq *q)
{
	uint32_t n, nonzero = 0;

	dev_init(b, q);
	for (int i = 0; i < 16; i++)
		buf[i] = 0;
	q->desc[0] = (struct desc){ (uint32_t)buf, 16, F_WRITE, 0 };
	n = submit(b, q);
	for (int i = 0; i < 16; i++)
		nonzero |= buf[i];
	if (n != 16 || !nonzero)
		fail("rng");
	puts_uart("rng: ok\n");
}

void guest_main(struct hvm_start_info *si)
{
	(void)si;
	puts_uart("virtio guest\n");
	for (int i = 0; i < MAX_DEVS; i++) {
		uint32_t b = VIRTIO_MMIO_START + i * VIRTIO_MMIO_SLOT;

		if (REG(b, R_MAGIC) != 0x74726976)
			break;
		if (REG(b, R_VERSION) != 2)
			fail("version");
		switch (REG(b, R_DEVICE_ID)) {
		case 2: blk_test(b, &queues[i]); break;
		case 4: rng_test(b, &queues[i]); break;
		default: break;
		}
		REG(b, R_STATUS) = 0;		/* leave it reset */
	}
	puts_uart("virtio done\n");
}
