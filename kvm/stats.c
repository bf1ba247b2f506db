// SPDX-License-Identifier: GPL-2.0
/*
 * Start-up and memory figures, taken only when asked for (cfg->stats:
 * KITE_STATS set, or --output json). With KITE_STATS, one line at exit:
 *
 *   kite-stats: exec_to_first_run_us=N cpu_to_first_run_us=N peak_rss_kib=N
 *               guest_touched_kib=N overhead_kib=N
 *
 * exec_to_first_run_us needs KITE_T0_NS, the CLOCK_MONOTONIC time (ns) the
 * launcher took just before exec (the bench's launcher sets it); without
 * it the field is omitted. The VMM's memory overhead is its peak RSS less
 * the guest RAM the guest actually touched (resident pages of the RAM
 * mapping, from mincore). first_run_to_ready_us, when a device saw the
 * guest's user space (stats_guest_ready), is the kernel's boot. --output json has the same figures in its exit
 * line (run-report.c), with the guest's run time.
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
	if (!vm->cfg || !vm->cfg->stats)
		return;
	vm->first_run_ns = now_ns();
	vm->first_run_cpu_us = cpu_us();
}

void stats_guest_ready(struct vm *vm)
{
	u64 zero = 0;

	if (vm->cfg && vm->cfg->stats)
		__atomic_compare_exchange_n(&vm->ready_ns, &zero, now_ns(), false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
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

bool stats_collect(struct vm *vm, struct run_stats *st)
{
	const char *t0 = getenv("KITE_T0_NS");
	struct rusage ru;

	*st = (struct run_stats){ 0 };
	if (!vm->first_run_ns)
		return false;
	getrusage(RUSAGE_SELF, &ru);
	if (t0) {
		st->have_exec = true;
		st->exec_to_first_run_us = (vm->first_run_ns - strtoull(t0, NULL, 10)) / 1000;
	}
	st->cpu_to_first_run_us = vm->first_run_cpu_us;
	st->peak_rss_kib = ru.ru_maxrss;
	st->guest_touched_kib = resident_kib(vm->ram, vm->ram_size);
	st->overhead_kib = (s64)st->peak_rss_kib - (s64)st->guest_touched_kib;
	if (vm->stop_ns > vm->first_run_ns)
		st->run_ns = vm->stop_ns - vm->first_run_ns;
	st->have_ready = vm->ready_ns > vm->first_run_ns;
	if (st->have_ready)
		st->first_run_to_ready_us = (vm->ready_ns - vm->first_run_ns) / 1000;
	return true;
}

void stats_print(FILE *f, const struct run_stats *st)
{
	fprintf(f, "kite-stats:");
	if (st->have_exec)
		fprintf(f, " exec_to_first_run_us=%llu", (unsigned long long)st->exec_to_first_run_us);
	fprintf(f, " cpu_to_first_run_us=%llu peak_rss_kib=%llu guest_touched_kib=%llu overhead_kib=%lld",
		(unsigned long long)st->cpu_to_first_run_us, (unsigned long long)st->peak_rss_kib,
		(unsigned long long)st->guest_touched_kib, (long long)st->overhead_kib);
	if (st->have_ready)
		fprintf(f, " first_run_to_ready_us=%llu",
			(unsigned long long)st->first_run_to_ready_us);
	fputc('\n', f);
}
