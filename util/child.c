// SPDX-License-Identifier: GPL-2.0
/*
 * Helper processes (include/child.h). Between fork and exec the child of
 * a threaded kite may only make async-signal-safe calls: no stdio, no
 * malloc, which is why the uid map below is formatted by hand.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

/* Above anything the fds are moved to, so dup2 never clobbers one not yet moved. */
#define CHILD_FD_PARK	64

static size_t fmt_map(char *buf, unsigned long id)
{
	char digits[24];
	size_t n = 0, len = 0;

	do {
		digits[n++] = '0' + id % 10;
		id /= 10;
	} while (id);
	buf[len++] = '0';
	buf[len++] = ' ';
	while (n)
		buf[len++] = digits[--n];
	memcpy(buf + len, " 1\n", 3);
	return len + 3;
}

static int write_proc(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Root of a new user namespace, mapped to the caller's own uid and gid. */
static int enter_userns(uid_t uid, gid_t gid)
{
	char map[40];

	if (unshare(CLONE_NEWUSER))
		return -1;
	if (write_proc("/proc/self/setgroups", "deny", 4))
		return -1;
	if (write_proc("/proc/self/uid_map", map, fmt_map(map, uid)))
		return -1;
	return write_proc("/proc/self/gid_map", map, fmt_map(map, gid));
}

/*
 * A private mount namespace in which dir and everything mounted below it
 * is read-only. Not "/" itself: a mount on top of the root is not seen
 * through it, so the root's own mounts get the flag instead, which in a
 * namespace of our own changes nothing outside it.
 */
static int make_readonly(const char *dir)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return -1;
	if (strcmp(dir, "/") && mount(dir, dir, NULL, MS_BIND | MS_REC, NULL))
		return -1;
	return syscall(SYS_mount_setattr, AT_FDCWD, dir, AT_RECURSIVE, &attr, sizeof(attr));
}

/* Give the child exactly stdin/stdout (null), stderr, and fds[] at 3.. */
static int setup_fds(const struct child_opts *o, int errfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int moved[CHILD_MAX_FDS];
	unsigned i;

	if (null < 0)
		return -1;
	for (i = 0; i < o->nr_fds; i++) {
		moved[i] = fcntl(o->fds[i], F_DUPFD_CLOEXEC, CHILD_FD_PARK);
		if (moved[i] < 0)
			return -1;
	}
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || (o->quiet && dup2(null, 2) < 0))
		return -1;
	for (i = 0; i < o->nr_fds; i++)
		if (dup2(moved[i], 3 + i) < 0)
			return -1;
	/* The error pipe stays (CLOEXEC) just past the child's fds. */
	if (dup3(errfd, 3 + o->nr_fds, O_CLOEXEC) < 0)
		return -1;
	return syscall(SYS_close_range, 4 + o->nr_fds, ~0U, 0);
}

static void __attribute__((noreturn)) child_main(char *const argv[], const struct child_opts *o,
						 int errfd, pid_t parent, uid_t uid, gid_t gid)
{
	sigset_t none;
	int err;

	sigemptyset(&none);
	/* kite blocks its signals and ignores SIGPIPE: neither is the daemon's. */
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Its own process group: a Ctrl-C meant for the guest is not its. */
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(127);
	if (o->userns && enter_userns(uid, gid))
		goto fail;
	if (o->readonly_dir && make_readonly(o->readonly_dir))
		goto fail;
	/* Set again in the namespace: a credential change may clear it. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent || setup_fds(o, errfd))
		goto fail;
	errfd = 3 + o->nr_fds;
	execv(argv[0], argv);
fail:
	err = errno;
	if (write(errfd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

int child_spawn(struct child *c, const char *name, char *const argv[],
		const struct child_opts *opts)
{
	static const struct child_opts none;
	const struct child_opts *o = opts ? opts : &none;
	pid_t parent = getpid();
	int pipefd[2], err = 0, st;
	ssize_t n;

	*c = (struct child){ .name = name, .pidfd = -1 };
	if (o->nr_fds > CHILD_MAX_FDS)
		return -EINVAL;
	if (pipe2(pipefd, O_CLOEXEC)) {
		pr_err("%s: pipe: %s", name, strerror(errno));
		return -errno;
	}
	c->pid = fork();
	if (c->pid == 0)
		child_main(argv, o, pipefd[1], parent, getuid(), getgid());
	close(pipefd[1]);
	if (c->pid < 0) {
		err = errno;
		close(pipefd[0]);
		c->pid = 0;
		pr_err("%s: fork: %s", name, strerror(err));
		return -err;
	}
	/* EOF: exec succeeded (the pipe closed with it); else the child's errno. */
	do
		n = read(pipefd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == sizeof(err)) {
		waitpid(c->pid, &st, 0);
		c->pid = 0;
		pr_err("%s: cannot start %s: %s", name, argv[0], strerror(err));
		return -err;
	}
	c->pidfd = pidfd_open(c->pid);
	if (c->pidfd < 0) {
		err = errno;
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &st, 0);
		c->pid = 0;
		pr_err("%s: pidfd_open: %s", name, strerror(err));
		return -err;
	}
	return 0;
}

static void reaped(struct child *c, int status)
{
	c->status = status;
	c->pid = 0;
	close(c->pidfd);
	c->pidfd = -1;
}

bool child_exited(struct child *c)
{
	int st;

	if (!c->pid)
		return true;
	if (waitpid(c->pid, &st, WNOHANG) != c->pid)
		return false;
	reaped(c, st);
	return true;
}

/* Wait up to ms for the pidfd to say the child exited. */
static bool wait_exit(struct child *c, unsigned ms)
{
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
	u64 deadline = now_ns() + ms * 1000000ULL;

	while (!child_exited(c)) {
		u64 now = now_ns();

		if (now >= deadline)
			return false;
		if (poll(&p, 1, (deadline - now) / 1000000 + 1) < 0 && errno != EINTR)
			return false;
	}
	return true;
}

int child_stop(struct child *c, unsigned timeout_ms)
{
	int st;

	if (!c->pid)
		return c->status;
	if (!child_exited(c)) {
		kill(c->pid, SIGTERM);
		if (!wait_exit(c, timeout_ms)) {
			pr_warn("%s: did not stop within %u ms; killed", c->name, timeout_ms);
			/* The group: whatever it started goes too. */
			kill(-c->pid, SIGKILL);
			/* SIGKILL cannot be refused: this wait ends. */
			while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
				;
			reaped(c, st);
		}
	}
	return c->status;
}
