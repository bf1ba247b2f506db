// SPDX-License-Identifier: GPL-2.0
/*
 * rigrun: run one VMM inside the rig's L1 and measure it.
 *
 * busybox has neither a millisecond clock nor getrusage(), and the rig
 * needs both: the time from exec to a marker the L2 guest prints (the
 * boot-time figure), the VMM's CPU time and peak RSS, and a hard bound on
 * how long it may run with nothing left behind. So:
 *
 *   rigrun [-t SECS] [-m MARKER]... [-o LOG] [-p PREFIX] [-r RESULT]
 *          [-s SNAPFILE [-S FILE]...] [-T [-W MARKER]] -- CMD [ARG]...
 *
 * runs CMD in its own process group with stdout+stderr on a pipe, copies
 * that output to our stdout (each line prefixed by PREFIX) and raw to LOG,
 * notes the first time each MARKER appears at the start of a line, and
 * after SECS sends SIGTERM to the whole group, SIGKILL two seconds later.
 * When CMD has exited, anything still alive in its group is killed and
 * reported as an orphan. With -T, CMD runs on a pseudo-terminal instead
 * (stdin, stdout and stderr; its own session, the terminal its controlling
 * one, 24 rows x 80 columns), and -W resizes that terminal to 50 x 132 when
 * a line starts with MARKER: the kernel then sends CMD SIGWINCH, as a
 * terminal window does. The figures go to RESULT (default stderr):
 *
 *   RIGRUN status=N wall_ms=N user_ms=N sys_ms=N guest_ms=N maxrss_kb=N
 *          timed_out=0|1 orphans=0|1
 *   RIGRUN-MARK MARKER MS        (one per marker seen, ms since exec)
 *
 * With -s, every output line that starts with "RIG-SNAP " makes rigrun
 * append a snapshot of CMD's counters to SNAPFILE before it reads on
 * (the L2 guest prints such lines around a phase it wants costed):
 *
 *   SNAP LABEL                   (the rest of the line)
 *   kvm NAME VALUE               each stat in /sys/kernel/debug/kvm/PID-FD
 *                                (the VM's, vCPU stats summed over vCPUs)
 *   task TID SUM_EXEC_NS VOLUNTARY NONVOLUNTARY GUEST_TICKS COMM
 *                                each thread of CMD (schedstat, status, stat)
 *   io SYSCR SYSCW               read- and write-type syscalls of CMD
 *   file PATH                    then the lines of each -S FILE (e.g. a
 *                                trace histogram), as they are
 *   END
 *
 * CMD gets KITE_T0_NS, the exec time (CLOCK_MONOTONIC ns), which kite's
 * KITE_STATS figures count from.
 *
 * status is the exit status, 128+N if it died of signal N; guest_ms is the
 * part of user time spent running guest code (KVM's guest accounting), so
 * user+sys-guest is the VMM's own CPU time. Built static
 * on the host (tests/rig/lib.sh) so L1 needs no libraries for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MARKERS	16
#define MAX_SNAP_FILES	8
#define SNAP_PREFIX	"RIG-SNAP "
#define LINE_MAX_SEEN	256	/* markers are matched within a line's first bytes */

struct marker {
	const char *text;
	long ms;		/* -1 until seen */
};

static volatile sig_atomic_t got_signal;
static int wake_fd = -1;	/* write end of a self-pipe: signals wake poll() */

static void on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD)
		got_signal = sig;
	if (write(wake_fd, "", 1) < 0) {
		/* full pipe: a wake-up is pending anyway */
	}
	errno = saved;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;		/* output is best effort; the run goes on */
		}
		buf += n;
		len -= (size_t)n;
	}
}

struct snapper {
	FILE *out;			/* NULL: no snapshots */
	pid_t pid;
	const char *files[MAX_SNAP_FILES];
	int nr_files;
};

struct copier {
	const char *prefix;
	int log_fd;
	bool at_line_start;
	char line[LINE_MAX_SEEN];	/* start of the current line, for markers */
	size_t line_len;
	struct marker *markers;
	int nr_markers;
	long t0;
	struct snapper *snap;
	const char *winch;	/* -W: resize the terminal when a line starts so */
	int tty_fd;		/* -T: the terminal's master side */
};

