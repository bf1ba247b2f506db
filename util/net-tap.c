// SPDX-License-Identifier: GPL-2.0
/*
 * The tap backend: /dev/net/tun with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR
 * and a 12-byte header (virtio_net_hdr_v1), so frames go both ways with
 * the guest's own header: checksum and segmentation offloads pass
 * through untouched. TUNSETOFFLOAD says what the tap may hand the guest
 * (partial checksums, TSO segments): what the guest negotiated.
 * TUNSETIFF attaches to an existing tap the user may use, or creates
 * one with CAP_NET_ADMIN. A tap write is one frame, never partial.
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "net.h"

struct net_tap {
	struct net_backend be;
	char ifname[IFNAMSIZ];
	u8 rx_buf[NET_VNET_HDR_LEN + NET_MAX_FRAME];
};

static ssize_t tap_recv(struct net_backend *b, const u8 **frame)
{
	struct net_tap *t = (struct net_tap *)b;

	for (;;) {
		ssize_t n = read(b->fd, t->rx_buf, sizeof(t->rx_buf));

		if (n > 0) {
			*frame = t->rx_buf;
			return n;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		return -EPIPE;		/* the interface went away */
	}
}

static int tap_send(struct net_backend *b, const struct iovec *iov, unsigned cnt)
{
	for (;;) {
		ssize_t n = writev(b->fd, iov, cnt);

		if (n >= 0)
			return 1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		if (errno == EIO || errno == EBADFD)
			return -EPIPE;
		return -EINVAL;		/* the tap refused this frame (a bad header) */
	}
}

static int tap_set_offload(struct net_backend *b, unsigned off)
{
	unsigned long f = 0;

	if (off & NET_OFFLOAD_CSUM) {
		f |= TUN_F_CSUM;
		if (off & NET_OFFLOAD_TSO4)
			f |= TUN_F_TSO4;
		if (off & NET_OFFLOAD_TSO6)
			f |= TUN_F_TSO6;
	}
	return ioctl(b->fd, TUNSETOFFLOAD, f) ? -errno : 0;
}

static void tap_destroy(struct net_backend *b)
{
	close(b->fd);
	free(b);
}

static const struct net_backend_ops tap_ops = {
	.recv		= tap_recv,
	.send		= tap_send,
	.set_offload	= tap_set_offload,
	.destroy	= tap_destroy,
};

struct net_backend *net_tap_create(const struct net_spec *spec)
{
	struct net_tap *t = calloc(1, sizeof(*t));
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr = NET_VNET_HDR_LEN, fd;

	if (!t) {
		pr_err("--net tap=%s: out of memory", spec->tap_name);
		return NULL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		pr_err("--net tap=%s: /dev/net/tun: %m", spec->tap_name);
		free(t);
		return NULL;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", spec->tap_name);
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETVNETHDRSZ, &hdr) ||
	    ioctl(fd, TUNSETOFFLOAD, 0UL)) {
		pr_err("--net tap=%s: %m (an existing tap needs its owner or group; "
		       "creating one needs CAP_NET_ADMIN)", spec->tap_name);
		close(fd);
		free(t);
		return NULL;
	}
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifr.ifr_name);
	t->be = (struct net_backend){
		.ops = &tap_ops, .name = t->ifname, .fd = fd, .vnet_hdr = true,
		.offloads = NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 | NET_OFFLOAD_TSO6,
	};
	return &t->be;
}
