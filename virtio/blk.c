// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk (virtio 1.2, 5.2) on the disk layer.
 *
 * Each queue has a pool of requests sized to its ring. The worker pops
 * every chain a kick made available, parses it into a disk_req and adds
 * it to the queue's batch; the whole batch then goes to the disk layer at
 * once (one io_submit / io_uring_enter). Completions run on the first
 * queue's worker when the engine lets it poll them (aio: the worker polls
 * the disk's completion eventfd next to its kick eventfd, so a request
 * wakes one thread, not two), else on the engine's thread (inline for
 * the sync engine): they write the status byte, push the chain on the
 * used ring and interrupt the guest if it asked for it.
 *
 * The request layout is not assumed (5.2.6.4: no framing): the 16-byte
 * header is read out of the readable bytes, the status is the last
 * writable byte, and the data is what lies between.
 */
#include <libgen.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "virtio.h"

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

/* Request types and status (5.2.6). */
#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2
#define VIRTIO_BLK_WZ_F_UNMAP		1
#define VIRTIO_BLK_ID_BYTES		20

#define SECTOR_SHIFT			9
#define BLK_QUEUE_SIZE			256
#define BLK_SEG_MAX			126	/* data segments per request */
#define BLK_SIZE_MAX			(1U << 20)	/* bytes per segment */
#define BLK_MAX_QUEUES			16
/* Discard/write-zeroes: one range per request, up to 1 GiB. */
#define BLK_MAX_DISCARD_SECTORS		(1U << 21)

struct virtio_blk_config {
	u64 capacity;			/* 512-byte sectors */
	u32 size_max;
	u32 seg_max;
	struct {
		u16 cylinders;
		u8 heads;
		u8 sectors;
	} geometry;
	u32 blk_size;
	struct {
		u8 physical_block_exp;
		u8 alignment_offset;
		u16 min_io_size;
		u32 opt_io_size;
	} topology;
	u8 writeback;
	u8 unused0;
	u16 num_queues;
	u32 max_discard_sectors;
	u32 max_discard_seg;
	u32 discard_sector_alignment;
	u32 max_write_zeroes_sectors;
	u32 max_write_zeroes_seg;
	u8 write_zeroes_may_unmap;
	u8 unused1[3];
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_config) == 60, "virtio_blk_config layout");

struct virtio_blk_outhdr {
	u32 type;
	u32 reserved;
	u64 sector;
};

struct virtio_blk_range {
	u64 sector;
	u32 num_sectors;
	u32 flags;
};

struct blk_queue;

struct blk_req {
	struct blk_queue *bq;
	struct disk_req dreq;
	struct virtq_elem elem;
	u8 *status;
	u32 used_len;		/* bytes written to the guest on success */
	/* O_DIRECT bounce buffer for guest buffers the disk cannot take as they are. */
	void *bounce;
	struct iovec bounce_iov;
	const struct iovec *data_iov;
	unsigned data_cnt;
	struct blk_req *next_free;
	struct iovec iov[BLK_SEG_MAX + 2];
};

struct blk_queue {
	struct virtio_blk *blk;
	struct virtq *vq;
	struct blk_req *reqs;
	unsigned nr_reqs;
	pthread_mutex_t lock;	/* free list: the worker takes, completions give back */
	struct blk_req *free;
	bool starved;		/* the worker stopped popping for want of a request */
	atomic_bool unsignalled;	/* completions pushed, guest not told yet */
	struct disk_batch batch;
};

struct virtio_blk {
	struct virtio_dev vdev;
	struct disk *disk;
	char *path;
	struct disk_opts opts;
	u64 sectors;
	struct virtio_blk_config config;
	char serial[VIRTIO_BLK_ID_BYTES];
	unsigned nr_queues;
	struct blk_queue queues[BLK_MAX_QUEUES];
	/*
	 * The disk's completion fd while a queue worker polls it (activate
	 * to reset), or -1; poll_vq is the queue whose worker does: the first
	 * ready one, which has a worker on either transport.
	 */
	int poll_fd;
	struct virtq *poll_vq;
	char name[24];
};

/* ---- request pool ---- */

static struct blk_req *req_get(struct blk_queue *bq)
{
	struct blk_req *req;

	pthread_mutex_lock(&bq->lock);
	req = bq->free;
	if (req)
		bq->free = req->next_free;
	else
		bq->starved = true;
	pthread_mutex_unlock(&bq->lock);
	return req;
}