/* The first line of a small file, without its newline ("" if unreadable). */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = 0;
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* Value of "Key:\tN" in a /proc status file, or -1. */
static long long status_field(const char *path, const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Field `nr` (1-based, as in proc(5)) of a /proc stat line, or -1. */
static long long stat_field(const char *path, int nr)
{
	char buf[1024], *p;
	int field;

	read_line(path, buf, sizeof(buf));
	p = strrchr(buf, ')');
	for (field = 2; field < nr && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

static void snap_kvm(struct snapper *s)
{
	char dir[300], path[600], val[64], want[32];
	struct dirent *e;
	DIR *d = opendir("/sys/kernel/debug/kvm");

	if (!d)
		return;
	snprintf(want, sizeof(want), "%d-", (int)s->pid);
	dir[0] = 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, want, strlen(want))) {
			snprintf(dir, sizeof(dir), "/sys/kernel/debug/kvm/%s", e->d_name);
			break;
		}
	closedir(d);
	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		/* Counters only: mmu_rmaps_stat walks the guest's page maps. */
		if (e->d_type != DT_REG || strstr(e->d_name, "rmaps"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		read_line(path, val, sizeof(val));
		if (val[0] >= '0' && val[0] <= '9')
			fprintf(s->out, "kvm %s %s\n", e->d_name, val);
	}
	closedir(d);
}

static void snap_tasks(struct snapper *s)
{
	char dir[64], path[400], comm[64], sched[128];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)s->pid);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/schedstat", dir, e->d_name);
		read_line(path, sched, sizeof(sched));
		snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
		read_line(path, comm, sizeof(comm));
		for (char *c = comm; *c; c++)
			if (*c == ' ')
				*c = '_';
		snprintf(path, sizeof(path), "%s/%s/status", dir, e->d_name);
		fprintf(s->out, "task %s %lld %lld %lld ", e->d_name, strtoll(sched, NULL, 10),
			status_field(path, "voluntary_ctxt_switches"),
			status_field(path, "nonvoluntary_ctxt_switches"));
		snprintf(path, sizeof(path), "%s/%s/stat", dir, e->d_name);
		fprintf(s->out, "%lld %s\n", stat_field(path, 43), comm);
	}
	closedir(d);
}

/* Append a snapshot of the VMM's counters (see the top of the file). */
static void snapshot(struct snapper *s, const char *label)
{
	char path[64], line[512];

	fprintf(s->out, "SNAP %s\n", label);
	snap_kvm(s);
	snap_tasks(s);
	snprintf(path, sizeof(path), "/proc/%d/io", (int)s->pid);
	fprintf(s->out, "io %lld %lld\n", status_field(path, "syscr"), status_field(path, "syscw"));
	for (int i = 0; i < s->nr_files; i++) {
		FILE *f = fopen(s->files[i], "re");

		fprintf(s->out, "file %s\n", s->files[i]);
		while (f && fgets(line, sizeof(line), f))
			fputs(line, s->out);
		if (f)
			fclose(f);
	}
	fprintf(s->out, "END\n");
	fflush(s->out);
}

static void set_size(int fd, unsigned short rows, unsigned short cols)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };

	if (ioctl(fd, TIOCSWINSZ, &ws))
		perror("rigrun: TIOCSWINSZ");
}

static void check_markers(struct copier *c)
{
	int i;

	for (i = 0; i < c->nr_markers; i++) {
		size_t n = strlen(c->markers[i].text);

		if (c->markers[i].ms < 0 && c->line_len >= n &&
		    !memcmp(c->line, c->markers[i].text, n))
			c->markers[i].ms = now_ms() - c->t0;
	}
	if (c->winch && c->line_len == strlen(c->winch) &&
	    !memcmp(c->line, c->winch, c->line_len)) {
		set_size(c->tty_fd, 50, 132);
		c->winch = NULL;
	}
}

/* -T: a pseudo-terminal for CMD; returns the master side, *slave its path. */
static int open_tty(char **slave)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || grantpt(fd) || unlockpt(fd) || !(*slave = ptsname(fd))) {
		perror("rigrun: pseudo-terminal");
		exit(2);
	}
	set_size(fd, 24, 80);
	return fd;
}

