// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net driven through its rings in fake guest RAM, on the stream
 * backend (passt's framing) over a socketpair whose other end the test
 * plays as passt: receive with mergeable buffers, back-pressure when the
 * guest has posted none, transmit with kite finishing the checksum,
 * partial writes on a full socket, malformed chains, bad descriptors, a
 * bad length from the peer, and the link going down when the peer goes.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "net.h"
#include "virtio-harness.h"

#define F_CSUM		0
#define F_GUEST_CSUM	1
#define F_MTU		3
#define F_MAC		5
#define F_MRG_RXBUF	15
#define F_STATUS	16
#define QSIZE		256
#define WAIT_MS		10000
#define HDR		NET_VNET_HDR_LEN

static struct tvm T;
static struct tring RX, TX;
static struct ttransport TT;
static struct virtio_dev *V;
static int peer;		/* the test's end: plays passt */
static int dev_fd;		/* the device's end (the backend's fd) */
static const u8 MAC[6] = { 0x02, 0x4b, 0x49, 0x54, 0x45, 0x01 };

static int capture_create(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	V = vdev;
	return virtio_transport_attach(vdev, &tt_ops, &TT, 0);
}

/* The device on a stream backend that reports mtu (0: none, as passt's is not set here). */
static void net_up_mtu(u64 features, int sndbuf, unsigned mtu)
{
	int sv[2];
	struct net_backend *be;

	tvm_init(&T, 1);
	memset(&TT, 0, sizeof(TT));
	V = NULL;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	if (sndbuf)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	peer = sv[1];
	dev_fd = sv[0];
	be = net_stream_create(sv[0], "fake-passt");
	ck_assert_ptr_nonnull(be);
	be->mtu = mtu;
	ck_assert_int_eq(virtio_net_create(&(struct virtio_transport){ .create = capture_create, .vm = &T.vm },
					   be, MAC, 0), 0);
	ck_assert_ptr_nonnull(V);
	ck_assert(tdev_negotiate(V, features) & VIRTIO_STATUS_FEATURES_OK);
	tring_init(&RX, &T, QSIZE);
	tring_init(&TX, &T, QSIZE);
	ck_assert_int_eq(tring_attach(&RX, V, 0), 0);
	ck_assert_int_eq(tring_attach(&TX, V, 1), 0);
	tdev_driver_ok(V);
}

static void net_up(u64 features, int sndbuf)
{
	net_up_mtu(features, sndbuf, 0);
}

static void net_down(void)
{
	virtio_dev_destroy(V);		/* stops the workers, destroys the backend */
	tvm_exit(&T);
	close(peer);
}

static const u64 ALL = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |
		       VIRTIO_BIT(F_MRG_RXBUF) | VIRTIO_BIT(F_CSUM) | VIRTIO_BIT(F_GUEST_CSUM) |
		       VIRTIO_BIT(F_MAC) | VIRTIO_BIT(F_STATUS);

static u8 pat(unsigned seq, size_t i)
{
	return (u8)(seq * 31 + i * 7 + (i >> 8));
}

/* The peer sends frame seq of len bytes, framed, in pieces of `piece` bytes. */
static void peer_send(unsigned seq, size_t len, size_t piece)
{
	u8 *buf = malloc(len + 4);

	buf[0] = len >> 24; buf[1] = len >> 16; buf[2] = len >> 8; buf[3] = len;
	for (size_t i = 0; i < len; i++)
		buf[4 + i] = pat(seq, i);
	for (size_t off = 0; off < len + 4; off += piece) {
		size_t n = MIN(piece, len + 4 - off);

		ck_assert_int_eq(write_full(peer, buf + off, n), 0);
	}
	free(buf);
}

/* Read exactly len bytes from the peer's end (bounded). */
static void peer_read(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = peer, .events = POLLIN };
		ssize_t n;

		ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "peer: nothing from the device");
		n = read(peer, (u8 *)buf + got, len - got);
		ck_assert_int_gt(n, 0);
		got += n;
	}
}

/* Receive frame: returns its length; frame into buf. */
static u32 peer_recv(u8 *buf)
{
	u8 h[4];
	u32 len;

	peer_read(h, 4);
	len = (u32)h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3];
	ck_assert_uint_le(len, NET_MAX_FRAME);
	peer_read(buf, len);
	return len;
}

/* Bytes the peer wrote that the device has not read yet. */
static int peer_unread(void)
{
	int n = -1;

	ck_assert_int_eq(ioctl(dev_fd, FIONREAD, &n), 0);
	return n;
}

