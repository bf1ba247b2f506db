// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-fs (virtio/fs.c) end to end without KVM: the device created as
 * `--share DIR` does, so kite starts Debian's virtiofsd on DIR; the test
 * plays the guest driver through the rings in shared test RAM and sends
 * FUSE requests, which the daemon reads and answers straight from that
 * RAM and signals through its call eventfd, which must reach the
 * transport as a queue interrupt. Also the --share parser's refusals.
 */
#include <dirent.h>
#include <linux/fuse.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "virtio-harness.h"

#define REQ_QUEUE	1	/* queue 0 is the high-priority queue */

static struct tvm T;
static struct ttransport TT;
static struct virtio_dev *V;
static char dir[64];
static bool share_ro;		/* the fixture's share is HOSTDIR,ro */
static bool share_root;		/* ... and HOSTDIR is /, as kite sandbox shares it */
static unsigned kick_flags;	/* VIRTIO_KICK_SHARED: a transport like virtio-mmio */
static int queue_irqfd = -1;	/* >= 0: a transport like virtio-pci with MSI-X */

static int tt_queue_irqfd(struct virtio_dev *vdev, struct virtq *vq)
{
	return vq->index == REQ_QUEUE ? queue_irqfd : -1;
}

static atomic_uint req_irqs;	/* signal_queue for the request queue */

static void tt_count_queue(struct virtio_dev *vdev, struct virtq *vq)
{
	if (vq->index == REQ_QUEUE)
		atomic_fetch_add(&req_irqs, 1);
	tt_signal_queue(vdev, vq);
}

static const struct virtio_transport_ops tt_irqfd_ops = {
	.signal_queue	= tt_count_queue,
	.signal_config	= tt_signal_config,
	.reset		= tt_reset,
	.queue_irqfd	= tt_queue_irqfd,
};

static int capture_create(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	V = vdev;
	return virtio_transport_attach(vdev, queue_irqfd >= 0 ? &tt_irqfd_ops : &tt_ops, &TT,
				       kick_flags);
}

