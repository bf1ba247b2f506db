// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-fs (virtio 1.2, 5.11): a host directory the guest mounts with
 * `mount -t virtiofs TAG DIR`. kite serves no file system itself: the
 * FUSE requests on the queues are read and answered straight from guest
 * RAM by a vhost-user back-end (virtio/vhost-user.c) in its own process,
 * Debian's /usr/lib/qemu/virtiofsd, which kite starts and owns, or a
 * daemon the user started (socket=PATH).
 *
 * Queue 0 is the high-priority queue, 1..N the request queues. On
 * virtio-pci each queue's ioeventfd is the daemon's kick eventfd, so a
 * kick reaches the daemon from KVM directly (ops.kick_direct); on
 * virtio-mmio, whose queues share one ioeventfd, kicks go through the
 * core's worker (queue_notify writes the daemon's kick eventfd of each
 * queue). With MSI-X the daemon's call fd is the queue's vector's irqfd,
 * so its interrupt reaches the guest from KVM directly too; else (INTx,
 * virtio-mmio's ISR) the daemon's call eventfds are the worker's
 * host fds, turned into the transport's interrupt (MSI-X, INTx or the
 * mmio ISR bit) by signal_queue. Guest RAM is a shared memfd
 * (vm_config.shared_ram), handed over in SET_MEM_TABLE.
 */
#include <fcntl.h>
#include <libgen.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "child.h"
#include "iov.h"
#include "seccomp-filter.h"
#include "vhost-user.h"
#include "virtio.h"

#define FS_QUEUE_SIZE		128
#define FS_MAX_REQUEST_QUEUES	8
#define FS_MAX_QUEUES		(1 + FS_MAX_REQUEST_QUEUES)
#define FS_REPLY_TIMEOUT_MS	5000	/* the daemon answers set-up in microseconds */
#define FS_STOP_TIMEOUT_MS	2000
/* What kite's side of the rings can offer, if the daemon does too. */
#define FS_RING_FEATURES	(VIRTIO_BIT(VIRTIO_F_VERSION_1) |		\
				 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |		\
				 VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

struct virtio_fs_config {
	char tag[VIRTIO_FS_TAG_MAX];	/* not NUL-terminated when 36 bytes long */
	u32 num_request_queues;
} __attribute__((packed));

struct virtio_fs {
	struct virtio_dev vdev;
	char name[16];
	struct virtio_fs_config config;
	struct vhost_user vu;
	struct child daemon;		/* pid 0 with socket=PATH */
	int kick[FS_MAX_QUEUES];	/* kite -> daemon */
	int call[FS_MAX_QUEUES];	/* daemon -> kite: the guest's interrupt */
	bool started[FS_MAX_QUEUES];
	/* The stand-in for a daemon that died (fs_watch), DRIVER_OK to reset. */
	pthread_t watch;
	bool watching;
	int watch_stop;			/* eventfd: the watcher returns */
};

/* ---- --share parsing ---- */

static int parse_cache(const char *v, struct virtio_fs_share *s, const char *spec)
{
	if (strcmp(v, "auto") && strcmp(v, "always") && strcmp(v, "none")) {
		pr_err("--share %s: cache=%s: expected auto, always or none", spec, v);
		return -EINVAL;
	}
	snprintf(s->cache, sizeof(s->cache), "%s", v);
	return 0;
}

static int parse_option(char *opt, struct virtio_fs_share *s, const char *spec)
{
	if (!strncmp(opt, "tag=", 4)) {
		if (!opt[4] || strlen(opt + 4) > VIRTIO_FS_TAG_MAX) {
			pr_err("--share %s: the tag must be 1 to %d bytes", spec, VIRTIO_FS_TAG_MAX);
			return -EINVAL;
		}
		memcpy(s->tag, opt + 4, strlen(opt + 4) + 1);
		return 0;
	}
	if (!strncmp(opt, "cache=", 6))
		return parse_cache(opt + 6, s, spec);
	if (!strcmp(opt, "sandbox=namespace") || !strcmp(opt, "sandbox=chroot")) {
		/* chroot where pivot_root cannot work: a container, an initramfs root. */
		snprintf(s->sandbox, sizeof(s->sandbox), "%s", opt + 8);
		return 0;
	}
	if (!strcmp(opt, "ro")) {
		s->readonly = true;
		return 0;
	}
	pr_err("--share %s: unknown option '%s' (ro, tag=NAME, cache=auto|always|none, "
	       "sandbox=namespace|chroot)", spec, opt);
	return -EINVAL;
}

