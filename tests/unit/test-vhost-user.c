// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user front-end (virtio/vhost-user.c) against a fake back-end
 * on the other end of a socketpair. The fake is scripted, not threaded:
 * its replies are queued on the socket before the front-end asks (the
 * front-end reads them in order), and afterwards the test reads back
 * what the front-end sent and checks every header, payload and fd.
 * Malformed replies of each kind must fail the connection with -EIO,
 * never overrun a buffer, block past the bound, or leak a passed fd.
 */
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "vhost-user.h"

#define BIT(b)		(1ULL << (b))
#define F_PROTO		BIT(VHOST_USER_F_PROTOCOL_FEATURES)
/* What Debian's virtiofsd answered on this machine (sandbox-facts.md). */
#define VIRTIOFSD_FEATURES	0x175000000ULL
#define VIRTIOFSD_PROTOCOL	0x8c2bULL
#define KITE_PROTOCOL		(BIT(VHOST_USER_PROTOCOL_F_MQ) | BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK))

static struct vhost_user vu;
static int peer = -1;		/* the fake back-end's end */
static int sock_fd = -1;	/* the front-end's end, owned by vu after open */

static void setup(void)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	sock_fd = sv[0];
	peer = sv[1];
	vu = (struct vhost_user){ .sock = -1 };
}

static void teardown(void)
{
	if (vu.name)		/* opened: vu owns the socket */
		vhost_user_close(&vu);
	else if (sock_fd >= 0)
		close(sock_fd);
	if (peer >= 0)
		close(peer);
	peer = sock_fd = -1;
}

/* The back-end sends a raw message: header fields as given, optional fd. */
static void peer_send(u32 request, u32 flags, u32 size, const void *payload, u32 len, int fd)
{
	struct vhost_user_hdr hdr = { request, flags, size };
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)payload, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	}
	ck_assert_int_eq(sendmsg(peer, &msg, MSG_NOSIGNAL), (ssize_t)(sizeof(hdr) + len));
}

/* A well-formed reply. */
static void reply(u32 request, const void *payload, u32 len)
{
	peer_send(request, VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY, len, payload, len, -1);
}

static void reply_u64(u32 request, u64 val)
{
	reply(request, &val, sizeof(val));
}

/* One message the front-end sent. */
struct sent {
	struct vhost_user_hdr hdr;
	u8 payload[VHOST_USER_MAX_PAYLOAD];
	int fds[VHOST_USER_MAX_REGIONS];
	unsigned nr_fds;
};

/* Read the next message the front-end sent (it is already there: non-blocking). */
static void peer_recv(struct sent *m)
{
	char cbuf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_REGIONS)];
	struct iovec iov = { &m->hdr, sizeof(m->hdr) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };

	memset(m, 0, sizeof(*m));
	ck_assert_int_eq(recvmsg(peer, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC), sizeof(m->hdr));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
		m->nr_fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(m->fds, CMSG_DATA(c), m->nr_fds * sizeof(int));
	}
	ck_assert_uint_le(m->hdr.size, sizeof(m->payload));
	if (m->hdr.size)
		ck_assert_int_eq(recv(peer, m->payload, m->hdr.size, MSG_DONTWAIT), m->hdr.size);
}

static void sent_free(struct sent *m)
{
	for (unsigned i = 0; i < m->nr_fds; i++)
		close(m->fds[i]);
	m->nr_fds = 0;
}

/* The next message is `request` with `flags` (besides the version) and `size` bytes. */
static void expect(struct sent *m, u32 request, u32 flags, u32 size)
{
	peer_recv(m);
	ck_assert_uint_eq(m->hdr.request, request);
	ck_assert_uint_eq(m->hdr.flags, VHOST_USER_VERSION | flags);
	ck_assert_uint_eq(m->hdr.size, size);
}

static u64 payload_u64(const struct sent *m)
{
	u64 v;

	memcpy(&v, m->payload, sizeof(v));
	return v;
}

static void expect_u64(u32 request, u32 flags, u64 val)
{
	struct sent m;

	expect(&m, request, flags, sizeof(u64));
	ck_assert_uint_eq(payload_u64(&m), val);
	ck_assert_uint_eq(m.nr_fds, 0);
}