/* Post n receive buffers of size bytes each; returns the first's gpa. */
static u64 post_rx(unsigned n, u32 size)
{
	u64 first = 0;

	for (unsigned i = 0; i < n; i++) {
		u64 gpa = tvm_alloc(&T, size, 8);

		if (!i)
			first = gpa;
		tring_add(&RX, &(struct tseg){ gpa, size, true }, 1);
	}
	virtio_queue_kick(V, 0);
	return first;
}

/*
 * Take one received frame off the used ring (its num_buffers chains, of
 * buffers `size` bytes apart starting at *gpa) and check it is frame seq of len.
 */
static void check_rx(u64 *gpa, u32 size, unsigned seq, size_t len)
{
	struct virtq_used_elem e;
	u8 *hdr, *got = malloc(len + HDR);
	size_t have = 0;
	unsigned nb;

	ck_assert(tring_wait_used(&RX, 1, WAIT_MS));
	e = tring_get_used(&RX);
	hdr = tvm_hva(&T, *gpa);
	nb = hdr[10] | hdr[11] << 8;
	ck_assert_uint_ge(nb, 1);
	ck_assert_uint_eq(nb, (len + HDR + size - 1) / size);
	for (unsigned i = 0; i < nb; i++) {
		if (i) {
			ck_assert(tring_wait_used(&RX, 1, WAIT_MS));
			e = tring_get_used(&RX);
		}
		ck_assert_uint_le(e.len, size);
		memcpy(got + have, tvm_hva(&T, *gpa), e.len);
		have += e.len;
		*gpa += size;
	}
	ck_assert_uint_eq(have, len + HDR);
	ck_assert_uint_eq(got[0], 0);		/* flags */
	ck_assert_uint_eq(got[1], 0);		/* GSO_NONE */
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(got[HDR + i] == pat(seq, i), "frame %u byte %zu", seq, i);
	free(got);
}

START_TEST(test_config)
{
	u8 mac[6];
	u16 status;

	net_up(ALL, 0);
	for (int i = 0; i < 6; i++)
		virtio_config_read(V, i, &mac[i], 1);
	ck_assert_mem_eq(mac, MAC, 6);
	virtio_config_read(V, 6, &status, 2);
	ck_assert_uint_eq(status, 1);		/* LINK_UP */
	/* No TSO on a bare-Ethernet backend: passt's framing carries no GSO data. */
	ck_assert_uint_eq(virtio_get_device_features(V, 0) & (1u << 11 | 1u << 7), 0);
	net_down();
}
END_TEST

START_TEST(test_rx_mergeable)
{
	u64 gpa;

	net_up(ALL, 0);
	gpa = post_rx(40, 2048);
	peer_send(1, 60, 1000);
	check_rx(&gpa, 2048, 1, 60);
	/* 5000 bytes + header in 2048-byte buffers: three of them, num_buffers 3. */
	peer_send(2, 5000, 3);			/* dribbled: the framing reassembles */
	check_rx(&gpa, 2048, 2, 5000);
	peer_send(3, 65536, 65540);
	check_rx(&gpa, 2048, 3, 65536);
	ck_assert_uint_gt(atomic_load(&TT.queue_irqs), 0);
	net_down();
}
END_TEST

START_TEST(test_mtu)
{
	u16 mtu = 0;
	u64 gpa;

	/* No MTU from the backend: none offered. */
	net_up(ALL, 0);
	ck_assert_uint_eq(virtio_get_device_features(V, 0) & 1u << F_MTU, 0);
	net_down();

	net_up_mtu(ALL | VIRTIO_BIT(F_MTU), 0, 9000);
	ck_assert_uint_ne(virtio_get_device_features(V, 0) & 1u << F_MTU, 0);
	virtio_config_read(V, 10, &mtu, 2);
	ck_assert_uint_eq(mtu, 9000);
	gpa = post_rx(40, 2048);
	/* An MTU-sized frame with a tagged Ethernet header passes; one byte more is dropped. */
	peer_send(1, 9000 + 18, 9100);
	check_rx(&gpa, 2048, 1, 9018);
	peer_send(2, 9000 + 19, 9100);
	peer_send(3, 60, 100);
	check_rx(&gpa, 2048, 3, 60);
	ck_assert_uint_eq(tring_used_pending(&RX), 0);
	net_down();

	/* A guest that did not take the MTU gets the long frame. */
	net_up_mtu(ALL, 0, 9000);
	gpa = post_rx(40, 2048);
	peer_send(2, 9000 + 19, 9100);
	check_rx(&gpa, 2048, 2, 9019);
	net_down();
}
END_TEST

