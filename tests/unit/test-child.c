// SPDX-License-Identifier: GPL-2.0
/*
 * Helper processes (util/child.c): exactly the fds handed over, errors
 * from exec seen by the caller, a bounded stop that also kills a child
 * ignoring SIGTERM, no child outliving its parent, the user namespace.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "test.h"

/* Read what the child wrote to the pipe until it closes (bounded by the child). */
static size_t slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	return len;
}

/* Run `sh -c script` with a pipe as fd 3; its output in buf. Returns the wait status. */
static int run_sh_opts(const char *script, struct child_opts o, char *buf, size_t size)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct child c;
	int p[2];

	o.nr_fds = 1;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	o.fds[0] = p[1];
	ck_assert_int_eq(child_spawn(&c, "sh", argv, &o), 0);
	close(p[1]);
	slurp(p[0], buf, size);
	close(p[0]);
	return child_stop(&c, 5000);
}

static int run_sh(const char *script, bool userns, char *buf, size_t size)
{
	return run_sh_opts(script, (struct child_opts){ .nr_fds = 1, .userns = userns }, buf, size);
}

START_TEST(exit_status_and_fds)
{
	char buf[256];
	int st = run_sh("echo hi >&3; exit 7", false, buf, sizeof(buf));

	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 7);
	ck_assert_str_eq(buf, "hi\n");
}
END_TEST

/* Only 0, 1, 2 and the handed fd 3 are open in the child: kite's own fds never leak. */
START_TEST(no_other_fds)
{
	char buf[256];
	int leak = open("/dev/null", O_RDONLY);	/* not CLOEXEC on purpose */

	ck_assert_int_ge(leak, 0);
	/* ls lists the shell's fds from outside, so its own are not counted. */
	run_sh("ls /proc/$$/fd | tr '\\n' ' ' >&3", false, buf, sizeof(buf));
	close(leak);
	ck_assert_str_eq(buf, "0 1 2 3 ");
}
END_TEST

START_TEST(missing_binary_is_an_error)
{
	char *argv[] = { "/nonexistent/virtiofsd", NULL };
	struct child c;

	ck_assert_int_eq(child_spawn(&c, "virtiofsd", argv, NULL), -ENOENT);
	ck_assert_int_eq(c.pid, 0);
	ck_assert(child_exited(&c));
	ck_assert_int_eq(child_stop(&c, 100), 0);
}
END_TEST

START_TEST(stop_is_bounded)
{
	/* sleep inherits the ignored SIGTERM: only the group SIGKILL ends it. */
	char *argv[] = { "/bin/sh", "-c", "trap '' TERM; sleep 100; true", NULL };
	struct child c;
	u64 t0;
	int st;

	ck_assert_int_eq(child_spawn(&c, "stubborn", argv, &(struct child_opts){ .quiet = true }), 0);
	ck_assert(!child_exited(&c));
	usleep(100 * 1000);	/* let the shell set its trap */
	t0 = now_ns();
	st = child_stop(&c, 200);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGKILL);
	ck_assert_uint_lt(now_ns() - t0, 3000000000ULL);
	ck_assert_int_eq(c.pid, 0);
}
END_TEST

START_TEST(sigterm_stops_a_willing_child)
{
	char *argv[] = { "/bin/sleep", "100", NULL };
	struct child c;
	int st;

	ck_assert_int_eq(child_spawn(&c, "sleep", argv, NULL), 0);
	ck_assert_int_ge(child_exit_fd(&c), 0);
	st = child_stop(&c, 5000);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGTERM);
	ck_assert_int_eq(child_exit_fd(&c), -1);
}
END_TEST

static bool pid_gone(pid_t pid)
{
	char path[64], state = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	/* A zombie waiting for init to reap it is gone too. */
	if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1)
		state = '?';
	fclose(f);
	return state == 'Z' || state == 'X';
}

/* A parent that dies without stopping its child (SIGKILL, a crash) takes the child along. */
START_TEST(child_dies_with_parent)
{
	int p[2];
	pid_t parent, kid = 0;

	ck_assert_int_eq(pipe(p), 0);
	parent = fork();
	if (parent == 0) {
		char *argv[] = { "/bin/sleep", "100", NULL };
		struct child c;

		if (child_spawn(&c, "sleep", argv, NULL))
			_exit(1);
		if (write(p[1], &c.pid, sizeof(c.pid)) != sizeof(c.pid))
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &kid, sizeof(kid)), sizeof(kid));
	close(p[0]);
	ck_assert(!pid_gone(kid));
	kill(parent, SIGKILL);
	waitpid(parent, NULL, 0);
	for (int i = 0; i < 200 && !pid_gone(kid); i++)
		usleep(10 * 1000);
	ck_assert_msg(pid_gone(kid), "child %d outlived its parent", kid);
}
END_TEST

