// SPDX-License-Identifier: GPL-2.0
/*
 * 1G chunks for BUF_ALLOC: a naturally aligned gigabyte of physically
 * contiguous memory, far beyond the buddy allocator's largest order.
 *
 * The module takes them itself with alloc_contig_range(), from ranges it
 * finds by walking the nodes' spans, rather than pinning hugetlb memory
 * the tool would map (MAP_HUGETLB | MAP_HUGE_1GB) as VFIO does:
 *  - the IOMMU sees only physical addresses: a 1G-aligned gigabyte is the
 *    same to the driver whoever allocated it, so the driver paths (a 1G
 *    leaf replacing a 2M table and back) are those of the report, whose
 *    reproducer mapped hugetlb memory through VFIO;
 *  - the safety rules stay as they are: the module maps only zeroed
 *    memory it allocated itself and no ioctl takes an address, so there
 *    is no user memory pinned for as long as the IOMMU may reach it, no
 *    RLIMIT_MEMLOCK accounting, no fork or munmap of pinned pages to get
 *    right, and the uapi gains no field;
 *  - it needs no boot-time reservation (hugepagesz=1G hugepages=N): the
 *    kernel's own runtime 1G hugetlb pages come from the same allocator.
 * The price: a free gigabyte exists only where the range's pages can all
 * be migrated away (movable memory, nothing reserved), which may take a
 * while and fails on a fragmented host (ENOMEM); the pages are not
 * charged to a memory cgroup (alloc_contig_range() takes no
 * __GFP_ACCOUNT), only to the module's cap on all buffers. Since only a
 * 1G leaf needs them, BUF_ALLOC takes 1G chunks only where 1G leaves are
 * allowed (allow_1g_leaves=1, in VMs).
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>

#include "istress.h"
#include "compat.h"

#define CONTIG_PAGES	(SZ_1G >> PAGE_SHIFT)

#if ISTRESS_HAVE_ALLOC_CONTIG_RANGE && ISTRESS_HAVE_EXPORT_FREE_CONTIG_RANGE && \
	(ISTRESS_HAVE_EXPORT_ALLOC_CONTIG_RANGE || \
	 ISTRESS_HAVE_EXPORT_ALLOC_CONTIG_RANGE_NOPROF)

bool istress_contig_supported(void)
{
	return true;
}

static int take_range(unsigned long pfn)
{
	gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;

#if ISTRESS_HAVE_ALLOC_CONTIG_ACR_FLAGS
	return alloc_contig_range(pfn, pfn + CONTIG_PAGES, ACR_FLAGS_NONE, gfp);
#else
	return alloc_contig_range(pfn, pfn + CONTIG_PAGES, MIGRATE_MOVABLE, gfp);
#endif
}

/*
 * Whether the gigabyte at @pfn is online memory of one zone with nothing
 * reserved in it: alloc_contig_range() must be given a single zone's
 * pages, and a reserved page (the kernel image, firmware) would only make
 * it fail after isolating the blocks before it.
 */
static bool range_usable(unsigned long pfn)
{
	struct page *first = pfn_to_online_page(pfn);
	struct zone *zone;
	unsigned long i;

	if (!first)
		return false;
	zone = page_zone(first);
	if (!zone_spans_pfn(zone, pfn + CONTIG_PAGES - 1))
		return false;
	for (i = 0; i < CONTIG_PAGES; i++) {
		struct page *page = pfn_to_online_page(pfn + i);

		if (!page || page_zone(page) != zone || PageReserved(page))
			return false;
		if (!(i % SZ_4K))
			cond_resched();
	}
	return true;
}

static void zero_range(unsigned long pfn)
{
	unsigned long i;

	for (i = 0; i < CONTIG_PAGES; i++) {
		clear_highpage(pfn_to_page(pfn + i));
		if (!(i % (SZ_2M >> PAGE_SHIFT)))
			cond_resched();
	}
}

/*
 * A zeroed, 1G-aligned gigabyte on @node (NUMA_NO_NODE: any), searched
 * from @from_pfn up so that a buffer's later chunks do not try its
 * earlier ones again. -ENOMEM when no range could be taken, -EINTR when
 * the caller was killed.
 */
int istress_contig_alloc(int node, unsigned long from_pfn, struct page **out)
{
	int nid;

	for_each_online_node(nid) {
		unsigned long pfn, end = node_end_pfn(nid);

		if (node != NUMA_NO_NODE && nid != node)
			continue;
		pfn = ALIGN(max(node_start_pfn(nid), from_pfn), CONTIG_PAGES);
		for (; pfn + CONTIG_PAGES <= end; pfn += CONTIG_PAGES) {
			if (fatal_signal_pending(current))
				return -EINTR;
			if (!range_usable(pfn))
				continue;
			/* -EBUSY: something there could not be moved. */
			if (take_range(pfn))
				continue;
			zero_range(pfn);
			*out = pfn_to_page(pfn);
			return 0;
		}
	}
	return -ENOMEM;
}

void istress_contig_free(struct page *page)
{
	free_contig_range(page_to_pfn(page), CONTIG_PAGES);
}

#else /* no alloc_contig_range() a module can call */

bool istress_contig_supported(void)
{
	return false;
}

int istress_contig_alloc(int node, unsigned long from_pfn, struct page **out)
{
	return -EOPNOTSUPP;
}

void istress_contig_free(struct page *page)
{
}

#endif