/* The directory: it must exist and be one; the default tag is its base name. */
static int parse_dir(const char *dir, struct virtio_fs_share *s, const char *spec)
{
	struct stat st;
	char *copy;

	if (strlen(dir) >= sizeof(s->dir)) {
		pr_err("--share %s: path too long", spec);
		return -EINVAL;
	}
	if (stat(dir, &st) < 0) {
		pr_err("--share %s: %s", spec, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		pr_err("--share %s: not a directory", spec);
		return -ENOTDIR;
	}
	if (access(VIRTIOFSD_PATH, X_OK) < 0) {
		pr_err("--share %s: %s: %s (Debian package qemu-system-common)", spec,
		       VIRTIOFSD_PATH, strerror(errno));
		return -ENOENT;
	}
	strcpy(s->dir, dir);
	copy = strdup(dir);
	if (!copy)
		return -ENOMEM;
	snprintf(s->tag, sizeof(s->tag), "%.*s", VIRTIO_FS_TAG_MAX, basename(copy));
	free(copy);
	if (!strcmp(s->tag, "/") || !strcmp(s->tag, ".") || !strcmp(s->tag, ".."))
		s->tag[0] = '\0';	/* no name to default to: tag= is required */
	return 0;
}

int virtio_fs_parse(const char *spec, struct virtio_fs_share *s)
{
	char *buf = strdup(spec), *save = NULL, *first, *opt;
	int ret = 0;

	*s = (struct virtio_fs_share){ .cache = "auto" };
	if (!buf)
		return -ENOMEM;
	first = strtok_r(buf, ",", &save);
	if (!first) {
		pr_err("--share: expected HOSTDIR[,tag=NAME][,cache=MODE] or socket=PATH,tag=NAME");
		free(buf);
		return -EINVAL;
	}
	if (!strncmp(first, "socket=", 7)) {
		if (!first[7] || strlen(first + 7) >= sizeof(s->socket)) {
			pr_err("--share %s: the socket path must be 1 to %zu bytes", spec,
			       sizeof(s->socket) - 1);
			ret = -EINVAL;
		} else {
			strcpy(s->socket, first + 7);
		}
	} else {
		ret = parse_dir(first, s, spec);
	}
	while (!ret && (opt = strtok_r(NULL, ",", &save)))
		ret = parse_option(opt, s, spec);
	if (!ret && s->readonly && s->socket[0]) {
		/* kite cannot make another's daemon read-only: refuse, never pretend. */
		pr_err("--share %s: ro needs a daemon kite starts (HOSTDIR,ro), not socket=", spec);
		ret = -EINVAL;
	}
	if (!ret && !s->tag[0]) {
		pr_err("--share %s: name the share with tag=NAME", spec);
		ret = -EINVAL;
	}
	free(buf);
	return ret;
}

/* ---- the daemon ---- */

/*
 * Is kite's root the initramfs (rootfs)? Then pivot_root, which the
 * daemon's namespace sandbox needs, cannot work, and chroot is what is
 * left (as in a rig's L1 or an initramfs-only machine).
 */
static bool root_is_rootfs(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	bool rootfs = false;

	while (f && fgets(line, sizeof(line), f)) {
		char mnt[256], *sep = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE ... */
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1 && !strcmp(mnt, "/") &&
		    sep && !strncmp(sep, " - rootfs ", 10))
			rootfs = true;
	}
	if (f)
		fclose(f);
	return rootfs;
}

