// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_DOMAIN_DMA_FQ (v5.15): a DMA-API domain with deferred (lazy) IOTLB
 * flushes has a type of its own; before, it was IOMMU_DOMAIN_DMA with a
 * flush queue attached.
 */
#include <linux/iommu.h>

unsigned int probe(void);
unsigned int probe(void)
{
	return IOMMU_DOMAIN_DMA_FQ;
}
