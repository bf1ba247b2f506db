// SPDX-License-Identifier: GPL-2.0
/*
 * kite-probe: a static test command for the sandbox rig cases, packed into
 * the initramfs with `kite sandbox --add` until the host's root is shared
 * (virtio-fs). One action per run:
 *   exit N          exit with status N
 *   kill SIG        die of signal SIG
 *   cat             copy stdin to stdout
 *   pattern N FD    write N bytes of a fixed pseudo-random pattern to FD
 *   sleep           wait for a signal (SIGTERM forwarding)
 *   panic           crash the guest kernel (sysrq c): kite must say 125
 *   term            print "ready", then wait for SIGTERM and exit 42 on it:
 *                   a status only a forwarded signal gives
 *   tty             print "tty ABC ROWS COLS ctty=D": isatty() of fd 0, 1, 2,
 *                   fd 0's terminal size, 1 if it is the controlling one
 *   tty-winch       the same, then again after a SIGWINCH
 *   fs-meta DIR N   create, stat and unlink N small files in DIR; prints
 *                   "fs-meta n=N us=T" (the guest's monotonic clock)
 *   fs-data FILE M  write M MiB to FILE and fsync it, drop the guest's page
 *                   cache, read it back and compare; prints "fs-data mib=M
 *                   write_us=T read_us=T" (bench-virtiofs)
 *   as UID:GID CMD...  run CMD as that user, no supplementary groups
 *   mmap FILE       map FILE shared read-write, sum its bytes, write
 *                   "MMAPED!" over its first 7 and msync; prints "mmap
 *                   bytes=N sum=S" (the sum before the write)
 *   dns ADDR NAME IP  a DNS server for the rig's name resolution cases (in
 *                   L1, behind passt): on UDP ADDR:53 it answers A queries
 *                   for NAME with IP, other names with NXDOMAIN, other
 *                   types with no answer; prints "dns ready", runs until
 *                   killed
 *   tcp-serve PORT N [COMM]  a TCP server on PORT for N connections, one
 *                   after the other; prints "tcp ready PORT" (probe-tcp.c);
 *                   with COMM, then "tcp-serve cpu_ms=T": the CPU time the
 *                   processes named COMM spent of their own meanwhile
 *   tcp-bench ADDR PORT recv|send|rr N  a client of tcp-serve: N bytes from
 *                   it or to it, checked, or N one-byte round trips; prints
 *                   "tcp OP_n=N OP_us=T" (the rig's net cases, bench-net)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static void term_exit(int sig)
{
	_exit(42);
}

int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return 1;
		p += w;
		n -= w;
	}
	return 0;
}

void xorshift_fill(unsigned *x, unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		*x ^= *x << 13; *x ^= *x >> 17; *x ^= *x << 5;
		buf[i] = *x >> 24;
	}
}

/* The same xorshift stream as tests/rig's checker: byte-exact comparisons. */
static int pattern(unsigned long long n, int fd, unsigned seed)
{
	unsigned char buf[65536];
	unsigned x = seed;

	while (n) {
		size_t chunk = n < sizeof(buf) ? n : sizeof(buf);

		xorshift_fill(&x, buf, chunk);
		if (write_all(fd, (const char *)buf, chunk))
			return 1;
		n -= chunk;
	}
	return 0;
}

static int cat(void)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write_all(1, buf, n))
			return 1;
	return n < 0;
}

long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Metadata: each file created with 16 bytes, stat'ed, unlinked. */
static int fs_meta(const char *dir, int n)
{
	char path[4096];
	struct stat st;
	long long t0 = now_us();

	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/m%06d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write_all(fd, "sixteen bytes..\n", 16) || close(fd) ||
		    stat(path, &st) || st.st_size != 16 || unlink(path)) {
			perror(path);
			return 1;
		}
	}
	printf("fs-meta n=%d us=%lld\n", n, now_us() - t0);
	return 0;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd >= 0) {
		if (write(fd, "3\n", 2) != 2)
			perror("drop_caches");
		close(fd);
	}
}

/* Data: MiB blocks of 1 MiB, each stamped with its number, then read back. */
static int fs_data(const char *file, int mib)
{
	static char buf[1 << 20], got[1 << 20];
	long long t0, t1, t2;
	int fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		perror(file);
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	t0 = now_us();
	for (int i = 0; i < mib; i++) {
		memcpy(buf, &i, sizeof(i));
		if (write_all(fd, buf, sizeof(buf)))
			goto fail;
	}
	if (fsync(fd))
		goto fail;
	t1 = now_us();
	drop_caches();
	t2 = now_us();
	if (lseek(fd, 0, SEEK_SET))
		goto fail;
	for (int i = 0; i < mib; i++) {
		size_t at = 0;

		while (at < sizeof(got)) {
			ssize_t r = read(fd, got + at, sizeof(got) - at);

			if (r <= 0)
				goto fail;
			at += r;
		}
		memcpy(buf, &i, sizeof(i));
		if (memcmp(buf, got, sizeof(got))) {
			fprintf(stderr, "%s: MiB %d differs\n", file, i);
			return 1;
		}
	}
	printf("fs-data mib=%d write_us=%lld read_us=%lld\n", mib, t1 - t0, now_us() - t2);
	close(fd);
	return unlink(file) != 0;
fail:
	perror(file);
	return 1;
}

/*
 * A shared file through a shared mapping: the whole file mapped
 * read-write, its bytes summed, "MMAPED!" written over its first 7 bytes
 * and msync'ed; prints "mmap bytes=N sum=S" (S: the bytes' sum, mod 2^32,
 * before the write).
 */
