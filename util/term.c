// SPDX-License-Identifier: GPL-2.0
/* Host terminal: raw mode for the guest console, restored on every exit. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

#define CTRL_A	0x01

/* Global by necessity: the fatal-signal handler and atexit need it. */
static struct termios saved;
static volatile sig_atomic_t raw_active;

void term_restore(void)
{
	if (raw_active) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw_active = 0;
	}
}

static void fatal_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

void term_raw(void)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct termios t;
	size_t i;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved))
		return;
	t = saved;
	/* Keys (and ^C, ^Z) go to the guest; output keeps \n -> \r\n. */
	t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag = (t.c_cflag & ~(CSIZE | PARENB)) | CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return;
	raw_active = 1;
	atexit(term_restore);
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_signal);
}

size_t term_escape_filter(struct term_escape *e, char *buf, size_t len, bool *quit)
{
	size_t in, out = 0;

	for (in = 0; in < len; in++) {
		char c = buf[in];

		if (e->pending) {
			e->pending = false;
			if (c == 'x' || c == 'X') {
				*quit = true;
				return out;
			}
			if (c != CTRL_A)	/* unknown escape: pass both through */
				buf[out++] = CTRL_A;
			buf[out++] = c;
		} else if (c == CTRL_A) {
			e->pending = true;
		} else {
			buf[out++] = c;
		}
	}
	return out;
}
