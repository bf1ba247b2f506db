// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net (virtio 1.2, 5.1): one receive and one transmit queue, no
 * control queue, frames to and from a backend (net.h: passt's stream,
 * a tap).
 *
 * Features: VERSION_1 (the 12-byte header with num_buffers), MRG_RXBUF,
 * MAC, STATUS (link up; down when the backend dies), CSUM and GUEST_CSUM,
 * EVENT_IDX; HOST_/GUEST_TSO4/6 only with a backend that carries the
 * virtio-net header (a tap). With a bare-Ethernet backend (passt) the
 * device finishes a partial checksum itself (net_tx_csum): the guest
 * then offloads checksumming to kite without TSO, and passt is not
 * offered segments it would have to cut up. (passt could take 64 KiB
 * frames, but its stream framing has no GSO metadata.)
 *
 * RX runs on the receive queue's worker: the core polls the backend's fd
 * for it (net_host_fd) while the device has no frame in hand. A frame is
 * read from the backend only once the previous one is in guest buffers;
 * when the guest has not posted enough, the chains popped so far are
 * held and the frame waits for the next receive-queue kick (back-
 * pressure: the fd is not polled meanwhile, so the backend's socket
 * fills and passt or the tap queue slows down; nothing is dropped for
 * want of buffers).
 *
 * TX runs on the transmit queue's worker: all chains the guest made
 * available are sent in one pass and returned with one interrupt. When
 * the backend takes no more, the chain goes back on the ring and the
 * worker polls the fd for POLLOUT.
 *
 * The guest is untrusted: descriptors are checked by virtq_pop (a bad
 * one marks the device NEEDS_RESET), and a transmit chain shorter than
 * the header or longer than the largest frame, or a checksum request
 * pointing outside its frame, is dropped with a rate-limited warning.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "virtio.h"

#define VIRTIO_NET_F_CSUM		0
#define VIRTIO_NET_F_GUEST_CSUM		1
#define VIRTIO_NET_F_MTU		3
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_GUEST_TSO4		7
#define VIRTIO_NET_F_GUEST_TSO6		8
#define VIRTIO_NET_F_HOST_TSO4		11
#define VIRTIO_NET_F_HOST_TSO6		12
#define VIRTIO_NET_F_MRG_RXBUF		15
#define VIRTIO_NET_F_STATUS		16

#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_HDR_F_NEEDS_CSUM	1
#define VIRTIO_NET_HDR_GSO_NONE		0

#define NET_QUEUE_SIZE			256
#define NET_MAX_SEGS			80	/* Linux: MAX_SKB_FRAGS + 2 per chain */
#define RXQ				0
#define TXQ				1
/* Interrupt the guest at least this often while a burst is delivered. */
#define NET_RX_BATCH			64

struct virtio_net_hdr_v1 {
	u8 flags;
	u8 gso_type;
	u16 hdr_len;
	u16 gso_size;
	u16 csum_start;
	u16 csum_offset;
	u16 num_buffers;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_hdr_v1) == NET_VNET_HDR_LEN, "vnet header");

struct virtio_net_config {
	u8 mac[6];
	u16 status;
	u16 max_virtqueue_pairs;
	u16 mtu;			/* with VIRTIO_NET_F_MTU: the backend's */
} __attribute__((packed));

/* The frame being put into guest buffers (receive worker only). */
struct net_rx {
	const u8 *frame;		/* in the backend's buffer; NULL: none */
	size_t len;			/* with the header, as the guest gets it */
	struct virtio_net_hdr_v1 hdr;	/* the header the guest gets */
	const u8 *payload;		/* frame after any backend header */
	size_t done;			/* bytes of hdr + payload written so far */
	/* Chains holding the frame so far, pushed together when it is all in. */
	u16 heads[NET_QUEUE_SIZE];
	u32 lens[NET_QUEUE_SIZE];
	unsigned nr;
	struct iovec first[NET_MAX_SEGS];	/* the first chain: num_buffers goes there */
	unsigned nr_first;
	struct iovec iov[NET_MAX_SEGS];
};

