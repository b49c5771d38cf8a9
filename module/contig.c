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
 * be migrated away (movable memory, nothing reserved, no hugetlb page) in
 * ZONE_NORMAL, with a gigabyte to spare above the zone's high watermark
 * (free CMA memory left out), which may take a while and fails on a
 * fragmented or full host (ENOMEM, after a few tries, not a walk of all
 * memory); the pages are not charged to a memory cgroup
 * (alloc_contig_range() takes no __GFP_ACCOUNT), only to the module's cap
 * on all buffers. Since only a 1G leaf needs them, BUF_ALLOC takes 1G
 * chunks only where 1G leaves are allowed (allow_1g_leaves=1, in VMs).
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
#include <linux/vmstat.h>

#include "istress.h"
#include "compat.h"

#define CONTIG_PAGES	(SZ_1G >> PAGE_SHIFT)
/*
 * The unit of work between two cond_resched(): a gigabyte is 262144
 * pages, long enough to stall RCU on one CPU under TCG (or with
 * init_on_free=1) if done in one go.
 */
#define PIECE_PAGES	(SZ_2M >> PAGE_SHIFT)
/*
 * Gigabytes a BUF_ALLOC chunk may try before it gives up. Each try
 * disables the LRU caches and drains the per-CPU free lists on every CPU
 * and migrates up to a gigabyte: a host where this many ranges in a row
 * held something unmovable will not yield one soon, and should not pay
 * for a walk of all its memory to find that out.
 *
 * A range in a CMA area counts as a try too, though it costs little (its
 * pageblocks fail isolation, -EBUSY, before any drain or migration): the
 * module cannot tell them from the outside (a pageblock's migratetype is
 * not exported to modules), and an -EBUSY that came back quickly is no
 * proof of CMA, only a matter of timing on a host that may be busy. Where
 * the first ranges the search meets are this many gigabytes of CMA, a 1G
 * chunk fails (ENOMEM) even with movable memory free beyond them.
 */
#define MAX_TRIES	8

/*
 * The export the module needs is the symbol alloc_contig_range() resolves
 * to: with allocation profiling a macro around alloc_contig_range_noprof(),
 * and only that is exported. Accepting either would let a kernel that
 * exports the other one pass here and fail at modpost or load.
 */
#if ISTRESS_HAVE_ALLOC_CONTIG_RANGE_NOPROF
#define CONTIG_CALL_EXPORTED	ISTRESS_HAVE_EXPORT_ALLOC_CONTIG_RANGE_NOPROF
#else
#define CONTIG_CALL_EXPORTED	ISTRESS_HAVE_EXPORT_ALLOC_CONTIG_RANGE
#endif

#if ISTRESS_HAVE_ALLOC_CONTIG_RANGE && CONTIG_CALL_EXPORTED && \
	ISTRESS_HAVE_EXPORT_FREE_CONTIG_RANGE

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
 * Whether @zone can give a gigabyte and stay above its high watermark:
 * alloc_contig_range() ignores watermarks, the range's free pages leave
 * the zone's free memory and its used ones move to new pages, mostly of
 * the same zone: its free memory falls by up to a gigabyte. Below the
 * watermarks, atomic allocations start to fail and
 * reclaim or the OOM killer step in for what is only a test buffer.
 *
 * Free CMA pages do not count: a range with CMA pageblocks is refused
 * (they are not movable for a MIGRATE_MOVABLE request), so the gigabyte
 * comes out of the other free pages, and only movable allocations may
 * use CMA memory: the kernel's own allocations would meet a zone short
 * of free memory whatever its CMA area holds.
 */
static bool zone_can_spare(struct zone *zone)
{
	unsigned long free = zone_page_state(zone, NR_FREE_PAGES);
	unsigned long cma = zone_page_state(zone, NR_FREE_CMA_PAGES);

	/* The two counters are read apart: CMA's may be the later, larger. */
	free = free > cma ? free - cma : 0;
	return free >= high_wmark_pages(zone) + CONTIG_PAGES;
}

