// SPDX-License-Identifier: GPL-2.0
/*
 * The network backends (util/net-*.c) for real, without a guest: --net
 * specs; what kite asks of passt (a fake one recording its arguments);
 * passt, where kite's end of the socketpair sends an ARP request
 * in the stream framing and gets the reply, a missing passt is a one-line
 * error and destroy reaps it; a tap (in a network namespace of the test's
 * own) with virtio-net headers both ways, answering ARP the same way.
 */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"
#include "test.h"

START_TEST(test_spec)
{
	struct net_spec s;

	ck_assert_int_eq(net_parse_spec("user", &s), 0);
	ck_assert(!s.tap);
	ck_assert_uint_eq(s.nr_fwds, 0);
	ck_assert_int_eq(net_parse_spec("user,fwd=tcp:8080:80,fwd=udp:5353:53,mac=02:00:00:aa:bb:cc", &s), 0);
	ck_assert_uint_eq(s.nr_fwds, 2);
	ck_assert(!s.fwds[0].udp && s.fwds[0].host_port == 8080 && s.fwds[0].guest_port == 80);
	ck_assert(s.fwds[1].udp && s.fwds[1].host_port == 5353 && s.fwds[1].guest_port == 53);
	ck_assert(s.has_mac && s.mac[0] == 2 && s.mac[5] == 0xcc);
	ck_assert_int_eq(net_parse_spec("tap=tap0,mac=02:00:00:00:00:01", &s), 0);
	ck_assert(s.tap);
	ck_assert_str_eq(s.tap_name, "tap0");
	ck_assert_str_eq(s.addr, "");
	ck_assert_int_eq(net_parse_spec("user,addr=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3", &s), 0);
	ck_assert_str_eq(s.addr, "10.0.2.15");
	ck_assert_uint_eq(s.prefix, 24);
	ck_assert_str_eq(s.gw, "10.0.2.2");
	ck_assert_str_eq(s.dns, "10.0.2.3");
	ck_assert_int_eq(net_parse_spec("tap=tap0,addr=10.9.0.2/24", &s), 0);
	ck_assert_str_eq(s.addr, "10.9.0.2");
	static const char *const bad[] = {
		"user,addr=10.0.2.15", "user,addr=10.0.2.15/0", "user,addr=10.0.2.15/33",
		"user,addr=10.0.2/24", "user,addr=fe80::1/64", "user,gw=10.0.2.2/24",
		"user,dns=300.1.1.1", "user,addr=10.0.2.15/24x",
		"", "bogus", "user,fwd=tcp:0:80", "user,fwd=tcp:80:65536", "user,fwd=sctp:1:2",
		"user,fwd=tcp:1:2x", "tap=", "tap=averyveryverylongname", "tap=t,fwd=tcp:1:2",
		"user,mac=01:00:00:00:00:00", "user,mac=02:00:00", "user,user", "mac=02:00:00:00:00:01",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(net_parse_spec(bad[i], &s) == -EINVAL, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_passt_missing)
{
	struct net_spec s;

	setenv("KITE_PASST", "/nonexistent/passt", 1);
	ck_assert_int_eq(net_parse_spec("user", &s), 0);
	ck_assert_ptr_null(net_passt_create(&s));
	unsetenv("KITE_PASST");
}
END_TEST

/*
 * Runs net_passt_create for spec with a fake passt that records " ARGS |
 * STDERR" (its argv, then where its stderr goes) into line, then destroys
 * the backend (which stops and reaps the fake).
 */
static void fake_passt_run(const char *spec, bool quiet, char *line, size_t size)
{
	char *script = test_tmp_path("fake-passt"), *args = test_tmp_path("passt-args");
	struct net_spec s;
	struct net_backend *be;
	FILE *f;

	unlink(args);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\necho \" $* | $(readlink /proc/self/fd/2)\" >%s.tmp && mv %s.tmp %s\n"
		"exec sleep 30\n", args, args, args);
	fclose(f);
	ck_assert_int_eq(chmod(script, 0755), 0);
	setenv("KITE_PASST", script, 1);
	ck_assert_int_eq(net_parse_spec(spec, &s), 0);
	s.quiet = quiet;
	be = net_passt_create(&s);
	ck_assert_ptr_nonnull(be);
	ck_assert_uint_eq(be->mtu, 65520);
	for (int i = 0; i < 500 && access(args, R_OK); i++)
		usleep(10000);
	f = fopen(args, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, size, f));
	fclose(f);
	be->ops->destroy(be);
	unsetenv("KITE_PASST");
	free(script);
	free(args);
}

/* What kite asks of passt: its MTU, and dns= as a forward only (not --dns). */
START_TEST(test_passt_args)
{
	char line[512] = "";

	fake_passt_run("user,addr=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3", false, line, sizeof(line));
	ck_assert_msg(strstr(line, " --mtu 65520 "), "args:%s", line);
	ck_assert_msg(strstr(line, " --dns-forward 10.0.2.3 "), "args:%s", line);
	ck_assert_msg(!strstr(line, " --dns "), "dns= is the resolver passt forwards to: %s", line);
	ck_assert_msg(strstr(line, " --address 10.0.2.15 --netmask 24 "), "args:%s", line);
}
END_TEST

