// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio device model both transports share: feature negotiation, the
 * status state machine, queue configuration and validation, reset, and
 * the worker threads that run device work off the vCPU threads.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "seccomp-filter.h"
#include "virtio.h"

/* A thread servicing the queues [first, first + nr) that share kick_fd. */
struct virtio_worker {
	struct virtio_dev *vdev;
	pthread_t thread;
	int kick_fd;
	unsigned first, nr;
	char name[16];		/* set by the thread itself: naming another thread opens /proc */
};

static bool is_pow2(u32 x)
{
	return x && !(x & (x - 1));
}

int virtio_dev_init(struct virtio_dev *vdev, struct vm *vm, const char *name,
		    u32 device_id, u64 features, unsigned nr_queues,
		    u16 max_queue_size, void *config, u32 config_size,
		    const struct virtio_dev_ops *ops, void *priv)
{
	if (!nr_queues || !is_pow2(max_queue_size) || max_queue_size > VIRTQ_MAX_SIZE)
		return -EINVAL;

	memset(vdev, 0, sizeof(*vdev));
	vdev->vm = vm;
	vdev->name = name;
	vdev->device_id = device_id;
	vdev->device_features = features | VIRTIO_BIT(VIRTIO_F_VERSION_1);
	/* Never offered: kite hands out guest-physical addresses only. */
	vdev->device_features &= ~(VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) |
				   VIRTIO_BIT(VIRTIO_F_RING_PACKED));
	vdev->ops = ops;
	vdev->priv = priv;
	vdev->config = config;
	vdev->config_size = config_size;
	vdev->nr_queues = nr_queues;
	vdev->config_msix_vector = VIRTIO_MSI_NO_VECTOR;
	vdev->stop_fd = -1;
	pthread_mutex_init(&vdev->lock, NULL);

	vdev->vqs = calloc(nr_queues, sizeof(*vdev->vqs));
	if (!vdev->vqs)
		return -ENOMEM;
	for (unsigned i = 0; i < nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];

		vq->vdev = vdev;
		vq->index = i;
		vq->max_size = max_queue_size;
		vq->size = max_queue_size;
		vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
		vq->kick_fd = -1;
		pthread_mutex_init(&vq->used_lock, NULL);
	}
	return 0;
}

int virtio_transport_attach(struct virtio_dev *vdev, const struct virtio_transport_ops *tops,
			    void *tpriv, unsigned flags)
{
	int shared = -1;

	vdev->tops = tops;
	vdev->tpriv = tpriv;
	vdev->kick_flags = flags;
	vdev->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vdev->stop_fd < 0)
		return -errno;
	for (unsigned i = 0; i < vdev->nr_queues; i++) {
		int fd = shared;

		if (fd < 0) {
			fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (fd < 0)
				return -errno;	/* virtio_dev_destroy closes the others */
			if (flags & VIRTIO_KICK_SHARED)
				shared = fd;
		}
		vdev->vqs[i].kick_fd = fd;
	}
	return 0;
}

/* ---- workers ---- */

static void worker_service(struct virtio_worker *w)
{
	struct virtio_dev *vdev = w->vdev;

	for (unsigned i = w->first; i < w->first + w->nr; i++) {
		struct virtq *vq = &vdev->vqs[i];

		if (virtq_live(vq))
			vdev->ops->queue_notify(vdev, vq);
	}
}

/*
 * Fill pfd with the host fds the worker's queues wait for, and owner[k]
 * with the queue pfd[k] is for; returns how many.
 */
static unsigned worker_host_fds(struct virtio_worker *w, struct pollfd *pfd, unsigned *owner)
{
	struct virtio_dev *vdev = w->vdev;
	unsigned n = 0;

	if (!vdev->ops->host_fd)
		return 0;
	for (unsigned i = w->first; i < w->first + w->nr; i++) {
		struct virtq *vq = &vdev->vqs[i];
		short events = 0;
		int fd = virtq_live(vq) ? vdev->ops->host_fd(vdev, vq, &events) : -1;

		if (fd >= 0) {
			owner[n] = i;
			pfd[n++] = (struct pollfd){ .fd = fd, .events = events };
		}
	}
	return n;
}

