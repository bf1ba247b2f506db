// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio at register level, through the VM's MMIO bus as a vCPU
 * would reach it: identification, feature negotiation, queue setup,
 * status and reset, interrupts and their acknowledgement, config space,
 * the kernel command line, and the rng and console devices behind it.
 */
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "boot.h"
#include "virtio-harness.h"

#define S_ACK			VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRIVER		VIRTIO_STATUS_DRIVER
#define S_FEAT			VIRTIO_STATUS_FEATURES_OK
#define S_OK			VIRTIO_STATUS_DRIVER_OK

static struct tvm T;
static struct virtio_dev *devs[4];
static unsigned nr_devs;
static int out_pipe[2] = { -1, -1 }, in_pipe[2] = { -1, -1 };

/* Create through the real transport, keeping the vdev for inspection. */
static int capture_mmio(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	int ret = virtio_mmio_create(t, vdev);

	if (!ret)
		devs[nr_devs++] = vdev;
	return ret;
}

/* The i-th device in the registry (bus order is address order). */
static u64 base_of(unsigned i)
{
	ck_assert_uint_gt(T.vm.mmio_bus.nr, i);
	return T.vm.mmio_bus.devs[i]->base;
}

static u32 rd(u64 base, u64 off)
{
	u32 v = 0xdeadbeef;

	ck_assert(bus_access(&T.vm.mmio_bus, base + off, &v, 4, false));
	return v;
}

static void wr(u64 base, u64 off, u32 v)
{
	ck_assert(bus_access(&T.vm.mmio_bus, base + off, &v, 4, true));
}

static void setup(void)
{
	tvm_init(&T, 1);
	nr_devs = 0;
	ck_assert_int_eq(pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(in_pipe, O_CLOEXEC), 0);
	/* Device 0: rng; device 1: console writing to out_pipe, reading in_pipe. */
	ck_assert_int_eq(virtio_rng_create(&(struct virtio_transport){ .create = capture_mmio, .vm = &T.vm }), 0);
	ck_assert_int_eq(virtio_console_create(&(struct virtio_transport){ .create = capture_mmio, .vm = &T.vm }, in_pipe[0], out_pipe[1]), 0);
	ck_assert_uint_eq(nr_devs, 2);
}

static void teardown(void)
{
	/* vm_destroy runs the devices' vm_on_exit teardown. */
	tvm_exit(&T);
	for (int i = 0; i < 2; i++) {
		close(out_pipe[i]);
		close(in_pipe[i]);
	}
}

static void negotiate(u64 b, u64 features)
{
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK);
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER);
	wr(b, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 0);
	wr(b, VIRTIO_MMIO_REG_DRIVER_FEATURES, (u32)features);
	wr(b, VIRTIO_MMIO_REG_DRIVER_FEATURES_SEL, 1);
	wr(b, VIRTIO_MMIO_REG_DRIVER_FEATURES, (u32)(features >> 32));
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER | S_FEAT);
}

static void setup_queue(u64 b, u32 q, struct tring *r)
{
	wr(b, VIRTIO_MMIO_REG_QUEUE_SEL, q);
	ck_assert_uint_ge(rd(b, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), r->size);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NUM, r->size);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, (u32)r->desc_gpa);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, (u32)(r->desc_gpa >> 32));
	wr(b, VIRTIO_MMIO_REG_QUEUE_DRIVER_LOW, (u32)r->avail_gpa);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DRIVER_HIGH, (u32)(r->avail_gpa >> 32));
	wr(b, VIRTIO_MMIO_REG_QUEUE_DEVICE_LOW, (u32)r->used_gpa);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DEVICE_HIGH, (u32)(r->used_gpa >> 32));
	wr(b, VIRTIO_MMIO_REG_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_READY), 1);
}

static u64 version_1(void)
{
	return VIRTIO_BIT(VIRTIO_F_VERSION_1);
}

