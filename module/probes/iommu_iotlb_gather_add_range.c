// SPDX-License-Identifier: GPL-2.0
/* iommu_iotlb_gather_add_range(), from v5.15: a gather of an IOVA range. */
/* absent: implicit declaration of function .iommu_iotlb_gather_add_range. */
#include <linux/iommu.h>

void probe(struct iommu_iotlb_gather *g);
void probe(struct iommu_iotlb_gather *g)
{
	iommu_iotlb_gather_add_range(g, 0, 4096);
}
