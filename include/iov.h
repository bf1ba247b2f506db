/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iovec helpers. Every one is bounded by what the iovecs hold: a copy
 * past their end stops there and says how much it did.
 */
#ifndef KITE_IOV_H
#define KITE_IOV_H

#include <sys/uio.h>

#include "util.h"

size_t iov_size(const struct iovec *iov, unsigned cnt);
/* Copy out of iov starting at byte `off`; returns bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned cnt, size_t off, void *buf, size_t len);
/* Copy into iov starting at byte `off`; returns bytes copied. */
size_t iov_from_buf(const struct iovec *iov, unsigned cnt, size_t off, const void *buf, size_t len);
/* Set len bytes of iov from byte `off` on to c; returns bytes set. */
size_t iov_memset(const struct iovec *iov, unsigned cnt, size_t off, int c, size_t len);
/*
 * Drop len bytes from the front of iov[0..*cnt), in place: the segments
 * shrink, *cnt counts what is left, and the new start is returned.
 */
struct iovec *iov_skip_front(struct iovec *iov, unsigned *cnt, size_t len);

#endif