START_TEST(test_identity)
{
	u64 b0 = base_of(0), b1 = base_of(1);

	ck_assert_uint_eq(b0, VIRTIO_MMIO_START);
	ck_assert_uint_eq(b1, VIRTIO_MMIO_START + VIRTIO_MMIO_SLOT);
	ck_assert_uint_eq(rd(b0, VIRTIO_MMIO_REG_MAGIC), 0x74726976);
	ck_assert_uint_eq(rd(b0, VIRTIO_MMIO_REG_VERSION), 2);
	ck_assert_uint_eq(rd(b0, VIRTIO_MMIO_REG_DEVICE_ID), VIRTIO_ID_RNG);
	ck_assert_uint_eq(rd(b1, VIRTIO_MMIO_REG_DEVICE_ID), VIRTIO_ID_CONSOLE);
	ck_assert_uint_ne(rd(b0, VIRTIO_MMIO_REG_VENDOR_ID), 0);
	/* No shared memory regions. */
	ck_assert_uint_eq(rd(b0, VIRTIO_MMIO_REG_SHM_LEN_LOW), 0xffffffff);
	ck_assert_uint_eq(rd(b0, VIRTIO_MMIO_REG_STATUS), 0);
}
END_TEST

/* Both devices are in the registry, and so on the kernel's command line. */
START_TEST(test_cmdline_from_registry)
{
	struct bus_dev **d = T.vm.mmio_bus.devs;
	char expect[256], *line;

	ck_assert_uint_eq(T.vm.mmio_bus.nr, 2);
	ck_assert_str_eq(d[0]->compat, "virtio,mmio");
	ck_assert_uint_eq(d[0]->len, 4096);
	ck_assert_uint_eq(__builtin_popcount(d[0]->irq_mask), 1);
	ck_assert_uint_ne(d[0]->irq_mask, d[1]->irq_mask);
	snprintf(expect, sizeof(expect),
		 "console=ttyS0 virtio_mmio.device=4K@0xd0000000:%u virtio_mmio.device=4K@0xd0001000:%u",
		 __builtin_ctz(d[0]->irq_mask), __builtin_ctz(d[1]->irq_mask));
	line = boot_cmdline(&T.vm, "console=ttyS0", NULL);
	ck_assert_str_eq(line, expect);
	free(line);
}
END_TEST

START_TEST(test_features)
{
	u64 b = base_of(0), f;

	wr(b, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	f = rd(b, VIRTIO_MMIO_REG_DEVICE_FEATURES);
	wr(b, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 1);
	f |= (u64)rd(b, VIRTIO_MMIO_REG_DEVICE_FEATURES) << 32;
	ck_assert(f & VIRTIO_BIT(VIRTIO_F_VERSION_1));
	ck_assert(f & VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	ck_assert(!(f & VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM)));
	wr(b, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 7);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_DEVICE_FEATURES), 0);

	/* Asking for something not offered: FEATURES_OK does not stick. */
	negotiate(b, f | VIRTIO_BIT(40));
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), S_ACK | S_DRIVER);
	wr(b, VIRTIO_MMIO_REG_STATUS, 0);
	negotiate(b, f);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), S_ACK | S_DRIVER | S_FEAT);
}
END_TEST

