/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an IOMMU's own sysfs group shows of its registers, read by the
 * IOMMU's name under /sys/class/iommu/<name>/: Intel's
 * intel-iommu/{cap,ecap} (dmarN) and AMD's amd-iommu/{cap,features}
 * (ivhdN). The module reports Intel's itself where it can (DOMAIN_CREATE's
 * INTEL_CAPS); AMD's come only from here.
 */
#ifndef IOMMU_STRESS_IOMMU_SYSFS_H
#define IOMMU_STRESS_IOMMU_SYSFS_H

#include <stdint.h>

struct iommu_regs {
	int intel;			/* intel_cap and intel_ecap were read */
	uint64_t intel_cap, intel_ecap;
	int amd;			/* amd_cap and amd_features were read */
	uint64_t amd_cap;		/* the capability header */
	/*
	 * As sysfs prints it: the extended feature register in hex, or on
	 * kernels that know EFR2 two registers joined by ':', in an order
	 * that has changed between kernel versions; so kept as text.
	 */
	char amd_features[48];
};

#define IOMMU_SYSFS_ROOT	"/sys/class/iommu"
/* IOMMU_SYSFS_ROOT; the unit tests point it at a tree of their own. */
extern const char *iommu_sysfs_root;

/*
 * Fills @r from IOMMU @name's groups (each all 0 when it does not read);
 * a name that is empty or holds '/' reads nothing.
 */
void iommu_regs_read(const char *name, struct iommu_regs *r);

#endif
