// SPDX-License-Identifier: GPL-2.0
/*
 * BENCH_DMA_API: the loop's maps and unmaps made through the DMA API on the
 * target's device, as the kernel's own dma_map_benchmark makes them, so
 * that the module's figures can be set beside what a driver pays: the
 * IOVA allocator, the driver's map, and the unmap's flush as the domain's
 * policy has it (strict: at once; lazy: queued for later).
 */
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/mm.h>

#include "istress.h"
#include "compat.h"

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

/*
 * Whether unmaps in @domain leave their IOTLB entries to a flush queue.
 * The type tells from v5.15 on (a macro wherever it exists, as in
 * iommu_desc.c). Up to v5.12 the driver's answer to
 * DOMAIN_ATTR_DMA_USE_FLUSH_QUEUE tells: dma-iommu asked the same before
 * it gave the domain a queue (and went strict if the queue could not be
 * had, where this still says lazy). A driver with no answer is taken as
 * lazy: Intel's in v5.10, which has DMA ops of its own with a queue unless
 * booted with intel_iommu=strict, and virtio-iommu, which is strict there
 * and gets a flush it did not need. In v5.13 and v5.14 every DMA-API
 * domain is taken as lazy.
 */
static bool lazy_domain(struct iommu_domain *domain)
{
#ifdef IOMMU_DOMAIN_DMA_FQ
	return domain->type == IOMMU_DOMAIN_DMA_FQ;
#elif ISTRESS_HAVE_IOMMU_DOMAIN_GET_ATTR
	int attr = 0;

	return iommu_domain_get_attr(domain, DOMAIN_ATTR_DMA_USE_FLUSH_QUEUE,
				     &attr) || attr;
#else
	return true;
#endif
}

/*
 * After the call's last round, untimed. In a lazy domain dma_unmap_page()
 * leaves the IOTLB entry until the queue is flushed, a few ms later, and
 * the buffer may be freed as soon as the call returns: one flush of the
 * whole IOTLB makes sure no entry at an IOVA the API handed out still
 * translates to it. The queue's own flush, due then, is of the whole
 * IOTLB too, so this wipes nothing it would have left (such as the stale
 * entries of a SKIP_SYNC UNMAP parked in the domain, which are what that
 * UNMAP tests); a strict domain, whose unmaps flushed already, is left
 * alone for that reason (where lazy_domain() cannot tell, it is flushed
 * as well). A domain no longer live is being detached, after the last
 * round, and its detach flushes the IOTLB (shared_detach()) unless it
 * keeps the session's mappings (a retired channel): there, and until that
 * flush, the entry lives as long as the queue lets it, as with any lazy
 * driver whose device goes.
 */
void istress_bench_dma_flush(struct istress_domain *d)
{
	if (istress_domain_enter(d))
		return;
	if (lazy_domain(d->domain))
		iommu_flush_iotlb_all(d->domain);
	istress_domain_exit(d);
}
