// SPDX-License-Identifier: GPL-2.0
/* iommu_map() takes a gfp_t since v6.3 (iommu_map_atomic() went away). */
/* absent: too many arguments to function .iommu_map. */
#include <linux/iommu.h>

int probe(struct iommu_domain *d);
int probe(struct iommu_domain *d)
{
	return iommu_map(d, 0, 0, 4096, IOMMU_READ, GFP_KERNEL);
}