/* In the child: the terminal as stdin/out/err and controlling terminal. */
static void child_tty(const char *slave)
{
	int fd;

	setsid();
	fd = open(slave, O_RDWR);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0)) {
		perror("rigrun: child terminal");
		_exit(127);
	}
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
}

static void copy_out(struct copier *c, const char *buf, size_t len)
{
	size_t i, start = 0;

	if (c->log_fd >= 0)
		write_all(c->log_fd, buf, len);
	for (i = 0; i < len; i++) {
		if (c->at_line_start && c->prefix) {
			write_all(1, buf + start, i - start);
			write_all(1, c->prefix, strlen(c->prefix));
			start = i;
		}
		c->at_line_start = false;
		if (buf[i] == '\n' || buf[i] == '\r') {
			/* "\r\n" from a guest's tty: the line ends at its '\r'. */
			if (c->snap->out && c->line_len > strlen(SNAP_PREFIX) &&
			    !memcmp(c->line, SNAP_PREFIX, strlen(SNAP_PREFIX))) {
				c->line[c->line_len == sizeof(c->line) ? c->line_len - 1 : c->line_len] = 0;
				snapshot(c->snap, c->line + strlen(SNAP_PREFIX));
			}
			c->at_line_start = buf[i] == '\n';
			c->line_len = 0;
			continue;
		}
		if (c->line_len < sizeof(c->line)) {
			c->line[c->line_len++] = buf[i];
			check_markers(c);
		}
	}
	write_all(1, buf + start, len - start);
}

/*
 * CPU time our reaped children spent running a guest (cguest_time, field
 * 44 of /proc/self/stat), in ms; -1 if unknown. A VMM's user time
 * includes its guest's, so this separates the VMM's own share.
 */