struct net_tx {
	struct iovec iov[NET_MAX_SEGS];
	bool blocked;			/* the backend is full: wait for POLLOUT */
	u8 buf[NET_MAX_FRAME];		/* a frame whose checksum kite finishes */
};

struct virtio_net {
	struct virtio_dev vdev;
	struct virtio_net_config config;
	char name[24];
	struct net_backend *be;
	atomic_bool link_down;
	atomic_uint nr_dropped;		/* malformed frames (rate-limits the warning) */
	struct net_rx rx;
	struct net_tx tx;
};

static bool net_has(struct virtio_net *n, unsigned f)
{
	return n->vdev.features & VIRTIO_BIT(f);
}

static void net_drop(struct virtio_net *n, const char *why)
{
	unsigned nr = atomic_fetch_add(&n->nr_dropped, 1) + 1, k = nr;

	/* One line for the 1st, 10th, 100th ...: a guest cannot flood stderr. */
	while (k % 10 == 0)
		k /= 10;
	if (k == 1)
		pr_warn("%s: frame dropped (%u so far): %s", n->name, nr, why);
}

/* The backend is gone: link down for the guest, one warning for the user. */
static void net_link_down(struct virtio_net *n)
{
	if (atomic_exchange(&n->link_down, true))
		return;
	pr_warn("%s: backend %s is gone: link down", n->name, n->be->name);
	pthread_mutex_lock(&n->vdev.lock);
	n->config.status &= ~VIRTIO_NET_S_LINK_UP;
	pthread_mutex_unlock(&n->vdev.lock);
	virtio_config_changed(&n->vdev);
}

/* ---- receive ---- */

/*
 * A guest that took VIRTIO_NET_F_MTU sized its buffers for it: the device
 * must not hand it a longer unsegmented frame (virtio 1.2, 5.1.6.3.1).
 */
static bool net_rx_over_mtu(struct virtio_net *n, size_t eth_len)
{
	return net_has(n, VIRTIO_NET_F_MTU) && n->rx.hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE &&
	       eth_len > (size_t)n->config.mtu + NET_ETH_HLEN;
}

/* Take a frame from the backend into n->rx: true if there is one. */
static bool net_rx_take(struct virtio_net *n)
{
	struct net_rx *rx = &n->rx;
	size_t skip = n->be->vnet_hdr ? NET_VNET_HDR_LEN : 0;

	while (!rx->frame && !atomic_load(&n->link_down)) {
		const u8 *frame;
		ssize_t len = n->be->ops->recv(n->be, &frame);

		if (!len)
			return false;
		if (len == -EPIPE) {
			net_link_down(n);
			return false;
		}
		if (len < 0 || (size_t)len <= skip)
			continue;	/* the backend dropped it, or no room for a header */
		memset(&rx->hdr, 0, sizeof(rx->hdr));
		if (skip)
			memcpy(&rx->hdr, frame, NET_VNET_HDR_LEN);
		if (net_rx_over_mtu(n, len - skip)) {
			net_drop(n, "received frame longer than the MTU");
			continue;
		}
		rx->frame = frame;
		rx->payload = frame + skip;
		rx->len = NET_VNET_HDR_LEN + len - skip;
		rx->done = 0;
		rx->nr = 0;
	}
	return rx->frame != NULL;
}

/* Copy the next bytes of the frame (header first) into iov; returns how many. */
static size_t net_rx_copy(const struct net_rx *rx, const struct iovec *iov, unsigned cnt)
{
	size_t off = 0, done = rx->done;

	if (done < NET_VNET_HDR_LEN) {
		off = iov_from_buf(iov, cnt, 0, (const u8 *)&rx->hdr + done,
				   NET_VNET_HDR_LEN - done);
		done += off;
		if (done < NET_VNET_HDR_LEN)
			return off;
	}
	return off + iov_from_buf(iov, cnt, off, rx->payload + done - NET_VNET_HDR_LEN,
				  rx->len - done);
}

/*
 * Put the frame in hand into guest buffers. 1: all of it is in and the
 * chains are pushed; 0: the guest has not posted enough yet (the chains
 * so far are kept); -1: the device is broken.
 */
