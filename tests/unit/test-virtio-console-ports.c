// SPDX-License-Identifier: GPL-2.0
/*
 * Multiport virtio-console through its rings, no KVM: the control
 * handshake a Linux driver does (DEVICE_READY, DEVICE_ADD, PORT_READY,
 * PORT_NAME, PORT_OPEN), binary output of two ports kept apart on their
 * own fds, input held until the guest opens its port, end of input as
 * PORT_OPEN(0), and drain after the guest stopped.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio-harness.h"

#define WAIT_MS		10000
#define NR_PORTS	3
#define NR_QUEUES	(2 + 2 * NR_PORTS)
#define MULTIPORT	1

struct ctl {
	u32 id;
	u16 event, value;
} __attribute__((packed));

static struct tvm T;
static struct ttransport TT;
static struct virtio_dev *V;
static struct virtio_console *CON;
static struct tring R[NR_QUEUES];
static int in_pipe[2], out_pipe[NR_PORTS][2];
static u64 ctl_bufs[16];

static int capture_create(const struct virtio_transport *t, struct virtio_dev *vdev)
{
	V = vdev;
	return virtio_transport_attach(vdev, &tt_ops, &TT, 0);
}

static unsigned rxq(unsigned id) { return id ? 2 + 2 * id : 0; }

/* One driver-writable buffer of len bytes on queue q; returns its gpa. */
static u64 post_in(unsigned q, u32 len)
{
	u64 gpa = tvm_alloc(&T, len, 8);

	tring_add(&R[q], &(struct tseg){ gpa, len, true }, 1);
	virtio_queue_kick(V, q);
	return gpa;
}

static void send_out(unsigned q, const void *data, u32 len)
{
	u64 gpa = tvm_alloc(&T, len, 8);

	memcpy(tvm_hva(&T, gpa), data, len);
	tring_add(&R[q], &(struct tseg){ gpa, len, false }, 1);
	virtio_queue_kick(V, q);
}

static void send_ctl(u32 id, u16 event, u16 value)
{
	struct ctl c = { id, event, value };

	send_out(3, &c, sizeof(c));
}

/* The next control message to the driver; name (if any) in name[64]. */
static struct ctl next_ctl(char *name)
{
	struct virtq_used_elem e;
	struct ctl c;
	u8 *buf;

	ck_assert_msg(tring_wait_used(&R[2], 1, WAIT_MS), "no control message");
	e = tring_get_used(&R[2]);
	ck_assert_uint_ge(e.len, sizeof(c));
	/* Buffers were posted in order, each used once, in order. */
	buf = tvm_hva(&T, ctl_bufs[e.id % 16]);
	memcpy(&c, buf, sizeof(c));
	if (name) {
		memcpy(name, buf + sizeof(c), e.len - sizeof(c));
		name[e.len - sizeof(c)] = '\0';
	}
	return c;
}

static bool escape_on_stdin;

static void setup(void)
{
	struct virtio_console_port ports[NR_PORTS];
	static const char *names[NR_PORTS] = { "kite.stdin", "kite.stdout", "kite.stderr" };

	tvm_init(&T, 1);
	memset(&TT, 0, sizeof(TT));
	ck_assert_int_eq(pipe2(in_pipe, O_CLOEXEC), 0);
	for (int i = 0; i < NR_PORTS; i++) {
		ck_assert_int_eq(pipe2(out_pipe[i], O_CLOEXEC), 0);
		ports[i] = (struct virtio_console_port){ .name = names[i], .in_fd = -1,
							 .out_fd = out_pipe[i][1] };
	}
	ports[0].in_fd = in_pipe[0];
	ports[0].escape = escape_on_stdin;
	ck_assert_int_eq(virtio_console_create_ports(&(struct virtio_transport){
			.create = capture_create, .vm = &T.vm }, ports, NR_PORTS, &CON), 0);
	ck_assert_ptr_nonnull(V);
	ck_assert_int_eq(V->nr_queues, NR_QUEUES);
	ck_assert(tdev_negotiate(V, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(MULTIPORT)) &
		  VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < NR_QUEUES; q++) {
		tring_init(&R[q], &T, 16);
		ck_assert_int_eq(tring_attach(&R[q], V, q), 0);
	}
	tdev_driver_ok(V);
	/* Control buffers as Linux posts them, descriptor i = buffer i. */
	for (int i = 0; i < 16; i++)
		ctl_bufs[i] = post_in(2, 8 + 64);
}

