// SPDX-License-Identifier: GPL-2.0
/*
 * A distro kernel's modules for kite sandbox (cmd/sandbox-modules.c): the
 * load order from modules.dep (lines as Debian 12's cloud kernel has
 * them), modules it does not list taken as built in, compressed files,
 * refusals, and the initramfs records init loads them from.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sandbox.h"
#include "test.h"

static const char debian_dep[] =
	"kernel/fs/fuse/virtiofs.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko kernel/fs/fuse/fuse.ko\n"
	"kernel/fs/fuse/fuse.ko:\n"
	"kernel/fs/overlayfs/overlay.ko:\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/drivers/virtio/virtio.ko:\n"
	"kernel/drivers/virtio/virtio_pci_legacy_dev.ko:\n"
	"kernel/drivers/virtio/virtio_pci_modern_dev.ko:\n"
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/net/core/failover.ko:\n"
	"kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
	"kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n";

static char dir[64];

/* A modules tree holding dep as modules.dep, and every file it names. */
static void make_tree(const char *dep)
{
	char path[256], *copy = strdup(dep), *save, *w;
	int fd;

	strcpy(dir, "/tmp/kite-modules.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_eq(write_full(fd, dep, strlen(dep)), 0);
	close(fd);
	for (w = strtok_r(copy, ": \n", &save); w; w = strtok_r(NULL, ": \n", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, w);
		for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
			*s = '\0';
			mkdir(path, 0755);
			*s = '/';
		}
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write_full(fd, w, strlen(w)), 0);	/* each its own bytes */
		close(fd);
	}
	free(copy);
}

static void remove_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The names, in order, as "a b c". */
static void names(const struct sandbox_modules *m, char *out, size_t len)
{
	out[0] = '\0';
	for (unsigned i = 0; i < m->nr; i++) {
		const char *b = strrchr(m->paths[i], '/') + 1;

		ck_assert(!strncmp(m->paths[i], dir, strlen(dir)));
		snprintf(out + strlen(out), len - strlen(out), "%s%.*s", i ? " " : "",
			 (int)strcspn(b, "."), b);
	}
}

START_TEST(debian_order)
{
	struct sandbox_modules m;
	char got[512];

	make_tree(debian_dep);
	ck_assert_int_eq(sandbox_find_modules(NULL, dir, false, &m), 0);
	names(&m, got, sizeof(got));
	/* Dependencies first, the last one listed first (as modprobe), each once. */
	ck_assert_str_eq(got, "virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev "
			      "virtio_pci virtio_console fuse virtiofs overlay");
	sandbox_modules_free(&m);
	ck_assert_int_eq(sandbox_find_modules(NULL, dir, true, &m), 0);
	names(&m, got, sizeof(got));
	ck_assert_ptr_nonnull(strstr(got, "overlay failover net_failover virtio_net"));
	sandbox_modules_free(&m);
	remove_tree();
}
END_TEST

/* Not in modules.dep: built in. A compressed module is found by its name. */
START_TEST(builtin_and_compressed)
{
	struct sandbox_modules m;
	char got[512];

	make_tree("kernel/fs/fuse/virtiofs.ko.xz: kernel/fs/fuse/fuse.ko.xz\n"
		  "kernel/fs/fuse/fuse.ko.xz:\n"
		  "kernel/fs/overlay-fs/not_overlay.ko:\n");
	ck_assert_int_eq(sandbox_find_modules(NULL, dir, true, &m), 0);
	ck_assert_uint_eq(m.nr, 2);
	ck_assert_ptr_nonnull(strstr(m.paths[1], "/kernel/fs/fuse/virtiofs.ko.xz"));
	names(&m, got, sizeof(got));
	ck_assert_str_eq(got, "fuse virtiofs");
	sandbox_modules_free(&m);
	remove_tree();
}
END_TEST

START_TEST(refusals_and_defaults)
{
	struct sandbox_modules m;

	/* --modules names a directory without modules.dep: one line, -1. */
	ck_assert_int_eq(sandbox_find_modules(NULL, "/nonexistent/modules", false, &m), -1);
	ck_assert_uint_eq(m.nr, 0);
	/* No --modules: a file that is no bzImage, or a release with no tree, means none. */
	ck_assert_int_eq(sandbox_find_modules("/etc/hostname", NULL, false, &m), 0);
	ck_assert_uint_eq(m.nr, 0);
	ck_assert_int_eq(sandbox_find_modules("/nonexistent/bzImage", NULL, false, &m), 0);
	ck_assert_uint_eq(m.nr, 0);
}
END_TEST

/* The files go under /kite/modules, their records first and in order. */
START_TEST(initramfs_records)
{
	static const char want[] = "k" SANDBOX_MODULE_DIR "/virtio_ring.ko\0"
				   "k" SANDBOX_MODULE_DIR "/virtio.ko\0";
	char *argv[] = { "true", NULL };
	struct sandbox_spec spec = { .argv = argv };
	struct sandbox_modules m;
	struct cpio c;

	make_tree(debian_dep);
	ck_assert_int_eq(sandbox_find_modules(NULL, dir, false, &m), 0);
	spec.modules = &m;
	ck_assert_int_eq(sandbox_initramfs(&spec, &c), 0);
	ck_assert_ptr_nonnull(memmem(c.buf, c.len, want, sizeof(want) - 1));
	ck_assert_ptr_nonnull(memmem(c.buf, c.len, SANDBOX_MODULE_DIR "/overlay.ko", 23));
	/* The file's own bytes are there (make_tree wrote each its path). */
	ck_assert_ptr_nonnull(memmem(c.buf, c.len, "kernel/fs/overlayfs/overlay.ko",
				     strlen("kernel/fs/overlayfs/overlay.ko")));
	cpio_free(&c);
	sandbox_modules_free(&m);
	remove_tree();
}
END_TEST

static Suite *modules_suite(void)
{
	Suite *s = suite_create("sandbox-modules");
	TCase *tc = tcase_create("modules");

	tcase_add_test(tc, debian_order);
	tcase_add_test(tc, builtin_and_compressed);
	tcase_add_test(tc, refusals_and_defaults);
	tcase_add_test(tc, initramfs_records);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(modules_suite)
