/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel logged while a run ran, sorted for the report: the IOMMU
 * faults the checks of unmapped IOVAs cause on purpose (one line, counted)
 * apart from anything else at error level or a WARNING, BUG or oops (each
 * shown). The log itself is untouched: dmesg still has every line.
 */
#ifndef IOMMU_STRESS_KERNEL_LOG_H
#define IOMMU_STRESS_KERNEL_LOG_H

#include <stdint.h>

#define KLOG_KEEP	4	/* unexpected lines quoted in the report */
#define KLOG_LINE	160

struct klog_summary {
	int read;		/* 0: the log could not be read (no /dev/kmsg) */
	int lost;		/* records were overwritten before they were read */
	uint64_t faults;	/* IOMMU fault reports (one per faulting DMA) */
	uint64_t suppressed;	/* more the kernel's rate limit did not print */
	char fault_source[16];	/* "DMAR", "AMD-Vi", "virtio-iommu" */
	uint64_t other;		/* lines at error level or worse, or WARN/BUG/oops */
	unsigned int nkept;
	char kept[KLOG_KEEP][KLOG_LINE];
};

/*
 * An fd on @path (normally "/dev/kmsg") at the log's end, or -errno: only
 * what is logged from now on is read.
 */
int klog_begin(const char *path);
/* Reads and sorts every record since klog_begin(), closes @fd. */
void klog_end(int fd, struct klog_summary *k);
/* Sorts one /dev/kmsg record ("PRI,SEQ,TIME,FLAGS;text"). */
void klog_record(struct klog_summary *k, const char *record);

#endif
