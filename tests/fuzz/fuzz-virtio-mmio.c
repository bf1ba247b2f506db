// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio registers as a guest writes them, through the VM's MMIO
 * bus: an rng and a console device, the input a program of steps (op,
 * device, offset, value), the devices in the core's single-thread mode
 * (inline_service) so queues are serviced in the harness's own thread.
 * Queue addresses point into a 1 MiB RAM bank.
 */
#include <fcntl.h>
#include <unistd.h>

#include "virtio.h"
#include "fuzz.h"

#define NR_DEVS		2

static struct virtio_dev *devs[NR_DEVS];
static unsigned nr_devs;

static int capture_mmio(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	int ret;

	vdev->inline_service = true;	/* no worker threads: we service them */
	ret = virtio_mmio_create(t, vdev);

	if (!ret && nr_devs < NR_DEVS)
		devs[nr_devs++] = vdev;
	return ret;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static int null_fd = -1, in_fd = -1;
	struct virtio_transport t = { .create = capture_mmio };
	struct fin in = { data, size };
	struct vm vm;

	if (null_fd < 0) {
		int p[2];

		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0);
		in_fd = p[0];		/* never readable: p[1] stays open */
	}
	fuzz_vm_init(&vm, 1 * MiB);
	t.vm = &vm;
	nr_devs = 0;
	FUZZ_CHECK(virtio_rng_create(&t) == 0);
	FUZZ_CHECK(virtio_console_create(&t, in_fd, null_fd) == 0);
	FUZZ_CHECK(nr_devs == NR_DEVS);

	while (!fin_empty(&in)) {
		u8 op = fin_u8(&in);
		u64 base = vm.mmio_bus.devs[op >> 7 & 1]->base;
		u16 off = fin_u16(&in) % 0x200;
		u32 len = 1u << (op & 3);	/* 1, 2, 4, 8 */
		u64 val = fin_u32(&in);

		bus_access(&vm.mmio_bus, base + off, &val, len, op & 4);
		/* What the workers would do after a kick (or anything else). */
		if (op & 8)
			virtio_dev_service(devs[op >> 7 & 1]);
	}
	vm_destroy(&vm);	/* the devices' vm_on_exit teardown */
	return 0;
}