static void req_put(struct blk_req *req)
{
	struct blk_queue *bq = req->bq;
	bool wake;

	pthread_mutex_lock(&bq->lock);
	req->next_free = bq->free;
	bq->free = req;
	wake = bq->starved;
	bq->starved = false;
	pthread_mutex_unlock(&bq->lock);
	/* The worker left chains on the ring: have it look again. */
	if (wake)
		virtio_queue_kick(&bq->blk->vdev, bq->vq->index);
}

static int queue_alloc(struct virtio_blk *blk, struct blk_queue *bq, struct virtq *vq)
{
	bq->blk = blk;
	bq->vq = vq;
	bq->nr_reqs = vq->size;
	bq->reqs = calloc(bq->nr_reqs, sizeof(*bq->reqs));
	if (!bq->reqs)
		return -ENOMEM;
	pthread_mutex_init(&bq->lock, NULL);
	bq->free = NULL;
	bq->starved = false;
	for (unsigned i = 0; i < bq->nr_reqs; i++) {
		struct blk_req *req = &bq->reqs[i];

		req->bq = bq;
		req->next_free = bq->free;
		bq->free = req;
	}
	disk_batch_init(&bq->batch);
	vq->priv = bq;
	return 0;
}

static void queue_free(struct blk_queue *bq)
{
	if (!bq->reqs)
		return;
	pthread_mutex_destroy(&bq->lock);
	free(bq->reqs);
	bq->reqs = NULL;
	bq->vq->priv = NULL;
}

/* ---- completion ---- */

/* Answer the chain (the caller tells the guest) and recycle the request. */
static void req_finish(struct blk_req *req, u8 status)
{
	u32 len = status == VIRTIO_BLK_S_OK ? req->used_len : 1;

	*req->status = status;
	virtq_push(req->bq->vq, req->elem.head, len);
	req_put(req);
}

static void req_done(struct disk_req *dreq, ssize_t res)
{
	struct blk_req *req = container_of(dreq, struct blk_req, dreq);
	bool ok = res >= 0;

	/* Reads and writes must transfer everything they asked for. */
	if (ok && (dreq->op == DISK_OP_READ || dreq->op == DISK_OP_WRITE))
		ok = (u64)res == iov_size(dreq->iov, dreq->iovcnt);
	if (req->bounce) {
		if (ok && dreq->op == DISK_OP_READ)
			iov_from_buf(req->data_iov, req->data_cnt, 0, req->bounce, res);
		free(req->bounce);
		req->bounce = NULL;
	}
	if (!ok)
		pr_debug("%s: request failed: %zd", req->bq->blk->name, res);
	/* The guest hears at the end of the disk's round: blk_round_done. */
	req_finish(req, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR);
	atomic_store(&req->bq->unsignalled, true);
}

/*
 * A round of completions is over, on whichever thread ran it (the poller
 * worker, the engine's thread, the disk's helper): interrupt each queue
 * that got some, once. A round's completions are all done already, so
 * telling the guest after the last costs it no latency and spares an
 * interrupt (and the guest's used-ring pass) per completion. Runs before
 * disk_wait() sees the round complete, so never after blk_reset's wait.
 */
static void blk_round_done(void *arg)
{
	struct virtio_blk *blk = arg;

	for (unsigned i = 0; i < blk->nr_queues; i++) {
		struct blk_queue *bq = &blk->queues[i];

		if (atomic_exchange(&bq->unsignalled, false))
			virtq_notify(bq->vq);
	}
}

/* ---- parsing ---- */

/* Is [sector, sector + bytes / 512) inside the disk? bytes is a multiple of 512. */
static bool sectors_ok(struct virtio_blk *blk, u64 sector, u64 bytes)
{
	if (bytes & ((1U << SECTOR_SHIFT) - 1))
		return false;
	return range_ok(sector, bytes >> SECTOR_SHIFT, blk->sectors);
}

/* DISCARD / WRITE_ZEROES: one range in the readable payload. */
static u8 parse_range(struct virtio_blk *blk, struct blk_req *req, u32 type,
		      struct iovec *data, unsigned cnt)
{
	struct virtio_blk_range r;
	u32 max_flags = type == VIRTIO_BLK_T_WRITE_ZEROES ? VIRTIO_BLK_WZ_F_UNMAP : 0;

