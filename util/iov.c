// SPDX-License-Identifier: GPL-2.0
/* iovec helpers, shared by the virtio devices and the disk layer. */
#include <string.h>

#include "iov.h"

size_t iov_size(const struct iovec *iov, unsigned cnt)
{
	size_t n = 0;

	for (unsigned i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* Drop `len` bytes from the front of iov[0..*cnt): returns the new start. */
struct iovec *iov_skip_front(struct iovec *iov, unsigned *cnt, size_t len)
{
	while (*cnt && len) {
		size_t n = MIN(len, iov->iov_len);

		iov->iov_base = (u8 *)iov->iov_base + n;
		iov->iov_len -= n;
		len -= n;
		if (!iov->iov_len) {
			iov++;
			(*cnt)--;
		}
	}
	return iov;
}

/*
 * Walk the iovec's bytes [off, off + len): copy them to or from buf
 * (to_iov says which way), or set them to fill when buf is NULL.
 */
static size_t iov_copy(const struct iovec *iov, unsigned cnt, size_t off, u8 *buf, size_t len,
		       bool to_iov, int fill)
{
	size_t done = 0;

	for (unsigned i = 0; i < cnt && done < len; i++) {
		u8 *seg;
		size_t n;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		seg = (u8 *)iov[i].iov_base + off;
		n = MIN(iov[i].iov_len - off, len - done);
		if (!buf)
			memset(seg, fill, n);
		else if (to_iov)
			memcpy(seg, buf + done, n);
		else
			memcpy(buf + done, seg, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned cnt, size_t off, void *buf, size_t len)
{
	return iov_copy(iov, cnt, off, buf, len, false, 0);
}

size_t iov_from_buf(const struct iovec *iov, unsigned cnt, size_t off, const void *buf, size_t len)
{
	return iov_copy(iov, cnt, off, (u8 *)buf, len, true, 0);
}

size_t iov_memset(const struct iovec *iov, unsigned cnt, size_t off, int c, size_t len)
{
	return iov_copy(iov, cnt, off, NULL, len, true, c);
}
