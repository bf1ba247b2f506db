/* SPDX-License-Identifier: GPL-2.0 */
/* kite-probe: what its action files share (probe.c, probe-tcp.c). */
#ifndef KITE_PROBE_H
#define KITE_PROBE_H

#include <stddef.h>
#include <stdint.h>

int write_all(int fd, const char *p, size_t n);
long long now_us(void);
/* n bytes of the xorshift32 stream from state *x (its top byte each step). */
void xorshift_fill(unsigned *x, unsigned char *buf, size_t n);

int tcp_serve(unsigned port, int conns, const char *comm);
int tcp_bench(const char *addr, unsigned port, const char *op, uint64_t n);

#endif
