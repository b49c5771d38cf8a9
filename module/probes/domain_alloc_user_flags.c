// SPDX-License-Identifier: GPL-2.0
/*
 * The driver op domain_alloc_user(dev, flags, parent, user_data), v6.7 to
 * v6.12: before iommu_paging_domain_alloc_flags(), the only way to a
 * domain with dirty tracking. Its four-argument form came with the dirty
 * tracking flag and dirty_ops (v6.6 had two arguments, v6.13 removed it).
 * dirty.c also sets the domain's ->owner, which the core's attach checks
 * and which not every kernel with the four-argument op has: such a kernel
 * answers no here, rather than failing the module's build.
 */
/* absent: has no member named .(domain_alloc_user|owner).|too many arguments */
#include <linux/iommu.h>

struct iommu_domain *probe(struct device *dev);
struct iommu_domain *probe(struct device *dev)
{
	const struct iommu_ops *ops = dev->iommu->iommu_dev->ops;
	struct iommu_domain *domain = ops->domain_alloc_user(dev, 0, NULL,
							      NULL);

	domain->owner = ops;
	return domain;
}