static long children_guest_ms(void)
{
	char buf[1024], *p;
	unsigned long long v = 0;
	int fd, field;
	ssize_t n;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strrchr(buf, ')');	/* the command name may hold spaces */
	if (!p)
		return -1;
	for (field = 2; field < 44 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -1;
	return (long)(v * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static void usage(void)
{
	fprintf(stderr, "usage: rigrun [-t SECS] [-m MARKER]... [-o LOG] [-p PREFIX] "
		"[-r RESULT] [-s SNAPFILE [-S FILE]...] [-T [-W MARKER]] -- CMD [ARG]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct marker markers[MAX_MARKERS];
	struct snapper snap = { 0 };
	struct copier c = { .log_fd = -1, .at_line_start = true, .markers = markers,
			    .snap = &snap, .tty_fd = -1 };
	char *slave = NULL;
	const char *result_path = NULL;
	long timeout_s = 60, deadline, kill_at = -1;
	bool timed_out = false, orphans = false, reaped = false, eof = false, killed = false;
	struct sigaction sa = { .sa_handler = on_signal };
	struct rusage ru = { 0 };
	int pipefd[2], wakefd[2], opt, wstatus = 0, status, i;
	struct timespec t0;
	char t0_ns[24];
	FILE *res;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+t:m:o:p:r:s:S:TW:")) != -1) {
		switch (opt) {
		case 't':
			timeout_s = strtol(optarg, NULL, 10);
			break;
		case 'm':
			if (c.nr_markers == MAX_MARKERS)
				usage();
			markers[c.nr_markers].text = optarg;
			markers[c.nr_markers++].ms = -1;
			break;
		case 'o':
			c.log_fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (c.log_fd < 0) {
				perror(optarg);
				return 2;
			}
			break;
		case 'p':
			c.prefix = optarg;
			break;
		case 'r':
			result_path = optarg;
			break;
		case 's':
			snap.out = fopen(optarg, "we");
			if (!snap.out) {
				perror(optarg);
				return 2;
			}
			break;
		case 'S':
			if (snap.nr_files == MAX_SNAP_FILES)
				usage();
			snap.files[snap.nr_files++] = optarg;
			break;
		case 'T':
			c.tty_fd = open_tty(&slave);
			break;
		case 'W':
			c.winch = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || timeout_s <= 0 || (c.winch && c.tty_fd < 0))
		usage();

	if (pipe2(pipefd, O_CLOEXEC) || pipe2(wakefd, O_CLOEXEC | O_NONBLOCK)) {
		perror("pipe");
		return 2;
	}
	wake_fd = wakefd[1];
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	c.t0 = t0.tv_sec * 1000L + t0.tv_nsec / 1000000L;
	snprintf(t0_ns, sizeof(t0_ns), "%lld", t0.tv_sec * 1000000000LL + t0.tv_nsec);
	setenv("KITE_T0_NS", t0_ns, 1);	/* kite's KITE_STATS time from here */
	deadline = c.t0 + timeout_s * 1000L;
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		if (slave) {
			child_tty(slave);
		} else {
			setpgid(0, 0);
			dup2(pipefd[1], 1);
			dup2(pipefd[1], 2);
		}
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rigrun: exec %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	/* Both sides, so the group exists before any kill (setsid makes it with -T). */
	if (!slave)
		setpgid(pid, pid);
	snap.pid = pid;
	close(pipefd[1]);
	if (slave) {		/* the output comes from the terminal */
		close(pipefd[0]);
		pipefd[0] = c.tty_fd;
	}

	/*
	 * Copy output until the child is reaped and its output drained. A
	 * grandchild holding the pipe open must not keep us here: once the
	 * child is gone the group is killed, which closes the pipe.
	 */
	while (!(reaped && eof)) {
		struct pollfd pfd[2] = {
			{ .fd = eof ? -1 : pipefd[0], .events = POLLIN },
			{ .fd = wakefd[0], .events = POLLIN },
		};
		long now = now_ms(), next;
		char buf[4096];
		int n;

		if (got_signal && kill_at < 0) {
			kill(-pid, SIGTERM);
			kill_at = now + 2000;
		}
		if (!timed_out && now >= deadline) {
			timed_out = true;
			kill(-pid, SIGTERM);
			kill_at = now + 2000;
		}
		if (kill_at >= 0 && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = now + 1000;
			killed = true;
		}
		if (!reaped && wait4(pid, &wstatus, WNOHANG, &ru) == pid) {
			reaped = true;
			/*
			 * kill() succeeds iff some process is still in the
			 * group; after our own SIGKILL that may be a zombie.
			 */
			if (kill(-pid, SIGKILL) == 0 && !killed)
				orphans = true;
		}
		if (reaped && eof)
			break;

		/* Sleep until output, a signal, or the next thing to do. */
		next = timed_out ? now + 60000 : deadline;
		if (kill_at >= 0 && kill_at < next)
			next = kill_at;
		if (reaped && now + 100 < next)
			next = now + 100;	/* drain what is left, briefly */
		n = poll(pfd, 2, (int)(next > now ? next - now : 0));
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			while (read(wakefd[0], buf, sizeof(buf)) > 0)
				;
		}
		if (n > 0 && pfd[0].revents) {
			ssize_t r = read(pipefd[0], buf, sizeof(buf));

			if (r > 0)
				copy_out(&c, buf, (size_t)r);
			else if (r == 0 || errno != EINTR)
				eof = true;
		} else if (n == 0 && reaped) {
			eof = true;	/* nothing more within 100 ms of the exit */
		}
	}
	if (!reaped) {		/* poll() failed: do not leave the child behind */
		kill(-pid, SIGKILL);
		wait4(pid, &wstatus, 0, &ru);
	}

	if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);
	else
		status = 128 + WTERMSIG(wstatus);
	res = result_path ? fopen(result_path, "w") : stderr;
	if (!res)
		res = stderr;
	if (!c.at_line_start)
		write_all(1, "\n", 1);
	fprintf(res, "RIGRUN status=%d wall_ms=%ld user_ms=%ld sys_ms=%ld guest_ms=%ld "
		"maxrss_kb=%ld timed_out=%d orphans=%d\n", status, now_ms() - c.t0,
		ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000,
		ru.ru_stime.tv_sec * 1000L + ru.ru_stime.tv_usec / 1000,
		children_guest_ms(), ru.ru_maxrss, timed_out, orphans);
	for (i = 0; i < c.nr_markers; i++)
		if (markers[i].ms >= 0)
			fprintf(res, "RIGRUN-MARK %s %ld\n", markers[i].text, markers[i].ms);
	if (res != stderr)
		fclose(res);
	if (snap.out)
		fclose(snap.out);
	return 0;
}