/*
 * A unix socket kite is connected to and whose listening end, handed to
 * the daemon as --fd, it accepts: the listening socket has a fresh
 * abstract address, and kite's connection waits in its backlog.
 */
static int spawn_virtiofsd(struct child *daemon, const struct virtio_fs_share *s)
{
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	char source[sizeof(s->dir) + 16], cache[32], sandbox[32];
	char *argv[] = { VIRTIOFSD_PATH, "--fd=3", "-o", source, "-o", cache,
			 "-o", sandbox, "-o", "log_level=warn", NULL };
	struct child_opts o = { .nr_fds = 1, .userns = getuid() != 0,
				.readonly_dir = s->readonly ? s->dir : NULL, .quiet = s->quiet };
	int lfd, sock = -1, ret;

	snprintf(source, sizeof(source), "source=%s", s->dir);
	snprintf(cache, sizeof(cache), "cache=%s", s->cache);
	/* Sharing / itself, pivot_root into it fails (EBUSY) and would hide nothing. */
	snprintf(sandbox, sizeof(sandbox), "sandbox=%s", s->sandbox[0] ? s->sandbox :
		 !strcmp(s->dir, "/") || root_is_rootfs() ? "chroot" : "namespace");
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	addr.sun_family = AF_UNIX;
	/* Binding only the family autobinds to a fresh abstract address. */
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(sa_family_t)) < 0 ||
	    listen(lfd, 1) < 0 || getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		goto fail;
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, len) < 0)
		goto fail;
	o.fds[0] = lfd;
	ret = child_spawn(daemon, "virtiofsd", argv, &o);
	close(lfd);
	if (ret) {
		close(sock);
		return ret;
	}
	return sock;
fail:
	ret = -errno;
	pr_err("--share %s: socket for virtiofsd: %s", s->dir, strerror(errno));
	if (lfd >= 0)
		close(lfd);
	if (sock >= 0)
		close(sock);
	return ret;
}

static int connect_socket(const struct virtio_fs_share *s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, s->socket);	/* length checked by the parser */
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		pr_err("--share socket=%s: cannot connect: %s", s->socket, strerror(e));
		if (sock >= 0)
			close(sock);
		return -e;
	}
	return sock;
}

/* ---- the device ---- */

static struct virtio_fs *to_fs(struct virtio_dev *vdev)
{
	return vdev->priv;
}

/* Guest RAM as the daemon maps it: each bank is a window of the one memfd. */
static int fs_set_mem_table(struct virtio_fs *fs)
{
	struct vm *vm = fs->vdev.vm;
	struct vhost_user_region r[2];

	if (vm->ram_fd < 0) {
		pr_warn("%s: guest RAM is not shareable", fs->name);
		return -EIO;
	}
	for (unsigned i = 0; i < vm->nr_banks; i++) {
		const struct mem_bank *b = &vm->banks[i];

		r[i] = (struct vhost_user_region){
			.gpa = b->gpa, .size = b->size, .uaddr = (u64)(uintptr_t)b->hva,
			.mmap_offset = b->hva - vm->ram, .fd = vm->ram_fd,
		};
	}
	return vhost_user_set_mem_table(&fs->vu, r, vm->nr_banks);
}

/* The eventfd the daemon waits on for vq: the queue's own ioeventfd where it has one. */
static int fs_kick_fd(struct virtio_dev *vdev, struct virtq *vq)
{
	return virtio_kick_direct(vdev) ? vq->kick_fd : to_fs(vdev)->kick[vq->index];
}

/* The eventfd the daemon signals for vq: the transport's irqfd where it has one. */
static int fs_call_fd(struct virtio_dev *vdev, struct virtq *vq)
{
	int fd = vdev->tops->queue_irqfd ? vdev->tops->queue_irqfd(vdev, vq) : -1;

	return fd >= 0 ? fd : to_fs(vdev)->call[vq->index];
}

