/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KITE_UTIL_H
#define KITE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)		(((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define MIN(a, b)		((a) < (b) ? (a) : (b))
#define MAX(a, b)		((a) > (b) ? (a) : (b))

#define KiB			(1ULL << 10)
#define MiB			(1ULL << 20)
#define GiB			(1ULL << 30)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define __unused		__attribute__((unused))
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

/*
 * Diagnostics go to stderr as one line prefixed with "kite: ". pr_err is
 * for errors the caller will turn into a non-zero exit; pr_warn for things
 * that keep working; pr_debug only with KITE_DEBUG set in the environment.
 * Any thread may call them: they never block for long on a stderr nobody
 * reads (a line that cannot go out within a short bound, longer on the
 * main thread, is dropped and counted; util/util.c says how).
 */
void pr_err(const char *fmt, ...) __printf(1, 2);
void pr_warn(const char *fmt, ...) __printf(1, 2);
void pr_info(const char *fmt, ...) __printf(1, 2);
void pr_debug(const char *fmt, ...) __printf(1, 2);
/*
 * Set up the fd diagnostics go out on now (it is opened at the first line
 * otherwise), for a process about to lose open() (seccomp-filter.h).
 */
void diag_prepare(void);
/* The same without the "kite: " prefix: a line for programs (a JSON line). */
void pr_line(const char *fmt, ...) __printf(1, 2);

/* Parse "512M", "4G", "4096", "1K" into bytes. Returns -EINVAL on junk. */
int parse_size(const char *s, u64 *out);

/*
 * Does [off, off + len) lie within [0, limit)? Written so that no sum can
 * overflow: every guest-supplied (address, length) pair goes through this.
 */
static inline bool range_ok(u64 off, u64 len, u64 limit)
{
	return off <= limit && len <= limit - off;
}

/*
 * A new open file description of fd's pipe, terminal or FIFO (through
 * /proc/self/fd), O_WRONLY | O_NONBLOCK, leaving the flags of the
 * description fd shares with others alone. -1 with errno when there is
 * none (a socket, a pipe without a reader, no /proc).
 */
int fd_reopen_nonblock(int fd);

/* read()/write() the whole buffer, retrying on EINTR and short transfers. */
int read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);

/*
 * eventfd wake-ups. efd_signal adds 1 (the reader wakes): 0 or -errno.
 * efd_drain takes the whole count of a non-blocking, non-semaphore
 * eventfd in one read: nothing there is not an error.
 */
int efd_signal(int fd);
void efd_drain(int fd);

/* Monotonic clock in nanoseconds. */
u64 now_ns(void);

#endif