START_TEST(test_rng_queue_and_interrupts)
{
	u64 b = base_of(0);
	struct tring r;
	u64 buf = tvm_alloc(&T, 64, 8), n;
	struct tseg seg = { buf, 64, true };
	static const u8 zero[64];
	int irq_fd = virtio_mmio_irq_fd(devs[0]);
	struct virtq_used_elem e;

	ck_assert_int_ge(irq_fd, 0);
	tring_init(&r, &T, 16);
	negotiate(b, version_1());
	setup_queue(b, 0, &r);
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER | S_FEAT | S_OK);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), S_ACK | S_DRIVER | S_FEAT | S_OK);

	tring_add(&r, &seg, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert(tring_wait_used(&r, 1, 5000));
	e = tring_get_used(&r);
	ck_assert_uint_eq(e.len, 64);
	ck_assert_mem_ne(tvm_hva(&T, buf), zero, 64);

	/* The used-buffer interrupt: status bit 0 and a write to the irqfd. */
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 1);
	ck_assert_int_eq(read(irq_fd, &n, 8), 8);
	ck_assert_uint_ge(n, 1);
	wr(b, VIRTIO_MMIO_REG_INTERRUPT_ACK, 1);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);

	/* The driver suppresses interrupts: the buffer is used, no interrupt. */
	r.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	tring_add(&r, &seg, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert(tring_wait_used(&r, 1, 5000));
	tring_get_used(&r);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(test_queue_registers)
{
	u64 b = base_of(1);

	negotiate(b, version_1());
	wr(b, VIRTIO_MMIO_REG_QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 128);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, 0x12345000);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, 0x9);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_DESC_LOW), 0x12345000);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_DESC_HIGH), 0x9);
	ck_assert_uint_eq(virtio_get_vq(devs[1], 1)->desc_gpa, 0x912345000ULL);
	/* Queue 0 is separate. */
	wr(b, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_DESC_LOW), 0);
	/* A queue that does not exist: max 0, writes go nowhere. */
	wr(b, VIRTIO_MMIO_REG_QUEUE_SEL, 5);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 0);
	wr(b, VIRTIO_MMIO_REG_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* Read-only registers ignore writes. */
	wr(b, VIRTIO_MMIO_REG_MAGIC, 0);
	wr(b, VIRTIO_MMIO_REG_DEVICE_ID, 9);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_MAGIC), 0x74726976);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_DEVICE_ID), VIRTIO_ID_CONSOLE);
}
END_TEST

START_TEST(test_bad_ring_needs_reset)
{
	u64 b = base_of(0);

	negotiate(b, version_1());
	wr(b, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NUM, 16);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DESC_LOW, 0);
	wr(b, VIRTIO_MMIO_REG_QUEUE_DESC_HIGH, 0x100);	/* far outside guest RAM */
	wr(b, VIRTIO_MMIO_REG_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_READY), 0);
	ck_assert(rd(b, VIRTIO_MMIO_REG_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(b, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), 0);
}
END_TEST

START_TEST(test_reset)
{
	u64 b = base_of(0);
	struct tring r;
	u64 buf = tvm_alloc(&T, 32, 8);
	struct tseg seg = { buf, 32, true };

	for (int round = 0; round < 3; round++) {
		tring_init(&r, &T, 8);
		negotiate(b, version_1() | VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
		setup_queue(b, 0, &r);
		wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER | S_FEAT | S_OK);
		tring_add(&r, &seg, 1);
		wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
		ck_assert(tring_wait_used(&r, 1, 5000));
		ck_assert_uint_ne(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);

		wr(b, VIRTIO_MMIO_REG_STATUS, 0);
		ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), 0);
		ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
		wr(b, VIRTIO_MMIO_REG_QUEUE_SEL, 0);
		ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_READY), 0);
		ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_DESC_LOW), 0);
		ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_QUEUE_NUM_MAX), 64);
	}
}
END_TEST

START_TEST(test_access_widths)
{
	u64 b = base_of(1);
	u8 byte = 0xaa;
	u16 ports;
	u32 max_ports;

	/* Registers are 32-bit only: narrower reads see 0, writes are dropped. */
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_MAGIC, &byte, 1, false));
	ck_assert_uint_eq(byte, 0);
	byte = S_ACK;
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_STATUS, &byte, 1, true));
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), 0);
	/* Config space takes any width: virtio_console_config.max_nr_ports at 4. */
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG + 4, &max_ports, 4, false));
	ck_assert_uint_eq(max_ports, 1);
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG + 4, &ports, 2, false));
	ck_assert_uint_eq(ports, 1);
	/* Past the device's config: zeros. */
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_CONFIG + 0x40), 0);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION), virtio_config_generation(devs[1]));
}
END_TEST

