// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user front-end: the message codec and the session a device runs
 * over it (include/vhost-user.h). Blocking is bounded everywhere: the
 * socket is non-blocking and every transfer polls against a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vhost-user.h"

#define MS	1000000ULL
#define VU_BIT(b)	(1ULL << (b))

/* Payload layouts (all little-endian, as the host). */
struct vu_vring_state {
	u32 index;
	u32 num;
};

struct vu_vring_addr {
	u32 index;
	u32 flags;
	u64 desc, used, avail, log;
};

struct vu_mem_region {
	u64 gpa, size, uaddr, mmap_offset;
};

struct vu_mem_table {
	u32 nr;
	u32 padding;
	struct vu_mem_region r[VHOST_USER_MAX_REGIONS];
};

_Static_assert(sizeof(struct vhost_user_hdr) == 12, "vhost-user header");
_Static_assert(sizeof(struct vu_vring_addr) == 40, "vring addr payload");
_Static_assert(sizeof(struct vu_mem_table) == VHOST_USER_MAX_PAYLOAD, "mem table payload");

/* The first failure on a connection: one warning, then -EIO for good. */
static int vu_fail(struct vhost_user *vu, int err, const char *fmt, ...) __printf(3, 4);
static int vu_fail(struct vhost_user *vu, int err, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	if (!vu->failed) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		pr_warn("%s: vhost-user back-end: %s; the device stops", vu->name, why);
		vu->failed = true;
	}
	return err;
}

void vhost_user_fail(struct vhost_user *vu, const char *why)
{
	vu_fail(vu, -EIO, "%s", why);
}

/* Wait for events on the socket until the deadline: 0, -ETIMEDOUT or -errno. */
static int vu_wait(struct vhost_user *vu, short events, u64 deadline)
{
	struct pollfd p = { .fd = vu->sock, .events = events };

	for (;;) {
		u64 now = now_ns();
		int ret;

		if (now >= deadline)
			return -ETIMEDOUT;
		ret = poll(&p, 1, (int)((deadline - now + MS - 1) / MS));
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (ret > 0)
			return 0;
	}
}

int vhost_user_send(struct vhost_user *vu, u32 request, u32 flags, const void *payload,
		    u32 size, const int *fds, unsigned nr_fds)
{
	struct vhost_user_hdr hdr = { .request = request, .flags = VHOST_USER_VERSION | flags,
				      .size = size };
	char cbuf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_REGIONS)] = { 0 };
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)payload, size } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	u64 deadline = now_ns() + vu->timeout_ms * MS;
	size_t left = sizeof(hdr) + size;

	if (vu->failed)
		return -EIO;
	if (size > VHOST_USER_MAX_PAYLOAD || nr_fds > VHOST_USER_MAX_REGIONS)
		return -EINVAL;
	if (nr_fds) {
		struct cmsghdr *c;

		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nr_fds);
	}
	while (left) {
		ssize_t n = sendmsg(vu->sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return vu_fail(vu, -EIO, "sending request %u: %s", request,
					       strerror(errno));
			ret = vu_wait(vu, POLLOUT, deadline);
			if (ret)
				return vu_fail(vu, -EIO, "sending request %u: %s", request,
					       strerror(-ret));
			continue;
		}
		/* The fds went with the first byte; advance past what was sent. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		left -= n;
		while (n > 0 && msg.msg_iovlen) {
			size_t k = (size_t)n < msg.msg_iov->iov_len ? (size_t)n : msg.msg_iov->iov_len;

			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + k;
			msg.msg_iov->iov_len -= k;
			n -= k;
			if (!msg.msg_iov->iov_len) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* Close every fd an untrusted peer attached: replies kite reads carry none. */
static unsigned close_passed_fds(struct msghdr *msg)
{
	unsigned nr = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t off = 0; CMSG_LEN(off + sizeof(int)) <= c->cmsg_len; off += sizeof(int)) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + off, sizeof(fd));
			close(fd);
			nr++;
		}
	}
	return nr;
}

/* Read exactly len bytes before the deadline: 0, -ETIMEDOUT, -ECONNRESET (EOF), -errno. */
static int vu_read(struct vhost_user *vu, void *buf, size_t len, u64 deadline, unsigned *nr_fds)
{
	while (len) {
		char cbuf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_REGIONS)];
		struct iovec iov = { buf, len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				      .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(vu->sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			ret = vu_wait(vu, POLLIN, deadline);
			if (ret)
				return ret;
			continue;
		}
		*nr_fds += close_passed_fds(&msg);
		if (msg.msg_flags & MSG_CTRUNC)
			(*nr_fds)++;
		if (n == 0)
			return -ECONNRESET;
		buf = (char *)buf + n;
		len -= n;
	}
	return 0;
}