START_TEST(test_rx_backpressure)
{
	u64 gpa;

	net_up(ALL, 0);
	/* No buffers yet: the frames must wait, not be dropped. */
	for (unsigned i = 0; i < 20; i++)
		peer_send(i, 3000, 4000);
	/*
	 * The device takes the first frame into hand and then stops reading:
	 * the other 19 stay in the socket (a correct device never goes below
	 * that; the pause gives one that drops the chance to show it).
	 */
	for (unsigned i = 0; i < WAIT_MS && peer_unread() > 19 * 3004; i++)
		usleep(1000);
	usleep(50000);
	ck_assert_int_eq(peer_unread(), 19 * 3004);
	/* One buffer: less than a frame; the frame waits for more. */
	gpa = post_rx(1, 2048);
	ck_assert_uint_eq(tring_used_pending(&RX), 0);
	post_rx(39, 2048);
	for (unsigned i = 0; i < 20; i++)
		check_rx(&gpa, 2048, i, 3000);
	ck_assert_uint_eq(tring_used_pending(&RX), 0);
	net_down();
}
END_TEST

START_TEST(test_rx_no_mrg)
{
	u64 gpa;

	net_up(ALL & ~VIRTIO_BIT(F_MRG_RXBUF), 0);
	gpa = post_rx(4, 1600);
	peer_send(7, 1514, 1514);
	check_rx(&gpa, 1600, 7, 1514);
	net_down();
}
END_TEST

/* The guest transmits frame seq (len bytes) with hdr (12 bytes) in two segments. */
static void guest_tx(const u8 *hdr, const u8 *frame, size_t len)
{
	u64 h = tvm_alloc(&T, HDR, 8), f = tvm_alloc(&T, len, 8);

	memcpy(tvm_hva(&T, h), hdr, HDR);
	memcpy(tvm_hva(&T, f), frame, len);
	tring_add(&TX, (struct tseg[]){ { h, HDR, false }, { f, len, false } }, 2);
}

START_TEST(test_tx)
{
	static u8 frame[9000], got[NET_MAX_FRAME];
	u8 hdr[HDR] = { 0 };

	net_up(ALL, 0);
	for (unsigned seq = 0; seq < 8; seq++) {
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = pat(seq, i);
		guest_tx(hdr, frame, 100 + seq * 1000);
	}
	virtio_queue_kick(V, 1);
	for (unsigned seq = 0; seq < 8; seq++) {
		u32 len = peer_recv(got);

		ck_assert_uint_eq(len, 100 + seq * 1000);
		for (size_t i = 0; i < len; i++)
			ck_assert(got[i] == pat(seq, i));
	}
	ck_assert(tring_wait_used(&TX, 8, WAIT_MS));
	net_down();
}
END_TEST

