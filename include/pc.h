/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The legacy PC devices a stock Linux kernel probes at boot, each on the
 * port I/O bus: CMOS RTC (hw/rtc.c) and the ACPI PM block (hw/acpi-pm.c).
 * Each *_init registers its ports and a teardown with vm_on_exit().
 */
#ifndef KITE_PC_H
#define KITE_PC_H

#include <time.h>

#include "kvm.h"

int rtc_init(struct vm *vm);
int acpi_pm_init(struct vm *vm);

/*
 * The RTC's register file without the VM around it, for hw/rtc.c and its
 * tests: time comes from the clock function (host time by default).
 */
#define RTC_NR_REGS	128

struct rtc {
	pthread_mutex_t lock;
	u8 index;			/* last value written to port 0x70, low 7 bits */
	u8 regs[RTC_NR_REGS];
	s64 offset;			/* guest time - host time, seconds */
	time_t (*clock)(u64 *nsec);	/* host UTC time */
};

void rtc_reset(struct rtc *rtc, time_t (*clock)(u64 *nsec));
u8 rtc_port_read(struct rtc *rtc, unsigned port);
void rtc_port_write(struct rtc *rtc, unsigned port, u8 val);

#endif