static void teardown(void)
{
	virtio_dev_destroy(V);
	tvm_exit(&T);
	for (int i = 0; i < NR_PORTS; i++) {
		close(out_pipe[i][0]);
		close(out_pipe[i][1]);
	}
	close(in_pipe[0]);
	if (in_pipe[1] >= 0)
		close(in_pipe[1]);
}

/* DEVICE_READY, then per port: PORT_READY -> its name and the host side open. */
static void handshake(void)
{
	char name[80];
	struct ctl c;

	send_ctl(0, 0, 1);			/* DEVICE_READY */
	for (u32 i = 0; i < NR_PORTS; i++) {
		c = next_ctl(NULL);
		ck_assert_uint_eq(c.event, 1);	/* DEVICE_ADD */
		ck_assert_uint_eq(c.id, i);
	}
	for (u32 i = 0; i < NR_PORTS; i++) {
		send_ctl(i, 3, 1);		/* PORT_READY */
		c = next_ctl(name);
		ck_assert_uint_eq(c.event, 7);	/* PORT_NAME */
		ck_assert_uint_eq(c.id, i);
		ck_assert_str_eq(name, i == 0 ? "kite.stdin" : i == 1 ? "kite.stdout" : "kite.stderr");
		c = next_ctl(NULL);
		ck_assert_uint_eq(c.event, 6);	/* PORT_OPEN */
		ck_assert_uint_eq(c.id, i);
		ck_assert_uint_eq(c.value, 1);
	}
}

static void read_exact(int fd, u8 *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (len) {
		ssize_t n;

		ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
		n = read(fd, buf, len);
		ck_assert_int_gt(n, 0);
		buf += n;
		len -= n;
	}
}

START_TEST(test_handshake_names)
{
	setup();
	handshake();
	teardown();
}
END_TEST

/* stdout and stderr: each port's bytes on its own fd, exactly. */
START_TEST(test_output_separate_binary)
{
	u8 a[3000], b[700], got[3000];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = i * 31 + (i >> 3);
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = ~i;
	setup();
	handshake();
	send_out(5, a, 1000);		/* port 1 transmit */
	send_out(7, b, sizeof(b));	/* port 2 transmit */
	send_out(5, a + 1000, 2000);
	read_exact(out_pipe[1][0], got, sizeof(a));
	ck_assert_int_eq(memcmp(got, a, sizeof(a)), 0);
	read_exact(out_pipe[2][0], got, sizeof(b));
	ck_assert_int_eq(memcmp(got, b, sizeof(b)), 0);
	ck_assert_int_eq(virtio_console_drain(CON, WAIT_MS), 0);
	ck_assert_uint_eq(tring_used_pending(&R[5]), 2);
	teardown();
}
END_TEST