static int net_rx_fill(struct virtio_net *n, struct virtq *vq)
{
	struct net_rx *rx = &n->rx;
	bool mrg = net_has(n, VIRTIO_NET_F_MRG_RXBUF);
	struct virtq_elem elem = { .iov = rx->iov, .max_iov = NET_MAX_SEGS };

	while (rx->done < rx->len) {
		size_t before = rx->done, took;
		int ret;

		if (rx->nr == vq->size) {
			/* The whole ring cannot hold it: the guest's buffers are too small. */
			net_drop(n, "receive buffers too small");
			goto drop;
		}
		ret = virtq_pop(vq, &elem);
		if (ret < 0)
			return -1;
		if (!ret)
			return 0;
		if (elem.in_len < NET_VNET_HDR_LEN && (mrg || !rx->nr)) {
			virtio_dev_needs_reset(&n->vdev, "receive buffer shorter than the header");
			return -1;
		}
		if (!mrg && elem.in_len < rx->len) {
			/* Without MRG_RXBUF a frame must fit one chain: this one cannot. */
			virtq_unpop(vq);
			net_drop(n, "frame larger than the receive buffer");
			goto drop;
		}
		if (!rx->nr) {
			rx->nr_first = elem.nr_in;
			memcpy(rx->first, rx->iov + elem.nr_out, elem.nr_in * sizeof(*rx->iov));
		}
		took = net_rx_copy(rx, rx->iov + elem.nr_out, elem.nr_in);
		rx->done = before + took;
		rx->heads[rx->nr] = elem.head;
		rx->lens[rx->nr++] = took;
	}
	rx->hdr.num_buffers = rx->nr;
	iov_from_buf(rx->first, rx->nr_first, offsetof(struct virtio_net_hdr_v1, num_buffers),
		     &rx->hdr.num_buffers, sizeof(rx->hdr.num_buffers));
	for (unsigned i = 0; i < rx->nr; i++)
		virtq_push(vq, rx->heads[i], rx->lens[i]);
	rx->frame = NULL;
	return 1;
drop:
	/* Chains already holding part of it go back to the guest empty. */
	for (unsigned i = 0; i < rx->nr; i++)
		virtq_push(vq, rx->heads[i], 0);
	rx->frame = NULL;
	return 1;
}

/* Move frames from the backend to the guest until one of them runs dry. */
static void net_rx(struct virtio_net *n, struct virtq *vq)
{
	unsigned pushed = 0;

	while (net_rx_take(n)) {
		int ret = net_rx_fill(n, vq);

		if (ret < 0)
			break;
		if (!ret) {
			if (virtq_enable_kicks(vq))
				continue;	/* buffers came meanwhile */
			break;			/* the next kick brings us back */
		}
		if (++pushed % NET_RX_BATCH == 0)
			virtq_notify(vq);
	}
	if (pushed)
		virtq_notify(vq);
}

/* ---- transmit ---- */

