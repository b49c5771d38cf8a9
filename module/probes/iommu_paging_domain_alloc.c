// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_paging_domain_alloc(dev) appeared in v6.11; iommu_domain_alloc(bus)
 * was removed in v6.13.
 */
/* absent: implicit declaration of function .iommu_paging_domain_alloc. */
#include <linux/iommu.h>

struct iommu_domain *probe(struct device *dev);
struct iommu_domain *probe(struct device *dev)
{
	return iommu_paging_domain_alloc(dev);
}
