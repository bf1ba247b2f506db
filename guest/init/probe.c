// SPDX-License-Identifier: GPL-2.0
/*
 * kite-probe: a static test command for the sandbox rig cases, packed into
 * the initramfs with `kite sandbox --add` until the host's root is shared
 * (virtio-fs). One action per run:
 *   exit N          exit with status N
 *   kill SIG        die of signal SIG
 *   cat             copy stdin to stdout
 *   pattern N FD    write N bytes of a fixed pseudo-random pattern to FD
 *   sleep           wait for a signal (SIGTERM forwarding)
 *   panic           crash the guest kernel (sysrq c): kite must say 125
 *   term            print "ready", then wait for SIGTERM and exit 42 on it:
 *                   a status only a forwarded signal gives
 *   tty             print "tty ABC ROWS COLS ctty=D": isatty() of fd 0, 1, 2,
 *                   fd 0's terminal size, 1 if it is the controlling one
 *   tty-winch       the same, then again after a SIGWINCH
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void term_exit(int sig)
{
	_exit(42);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return 1;
		p += w;
		n -= w;
	}
	return 0;
}

/* The same xorshift stream as tests/rig's checker: byte-exact comparisons. */
static int pattern(unsigned long long n, int fd, unsigned seed)
{
	char buf[65536];
	unsigned x = seed;

	while (n) {
		size_t chunk = n < sizeof(buf) ? n : sizeof(buf);

		for (size_t i = 0; i < chunk; i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			buf[i] = x >> 24;
		}
		if (write_all(fd, buf, chunk))
			return 1;
		n -= chunk;
	}
	return 0;
}

static int cat(void)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write_all(1, buf, n))
			return 1;
	return n < 0;
}

static volatile sig_atomic_t winched;

static void on_winch(int sig)
{
	winched = 1;
}

static void tty_report(void)
{
	struct winsize ws = { 0 };

	ioctl(0, TIOCGWINSZ, &ws);
	printf("tty %d%d%d %u %u ctty=%d\n", isatty(0), isatty(1), isatty(2), ws.ws_row,
	       ws.ws_col, tcgetsid(0) == getsid(0));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "kill")) {
		signal(atoi(argv[2]), SIG_DFL);
		raise(atoi(argv[2]));
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "cat"))
		return cat();
	if (argc == 4 && !strcmp(argv[1], "pattern"))
		return pattern(strtoull(argv[2], NULL, 0), atoi(argv[3]), 0x1234567u + atoi(argv[3]));
	if (argc == 2 && !strcmp(argv[1], "panic")) {
		FILE *f = fopen("/proc/sysrq-trigger", "w");

		if (f && fputc('c', f) != EOF)
			fclose(f);
		return 1;
	}
	if (argc == 2 && !strcmp(argv[1], "term")) {
		signal(SIGTERM, term_exit);
		if (write_all(1, "ready\n", 6))
			return 1;
		for (;;)
			pause();
	}
	if (argc == 2 && !strcmp(argv[1], "tty")) {
		tty_report();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "tty-winch")) {
		signal(SIGWINCH, on_winch);
		tty_report();
		while (!winched)
			pause();
		tty_report();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "sleep")) {
		pause();
		return 0;
	}
	fprintf(stderr, "usage: kite-probe exit N | kill SIG | cat | pattern N FD | sleep | term | panic | tty | tty-winch\n");
	return 2;
}