/* As root of its own user namespace, whoever kite runs as. */
START_TEST(user_namespace)
{
	char buf[64];
	int st = run_sh("id -u >&3; id -g >&3", true, buf, sizeof(buf));

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_str_eq(buf, "0\n0\n");
}
END_TEST

/* The same for an unprivileged caller, the case the namespace is for. */
static int unprivileged_userns(void *arg)
{
	char buf[64];
	char *argv[] = { "/bin/sh", "-c", "id -u >&3", NULL };
	struct child_opts o = { .nr_fds = 1, .userns = true };
	struct child c;
	int p[2];

	/* A uid change leaves a process non-dumpable, its /proc files root's: a
	 * real unprivileged kite is dumpable. */
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ||
	    prctl(PR_SET_DUMPABLE, 1))
		return 2;
	if (pipe2(p, O_CLOEXEC))
		return 3;
	o.fds[0] = p[1];
	if (child_spawn(&c, "sh", argv, &o))
		return 4;
	close(p[1]);
	slurp(p[0], buf, sizeof(buf));
	child_stop(&c, 5000);
	return strcmp(buf, "0\n") ? 5 : 0;
}

START_TEST(user_namespace_unprivileged)
{
	struct test_proc p;

	if (getuid() != 0)
		ck_assert_int_eq(unprivileged_userns(NULL), 0);
	else {
		ck_assert_int_eq(test_call(unprivileged_userns, NULL, NULL, 10000, &p), 0);
		test_proc_free(&p);
	}
}
END_TEST

/*
 * readonly_dir: the child reads the directory and a mount below it but
 * cannot write either (EROFS, whatever its permissions), while kite's own
 * view stays writable. As root, and as an unprivileged caller in its
 * user namespace (virtiofsd's two cases).
 */
static int readonly_check(const char *dir, bool userns)
{
	char script[1024], buf[256], path[1024];
	struct child_opts o = { .userns = userns, .readonly_dir = dir };
	int st;

	snprintf(script, sizeof(script),
		 "cd %s && cat old >&3 && cat sub/old >&3; "
		 "{ echo x >new; } 2>/dev/null && echo wrote >&3; "
		 "{ echo x >sub/new; } 2>/dev/null && echo wrote-sub >&3; "
		 "mkdir d 2>/dev/null && echo mkdir >&3; echo end >&3", dir);
	st = run_sh_opts(script, o, buf, sizeof(buf));
	if (!WIFEXITED(st) || strcmp(buf, "old\nsub\nend\n"))
		return 1;
	snprintf(path, sizeof(path), "%s/host-writes", dir);
	st = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (st < 0)
		return 2;
	close(st);
	return 0;
}

static char *readonly_tree(void)
{
	char *dir = test_tmp_path("ro-tree"), cmd[1024];

	/* World-writable, in a directory anyone may pass: nobody's permissions
	 * alone would let the unprivileged case write there. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/sub && echo old >%s/old && "
		 "echo sub >%s/sub/old && chmod -R a+rwX %s && chmod a+x \"$(dirname %s)\"",
		 dir, dir, dir, dir, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	return dir;
}

START_TEST(readonly_dir)
{
	char *dir = readonly_tree(), cmd[1024];

	/* A mount below the directory is read-only too (AT_RECURSIVE). */
	snprintf(cmd, sizeof(cmd), "mount -t tmpfs t %s/sub 2>/dev/null && echo sub >%s/sub/old", dir, dir);
	if (system(cmd))
		fprintf(stderr, "no tmpfs mount here: the sub-mount part is a plain directory\n");
	ck_assert_int_eq(readonly_check(dir, false), 0);
	snprintf(cmd, sizeof(cmd), "umount %s/sub 2>/dev/null; rm -rf %s", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}
END_TEST

static int unprivileged_readonly(void *arg)
{
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ||
	    prctl(PR_SET_DUMPABLE, 1))
		return 10;
	return readonly_check(arg, true);
}

START_TEST(readonly_dir_unprivileged)
{
	char *dir = readonly_tree(), cmd[1024];
	struct test_proc p;

	if (getuid() != 0)
		ck_assert_int_eq(readonly_check(dir, true), 0);
	else {
		ck_assert_int_eq(test_call(unprivileged_readonly, dir, NULL, 10000, &p), 0);
		test_proc_free(&p);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}
END_TEST

static Suite *child_suite(void)
{
	Suite *s = suite_create("child");
	TCase *tc = tcase_create("child");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, exit_status_and_fds);
	tcase_add_test(tc, no_other_fds);
	tcase_add_test(tc, missing_binary_is_an_error);
	tcase_add_test(tc, stop_is_bounded);
	tcase_add_test(tc, sigterm_stops_a_willing_child);
	tcase_add_test(tc, child_dies_with_parent);
	tcase_add_test(tc, user_namespace);
	tcase_add_test(tc, user_namespace_unprivileged);
	tcase_add_test(tc, readonly_dir);
	tcase_add_test(tc, readonly_dir_unprivileged);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(child_suite)
