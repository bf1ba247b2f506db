// SPDX-License-Identifier: GPL-2.0
/*
 * The disk layer against real kernel errors and real block devices, every
 * engine, buffered and O_DIRECT. Needs root (mounts, loop devices).
 *
 *  - ENOSPC: an image on a tiny tmpfs; writes past its room fail in their
 *    callbacks, every acknowledged write is in the file.
 *  - EIO: an image on an ext4 file system that is then shut down with
 *    EXT4_IOC_SHUTDOWN, after which the kernel fails every read, write and
 *    fsync with EIO. This is a real kernel-level error on the ordinary
 *    I/O paths (libaio, io_uring, preadv), with no hook in kite. (A
 *    device-mapper error/flakey target would be the other way, but this
 *    kernel has no device-mapper.)
 *  - Block devices: a loop device with 4096-byte logical sectors: size
 *    and block size from BLKGETSIZE64/BLKSSZGET, alignment enforced,
 *    discard and write-zeroes.
 */
#include <linux/fs.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>

#include "disk-test.h"

#ifndef EXT4_IOC_SHUTDOWN
#define EXT4_IOC_SHUTDOWN		_IOR('X', 125, __u32)
#endif
#define EXT4_GOING_FLAGS_NOLOGFLUSH	2

static int sh(const char *fmt, ...) __printf(1, 2);

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A per-iteration name: loop tests share one temp directory. */
static char *tmp_name(const char *base, int i)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.%d", base, i);
	return test_tmp_path(name);
}

/* Submit nr requests in one batch, wait, return how many got each result. */
struct fault_req {
	struct disk_req req;
	struct iovec iov;
	ssize_t res;
	atomic_int calls;
};

static void fault_done(struct disk_req *req, ssize_t res)
{
	struct fault_req *f = container_of(req, struct fault_req, req);

	f->res = res;
	atomic_fetch_add(&f->calls, 1);
}

START_TEST(test_enospc)
{
	enum { N = 64, LEN = 64 * KiB };
	struct disk_opts o = test_opts(_i, 16);
	char *mnt = tmp_name("enospc", _i), *path, err[256] = "";
	struct fault_req *f = calloc(N, sizeof(*f));
	u8 *buf = test_buf(N * LEN), *got = test_buf(LEN);
	int i, fd, ok = 0, nospc = 0, other = 0, calls = 0, lost = 0, open_ret;
	struct disk_batch b;
	struct disk *d;

	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=1m"), 0);
	ck_assert_int_gt(asprintf(&path, "%s/img", mnt), 0);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, N * LEN), 0);	/* sparse: 4 MiB on 1 MiB */
	close(fd);

	open_ret = disk_open(path, &o, &d, err, sizeof(err));
	if (!open_ret) {
		disk_batch_init(&b);
		for (i = 0; i < N; i++) {
			fill_pattern(buf + i * LEN, LEN, i * LEN, 21);
			f[i].iov = (struct iovec){ buf + i * LEN, LEN };
			f[i].req = (struct disk_req){ .op = DISK_OP_WRITE, .offset = (u64)i * LEN,
						      .iov = &f[i].iov, .iovcnt = 1,
						      .done = fault_done };
			disk_batch_add(d, &b, &f[i].req);
		}
		disk_batch_submit(d, &b);
		disk_close(d);
		fd = open(path, O_RDONLY);
		for (i = 0; i < N; i++) {
			calls += f[i].calls;
			if (f[i].res == LEN) {
				ok++;
				if (pread(fd, got, LEN, i * LEN) != LEN ||
				    memcmp(got, buf + i * LEN, LEN))
					lost++;
			} else if (f[i].res == -ENOSPC) {
				nospc++;
			} else {
				other++;
			}
		}
		close(fd);
	}
	umount2(mnt, MNT_DETACH);
	ck_assert_msg(open_ret == 0, "open: %s", err);
	ck_assert_int_eq(calls, N);
	ck_assert_int_gt(ok, 0);
	ck_assert_int_gt(nospc, 0);
	ck_assert_int_eq(other, 0);
	ck_assert_int_eq(lost, 0);
	free(f);
	free(buf);
	free(got);
	free(path);
	free(mnt);
}
END_TEST