	if (iov_size(data, cnt) != sizeof(r))
		return VIRTIO_BLK_S_UNSUPP;	/* we advertise one segment */
	iov_to_buf(data, cnt, 0, &r, sizeof(r));
	if (r.flags & ~max_flags)
		return VIRTIO_BLK_S_UNSUPP;
	if (blk->opts.readonly || r.num_sectors > BLK_MAX_DISCARD_SECTORS ||
	    !sectors_ok(blk, r.sector, (u64)r.num_sectors << SECTOR_SHIFT))
		return VIRTIO_BLK_S_IOERR;
	req->dreq.op = type == VIRTIO_BLK_T_DISCARD ? DISK_OP_DISCARD : DISK_OP_WRITE_ZEROES;
	req->dreq.offset = r.sector << SECTOR_SHIFT;
	req->dreq.len = (u64)r.num_sectors << SECTOR_SHIFT;
	return VIRTIO_BLK_S_OK;
}

/*
 * Turn a popped chain into a disk request. Returns VIRTIO_BLK_S_OK with
 * req->dreq ready to submit, or the status to complete it with now
 * (req->used_len set for GET_ID, which never reaches the disk).
 */
static u8 req_parse(struct virtio_blk *blk, struct blk_req *req, bool *submit)
{
	struct virtq_elem *e = &req->elem;
	struct virtio_blk_outhdr hdr;
	struct iovec *out = e->iov, *in = e->iov + e->nr_out;
	unsigned nr_out = e->nr_out, nr_in = e->nr_in;
	u64 len;

	*submit = false;
	iov_to_buf(out, nr_out, 0, &hdr, sizeof(hdr));
	out = iov_skip_front(out, &nr_out, sizeof(hdr));
	/* The status byte is the last writable byte (nr_in >= 1, checked by the caller). */
	in[nr_in - 1].iov_len--;
	if (!in[nr_in - 1].iov_len)
		nr_in--;
	req->used_len = 1;
	memset(&req->dreq, 0, sizeof(req->dreq));
	req->dreq.done = req_done;
	req->dreq.priv = req;

	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
		len = iov_size(in, nr_in);
		if (!sectors_ok(blk, hdr.sector, len))
			return VIRTIO_BLK_S_IOERR;
		req->dreq.op = DISK_OP_READ;
		req->dreq.offset = hdr.sector << SECTOR_SHIFT;
		req->dreq.iov = in;
		req->dreq.iovcnt = nr_in;
		req->used_len = len + 1;
		break;
	case VIRTIO_BLK_T_OUT:
		len = iov_size(out, nr_out);
		if (blk->opts.readonly || !sectors_ok(blk, hdr.sector, len))
			return VIRTIO_BLK_S_IOERR;
		req->dreq.op = DISK_OP_WRITE;
		req->dreq.offset = hdr.sector << SECTOR_SHIFT;
		req->dreq.iov = out;
		req->dreq.iovcnt = nr_out;
		break;
	case VIRTIO_BLK_T_FLUSH:
		req->dreq.op = DISK_OP_FLUSH;
		break;
	case VIRTIO_BLK_T_GET_ID:
		req->used_len = 1 + iov_from_buf(in, nr_in, 0, blk->serial,
						 MIN(iov_size(in, nr_in), sizeof(blk->serial)));
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES: {
		u8 st = parse_range(blk, req, hdr.type, out, nr_out);

		if (st != VIRTIO_BLK_S_OK)
			return st;
		break;
	}
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
	/* The guest must not see a zero-length request reach the engine. */
	if ((req->dreq.op == DISK_OP_READ || req->dreq.op == DISK_OP_WRITE) && !req->dreq.iovcnt)
		return VIRTIO_BLK_S_OK;
	*submit = true;
	return VIRTIO_BLK_S_OK;
}

/*
 * With O_DIRECT the disk refuses guest buffers that are not aligned to
 * its block size. Guests are free to send them (the spec puts no
 * alignment on buffers), so copy through an aligned bounce buffer rather
 * than fail the request. Offsets stay the guest's: those are in sectors
 * and blk_size tells the driver the granularity.
 */
static int req_bounce(struct blk_req *req)
{
	struct disk_req *d = &req->dreq;
	size_t len = iov_size(d->iov, d->iovcnt);

	if (d->op != DISK_OP_READ && d->op != DISK_OP_WRITE)
		return -EINVAL;
	if (posix_memalign(&req->bounce, 4096, ALIGN_UP(len, 4096)))
		return -ENOMEM;
	if (d->op == DISK_OP_WRITE)
		iov_to_buf(d->iov, d->iovcnt, 0, req->bounce, len);
	req->data_iov = d->iov;
	req->data_cnt = d->iovcnt;
	req->bounce_iov = (struct iovec){ .iov_base = req->bounce, .iov_len = len };
	d->iov = &req->bounce_iov;
	d->iovcnt = 1;
	return 0;
}

