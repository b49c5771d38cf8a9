// SPDX-License-Identifier: GPL-2.0
/* Which clock a run's times are on, and the real time beside a virtual one. */
#include <fcntl.h>
#include <linux/rtc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

int clock_is_virtual(void)
{
	const char *v = getenv(CLOCK_ENV);

	return v && !strcmp(v, "icount");
}

long long clock_rtc_seconds(const char *path)
{
	struct rtc_time rt;
	struct tm tm;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	memset(&rt, 0, sizeof(rt));
	ret = ioctl(fd, RTC_RD_TIME, &rt);
	close(fd);
	if (ret)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_sec = rt.tm_sec;
	tm.tm_min = rt.tm_min;
	tm.tm_hour = rt.tm_hour;
	tm.tm_mday = rt.tm_mday;
	tm.tm_mon = rt.tm_mon;
	tm.tm_year = rt.tm_year;
	return (long long)timegm(&tm);
}
