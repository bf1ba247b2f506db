// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 CMOS RTC on ports 0x70 (index, bit 7 = NMI mask) and 0x71
 * (data): the date the guest reads at boot, and 128 bytes of CMOS.
 *
 * The clock is not ticked: reading a time register converts host UTC
 * plus the guest's offset, in the format register B asks for (BCD or
 * binary, 12 or 24 hour). Setting the time (SET bit in B, write the
 * fields, clear SET) just moves the offset, so `hwclock --systohc` works
 * and survives nothing but this VM. UIP in register A is raised in the
 * last 244 us of each second, as on the real part, so a guest that waits
 * for an update edge sees one.
 *
 * Interrupts (IRQ 8) come from a timer thread that runs only while the
 * guest enabled one in register B: update-ended at each second boundary,
 * alarm when the alarm fields match (0xC0..0xFF is "any"), periodic at
 * register A's rate (capped at 1024 Hz: the guest chooses, the host
 * pays). Userspace needs them: util-linux hwclock waits for the update
 * interrupt, and rtc-cmos emulates its 1 Hz UIE with the alarm.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "hw.h"

#define RTC_PORT_INDEX		0x70
#define RTC_PORT_DATA		0x71

#define RTC_SECONDS		0x00
#define RTC_MINUTES		0x02
#define RTC_HOURS		0x04
#define RTC_DAY_OF_WEEK		0x06
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* the FADT's century field points here */

#define RTC_SECONDS_ALARM	0x01
#define RTC_MINUTES_ALARM	0x03
#define RTC_HOURS_ALARM		0x05

#define REG_A_UIP		0x80
#define REG_A_RS		0x0f	/* periodic rate select */
#define REG_A_DEFAULT		0x26	/* 32.768 kHz divider, 1024 Hz rate */
#define REG_B_SET		0x80
#define REG_B_PIE		0x40
#define REG_B_AIE		0x20
#define REG_B_UIE		0x10
#define REG_B_INTS		(REG_B_PIE | REG_B_AIE | REG_B_UIE)
#define REG_C_IRQF		0x80
#define REG_C_PF		0x40
#define REG_C_AF		0x20
#define REG_C_UF		0x10
#define ALARM_ANY		0xc0
#define PERIODIC_MIN_NS		(1000000000ULL / 1024)
#define REG_B_DM_BINARY		0x04
#define REG_B_24H		0x02
#define REG_D_VRT		0x80	/* "RAM and time are valid" */
#define HOURS_PM		0x80

#define UIP_WINDOW_NS		244000ULL

static time_t host_clock(u64 *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*nsec = ts.tv_nsec;
	return ts.tv_sec;
}

static bool is_time_reg(unsigned r)
{
	/* The alarm registers (1, 3, 5) are plain storage. */
	return (r <= RTC_YEAR && r != 1 && r != 3 && r != 5) || r == RTC_CENTURY;
}

static u8 to_bcd(unsigned v) { return ((v / 10) << 4) | (v % 10); }
static unsigned from_bcd(u8 v) { return (v >> 4) * 10 + (v & 0xf); }

static u8 encode(const struct rtc *rtc, unsigned v)
{
	return (rtc->regs[RTC_REG_B] & REG_B_DM_BINARY) ? v : to_bcd(v);
}

static unsigned decode(const struct rtc *rtc, u8 v)
{
	return (rtc->regs[RTC_REG_B] & REG_B_DM_BINARY) ? v : from_bcd(v);
}

static u8 encode_hours(const struct rtc *rtc, unsigned h)
{
	bool pm = h >= 12;

	if (rtc->regs[RTC_REG_B] & REG_B_24H)
		return encode(rtc, h);
	h %= 12;
	return encode(rtc, h ? h : 12) | (pm ? HOURS_PM : 0);
}

static unsigned decode_hours(const struct rtc *rtc, u8 v)
{
	unsigned h;

	if (rtc->regs[RTC_REG_B] & REG_B_24H)
		return decode(rtc, v);
	h = decode(rtc, v & ~HOURS_PM) % 12;
	return (v & HOURS_PM) ? h + 12 : h;
}

