/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `kite sandbox`: run one command in a throwaway guest (cmd/sandbox*.c).
 * The guest side is kite-init (guest/init/init.c); what they agree on is
 * in sandbox-proto.h.
 */
#ifndef KITE_SANDBOX_H
#define KITE_SANDBOX_H

#include "boot.h"
#include "sandbox-proto.h"

#define SANDBOX_MAX_ADDS	64
#define SANDBOX_MAX_MODULES	32
#define SANDBOX_MAX_MOUNTS	7	/* with the root: KITE_MAX_SHARES */

/* A host directory shared into the guest at path (SANDBOX_REC_MOUNT). */
struct sandbox_mount {
	const char *tag;
	const char *path;
	bool ro;
};

/* A distro kernel's module files, in the order init loads them. */
struct sandbox_modules {
	char *paths[SANDBOX_MAX_MODULES];
	unsigned nr;
};

/*
 * What a sandbox needs of kernel's modules (virtio-pci, the console,
 * virtiofs, overlay; virtio-net with net), dependencies first, from
 * dir (--modules) or else /lib/modules/RELEASE of the kernel's own
 * release; none when that tree is not there (drivers built in, as in
 * kite's mini kernel). 0, or -1 after a one-line pr_err (dir given but
 * unreadable, too many modules).
 */
int sandbox_find_modules(const char *kernel, const char *dir, bool net, struct sandbox_modules *out);
void sandbox_modules_free(struct sandbox_modules *m);

/* What runs in the guest, and how. */
struct sandbox_spec {
	char **argv;			/* the command, NULL-terminated */
	char **env;			/* VAR=VAL, NULL-terminated */
	const char *cwd;		/* NULL: / */
	bool verbose;
	bool ports;			/* the named virtio-console ports exist */
	const char *root_tag;		/* the host's root over virtio-fs, or NULL */
	const char *tty_size;		/* "ROWS COLS": a terminal for the command; NULL: none */
	const char *net;		/* "ADDR/N GW DNS" for eth0 (SANDBOX_REC_NET); NULL: none */
	const char *user;		/* "UID:GID" (SANDBOX_REC_USER); NULL: root */
	struct sandbox_mount mounts[SANDBOX_MAX_MOUNTS];
	unsigned nr_mounts;
	/*
	 * Host files packed into the initramfs, "HOST[:GUEST]" (GUEST
	 * defaults to HOST's path), above the shared root if there is one.
	 */
	const char *adds[SANDBOX_MAX_ADDS];
	unsigned nr_adds;
	const struct sandbox_modules *modules;	/* to load first; NULL: none */
};

/*
 * The initramfs: kite-init as /init, the instructions, the added files.
 * 0, or -1 after a one-line pr_err; cpio_free(out) in every case.
 */
int sandbox_initramfs(const struct sandbox_spec *spec, struct cpio *out);

/* The status in the control port's bytes (SANDBOX_EXIT_FMT), or -1. */
int sandbox_exit_status(const char *buf, size_t len);

#endif
