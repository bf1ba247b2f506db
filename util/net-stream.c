// SPDX-License-Identifier: GPL-2.0
/*
 * A network backend on a stream socket with passt's framing (the one
 * QEMU's -netdev stream speaks): each Ethernet frame is sent as its
 * length, 4 bytes big-endian, then the frame. A stream has no message
 * boundaries, so both directions keep a partial frame across calls:
 * RX assembles the length and then the frame in its own buffer, TX keeps
 * what the socket did not take and sends no new frame until it is out.
 *
 * The peer is untrusted: a length of 0 or above NET_MAX_FRAME cannot be
 * resynchronised on a stream, so it is treated as the peer going bad
 * (-EPIPE: the device takes the link down).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iov.h"
#include "net.h"

struct net_stream {
	struct net_backend be;
	/* RX: header bytes, then frame bytes, of the frame being read. */
	u8 rx_hdr[4];
	unsigned rx_hdr_got;
	u32 rx_len;
	u32 rx_got;
	u8 rx_buf[NET_MAX_FRAME];
	/* TX: the unwritten rest of the last frame (length prefix included). */
	u8 tx_buf[4 + NET_MAX_FRAME];
	u32 tx_len, tx_done;
};

#define to_stream(b)	((struct net_stream *)(b))

/* read() that maps "nothing now" to 0 and end of stream to -EPIPE. */
static ssize_t stream_read(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n > 0)
			return n;
		if (!n)
			return -EPIPE;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		return -EPIPE;		/* ECONNRESET and the like: the peer is gone */
	}
}

static ssize_t stream_recv(struct net_backend *b, const u8 **frame)
{
	struct net_stream *s = to_stream(b);
	ssize_t n;

	while (s->rx_hdr_got < sizeof(s->rx_hdr)) {
		n = stream_read(b->fd, s->rx_hdr + s->rx_hdr_got, sizeof(s->rx_hdr) - s->rx_hdr_got);
		if (n <= 0)
			return n;
		s->rx_hdr_got += n;
		if (s->rx_hdr_got < sizeof(s->rx_hdr))
			continue;
		s->rx_len = (u32)s->rx_hdr[0] << 24 | (u32)s->rx_hdr[1] << 16 |
			    (u32)s->rx_hdr[2] << 8 | s->rx_hdr[3];
		s->rx_got = 0;
		if (!s->rx_len || s->rx_len > NET_MAX_FRAME) {
			pr_warn("%s: frame length %u from the peer: dropping the connection",
				b->name, s->rx_len);
			return -EPIPE;
		}
	}
	while (s->rx_got < s->rx_len) {
		n = stream_read(b->fd, s->rx_buf + s->rx_got, s->rx_len - s->rx_got);
		if (n <= 0)
			return n;
		s->rx_got += n;
	}
	s->rx_hdr_got = 0;		/* the next call starts a new frame */
	*frame = s->rx_buf;
	return s->rx_len;
}

static int stream_flush(struct net_backend *b)
{
	struct net_stream *s = to_stream(b);

	while (s->tx_done < s->tx_len) {
		ssize_t n = send(b->fd, s->tx_buf + s->tx_done, s->tx_len - s->tx_done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -EPIPE;
		s->tx_done += n;
	}
	s->tx_len = s->tx_done = 0;
	return 1;
}

static int stream_send(struct net_backend *b, const struct iovec *iov, unsigned cnt)
{
	struct net_stream *s = to_stream(b);
	size_t len = iov_size(iov, cnt);
	u8 hdr[4] = { len >> 24, len >> 16, len >> 8, len };
	struct iovec v[1 + 64];
	ssize_t n;
	int ret;

	if (!len || len > NET_MAX_FRAME || cnt > 64)
		return -EINVAL;
	ret = stream_flush(b);
	if (ret <= 0)
		return ret;
	v[0] = (struct iovec){ hdr, sizeof(hdr) };
	memcpy(v + 1, iov, cnt * sizeof(*iov));
	do
		n = sendmsg(b->fd, &(struct msghdr){ .msg_iov = v, .msg_iovlen = cnt + 1 },
			    MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0)
		return -EPIPE;
	if ((size_t)n == len + 4)
		return 1;
	/* Part went: keep the rest, so the stream stays framed. */
	memcpy(s->tx_buf, hdr, 4);
	iov_to_buf(iov, cnt, 0, s->tx_buf + 4, len);
	s->tx_len = len + 4;
	s->tx_done = n;
	return 1;
}

static bool stream_tx_blocked(struct net_backend *b)
{
	return to_stream(b)->tx_len != 0;
}

static void stream_destroy(struct net_backend *b)
{
	close(b->fd);		/* a one-off passt exits on this */
	if (b->helper.pid)
		child_stop(&b->helper, 2000);
	free(b);
}

static const struct net_backend_ops stream_ops = {
	.recv		= stream_recv,
	.send		= stream_send,
	.tx_blocked	= stream_tx_blocked,
	.flush		= stream_flush,
	.destroy	= stream_destroy,
};

struct net_backend *net_stream_create(int fd, const char *name)
{
	struct net_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->be = (struct net_backend){ .ops = &stream_ops, .name = name, .fd = fd };
	return &s->be;
}
