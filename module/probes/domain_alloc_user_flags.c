// SPDX-License-Identifier: GPL-2.0
/*
 * The driver op domain_alloc_user(dev, flags, parent, user_data), v6.7 to
 * v6.12: before iommu_paging_domain_alloc_flags(), the only way to a
 * domain with dirty tracking. Its four-argument form came with the dirty
 * tracking flag and dirty_ops (v6.6 had two arguments, v6.13 removed it).
 */
/* absent: has no member named .domain_alloc_user.|too many arguments */
#include <linux/iommu.h>

struct iommu_domain *probe(struct device *dev);
struct iommu_domain *probe(struct device *dev)
{
	return dev->iommu->iommu_dev->ops->domain_alloc_user(dev, 0, NULL,
							     NULL);
}
