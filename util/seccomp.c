// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall filter of a running kite (include/seccomp-filter.h).
 *
 * One allow-list for the whole process. Per-kind lists (vCPU, worker,
 * disk completion, main) would have to allow each other's calls anyway:
 * a filter is inherited by the threads a thread creates, and virtio
 * workers are created by the vCPU thread whose write set DRIVER_OK.
 * ioctl is limited by its type byte: KVM's (0xAE), the terminal's and
 * tun's ('T'), the block layer's (0x12); prctl to the thread name.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <malloc.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "seccomp-filter.h"
#include "term.h"
#include "util.h"

static const int allowed[] = {
	/* I/O on fds kite already holds */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(preadv2), SCMP_SYS(pwritev2), SCMP_SYS(lseek), SCMP_SYS(close),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(fcntl), SCMP_SYS(dup),
	SCMP_SYS(dup3), SCMP_SYS(fdatasync), SCMP_SYS(fsync), SCMP_SYS(fallocate),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(shutdown), SCMP_SYS(getsockopt),
	/* waiting and waking */
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_ctl), SCMP_SYS(pselect6), SCMP_SYS(futex), SCMP_SYS(eventfd2),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_getres), SCMP_SYS(gettimeofday), SCMP_SYS(timerfd_settime),
	SCMP_SYS(timerfd_gettime), SCMP_SYS(sched_yield), SCMP_SYS(signalfd4),
	SCMP_SYS(pipe2),
	/* disk engines */
	SCMP_SYS(io_setup), SCMP_SYS(io_destroy), SCMP_SYS(io_submit),
	SCMP_SYS(io_getevents), SCMP_SYS(io_pgetevents), SCMP_SYS(io_cancel),
	SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register),
	/* memory and threads (workers start at DRIVER_OK) */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(mincore), SCMP_SYS(brk), SCMP_SYS(clone), SCMP_SYS(clone3),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* signals: vCPU kicks, signalfd, the helpers' stop */
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(tgkill), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(kill), SCMP_SYS(pidfd_send_signal), SCMP_SYS(waitid), SCMP_SYS(wait4),
	/* figures and randomness */
	SCMP_SYS(getrusage), SCMP_SYS(getrandom),
};

static const unsigned ioctl_types[] = { KVMIO, 'T', 0x12 };

/* For the SIGSYS handler, which may not allocate: resolved at install. */
#define NAMES_MAX	512
static const char *names[NAMES_MAX];
static int violation_status = 1;

static size_t put_str(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_uint(char *buf, size_t at, size_t cap, unsigned long v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while ((v /= 10) && n < (int)sizeof(tmp));
	while (n && at + 1 < cap)
		buf[at++] = tmp[--n];
	return at;
}

/* Async-signal-safe: one line, the terminal back, gone. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[256], thread[17] = "?";
	int nr = si->si_syscall;
	size_t n = 0;

	prctl(PR_GET_NAME, thread);
	n = put_str(line, n, sizeof(line), "kite: error: seccomp: thread ");
	n = put_str(line, n, sizeof(line), thread);
	n = put_str(line, n, sizeof(line), " made a system call kite forbids: ");
	n = put_str(line, n, sizeof(line), nr >= 0 && nr < NAMES_MAX && names[nr] ? names[nr] : "?");
	n = put_str(line, n, sizeof(line), " (");
	n = put_uint(line, n, sizeof(line), nr < 0 ? 0 : (unsigned long)nr);
	n = put_str(line, n, sizeof(line), "); stopping (--seccomp=off runs without the filter)\n");
	if (write(STDERR_FILENO, line, n) < 0)
		line[0] = 0;
	term_restore();
	_exit(violation_status);
}

static void resolve_names(void)
{
	for (int nr = 0; nr < NAMES_MAX; nr++)
		if (!names[nr])
			names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

static int add_rules(scmp_filter_ctx ctx)
{
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(allowed) && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; i < ARRAY_SIZE(ioctl_types) && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, ioctl_types[i] << 8));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				       SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	return ret;
}

/*
 * What would open files later, done now: the diagnostics' fd; the time
 * zone glibc loads at the first gmtime_r (the RTC's); and the CPU count
 * glibc's malloc reads from /sys once a ninth thread wants an arena of
 * its own (a sandbox's console threads do): glibc's default limit,
 * eight arenas per CPU, fixed here, so it never asks.
 */
static void open_now(void)
{
	diag_prepare();
	tzset();
	mallopt(M_ARENA_MAX, 8 * get_nprocs());
}

int seccomp_install(int exit_status)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	scmp_filter_ctx ctx;
	int ret;

#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer ptraces the process at exit: no filter in SAN=1 builds. */
	return 0;
#endif
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		pr_err("seccomp: cannot set up the filter (--seccomp=off runs without it)");
		return -ENOMEM;
	}
	violation_status = exit_status;
	resolve_names();
	open_now();
	sigemptyset(&sa.sa_mask);
	ret = sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
	if (!ret)
		ret = add_rules(ctx);
	if (!ret)
		ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	if (ret)
		pr_err("seccomp: cannot install the filter: %s (--seccomp=off runs without it)",
		       strerror(-ret));
	return ret;
}

void seccomp_selftest(const char *where)
{
	const char *want = getenv("KITE_SECCOMP_SELFTEST");

	if (want && !strcmp(want, where))
		syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}
