// SPDX-License-Identifier: GPL-2.0
/* Shared helpers for Check test programs; see test.h. */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

void test_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	/*
	 * _exit: a program that skips has built part of its suite, which
	 * nothing frees; LeakSanitizer's exit-time check (SAN=1) would turn
	 * the skip into a failure.
	 */
	_exit(77);
}

static void tmp_init(void);
static void tmp_cleanup(void);

int test_run_suite(Suite *s, const char *argv0)
{
	SRunner *sr = srunner_create(s);
	const char *name = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	int run, failed;

	tmp_init();
	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tmp_cleanup();
	printf("%s: %d passed, %d failed\n", name, run - failed, failed);
	return failed ? 1 : 0;
}

const char *test_build_dir(void)
{
	const char *o = getenv("O");

	return o ? o : "build";
}

const char *test_kite_path(void)
{
	const char *k = getenv("KITE");

	return k ? k : "./kite";
}

static char *slurp_fd(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	for (;;) {
		ssize_t n;

		if (len + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

static int exec_argv(void *arg)
{
	char *const *argv = arg;

	execv(argv[0], argv);
	return 127;
}

int test_spawn(char *const argv[], const char *input, unsigned timeout_ms,
	       struct test_proc *p)
{
	return test_call(exec_argv, (void *)argv, input, timeout_ms, p);
}

int test_call(int (*fn)(void *arg), void *arg, const char *input, unsigned timeout_ms,
	      struct test_proc *p)
{
	char *outp = test_tmp_path("spawn.out"), *errp = test_tmp_path("spawn.err");
	int in[2], out, err, wst = 0;
	u64 start = now_ns(), deadline = start + (u64)timeout_ms * 1000000ULL;
	pid_t pid;

	memset(p, 0, sizeof(*p));
	if (pipe(in))
		return -1;
	out = open(outp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	err = open(errp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out, 1);
		dup2(err, 2);
		close(in[1]);
		setpgid(0, 0);
		wst = fn(arg);
		fflush(NULL);
		_exit(wst);
	}
	close(in[0]);
	if (input)
		write_full(in[1], input, strlen(input));
	close(in[1]);
	p->status = -1;
	while (now_ns() < deadline) {
		pid_t r = waitpid(pid, &wst, WNOHANG);

		if (r == pid) {
			p->status = WIFEXITED(wst) ? WEXITSTATUS(wst)
						   : 128 + WTERMSIG(wst);
			break;
		}
		usleep(2000);
	}
	if (p->status == -1) {
		kill(-pid, SIGKILL);
		waitpid(pid, &wst, 0);
	}
	p->wall_ns = now_ns() - start;
	lseek(out, 0, SEEK_SET);
	lseek(err, 0, SEEK_SET);
	p->out = slurp_fd(out);
	p->err = slurp_fd(err);
	close(out);
	close(err);
	free(outp);
	free(errp);
	return p->status;
}

void test_proc_free(struct test_proc *p)
{
	free(p->out);
	free(p->err);
	p->out = p->err = NULL;
}

/* Made by the parent before any test forks, so every child shares it. */
void test_assert_one_line_error(const struct test_proc *p, const char *what)
{
	const char *nl = strchr(p->err, '\n');

	ck_assert_msg(p->status == 1, "exit %d, stderr: %s", p->status, p->err);
	ck_assert_msg(!strncmp(p->err, "kite: error: ", 13), "stderr: %s", p->err);
	ck_assert_msg(nl && nl[1] == '\0', "not one line: %s", p->err);
	ck_assert_msg(strstr(p->err, what), "'%s' not in: %s", what, p->err);
}

int test_open_without_direct(const char *path, int flags)
{
	if (flags & O_DIRECT) {
		errno = EINVAL;
		return -1;
	}
	return open(path, flags);
}

int test_deny_io_uring(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

static char tmpdir[64];

static void tmp_init(void)
{
	if (tmpdir[0])
		return;
	strcpy(tmpdir, "/tmp/kite-test.XXXXXX");
	if (!mkdtemp(tmpdir))
		abort();
}

char *test_tmp_path(const char *name)
{
	char *path;

	tmp_init();
	if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
		abort();
	return path;
}

static void tmp_cleanup(void)
{
	char cmd[128];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", tmpdir);
	tmpdir[0] = '\0';
}

int test_false_pollout_fd(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	u64 almost_full = ~0ULL - 2;

	if (fd < 0 || write(fd, &almost_full, sizeof(almost_full)) != sizeof(almost_full))
		abort();
	return fd;
}

void test_false_pollout_clear(int fd)
{
	u64 v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		abort();
}

u64 test_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
