// SPDX-License-Identifier: GPL-2.0
/*
 * kite sandbox's stdio as the guest drives it: the real multiport
 * virtio-console (virtio/console.c) with the sandbox's four named ports
 * (stdin, stdout, stderr, control) on virtio-mmio in the core's
 * single-thread mode, its output on pipes, and what the guest wrote on
 * the control port read back by kite's own parser of the command's
 * status (sandbox_exit_status). Host input (the stdin port's thread) is
 * left out, so that each input is one deterministic run: the unit tests
 * drive it.
 *
 * Input: flags (u8: drop MULTIPORT, EVENT_IDX, INDIRECT_DESC), log2
 * queue size (u8), then per queue (2 + 2 * 4) desc/avail/used offsets
 * (u16 each, x4), then guest RAM (256 KiB): control messages
 * (DEVICE_READY, PORT_READY, PORT_OPEN, bad ids and events), receive
 * buffers for the device's answers, port output.
 */
#include <fcntl.h>
#include <unistd.h>

#include "sandbox.h"
#include "fuzz-virtio.h"

#define RAM		(256 * 1024)
#define NR_PORTS	4
#define NR_QUEUES	(2 + 2 * NR_PORTS)
#define F_MULTIPORT	1

static void driver_up(struct fin *in, u8 flags)
{
	struct virtio_dev *dev = fuzz_dev;
	u16 qsize = 1u << (fin_u8(in) % 8);	/* 1 .. 128 */
	u8 st;

	st = fuzz_negotiate(dev, (flags & 1 ? VIRTIO_BIT(F_MULTIPORT) : 0) |
				 (flags & 2 ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0) |
				 (flags & 4 ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0));
	for (unsigned q = 0; q < NR_QUEUES; q++) {
		u64 desc = fin_u16(in) * 4ULL, avail = fin_u16(in) * 4ULL, used = fin_u16(in) * 4ULL;

		/* A queue the driver cannot set up stays off, as a driver leaves it. */
		if (!virtio_queue_set_size(dev, q, qsize) &&
		    !virtio_queue_set_addr(dev, q, desc, avail, used))
			virtio_queue_set_ready(dev, q, true);
	}
	virtio_set_status(dev, st | VIRTIO_STATUS_DRIVER_OK);
}

static size_t drain(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf + got, len - got)) > 0)
		got += n;
	return got;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const char *const names[NR_PORTS] = { SANDBOX_PORT_STDIN, SANDBOX_PORT_STDOUT,
						     SANDBOX_PORT_STDERR, SANDBOX_PORT_CONTROL };
	struct virtio_transport t = { .create = fuzz_create_inline };
	struct virtio_console_port ports[NR_PORTS];
	struct fin in = { data, size };
	struct virtio_console *con;
	int out[NR_PORTS][2];
	static char buf[1 << 17];
	struct vm vm;
	u8 flags;

	for (unsigned i = 0; i < NR_PORTS; i++) {
		FUZZ_CHECK(pipe2(out[i], O_CLOEXEC | O_NONBLOCK) == 0);
		ports[i] = (struct virtio_console_port){ names[i], -1, out[i][1] };
	}
	fuzz_vm_init(&vm, RAM);
	t.vm = &vm;
	fuzz_dev = NULL;
	FUZZ_CHECK(virtio_console_create_ports(&t, ports, NR_PORTS, &con) == 0 && fuzz_dev);

	flags = fin_u8(&in);
	driver_up(&in, flags);
	memcpy(vm.ram, in.p, MIN(in.n, (size_t)RAM));
	for (int i = 0; i < 4; i++) {
		virtio_dev_service(fuzz_dev);
		for (unsigned p = 0; p + 1 < NR_PORTS; p++)
			drain(out[p][0], buf, sizeof(buf));
	}
	vm_destroy(&vm);

	/* What kite makes of the control port: a status or none, never more. */
	{
		size_t n = drain(out[NR_PORTS - 1][0], buf, sizeof(buf));
		int status = sandbox_exit_status(buf, n);

		FUZZ_CHECK(status >= -1 && status <= 255);
		FUZZ_CHECK(status < 0 || memmem(buf, n, "exit ", 5));
	}
	for (unsigned i = 0; i < NR_PORTS; i++) {
		close(out[i][0]);
		close(out[i][1]);
	}
	return 0;
}
