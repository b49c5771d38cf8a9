/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which clock a run's times are on. On a host, CLOCK_MONOTONIC is real
 * time. In a QEMU guest under -icount it is virtual: it counts executed
 * instructions and jumps ahead while the guest waits, so seconds and ops/s
 * are the guest's, not a wall clock's (a run of 600 guest seconds may take
 * 15 real ones). Nothing inside the guest can tell that from the clock
 * itself; the VM's launcher says so (scripts/vm-run puts
 * IOMMU_STRESS_CLOCK=icount on the guest's kernel command line, which
 * hands it to init's environment). The CMOS RTC still follows the host's
 * wall clock there, so real time is read from it, to the second.
 */
#ifndef IOMMU_STRESS_CLOCK_H
#define IOMMU_STRESS_CLOCK_H

#define CLOCK_ENV	"IOMMU_STRESS_CLOCK"

/* 1 when the run's clock is a guest's virtual one (IOMMU_STRESS_CLOCK=icount). */
int clock_is_virtual(void);
/* The RTC's time in seconds (@path: "/dev/rtc0"), or -1 when it cannot be read. */
long long clock_rtc_seconds(const char *path);

#endif