/*
 * ---- a daemon that died ----
 * Once the daemon's end of the socket hangs up, kite answers in its
 * place, so that the guest's file system calls fail rather than wait
 * forever (FUSE in Linux 6.1 has no request timeout): every chain the
 * daemon took and never answered, and every later one, gets a FUSE
 * reply of -EIO; a chain with no room for a reply (FORGET wants none)
 * just comes back. The chains the daemon took and never answered: the
 * daemons kite runs (Debian's virtiofsd, and the Rust one, at their
 * default thread-pool-size of 0) serve each queue in order on one
 * thread, so they are the chains from used->idx on. A daemon that
 * answers out of order may get one chain answered twice; the guest's
 * driver then calls that queue broken and its requests fail, which is
 * where a dead daemon leaves it anyway. The watcher sleeps on the socket
 * from DRIVER_OK to reset (no message is due then: the daemon speaks
 * only when asked), then on the kick fds the daemon slept on.
 */
#define FS_DEAD_MAX_IOV		1024

static void fs_dead_answer(struct virtq *vq, struct iovec *iov)
{
	struct virtq_elem e = { .max_iov = FS_DEAD_MAX_IOV, .iov = iov };

	do {
		while (virtq_pop(vq, &e) == 1) {
			struct fuse_in_header in;
			struct fuse_out_header out = { .len = sizeof(out), .error = -EIO };
			u32 len = 0;

			if (iov_to_buf(e.iov, e.nr_out, 0, &in, sizeof(in)) == sizeof(in) &&
			    e.in_len >= sizeof(out)) {
				out.unique = in.unique;
				len = iov_from_buf(e.iov + e.nr_out, e.nr_in, 0, &out, sizeof(out));
			}
			virtq_push_notify(vq, e.head, len);
		}
	} while (virtq_enable_kicks(vq));
}

/* Sleep until the daemon hangs up (true) or the watcher is stopped (false). */
static bool fs_wait_hangup(struct virtio_fs *fs)
{
	struct pollfd p[2] = { { .fd = fs->watch_stop, .events = POLLIN },
			       { .fd = fs->vu.sock, .events = POLLIN | POLLRDHUP } };

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return false;
	return !p[0].revents;
}

/*
 * The queues the daemon had, taken over: its unanswered chains on. p[0] is
 * the stop fd, p[k] the kick fd of queue owner[k]; returns how many.
 */
static unsigned fs_dead_take(struct virtio_fs *fs, struct pollfd *p, unsigned *owner,
			     struct iovec *iov)
{
	struct virtio_dev *vdev = &fs->vdev;
	unsigned n = 1;

	p[0] = (struct pollfd){ .fd = fs->watch_stop, .events = POLLIN };
	for (unsigned i = 0; i < vdev->nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];

		if (!fs->started[i] || !virtq_live(vq))
			continue;
		pthread_mutex_lock(&vq->used_lock);
		vq->used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
		vq->last_avail = vq->used_idx;
		vq->signalled_valid = false;
		pthread_mutex_unlock(&vq->used_lock);
		fs_dead_answer(vq, iov);
		owner[n] = i;
		p[n++] = (struct pollfd){ .fd = fs_kick_fd(vdev, vq), .events = POLLIN };
	}
	return n;
}

static void *fs_watch(void *arg)
{
	struct virtio_fs *fs = arg;
	struct pollfd p[1 + FS_MAX_QUEUES];
	unsigned owner[1 + FS_MAX_QUEUES], n;
	struct iovec *iov;

	seccomp_selftest("virtio-fs watcher");
	if (!fs_wait_hangup(fs))
		return NULL;
	vhost_user_fail(&fs->vu, "it hung up (exited?): the guest's requests fail with EIO now");
	/* A daemon that talks out of turn is not trusted with the rings any more. */
	child_stop(&fs->daemon, FS_STOP_TIMEOUT_MS);
	iov = calloc(FS_DEAD_MAX_IOV, sizeof(*iov));
	if (!iov) {
		virtio_dev_needs_reset(&fs->vdev, "out of memory");
		return NULL;
	}
	n = fs_dead_take(fs, p, owner, iov);
	while (poll(p, n, -1) >= 0 || errno == EINTR) {
		if (p[0].revents)
			break;
		for (unsigned k = 1; k < n; k++) {
			if (p[k].revents) {
				efd_drain(p[k].fd);
				fs_dead_answer(&fs->vdev.vqs[owner[k]], iov);
			}
		}
	}
	free(iov);
	return NULL;
}

