/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA targets: what the module says of each, which one a run uses, and
 * whether the IOMMU domain a dmaengine channel's device is on can be
 * tested at all (a passthrough domain translates nothing).
 */
#ifndef IOMMU_STRESS_TARGET_H
#define IOMMU_STRESS_TARGET_H

#include <stddef.h>

#include "dev.h"
#include "iommu_sysfs.h"

struct target {
	struct iommu_stress_target_query q;	/* q.name: what DOMAIN_CREATE gets */
	/*
	 * q is TARGET_QUERY's answer. Otherwise (a module from before it, or
	 * a "dma:<device>" the module resolves itself) only the name, the
	 * backend and what INFO lists are known: group -1, domain type NONE.
	 */
	int queried;
};

const char *target_backend_name(uint32_t backend);
/*
 * The registers of @d's IOMMU in @r, from its own sysfs group (Intel's
 * cap/ecap as the module reported them if it did, else also into @d, as
 * INTEL_CAPS; AMD's cap and features).
 */
void target_read_iommu_regs(struct iommu_stress_domain_create *d,
			    struct iommu_regs *r);
/* The names sysfs gives IOMMU group types: "identity", "DMA", "DMA-FQ", ... */
const char *target_domain_type_name(uint32_t type);
/*
 * 1 when a test can run through @t: a target that gets a domain of its
 * own (edu), one that shares its device's domain (dmaengine) when that is
 * a DMA-API domain, or one not queried (the module decides).
 */
int target_testable(const struct target *t);
/*
 * Why @t's domain cannot be tested and how to change that: one line for
 * 'info' (@full 0), or the whole advice with the kernel options and the
 * sysfs switch (@full 1).
 */
void target_advice(const struct target *t, int full, char *out, size_t n);
/*
 * What is known of target @name: TARGET_QUERY's answer, or INFO's entry
 * where the module predates that ioctl. 0, or -errno (printed).
 */
int target_query(int fd, const struct iommu_stress_info *info, const char *name,
		 struct target *t);
/*
 * The target a run uses. @want: a listed name, "dma:<device>" (its first
 * free channel), or NULL: the first free edu target, else the first free
 * dmaengine channel on a DMA-API domain (said on stderr); @dma_only skips
 * edu targets. 0; -EOPNOTSUPP when the target (or every free channel) is
 * on a domain no test can use (@t is that target); -errno otherwise
 * (printed).
 */
int target_pick(int fd, const struct iommu_stress_info *info, const char *want,
		int dma_only, struct target *t);
/* Whether PCI device names @a and @b are the same ("0000:" optional). */
int target_same_device(const char *a, const char *b);

#endif