START_TEST(test_eio)
{
	struct disk_opts o = test_opts(_i, 0);
	char *fs = tmp_name("ext4.fs", _i), *mnt = tmp_name("ext4", _i), *path, err[256] = "";
	u8 *buf = test_buf(8192);
	ssize_t before = 1, rd = 0, wr = 0, fl = 0;
	int fd, mfd, open_ret, shut = -1;
	u32 flags = EXT4_GOING_FLAGS_NOLOGFLUSH;
	struct disk *d;

	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	ck_assert_int_eq(sh("truncate -s 16M %s && mkfs.ext4 -q -F %s && mount -o loop %s %s",
			    fs, fs, fs, mnt), 0);
	ck_assert_int_gt(asprintf(&path, "%s/img", mnt), 0);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	fill_pattern(buf, 8192, 0, 31);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(pwrite(fd, buf, 8192, i * 8192), 8192);
	fsync(fd);
	close(fd);

	open_ret = disk_open(path, &o, &d, err, sizeof(err));
	if (!open_ret) {
		before = do_read(d, 8192, buf, 8192);
		mfd = open(mnt, O_RDONLY);
		shut = ioctl(mfd, EXT4_IOC_SHUTDOWN, &flags);
		close(mfd);
		rd = do_read(d, 16384, buf, 8192);
		wr = do_write(d, 16384, buf, 8192);
		fl = do_flush(d);
		disk_close(d);
	}
	umount2(mnt, MNT_DETACH);
	sh("losetup -j %s -O NAME -n | xargs -r losetup -d", fs);
	ck_assert_msg(open_ret == 0, "open: %s", err);
	ck_assert_int_eq(shut, 0);
	ck_assert_int_eq(before, 8192);
	ck_assert_int_eq(rd, -EIO);
	ck_assert_int_eq(wr, -EIO);
	ck_assert_int_eq(fl, -EIO);
	free(buf);
	free(path);
	free(fs);
	free(mnt);
}
END_TEST

START_TEST(test_blockdev)
{
	struct disk_opts o = test_opts(_i, 0);
	char *back = make_image("loop.img", 8 * MiB, 41), dev[64] = "", err[256] = "";
	char cmd[512];
	u8 *buf = test_buf(128 * KiB), *got = test_buf(128 * KiB), *zero = test_buf(64 * KiB);
	ssize_t wr = 0, rd = 0, bad = 0, dis = 0, wz = 0, rd2 = 0, fl = 0, eof = 0;
	u64 size = 0;
	u32 bs = 0;
	int open_ret = -1, same = 0, zeroed = 0, eof_zero = 0;
	struct disk *d;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "losetup --sector-size 4096 -f --show %s", back);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	if (!fgets(dev, sizeof(dev), p))
		dev[0] = 0;
	pclose(p);
	dev[strcspn(dev, "\n")] = 0;
	ck_assert_msg(dev[0], "losetup failed");

	open_ret = disk_open(dev, &o, &d, err, sizeof(err));
	if (!open_ret) {
		size = disk_size(d);
		bs = disk_block_size(d);
		fill_pattern(buf, 128 * KiB, 12288, 42);
		wr = do_write(d, 12288, buf, 128 * KiB);
		rd = do_read(d, 12288, got, 128 * KiB);
		same = !memcmp(buf, got, 128 * KiB);
		bad = do_read(d, 512, got, 4096);
		dis = do_req(d, DISK_OP_DISCARD, 16384, NULL, 0, 64 * KiB);
		wz = do_req(d, DISK_OP_WRITE_ZEROES, 1 * MiB, NULL, 0, 64 * KiB);
		fl = do_flush(d);
		memset(zero, 0, 64 * KiB);
		rd2 = do_read(d, 16384, got, 64 * KiB);
		zeroed = !memcmp(got, zero, 64 * KiB);
		rd2 += do_read(d, 1 * MiB, got, 64 * KiB);
		zeroed += !memcmp(got, zero, 64 * KiB);
		memset(got, 0xAA, 8192);
		eof = do_read(d, 8 * MiB, got, 8192);
		eof_zero = !memcmp(got, zero, 8192);
		disk_close(d);
	}
	sh("losetup -d %s", dev);
	ck_assert_msg(open_ret == 0, "open %s: %s", dev, err);
	ck_assert_uint_eq(size, 8 * MiB);
	ck_assert_uint_eq(bs, 4096);
	ck_assert_int_eq(wr, 128 * KiB);
	ck_assert_int_eq(rd, 128 * KiB);
	ck_assert(same);
	/* 512-aligned is not 4096-aligned: refused when direct, fine buffered. */
	ck_assert_int_eq(bad, o.direct ? -EINVAL * 1000 : 4096);
	ck_assert_int_eq(dis, 0);
	ck_assert_int_eq(wz, 0);
	ck_assert_int_eq(fl, 0);
	ck_assert_int_eq(rd2, 128 * KiB);
	ck_assert_int_eq(zeroed, 2);
	ck_assert_int_eq(eof, 8192);
	ck_assert(eof_zero);
	free(buf);
	free(got);
	free(zero);
	free(back);
}
END_TEST

static Suite *faults_suite(void)
{
	Suite *s = suite_create("disk-faults");
	TCase *tc = tcase_create("faults");
	int all = 2 * NR_ENGINES;

	if (geteuid() != 0)
		test_skip("needs root: mounts a tmpfs and an ext4 file system, uses loop devices");
	if (system("command -v mkfs.ext4 losetup >/dev/null"))
		test_skip("needs mkfs.ext4 and losetup (e2fsprogs, mount)");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_enospc, 0, all);
	tcase_add_loop_test(tc, test_eio, 0, all);
	tcase_add_loop_test(tc, test_blockdev, 0, all);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(faults_suite)