static int mmap_file(const char *file)
{
	int fd = open(file, O_RDWR);
	struct stat st;
	unsigned sum = 0;
	unsigned char *p;

	if (fd < 0 || fstat(fd, &st) || st.st_size < 7) {
		fprintf(stderr, "mmap: %s: %s\n", file, fd < 0 ? strerror(errno) : "shorter than 7 bytes");
		return 1;
	}
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (off_t i = 0; i < st.st_size; i++)
		sum += p[i];
	memcpy(p, "MMAPED!", 7);
	if (msync(p, st.st_size, MS_SYNC) || munmap(p, st.st_size)) {
		perror("msync");
		return 1;
	}
	printf("mmap bytes=%lld sum=%u\n", (long long)st.st_size, sum);
	return 0;
}

/* The question's name in dotted form from q (len bytes after the header); its end, or 0. */
static size_t dns_qname(const unsigned char *q, size_t len, char *name, size_t size)
{
	size_t at = 0, out = 0;

	while (at < len && q[at]) {
		size_t l = q[at++];

		if (l > 63 || at + l > len || out + l + 2 > size)
			return 0;
		if (out)
			name[out++] = '.';
		memcpy(name + out, q + at, l);
		out += l;
		at += l;
	}
	if (at >= len)
		return 0;
	name[out] = 0;
	return at + 1;
}

static int dns(const char *addr, const char *want, const char *ip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	unsigned char pkt[512], *q = pkt + 12;
	struct in_addr a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || !inet_aton(addr, &sa.sin_addr) || !inet_aton(ip, &a) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("dns");
		return 1;
	}
	printf("dns ready\n");
	fflush(stdout);
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, pkt, sizeof(pkt) - 16, 0, (struct sockaddr *)&from, &fl);
		char name[256];
		size_t end;
		int type;

		/* One question (qdcount 1), a name, then its type and class. */
		if (n < 12 + 5 || pkt[4] || pkt[5] != 1 || (pkt[2] & 0x80))
			continue;
		end = dns_qname(q, n - 12, name, sizeof(name));
		if (!end || 12 + end + 4 > (size_t)n)
			continue;
		type = q[end] << 8 | q[end + 1];
		end += 4;
		pkt[2] = 0x81;					/* QR, RD */
		pkt[3] = 0x80;					/* RA, NOERROR */
		memset(pkt + 6, 0, 6);				/* no answer, authority, extra */
		if (strcasecmp(name, want)) {
			pkt[3] |= 3;				/* NXDOMAIN */
		} else if (type == 1) {
			unsigned char ans[16] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4 };

			memcpy(ans + 12, &a, 4);
			memcpy(q + end, ans, sizeof(ans));
			end += sizeof(ans);
			pkt[7] = 1;
		}
		sendto(fd, pkt, 12 + end, 0, (struct sockaddr *)&from, fl);
	}
}

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
	winched = 1;
}

static void tty_report(void)
{
	struct winsize ws = { 0 };

	ioctl(0, TIOCGWINSZ, &ws);
	printf("tty %d%d%d %u %u ctty=%d\n", isatty(0), isatty(1), isatty(2), ws.ws_row,
	       ws.ws_col, tcgetsid(0) == getsid(0));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "kill")) {
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "cat"))
		return cat();
	if (argc == 4 && !strcmp(argv[1], "pattern"))
		return pattern(strtoull(argv[2], NULL, 0), atoi(argv[3]), 0x1234567u + atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "panic")) {
		FILE *f = fopen("/proc/sysrq-trigger", "w");

		if (f && fputc('c', f) != EOF)
			fclose(f);
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "term")) {
		signal(SIGTERM, term_exit);
		if (write_all(1, "ready\n", 6))
			return 1;
		for (;;)
			pause();
	}
	if (argc == 2 && !strcmp(argv[1], "tty")) {
		tty_report();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "tty-winch")) {
		signal(SIGWINCH, on_winch);
		tty_report();
		while (!winched)
			pause();
		tty_report();
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "fs-meta"))
		return fs_meta(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "fs-data"))
		return fs_data(argv[2], atoi(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "as")) {
		unsigned uid, gid;

		/* The rig's L1 has no passwd and busybox no setpriv --reuid. */
		if (sscanf(argv[2], "%u:%u", &uid, &gid) != 2 || setgroups(0, NULL) || setgid(gid) ||
		    setuid(uid)) {
			perror("as");
			return 125;
		}
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		return 127;
	}
	if (argc == 3 && !strcmp(argv[1], "mmap"))
		return mmap_file(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "dns"))
		return dns(argv[2], argv[3], argv[4]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "tcp-serve"))
		return tcp_serve(atoi(argv[2]), atoi(argv[3]), argc == 5 ? argv[4] : NULL);
	if (argc == 6 && !strcmp(argv[1], "tcp-bench"))
		return tcp_bench(argv[2], atoi(argv[3]), argv[4], strtoull(argv[5], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "sleep")) {
		pause();
		return 0;
	}
	fprintf(stderr, "usage: kite-probe exit N | kill SIG | cat | pattern N FD | sleep | term | panic | tty | tty-winch |\n"
		"       as UID:GID CMD... | fs-meta DIR N | fs-data FILE MIB | mmap FILE | dns ADDR NAME IP | tcp-serve PORT N [COMM] |\n"
		"       tcp-bench ADDR PORT recv|send|rr N\n");
	return 2;
}