/* Write guest time t into the time registers, in the current format. */
static void store_time(struct rtc *rtc, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	rtc->regs[RTC_SECONDS] = encode(rtc, tm.tm_sec);
	rtc->regs[RTC_MINUTES] = encode(rtc, tm.tm_min);
	rtc->regs[RTC_HOURS] = encode_hours(rtc, tm.tm_hour);
	rtc->regs[RTC_DAY_OF_WEEK] = encode(rtc, tm.tm_wday + 1);
	rtc->regs[RTC_DAY_OF_MONTH] = encode(rtc, tm.tm_mday);
	rtc->regs[RTC_MONTH] = encode(rtc, tm.tm_mon + 1);
	rtc->regs[RTC_YEAR] = encode(rtc, (tm.tm_year + 1900) % 100);
	rtc->regs[RTC_CENTURY] = encode(rtc, (tm.tm_year + 1900) / 100);
}

/* The guest set the clock: keep the difference to host time. */
static void load_time(struct rtc *rtc)
{
	struct tm tm = {
		.tm_sec = decode(rtc, rtc->regs[RTC_SECONDS]),
		.tm_min = decode(rtc, rtc->regs[RTC_MINUTES]),
		.tm_hour = decode_hours(rtc, rtc->regs[RTC_HOURS]),
		.tm_mday = decode(rtc, rtc->regs[RTC_DAY_OF_MONTH]),
		.tm_mon = (int)decode(rtc, rtc->regs[RTC_MONTH]) - 1,
		.tm_year = decode(rtc, rtc->regs[RTC_CENTURY]) * 100 +
			   decode(rtc, rtc->regs[RTC_YEAR]) - 1900,
	};
	time_t t = timegm(&tm);
	u64 ns;

	if (t != (time_t)-1)
		rtc->offset = (s64)t - (s64)rtc->clock(&ns);
}

static time_t guest_now(struct rtc *rtc, u64 *ns)
{
	return rtc->clock(ns) + rtc->offset;
}

/*
 * The timer fired: raise the flags that are due. Returns true when IRQF
 * went up, i.e. when the guest must get an interrupt edge.
 */
bool rtc_tick(struct rtc *rtc)
{
	u8 *r = rtc->regs, was = r[RTC_REG_C] & REG_C_IRQF;
	u64 ns;
	time_t now;

	if (r[RTC_REG_B] & REG_B_SET)
		return false;		/* the clock is stopped while being set */
	now = guest_now(rtc, &ns);
	if (r[RTC_REG_B] & REG_B_PIE)
		r[RTC_REG_C] |= REG_C_PF;
	if (now != rtc->last_tick) {
		rtc->last_tick = now;
		r[RTC_REG_C] |= REG_C_UF;
		store_time(rtc, now);
		if (((r[RTC_SECONDS_ALARM] & ALARM_ANY) == ALARM_ANY ||
		     r[RTC_SECONDS_ALARM] == r[RTC_SECONDS]) &&
		    ((r[RTC_MINUTES_ALARM] & ALARM_ANY) == ALARM_ANY ||
		     r[RTC_MINUTES_ALARM] == r[RTC_MINUTES]) &&
		    ((r[RTC_HOURS_ALARM] & ALARM_ANY) == ALARM_ANY ||
		     r[RTC_HOURS_ALARM] == r[RTC_HOURS]))
			r[RTC_REG_C] |= REG_C_AF;
	}
	if (r[RTC_REG_C] & r[RTC_REG_B] & REG_B_INTS)
		r[RTC_REG_C] |= REG_C_IRQF;
	return !was && (r[RTC_REG_C] & REG_C_IRQF);
}

u64 rtc_next_tick_ns(struct rtc *rtc)
{
	u8 b = rtc->regs[RTC_REG_B], rs = rtc->regs[RTC_REG_A] & REG_A_RS;
	u64 ns, period;

	if ((b & REG_B_SET) || !(b & REG_B_INTS))
		return 0;
	if ((b & REG_B_PIE) && rs) {
		/* RS 1 and 2 are 256 and 128 Hz; 3..15 are 8192 Hz >> (RS - 3). */
		period = rs < 3 ? 1000000000ULL / (256 >> (rs - 1))
				: 1000000000ULL / (32768 >> (rs - 1));
		return MAX(period, PERIODIC_MIN_NS);
	}
	/* Just past the next second boundary, so the new second shows. */
	guest_now(rtc, &ns);
	return 1000000000ULL - ns + 1000;
}