/* Pop and queue every available request. */
static void blk_queue_drain(struct virtio_blk *blk, struct blk_queue *bq, bool *pushed)
{
	struct virtq *vq = bq->vq;

	for (;;) {
		struct blk_req *req = req_get(bq);
		bool submit;
		u8 st;
		int ret;

		if (!req)
			return;		/* req_put() kicks us when one frees up */
		req->elem.iov = req->iov;
		req->elem.max_iov = ARRAY_SIZE(req->iov);
		ret = virtq_pop(vq, &req->elem);
		if (ret <= 0) {
			req_put(req);
			return;
		}
		if (req->elem.out_len < sizeof(struct virtio_blk_outhdr) || !req->elem.nr_in) {
			/* No header or no status byte: nothing to answer with. */
			pr_debug("%s: request without header or status", blk->name);
			virtq_push(vq, req->elem.head, 0);
			*pushed = true;
			req_put(req);
			continue;
		}
		/* The status byte: last byte of the last writable segment. */
		req->status = (u8 *)req->elem.iov[req->elem.nr_out + req->elem.nr_in - 1].iov_base +
			      req->elem.iov[req->elem.nr_out + req->elem.nr_in - 1].iov_len - 1;
		st = req_parse(blk, req, &submit);
		if (!submit) {
			req_finish(req, st);
			*pushed = true;
			continue;
		}
		ret = disk_batch_add(blk->disk, &bq->batch, &req->dreq);
		if (ret == -EINVAL && blk->opts.direct && !req_bounce(req))
			ret = disk_batch_add(blk->disk, &bq->batch, &req->dreq);
		if (ret) {
			free(req->bounce);
			req->bounce = NULL;
			/* Refused up front (read-only, misaligned O_DIRECT): no callback. */
			pr_debug("%s: request refused: %s", blk->name, strerror(-ret));
			req_finish(req, VIRTIO_BLK_S_IOERR);
			*pushed = true;
		}
	}
}

static void blk_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_blk *blk = vdev->priv;
	struct blk_queue *bq = vq->priv;
	bool pushed = false;
	int ret;

	if (!bq)
		return;
	do {
		blk_queue_drain(blk, bq, &pushed);
	} while (virtq_enable_kicks(vq) && !bq->starved);
	ret = disk_batch_submit(blk->disk, &bq->batch);
	if (ret < 0)
		pr_warn("%s: batch submit: %s", blk->name, strerror(-ret));
	if (pushed)
		virtq_notify(vq);
}

/* ---- device ops ---- */

static int blk_activate(struct virtio_dev *vdev)
{
	struct virtio_blk *blk = vdev->priv;

	for (unsigned i = 0; i < blk->nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];

		if (vq->ready && queue_alloc(blk, &blk->queues[i], vq))
			return -ENOMEM;
	}
	/* Engines that cannot hand their completions over keep them (-ENOTSUP). */
	blk->poll_vq = NULL;
	blk->poll_fd = disk_poller_attach(blk->disk);
	for (unsigned i = 0; blk->poll_fd >= 0 && i < blk->nr_queues && !blk->poll_vq; i++)
		if (vdev->vqs[i].ready)
			blk->poll_vq = &vdev->vqs[i];
	/* No queue, no worker to poll: the engine keeps its completions. */
	if (blk->poll_fd >= 0 && !blk->poll_vq) {
		disk_poller_detach(blk->disk);
		blk->poll_fd = -1;
	}
	return 0;
}

/*
 * The poller queue's worker also sleeps on the disk's completions, an
 * event source of its own: a request then wakes only the thread that
 * submitted it, and the round hook tells the guest.
 */
static int blk_host_fd(struct virtio_dev *vdev, struct virtq *vq, short *events)
{
	struct virtio_blk *blk = vdev->priv;

	if (vq != blk->poll_vq)
		return -1;
	*events = POLLIN;
	return blk->poll_fd;
}

static void blk_host_ready(struct virtio_dev *vdev, struct virtq *vq, short revents)
{
	struct virtio_blk *blk = vdev->priv;

	disk_poller_run(blk->disk);
}

