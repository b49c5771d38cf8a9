// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_domain_get_attr(), up to v5.12: what dma-iommu asked a driver
 * (DOMAIN_ATTR_DMA_USE_FLUSH_QUEUE) before it gave a domain a flush queue.
 */
/* absent: implicit declaration of function .iommu_domain_get_attr. */
#include <linux/iommu.h>

int probe(struct iommu_domain *d);
int probe(struct iommu_domain *d)
{
	int attr = 0;

	return iommu_domain_get_attr(d, DOMAIN_ATTR_DMA_USE_FLUSH_QUEUE,
				     &attr) ?: attr;
}
