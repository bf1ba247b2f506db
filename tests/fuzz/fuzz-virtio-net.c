// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net end to end: the real device (virtio/net.c) on virtio-mmio in
 * the core's single-thread mode, on the real stream backend
 * (util/net-stream.c, passt's framing) over a socketpair whose other end
 * the harness plays as passt. Both untrusted sides come from the input:
 * what passt sends (length-prefixed frames, bad lengths, a cut-off
 * stream, a hang-up) and guest RAM (both rings, headers asking for
 * checksums, chains too short or too long).
 *
 * Input: flags (u8: features to drop, vnet header, hang up), log2 queue
 * size (u8), RX then TX desc/avail/used offsets (u16 each, x4), the
 * length of passt's bytes (u16), those bytes, then guest RAM (256 KiB).
 * A bad frame or chain must end dropped, as NEEDS_RESET or with the link
 * down, never as a stray access.
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/socket.h>

#include "net.h"
#include "fuzz-virtio.h"

#define RAM		(256 * 1024)

/* The driver's side of set-up: features (less what flags drop), both queues. */
static bool driver_up(struct fin *in, u8 flags)
{
	struct virtio_dev *dev = fuzz_dev;
	u16 qsize = 1u << (fin_u8(in) % 9);	/* 1 .. 256 */
	u8 st;

	st = fuzz_negotiate(dev, (flags & 1 ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0) |
				 (flags & 2 ? VIRTIO_BIT(15) : 0) |	/* MRG_RXBUF */
				 (flags & 4 ? VIRTIO_BIT(0) | VIRTIO_BIT(1) : 0) |	/* CSUM, GUEST_CSUM */
				 (flags & 8 ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0));
	for (unsigned q = 0; q < 2; q++) {
		u64 desc = fin_u16(in) * 4ULL, avail = fin_u16(in) * 4ULL, used = fin_u16(in) * 4ULL;

		if (virtio_queue_set_size(dev, q, qsize) ||
		    virtio_queue_set_addr(dev, q, desc, avail, used) ||
		    virtio_queue_set_ready(dev, q, true))
			return false;
	}
	virtio_set_status(dev, st | VIRTIO_STATUS_DRIVER_OK);
	return true;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u8 mac[6] = { 0x02, 0x4b, 0x49, 0x54, 0x45, 0x01 };
	struct virtio_transport t = { .create = fuzz_create_inline };
	struct fin in = { data, size };
	struct net_backend *be;
	struct vm vm;
	u8 flags, sink[4096];
	size_t plen;
	int sv[2];

	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	be = net_stream_create(sv[0], "fuzz-passt");
	FUZZ_CHECK(be);
	flags = fin_u8(&in);
	if (flags & 0x10) {		/* frames carry the header, as a tap's */
		be->vnet_hdr = true;
		be->offloads = NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6;
	}
	fuzz_vm_init(&vm, RAM);
	t.vm = &vm;
	fuzz_dev = NULL;
	FUZZ_CHECK(virtio_net_create(&t, be, mac, 0) == 0 && fuzz_dev);

	if (driver_up(&in, flags)) {
		plen = fin_u16(&in);
		plen = MIN(plen, in.n);
		/* A socketpair holds far more than 64 KiB: this never blocks. */
		FUZZ_CHECK(plen == 0 || write(sv[1], in.p, plen) == (ssize_t)plen);
		in.p += plen;
		in.n -= plen;
		memcpy(vm.ram, in.p, MIN(in.n, (size_t)RAM));
		if (flags & 0x20)
			shutdown(sv[1], SHUT_WR);	/* passt is gone */
		/* Kicks on both queues, then what the frames and completions bring. */
		for (int i = 0; i < 4; i++) {
			virtio_dev_service(fuzz_dev);
			while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
				;
		}
	}
	vm_destroy(&vm);	/* destroys the device and the backend (sv[0]) */
	close(sv[1]);
	return 0;
}
