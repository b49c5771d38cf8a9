/* SPDX-License-Identifier: GPL-2.0 */
/*
 * New lines of the kernel log, read from /dev/kmsg without blocking: what
 * the kernel said while a probe ran (a driver's WARN, say).
 */
#ifndef IOMMU_STRESS_KMSG_H
#define IOMMU_STRESS_KMSG_H

/*
 * An fd on @path (normally "/dev/kmsg") at the log's end, so that only
 * what is logged from now on is read; -errno when it cannot be read.
 */
int kmsg_open(const char *path);
/*
 * How many log records since kmsg_open (or the last call) contain
 * @needle; -1 when that is unknown (records were overwritten before they
 * were read, or reading failed).
 */
int kmsg_count(int fd, const char *needle);
void kmsg_close(int fd);

#endif
