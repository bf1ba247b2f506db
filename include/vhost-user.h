/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-user front-end (QEMU docs/interop/vhost-user.rst): kite drives a
 * device back-end that runs in another process (virtiofsd for virtio-fs,
 * later vhost-user-blk) over a unix stream socket. The back-end reads the
 * rings straight from guest RAM (shared through SET_MEM_TABLE), is woken
 * through the queue's kick eventfd and interrupts the guest through its
 * call eventfd; kite only sets things up and tears them down.
 *
 * Every message is a 12-byte header (request, flags, payload size) then
 * the payload; fds travel as SCM_RIGHTS with the header. The back-end is
 * untrusted: each reply must be a reply (version 1, REPLY bit) to the
 * request just sent, of exactly the payload size that request answers
 * with, within vu->timeout_ms; fds it sends are closed unread. Anything
 * else marks the connection failed: one pr_warn line, and every later
 * call returns -EIO at once, so a dead or mad daemon gives the device
 * errors and never hangs or crashes kite.
 *
 * No VM is needed here (the caller passes the memory regions and the
 * eventfds): the unit tests drive it against a fake back-end.
 */
#ifndef KITE_VHOST_USER_H
#define KITE_VHOST_USER_H

#include "util.h"

/* Requests (front-end to back-end). */
enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
};

/* Header flags. */
#define VHOST_USER_VERSION		0x1
#define VHOST_USER_VERSION_MASK		0x3
#define VHOST_USER_FLAG_REPLY		(1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY	(1u << 3)

/* In GET_FEATURES: the back-end speaks GET/SET_PROTOCOL_FEATURES. */
#define VHOST_USER_F_PROTOCOL_FEATURES	30

/* Protocol feature bits kite knows and may negotiate. */
#define VHOST_USER_PROTOCOL_F_MQ	0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK	3

/* SET_VRING_KICK/CALL payload: ring index in bits 0-7, bit 8 = no fd. */
#define VHOST_USER_VRING_IDX_MASK	0xff
#define VHOST_USER_VRING_NOFD		(1u << 8)

/* The most memory regions one SET_MEM_TABLE carries (the baseline). */
#define VHOST_USER_MAX_REGIONS		8

/* Largest payload kite sends or accepts: the memory table. */
#define VHOST_USER_MAX_PAYLOAD		(8 + 32 * VHOST_USER_MAX_REGIONS)

struct vhost_user_hdr {
	u32 request;
	u32 flags;
	u32 size;
} __attribute__((packed));

/* One region of guest RAM the back-end maps from fd at mmap_offset. */
struct vhost_user_region {
	u64 gpa;
	u64 size;
	u64 uaddr;		/* where kite has it mapped: ring addresses use these */
	u64 mmap_offset;
	int fd;
};

/* A ring to start: size, host (front-end) addresses of its areas, and fds. */
struct vhost_user_vring {
	u16 size;
	u16 base;		/* next avail index the back-end consumes */
	u64 desc_uaddr, avail_uaddr, used_uaddr;
	int kick_fd;		/* the guest's notify ioeventfd */
	int call_fd;		/* written by the back-end: the guest's interrupt */
};

struct vhost_user {
	int sock;		/* owned: closed by vhost_user_close */
	const char *name;	/* for messages ("virtio-fs0") */
	unsigned timeout_ms;	/* bound on each reply */
	u64 features;		/* the back-end's GET_FEATURES */
	u64 protocol_features;	/* negotiated (offered & kite's) */
	unsigned nr_queues;	/* GET_QUEUE_NUM with MQ, else 0 (unknown) */
	bool failed;
};

/*
 * Take over sock (connected) and open the session: SET_OWNER,
 * GET_FEATURES, and when offered GET/SET_PROTOCOL_FEATURES (MQ,
 * REPLY_ACK) and GET_QUEUE_NUM. 0, or -errno with vu->failed set and a
 * pr_warn line; the socket stays owned by vu either way.
 */
int vhost_user_open(struct vhost_user *vu, int sock, const char *name, unsigned timeout_ms);

/* SET_FEATURES: what the driver negotiated (plus PROTOCOL_FEATURES if offered). */
int vhost_user_set_features(struct vhost_user *vu, u64 features);

/* SET_MEM_TABLE: 1..VHOST_USER_MAX_REGIONS regions, each with its fd. */
int vhost_user_set_mem_table(struct vhost_user *vu, const struct vhost_user_region *r,
			     unsigned nr);

/*
 * Start ring idx: SET_VRING_NUM, ADDR, BASE, CALL, KICK, and ENABLE when
 * protocol features were negotiated (without them a ring runs once it
 * has a kick fd).
 */
int vhost_user_start_vring(struct vhost_user *vu, unsigned idx, const struct vhost_user_vring *v);

/*
 * Stop ring idx (device reset): SET_VRING_ENABLE 0 when negotiated, then
 * GET_VRING_BASE, whose answer (the back-end's next avail index) goes
 * to *base when base is not NULL.
 */
int vhost_user_stop_vring(struct vhost_user *vu, unsigned idx, u16 *base);

/*
 * Mark the session failed from outside the codec (the back-end hung up):
 * the one warning, "NAME: vhost-user back-end: WHY; the device stops",
 * unless one was given already; every later call returns -EIO.
 */
void vhost_user_fail(struct vhost_user *vu, const char *why);

/* Close the socket: the back-end sees the disconnect. Idempotent. */
void vhost_user_close(struct vhost_user *vu);

/*
 * The codec, for the session above and its tests. send: one message with
 * nr_fds fds attached; recv_reply: the reply to `request`, payload of
 * exactly `size` bytes into buf. Both bounded by vu->timeout_ms.
 */
int vhost_user_send(struct vhost_user *vu, u32 request, u32 flags, const void *payload,
		    u32 size, const int *fds, unsigned nr_fds);
int vhost_user_recv_reply(struct vhost_user *vu, u32 request, void *buf, u32 size);

#endif
