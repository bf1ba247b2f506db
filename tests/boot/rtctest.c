#include <fcntl.h>
#include <linux/rtc.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>
static int wait_irq(int fd, const char *what, int secs)
{
	fd_set s; struct timeval tv = { secs, 0 }; unsigned long data;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	FD_ZERO(&s); FD_SET(fd, &s);
	if (select(fd + 1, &s, 0, 0, &tv) != 1) { printf("rtctest: %s: TIMEOUT\n", what); return 1; }
	if (read(fd, &data, sizeof(data)) != sizeof(data)) { printf("rtctest: %s: read failed\n", what); return 1; }
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("rtctest: %s ok after %ld ms (data 0x%lx)\n", what, (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000, data);
	return 0;
}
int main(void)
{
	int fd = open("/dev/rtc0", O_RDONLY), bad = 0;
	struct rtc_time t; struct rtc_wkalrm al = { 0 };
	if (fd < 0) { perror("rtctest: open"); return 1; }
	if (ioctl(fd, RTC_UIE_ON, 0)) perror("rtctest: UIE_ON");
	bad |= wait_irq(fd, "update irq", 3);
	ioctl(fd, RTC_UIE_OFF, 0);
	ioctl(fd, RTC_RD_TIME, &t);
	t.tm_sec += 2; if (t.tm_sec >= 60) { t.tm_sec -= 60; t.tm_min++; if (t.tm_min >= 60) { t.tm_min = 0; t.tm_hour = (t.tm_hour + 1) % 24; } }
	al.enabled = 1; al.time = t;
	if (ioctl(fd, RTC_WKALM_SET, &al)) perror("rtctest: WKALM_SET");
	bad |= wait_irq(fd, "alarm irq", 5);
	if (ioctl(fd, RTC_IRQP_SET, 64)) perror("rtctest: IRQP_SET");
	if (ioctl(fd, RTC_PIE_ON, 0)) perror("rtctest: PIE_ON");
	bad |= wait_irq(fd, "periodic irq", 3);
	ioctl(fd, RTC_PIE_OFF, 0);
	printf("rtctest: %s\n", bad ? "FAILED" : "all ok");
	return bad;
}
