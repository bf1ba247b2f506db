// SPDX-License-Identifier: GPL-2.0
/*
 * A distro kernel's modules for a sandbox. kite's mini kernel has every
 * driver built in; Debian's cloud kernel builds virtio-pci, the console,
 * virtiofs (with fuse), overlay and virtio-net as modules, so its guest
 * would find no ports and no files. kite reads the kernel's release from
 * its setup header, takes that release's tree (/lib/modules/RELEASE, or
 * --modules DIR), resolves what the sandbox needs through modules.dep
 * (dependencies first, as modprobe loads them) and hands the files over
 * for the initramfs; kite-init loads them with finit_module. A module
 * modules.dep does not list is taken as built in.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kite.h"
#include "sandbox.h"

/* What every sandbox needs, then what --net adds. */
static const char *const base_modules[] = { "virtio_pci", "virtio_console", "virtiofs", "overlay" };
static const char *const net_modules[] = { "virtio_net" };

/* A module's name from its path: "kernel/fs/fuse/virtiofs.ko.xz" -> "virtiofs". */
static void module_name(const char *path, size_t len, char *out, size_t outlen)
{
	const char *base = memrchr(path, '/', len), *dot;
	size_t n, i;

	base = base ? base + 1 : path;
	n = path + len - base;
	dot = memchr(base, '.', n);
	if (dot)
		n = dot - base;
	n = MIN(n, outlen - 1);
	for (i = 0; i < n; i++)
		out[i] = base[i] == '-' ? '_' : base[i];
	out[n] = '\0';
}

/* modules.dep's line for module name, or NULL (built in, or no such module). */
static char *dep_line(char *dep, const char *name)
{
	char got[64];

	for (char *line = dep; *line;) {
		char *nl = strchrnul(line, '\n'), *colon = memchr(line, ':', nl - line);

		if (colon) {
			module_name(line, colon - line, got, sizeof(got));
			if (!strcmp(got, name))
				return line;
		}
		if (!*nl)
			break;
		line = nl + 1;
	}
	return NULL;
}

/* dir/rel (len bytes of it) to the list, once. */
static int add_path(struct sandbox_modules *m, const char *dir, const char *rel, size_t len)
{
	char *path;

	if (asprintf(&path, "%s/%.*s", dir, (int)len, rel) < 0)
		return -1;
	for (unsigned i = 0; i < m->nr; i++) {
		if (!strcmp(m->paths[i], path)) {
			free(path);	/* a shared dependency */
			return 0;
		}
	}
	if (m->nr == SANDBOX_MAX_MODULES) {
		pr_err("modules: more than %d needed", SANDBOX_MAX_MODULES);
		free(path);
		return -1;
	}
	m->paths[m->nr++] = path;
	return 0;
}

/* "path: dep1 dep2 ...": modprobe loads the last dependency first. */
static int add_module(struct sandbox_modules *m, const char *dir, char *dep, const char *name)
{
	char *line = dep_line(dep, name), *colon, *end, *p;
	const char *words[64];
	unsigned n = 0;

	if (!line)
		return 0;
	colon = strchr(line, ':');
	end = strchrnul(line, '\n');
	for (p = colon + 1; p < end && n < ARRAY_SIZE(words);) {
		while (p < end && *p == ' ')
			p++;
		if (p < end)
			words[n++] = p;
		while (p < end && *p != ' ')
			p++;
	}
	while (n--) {
		const char *w = words[n];

		if (add_path(m, dir, w, strcspn(w, " \n")))
			return -1;
	}
	return add_path(m, dir, line, colon - line);
}

/* The kernel's /lib/modules tree, or "" when it has none there. */
static void default_dir(const char *kernel, char *dir, size_t len)
{
	char head[64 * 512], release[128];
	int fd = open(kernel, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, head, sizeof(head), 0);

	if (fd >= 0)
		close(fd);
	dir[0] = '\0';
	if (n > 0 && !bzimage_kernel_version(head, n, release, sizeof(release)))
		snprintf(dir, len, "/lib/modules/%s", release);
}

int sandbox_find_modules(const char *kernel, const char *dir_opt, bool net,
			 struct sandbox_modules *out)
{
	char dir[PATH_MAX], dep_path[PATH_MAX + 16];
	void *dep;
	u64 dep_len;
	int ret = 0;

	*out = (struct sandbox_modules){ 0 };
	if (dir_opt)
		snprintf(dir, sizeof(dir), "%s", dir_opt);
	else
		default_dir(kernel, dir, sizeof(dir));
	if (!dir[0])
		return 0;
	snprintf(dep_path, sizeof(dep_path), "%s/modules.dep", dir);
	if (access(dep_path, R_OK)) {
		if (!dir_opt)
			return 0;	/* no tree for this kernel: its drivers are built in, or it fails */
		pr_err("--modules %s: cannot read modules.dep: %s", dir_opt, strerror(errno));
		return -1;
	}
	if (boot_read_file(dep_path, 64 << 20, &dep, &dep_len))
		return -1;	/* it said why, naming the file */
	for (unsigned i = 0; i < ARRAY_SIZE(base_modules) && !ret; i++)
		ret = add_module(out, dir, dep, base_modules[i]);
	for (unsigned i = 0; net && i < ARRAY_SIZE(net_modules) && !ret; i++)
		ret = add_module(out, dir, dep, net_modules[i]);
	free(dep);
	if (ret)
		sandbox_modules_free(out);
	return ret;
}

void sandbox_modules_free(struct sandbox_modules *m)
{
	for (unsigned i = 0; i < m->nr; i++)
		free(m->paths[i]);
	m->nr = 0;
}
