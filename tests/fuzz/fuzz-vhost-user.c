// SPDX-License-Identifier: GPL-2.0
/*
 * What a vhost-user back-end (virtiofsd) sends back, against the real
 * front-end (virtio/vhost-user.c): a whole session as a device runs it
 * (open with the protocol features, SET_FEATURES, SET_MEM_TABLE, start
 * and stop two rings), on a socketpair whose other end holds the input
 * as the back-end's replies, then hangs up. The input is chunks, each
 * sent with one sendmsg: a flags byte (bits 0-1: how many fds ride
 * along, 0..3), a length (u8) and that many bytes.
 *
 * Checked: nothing crashes or hangs; after the first failure the
 * connection answers -EIO at once and sends nothing more; the queue
 * count is one GET_QUEUE_NUM may give; every fd the back-end passed is
 * closed (the lowest free fd number is the same after a run as before).
 */
#include <fcntl.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "vhost-user.h"
#include "fuzz.h"

#define RAM_SIZE	(64 * 1024)

static int lowest_free_fd(void)
{
	int fd = dup(0);

	FUZZ_CHECK(fd >= 0);
	close(fd);
	return fd;
}

/* The back-end's side: every chunk of the input, fds attached as it says. */
static void play_backend(int sock, struct fin *in, int passfd)
{
	while (!fin_empty(in)) {
		u8 flags = fin_u8(in), want = fin_u8(in);
		size_t len = MIN((size_t)want, in->n);
		int fds[3] = { passfd, passfd, passfd };
		unsigned nr = flags & 3;
		char cbuf[CMSG_SPACE(sizeof(fds))] = { 0 };
		u8 zero = 0;
		struct iovec iov = { len ? (void *)in->p : &zero, len ? len : 1 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

		if (nr) {
			struct cmsghdr *c;

			msg.msg_control = cbuf;
			msg.msg_controllen = CMSG_SPACE(sizeof(int) * nr);
			c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * nr);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * nr);
		}
		/*
		 * fds need a byte to ride on: an empty chunk with fds sends one
		 * 0. A full socket (many small chunks) or too many fds in
		 * flight ends what the back-end says: the rest is never sent.
		 */
		if ((len || nr) && sendmsg(sock, &msg, MSG_DONTWAIT) != (ssize_t)iov.iov_len)
			break;
		in->p += len;
		in->n -= len;
	}
	shutdown(sock, SHUT_WR);	/* then EOF: no call waits for its timeout */
}

/* Once failed, every call is -EIO at once and nothing reaches the socket. */
static void check_failed_is_final(struct vhost_user *vu, int peer)
{
	int queued = -1, after = -1;

	FUZZ_CHECK(ioctl(peer, FIONREAD, &queued) == 0);
	FUZZ_CHECK(vhost_user_set_features(vu, 1) == -EIO);
	FUZZ_CHECK(vhost_user_stop_vring(vu, 0, NULL) == -EIO);
	FUZZ_CHECK(ioctl(peer, FIONREAD, &after) == 0 && after == queued);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static int mem_fd = -1, kick_fd, call_fd;
	struct fin in = { data, size };
	struct vhost_user vu;
	struct vhost_user_region r;
	struct vhost_user_vring v;
	int sv[2], free_fd;
	u16 base;
	int ret;

	if (mem_fd < 0) {
		mem_fd = memfd_create("fuzz-ram", MFD_CLOEXEC);
		FUZZ_CHECK(mem_fd >= 0 && ftruncate(mem_fd, RAM_SIZE) == 0);
		kick_fd = eventfd(0, EFD_CLOEXEC);
		call_fd = eventfd(0, EFD_CLOEXEC);
		FUZZ_CHECK(kick_fd >= 0 && call_fd >= 0);
	}
	free_fd = lowest_free_fd();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	play_backend(sv[1], &in, kick_fd);

	r = (struct vhost_user_region){ .gpa = 0, .size = RAM_SIZE, .uaddr = 0x7f0000000000ULL,
					.mmap_offset = 0, .fd = mem_fd };
	v = (struct vhost_user_vring){ .size = 128, .base = 0, .desc_uaddr = r.uaddr,
				       .avail_uaddr = r.uaddr + 0x800, .used_uaddr = r.uaddr + 0x1000,
				       .kick_fd = kick_fd, .call_fd = call_fd };
	ret = vhost_user_open(&vu, sv[0], "fuzz-fs", 50);
	if (!ret)
		FUZZ_CHECK(vu.nr_queues <= VHOST_USER_VRING_IDX_MASK + 1);
	if (!ret)
		ret = vhost_user_set_features(&vu, 1ULL << 32);	/* VERSION_1 */
	if (!ret)
		ret = vhost_user_set_mem_table(&vu, &r, 1);
	for (unsigned q = 0; q < 2 && !ret; q++) {
		ret = vhost_user_start_vring(&vu, q, &v);
		if (ret == -EINVAL)	/* beyond the back-end's queue count: not sent */
			FUZZ_CHECK(!vu.failed && vu.nr_queues && q >= vu.nr_queues);
		if (!ret)
			ret = vhost_user_stop_vring(&vu, q, &base);
	}
	if (vu.failed)
		check_failed_is_final(&vu, sv[1]);
	vhost_user_close(&vu);
	close(sv[1]);
	FUZZ_CHECK(lowest_free_fd() == free_fd);
	return 0;
}
