/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network backends: where a virtio-net device's Ethernet frames go. The
 * device (virtio/net.c) speaks virtio rings; a backend speaks one host
 * fd. Both ends of that fd are host-side but what comes back through it
 * (from passt, from a tap) is untrusted like the guest: every length is
 * checked before it is used.
 *
 *   virtio/net.c  --net_backend_ops-->  util/net-stream.c (passt's framing)
 *                                       util/net-tap.c    (a tap, vnet header)
 *
 * The contract. The backend's fd is non-blocking. recv and send are each
 * called from one thread only (the device's RX and TX paths), so a
 * backend keeps separate RX and TX state and needs no lock.
 *  - recv returns one whole frame at a time, in a buffer the backend
 *    owns, valid until the next recv: the device copies it into guest
 *    buffers, and when the guest has none it simply does not call recv
 *    again (nor watch the fd) until it has: back-pressure, never a drop.
 *  - send takes one whole frame; a stream backend that could write only
 *    part of it keeps the rest and reports the frame taken; while it
 *    holds a rest it takes no new frame (returns 0) and the device waits
 *    for POLLOUT on the fd.
 * With vnet_hdr set, frames both ways start with a 12-byte struct
 * virtio_net_hdr_v1 (a tap with IFF_VNET_HDR); without, they are bare
 * Ethernet and the device makes and strips the header itself.
 */
#ifndef KITE_NET_H
#define KITE_NET_H

#include <stdbool.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "child.h"
#include "util.h"

/* The largest frame a backend carries: a 64 KiB GSO segment plus headers. */
#define NET_MAX_FRAME		(65536 + 14 + 4)
/* An MTU counts the payload: an Ethernet header and one VLAN tag come on top. */
#define NET_ETH_HLEN		(14 + 4)
/* virtio_net_hdr_v1 (virtio 1.2, 5.1.6): the header with VERSION_1. */
#define NET_VNET_HDR_LEN	12

/* Offloads a backend can carry, for set_offload (what the guest took). */
#define NET_OFFLOAD_CSUM	1	/* frames may carry a partial checksum */
#define NET_OFFLOAD_TSO4	2
#define NET_OFFLOAD_TSO6	4

struct net_backend;

struct net_backend_ops {
	/*
	 * One frame: > 0 its length with *frame pointing at it, 0 when none
	 * is ready now, -EPIPE when the peer is gone (the device takes the
	 * link down), other -errno for a frame dropped as malformed.
	 */
	ssize_t (*recv)(struct net_backend *be, const u8 **frame);
	/* 1 frame taken, 0 full (wait for POLLOUT, send again), -EPIPE peer gone. */
	int (*send)(struct net_backend *be, const struct iovec *iov, unsigned cnt);
	/* Does send hold an unwritten rest (wait for POLLOUT before sending)? */
	bool (*tx_blocked)(struct net_backend *be);
	/* Push what send holds: 1 all written, 0 some left, -EPIPE. */
	int (*flush)(struct net_backend *be);
	/* The offloads the guest negotiated (NET_OFFLOAD_*): 0 or -errno. */
	int (*set_offload)(struct net_backend *be, unsigned offloads);
	void (*destroy)(struct net_backend *be);
};

struct net_backend {
	const struct net_backend_ops *ops;
	const char *name;		/* "passt", "tap0": for messages */
	int fd;				/* non-blocking; the device polls it */
	bool vnet_hdr;			/* frames carry a virtio_net_hdr_v1 */
	unsigned offloads;		/* NET_OFFLOAD_* the backend can carry */
	unsigned mtu;			/* its MTU, for the guest (VIRTIO_NET_F_MTU); 0: none */
	struct child helper;		/* a process behind fd (passt), stopped by destroy */
};

/*
 * passt's (and QEMU's -netdev stream) framing on a connected stream
 * socket: each frame prefixed with its length, 4 bytes big-endian. Takes
 * fd (made non-blocking, closed by destroy). NULL on ENOMEM.
 */
struct net_backend *net_stream_create(int fd, const char *name);

/*
 * `--net` specs. "user[,fwd=tcp:HOST:GUEST|udp:HOST:GUEST]..." or
 * "tap=NAME", both with an optional ",mac=XX:XX:XX:XX:XX:XX" and the
 * guest's IPv4 set-up ",addr=A.B.C.D/N,gw=A.B.C.D,dns=A.B.C.D": passt
 * then hands out exactly that (and answers DNS at dns=, forwarding to
 * the host's resolver); kite sandbox's init configures it statically.
 */
#define NET_MAX_FWDS		16
struct net_fwd {
	bool udp;
	u16 host_port, guest_port;
};

struct net_spec {
	bool tap;			/* else user (passt) */
	char tap_name[16];		/* IFNAMSIZ */
	struct net_fwd fwds[NET_MAX_FWDS];
	unsigned nr_fwds;
	bool has_mac;
	u8 mac[6];
	char addr[16], gw[16], dns[16];	/* dotted IPv4, "" when not given */
	unsigned prefix;		/* addr's /N */
	bool quiet;			/* the helper's stderr to /dev/null */
};

/* Parse a --net spec: 0, or -EINVAL with a one-line pr_err. */
int net_parse_spec(const char *spec, struct net_spec *out);

/*
 * The user-mode backend: spawn passt (found on $PATH, or at $KITE_PASST)
 * on a socketpair, in the foreground and one-off (it exits when kite's
 * end closes), with spec's forwards; destroy stops and reaps it. A
 * backend, or NULL after a one-line pr_err (passt missing names the
 * Debian package).
 */
struct net_backend *net_passt_create(const struct net_spec *spec);

/* Attach to (or create, with CAP_NET_ADMIN) tap spec->tap_name with IFF_VNET_HDR. */
struct net_backend *net_tap_create(const struct net_spec *spec);

#endif