/* Test RAM a daemon can map, as vm_init_memory makes it with shared_ram. */
static void shared_ram(void)
{
	int fd = memfd_create("test-ram", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, TEST_RAM_SIZE), 0);
	munmap(T.vm.ram, TEST_RAM_SIZE);
	T.vm.ram = mmap(NULL, TEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(T.vm.ram, MAP_FAILED);
	T.vm.banks[0].hva = T.vm.ram;
	T.vm.ram_fd = fd;
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	struct virtio_fs_share s;
	char spec[96];

	if (access(VIRTIOFSD_PATH, X_OK))
		return;		/* the tests skip themselves */
	snprintf(dir, sizeof(dir), "/tmp/kite-test-fs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file("hello.txt", "written by the host\n");
	tvm_init(&T, 1);
	shared_ram();
	snprintf(spec, sizeof(spec), "%s,tag=hostfs%s", share_root ? "/" : dir,
		 share_ro ? ",ro" : "");
	ck_assert_int_eq(virtio_fs_parse(spec, &s), 0);
	ck_assert_str_eq(s.tag, "hostfs");
	ck_assert_int_eq(virtio_fs_create(&(struct virtio_transport){ .create = capture_create,
								     .vm = &T.vm }, &s, 0), 0);
	ck_assert_ptr_nonnull(V);
}

static void setup_shared_kick(void)
{
	kick_flags = VIRTIO_KICK_SHARED;
	setup();
}

static void setup_irqfd(void)
{
	queue_irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(queue_irqfd, 0);
	setup();
}

static void setup_ro(void)
{
	share_ro = true;
	setup();
}

static void setup_root_ro(void)
{
	share_root = true;
	setup_ro();
}

static void teardown(void)
{
	char cmd[96];

	if (!V)
		return;
	virtio_dev_destroy(V);
	V = NULL;
	if (queue_irqfd >= 0)
		close(queue_irqfd);
	queue_irqfd = -1;
	tvm_exit(&T);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void need_virtiofsd(void)
{
	if (!V)
		test_skip("%s is not installed (Debian package qemu-system-common)", VIRTIOFSD_PATH);
}

/* Features and queues offered, the tag in config space; rings up, DRIVER_OK. */
static void bring_up(struct tring *hiprio, struct tring *req)
{
	struct { char tag[36]; u32 nr; } __attribute__((packed)) cfg;
	u64 f = (u64)virtio_get_device_features(V, 1) << 32 | virtio_get_device_features(V, 0);

	ck_assert_uint_eq(V->device_id, 26);
	ck_assert(f & VIRTIO_BIT(VIRTIO_F_VERSION_1));
	ck_assert_uint_ge(V->nr_queues, 2);
	virtio_config_read(V, 0, &cfg, 4);
	virtio_config_read(V, 4, (char *)&cfg + 4, 4);
	ck_assert_int_eq(memcmp(cfg.tag, "host", 4), 0);
	virtio_config_read(V, 36, &cfg.nr, 4);
	ck_assert_uint_eq(cfg.nr, V->nr_queues - 1);

	ck_assert_uint_eq(tdev_negotiate(V, f) & VIRTIO_STATUS_FEATURES_OK, VIRTIO_STATUS_FEATURES_OK);
	tring_init(hiprio, &T, 16);
	tring_init(req, &T, 16);
	ck_assert_int_eq(tring_attach(hiprio, V, 0), 0);
	ck_assert_int_eq(tring_attach(req, V, REQ_QUEUE), 0);
	tdev_driver_ok(V);
	ck_assert(!(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET));
}

/*
 * One FUSE request: header + body readable, reply header + body writable.
 * Kicks the queue and waits for the daemon's answer; returns the reply's
 * error field, with the reply body at *out.
 */
static u64 unique = 1;

/* The request on the ring, not kicked yet: its reply header. */
static struct fuse_out_header *fuse_add(struct tring *r, u32 opcode, u64 nodeid,
					const void *body, u32 len, u32 out_len)
{
	u64 in_gpa = tvm_alloc(&T, sizeof(struct fuse_in_header) + len, 8);
	u64 out_gpa = tvm_alloc(&T, sizeof(struct fuse_out_header) + out_len, 8);
	struct fuse_in_header *in = tvm_hva(&T, in_gpa);
	struct fuse_out_header *oh = tvm_hva(&T, out_gpa);
	struct tseg segs[2] = {
		{ in_gpa, sizeof(*in) + len, false },
		{ out_gpa, sizeof(*oh) + out_len, true },
	};

	*in = (struct fuse_in_header){ .len = sizeof(*in) + len, .opcode = opcode,
				       .unique = unique, .nodeid = nodeid };
	memcpy(in + 1, body, len);
	/* EVENT_IDX: interrupt me for the next used entry, as a driver does. */
	*tring_used_event(r) = r->last_used;
	tring_add(r, segs, 2);
	return oh;
}

/* The request on the ring and the kick, as a driver does: its reply header. */
static struct fuse_out_header *fuse_post(struct tring *r, u32 opcode, u64 nodeid,
					 const void *body, u32 len, u32 out_len)
{
	struct fuse_out_header *oh = fuse_add(r, opcode, nodeid, body, len, out_len);

	virtio_queue_kick(V, REQ_QUEUE);
	return oh;
}

static int fuse_call(struct tring *r, u32 opcode, u64 nodeid, const void *body, u32 len,
		     void **out, u32 out_len)
{
	unsigned irqs = atomic_load(&TT.queue_irqs);
	struct fuse_out_header *oh = fuse_post(r, opcode, nodeid, body, len, out_len);

	ck_assert_msg(tring_wait_used(r, 1, 10000), "virtiofsd did not answer opcode %u", opcode);
	r->last_used++;
	/* The daemon's call eventfd became the transport's queue interrupt. */
	for (int i = 0; i < 10000 && atomic_load(&TT.queue_irqs) == irqs; i++)
		usleep(1000);
	ck_assert_uint_gt(atomic_load(&TT.queue_irqs), irqs);
	ck_assert_uint_eq(oh->unique, unique);
	unique++;
	*out = oh + 1;
	return oh->error;
}

static void fuse_init(struct tring *r)
{
	struct fuse_init_in init = { .major = FUSE_KERNEL_VERSION, .minor = 31,
				     .max_readahead = 65536 };
	struct fuse_init_out *reply;

	ck_assert_int_eq(fuse_call(r, FUSE_INIT, 0, &init, sizeof(init), (void **)&reply,
				   sizeof(*reply)), 0);
	ck_assert_uint_eq(reply->major, FUSE_KERNEL_VERSION);
}

START_TEST(virtiofsd_answers_through_guest_ram)
{
	struct fuse_entry_out *e;
	struct tring hiprio, req;

	need_virtiofsd();
	bring_up(&hiprio, &req);
	fuse_init(&req);
	/* The file the host wrote, by name in the share's root (node 1). */
	ck_assert_int_eq(fuse_call(&req, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.txt", 10,
				   (void **)&e, sizeof(*e)), 0);
	ck_assert_uint_eq(e->attr.size, strlen("written by the host\n"));
	ck_assert(S_ISREG(e->attr.mode));
	ck_assert_int_eq(fuse_call(&req, FUSE_LOOKUP, FUSE_ROOT_ID, "missing", 8,
				   (void **)&e, sizeof(*e)), -ENOENT);
}
END_TEST

/* Reset stops the daemon's rings (GET_VRING_BASE) without hanging; DRIVER_OK restarts them. */
/*
 * With a kick eventfd per queue (virtio-pci) the queue's ioeventfd is the
 * daemon's own: a kick reaches virtiofsd with no kite thread in between
 * (here no worker at all, and inline service nobody runs).
 */
static const struct fuse_init_in init_req = { .major = FUSE_KERNEL_VERSION, .minor = 31 };

START_TEST(kicks_reach_the_daemon_directly)
{
	struct tring hiprio, req;

	need_virtiofsd();
	V->inline_service = true;
	bring_up(&hiprio, &req);
	ck_assert(virtio_kick_direct(V));
	fuse_post(&req, FUSE_INIT, 0, &init_req, sizeof(init_req), sizeof(struct fuse_init_out));
	ck_assert_msg(tring_wait_used(&req, 1, 10000), "the kick did not reach virtiofsd");
}
END_TEST

/* One kick eventfd for all queues (virtio-mmio): the worker relays each kick. */
START_TEST(shared_kicks_go_through_the_worker)
{
	struct tring hiprio, req;

	need_virtiofsd();
	V->inline_service = true;
	bring_up(&hiprio, &req);
	ck_assert(!virtio_kick_direct(V));
	fuse_post(&req, FUSE_INIT, 0, &init_req, sizeof(init_req), sizeof(struct fuse_init_out));
	ck_assert(!tring_wait_used(&req, 1, 300));	/* nobody relayed it yet */
	virtio_dev_service(V);
	ck_assert_msg(tring_wait_used(&req, 1, 10000), "the relayed kick did not reach virtiofsd");
}
END_TEST

/*
 * With an irqfd for the queue (virtio-pci's MSI-X vector) the daemon
 * signals it itself: the interrupt needs no kite thread (signal_queue is
 * never called for it).
 */
START_TEST(calls_reach_the_guest_directly)
{
	struct pollfd pfd = { .fd = queue_irqfd, .events = POLLIN };
	struct tring hiprio, req;

	need_virtiofsd();
	bring_up(&hiprio, &req);
	/* libvhost-user signals a call fd once when it gets it: not ours. */
	if (poll(&pfd, 1, 1000) == 1)
		efd_drain(queue_irqfd);
	*tring_used_event(&req) = req.last_used;	/* EVENT_IDX: interrupt me */
	fuse_post(&req, FUSE_INIT, 0, &init_req, sizeof(init_req), sizeof(struct fuse_init_out));
	ck_assert_msg(tring_wait_used(&req, 1, 10000), "virtiofsd did not answer");
	ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
	ck_assert_uint_eq(atomic_load(&req_irqs), 0);
}
END_TEST

START_TEST(reset_and_restart)
{
	struct tring hiprio, req;
	struct fuse_entry_out *e;

	need_virtiofsd();
	bring_up(&hiprio, &req);
	fuse_init(&req);
	virtio_reset(V);
	ck_assert_uint_eq(virtio_get_status(V), 0);
	bring_up(&hiprio, &req);
	ck_assert_int_eq(fuse_call(&req, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.txt", 10,
				   (void **)&e, sizeof(*e)), 0);
}
END_TEST

/* pid's children (every thread's), appended to pids[*n..max). */
static void children_of(int pid, int *pids, unsigned *n, unsigned max)
{
	char path[320];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		FILE *f;
		int c;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", pid, e->d_name);
		f = fopen(path, "r");
		while (f && *n < max && fscanf(f, "%d", &c) == 1)
			pids[(*n)++] = c;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
}

static bool gone(int pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'Z' || state == 'X';
}

/*
 * SIGKILL the daemon child_spawn started and what it forked (virtiofsd's
 * namespace sandbox serves from a child of its own, which outlives its
 * parent for a moment), and wait until all are dead: how many there were.
 */
static unsigned kill_children(void)
{
	int pids[16];
	unsigned n = 0;

	children_of(getpid(), pids, &n, 16);
	for (unsigned i = 0; i < n; i++)	/* n grows: their children too */
		children_of(pids[i], pids, &n, 16);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(kill(pids[i], SIGKILL), 0);
	for (unsigned i = 0; i < n; i++)
		for (int t = 0; t < 5000 && !gone(pids[i]); t++)
			usleep(1000);
	return n;
}

/* The daemon killed: a later DRIVER_OK breaks the device, nothing hangs or crashes. */
START_TEST(daemon_gone_breaks_the_device)
{
	struct tring hiprio, req;

	need_virtiofsd();
	ck_assert_uint_ge(kill_children(), 1);
	virtio_reset(V);
	tdev_negotiate(V, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	tring_init(&hiprio, &T, 16);
	tring_init(&req, &T, 16);
	tring_attach(&hiprio, V, 0);
	tring_attach(&req, V, REQ_QUEUE);
	tdev_driver_ok(V);
	ck_assert(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET);
}
END_TEST

/* The next used entry's reply: -EIO for the request with that unique. */
static void expect_eio(struct tring *r, struct fuse_out_header *oh, const char *what)
{
	ck_assert_msg(tring_wait_used(r, 1, 10000), "%s: no answer", what);
	r->last_used++;
	ck_assert_int_eq(oh->error, -EIO);
	ck_assert_uint_eq(oh->len, sizeof(*oh));
	ck_assert_uint_eq(oh->unique, unique);
	unique++;
}

/*
 * The daemon killed with a request on a ring it never took (the
 * high-priority queue, never kicked, so the daemon never looked): kite
 * answers in its place. That request and every later one get -EIO with
 * their unique, each with its interrupt; nothing waits for the dead.
 */
static void daemon_dies_requests_fail(void)
{
	struct tring hiprio, req;
	struct fuse_out_header *oh;
	unsigned irqs;

	need_virtiofsd();
	bring_up(&hiprio, &req);
	fuse_init(&req);
	oh = fuse_add(&hiprio, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.txt", 10,
		      sizeof(struct fuse_entry_out));
	irqs = atomic_load(&TT.queue_irqs);
	ck_assert_uint_ge(kill_children(), 1);
	expect_eio(&hiprio, oh, "the request the daemon never took");
	for (int i = 0; i < 10000 && atomic_load(&TT.queue_irqs) == irqs; i++)
		usleep(1000);
	ck_assert_uint_gt(atomic_load(&TT.queue_irqs), irqs);
	oh = fuse_post(&req, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.txt", 10, sizeof(struct fuse_entry_out));
	expect_eio(&req, oh, "a request after the daemon died");
	ck_assert(!(virtio_get_status(V) & VIRTIO_STATUS_NEEDS_RESET));
	/* A reset with the daemon gone stops the stand-in and hangs on nothing. */
	virtio_reset(V);
}

START_TEST(daemon_dies_requests_fail_with_eio)
{
	daemon_dies_requests_fail();
}
END_TEST

/* The same through virtio-mmio's shared kick, which the worker relays. */
START_TEST(daemon_dies_shared_kick)
{
	daemon_dies_requests_fail();
}
END_TEST

/* FUSE_MKDIR of name in the share's root: the reply's error. */
static int fuse_mkdir(struct tring *req, const char *name)
{
	struct { struct fuse_mkdir_in in; char name[32]; } body = { { .mode = 0755 } };
	struct fuse_entry_out *e;

	snprintf(body.name, sizeof(body.name), "%s", name);
	return fuse_call(req, FUSE_MKDIR, FUSE_ROOT_ID, &body,
			 sizeof(body.in) + strlen(name) + 1, (void **)&e, sizeof(*e));
}

static bool host_has(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

/* A read-write share: the guest's mkdir is on the host. */
START_TEST(rw_share_writes_reach_the_host)
{
	struct tring hiprio, req;

	need_virtiofsd();
	bring_up(&hiprio, &req);
	fuse_init(&req);
	ck_assert_int_eq(fuse_mkdir(&req, "made-by-guest"), 0);
	ck_assert(host_has("made-by-guest"));
}
END_TEST

/* HOSTDIR,ro: the daemon itself cannot write (EROFS), reads still work. */
START_TEST(ro_share_refuses_writes)
{
	struct tring hiprio, req;
	struct fuse_entry_out *e;

	need_virtiofsd();
	bring_up(&hiprio, &req);
	fuse_init(&req);
	ck_assert_int_eq(fuse_call(&req, FUSE_LOOKUP, FUSE_ROOT_ID, "hello.txt", 10,
				   (void **)&e, sizeof(*e)), 0);
	ck_assert_int_eq(fuse_mkdir(&req, "made-by-guest"), -EROFS);
	ck_assert(!host_has("made-by-guest"));
}
END_TEST

/*
 * kite sandbox's root share: / read-only, the daemon in its namespace
 * sandbox (pivot_root into /). The host's files are there; the daemon
 * cannot create one, not even as root.
 */
START_TEST(root_share_is_read_only)
{
	struct tring hiprio, req;
	struct fuse_entry_out *e;
	char name[64];

	need_virtiofsd();
	bring_up(&hiprio, &req);
	fuse_init(&req);
	ck_assert_int_eq(fuse_call(&req, FUSE_LOOKUP, FUSE_ROOT_ID, "etc", 4,
				   (void **)&e, sizeof(*e)), 0);
	ck_assert(S_ISDIR(e->attr.mode));
	snprintf(name, sizeof(name), "kite-test-%d", getpid());
	ck_assert_int_eq(fuse_mkdir(&req, name), -EROFS);
	snprintf(name, sizeof(name), "/kite-test-%d", getpid());
	ck_assert_int_ne(access(name, F_OK), 0);
}
END_TEST

START_TEST(parser_refusals)
{
	struct virtio_fs_share s;
	char spec[128];

	ck_assert_int_lt(virtio_fs_parse("/nonexistent/dir", &s), 0);
	ck_assert_int_lt(virtio_fs_parse("/etc/hostname", &s), 0);	/* a file */
	ck_assert_int_lt(virtio_fs_parse("", &s), 0);
	ck_assert_int_lt(virtio_fs_parse("socket=/run/fs.sock,tag=t,ro", &s), 0);	/* not ours to enforce */
	ck_assert_int_lt(virtio_fs_parse("/tmp,cache=sometimes", &s), 0);
	ck_assert_int_lt(virtio_fs_parse("socket=/tmp/x.sock", &s), 0);	/* no tag */
	ck_assert_int_lt(virtio_fs_parse("/", &s), 0);			/* no name to default to */
	snprintf(spec, sizeof(spec), "/tmp,tag=%037d", 0);
	ck_assert_int_lt(virtio_fs_parse(spec, &s), 0);
	snprintf(spec, sizeof(spec), "/tmp,tag=%036d", 0);		/* exactly 36: fine */
	if (!access(VIRTIOFSD_PATH, X_OK)) {
		ck_assert_int_eq(virtio_fs_parse(spec, &s), 0);
		ck_assert_uint_eq(strlen(s.tag), 36);
		ck_assert_int_eq(virtio_fs_parse("/tmp/", &s), 0);
		ck_assert_str_eq(s.tag, "tmp");				/* the default tag */
		ck_assert_str_eq(s.cache, "auto");
		ck_assert(!s.readonly);
		ck_assert_int_eq(virtio_fs_parse("/tmp,ro", &s), 0);
		ck_assert(s.readonly);
	}
	ck_assert_int_eq(virtio_fs_parse("socket=/run/fs.sock,tag=t,cache=none", &s), 0);
	ck_assert_str_eq(s.socket, "/run/fs.sock");
	ck_assert_str_eq(s.cache, "none");
	ck_assert_int_lt(virtio_fs_parse("socket=/run/fs.sock,tag=t,sandbox=none", &s), 0);
}
END_TEST

static Suite *fs_suite(void)
{
	Suite *s = suite_create("virtio-fs");
	TCase *tc = tcase_create("virtio-fs");
	TCase *parse = tcase_create("parse");
	TCase *ro = tcase_create("ro");
	TCase *root = tcase_create("root");
	TCase *shared = tcase_create("shared-kick");
	TCase *irqfd = tcase_create("irqfd");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, virtiofsd_answers_through_guest_ram);
	tcase_add_test(tc, kicks_reach_the_daemon_directly);
	tcase_add_test(tc, reset_and_restart);
	tcase_add_test(tc, daemon_gone_breaks_the_device);
	tcase_add_test(tc, daemon_dies_requests_fail_with_eio);
	tcase_add_test(tc, rw_share_writes_reach_the_host);
	tcase_set_timeout(ro, 60);
	tcase_add_checked_fixture(ro, setup_ro, teardown);
	tcase_add_test(ro, ro_share_refuses_writes);
	tcase_set_timeout(root, 60);
	tcase_add_checked_fixture(root, setup_root_ro, teardown);
	tcase_add_test(root, root_share_is_read_only);
	tcase_add_test(parse, parser_refusals);
	tcase_set_timeout(shared, 60);
	tcase_add_checked_fixture(shared, setup_shared_kick, teardown);
	tcase_add_test(shared, shared_kicks_go_through_the_worker);
	tcase_add_test(shared, daemon_dies_shared_kick);
	suite_add_tcase(s, shared);
	tcase_set_timeout(irqfd, 60);
	tcase_add_checked_fixture(irqfd, setup_irqfd, teardown);
	tcase_add_test(irqfd, calls_reach_the_guest_directly);
	suite_add_tcase(s, irqfd);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, ro);
	suite_add_tcase(s, root);
	suite_add_tcase(s, parse);
	return s;
}

KITE_TEST_MAIN(fs_suite)
