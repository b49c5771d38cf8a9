/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences, resolved by the probes in probes/ (compiled
 * against the target kernel), never by version numbers. probes.h defines
 * every ISTRESS_HAVE_* as 0 or 1: test them with #if, so that a file that
 * uses one without this header gets a -Wundef warning, not the fallback.
 */
#ifndef ISTRESS_COMPAT_H
#define ISTRESS_COMPAT_H

#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include "probes.h"

static inline int istress_iommu_map(struct iommu_domain *d, unsigned long iova,
				    phys_addr_t paddr, size_t size, int prot)
{
#if ISTRESS_HAVE_IOMMU_MAP_GFP
	return iommu_map(d, iova, paddr, size, prot, GFP_KERNEL);
#else
	return iommu_map(d, iova, paddr, size, prot);
#endif
}

/* Returns a domain or an ERR_PTR, whichever API the kernel has. */
static inline struct iommu_domain *
istress_paging_domain_alloc(struct device *dev)
{
#if ISTRESS_HAVE_IOMMU_PAGING_DOMAIN_ALLOC
	return iommu_paging_domain_alloc(dev);
#else
	struct iommu_domain *d = iommu_domain_alloc(dev->bus);

	return d ? d : ERR_PTR(-ENOMEM);
#endif
}

static inline void istress_vm_flags_set(struct vm_area_struct *vma,
					vm_flags_t flags)
{
#if ISTRESS_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* krealloc() of @n elements of @size; NULL when that size overflows. */
static inline void * __must_check istress_krealloc_array(void *p, size_t n,
							 size_t size, gfp_t gfp)
{
#if ISTRESS_HAVE_KREALLOC_ARRAY
	return krealloc_array(p, n, size, gfp);
#else
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return krealloc(p, bytes, gfp);
#endif
}

/* Adds [iova, iova + size) to @gather's range. */
static inline void istress_gather_add_range(struct iommu_iotlb_gather *gather,
					    unsigned long iova, size_t size)
{
#if ISTRESS_HAVE_IOMMU_IOTLB_GATHER_ADD_RANGE
	iommu_iotlb_gather_add_range(gather, iova, size);
#else
	/*
	 * Before v5.15 there was no helper; pgsize stays 0, as the helper
	 * leaves it.
	 */
	gather->start = min(gather->start, iova);
	gather->end = max(gather->end, iova + size - 1);
#endif
}

/*
 * The host bridge above @bus: the root bus's bridge device is its struct
 * device.
 */
static inline struct pci_host_bridge *
istress_pci_find_host_bridge(struct pci_bus *bus)
{
#if ISTRESS_HAVE_EXPORT_PCI_FIND_HOST_BRIDGE
	return pci_find_host_bridge(bus);
#else
	while (bus->parent)
		bus = bus->parent;
	return bus->bridge ? to_pci_host_bridge(bus->bridge) : NULL;
#endif
}

#endif /* ISTRESS_COMPAT_H */