/* RFC 1071 sum of len bytes, folded, not complemented. */
static u16 net_csum(const u8 *p, size_t len)
{
	u64 sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (u32)p[0] << 8 | p[1];
	if (len)
		sum += (u32)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/*
 * The guest left a partial checksum (NEEDS_CSUM): the pseudo-header sum
 * is at csum_start + csum_offset; sum from csum_start to the end and
 * store it there. false when the fields point outside the frame.
 */
static bool net_tx_csum(u8 *frame, size_t len, const struct virtio_net_hdr_v1 *hdr)
{
	size_t start = hdr->csum_start, at = start + hdr->csum_offset;
	u16 sum;

	if (start >= len || at + 2 > len)
		return false;
	sum = ~net_csum(frame + start, len - start);
	frame[at] = sum >> 8;
	frame[at + 1] = sum;
	return true;
}

/*
 * Send one chain. 1 done (sent, or dropped as malformed), 0 the backend
 * is full (the chain was not taken).
 */
static int net_tx_one(struct virtio_net *n, struct virtq_elem *elem)
{
	struct net_backend *be = n->be;
	struct virtio_net_hdr_v1 hdr;
	struct iovec *iov = elem->iov, one;
	unsigned cnt = elem->nr_out;
	size_t len;
	int ret;

	if (elem->out_len <= NET_VNET_HDR_LEN ||
	    elem->out_len > NET_VNET_HDR_LEN + NET_MAX_FRAME) {
		net_drop(n, "transmit chain shorter than a header or longer than a frame");
		return 1;
	}
	if (atomic_load(&n->link_down))
		return 1;
	iov_to_buf(iov, cnt, 0, &hdr, sizeof(hdr));
	len = elem->out_len - NET_VNET_HDR_LEN;
	if (!be->vnet_hdr) {
		if (hdr.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			net_drop(n, "segmentation offload not negotiated");
			return 1;
		}
		if (hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			iov_to_buf(iov, cnt, NET_VNET_HDR_LEN, n->tx.buf, len);
			if (!net_tx_csum(n->tx.buf, len, &hdr)) {
				net_drop(n, "checksum offsets outside the frame");
				return 1;
			}
			one = (struct iovec){ n->tx.buf, len };
			iov = &one;
			cnt = 1;
		} else {
			iov = iov_skip_front(iov, &cnt, NET_VNET_HDR_LEN);
		}
	}
	ret = be->ops->send(be, iov, cnt);
	if (ret == -EPIPE)
		net_link_down(n);
	else if (ret < 0)
		net_drop(n, "the backend refused it");
	return ret ? 1 : 0;
}

static void net_tx(struct virtio_net *n, struct virtq *vq)
{
	struct net_backend *be = n->be;
	struct virtq_elem elem = { .iov = n->tx.iov, .max_iov = NET_MAX_SEGS };
	bool pushed = false;

	if (n->tx.blocked && !atomic_load(&n->link_down)) {
		int ret = be->ops->flush ? be->ops->flush(be) : 1;

		if (!ret)
			return;		/* still full: the worker polls for POLLOUT again */
		if (ret < 0)
			net_link_down(n);
	}
	n->tx.blocked = false;
	do {
		while (virtq_pop(vq, &elem) > 0) {
			if (!net_tx_one(n, &elem)) {
				virtq_unpop(vq);
				n->tx.blocked = true;
				goto out;
			}
			virtq_push(vq, elem.head, 0);
			pushed = true;
		}
	} while (virtq_enable_kicks(vq));
out:
	if (pushed)
		virtq_notify(vq);
}

/* ---- the device ---- */

static void net_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_net *n = vdev->priv;

	if (vq->index == TXQ)
		net_tx(n, vq);
	else
		net_rx(n, vq);		/* new receive buffers */
}

/*
 * The backend fd for the core's worker to poll: for RX while no frame is
 * waiting for guest buffers, for TX while the backend is full.
 */
static int net_host_fd(struct virtio_dev *vdev, struct virtq *vq, short *events)
{
	struct virtio_net *n = vdev->priv;

	if (atomic_load(&n->link_down))
		return -1;
	if (vq->index == TXQ) {
		*events = POLLOUT;
		return n->tx.blocked ? n->be->fd : -1;
	}
	*events = POLLIN;
	return n->rx.frame ? -1 : n->be->fd;
}

static void net_host_ready(struct virtio_dev *vdev, struct virtq *vq, short revents)
{
	struct virtio_net *n = vdev->priv;

	if (vq->index == TXQ)
		net_tx(n, vq);
	else
		net_rx(n, vq);
}

static int net_activate(struct virtio_dev *vdev)
{
	struct virtio_net *n = vdev->priv;
	unsigned off = 0;

	if (!n->be->ops->set_offload)
		return 0;
	if (net_has(n, VIRTIO_NET_F_GUEST_CSUM))
		off |= NET_OFFLOAD_CSUM;
	if (net_has(n, VIRTIO_NET_F_GUEST_TSO4))
		off |= NET_OFFLOAD_TSO4;
	if (net_has(n, VIRTIO_NET_F_GUEST_TSO6))
		off |= NET_OFFLOAD_TSO6;
	if (n->be->ops->set_offload(n->be, off))
		pr_warn("%s: %s: cannot set offloads 0x%x", n->name, n->be->name, off);
	return 0;
}

