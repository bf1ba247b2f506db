// SPDX-License-Identifier: GPL-2.0
/*
 * kite-probe's TCP actions: one server and one client, for the rig's
 * network cases and bench-net (the same static program runs in L1 and in
 * the guest, so no netperf or iperf is needed on either side).
 *
 * A connection starts with a 9-byte request from the client: an op byte
 * and a big-endian 64-bit count.
 *   'S' N   the server sends N bytes of the stream, then closes;
 *   'R' 0   the client sends bytes until it shuts its side down; the server
 *           checks them and answers the count as 8 big-endian bytes;
 *   'P' N   N round trips of one byte each (the client writes, the server
 *           echoes), TCP_NODELAY on both ends.
 * The stream is a 64 KiB pseudo-random block repeated: the receiver
 * compares every byte at its offset, cheaply enough not to be the
 * bottleneck of a guest under TCG.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"

#define STREAM_BLOCK	65536

static unsigned char stream[STREAM_BLOCK];

static void stream_init(void)
{
	unsigned x = 0x2545f491u;

	xorshift_fill(&x, stream, sizeof(stream));
}

static int read_full(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= r;
	}
	return 0;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int send_stream(int fd, uint64_t n)
{
	for (uint64_t at = 0; at < n;) {
		size_t chunk = n - at < sizeof(stream) ? n - at : sizeof(stream);

		if (write_all(fd, (const char *)stream, chunk))
			return -1;
		at += chunk;
	}
	return 0;
}

/* Reads to EOF, comparing with the stream; the byte count, or -1 on a mismatch. */
static int64_t recv_stream(int fd)
{
	static unsigned char buf[STREAM_BLOCK];
	uint64_t at = 0;
	ssize_t r;

	/* Reads never cross a block's end, so each compares with one span. */
	while ((r = read(fd, buf, sizeof(buf) - at % sizeof(buf))) > 0) {
		if (memcmp(buf, stream + at % sizeof(stream), r)) {
			fprintf(stderr, "tcp: stream differs within bytes %llu..%llu\n",
				(unsigned long long)at, (unsigned long long)(at + r));
			return -1;
		}
		at += r;
	}
	return r < 0 ? -1 : (int64_t)at;
}

static int ping_pong(int fd, uint64_t n, int client)
{
	char c = 'x';

	for (uint64_t i = 0; i < n; i++) {
		if (client && write_all(fd, &c, 1))
			return -1;
		if (read_full(fd, &c, 1))
			return -1;
		if (!client && write_all(fd, &c, 1))
			return -1;
	}
	return 0;
}

static int serve_one(int fd)
{
	unsigned char req[9], ans[8];
	uint64_t n;
	int one = 1;

	if (read_full(fd, req, sizeof(req)))
		return -1;
	n = get_be64(req + 1);
	switch (req[0]) {
	case 'S':
		return send_stream(fd, n);
	case 'R': {
		int64_t got = recv_stream(fd);

		if (got < 0)
			return -1;
		put_be64(ans, got);
		return write_all(fd, (const char *)ans, sizeof(ans));
	}
	case 'P':
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return ping_pong(fd, n, 0);
	}
	fprintf(stderr, "tcp-serve: unknown request %#x\n", req[0]);
	return -1;
}

/*
 * The CPU time, in ms, that the processes named comm spent of their own:
 * user less guest time (a VMM's vCPU threads count the guest's run as
 * theirs), plus system time, from /proc/PID/stat; -1 if none runs.
 */
