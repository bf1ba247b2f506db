// SPDX-License-Identifier: GPL-2.0
/*
 * startclock CMD [ARGS...]: run CMD with stdout on a pipe and print, on
 * stderr's last line,
 *   startclock: first_byte_us=N total_us=N cpu_us=N maxrss_kib=N status=N
 * measured from just before exec: the time of the first byte CMD writes to
 * stdout (a guest's first UART byte), when it exited, its CPU time and
 * peak RSS. KITE_T0_NS passes the exec time to kite's KITE_STATS. CMD is
 * killed after 60 s.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long t0, first = 0, end;
	struct rusage ru;
	char buf[4096], t0s[32];
	int fds[2], st;
	pid_t pid;
	ssize_t n;

	if (argc < 2 || pipe(fds)) {
		fprintf(stderr, "usage: startclock CMD [ARGS...]\n");
		return 2;
	}
	t0 = now_ns();
	snprintf(t0s, sizeof(t0s), "%llu", t0);
	setenv("KITE_T0_NS", t0s, 1);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	close(fds[1]);
	alarm(60);	/* default SIGALRM action ends us; the child then gets EPIPE */
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		if (!first)
			first = now_ns();
	wait4(pid, &st, 0, &ru);
	end = now_ns();
	fprintf(stderr, "startclock: first_byte_us=%llu total_us=%llu cpu_us=%llu maxrss_kib=%ld status=%d\n",
		first ? (first - t0) / 1000 : 0, (end - t0) / 1000,
		(unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		ru.ru_utime.tv_usec + ru.ru_stime.tv_usec,
		ru.ru_maxrss, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