/*
 * Whether the gigabyte at @pfn is online memory of @zone alone, with
 * nothing reserved and no hugetlb page in it:
 *  - alloc_contig_range() must be given a single zone's pages; the test
 *    is per page, not by the zone's span, because zones (and nodes) may
 *    span each other's pages (interleaved NUMA): a pfn inside the span is
 *    no proof it is this zone's, or this node's;
 *  - a reserved page (the kernel image, firmware) would only make it fail
 *    after isolating the blocks before it;
 *  - hugetlb pages are someone's huge pages: taking the range would
 *    migrate or dissolve them, and a gigantic one cannot move at all,
 *    which alloc_contig_range() finds only late. PageHuge() is what every
 *    kernel from 5.10 on offers (exported where it is not inline, and
 *    always false without CONFIG_HUGETLB_PAGE).
 */
static bool range_usable(struct zone *zone, unsigned long pfn)
{
	unsigned long i;

	for (i = 0; i < CONTIG_PAGES; i++) {
		struct page *page = pfn_to_online_page(pfn + i);

		if (!page || page_zone(page) != zone || PageReserved(page) ||
		    PageHuge(page))
			return false;
		if (!(i % PIECE_PAGES))
			cond_resched();
	}
	return true;
}

static void zero_range(unsigned long pfn)
{
	unsigned long i;

	for (i = 0; i < CONTIG_PAGES; i++) {
		clear_highpage(pfn_to_page(pfn + i));
		if (!(i % PIECE_PAGES))
			cond_resched();
	}
}

/*
 * The zone 1G chunks come from on @nid: ZONE_NORMAL only. ZONE_MOVABLE
 * exists so that its memory can be offlined or unplugged (virtio-mem),
 * which a gigabyte held unmovable for as long as a test runs would block
 * (and alloc_contig_range() checks less there); ZONE_DMA32 is the only
 * memory of 32-bit DMA devices and much smaller.
 */
static struct zone *node_zone(int nid)
{
	struct zone *zone = &NODE_DATA(nid)->node_zones[ZONE_NORMAL];

	return populated_zone(zone) ? zone : NULL;
}

/*
 * A zeroed, 1G-aligned gigabyte of @node's ZONE_NORMAL (NUMA_NO_NODE: any
 * node's), searched from @from_pfn up so that a buffer's later chunks do
 * not try its earlier ones again. -ENOMEM when no range could be taken,
 * -EINTR when the caller was killed.
 */
int istress_contig_alloc(int node, unsigned long from_pfn, struct page **out)
{
	unsigned int tries = 0;
	int nid, ret;

	for_each_online_node(nid) {
		struct zone *zone = node_zone(nid);
		unsigned long pfn, end;

		if ((node != NUMA_NO_NODE && nid != node) || !zone)
			continue;
		end = zone_end_pfn(zone);
		pfn = ALIGN(max(zone->zone_start_pfn, from_pfn), CONTIG_PAGES);
		for (; pfn + CONTIG_PAGES <= end; pfn += CONTIG_PAGES) {
			if (fatal_signal_pending(current))
				return -EINTR;
			/* A failed try may have used the margin up too. */
			if (!zone_can_spare(zone))
				break;
			if (!range_usable(zone, pfn))
				continue;
			if (tries++ == MAX_TRIES)
				return -ENOMEM;
			ret = take_range(pfn);
			if (!ret) {
				zero_range(pfn);
				*out = pfn_to_page(pfn);
				return 0;
			}
			/*
			 * Only -EBUSY (a page there could not be isolated or
			 * moved) is about this range. -ENOMEM (nowhere to
			 * migrate to) and -EINTR (killed) hold for any
			 * other range as well; anything else is no range's
			 * fault either, and BUF_ALLOC's contract calls a
			 * gigabyte not found ENOMEM.
			 */
			if (ret == -EINTR)
				return -EINTR;
			if (ret != -EBUSY)
				return -ENOMEM;
		}
	}
	return -ENOMEM;
}

/*
 * In 2M pieces, rescheduling between them: freeing a gigabyte page by
 * page (and clearing it, with init_on_free=1) is as long as zeroing it.
 */
void istress_contig_free(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	unsigned long i;

	for (i = 0; i < CONTIG_PAGES; i += PIECE_PAGES) {
		free_contig_range(pfn + i, PIECE_PAGES);
		cond_resched();
	}
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