/* Hand each host fd that fired to its queue's host_ready. */
static void worker_host_ready(struct virtio_worker *w, const struct pollfd *pfd,
			      const unsigned *owner, unsigned n)
{
	struct virtio_dev *vdev = w->vdev;

	for (unsigned k = 0; k < n; k++) {
		struct virtq *vq = &vdev->vqs[owner[k]];

		if (pfd[k].revents && virtq_live(vq))
			vdev->ops->host_ready(vdev, vq, pfd[k].revents);
	}
}

static void *worker_main(void *arg)
{
	struct virtio_worker *w = arg;
	/* The kick, the stop, and one host fd per queue at most. */
	struct pollfd *pfd = calloc(2 + w->nr, sizeof(*pfd));
	unsigned *owner = calloc(w->nr, sizeof(*owner));

	pthread_setname_np(pthread_self(), w->name);
	seccomp_selftest("worker");
	if (!pfd || !owner) {
		free(pfd);
		free(owner);
		virtio_dev_needs_reset(w->vdev, "worker: out of memory");
		return NULL;
	}
	/* poll() skips a negative fd: the back-end takes the kicks itself. */
	pfd[0] = (struct pollfd){ .fd = virtio_kick_direct(w->vdev) ? -1 : w->kick_fd,
				  .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = w->vdev->stop_fd, .events = POLLIN };
	/* Buffers the driver added before DRIVER_OK never got a kick we saw. */
	worker_service(w);
	for (;;) {
		unsigned n = worker_host_fds(w, pfd + 2, owner);

		if (poll(pfd, 2 + n, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("%s: poll: %s", w->vdev->name, strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		/* Host events first: completions free what the kick may need. */
		worker_host_ready(w, pfd + 2, owner, n);
		if (pfd[0].revents) {
			efd_drain(w->kick_fd);
			worker_service(w);
		}
	}
	free(pfd);
	free(owner);
	return NULL;
}

static void workers_stop(struct virtio_dev *vdev)
{
	u64 one = 1;

	if (!vdev->running)
		return;
	/* The stop eventfd stays readable until drained: every worker sees it. */
	if (write(vdev->stop_fd, &one, sizeof(one)) != sizeof(one))
		pr_err("%s: cannot stop workers: %s", vdev->name, strerror(errno));
	for (unsigned i = 0; i < vdev->nr_workers; i++)
		pthread_join(vdev->workers[i].thread, NULL);
	efd_drain(vdev->stop_fd);
	free(vdev->workers);
	vdev->workers = NULL;
	vdev->nr_workers = 0;
	vdev->running = false;
}

static int workers_start(struct virtio_dev *vdev)
{
	bool shared = vdev->kick_flags & VIRTIO_KICK_SHARED;
	unsigned n = shared ? 1 : vdev->nr_queues;
	int ret = 0;

	if (vdev->inline_service) {
		vdev->running = true;	/* the caller is the worker */
		return 0;
	}
	vdev->workers = calloc(n, sizeof(*vdev->workers));
	if (!vdev->workers)
		return -ENOMEM;
	vdev->running = true;
	for (unsigned i = 0; i < n; i++) {
		struct virtio_worker *w = &vdev->workers[vdev->nr_workers];

		w->vdev = vdev;
		w->first = shared ? 0 : i;
		w->nr = shared ? vdev->nr_queues : 1;
		w->kick_fd = vdev->vqs[w->first].kick_fd;
		/* Queues the driver did not enable need no thread. */
		if (!shared && !vdev->vqs[i].ready)
			continue;
		snprintf(w->name, sizeof(w->name), "%.10s/%u", vdev->name, i % 1000);
		ret = -pthread_create(&w->thread, NULL, worker_main, w);
		if (ret)
			break;
		vdev->nr_workers++;
	}
	if (ret)
		workers_stop(vdev);
	return ret;
}

/* More queues than a test or fuzzer device has. */
#define INLINE_MAX_QUEUES	16

void virtio_dev_service(struct virtio_dev *vdev)
{
	struct virtio_worker w = { .vdev = vdev, .first = 0, .nr = vdev->nr_queues };
	struct pollfd pfd[INLINE_MAX_QUEUES];
	unsigned owner[INLINE_MAX_QUEUES], n;

	if (!vdev->inline_service || !vdev->running || vdev->nr_queues > INLINE_MAX_QUEUES)
		return;
	n = worker_host_fds(&w, pfd, owner);
	if (n && poll(pfd, n, 0) > 0)
		worker_host_ready(&w, pfd, owner, n);
	for (unsigned i = 0; i < vdev->nr_queues; i++)
		efd_drain(vdev->vqs[i].kick_fd);
	worker_service(&w);
}

/* ---- status, features, reset ---- */

void virtio_dev_needs_reset(struct virtio_dev *vdev, const char *why)
{
	static const unsigned max_warnings = 8;

	if (atomic_exchange(&vdev->broken, true))
		return;
	/* A guest that breaks and resets in a loop must not flood stderr. */
	if (atomic_fetch_add(&vdev->nr_broken, 1) < max_warnings)
		pr_warn("%s: %s: device needs reset", vdev->name, why);
	else
		pr_debug("%s: %s: device needs reset", vdev->name, why);
	atomic_fetch_or(&vdev->status, VIRTIO_STATUS_NEEDS_RESET);
	if ((atomic_load(&vdev->status) & VIRTIO_STATUS_DRIVER_OK) &&
	    vdev->tops && vdev->tops->signal_config)
		vdev->tops->signal_config(vdev);
}

static void queue_clear(struct virtq *vq)
{
	pthread_mutex_lock(&vq->used_lock);
	vq->ready = false;
	vq->size = vq->max_size;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = false;
	vq->event_idx = vq->indirect = false;
	vq->msix_vector = VIRTIO_MSI_NO_VECTOR;
	pthread_mutex_unlock(&vq->used_lock);
}

/* With vdev->lock held. */
static void do_reset(struct virtio_dev *vdev)
{
	workers_stop(vdev);
	/* The device drains its in-flight I/O: completions still see the rings. */
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	if (vdev->tops && vdev->tops->reset)
		vdev->tops->reset(vdev);
	for (unsigned i = 0; i < vdev->nr_queues; i++)
		queue_clear(&vdev->vqs[i]);
	vdev->driver_features = 0;
	vdev->features = 0;
	vdev->config_msix_vector = VIRTIO_MSI_NO_VECTOR;
	atomic_store(&vdev->broken, false);
	atomic_store(&vdev->status, 0);
}

void virtio_reset(struct virtio_dev *vdev)
{
	pthread_mutex_lock(&vdev->lock);
	do_reset(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

u32 virtio_get_device_features(struct virtio_dev *vdev, u32 sel)
{
	return sel < 2 ? (u32)(vdev->device_features >> (32 * sel)) : 0;
}

void virtio_set_driver_features(struct virtio_dev *vdev, u32 sel, u32 val)
{
	pthread_mutex_lock(&vdev->lock);
	if (sel < 2 && !(atomic_load(&vdev->status) & VIRTIO_STATUS_FEATURES_OK)) {
		u64 mask = 0xffffffffULL << (32 * sel);

		vdev->driver_features = (vdev->driver_features & ~mask) |
					((u64)val << (32 * sel));
	}
	pthread_mutex_unlock(&vdev->lock);
}

u8 virtio_get_status(struct virtio_dev *vdev)
{
	return atomic_load(&vdev->status);
}

static bool features_acceptable(struct virtio_dev *vdev)
{
	u64 f = vdev->driver_features;

	if (f & ~vdev->device_features)
		return false;
	/* Legacy drivers are not supported: only the 1.0+ interface. */
	if (!(f & VIRTIO_BIT(VIRTIO_F_VERSION_1)))
		return false;
	return !vdev->ops->features_ok || vdev->ops->features_ok(vdev, f);
}

static void activate(struct virtio_dev *vdev)
{
	int ret = 0;

	for (unsigned i = 0; i < vdev->nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];

		vq->event_idx = vdev->features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
		vq->indirect = vdev->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	}
	if (vdev->ops->activate)
		ret = vdev->ops->activate(vdev);
	if (!ret)
		ret = workers_start(vdev);
	if (ret)
		virtio_dev_needs_reset(vdev, "activation failed");
}

void virtio_set_status(struct virtio_dev *vdev, u8 status)
{
	u8 old;

	pthread_mutex_lock(&vdev->lock);
	if (status == 0) {
		do_reset(vdev);
		goto out;
	}
	old = atomic_load(&vdev->status);
	/* NEEDS_RESET is the device's to set; the driver only ORs in its bits. */
	status &= ~VIRTIO_STATUS_NEEDS_RESET;
	status |= old & VIRTIO_STATUS_NEEDS_RESET;

	if ((status & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
		if (features_acceptable(vdev))
			vdev->features = vdev->driver_features;
		else
			status &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* DRIVER_OK without FEATURES_OK is a driver bug: do not start. */
	if ((status & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK))
		status &= ~VIRTIO_STATUS_DRIVER_OK;
	atomic_store(&vdev->status, status);
	if ((status & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK) &&
	    !vdev->running && !atomic_load(&vdev->broken))
		activate(vdev);
out:
	pthread_mutex_unlock(&vdev->lock);
}

/* ---- config space ---- */

void virtio_config_read(struct virtio_dev *vdev, u32 offset, void *data, u32 len)
{
	memset(data, 0, len);
	if (!range_ok(offset, len, vdev->config_size))
		return;
	pthread_mutex_lock(&vdev->lock);
	if (vdev->ops->config_read)
		vdev->ops->config_read(vdev, offset, data, len);
	else if (vdev->config)
		memcpy(data, (u8 *)vdev->config + offset, len);
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_config_write(struct virtio_dev *vdev, u32 offset, const void *data, u32 len)
{
	if (!range_ok(offset, len, vdev->config_size))
		return;
	pthread_mutex_lock(&vdev->lock);
	if (vdev->ops->config_write)
		vdev->ops->config_write(vdev, offset, data, len);
	pthread_mutex_unlock(&vdev->lock);
}

u32 virtio_config_generation(struct virtio_dev *vdev)
{
	return atomic_load(&vdev->config_generation);
}

void virtio_config_changed(struct virtio_dev *vdev)
{
	atomic_fetch_add(&vdev->config_generation, 1);
	if ((atomic_load(&vdev->status) & VIRTIO_STATUS_DRIVER_OK) &&
	    vdev->tops && vdev->tops->signal_config)
		vdev->tops->signal_config(vdev);
}

/* ---- queue configuration ---- */

struct virtq *virtio_get_vq(struct virtio_dev *vdev, u32 idx)
{
	return idx < vdev->nr_queues ? &vdev->vqs[idx] : NULL;
}

/* Lock vdev and return queue idx if it may be configured, else NULL + *err. */
static struct virtq *cfg_queue_lock(struct virtio_dev *vdev, u32 idx, int *err)
{
	struct virtq *vq = virtio_get_vq(vdev, idx);

	if (!vq) {
		*err = -EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&vdev->lock);
	if (vq->ready) {
		pthread_mutex_unlock(&vdev->lock);
		*err = -EBUSY;
		return NULL;
	}
	return vq;
}

int virtio_queue_set_size(struct virtio_dev *vdev, u32 idx, u32 size)
{
	int err;
	struct virtq *vq = cfg_queue_lock(vdev, idx, &err);

	if (!vq)
		return err;
	/* Checked at enable: a bad value must not be silently changed. */
	vq->size = size > 0xffff ? 0 : size;
	pthread_mutex_unlock(&vdev->lock);
	return 0;
}

enum ring_area { RING_DESC, RING_AVAIL, RING_USED };

static int set_area(struct virtio_dev *vdev, u32 idx, enum ring_area area, u64 gpa)
{
	int err;
	struct virtq *vq = cfg_queue_lock(vdev, idx, &err);

	if (!vq)
		return err;
	switch (area) {
	case RING_DESC: vq->desc_gpa = gpa; break;
	case RING_AVAIL: vq->avail_gpa = gpa; break;
	case RING_USED: vq->used_gpa = gpa; break;
	}
	pthread_mutex_unlock(&vdev->lock);
	return 0;
}

int virtio_queue_set_desc(struct virtio_dev *vdev, u32 idx, u64 gpa)
{
	return set_area(vdev, idx, RING_DESC, gpa);
}

int virtio_queue_set_avail(struct virtio_dev *vdev, u32 idx, u64 gpa)
{
	return set_area(vdev, idx, RING_AVAIL, gpa);
}

int virtio_queue_set_used(struct virtio_dev *vdev, u32 idx, u64 gpa)
{
	return set_area(vdev, idx, RING_USED, gpa);
}

int virtio_queue_set_addr(struct virtio_dev *vdev, u32 idx, u64 desc, u64 avail, u64 used)
{
	int ret = set_area(vdev, idx, RING_DESC, desc);

	if (!ret)
		ret = set_area(vdev, idx, RING_AVAIL, avail);
	if (!ret)
		ret = set_area(vdev, idx, RING_USED, used);
	return ret;
}

/* Map one ring area: in RAM and aligned, or NULL. */
static void *map_area(struct virtio_dev *vdev, u64 gpa, u64 len, u64 align)
{
	if (!IS_ALIGNED(gpa, align))
		return NULL;
	return guest_ptr(vdev->vm, gpa, len);
}

int virtio_queue_set_ready(struct virtio_dev *vdev, u32 idx, bool ready)
{
	struct virtq *vq = virtio_get_vq(vdev, idx);
	const char *why = NULL;
	int ret = 0;

	if (!vq)
		return -EINVAL;
	pthread_mutex_lock(&vdev->lock);
	if (!ready) {
		/*
		 * Before DRIVER_OK nothing uses the queue, so the driver may take
		 * it back (virtio-mmio reads QueueReady back as written; Linux
		 * checks it). Once running, only reset stops a queue
		 * (VIRTIO_F_RING_RESET is not offered).
		 */
		if (vq->ready && vdev->running) {
			ret = -EBUSY;
		} else if (vq->ready) {
			pthread_mutex_lock(&vq->used_lock);
			vq->ready = false;
			vq->desc = NULL;
			vq->avail = NULL;
			vq->used = NULL;
			pthread_mutex_unlock(&vq->used_lock);
		}
		goto out;
	}
	if (vq->ready)
		goto out;
	if (!is_pow2(vq->size) || vq->size > vq->max_size) {
		why = "queue size is not a power of 2 up to the maximum";
		goto bad;
	}
	vq->desc = map_area(vdev, vq->desc_gpa, virtq_desc_bytes(vq->size), 16);
	vq->avail = map_area(vdev, vq->avail_gpa, virtq_avail_bytes(vq->size), 2);
	vq->used = map_area(vdev, vq->used_gpa, virtq_used_bytes(vq->size), 4);
	if (!vq->desc || !vq->avail || !vq->used) {
		why = "ring outside guest RAM or misaligned";
		goto bad;
	}
	vq->last_avail = vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->ready = true;
	goto out;
bad:
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	ret = -EINVAL;
	pthread_mutex_unlock(&vdev->lock);
	{
		char msg[80];

		snprintf(msg, sizeof(msg), "queue %u: %s", idx, why);
		virtio_dev_needs_reset(vdev, msg);
	}
	return ret;
out:
	pthread_mutex_unlock(&vdev->lock);
	return ret;
}

void virtio_queue_kick(struct virtio_dev *vdev, u32 idx)
{
	struct virtq *vq = virtio_get_vq(vdev, idx);
	u64 one = 1;

	if (vq && vq->kick_fd >= 0 && write(vq->kick_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: kick: %s", vdev->name, strerror(errno));
}

int virtio_queue_kick_fd(struct virtio_dev *vdev, u32 idx)
{
	struct virtq *vq = virtio_get_vq(vdev, idx);

	return vq ? vq->kick_fd : -1;
}

/* ---- teardown ---- */

void virtio_dev_destroy(void *arg)
{
	struct virtio_dev *vdev = arg;
	int last = -1;

	virtio_reset(vdev);
	if (vdev->tops && vdev->tops->destroy)
		vdev->tops->destroy(vdev);
	for (unsigned i = 0; vdev->vqs && i < vdev->nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];

		if (vq->kick_fd >= 0 && vq->kick_fd != last)
			close(vq->kick_fd);
		last = vq->kick_fd;
		pthread_mutex_destroy(&vq->used_lock);
	}
	if (vdev->stop_fd >= 0)
		close(vdev->stop_fd);
	free(vdev->vqs);
	vdev->vqs = NULL;
	pthread_mutex_destroy(&vdev->lock);
	if (vdev->ops->destroy)
		vdev->ops->destroy(vdev);
}