void rtc_reset(struct rtc *rtc, time_t (*clock)(u64 *nsec))
{
	memset(rtc->regs, 0, sizeof(rtc->regs));
	rtc->index = 0;
	rtc->offset = 0;
	rtc->clock = clock ?: host_clock;
	rtc->last_tick = guest_now(rtc, &(u64){ 0 });
	rtc->regs[RTC_REG_A] = REG_A_DEFAULT;
	rtc->regs[RTC_REG_B] = REG_B_24H;	/* BCD, 24 h: what PC firmware sets */
	rtc->regs[RTC_REG_D] = REG_D_VRT;
}

static u8 reg_read(struct rtc *rtc, unsigned r)
{
	u64 ns;
	u8 v;

	if (is_time_reg(r) && !(rtc->regs[RTC_REG_B] & REG_B_SET)) {
		store_time(rtc, guest_now(rtc, &ns));
		return rtc->regs[r];
	}
	switch (r) {
	case RTC_REG_A:
		v = rtc->regs[r] & ~REG_A_UIP;
		guest_now(rtc, &ns);
		if (!(rtc->regs[RTC_REG_B] & REG_B_SET) && ns >= 1000000000ULL - UIP_WINDOW_NS)
			v |= REG_A_UIP;
		return v;
	case RTC_REG_C:
		v = rtc->regs[r];
		rtc->regs[r] = 0;	/* reading C acknowledges the flags */
		return v;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return rtc->regs[r];
	}
}

static void reg_write(struct rtc *rtc, unsigned r, u8 val)
{
	u64 ns;
	u8 old;

	switch (r) {
	case RTC_REG_A:
		rtc->regs[r] = val & ~REG_A_UIP;
		return;
	case RTC_REG_B:
		old = rtc->regs[r];
		/* Leaving SET: the fields are in the format they were written in. */
		if (!(val & REG_B_SET) && (old & REG_B_SET))
			load_time(rtc);
		rtc->regs[r] = val;
		/* Entering SET freezes the fields as they read now, in the new format. */
		if ((val & REG_B_SET) && !(old & REG_B_SET))
			store_time(rtc, guest_now(rtc, &ns));
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;			/* read-only */
	}
	if (is_time_reg(r) && !(rtc->regs[RTC_REG_B] & REG_B_SET)) {
		/* A write without SET changes one field of the running clock. */
		store_time(rtc, guest_now(rtc, &ns));
		rtc->regs[r] = val;
		load_time(rtc);
		return;
	}
	rtc->regs[r] = val;
}

u8 rtc_port_read(struct rtc *rtc, unsigned port)
{
	u8 v = 0xff;

	pthread_mutex_lock(&rtc->lock);
	if (port == RTC_PORT_DATA)
		v = reg_read(rtc, rtc->index);
	pthread_mutex_unlock(&rtc->lock);
	return v;	/* the index port is write-only */
}

void rtc_port_write(struct rtc *rtc, unsigned port, u8 val)
{
	pthread_mutex_lock(&rtc->lock);
	if (port == RTC_PORT_INDEX)
		rtc->index = val & 0x7f;	/* bit 7 masks NMIs: nothing to mask */
	else if (port == RTC_PORT_DATA)
		reg_write(rtc, rtc->index, val);
	pthread_mutex_unlock(&rtc->lock);
}

/*
 * The memory size bytes PC firmware leaves in CMOS (in KiB and 64 KiB
 * units). Linux ignores them; BIOS-style guests and tools read them.
 */
static void rtc_set_memory(struct rtc *rtc, u64 low_end, u64 high_size)
{
	u64 ext_kib = MIN((low_end - MiB) / KiB, 0xffffULL);
	u64 above16 = low_end > 16 * MiB ? MIN((low_end - 16 * MiB) / (64 * KiB), 0xffffULL) : 0;
	u64 above4g = high_size / (64 * KiB);

	rtc->regs[0x15] = 640 & 0xff;
	rtc->regs[0x16] = 640 >> 8;
	rtc->regs[0x17] = rtc->regs[0x30] = ext_kib & 0xff;
	rtc->regs[0x18] = rtc->regs[0x31] = ext_kib >> 8;
	rtc->regs[0x34] = above16 & 0xff;
	rtc->regs[0x35] = above16 >> 8;
	rtc->regs[0x5b] = above4g & 0xff;
	rtc->regs[0x5c] = (above4g >> 8) & 0xff;
	rtc->regs[0x5d] = (above4g >> 16) & 0xff;
}

struct rtc_dev {
	struct bus_dev dev;
	struct vm *vm;
	struct rtc rtc;
	int timer_fd;
	int stop_fd;
	pthread_t thread;
	bool thread_started;
};