static void blk_reset(struct virtio_dev *vdev)
{
	struct virtio_blk *blk = vdev->priv;

	/* The workers have stopped: the engine's thread reaps again. */
	if (blk->poll_fd >= 0)
		disk_poller_detach(blk->disk);
	blk->poll_fd = -1;
	blk->poll_vq = NULL;
	/* In-flight requests complete (into the old rings) before they go. */
	if (blk->disk)
		disk_wait(blk->disk);
	for (unsigned i = 0; i < blk->nr_queues; i++)
		queue_free(&blk->queues[i]);
}

static void blk_destroy(struct virtio_dev *vdev)
{
	struct virtio_blk *blk = vdev->priv;

	if (blk->disk)
		disk_close(blk->disk);
	free(blk->path);
	free(blk);
}

static const struct virtio_dev_ops blk_ops = {
	.activate	= blk_activate,
	.reset		= blk_reset,
	.queue_notify	= blk_queue_notify,
	.host_fd	= blk_host_fd,
	.host_ready	= blk_host_ready,
	.destroy	= blk_destroy,
};

static void blk_fill_config(struct virtio_blk *blk)
{
	struct virtio_blk_config *c = &blk->config;
	u32 bs = disk_block_size(blk->disk);

	if (bs < 512)
		bs = 512;
	c->capacity = blk->sectors;
	c->size_max = BLK_SIZE_MAX;
	c->seg_max = BLK_SEG_MAX;
	c->blk_size = bs;
	c->num_queues = blk->nr_queues;
	c->max_discard_sectors = BLK_MAX_DISCARD_SECTORS;
	c->max_discard_seg = 1;
	c->discard_sector_alignment = bs >> SECTOR_SHIFT;
	c->max_write_zeroes_sectors = BLK_MAX_DISCARD_SECTORS;
	c->max_write_zeroes_seg = 1;
	c->write_zeroes_may_unmap = 0;
}

int virtio_blk_create(const struct virtio_transport *t, const char *spec, unsigned index)
{
	struct vm *vm = t->vm;
	struct virtio_blk *blk = calloc(1, sizeof(*blk));
	u64 features = VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
		       VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	char err[256] = "";
	int ret;

	if (!blk)
		return -ENOMEM;
	snprintf(blk->name, sizeof(blk->name), "virtio-blk%u", index);
	blk->poll_fd = -1;
	ret = disk_parse_spec(spec, &blk->path, &blk->opts, err, sizeof(err));
	if (ret) {
		pr_err("--disk %s: %s", spec, err);
		goto fail;
	}
	ret = disk_open(blk->path, &blk->opts, &blk->disk, err, sizeof(err));
	if (ret) {
		pr_err("--disk %s: %s", spec, err);
		goto fail;
	}
	disk_set_round_hook(blk->disk, blk_round_done, blk);
	if (disk_note(blk->disk))
		pr_info("--disk %s: %s", spec, disk_note(blk->disk));
	blk->opts.readonly = blk->opts.readonly || disk_readonly(blk->disk);
	blk->opts.direct = disk_direct(blk->disk);	/* the page cache, if it fell back */
	blk->opts.engine = disk_engine_type(blk->disk);
	blk->sectors = disk_size(blk->disk) >> SECTOR_SHIFT;
	blk->nr_queues = MAX(1U, MIN(vm->nr_cpus, (unsigned)BLK_MAX_QUEUES));
	/* GET_ID: the image's file name, the way a guest tells disks apart. */
	{
		char *copy = strdup(blk->path);

		/* Exactly 20 bytes, NUL-padded, not necessarily terminated (5.2.6). */
		if (copy)
			memcpy(blk->serial, basename(copy),
			       MIN(strlen(basename(copy)), sizeof(blk->serial)));
		free(copy);
	}
	if (blk->opts.readonly)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	else
		features |= VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
			    VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
	if (blk->nr_queues > 1)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_MQ);
	blk_fill_config(blk);

	ret = virtio_dev_init(&blk->vdev, vm, blk->name, VIRTIO_ID_BLOCK,
			      features | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
			      VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
			      blk->nr_queues, BLK_QUEUE_SIZE, &blk->config,
			      sizeof(blk->config), &blk_ops, blk);
	if (ret)
		goto fail;
	ret = t->create(t, &blk->vdev);
	if (ret) {
		virtio_dev_destroy(&blk->vdev);		/* frees blk */
		return ret;
	}
	return 0;
fail:
	if (blk->disk)
		disk_close(blk->disk);
	free(blk->path);
	free(blk);
	return ret;
}