/* Input reaches port 0 once the guest opened it; EOF arrives as PORT_OPEN(0). */
START_TEST(test_input_then_eof)
{
	static const u8 msg[] = { 'h', 0, 0xff, '\n', 0x01 };
	struct virtq_used_elem e;
	struct ctl c;
	u64 buf;

	setup();
	T.vm.cfg = &(struct vm_config){ .stats = true };
	T.vm.first_run_ns = now_ns();
	handshake();
	ck_assert_int_eq(write_full(in_pipe[1], msg, sizeof(msg)), 0);
	buf = post_in(rxq(0), 64);
	ck_assert_uint_eq(T.vm.ready_ns, 0);	/* ports ready, none opened: still booting */
	send_ctl(0, 6, 1);		/* a guest process opened port 0 */
	ck_assert_msg(tring_wait_used(&R[0], 1, WAIT_MS), "no input");
	/* The start-up figures split at the first open: the kernel's boot ended. */
	ck_assert_uint_ge(T.vm.ready_ns, T.vm.first_run_ns);
	e = tring_get_used(&R[0]);
	ck_assert_uint_eq(e.len, sizeof(msg));
	ck_assert_int_eq(memcmp(tvm_hva(&T, buf), msg, sizeof(msg)), 0);
	close(in_pipe[1]);
	in_pipe[1] = -1;
	c = next_ctl(NULL);
	ck_assert_uint_eq(c.event, 6);
	ck_assert_uint_eq(c.id, 0);
	ck_assert_uint_eq(c.value, 0);
	teardown();
}
END_TEST

/*
 * Binary input is left alone unless the port asks for the escape; with it
 * (a terminal), Ctrl-A Ctrl-A is one Ctrl-A and Ctrl-A x stops the VM.
 */
START_TEST(test_escape_only_when_asked)
{
	static const u8 raw[] = { 'a', 0x01, 'x', 0x01, 0x01, 'b' };
	struct virtq_used_elem e;
	u64 buf;

	for (int esc = 0; esc < 2; esc++) {
		escape_on_stdin = esc;
		setup();
		handshake();
		buf = post_in(rxq(0), 64);
		/* Escape on: send the doubled Ctrl-A first, on its own. */
		if (esc)
			ck_assert_int_eq(write_full(in_pipe[1], raw + 3, 3), 0);
		else
			ck_assert_int_eq(write_full(in_pipe[1], raw, sizeof(raw)), 0);
		send_ctl(0, 6, 1);
		ck_assert_msg(tring_wait_used(&R[0], 1, WAIT_MS), "no input");
		e = tring_get_used(&R[0]);
		if (esc) {
			ck_assert_uint_eq(e.len, 2);
			ck_assert_int_eq(memcmp(tvm_hva(&T, buf), "\x01" "b", 2), 0);
			ck_assert(!vm_stopping(&T.vm));
			ck_assert_int_eq(write_full(in_pipe[1], raw, 3), 0);	/* a ^A x */
			for (int i = 0; i < WAIT_MS && !vm_stopping(&T.vm); i++)
				usleep(1000);
			ck_assert(vm_stopping(&T.vm));
			ck_assert_int_eq(T.vm.exit_code, KITE_EXIT_USER);
		} else {
			ck_assert_uint_eq(e.len, sizeof(raw));
			ck_assert_int_eq(memcmp(tvm_hva(&T, buf), raw, sizeof(raw)), 0);
			ck_assert(!vm_stopping(&T.vm));
		}
		teardown();
	}
	escape_on_stdin = false;
}
END_TEST

/* A malformed control chain or an unknown port id breaks nothing. */
START_TEST(test_bad_control)
{
	u8 junk[3] = { 1, 2, 3 };

	setup();
	send_out(3, junk, sizeof(junk));	/* shorter than a message */
	send_ctl(99, 3, 1);			/* PORT_READY for no port */
	send_ctl(99, 6, 1);
	ck_assert(tring_wait_used(&R[3], 3, WAIT_MS));
	handshake();				/* the device still works */
	teardown();
}
END_TEST

static Suite *ports_suite(void)
{
	Suite *s = suite_create("virtio-console-ports");
	TCase *tc = tcase_create("multiport");

	tcase_add_test(tc, test_handshake_names);
	tcase_add_test(tc, test_output_separate_binary);
	tcase_add_test(tc, test_input_then_eof);
	tcase_add_test(tc, test_bad_control);
	tcase_add_test(tc, test_escape_only_when_asked);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(ports_suite)
