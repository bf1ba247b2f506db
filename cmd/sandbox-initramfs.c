// SPDX-License-Identifier: GPL-2.0
/*
 * A sandbox's initramfs, built in memory at run time (boot/cpio.c): kite's
 * own init (linked into kite, guest/init/blob.S) as /init, the
 * instructions it follows (sandbox-proto.h), and the files --add packs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kite.h"
#include "sandbox.h"

extern const u8 kite_init_start[], kite_init_end[];

/* A growing buffer of instruction records. */
struct records {
	char *buf;
	size_t len;
	int err;
};

static void rec_add(struct records *r, char tag, const char *val)
{
	size_t n = strlen(val);
	char *buf;

	if (r->err)
		return;
	buf = realloc(r->buf, r->len + n + 2);
	if (!buf) {
		r->err = -ENOMEM;
		return;
	}
	buf[r->len] = tag;
	memcpy(buf + r->len + 1, val, n + 1);
	r->buf = buf;
	r->len += n + 2;
}

static int add_instructions(const struct sandbox_spec *spec, struct cpio *c)
{
	struct records r = { 0 };
	int ret;

	r.buf = malloc(sizeof(SANDBOX_MAGIC));
	if (!r.buf)
		return -ENOMEM;
	memcpy(r.buf, SANDBOX_MAGIC, sizeof(SANDBOX_MAGIC));
	r.len = sizeof(SANDBOX_MAGIC);
	for (unsigned i = 0; spec->modules && i < spec->modules->nr; i++) {
		char *val;

		if (asprintf(&val, SANDBOX_MODULE_DIR "/%s", basename(spec->modules->paths[i])) < 0) {
			r.err = -ENOMEM;
			break;
		}
		rec_add(&r, SANDBOX_REC_MODULE, val);
		free(val);
	}
	for (char **a = spec->argv; *a; a++)
		rec_add(&r, SANDBOX_REC_ARG, *a);
	for (char **e = spec->env; e && *e; e++)
		rec_add(&r, SANDBOX_REC_ENV, *e);
	rec_add(&r, SANDBOX_REC_CWD, spec->cwd ? spec->cwd : "/");
	if (spec->verbose)
		rec_add(&r, SANDBOX_REC_VERBOSE, "");
	if (spec->ports)
		rec_add(&r, SANDBOX_REC_PORTS, "");
	if (spec->root_tag)
		rec_add(&r, SANDBOX_REC_ROOT, spec->root_tag);
	if (spec->tty_size)
		rec_add(&r, SANDBOX_REC_TTY, spec->tty_size);
	if (spec->net)
		rec_add(&r, SANDBOX_REC_NET, spec->net);
	if (spec->user)
		rec_add(&r, SANDBOX_REC_USER, spec->user);
	for (unsigned i = 0; i < spec->nr_mounts; i++) {
		const struct sandbox_mount *m = &spec->mounts[i];
		char *val;

		if (asprintf(&val, "%s:%s:%s", m->tag, m->ro ? "ro" : "rw", m->path) < 0) {
			r.err = -ENOMEM;
			break;
		}
		rec_add(&r, SANDBOX_REC_MOUNT, val);
		free(val);
	}
	ret = r.err;
	if (!ret && r.len > SANDBOX_MAX_INSTRUCTIONS)
		ret = -E2BIG;
	if (!ret)
		ret = cpio_add_file(c, SANDBOX_INSTRUCTIONS, 0600, r.buf, r.len);
	free(r.buf);
	return ret;
}

/* --add HOST[:GUEST]; under SANDBOX_ADD_DIR when the root is an overlay. */
static int add_host_file(struct cpio *c, const char *spec, bool under_add_dir)
{
	const char *colon = strchr(spec, ':');
	char *host = colon ? strndup(spec, colon - spec) : strdup(spec);
	const char *guest = colon ? colon + 1 : host;
	char *path = NULL;
	int ret = -ENOMEM;

	if (host && (!under_add_dir || asprintf(&path, SANDBOX_ADD_DIR "/%s",
						guest + (*guest == '/')) >= 0))
		ret = cpio_add_host_file(c, path ? path : guest, host);
	free(path);

	if (ret == -EINVAL)
		pr_err("--add %s: give a regular file, and a guest path without '..'", spec);
	else if (ret)
		pr_err("--add %s: %s", spec, strerror(-ret));
	free(host);
	return ret;
}

int sandbox_initramfs(const struct sandbox_spec *spec, struct cpio *out)
{
	int ret;

	*out = (struct cpio){ 0 };
	ret = cpio_add_file(out, SANDBOX_INIT_PATH, 0755, kite_init_start,
			    kite_init_end - kite_init_start) ?:
	      add_instructions(spec, out);
	if (ret) {
		pr_err("sandbox initramfs: %s", ret == -E2BIG ? "command and environment too large" :
			strerror(-ret));
		return -1;
	}
	/* Without a shared root, the command's directory is an empty one. */
	if (!spec->root_tag && spec->cwd && strcmp(spec->cwd, "/") &&
	    (ret = cpio_add_dir(out, spec->cwd, 0755))) {
		pr_err("sandbox initramfs: %s: %s", spec->cwd, strerror(-ret));
		return -1;
	}
	for (unsigned i = 0; i < spec->nr_adds; i++)
		if (add_host_file(out, spec->adds[i], spec->root_tag))
			return -1;
	for (unsigned i = 0; spec->modules && i < spec->modules->nr; i++) {
		const char *host = spec->modules->paths[i];
		char guest[256];

		snprintf(guest, sizeof(guest), SANDBOX_MODULE_DIR "/%s", basename(host));
		if ((ret = cpio_add_host_file(out, guest, host))) {
			pr_err("sandbox initramfs: module %s: %s", host, strerror(-ret));
			return -1;
		}
	}
	if ((ret = cpio_finish(out))) {
		pr_err("sandbox initramfs: %s", strerror(-ret));
		return -1;
	}
	return 0;
}
