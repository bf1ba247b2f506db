// SPDX-License-Identifier: GPL-2.0
/* Small helpers every subsystem uses: diagnostics, sizes, full I/O. */
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

int fd_reopen_nonblock(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* O_NOCTTY: a terminal opened here must not become ours to control. */
	return open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

/*
 * Diagnostics never hold a thread for long. stderr may be a pipe nobody
 * reads or a stopped terminal: a blocking write there would hang the
 * device thread that logs, and its device, for ever. So each line goes
 * out in one write() (a pipe takes up to PIPE_BUF bytes whole, and
 * diag_lock keeps a terminal's partial writes from mixing) through our
 * own non-blocking description of stderr (reopened, as term_out does, so
 * the flags kite shares with its shell stay alone), waiting for POLLOUT
 * at most DIAG_WAIT_MS; on the main thread, whose errors come right
 * before an exit and must reach a reader that is slow but alive,
 * DIAG_MAIN_WAIT_MS. A thread that ran out of time once does not wait
 * again until one of its lines goes out, so a dead stderr costs each
 * thread one wait, not one per line. What is dropped is counted and
 * reported with the next line that goes out.
 */
#define DIAG_WAIT_MS		100
#define DIAG_MAIN_WAIT_MS	2000

static pthread_mutex_t diag_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int fd;			/* what we write to: -1 before the first line */
	bool own;		/* fd is our reopened description (close it on a change) */
	dev_t dev;		/* what stderr was when fd was set up */
	ino_t ino;
	u64 dropped;		/* lines lost since the last one written */
} diag = { .fd = -1 };
static __thread bool diag_stalled;	/* this thread's last line was dropped */

/* The fd to write stderr's lines to, set up again if stderr changed (tests). */
static int diag_fd(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st))
		return -1;
	if (diag.fd >= 0 && st.st_dev == diag.dev && st.st_ino == diag.ino)
		return diag.fd;
	if (diag.own)
		close(diag.fd);
	diag.fd = -1;
	diag.own = false;
	diag.dev = st.st_dev;
	diag.ino = st.st_ino;
	/* Files never block; a socket or a pipe without a reader cannot be reopened. */
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		diag.fd = fd_reopen_nonblock(STDERR_FILENO);
	diag.own = diag.fd >= 0;
	if (!diag.own)
		diag.fd = STDERR_FILENO;	/* best effort: POLLOUT first */
	return diag.fd;
}

void diag_prepare(void)
{
	pthread_mutex_lock(&diag_lock);
	diag_fd();
	pthread_mutex_unlock(&diag_lock);
}

/* All of buf to fd by deadline, or false. Never waits past the deadline. */
static bool diag_write(int fd, const char *buf, size_t len, u64 deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		u64 now = now_ns();
		int ms = now < deadline ? (int)DIV_ROUND_UP(deadline - now, 1000000ULL) : 0;
		ssize_t n;

		if (poll(&p, 1, ms) == 0)
			return false;
		n = write(fd, buf, len);
		if (n > 0) {
			buf += n;
			len -= n;
			if (!len)
				return true;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		}
		if (now_ns() >= deadline)
			return false;
	}
}

static void vpr(const char *prefix, const char *fmt, va_list ap)
{
	bool main_thread = gettid() == getpid();
	u64 wait_ms = diag_stalled ? 0 : main_thread ? DIAG_MAIN_WAIT_MS : DIAG_WAIT_MS;
	char line[1200];
	int saved_errno = errno, len = 0, n, fd;

	pthread_mutex_lock(&diag_lock);
	if (diag.dropped)
		len = snprintf(line, sizeof(line),
			       "kite: warning: %llu diagnostic messages dropped (stderr blocked)\n",
			       (unsigned long long)diag.dropped);
	len += snprintf(line + len, sizeof(line) - len, "%s", prefix);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	len = MIN(len + MAX(n, 0), (int)sizeof(line) - 2);	/* truncated: still one line */
	line[len++] = '\n';
	fd = diag_fd();
	diag_stalled = fd < 0 || !diag_write(fd, line, len, now_ns() + wait_ms * 1000000ULL);
	if (diag_stalled)
		diag.dropped++;
	else
		diag.dropped = 0;
	pthread_mutex_unlock(&diag_lock);
	errno = saved_errno;
}

#define DEFINE_PR(name, prefix, cond)			\
void name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	if (!(cond))					\
		return;					\
	va_start(ap, fmt);				\
	vpr(prefix, fmt, ap);				\
	va_end(ap);					\
}

DEFINE_PR(pr_err, "kite: error: ", 1)
DEFINE_PR(pr_warn, "kite: warning: ", 1)
DEFINE_PR(pr_info, "kite: ", 1)
DEFINE_PR(pr_debug, "kite: debug: ", getenv("KITE_DEBUG"))
DEFINE_PR(pr_line, "", 1)

int parse_size(const char *s, u64 *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	/*
	 * Decimal, or hex after "0x". Not strtoull's base 0: that reads a
	 * leading 0 as octal, so "010M" would be 8M (QEMU reads it as 10M).
	 */
	errno = 0;
	v = strtoull(s, &end, s[0] == '0' && toupper((unsigned char)s[1]) == 'X' ? 16 : 10);
	if (errno)
		return -EINVAL;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': shift = 10; end++; break;
	case 'M': shift = 20; end++; break;
	case 'G': shift = 30; end++; break;
	case 'T': shift = 40; end++; break;
	default: return -EINVAL;
	}
	/* Accept "4GiB"/"4GB" spellings as well as "4G". */
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -EINVAL;
	*out = (u64)v << shift;
	return 0;
}

int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

int efd_signal(int fd)
{
	u64 one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

void efd_drain(int fd)
{
	u64 v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_warn("eventfd %d: read: %m", fd);
}

u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