static long long comm_cpu_ms(const char *comm)
{
	DIR *d = opendir("/proc");
	long long ticks = 0;
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[1024], *l, *r, *p;
		unsigned long long f[44] = { 0 };
		ssize_t n;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		/* "PID (COMM) S F4 F5 ...": COMM may hold spaces and parentheses. */
		l = strchr(buf, '(');
		r = strrchr(buf, ')');
		if (!l || !r || r < l || (size_t)(r - l - 1) != strlen(comm) ||
		    strncmp(l + 1, comm, r - l - 1) || strlen(r) < 4)
			continue;
		p = r + 4;			/* past ") S " */
		for (int i = 4; i <= 43; i++)
			f[i] = strtoull(p, &p, 10);
		ticks += f[14] + f[15] - f[43];	/* utime + stime - guest_time */
		found = 1;
	}
	if (d)
		closedir(d);
	return found ? ticks * 1000 / sysconf(_SC_CLK_TCK) : -1;
}

/*
 * With comm, prints "tcp-serve cpu_ms=T" at the end: what the processes
 * of that name (the VMM) spent from the first connection to the end of
 * the last (bench-net's CPU per MiB, free of boot and exit).
 */
int tcp_serve(unsigned port, int conns, const char *comm)
{
	long long cpu0 = -1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0), bad = 0;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		perror("tcp-serve");
		return 1;
	}
	stream_init();
	printf("tcp ready %u\n", port);
	fflush(stdout);
	for (int i = 0; i < conns; i++) {
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			perror("tcp-serve: accept");
			return 1;
		}
		if (!i && comm)
			cpu0 = comm_cpu_ms(comm);
		if (serve_one(c)) {
			fprintf(stderr, "tcp-serve: connection %d failed\n", i + 1);
			bad = 1;
		}
		close(c);
	}
	close(fd);
	if (comm) {
		long long cpu1 = comm_cpu_ms(comm);

		if (cpu0 < 0 || cpu1 < 0)
			fprintf(stderr, "tcp-serve: no process named '%s'\n", comm);
		else
			printf("tcp-serve cpu_ms=%lld\n", cpu1 - cpu0);
	}
	return bad;
}

static int tcp_connect(const char *addr, unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "tcp-bench: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "tcp-bench: %s:%u: %m\n", addr, port);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One request of op ('S', 'R', 'P') for n; the microseconds it took, or -1. */
static long long bench_one(int fd, char op, uint64_t n)
{
	unsigned char req[9] = { op }, ans[8];
	long long t0;
	int one = 1;

	put_be64(req + 1, op == 'R' ? 0 : n);
	if (op == 'P')
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = now_us();
	if (write_all(fd, (const char *)req, sizeof(req)))
		return -1;
	switch (op) {
	case 'S':
		return recv_stream(fd) == (int64_t)n ? now_us() - t0 : -1;
	case 'R':
		if (send_stream(fd, n) || shutdown(fd, SHUT_WR) || read_full(fd, ans, sizeof(ans)))
			return -1;
		return get_be64(ans) == n ? now_us() - t0 : -1;
	default:
		return ping_pong(fd, n, 1) ? -1 : now_us() - t0;
	}
}

/*
 * OP: recv (N bytes from the server), send (N bytes to it), rr (N round
 * trips). Prints "tcp OP_n=N OP_us=T" (distinct keys, so that the rig's
 * one line per run can hold all three); fails on a short or wrong stream.
 */
int tcp_bench(const char *addr, unsigned port, const char *op, uint64_t n)
{
	char code = !strcmp(op, "recv") ? 'S' : !strcmp(op, "send") ? 'R' :
		    !strcmp(op, "rr") ? 'P' : 0;
	long long us;
	int fd;

	if (!code) {
		fprintf(stderr, "tcp-bench: OP is recv, send or rr, not '%s'\n", op);
		return 2;
	}
	stream_init();
	fd = tcp_connect(addr, port);
	if (fd < 0)
		return 1;
	us = bench_one(fd, code, n);
	close(fd);
	if (us < 0) {
		fprintf(stderr, "tcp-bench: %s %llu to %s:%u failed\n", op, (unsigned long long)n,
			addr, port);
		return 1;
	}
	printf("tcp %s_n=%llu %s_us=%lld\n", op, (unsigned long long)n, op, us);
	return 0;
}