static void net_reset(struct virtio_dev *vdev)
{
	struct virtio_net *n = vdev->priv;

	/*
	 * The chains held for a frame were the old driver's. The frame itself
	 * stays in hand and goes to the next driver, from its start.
	 */
	n->rx.nr = 0;
	n->rx.done = 0;
	n->tx.blocked = n->be->ops->tx_blocked && n->be->ops->tx_blocked(n->be);
}

static void net_destroy(struct virtio_dev *vdev)
{
	struct virtio_net *n = vdev->priv;

	n->be->ops->destroy(n->be);
	free(n);
}

static const struct virtio_dev_ops net_ops = {
	.activate	= net_activate,
	.reset		= net_reset,
	.queue_notify	= net_queue_notify,
	.host_fd	= net_host_fd,
	.host_ready	= net_host_ready,
	.destroy	= net_destroy,
};

static u64 net_features(const struct net_backend *be)
{
	u64 f = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
		VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
		VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
		VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX);

	if (be->mtu)
		f |= VIRTIO_BIT(VIRTIO_NET_F_MTU);
	if (be->vnet_hdr && (be->offloads & NET_OFFLOAD_TSO4))
		f |= VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO4) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO4);
	if (be->vnet_hdr && (be->offloads & NET_OFFLOAD_TSO6))
		f |= VIRTIO_BIT(VIRTIO_NET_F_HOST_TSO6) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_TSO6);
	return f;
}

int virtio_net_create(const struct virtio_transport *t, struct net_backend *be,
		      const u8 mac[6], unsigned index)
{
	struct virtio_net *n = calloc(1, sizeof(*n));
	int ret;

	if (!n) {
		be->ops->destroy(be);
		return -ENOMEM;
	}
	n->be = be;
	snprintf(n->name, sizeof(n->name), "virtio-net%u", index);
	memcpy(n->config.mac, mac, 6);
	n->config.status = VIRTIO_NET_S_LINK_UP;
	n->config.max_virtqueue_pairs = 1;
	n->config.mtu = be->mtu;
	ret = virtio_dev_init(&n->vdev, t->vm, n->name, VIRTIO_ID_NET, net_features(be), 2,
			      NET_QUEUE_SIZE, &n->config, sizeof(n->config), &net_ops, n);
	if (ret) {
		net_destroy(&n->vdev);
		return ret;
	}
	ret = t->create(t, &n->vdev);
	if (ret) {
		virtio_dev_destroy(&n->vdev);		/* frees n and the backend */
		return ret;
	}
	return 0;
}

/*
 * A MAC for NIC `index` of this spec when none is given: locally
 * administered, unicast, and the same every run of the same command line
 * (a guest keeps its DHCP lease and its interface name rules); two VMs
 * sharing a bridge with the same --net need mac=.
 */
static void net_default_mac(const char *spec, unsigned index, u8 mac[6])
{
	u32 h = 2166136261u ^ index;		/* FNV-1a */

	for (const char *p = spec; *p; p++)
		h = (h ^ (u8)*p) * 16777619u;
	mac[0] = 0x02;			/* locally administered, unicast */
	mac[1] = 0x4b;			/* 'K' */
	mac[2] = index;
	mac[3] = h >> 16;
	mac[4] = h >> 8;
	mac[5] = h;
}

int virtio_net_create_spec(const struct virtio_transport *t, const char *spec_str, unsigned index,
			   bool quiet)
{
	struct net_spec spec;
	struct net_backend *be;
	u8 mac[6];
	int ret;

	ret = net_parse_spec(spec_str, &spec);
	if (ret)
		return ret;
	spec.quiet = quiet;
	be = spec.tap ? net_tap_create(&spec) : net_passt_create(&spec);
	if (!be)
		return -EINVAL;
	if (spec.has_mac)
		memcpy(mac, spec.mac, 6);
	else
		net_default_mac(spec_str, index, mac);
	ret = virtio_net_create(t, be, mac, index);
	if (ret)
		pr_err("--net %s: %s", spec_str, strerror(-ret));
	return ret;
}