static void console_up(u64 b, struct tring *rx, struct tring *tx)
{
	tring_init(rx, &T, 8);
	tring_init(tx, &T, 8);
	negotiate(b, version_1() | VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	setup_queue(b, 0, rx);
	setup_queue(b, 1, tx);
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER | S_FEAT | S_OK);
}

START_TEST(test_console_output)
{
	u64 b = base_of(1), msg = tvm_alloc(&T, 16, 8);
	struct tring rx, tx;
	struct tseg seg = { msg, 12, false };
	struct pollfd pfd = { .fd = out_pipe[0], .events = POLLIN };
	char got[32] = "";

	console_up(b, &rx, &tx);
	memcpy(tvm_hva(&T, msg), "hello, host\n", 12);
	tring_add(&tx, &seg, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
	ck_assert(tring_wait_used(&tx, 1, 5000));
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(read(out_pipe[0], got, sizeof(got)), 12);
	ck_assert_str_eq(got, "hello, host\n");
}
END_TEST

START_TEST(test_console_input)
{
	u64 b = base_of(1), buf = tvm_alloc(&T, 8, 8);
	struct tring rx, tx;
	struct tseg seg = { buf, 8, true };
	struct virtq_used_elem e;

	console_up(b, &rx, &tx);
	/* Input before the guest has a buffer waits for one, it is not dropped. */
	ck_assert_int_eq(write(in_pipe[1], "abc", 3), 3);
	usleep(20000);
	ck_assert_uint_eq(tring_used_pending(&rx), 0);
	tring_add(&rx, &seg, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert(tring_wait_used(&rx, 1, 5000));
	e = tring_get_used(&rx);
	ck_assert_uint_eq(e.len, 3);
	ck_assert_mem_eq(tvm_hva(&T, buf), "abc", 3);
	/* Ctrl-A Ctrl-A is one Ctrl-A for the guest. */
	ck_assert_int_eq(write(in_pipe[1], "\x01\x01z", 3), 3);
	tring_add(&rx, &seg, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert(tring_wait_used(&rx, 1, 5000));
	e = tring_get_used(&rx);
	ck_assert_uint_eq(e.len, 2);
	ck_assert_mem_eq(tvm_hva(&T, buf), "\x01z", 2);
	/* A reset stops the input thread; the device comes back. */
	wr(b, VIRTIO_MMIO_REG_STATUS, 0);
	console_up(b, &rx, &tx);
	ck_assert_int_eq(write(in_pipe[1], "q", 1), 1);
	tring_add(&rx, &seg, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 0);
	ck_assert(tring_wait_used(&rx, 1, 5000));
	ck_assert_uint_eq(tring_get_used(&rx).len, 1);
	/* Ctrl-A x stops the VM, as on the serial console. */
	ck_assert(!vm_stopping(&T.vm));
	ck_assert_int_eq(write(in_pipe[1], "\x01x", 2), 2);
	{
		u64 end = now_ns() + 5000000000ULL;

		while (!vm_stopping(&T.vm) && now_ns() < end)
			usleep(1000);
	}
	ck_assert(vm_stopping(&T.vm));
	ck_assert_int_eq(T.vm.exit_code, KITE_EXIT_USER);
}
END_TEST

/* On a terminal the console offers VIRTIO_CONSOLE_F_SIZE with its size. */
START_TEST(test_console_size)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave, n = nr_devs;
	u64 b;
	u16 cols, rows;

	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	ck_assert_int_eq(virtio_console_create(&(struct virtio_transport){ .create = capture_mmio, .vm = &T.vm }, -1, slave), 0);
	b = base_of(n);
	wr(b, VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	ck_assert(rd(b, VIRTIO_MMIO_REG_DEVICE_FEATURES) & 1);
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG, &cols, 2, false));
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG + 2, &rows, 2, false));
	ck_assert_uint_eq(cols, 100);
	ck_assert_uint_eq(rows, 40);
	/* A pipe is no terminal: no size feature (the fixture's console). */
	wr(base_of(1), VIRTIO_MMIO_REG_DEVICE_FEATURES_SEL, 0);
	ck_assert(!(rd(base_of(1), VIRTIO_MMIO_REG_DEVICE_FEATURES) & 1));
	tvm_exit(&T);		/* before the pty goes */
	tvm_init(&T, 1);	/* for the fixture's teardown */
	close(slave);
	close(master);
}
END_TEST

