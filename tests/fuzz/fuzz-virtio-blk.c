// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk requests end to end on a RAM-backed disk (a 1 MiB memfd,
 * engine=sync): the real device (virtio/blk.c) on virtio-mmio, driven in
 * the virtio core's single-thread mode (inline_service), so each input
 * is one deterministic run. The input's first 8 bytes are the driver's
 * choices (feature bits to drop, queue size, desc/avail/used offsets),
 * the rest is guest RAM (256 KiB): rings, request headers (type, sector),
 * data buffers, discard ranges. A bad request must end as an error
 * status or NEEDS_RESET, never a stray access.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>

#include "fuzz-virtio.h"

#define RAM		(256 * 1024)
#define DISK_SIZE	(1 * MiB)

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static int disk_fd = -1;
	static char spec[64];
	struct virtio_transport t = { .create = fuzz_create_inline };
	struct fin in = { data, size };
	struct vm vm;
	u8 drop, st;
	u16 qsize;
	u64 desc, avail, used;

	if (disk_fd < 0) {
		disk_fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
		FUZZ_CHECK(disk_fd >= 0);
		snprintf(spec, sizeof(spec), "/proc/self/fd/%d,cache=writeback,engine=sync", disk_fd);
	}
	FUZZ_CHECK(ftruncate(disk_fd, 0) == 0 && ftruncate(disk_fd, DISK_SIZE) == 0);

	fuzz_vm_init(&vm, RAM);
	t.vm = &vm;
	fuzz_dev = NULL;
	FUZZ_CHECK(virtio_blk_create(&t, spec, 0) == 0 && fuzz_dev);

	drop = fin_u8(&in);
	qsize = 1u << (fin_u8(&in) % 8);	/* 1 .. 128 */
	desc = fin_u16(&in) * 4ULL;
	avail = fin_u16(&in) * 4ULL;
	used = fin_u16(&in) * 4ULL;
	memcpy(vm.ram, in.p, MIN(in.n, (size_t)RAM));

	/* The driver takes what is offered, less what the input drops. */
	st = fuzz_negotiate(fuzz_dev, (u64)(drop & 0x3f) << 1 |
				      (drop & 0x40 ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0) |
				      (drop & 0x80 ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0));
	if (!virtio_queue_set_size(fuzz_dev, 0, qsize) &&
	    !virtio_queue_set_addr(fuzz_dev, 0, desc, avail, used) &&
	    !virtio_queue_set_ready(fuzz_dev, 0, true)) {
		virtio_set_status(fuzz_dev, st | VIRTIO_STATUS_DRIVER_OK);
		/* A kick, then the completions' round. */
		for (int i = 0; i < 3; i++)
			virtio_dev_service(fuzz_dev);
	}
	vm_destroy(&vm);
	return 0;
}