int vhost_user_recv_reply(struct vhost_user *vu, u32 request, void *buf, u32 size)
{
	u64 deadline = now_ns() + vu->timeout_ms * MS;
	struct vhost_user_hdr hdr;
	unsigned nr_fds = 0;
	int ret;

	if (vu->failed)
		return -EIO;
	ret = vu_read(vu, &hdr, sizeof(hdr), deadline, &nr_fds);
	if (ret == -ECONNRESET)
		return vu_fail(vu, -EIO, "disconnected (awaiting the reply to request %u)", request);
	if (ret == -ETIMEDOUT)
		return vu_fail(vu, -EIO, "no reply to request %u in %u ms", request, vu->timeout_ms);
	if (ret)
		return vu_fail(vu, -EIO, "reading the reply to request %u: %s", request,
			       strerror(-ret));
	if ((hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
	    !(hdr.flags & VHOST_USER_FLAG_REPLY))
		return vu_fail(vu, -EIO, "reply to request %u has flags %#x (not a version 1 reply)",
			       request, hdr.flags);
	if (hdr.request != request)
		return vu_fail(vu, -EIO, "reply to request %u names request %u", request,
			       hdr.request);
	/* Exactly the size expected: the framing is lost otherwise, so stop. */
	if (hdr.size != size)
		return vu_fail(vu, -EIO, "reply to request %u has %u payload bytes, not %u",
			       request, hdr.size, size);
	ret = vu_read(vu, buf, size, deadline, &nr_fds);
	if (ret)
		return vu_fail(vu, -EIO, "reply to request %u cut short: %s", request,
			       ret == -ECONNRESET ? "disconnected" : strerror(-ret));
	if (nr_fds)
		return vu_fail(vu, -EIO, "reply to request %u carried %u fds", request, nr_fds);
	return 0;
}

/* A request without a reply of its own: with REPLY_ACK, wait for the ack. */
static int vu_request(struct vhost_user *vu, u32 request, const void *payload, u32 size,
		      const int *fds, unsigned nr_fds)
{
	bool ack = vu->protocol_features & VU_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK);
	u64 status;
	int ret;

	ret = vhost_user_send(vu, request, ack ? VHOST_USER_FLAG_NEED_REPLY : 0, payload, size,
			      fds, nr_fds);
	if (ret || !ack)
		return ret;
	ret = vhost_user_recv_reply(vu, request, &status, sizeof(status));
	if (ret)
		return ret;
	if (status)
		return vu_fail(vu, -EIO, "request %u refused (status %llu)", request,
			       (unsigned long long)status);
	return 0;
}

/* A request answered with one u64 (GET_FEATURES and friends). */
static int vu_get_u64(struct vhost_user *vu, u32 request, u64 *val)
{
	int ret = vhost_user_send(vu, request, 0, NULL, 0, NULL, 0);

	return ret ? ret : vhost_user_recv_reply(vu, request, val, sizeof(*val));
}

static int vu_set_u64(struct vhost_user *vu, u32 request, u64 val)
{
	return vu_request(vu, request, &val, sizeof(val), NULL, 0);
}

static int vu_set_state(struct vhost_user *vu, u32 request, unsigned idx, u32 num)
{
	struct vu_vring_state s = { .index = idx, .num = num };

	return vu_request(vu, request, &s, sizeof(s), NULL, 0);
}

/* What kite can use of the protocol features. */
#define VU_KITE_PROTOCOL_FEATURES \
	(VU_BIT(VHOST_USER_PROTOCOL_F_MQ) | VU_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK))

static bool vu_has_protocol(const struct vhost_user *vu)
{
	return vu->features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
}

int vhost_user_open(struct vhost_user *vu, int sock, const char *name, unsigned timeout_ms)
{
	int fl, ret;

	*vu = (struct vhost_user){ .sock = sock, .name = name, .timeout_ms = timeout_ms };
	fl = fcntl(sock, F_GETFL);
	if (fl < 0 || fcntl(sock, F_SETFL, fl | O_NONBLOCK) < 0)
		return vu_fail(vu, -errno, "socket: %s", strerror(errno));
	/* SET_OWNER comes before the protocol features: never acked. */
	ret = vhost_user_send(vu, VHOST_USER_SET_OWNER, 0, NULL, 0, NULL, 0);
	if (!ret)
		ret = vu_get_u64(vu, VHOST_USER_GET_FEATURES, &vu->features);
	if (ret || !vu_has_protocol(vu))
		return ret;
	{
		u64 offered;

		ret = vu_get_u64(vu, VHOST_USER_GET_PROTOCOL_FEATURES, &offered);
		if (ret)
			return ret;
		u64 want = offered & VU_KITE_PROTOCOL_FEATURES;

		/* Not acked even with REPLY_ACK (it is not in force until this lands). */
		ret = vhost_user_send(vu, VHOST_USER_SET_PROTOCOL_FEATURES, 0, &want, sizeof(want),
				      NULL, 0);
		if (ret)
			return ret;
		vu->protocol_features = want;
	}
	if (vu->protocol_features & VU_BIT(VHOST_USER_PROTOCOL_F_MQ)) {
		u64 n;

		ret = vu_get_u64(vu, VHOST_USER_GET_QUEUE_NUM, &n);
		if (ret)
			return ret;
		if (n == 0 || n > VHOST_USER_VRING_IDX_MASK + 1)
			return vu_fail(vu, -EIO, "GET_QUEUE_NUM answered %llu", (unsigned long long)n);
		vu->nr_queues = n;
	}
	return 0;
}