/*
 * Flow control: stdout (a 4 KiB pipe) full, the device stops taking
 * transmit chains and leaves them with the guest; once the pipe is read
 * it goes on where it stopped, and every byte arrives, in order.
 */
START_TEST(test_console_output_flow_control)
{
	enum { CHAINS = 4, LEN = 2000 };	/* 8 descriptors: the whole ring */
	u64 b = base_of(1), msg = tvm_alloc(&T, CHAINS * LEN, 8);
	static char got[CHAINS * LEN], *text;
	struct tring rx, tx;
	size_t n = 0;
	u16 used;

	ck_assert_int_eq(fcntl(out_pipe[1], F_SETPIPE_SZ, 4096), 4096);
	text = tvm_hva(&T, msg);
	for (int i = 0; i < CHAINS * LEN; i++)
		text[i] = 'A' + (i * 3 + i / 26) % 26;
	console_up(b, &rx, &tx);
	for (int c = 0; c < CHAINS; c++) {
		/* Two segments a chain, the device-readable kind. */
		struct tseg segs[2] = {
			{ msg + c * LEN, LEN / 2, false }, { msg + c * LEN + LEN / 2, LEN / 2, false },
		};

		tring_add(&tx, segs, 2);
	}
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
	ck_assert(tring_wait_used(&tx, 1, 5000));
	usleep(50000);
	used = tring_used_pending(&tx);
	/* Some went out, the rest waits with the guest (the pipe holds 4 KiB). */
	ck_assert_uint_lt(used, CHAINS);
	usleep(50000);
	ck_assert_uint_eq(tring_used_pending(&tx), used);
	/* A kick while blocked changes nothing. */
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
	usleep(20000);
	ck_assert_uint_eq(tring_used_pending(&tx), used);

	/* Reading the pipe lets the device go on, by itself (POLLOUT). */
	while (n < sizeof(got)) {
		struct pollfd pfd = { .fd = out_pipe[0], .events = POLLIN };
		ssize_t r;

		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		r = read(out_pipe[0], got + n, 1000);
		ck_assert_int_gt(r, 0);
		n += r;
	}
	ck_assert(tring_wait_used(&tx, CHAINS, 5000));
	ck_assert_mem_eq(got, text, sizeof(got));
	for (int c = 0; c < CHAINS; c++)
		ck_assert_uint_eq(tring_get_used(&tx).len, 0);

	/* Blocked again, a reset still finds the worker ready to stop. */
	tring_add(&tx, &(struct tseg){ msg, 4096, false }, 1);
	tring_add(&tx, &(struct tseg){ msg, 4096, false }, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
	ck_assert(tring_wait_used(&tx, 1, 5000));
	wr(b, VIRTIO_MMIO_REG_STATUS, 0);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), 0);
	/* And the device works again after it: a new driver, a fresh chain. */
	while (read(out_pipe[0], got, sizeof(got)) > 0)
		;
	console_up(b, &rx, &tx);
	tring_add(&tx, &(struct tseg){ msg, 10, false }, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
	ck_assert(tring_wait_used(&tx, 1, 5000));
	ck_assert_int_eq(read(out_pipe[0], got, sizeof(got)), 10);
	ck_assert_mem_eq(got, text, 10);
}
END_TEST