START_TEST(test_tx_csum)
{
	/* An IPv4/UDP-like frame: sum from byte 34, checksum at 34 + 6. */
	u8 frame[100], got[200], hdr[HDR] = { 1 /* NEEDS_CSUM */, 0, 0, 0, 0, 0, 34, 0, 6, 0 };
	u32 sum;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = pat(3, i);
	frame[40] = 0x12;			/* the pseudo-header sum the guest left */
	frame[41] = 0x34;
	net_up(ALL, 0);
	guest_tx(hdr, frame, sizeof(frame));
	virtio_queue_kick(V, 1);
	ck_assert_uint_eq(peer_recv(got), sizeof(frame));
	/*
	 * The receiver's check: the covered bytes with the stored checksum,
	 * plus the pseudo-header sum, add up to 0xffff.
	 */
	sum = 0x1234;
	for (size_t i = 34; i < sizeof(frame); i += 2)
		sum += got[i] << 8 | got[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq(sum, 0xffff);
	ck_assert_mem_eq(got, frame, 34);
	net_down();
}
END_TEST

START_TEST(test_tx_full_socket)
{
	static u8 frame[4000], got[NET_MAX_FRAME];
	u8 hdr[HDR] = { 0 };

	net_up(ALL, 4096);
	/* A full ring, far more than the socket holds: partial writes, POLLOUT waits. */
	for (unsigned seq = 0; seq < QSIZE / 2; seq++) {
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = pat(seq, i);
		guest_tx(hdr, frame, 1000 + seq * 13);
	}
	virtio_queue_kick(V, 1);
	for (unsigned seq = 0; seq < QSIZE / 2; seq++) {
		u32 len = peer_recv(got);

		ck_assert_uint_eq(len, 1000 + seq * 13);
		for (size_t i = 0; i < len; i++)
			ck_assert_msg(got[i] == pat(seq, i), "frame %u byte %zu", seq, i);
	}
	ck_assert(tring_wait_used(&TX, QSIZE / 2, WAIT_MS));
	net_down();
}
END_TEST

START_TEST(test_tx_malformed)
{
	u8 frame[64] = { 0xaa }, got[200], hdr[HDR] = { 0 };
	u64 s;

	net_up(ALL, 0);
	s = tvm_alloc(&T, 8, 8);
	/* Shorter than a header, a header and nothing, a checksum outside the frame. */
	tring_add(&TX, &(struct tseg){ s, 5, false }, 1);
	tring_add(&TX, &(struct tseg){ s, HDR - 4, false }, 1);
	guest_tx(hdr, frame, 0 + 1);
	guest_tx((u8[HDR]){ 1, 0, 0, 0, 0, 0, 200, 0, 6, 0 }, frame, sizeof(frame));
	guest_tx((u8[HDR]){ 0, 1 /* GSO TCPv4 */ }, frame, sizeof(frame));
	guest_tx(hdr, frame, sizeof(frame));	/* a good one after them */
	virtio_queue_kick(V, 1);
	ck_assert(tring_wait_used(&TX, 6, WAIT_MS));
	ck_assert_uint_eq(peer_recv(got), 1);
	ck_assert_uint_eq(peer_recv(got), sizeof(frame));
	ck_assert_uint_eq(got[0], 0xaa);
	ck_assert_uint_eq(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET, 0);
	net_down();
}
END_TEST

START_TEST(test_bad_descriptor)
{
	u8 got[200];

	net_up(ALL, 0);
	/* A receive buffer outside guest RAM: the NIC breaks, nothing else. */
	tring_add(&RX, &(struct tseg){ TEST_RAM_SIZE - 16, 4096, true }, 1);
	virtio_queue_kick(V, 0);
	peer_send(1, 100, 104);
	for (unsigned i = 0; i < WAIT_MS && !(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET); i++)
		usleep(1000);
	ck_assert(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(tring_used_pending(&RX), 0);
	(void)got;
	net_down();
}
END_TEST

static void wait_link_down(void)
{
	u16 status = 1;

	for (unsigned i = 0; i < WAIT_MS && status; i++) {
		virtio_config_read(V, 6, &status, 2);
		if (status)
			usleep(1000);
	}
	ck_assert_uint_eq(status, 0);
	ck_assert_uint_gt(atomic_load(&TT.config_irqs), 0);
}

START_TEST(test_peer_gone)
{
	u8 frame[64] = { 0 };

	net_up(ALL, 0);
	post_rx(4, 2048);
	close(peer);
	wait_link_down();
	/* Transmit after that: chains come back, nothing hangs. */
	guest_tx(frame, frame, sizeof(frame));
	virtio_queue_kick(V, 1);
	ck_assert(tring_wait_used(&TX, 1, WAIT_MS));
	peer = open("/dev/null", O_RDONLY);
	net_down();
}
END_TEST

START_TEST(test_peer_bad_length)
{
	u8 bad[4] = { 0x7f, 0xff, 0xff, 0xff };

	net_up(ALL, 0);
	post_rx(4, 2048);
	ck_assert_int_eq(write_full(peer, bad, 4), 0);
	wait_link_down();
	ck_assert_uint_eq(tring_used_pending(&RX), 0);
	net_down();
}
END_TEST

static Suite *net_suite(void)
{
	Suite *s = suite_create("virtio-net");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_rx_mergeable);
	tcase_add_test(tc, test_mtu);
	tcase_add_test(tc, test_rx_backpressure);
	tcase_add_test(tc, test_rx_no_mrg);
	tcase_add_test(tc, test_tx);
	tcase_add_test(tc, test_tx_csum);
	tcase_add_test(tc, test_tx_full_socket);
	tcase_add_test(tc, test_tx_malformed);
	tcase_add_test(tc, test_bad_descriptor);
	tcase_add_test(tc, test_peer_gone);
	tcase_add_test(tc, test_peer_bad_length);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(net_suite)