/* A quiet passt (a sandbox's) writes nowhere; else it has kite's stderr. */
START_TEST(test_passt_quiet)
{
	char line[512] = "", ours[256] = "", want[300];
	ssize_t n = readlink("/proc/self/fd/2", ours, sizeof(ours) - 1);

	ck_assert_int_gt(n, 0);
	fake_passt_run("user", true, line, sizeof(line));
	ck_assert_msg(strstr(line, "| /dev/null\n"), "quiet: %s", line);
	fake_passt_run("user", false, line, sizeof(line));
	snprintf(want, sizeof(want), "| %s\n", ours);
	ck_assert_msg(strstr(line, want), "not quiet: %s (want %s)", line, ours);
}
END_TEST

static const u8 GUEST_MAC[6] = { 0x02, 0x4b, 0, 1, 2, 3 };

START_TEST(test_passt_arp)
{
	u8 req[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1,		/* Ethernet/IPv4, request */
		0, 0, 0, 0, 0, 0, 10, 0, 2, 15,		/* sender: us, 10.0.2.15 */
		0, 0, 0, 0, 0, 0, 192, 0, 2, 1,		/* target: 192.0.2.1 */
	};
	struct iovec iov = { req, sizeof(req) };
	struct net_spec s;
	struct net_backend *be;
	const u8 *f = NULL;
	ssize_t len = 0;
	pid_t pid;

	if (access("/usr/bin/passt", X_OK) && !getenv("KITE_PASST"))
		return;		/* covered by test_passt_missing; nothing more to run */
	memcpy(req + 6, GUEST_MAC, 6);
	memcpy(req + 22, GUEST_MAC, 6);
	ck_assert_int_eq(net_parse_spec("user,fwd=tcp:47001:22", &s), 0);
	be = net_passt_create(&s);
	ck_assert_ptr_nonnull(be);
	pid = be->helper.pid;
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(be->ops->send(be, &iov, 1), 1);
	/* Frames passt volunteers (router advertisements...) come first: look for the reply. */
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd p = { .fd = be->fd, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 10000), 1);
		len = be->ops->recv(be, &f);
		if (len == -EPIPE && tries == 0) {
			/* passt refused to start: no usable interface (a bare network namespace). */
			int st = child_stop(&be->helper, 5000);

			ck_assert(WIFEXITED(st) && WEXITSTATUS(st));
			printf("passt exited at start (status %d): ARP round trip not run\n",
			       WEXITSTATUS(st));
			be->ops->destroy(be);
			return;
		}
		ck_assert_int_ge(len, 0);
		if (len >= 42 && f[12] == 0x08 && f[13] == 0x06)
			break;
		len = 0;
	}
	ck_assert_int_ge(len, 42);
	ck_assert_mem_eq(f, GUEST_MAC, 6);		/* to us */
	ck_assert_uint_eq(f[21], 2);			/* a reply */
	ck_assert_mem_eq(f + 28, req + 38, 4);		/* for the address asked */
	be->ops->destroy(be);
	/* Reaped: no such child any more. */
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
}
END_TEST

/* An ARP request from GUEST_MAC at 10.9.0.2 for 10.9.0.1. */
static void arp_request(u8 req[42])
{
	static const u8 tmpl[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x08, 0x06,
		0, 1, 0x08, 0, 6, 4, 0, 1,
		0, 0, 0, 0, 0, 0, 10, 9, 0, 2,
		0, 0, 0, 0, 0, 0, 10, 9, 0, 1,
	};

	memcpy(req, tmpl, 42);
	memcpy(req + 6, GUEST_MAC, 6);
	memcpy(req + 22, GUEST_MAC, 6);
}

START_TEST(test_tap_arp)
{
	u8 vhdr[NET_VNET_HDR_LEN] = { 0 }, req[42];
	struct iovec iov[2] = { { vhdr, sizeof(vhdr) }, { req, sizeof(req) } };
	struct net_spec s;
	struct net_backend *be;
	const u8 *f = NULL;
	ssize_t len = 0;

	if (unshare(CLONE_NEWNET)) {
		printf("no network namespace here (%s): tap not tested\n", strerror(errno));
		return;
	}
	ck_assert_int_eq(net_parse_spec("tap=kt0", &s), 0);
	be = net_tap_create(&s);
	ck_assert_ptr_nonnull(be);
	ck_assert(be->vnet_hdr);
	ck_assert_int_eq(be->ops->set_offload(be, NET_OFFLOAD_CSUM | NET_OFFLOAD_TSO4 |
						  NET_OFFLOAD_TSO6), 0);
	ck_assert_int_eq(system("ip addr add 10.9.0.1/24 dev kt0 && ip link set kt0 up"), 0);
	arp_request(req);
	ck_assert_int_eq(be->ops->send(be, iov, 2), 1);
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd p = { .fd = be->fd, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 10000), 1);
		len = be->ops->recv(be, &f);
		ck_assert_int_ge(len, 0);
		if (len >= NET_VNET_HDR_LEN + 42 && f[24] == 0x08 && f[25] == 0x06)
			break;
		len = 0;		/* IPv6 chatter of a new link */
	}
	ck_assert_int_ge(len, NET_VNET_HDR_LEN + 42);
	f += NET_VNET_HDR_LEN;			/* the header the tap put first */
	ck_assert_mem_eq(f, GUEST_MAC, 6);
	ck_assert_uint_eq(f[21], 2);
	ck_assert_mem_eq(f + 28, req + 38, 4);
	be->ops->destroy(be);
}
END_TEST

static Suite *passt_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("backends");

	tcase_add_test(tc, test_spec);
	tcase_add_test(tc, test_passt_missing);
	tcase_add_test(tc, test_passt_args);
	tcase_add_test(tc, test_passt_quiet);
	tcase_add_test(tc, test_passt_arp);
	tcase_add_test(tc, test_tap_arp);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(passt_suite)
