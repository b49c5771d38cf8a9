// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_paging_domain_alloc_flags(dev, flags) appeared in v6.13: how a
 * kernel caller asks for a domain with dirty tracking
 * (IOMMU_HWPT_ALLOC_DIRTY_TRACKING) once domain_alloc_user went.
 */
/* absent: implicit declaration of function .iommu_paging_domain_alloc_flags. */
#include <linux/iommu.h>

struct iommu_domain *probe(struct device *dev);
struct iommu_domain *probe(struct device *dev)
{
	return iommu_paging_domain_alloc_flags(dev, 0);
}
