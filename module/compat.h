/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences, resolved by the probes in probes/ (compiled
 * against the target kernel), never by version numbers.
 */
#ifndef ISTRESS_COMPAT_H
#define ISTRESS_COMPAT_H

#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include "probes.h"

static inline int istress_iommu_map(struct iommu_domain *d, unsigned long iova,
				    phys_addr_t paddr, size_t size, int prot)
{
#ifdef ISTRESS_HAVE_IOMMU_MAP_GFP
	return iommu_map(d, iova, paddr, size, prot, GFP_KERNEL);
#else
	return iommu_map(d, iova, paddr, size, prot);
#endif
}

/* Returns a domain or an ERR_PTR, whichever API the kernel has. */
static inline struct iommu_domain *istress_paging_domain_alloc(struct device *dev)
{
#ifdef ISTRESS_HAVE_IOMMU_PAGING_DOMAIN_ALLOC
	return iommu_paging_domain_alloc(dev);
#else
	struct iommu_domain *d = iommu_domain_alloc(dev->bus);

	return d ? d : ERR_PTR(-ENOMEM);
#endif
}

static inline void istress_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#ifdef ISTRESS_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

#endif /* ISTRESS_COMPAT_H */
