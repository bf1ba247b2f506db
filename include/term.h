/* SPDX-License-Identifier: GPL-2.0 */
/* The host terminal behind the guest console. */
#ifndef KITE_TERM_H
#define KITE_TERM_H

#include <stdbool.h>

/*
 * Put stdin in raw mode if it is a terminal, so keys go to the guest
 * (Ctrl-C included). The previous mode comes back on term_restore(), at
 * exit and on fatal signals. Safe to call when stdin is not a terminal.
 */
void term_raw(void);
void term_restore(void);

/*
 * The console escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A.
 * Feed input bytes through it; it rewrites buf in place and returns the
 * bytes to pass to the guest, setting *quit when the user asked to quit.
 */
struct term_escape {
	bool pending;		/* the last byte seen was Ctrl-A */
};
size_t term_escape_filter(struct term_escape *e, char *buf, size_t len, bool *quit);

#endif