/*
 * stdout reports POLLOUT but takes nothing (a terminal with room for one
 * byte before a "\n" it writes as "\r\n"; test.h): the transmit worker
 * keeps the chain and sleeps, retrying on a short timer, instead of
 * polling a POLLOUT that returns at once; when room comes, the chain goes.
 */
START_TEST(test_console_output_no_busy_retry)
{
	int efd = test_false_pollout_fd(), n = nr_devs;
	u64 b, msg = tvm_alloc(&T, 8, 8), cpu;
	struct tring rx, tx;

	ck_assert_int_eq(virtio_console_create(&(struct virtio_transport){ .create = capture_mmio, .vm = &T.vm }, -1, efd), 0);
	b = base_of(n);
	console_up(b, &rx, &tx);
	memcpy(tvm_hva(&T, msg), "\n\n\n\n\n\n\n\n", 8);
	tring_add(&tx, &(struct tseg){ msg, 8, false }, 1);
	wr(b, VIRTIO_MMIO_REG_QUEUE_NOTIFY, 1);
	usleep(50000);
	cpu = test_cpu_ns();
	usleep(300000);
	/* A busy worker would have burnt about 300 ms of CPU here. */
	ck_assert_uint_lt(test_cpu_ns() - cpu, 100 * 1000000ULL);
	ck_assert_uint_eq(tring_used_pending(&tx), 0);
	test_false_pollout_clear(efd);
	ck_assert(tring_wait_used(&tx, 1, 5000));
	tvm_exit(&T);		/* before the eventfd goes */
	tvm_init(&T, 1);	/* for the fixture's teardown */
	close(efd);
}
END_TEST

/*
 * A console on a pty (40 x 100), brought up by a driver with features
 * `features`; returns its base, the irq eventfd in *irq_fd, and the
 * ConfigGeneration read just before DRIVER_OK in *gen.
 */
static u64 pty_console_up(int *master, int *slave, u64 features, int *irq_fd, u32 *gen)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 100 };
	static struct tring rx, tx;
	unsigned n = nr_devs;
	u64 b;

	ck_assert_int_eq(openpty(master, slave, NULL, NULL, &ws), 0);
	ck_assert_int_eq(virtio_console_create(&(struct virtio_transport){ .create = capture_mmio, .vm = &T.vm }, -1, *slave), 0);
	b = base_of(n);
	*irq_fd = virtio_mmio_irq_fd(devs[n]);
	tring_init(&rx, &T, 8);
	tring_init(&tx, &T, 8);
	negotiate(b, features);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), S_ACK | S_DRIVER | S_FEAT);
	setup_queue(b, 0, &rx);
	setup_queue(b, 1, &tx);
	*gen = rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER | S_FEAT | S_OK);
	return b;
}

static void pty_console_down(int master, int slave)
{
	tvm_exit(&T);		/* before the pty goes */
	ck_assert_ptr_null(T.vm.sources);
	tvm_init(&T, 1);	/* for the fixture's teardown */
	close(slave);
	close(master);
}

/*
 * Linux's virtio_console reads cols/rows only on a configuration change,
 * not at probe: so DRIVER_OK itself raises one (ConfigGeneration moves,
 * InterruptStatus bit 1, one interrupt), with no resize (no SIGWINCH).
 * A driver that did not take VIRTIO_CONSOLE_F_SIZE gets none.
 */