int vhost_user_set_features(struct vhost_user *vu, u64 features)
{
	if (vu_has_protocol(vu))
		features |= VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES);
	return vu_set_u64(vu, VHOST_USER_SET_FEATURES, features);
}

int vhost_user_set_mem_table(struct vhost_user *vu, const struct vhost_user_region *r,
			     unsigned nr)
{
	struct vu_mem_table t = { .nr = nr };
	int fds[VHOST_USER_MAX_REGIONS];

	if (nr == 0 || nr > VHOST_USER_MAX_REGIONS)
		return -EINVAL;
	for (unsigned i = 0; i < nr; i++) {
		t.r[i] = (struct vu_mem_region){ .gpa = r[i].gpa, .size = r[i].size,
						 .uaddr = r[i].uaddr,
						 .mmap_offset = r[i].mmap_offset };
		fds[i] = r[i].fd;
	}
	return vu_request(vu, VHOST_USER_SET_MEM_TABLE, &t,
			  offsetof(struct vu_mem_table, r) + nr * sizeof(t.r[0]), fds, nr);
}

/* SET_VRING_KICK/CALL: the fd, or the NOFD flag when fd < 0 (polling). */
static int vu_set_vring_fd(struct vhost_user *vu, u32 request, unsigned idx, int fd)
{
	u64 val = idx | (fd < 0 ? VHOST_USER_VRING_NOFD : 0);

	return vu_request(vu, request, &val, sizeof(val), &fd, fd < 0 ? 0 : 1);
}

static int vu_check_idx(struct vhost_user *vu, unsigned idx)
{
	if (idx > VHOST_USER_VRING_IDX_MASK || (vu->nr_queues && idx >= vu->nr_queues))
		return -EINVAL;
	return 0;
}

int vhost_user_start_vring(struct vhost_user *vu, unsigned idx, const struct vhost_user_vring *v)
{
	struct vu_vring_addr a = { .index = idx, .desc = v->desc_uaddr, .used = v->used_uaddr,
				   .avail = v->avail_uaddr };
	int ret = vu_check_idx(vu, idx);

	if (!ret)
		ret = vu_set_state(vu, VHOST_USER_SET_VRING_NUM, idx, v->size);
	if (!ret)
		ret = vu_request(vu, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	if (!ret)
		ret = vu_set_state(vu, VHOST_USER_SET_VRING_BASE, idx, v->base);
	if (!ret)
		ret = vu_set_vring_fd(vu, VHOST_USER_SET_VRING_CALL, idx, v->call_fd);
	if (!ret)
		ret = vu_set_vring_fd(vu, VHOST_USER_SET_VRING_KICK, idx, v->kick_fd);
	if (!ret && vu_has_protocol(vu))
		ret = vu_set_state(vu, VHOST_USER_SET_VRING_ENABLE, idx, 1);
	return ret;
}

int vhost_user_stop_vring(struct vhost_user *vu, unsigned idx, u16 *base)
{
	struct vu_vring_state s = { .index = idx };
	int ret = vu_check_idx(vu, idx);

	if (!ret && vu_has_protocol(vu))
		ret = vu_set_state(vu, VHOST_USER_SET_VRING_ENABLE, idx, 0);
	/* GET_VRING_BASE has a reply of its own: never NEED_REPLY. */
	if (!ret)
		ret = vhost_user_send(vu, VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0);
	if (!ret)
		ret = vhost_user_recv_reply(vu, VHOST_USER_GET_VRING_BASE, &s, sizeof(s));
	if (ret)
		return ret;
	if (s.index != idx || s.num > 0xffff)
		return vu_fail(vu, -EIO, "GET_VRING_BASE %u answered ring %u, base %u", idx,
			       s.index, s.num);
	if (base)
		*base = s.num;
	return 0;
}

void vhost_user_close(struct vhost_user *vu)
{
	if (vu->sock >= 0)
		close(vu->sock);
	vu->sock = -1;
}