/* (Re)arm the interrupt timer for what register A and B ask now. */
static void rtc_arm(struct rtc_dev *rd)
{
	struct itimerspec its = { 0 };
	u64 ns;

	pthread_mutex_lock(&rd->rtc.lock);
	ns = rtc_next_tick_ns(&rd->rtc);
	pthread_mutex_unlock(&rd->rtc.lock);
	its.it_value.tv_sec = ns / 1000000000ULL;
	its.it_value.tv_nsec = ns % 1000000000ULL;
	timerfd_settime(rd->timer_fd, 0, &its, NULL);	/* all zero disarms */
}

static void *rtc_thread(void *arg)
{
	struct rtc_dev *rd = arg;
	struct pollfd pfd[2] = {
		{ .fd = rd->timer_fd, .events = POLLIN },
		{ .fd = rd->stop_fd, .events = POLLIN },
	};
	u64 n;
	bool irq;

	for (;;) {
		/* Bounded, though the stop eventfd is what ends the loop. */
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN) || read(rd->timer_fd, &n, sizeof(n)) != sizeof(n))
			continue;
		pthread_mutex_lock(&rd->rtc.lock);
		irq = rtc_tick(&rd->rtc);
		pthread_mutex_unlock(&rd->rtc.lock);
		if (irq) {
			/* An ISA edge; IRQF stays up until the guest reads C. */
			irq_set_line(rd->vm, IRQ_RTC, 1);
			irq_set_line(rd->vm, IRQ_RTC, 0);
		}
		rtc_arm(rd);
	}
	return NULL;
}

static void rtc_bus_read(struct bus_dev *dev, u64 off, void *data, u32 len)
{
	struct rtc_dev *rd = dev->priv;

	memset(data, 0xff, len);
	*(u8 *)data = rtc_port_read(&rd->rtc, RTC_PORT_INDEX + off);
}

static void rtc_bus_write(struct bus_dev *dev, u64 off, const void *data, u32 len)
{
	struct rtc_dev *rd = dev->priv;

	rtc_port_write(&rd->rtc, RTC_PORT_INDEX + off, *(const u8 *)data);
	if (off == 1)
		rtc_arm(rd);	/* A or B may have changed what is due */
}

static const struct bus_dev_ops rtc_ops = {
	.read = rtc_bus_read,
	.write = rtc_bus_write,
};

static void rtc_free(struct rtc_dev *rd)
{
	if (rd->timer_fd >= 0)
		close(rd->timer_fd);
	if (rd->stop_fd >= 0)
		close(rd->stop_fd);
	pthread_mutex_destroy(&rd->rtc.lock);
	free(rd);
}

static void rtc_exit(void *arg)
{
	struct rtc_dev *rd = arg;
	u64 one = 1;

	bus_unregister(&rd->vm->pio_bus, &rd->dev);
	if (rd->thread_started) {
		if (write(rd->stop_fd, &one, sizeof(one)) != sizeof(one))
			pr_warn("rtc: cannot signal the timer thread");
		pthread_join(rd->thread, NULL);
	}
	rtc_free(rd);
}

int rtc_init(struct vm *vm)
{
	struct rtc_dev *rd = calloc(1, sizeof(*rd));
	int ret;

	if (!rd)
		return -ENOMEM;
	rd->vm = vm;
	pthread_mutex_init(&rd->rtc.lock, NULL);
	rtc_reset(&rd->rtc, NULL);
	rtc_set_memory(&rd->rtc, vm_low_ram_end(vm), vm_high_ram_size(vm));
	rd->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	rd->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (rd->timer_fd < 0 || rd->stop_fd < 0) {
		ret = -errno;
		rtc_free(rd);
		return ret;
	}
	rd->dev = (struct bus_dev){
		.base = RTC_PORT_INDEX, .len = 2, .ops = &rtc_ops, .priv = rd, .name = "rtc",
		.compat = COMPAT_RTC_CMOS, .irq_mask = 1u << IRQ_RTC,
	};
	ret = bus_register(&vm->pio_bus, &rd->dev);
	if (ret) {
		rtc_free(rd);
		return ret;
	}
	ret = -pthread_create(&rd->thread, NULL, rtc_thread, rd);
	rd->thread_started = !ret;
	ret = ret ?: vm_on_exit(vm, rtc_exit, rd);
	if (ret)
		rtc_exit(rd);
	return ret;
}