static int fs_watch_start(struct virtio_fs *fs)
{
	int ret = -pthread_create(&fs->watch, NULL, fs_watch, fs);

	fs->watching = !ret;
	return ret;
}

/* Before any other message on the socket: a reply would look like a hang-up. */
static void fs_watch_stop(struct virtio_fs *fs)
{
	if (!fs->watching)
		return;
	efd_signal(fs->watch_stop);
	pthread_join(fs->watch, NULL);
	efd_drain(fs->watch_stop);
	fs->watching = false;
}

static int fs_activate(struct virtio_dev *vdev)
{
	struct virtio_fs *fs = to_fs(vdev);
	int ret = vhost_user_set_features(&fs->vu, vdev->features);

	if (!ret)
		ret = fs_set_mem_table(fs);
	for (unsigned i = 0; !ret && i < vdev->nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];
		struct vhost_user_vring v = {
			.size = vq->size, .base = vq->last_avail,
			.desc_uaddr = (u64)(uintptr_t)vq->desc,
			.avail_uaddr = (u64)(uintptr_t)vq->avail,
			.used_uaddr = (u64)(uintptr_t)vq->used,
			.kick_fd = fs_kick_fd(vdev, vq), .call_fd = fs_call_fd(vdev, vq),
		};

		if (!vq->ready)
			continue;
		ret = vhost_user_start_vring(&fs->vu, i, &v);
		fs->started[i] = !ret;
	}
	return ret ? ret : fs_watch_start(fs);
}

/* Kicks the worker saw (mmio's shared ioeventfd, a start) go on to the daemon. */
static void fs_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	efd_signal(fs_kick_fd(vdev, vq));
}

static int fs_host_fd(struct virtio_dev *vdev, struct virtq *vq, short *events)
{
	*events = POLLIN;
	return to_fs(vdev)->call[vq->index];
}

/* The daemon used buffers and wants the guest interrupted. */
static void fs_host_ready(struct virtio_dev *vdev, struct virtq *vq, short revents)
{
	efd_drain(to_fs(vdev)->call[vq->index]);
	vdev->tops->signal_queue(vdev, vq);
}

/* Stop the daemon's rings (GET_VRING_BASE); it keeps the session for the next DRIVER_OK. */
static void fs_reset(struct virtio_dev *vdev)
{
	struct virtio_fs *fs = to_fs(vdev);

	fs_watch_stop(fs);
	for (unsigned i = 0; i < vdev->nr_queues; i++) {
		if (fs->started[i])
			vhost_user_stop_vring(&fs->vu, i, NULL);
		fs->started[i] = false;
		efd_drain(fs->kick[i]);
		efd_drain(fs->call[i]);
	}
}

static void fs_free(struct virtio_fs *fs)
{
	fs_watch_stop(fs);
	if (fs->watch_stop >= 0)
		close(fs->watch_stop);
	vhost_user_close(&fs->vu);
	child_stop(&fs->daemon, FS_STOP_TIMEOUT_MS);
	for (unsigned i = 0; i < FS_MAX_QUEUES; i++) {
		if (fs->kick[i] >= 0)
			close(fs->kick[i]);
		if (fs->call[i] >= 0)
			close(fs->call[i]);
	}
	free(fs);
}

static void fs_destroy(struct virtio_dev *vdev)
{
	fs_free(to_fs(vdev));
}

static const struct virtio_dev_ops fs_ops = {
	.activate	= fs_activate,
	.reset		= fs_reset,
	.queue_notify	= fs_queue_notify,
	.host_fd	= fs_host_fd,
	.kick_direct	= true,
	.host_ready	= fs_host_ready,
	.destroy	= fs_destroy,
};

