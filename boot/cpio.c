// SPDX-License-Identifier: GPL-2.0
/*
 * A cpio "newc" writer (the initramfs format Linux unpacks: its
 * Documentation/driver-api/early-userspace/buffer-format.rst) into a
 * growing memory buffer, so kite builds a sandbox's initramfs itself at
 * run time, with no external tool. Each entry: a 110-byte ASCII header
 * ("070701" and 13 eight-digit hex fields), the NUL-terminated name, pad
 * to 4, the data, pad to 4; the archive ends with "TRAILER!!!".
 *
 * The kernel's unpacker creates no parent directories for a file, so
 * cpio_add_file() adds the missing ones first (each once). Every entry is
 * owned by root with mtime 0: the archive depends only on its contents.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"

#define CPIO_HDR_LEN	110

static int cpio_reserve(struct cpio *c, size_t more)
{
	size_t cap = c->cap ? c->cap : 4096;
	u8 *buf;

	if (more > SIZE_MAX / 2 - c->len)
		return -ENOMEM;
	while (cap < c->len + more)
		cap *= 2;
	if (cap == c->cap)
		return 0;
	buf = realloc(c->buf, cap);
	if (!buf)
		return -ENOMEM;
	c->buf = buf;
	c->cap = cap;
	return 0;
}

static void cpio_pad(struct cpio *c)
{
	while (c->len & 3)
		c->buf[c->len++] = 0;
}

static int cpio_entry(struct cpio *c, const char *name, u32 mode, const void *data, size_t len)
{
	size_t namesize = strlen(name) + 1;
	char hdr[CPIO_HDR_LEN + 1];

	if (len > 0xffffffffu || namesize > 4096)
		return -E2BIG;
	if (cpio_reserve(c, CPIO_HDR_LEN + namesize + len + 8))
		return -ENOMEM;
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ++c->ino, mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0, (u32)len,
		 0, 0, 0, 0, (u32)namesize, 0);
	memcpy(c->buf + c->len, hdr, CPIO_HDR_LEN);
	c->len += CPIO_HDR_LEN;
	memcpy(c->buf + c->len, name, namesize);
	c->len += namesize;
	cpio_pad(c);
	if (len)
		memcpy(c->buf + c->len, data, len);
	c->len += len;
	cpio_pad(c);
	return 0;
}

/* Was this directory written already? (linear: an initramfs has a few) */
static bool cpio_has_dir(const struct cpio *c, const char *dir, size_t len)
{
	for (unsigned i = 0; i < c->nr_dirs; i++)
		if (strlen(c->dirs[i]) == len && !memcmp(c->dirs[i], dir, len))
			return true;
	return false;
}

static int cpio_note_dir(struct cpio *c, const char *dir, size_t len)
{
	char **dirs = realloc(c->dirs, (c->nr_dirs + 1) * sizeof(*dirs));

	if (!dirs)
		return -ENOMEM;
	c->dirs = dirs;
	dirs[c->nr_dirs] = strndup(dir, len);
	if (!dirs[c->nr_dirs])
		return -ENOMEM;
	c->nr_dirs++;
	return 0;
}

/* Names are relative ("kite/x"): a leading '/' is dropped, '..' refused. */
static const char *cpio_name(const char *name)
{
	while (*name == '/')
		name++;
	if (!*name || !strcmp(name, "..") || !strncmp(name, "../", 3) || strstr(name, "/../") ||
	    (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
		return NULL;
	return name;
}

/* Every parent of name not yet in the archive, outermost first. */
static int cpio_add_parents(struct cpio *c, const char *name)
{
	for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		size_t len = s - name;
		char dir[4096];
		int ret;

		if (!len || len >= sizeof(dir) || cpio_has_dir(c, name, len))
			continue;
		memcpy(dir, name, len);
		dir[len] = '\0';
		ret = cpio_entry(c, dir, S_IFDIR | 0755, NULL, 0) ?: cpio_note_dir(c, name, len);
		if (ret)
			return ret;
	}
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *name, u32 perm)
{
	int ret;

	name = cpio_name(name);
	if (!name)
		return -EINVAL;
	if (cpio_has_dir(c, name, strlen(name)))
		return 0;
	ret = cpio_add_parents(c, name);
	return ret ?: cpio_entry(c, name, S_IFDIR | (perm & 07777), NULL, 0) ?:
		      cpio_note_dir(c, name, strlen(name));
}

int cpio_add_file(struct cpio *c, const char *name, u32 perm, const void *data, size_t len)
{
	int ret;

	name = cpio_name(name);
	if (!name)
		return -EINVAL;
	ret = cpio_add_parents(c, name);
	return ret ?: cpio_entry(c, name, S_IFREG | (perm & 07777), data, len);
}

int cpio_add_host_file(struct cpio *c, const char *name, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *data = NULL;
	int ret = -errno;

	if (fd < 0)
		return ret;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	ret = -ENOMEM;
	data = malloc(st.st_size ? st.st_size : 1);
	if (!data)
		goto out;
	ret = read_full(fd, data, st.st_size);
	if (!ret)
		ret = cpio_add_file(c, name, st.st_mode & 07777, data, st.st_size);
out:
	free(data);
	close(fd);
	return ret;
}

int cpio_finish(struct cpio *c)
{
	return cpio_entry(c, "TRAILER!!!", 0, NULL, 0);
}

void cpio_free(struct cpio *c)
{
	for (unsigned i = 0; i < c->nr_dirs; i++)
		free(c->dirs[i]);
	free(c->dirs);
	free(c->buf);
	*c = (struct cpio){ 0 };
}