START_TEST(test_console_size_at_driver_ok)
{
	int master, slave, irq_fd;
	u16 cols = 0, rows = 0;
	u64 b, cnt;
	u32 gen;

	b = pty_console_up(&master, &slave, version_1() | 1, &irq_fd, &gen);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), S_ACK | S_DRIVER | S_FEAT | S_OK);
	ck_assert_uint_ne(rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION), gen);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 2);
	ck_assert_int_eq(read(irq_fd, &cnt, sizeof(cnt)), sizeof(cnt));
	ck_assert_uint_eq(cnt, 1);
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG, &cols, 2, false));
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG + 2, &rows, 2, false));
	ck_assert_uint_eq(cols, 100);
	ck_assert_uint_eq(rows, 40);
	wr(b, VIRTIO_MMIO_REG_INTERRUPT_ACK, 2);

	/* A new driver (after reset) without the size feature: no change. */
	wr(b, VIRTIO_MMIO_REG_STATUS, 0);
	negotiate(b, version_1());
	gen = rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION);
	wr(b, VIRTIO_MMIO_REG_STATUS, S_ACK | S_DRIVER | S_FEAT | S_OK);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_STATUS), S_ACK | S_DRIVER | S_FEAT | S_OK);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION), gen);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
	ck_assert_int_eq(read(irq_fd, &cnt, sizeof(cnt)), -1);
	pty_console_down(master, slave);
}
END_TEST

/*
 * A terminal resize (the run loop calls vm_term_resized on SIGWINCH)
 * reaches the driver: new cols/rows in config space, a new
 * ConfigGeneration, and InterruptStatus bit 1 with an interrupt.
 */
START_TEST(test_console_resize)
{
	struct winsize ws;
	int master, slave, irq_fd;
	u32 gen;
	u64 b, cnt;
	u16 cols = 0, rows = 0;

	b = pty_console_up(&master, &slave, version_1() | 1, &irq_fd, &gen);
	/* DRIVER_OK's own change (test_console_size_at_driver_ok), acknowledged. */
	ck_assert_int_eq(read(irq_fd, &cnt, sizeof(cnt)), sizeof(cnt));
	wr(b, VIRTIO_MMIO_REG_INTERRUPT_ACK, 2);
	gen = rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION);

	ws = (struct winsize){ .ws_row = 50, .ws_col = 132 };
	ck_assert_int_eq(ioctl(master, TIOCSWINSZ, &ws), 0);
	vm_term_resized(&T.vm);
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG, &cols, 2, false));
	ck_assert(bus_access(&T.vm.mmio_bus, b + VIRTIO_MMIO_REG_CONFIG + 2, &rows, 2, false));
	ck_assert_uint_eq(cols, 132);
	ck_assert_uint_eq(rows, 50);
	ck_assert_uint_ne(rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION), gen);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 2);
	ck_assert_int_eq(read(irq_fd, &cnt, sizeof(cnt)), sizeof(cnt));
	ck_assert_uint_eq(cnt, 1);
	wr(b, VIRTIO_MMIO_REG_INTERRUPT_ACK, 2);

	/* No change, no interrupt. */
	gen = rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION);
	vm_term_resized(&T.vm);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_INTERRUPT_STATUS), 0);
	ck_assert_uint_eq(rd(b, VIRTIO_MMIO_REG_CONFIG_GENERATION), gen);
	ck_assert_int_eq(read(irq_fd, &cnt, sizeof(cnt)), -1);
	pty_console_down(master, slave);
}
END_TEST

static Suite *mmio_suite(void)
{
	Suite *s = suite_create("virtio-mmio");
	TCase *tc = tcase_create("mmio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_cmdline_from_registry);
	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_rng_queue_and_interrupts);
	tcase_add_test(tc, test_queue_registers);
	tcase_add_test(tc, test_bad_ring_needs_reset);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_access_widths);
	tcase_add_test(tc, test_console_output);
	tcase_add_test(tc, test_console_input);
	tcase_add_test(tc, test_console_size);
	tcase_add_test(tc, test_console_output_flow_control);
	tcase_add_test(tc, test_console_output_no_busy_retry);
	tcase_add_test(tc, test_console_size_at_driver_ok);
	tcase_add_test(tc, test_console_resize);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(mmio_suite)
