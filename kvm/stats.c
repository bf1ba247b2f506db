// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up and memory figures, printed only when KITE_STATS is set:
 *
 *   kite-stats: exec_to_first_run_us=N cpu_to_first_run_us=N peak_rss_kib=N
 *               guest_touched_kib=N overhead_kib=N
 *
 * exec_to_first_run_us needs KITE_T0_NS, the CLOCK_MONOTONIC time (ns) the
 * launcher took just before exec (the bench's launcher sets it); without
 * it the field is omitted. The VMM's memory overhead is its peak RSS less
 * the guest RAM the guest actually touched (resident pages of the RAM
 * mapping, from mincore).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kvm.h"

static u64 cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (u64)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

void stats_first_run(struct vm *vm)
{
	if (!getenv("KITE_STATS"))
		return;
	vm->first_run_ns = now_ns();
	vm->first_run_cpu_us = cpu_us();
}

static u64 resident_kib(void *addr, u64 len)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = DIV_ROUND_UP(len, page), i, n = 0;
	unsigned char *vec = malloc(pages);

	if (!vec)
		return 0;
	if (!mincore(addr, len, vec))
		for (i = 0; i < pages; i++)
			n += vec[i] & 1;
	free(vec);
	return n * page / 1024;
}

void stats_report(struct vm *vm)
{
	const char *t0 = getenv("KITE_T0_NS");
	struct rusage ru;
	u64 guest_kib;

	if (!getenv("KITE_STATS") || !vm->first_run_ns)
		return;
	getrusage(RUSAGE_SELF, &ru);
	guest_kib = resident_kib(vm->ram, vm->ram_size);
	fprintf(stderr, "kite-stats:");
	if (t0)
		fprintf(stderr, " exec_to_first_run_us=%llu",
			(unsigned long long)((vm->first_run_ns - strtoull(t0, NULL, 10)) / 1000));
	fprintf(stderr, " cpu_to_first_run_us=%llu peak_rss_kib=%ld guest_touched_kib=%llu overhead_kib=%lld\n",
		(unsigned long long)vm->first_run_cpu_us, ru.ru_maxrss,
		(unsigned long long)guest_kib, (long long)ru.ru_maxrss - (long long)guest_kib);
}