/* Open the session and size the device from what the daemon offers. */
static int fs_negotiate(struct virtio_fs *fs, int sock, const char *what, u64 *features,
			unsigned *nr_req)
{
	struct vhost_user *vu = &fs->vu;

	if (vhost_user_open(vu, sock, fs->name, FS_REPLY_TIMEOUT_MS)) {
		pr_err("--share %s: the vhost-user daemon did not set up", what);
		return -EIO;
	}
	if (!(vu->features & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		pr_err("--share %s: the daemon does not offer virtio 1 (features %#llx)", what,
		       (unsigned long long)vu->features);
		return -EIO;
	}
	*features = vu->features & FS_RING_FEATURES;
	/* Without MQ the daemon has the two queues every virtio-fs device has. */
	*nr_req = vu->nr_queues ? MIN(vu->nr_queues - 1, FS_MAX_REQUEST_QUEUES) : 1;
	if (!*nr_req) {
		pr_err("--share %s: the daemon has no request queue", what);
		return -EIO;
	}
	return 0;
}

/* The watcher's stop fd, the kick and call fds: 0, or -1 (fs_free closes what opened). */
static int fs_eventfds(struct virtio_fs *fs)
{
	memset(fs->kick, -1, sizeof(fs->kick));
	memset(fs->call, -1, sizeof(fs->call));
	fs->watch_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fs->watch_stop < 0)
		return -1;
	for (unsigned i = 0; i < FS_MAX_QUEUES; i++) {
		fs->kick[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fs->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fs->kick[i] < 0 || fs->call[i] < 0)
			return -1;
	}
	return 0;
}

int virtio_fs_start(struct virtio_fs_share *s)
{
	int sock;

	if (s->started)
		return 0;
	s->daemon = (struct child){ 0 };
	sock = s->socket[0] ? connect_socket(s) : spawn_virtiofsd(&s->daemon, s);
	if (sock < 0)
		return sock;
	s->sock = sock;
	s->started = true;
	return 0;
}

void virtio_fs_stop(struct virtio_fs_share *s)
{
	if (!s->started)
		return;
	close(s->sock);
	child_stop(&s->daemon, FS_STOP_TIMEOUT_MS);
	s->started = false;
}

int virtio_fs_create(const struct virtio_transport *t, struct virtio_fs_share *s,
		     unsigned index)
{
	struct virtio_fs *fs = calloc(1, sizeof(*fs));
	const char *what = s->socket[0] ? s->socket : s->dir;
	unsigned nr_req;
	u64 features;
	int sock, ret;

	if (!fs)
		return -ENOMEM;
	fs->vu.sock = -1;
	if (fs_eventfds(fs)) {
		pr_err("--share %s: eventfd: %s", what, strerror(errno));
		fs_free(fs);
		return -EMFILE;
	}
	snprintf(fs->name, sizeof(fs->name), "virtio-fs%u", index);
	ret = virtio_fs_start(s);
	if (ret) {
		fs_free(fs);
		return ret;
	}
	/* The device owns the daemon from here on, fs_free included. */
	sock = s->sock;
	fs->daemon = s->daemon;
	s->started = false;
	ret = fs_negotiate(fs, sock, what, &features, &nr_req);
	if (ret) {
		fs_free(fs);
		return ret;
	}
	memcpy(fs->config.tag, s->tag, strnlen(s->tag, VIRTIO_FS_TAG_MAX));
	fs->config.num_request_queues = nr_req;
	ret = virtio_dev_init(&fs->vdev, t->vm, fs->name, VIRTIO_ID_FS, features, 1 + nr_req,
			      FS_QUEUE_SIZE, &fs->config, sizeof(fs->config), &fs_ops, fs);
	if (ret) {
		free(fs->vdev.vqs);
		fs_free(fs);
		return ret;
	}
	ret = t->create(t, &fs->vdev);
	if (ret)
		virtio_dev_destroy(&fs->vdev);		/* frees fs, stops the daemon */
	return ret;
}
