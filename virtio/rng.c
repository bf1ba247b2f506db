// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng (virtio 1.2, 5.4): one queue of writable buffers the device
 * fills from the host's getrandom().
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "virtio.h"

#define RNG_QUEUE_SIZE		64
#define RNG_MAX_SEGS		16
/* Bytes per request at most: a guest asking for gigabytes gets less. */
#define RNG_MAX_BYTES		(64 * KiB)

struct virtio_rng {
	struct virtio_dev vdev;
};

/* Fill up to len bytes of iov with random bytes; returns how many. */
static u32 rng_fill(const struct iovec *iov, unsigned cnt, u32 len)
{
	u32 done = 0;

	for (unsigned i = 0; i < cnt && done < len; i++) {
		u8 *p = iov[i].iov_base;
		size_t want = MIN(iov[i].iov_len, (size_t)(len - done));

		while (want) {
			/* The pool is initialised long before a guest runs: never blocks. */
			ssize_t n = getrandom(p, want, GRND_NONBLOCK);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return done;
			p += n;
			want -= n;
			done += n;
		}
	}
	return done;
}

static void rng_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct iovec iov[RNG_MAX_SEGS];
	struct virtq_elem elem = { .iov = iov, .max_iov = RNG_MAX_SEGS };
	bool pushed = false;

	do {
		while (virtq_pop(vq, &elem) > 0) {
			u32 n = rng_fill(iov + elem.nr_out, elem.nr_in,
					 MIN(elem.in_len, RNG_MAX_BYTES));

			virtq_push(vq, elem.head, n);
			pushed = true;
		}
	} while (virtq_enable_kicks(vq));
	if (pushed)
		virtq_notify(vq);
}

static void rng_destroy(struct virtio_dev *vdev)
{
	free(vdev->priv);
}

static const struct virtio_dev_ops rng_ops = {
	.queue_notify	= rng_queue_notify,
	.destroy	= rng_destroy,
};

int virtio_rng_create(const struct virtio_transport *t)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));
	int ret;

	if (!rng)
		return -ENOMEM;
	ret = virtio_dev_init(&rng->vdev, t->vm, "virtio-rng", VIRTIO_ID_RNG,
			      VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
			      1, RNG_QUEUE_SIZE, NULL, 0, &rng_ops, rng);
	if (ret) {
		free(rng);
		return ret;
	}
	ret = t->create(t, &rng->vdev);
	if (ret)
		virtio_dev_destroy(&rng->vdev);		/* frees rng */
	return ret;
}
