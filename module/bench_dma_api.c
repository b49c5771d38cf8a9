// SPDX-License-Identifier: GPL-2.0
/*
 * BENCH_DMA_API: the loop's maps and unmaps made through the DMA API on the
 * target's device, as the kernel's own dma_map_benchmark makes them, so
 * that the module's figures can be set beside what a driver pays: the
 * IOVA allocator, the driver's map, and the unmap's flush as the domain's
 * policy has it (strict: at once; lazy: queued for later).
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/mm.h>

#include "istress.h"

s64 istress_bench_dma_map(struct device *dev, phys_addr_t pa, u64 size,
			  dma_addr_t *dma)
{
	u64 t0 = ktime_get_ns();
	s64 t;

	*dma = dma_map_page(dev, pfn_to_page(PHYS_PFN(pa)), offset_in_page(pa),
			    size, DMA_BIDIRECTIONAL);
	t = ktime_get_ns() - t0;
	/* The API says only that it failed: no IOVA or no memory for one. */
	if (dma_mapping_error(dev, *dma))
		return -ENOMEM;
	return t;
}

s64 istress_bench_dma_unmap(struct device *dev, dma_addr_t dma, u64 size)
{
	u64 t0 = ktime_get_ns();

	dma_unmap_page(dev, dma, size, DMA_BIDIRECTIONAL);
	return ktime_get_ns() - t0;
}
