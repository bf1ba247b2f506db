/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helper processes kite starts and owns (virtiofsd, passt): started with
 * only the fds they are handed, never outliving kite, stopped with a
 * bounded wait.
 *
 *  - The child gets /dev/null on stdin and stdout, kite's stderr or
 *    /dev/null on stderr, and opts->fds[i] as fd 3 + i; every other fd
 *    is closed before exec, whatever its CLOEXEC flag.
 *  - PR_SET_PDEATHSIG(SIGKILL): if kite dies, even of SIGKILL, the child
 *    is killed. The signal follows the *thread* that forked, so call
 *    child_spawn from a thread that lives as long as the child (the main
 *    thread).
 *  - opts->userns: the child first enters a new user namespace in which
 *    kite's uid and gid are root (as `unshare -r`), for daemons that
 *    want root but need no real privilege (Debian's virtiofsd).
 *  - opts->readonly_dir: the child runs in a mount namespace of its own
 *    in which that directory and every mount below it are read-only, so
 *    a daemon serving it (virtiofsd) cannot write there whatever it is
 *    asked: read-only enforced by the kernel, not promised by the daemon.
 *    Needs root or opts->userns (unshare of the mount namespace).
 *  - child_stop sends SIGTERM, waits at most timeout_ms (a pidfd, so the
 *    wait is bounded and reaps only this child), then SIGKILLs and reaps.
 */
#ifndef KITE_CHILD_H
#define KITE_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

#define CHILD_MAX_FDS	4

struct child_opts {
	int fds[CHILD_MAX_FDS];		/* become fd 3, 4, ... in the child */
	unsigned nr_fds;
	bool userns;			/* run as root of a new user namespace */
	const char *readonly_dir;	/* read-only, and all below it, for the child */
	bool quiet;			/* stderr to /dev/null (else kite's) */
};

struct child {
	const char *name;		/* for messages: "virtiofsd" */
	pid_t pid;			/* 0: not running (never started, or reaped) */
	int pidfd;
	int status;			/* wait status once reaped */
};

/*
 * Start argv[0] (a path: no PATH search) as a child. 0, or -errno with a
 * one-line pr_err naming c->name; an exec failure in the child (a
 * missing binary) is seen here too: the child reports its errno back
 * through a CLOEXEC pipe before exiting, so the caller gets -ENOENT and
 * nothing to reap.
 */
int child_spawn(struct child *c, const char *name, char *const argv[],
		const struct child_opts *opts);
/*
 * Has it exited? Reaps it if so (c->status set, c->pid 0). Never blocks.
 */
bool child_exited(struct child *c);
/*
 * Stop and reap it: SIGTERM, up to timeout_ms, then SIGKILL. Returns the
 * wait status; a child that was never started or already reaped is fine
 * (returns its last status, or 0).
 */
int child_stop(struct child *c, unsigned timeout_ms);
/* The fd that becomes readable when the child exits (-1: none): for poll loops. */
static inline int child_exit_fd(const struct child *c)
{
	return c->pid ? c->pidfd : -1;
}

#endif