static void expect_state(u32 request, u32 flags, u32 index, u32 num)
{
	struct sent m;
	u32 s[2];

	expect(&m, request, flags, sizeof(s));
	memcpy(s, m.payload, sizeof(s));
	ck_assert_uint_eq(s[0], index);
	ck_assert_uint_eq(s[1], num);
}

/* Nothing more was sent. */
static void expect_quiet(void)
{
	char c;

	ck_assert_int_eq(recv(peer, &c, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}

/* Open a session with a back-end offering these (virtiofsd's by default). */
static void open_session(u64 features, u64 protocol, u64 queues)
{
	struct sent m;

	reply_u64(VHOST_USER_GET_FEATURES, features);
	if (features & F_PROTO) {
		reply_u64(VHOST_USER_GET_PROTOCOL_FEATURES, protocol);
		if (protocol & BIT(VHOST_USER_PROTOCOL_F_MQ))
			reply_u64(VHOST_USER_GET_QUEUE_NUM, queues);
	}
	ck_assert_int_eq(vhost_user_open(&vu, sock_fd, "test-vu", 200), 0);
	ck_assert(!vu.failed);

	expect(&m, VHOST_USER_SET_OWNER, 0, 0);
	expect(&m, VHOST_USER_GET_FEATURES, 0, 0);
	if (features & F_PROTO) {
		expect(&m, VHOST_USER_GET_PROTOCOL_FEATURES, 0, 0);
		expect_u64(VHOST_USER_SET_PROTOCOL_FEATURES, 0, protocol & KITE_PROTOCOL);
		if (protocol & BIT(VHOST_USER_PROTOCOL_F_MQ))
			expect(&m, VHOST_USER_GET_QUEUE_NUM, 0, 0);
	}
	expect_quiet();
}

START_TEST(open_negotiates_like_virtiofsd)
{
	open_session(VIRTIOFSD_FEATURES, VIRTIOFSD_PROTOCOL, 2);
	ck_assert_uint_eq(vu.features, VIRTIOFSD_FEATURES);
	ck_assert_uint_eq(vu.protocol_features, KITE_PROTOCOL);
	ck_assert_uint_eq(vu.nr_queues, 2);

	/* SET_FEATURES keeps PROTOCOL_FEATURES on, and is acked (REPLY_ACK). */
	reply_u64(VHOST_USER_SET_FEATURES, 0);
	ck_assert_int_eq(vhost_user_set_features(&vu, BIT(32)), 0);
	expect_u64(VHOST_USER_SET_FEATURES, VHOST_USER_FLAG_NEED_REPLY, BIT(32) | F_PROTO);
	expect_quiet();
}
END_TEST

/* A back-end without protocol features: none asked for, no acks, no ENABLE. */
START_TEST(open_without_protocol_features)
{
	struct vhost_user_vring v = { .size = 8, .kick_fd = -1, .call_fd = -1 };
	struct sent m;

	open_session(BIT(32), 0, 0);
	ck_assert_uint_eq(vu.protocol_features, 0);
	ck_assert_uint_eq(vu.nr_queues, 0);

	ck_assert_int_eq(vhost_user_set_features(&vu, BIT(32)), 0);
	expect_u64(VHOST_USER_SET_FEATURES, 0, BIT(32));
	ck_assert_int_eq(vhost_user_start_vring(&vu, 0, &v), 0);
	expect_state(VHOST_USER_SET_VRING_NUM, 0, 0, 8);
	expect(&m, VHOST_USER_SET_VRING_ADDR, 0, 40);
	expect_state(VHOST_USER_SET_VRING_BASE, 0, 0, 0);
	expect_u64(VHOST_USER_SET_VRING_CALL, 0, VHOST_USER_VRING_NOFD);
	expect_u64(VHOST_USER_SET_VRING_KICK, 0, VHOST_USER_VRING_NOFD);
	expect_quiet();
}
END_TEST

/* MQ offered alone: no REPLY_ACK, so nothing waits for acks. */
START_TEST(protocol_features_are_masked)
{
	open_session(F_PROTO | BIT(32), BIT(VHOST_USER_PROTOCOL_F_MQ) | BIT(5) | BIT(9), 3);
	ck_assert_uint_eq(vu.protocol_features, BIT(VHOST_USER_PROTOCOL_F_MQ));
	ck_assert_int_eq(vhost_user_set_features(&vu, BIT(32)), 0);
	expect_u64(VHOST_USER_SET_FEATURES, 0, BIT(32) | F_PROTO);
	expect_quiet();
}
END_TEST

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	ck_assert_int_eq(fstat(a, &sa), 0);
	ck_assert_int_eq(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

START_TEST(mem_table_passes_regions_and_fds)
{
	int lo = memfd_create("lo", MFD_CLOEXEC), hi = memfd_create("hi", MFD_CLOEXEC);
	struct vhost_user_region r[2] = {
		{ .gpa = 0, .size = 3ULL << 30, .uaddr = 0x7f0000000000, .mmap_offset = 0, .fd = lo },
		{ .gpa = 4ULL << 30, .size = 1ULL << 30, .uaddr = 0x7f00c0000000,
		  .mmap_offset = 3ULL << 30, .fd = hi },
	};
	u64 f[8];
	u32 nr;
	struct sent m;

	ck_assert_int_ge(lo, 0);
	ck_assert_int_ge(hi, 0);
	open_session(VIRTIOFSD_FEATURES, VIRTIOFSD_PROTOCOL, 2);
	reply_u64(VHOST_USER_SET_MEM_TABLE, 0);
	ck_assert_int_eq(vhost_user_set_mem_table(&vu, r, 2), 0);
	expect(&m, VHOST_USER_SET_MEM_TABLE, VHOST_USER_FLAG_NEED_REPLY, 8 + 2 * 32);
	memcpy(&nr, m.payload, sizeof(nr));
	ck_assert_uint_eq(nr, 2);
	memcpy(f, m.payload + 8, sizeof(f));
	ck_assert_uint_eq(f[0], 0);
	ck_assert_uint_eq(f[1], 3ULL << 30);
	ck_assert_uint_eq(f[2], 0x7f0000000000);
	ck_assert_uint_eq(f[4], 4ULL << 30);
	ck_assert_uint_eq(f[5], 1ULL << 30);
	ck_assert_uint_eq(f[6], 0x7f00c0000000);
	ck_assert_uint_eq(f[7], 3ULL << 30);
	ck_assert_uint_eq(m.nr_fds, 2);
	ck_assert(same_file(m.fds[0], lo));
	ck_assert(same_file(m.fds[1], hi));
	sent_free(&m);
	expect_quiet();

	/* No regions, or more than a message carries: refused before sending. */
	ck_assert_int_eq(vhost_user_set_mem_table(&vu, r, 0), -EINVAL);
	ck_assert_int_eq(vhost_user_set_mem_table(&vu, r, VHOST_USER_MAX_REGIONS + 1), -EINVAL);
	expect_quiet();
	ck_assert(!vu.failed);
	close(lo);
	close(hi);
}
END_TEST

START_TEST(vring_start_and_stop)
{
	struct vhost_user_vring v = {
		.size = 128, .base = 5, .desc_uaddr = 0x1000, .avail_uaddr = 0x2000,
		.used_uaddr = 0x3000,
		.kick_fd = eventfd(0, EFD_CLOEXEC), .call_fd = eventfd(0, EFD_CLOEXEC),
	};
	static const u32 start_order[] = {
		VHOST_USER_SET_VRING_NUM, VHOST_USER_SET_VRING_ADDR, VHOST_USER_SET_VRING_BASE,
		VHOST_USER_SET_VRING_CALL, VHOST_USER_SET_VRING_KICK, VHOST_USER_SET_VRING_ENABLE,
	};
	const u32 ack = VHOST_USER_FLAG_NEED_REPLY;
	u32 base_reply[2] = { 1, 77 };
	u64 a[5];
	u16 base = 0;
	struct sent m;

	open_session(VIRTIOFSD_FEATURES, VIRTIOFSD_PROTOCOL, 2);
	for (unsigned i = 0; i < sizeof(start_order) / sizeof(start_order[0]); i++)
		reply_u64(start_order[i], 0);	/* the acks */
	ck_assert_int_eq(vhost_user_start_vring(&vu, 1, &v), 0);

	expect_state(VHOST_USER_SET_VRING_NUM, ack, 1, 128);
	expect(&m, VHOST_USER_SET_VRING_ADDR, ack, 40);
	memcpy(a, m.payload, sizeof(a));
	ck_assert_uint_eq(a[0], 1);		/* index 1, flags 0 */
	ck_assert_uint_eq(a[1], 0x1000);	/* desc */
	ck_assert_uint_eq(a[2], 0x3000);	/* used */
	ck_assert_uint_eq(a[3], 0x2000);	/* avail */
	ck_assert_uint_eq(a[4], 0);		/* no log */
	expect_state(VHOST_USER_SET_VRING_BASE, ack, 1, 5);
	expect(&m, VHOST_USER_SET_VRING_CALL, ack, 8);
	ck_assert_uint_eq(payload_u64(&m), 1);
	ck_assert_uint_eq(m.nr_fds, 1);
	ck_assert(same_file(m.fds[0], v.call_fd));
	sent_free(&m);
	expect(&m, VHOST_USER_SET_VRING_KICK, ack, 8);
	ck_assert_uint_eq(payload_u64(&m), 1);
	ck_assert_uint_eq(m.nr_fds, 1);
	ck_assert(same_file(m.fds[0], v.kick_fd));
	sent_free(&m);
	expect_state(VHOST_USER_SET_VRING_ENABLE, ack, 1, 1);
	expect_quiet();

	/* Reset: disable, then GET_VRING_BASE (its own reply, no ack asked). */
	reply_u64(VHOST_USER_SET_VRING_ENABLE, 0);
	reply(VHOST_USER_GET_VRING_BASE, base_reply, sizeof(base_reply));
	ck_assert_int_eq(vhost_user_stop_vring(&vu, 1, &base), 0);
	ck_assert_uint_eq(base, 77);
	expect_state(VHOST_USER_SET_VRING_ENABLE, ack, 1, 0);
	expect_state(VHOST_USER_GET_VRING_BASE, 0, 1, 0);
	expect_quiet();

	/* A ring the back-end does not have: refused, nothing sent. */
	ck_assert_int_eq(vhost_user_start_vring(&vu, 2, &v), -EINVAL);
	ck_assert_int_eq(vhost_user_stop_vring(&vu, 2, NULL), -EINVAL);
	expect_quiet();
	close(v.kick_fd);
	close(v.call_fd);
}
END_TEST

/* After a failure nothing more is sent and every call is -EIO at once. */
static void assert_failed(void)
{
	ck_assert(vu.failed);
	ck_assert_int_eq(vhost_user_set_features(&vu, BIT(32)), -EIO);
	ck_assert_int_eq(vhost_user_stop_vring(&vu, 0, NULL), -EIO);
}

START_TEST(nack_fails_the_connection)
{
	open_session(VIRTIOFSD_FEATURES, VIRTIOFSD_PROTOCOL, 2);
	reply_u64(VHOST_USER_SET_FEATURES, 1);
	ck_assert_int_eq(vhost_user_set_features(&vu, BIT(32)), -EIO);
	expect_u64(VHOST_USER_SET_FEATURES, VHOST_USER_FLAG_NEED_REPLY, BIT(32) | F_PROTO);
	assert_failed();
	expect_quiet();
}
END_TEST

/*
 * Malformed replies to GET_FEATURES (the first question asked), one kind
 * per loop iteration: each must fail open() with -EIO.
 */
enum bad_reply {
	BAD_REQUEST, BAD_NO_REPLY_FLAG, BAD_VERSION, BAD_SIZE_SMALL, BAD_SIZE_HUGE,
	BAD_SHORT_THEN_EOF, BAD_WITH_FD, BAD_SILENT, BAD_DISCONNECT, NR_BAD
};

START_TEST(malformed_replies_fail_cleanly)
{
	u64 val = VIRTIOFSD_FEATURES;
	const u32 ok = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
	int efd = eventfd(0, EFD_CLOEXEC);
	u64 t0;

	ck_assert_int_ge(efd, 0);
	switch (_i) {
	case BAD_REQUEST:
		peer_send(VHOST_USER_GET_PROTOCOL_FEATURES, ok, 8, &val, 8, -1);
		break;
	case BAD_NO_REPLY_FLAG:
		peer_send(VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 8, &val, 8, -1);
		break;
	case BAD_VERSION:
		peer_send(VHOST_USER_GET_FEATURES, 2 | VHOST_USER_FLAG_REPLY, 8, &val, 8, -1);
		break;
	case BAD_SIZE_SMALL:
		peer_send(VHOST_USER_GET_FEATURES, ok, 4, &val, 4, -1);
		break;
	case BAD_SIZE_HUGE:	/* a size that would overrun any buffer */
		peer_send(VHOST_USER_GET_FEATURES, ok, 0xffffffff, &val, 8, -1);
		break;
	case BAD_SHORT_THEN_EOF:
		peer_send(VHOST_USER_GET_FEATURES, ok, 8, &val, 3, -1);
		shutdown(peer, SHUT_WR);
		break;
	case BAD_WITH_FD:
		peer_send(VHOST_USER_GET_FEATURES, ok, 8, &val, 8, efd);
		break;
	case BAD_SILENT:
		break;
	case BAD_DISCONNECT:
		shutdown(peer, SHUT_WR);
		break;
	}
	t0 = now_ns();
	ck_assert_int_eq(vhost_user_open(&vu, sock_fd, "test-vu", 100), -EIO);
	ck_assert_uint_lt(now_ns() - t0, 5000000000ULL);	/* bounded, not hung */
	assert_failed();

	/* The fd the back-end slipped in was closed: only efd holds the eventfd. */
	if (_i == BAD_WITH_FD) {
		char path[64], link[64];
		int open_refs = 0;

		for (int fd = 0; fd < 1024; fd++) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			ssize_t n = readlink(path, link, sizeof(link) - 1);

			if (n > 0 && fd != efd) {
				link[n] = '\0';
				if (strstr(link, "eventfd"))
					open_refs++;
			}
		}
		ck_assert_int_eq(open_refs, 0);
	}
	close(efd);
}
END_TEST

START_TEST(bad_queue_num_and_vring_base)
{
	u32 wrong_ring[2] = { 0, 5 }, huge_base[2] = { 1, 0x10000 };

	/* GET_QUEUE_NUM of 0 is no device. */
	reply_u64(VHOST_USER_GET_FEATURES, VIRTIOFSD_FEATURES);
	reply_u64(VHOST_USER_GET_PROTOCOL_FEATURES, VIRTIOFSD_PROTOCOL);
	reply_u64(VHOST_USER_GET_QUEUE_NUM, 0);
	ck_assert_int_eq(vhost_user_open(&vu, sock_fd, "test-vu", 100), -EIO);
	teardown();

	/* GET_VRING_BASE answering for another ring, or a base beyond 16 bits. */
	for (int k = 0; k < 2; k++) {
		setup();
		open_session(VIRTIOFSD_FEATURES, VIRTIOFSD_PROTOCOL, 2);
		reply_u64(VHOST_USER_SET_VRING_ENABLE, 0);
		reply(VHOST_USER_GET_VRING_BASE, k ? huge_base : wrong_ring, 8);
		ck_assert_int_eq(vhost_user_stop_vring(&vu, 1, NULL), -EIO);
		assert_failed();
		teardown();
	}
}
END_TEST

/* A back-end that went away: EPIPE, not SIGPIPE, and -EIO. */
START_TEST(send_to_a_closed_peer)
{
	open_session(BIT(32), 0, 0);
	close(peer);
	peer = -1;
	ck_assert_int_eq(vhost_user_set_features(&vu, BIT(32)), -EIO);
	ck_assert(vu.failed);
}
END_TEST

static Suite *vhost_user_suite(void)
{
	Suite *s = suite_create("vhost-user");
	TCase *tc = tcase_create("vhost-user");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, open_negotiates_like_virtiofsd);
	tcase_add_test(tc, open_without_protocol_features);
	tcase_add_test(tc, protocol_features_are_masked);
	tcase_add_test(tc, mem_table_passes_regions_and_fds);
	tcase_add_test(tc, vring_start_and_stop);
	tcase_add_test(tc, nack_fails_the_connection);
	tcase_add_loop_test(tc, malformed_replies_fail_cleanly, 0, NR_BAD);
	tcase_add_test(tc, bad_queue_num_and_vring_base);
	tcase_add_test(tc, send_to_a_closed_peer);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(vhost_user_suite)
