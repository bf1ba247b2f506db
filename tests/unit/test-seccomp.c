// SPDX-License-Identifier: GPL-2.0
/*
 * kite's syscall filter (util/seccomp.c) on the host, no VM: in a child
 * process it installs the filter on every thread, the calls a running VM
 * makes still work, a forbidden call on any thread ends the process with
 * the chosen status and one line naming the call and the thread, and
 * ioctl is allowed by type only (KVM's, the terminal's, the block
 * layer's). A VM running under the filter: tests/kvm/test-guests.c.
 */
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "seccomp-filter.h"
#include "test.h"

#define CHILD_STATUS	42

static void *forbidden_on_a_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "kite-test-thr");
	socket(AF_INET, SOCK_STREAM, 0);
	return NULL;		/* not reached under the filter */
}

/* Each its own malloc arena while all are alive. */
#define MANY_THREADS	24
static pthread_barrier_t all_here;

static void *malloc_on_a_thread(void *arg)
{
	void *p = malloc(64);

	pthread_barrier_wait(&all_here);
	free(p);
	return p ? NULL : arg;
}

/*
 * Threads created under the filter, as device threads are, each wanting
 * an arena: past the eighth, glibc's malloc would ask /sys how many CPUs
 * there are (a sandbox's console threads died of it).
 */
static int many_threads_malloc(void)
{
	pthread_t th[MANY_THREADS];
	int bad = 0;

	pthread_barrier_init(&all_here, NULL, MANY_THREADS);
	for (unsigned i = 0; i < MANY_THREADS; i++)
		if (pthread_create(&th[i], NULL, malloc_on_a_thread, &bad))
			return -1;
	for (unsigned i = 0; i < MANY_THREADS; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		bad |= ret != NULL;
	}
	return bad ? -1 : 0;
}

/* Child: install, then the allowed calls, then what the test asks. */
static void child(int errfd, const char *what)
{
	struct timespec ts;
	struct termios t;
	pthread_t th;
	int efd, p[2];
	u64 one = 1;

	dup2(errfd, STDERR_FILENO);
	if (pipe(p) || seccomp_install(CHILD_STATUS))
		_exit(1);
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || write(efd, &one, 8) != 8 || read(efd, &one, 8) != 8 ||
	    clock_gettime(CLOCK_MONOTONIC, &ts) || write(p[1], "x", 1) != 1)
		_exit(2);
	/* The RTC's gmtime_r: glibc's time zone was loaded before the filter. */
	{
		struct tm tm;
		time_t t = ts.tv_sec;

		if (!gmtime_r(&t, &tm))
			_exit(4);
	}
	/* A terminal ioctl is allowed (ENOTTY on a pipe), not killed. */
	if (tcgetattr(p[0], &t) == 0 || errno != ENOTTY)
		_exit(3);
	if (many_threads_malloc())
		_exit(5);
	if (!strcmp(what, "thread")) {
		pthread_create(&th, NULL, forbidden_on_a_thread, NULL);
		pthread_join(th, NULL);
	} else if (!strcmp(what, "ioctl")) {
		unsigned long flags;

		ioctl(p[0], FS_IOC_GETFLAGS, &flags);	/* type 'f': not kite's */
	} else if (!strcmp(what, "open")) {
		open("/etc/passwd", O_RDONLY);
	}
	_exit(0);
}

/* Run child(what); its status and what it said on stderr. */
static int run_child(const char *what, char *err, size_t len)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		child(p[1], what);
	}
	close(p[1]);
	n = read(p[0], err, len - 1);
	err[n > 0 ? n : 0] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(allowed_calls_work)
{
	char err[512];

	ck_assert_int_eq(run_child("nothing", err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(forbidden_call_on_a_thread_stops_the_process)
{
	char err[512];

	ck_assert_int_eq(run_child("thread", err, sizeof(err)), CHILD_STATUS);
	ck_assert_msg(strstr(err, "kite: error: seccomp: thread kite-test-thr made a system call "
			     "kite forbids: socket (41)"), "stderr: %s", err);
	ck_assert_msg(strstr(err, "--seccomp=off"), "stderr: %s", err);
	ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);	/* one line */
}
END_TEST

START_TEST(other_ioctls_and_opening_files_are_forbidden)
{
	char err[512];

	ck_assert_int_eq(run_child("ioctl", err, sizeof(err)), CHILD_STATUS);
	ck_assert_msg(strstr(err, "forbids: ioctl (16)"), "stderr: %s", err);
	ck_assert_int_eq(run_child("open", err, sizeof(err)), CHILD_STATUS);
	ck_assert_msg(strstr(err, "forbids: openat (257)"), "stderr: %s", err);
}
END_TEST

static Suite *seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("seccomp");

#ifdef __SANITIZE_ADDRESS__
	test_skip("SAN=1 builds install no filter (LeakSanitizer ptraces kite at exit)");
#endif
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, allowed_calls_work);
	tcase_add_test(tc, forbidden_call_on_a_thread_stops_the_process);
	tcase_add_test(tc, other_ioctls_and_opening_files_are_forbidden);
	suite_add_tcase(s, tc);
	return s;
}

KITE_TEST_MAIN(seccomp_suite)
