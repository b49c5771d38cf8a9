// SPDX-License-Identifier: GPL-2.0
/*
 * MAP, UNMAP and walks in a domain of either kind.
 *
 * Safety rule: a page the module mapped is never freed while a device could
 * still translate to it. UNMAP with SKIP_SYNC leaves the IOTLB stale on
 * purpose, so its gather (and the unmapped pieces, which pin their buffers)
 * is parked on d->deferred and synced before detach, before teardown, or
 * when too many are parked.
 */
/* Messages of the module itself name it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/list_sort.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "istress.h"
#include "compat.h"
#include "race_window.h"

ISTRESS_RACE_WINDOW(map)
ISTRESS_RACE_WINDOW(unmap)

#ifdef ISTRESS_UNSAFE_TESTS
/*
 * Test builds only: a SKIP_SYNC unmap releases its pages at once, as a
 * driver that frees before flushing would, so the VM test can prove that
 * a device write to freed memory is detected.
 */
static bool unsafe_free_unsynced;
module_param(unsafe_free_unsynced, bool, 0644);
MODULE_PARM_DESC(unsafe_free_unsynced, "TEST BUILD: free pages of SKIP_SYNC unmaps before any flush");
#else
#define unsafe_free_unsynced false
#endif

/* Parked unsynced unmaps per domain before they are flushed anyway. */
#define ISTRESS_MAX_DEFERRED	4096
/*
 * Pages an UNMAP walks one by one, under d->lock, for each of two
 * questions: which of its cut pieces the driver still translates, and
 * which retired pieces nothing translates to any more. A bound on the
 * time it holds the lock: past it, cut pieces are probed as
 * range_translates() does, and retired pieces wait for the next UNMAP
 * (one larger than the bound stays until the domain goes).
 */
#define ISTRESS_PRUNE_PAGES	8192
/*
 * IOTLB syncs an UNMAP makes, under d->lock, for the retired pieces it
 * frees: past them, pieces wait for the next UNMAP (marked stranded, so
 * that any will walk them).
 */
#define ISTRESS_PRUNE_SYNCS	16

/*
 * A MAP or UNMAP in the driver, which may free page tables anywhere in its
 * span: a MAP the tables a superpage replaces, an UNMAP the ones it
 * empties. No walk may read them meanwhile. Nothing may be mapped into an
 * UNMAP's gaps either (the driver unmaps them too, and the record would
 * outlive the translation), and no other UNMAP may reach the driver there
 * (both would free the same empty tables).
 */
struct op_span {
	struct list_head node;
	u64 start;
	u64 last;
	bool unmap;
	/* A walk's claim (istress_domain_claim_walk()): it frees no table. */
	bool walk;
};

/* Whether [start, last] meets an UNMAP in flight (@any: or a MAP). */
static bool meets_span(struct istress_domain *d, u64 start, u64 last, bool any)
{
	struct op_span *sp;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(sp, &d->in_flight, node)
		if ((any || sp->unmap) && start <= sp->last && sp->start <= last)
			return true;
	return false;
}

/* Whether an UNMAP in the driver may be clearing anything in [start, last]. */
bool istress_domain_unmapping(struct istress_domain *d, u64 start, u64 last)
{
	return meets_span(d, start, last, false);
}

/* A caller of lock_quiet() that waited waits no more. */
static void quiet_unwait(struct istress_domain *d, bool waited)
{
	if (waited && !--d->quiet_waiting)
		istress_domain_op_done(d);
}

/*
 * Takes d->lock once no MAP, UNMAP or claimed walk is in the driver in
 * [start, last]: 0 with d->lock held, or the killable wait's error with
 * nothing held. While d->lock is held none starts there. A caller that
 * waits is counted in d->quiet_waiting, and a new walk's claim (@claim)
 * waits too while any is counted: else two claims taken in turn could
 * keep the range busy for good (two DIRTY_READs, each taken while the
 * other's is held), and DIRTY_START, DIRTY_STOP or IOVA_TO_PHYS would
 * never get in. Any waiter holds back every new walk claim, wherever, so
 * the check is one count: as no walk claim starts meanwhile, the wait
 * ends once those in flight when it began have ended. MAPs, UNMAPs and
 * BENCH's claims are not held back (istress_domain_claim() does not look
 * at the count): a stream of them over the range can still keep a
 * waiter out.
 */
static int lock_quiet(struct istress_domain *d, u64 start, u64 last,
		      bool claim)
{
	bool waited = false;
	unsigned long done;
	int ret;

	mutex_lock(&d->lock);
	while (meets_span(d, start, last, true) ||
	       (claim && d->quiet_waiting)) {
		if (!claim && !waited) {
			d->quiet_waiting++;
			waited = true;
		}
		done = d->ops_done;
		mutex_unlock(&d->lock);
		ret = wait_event_killable(d->op_wq,
					  READ_ONCE(d->ops_done) != done);
		mutex_lock(&d->lock);
		if (ret) {
			quiet_unwait(d, waited);
			mutex_unlock(&d->lock);
			return ret;
		}
	}
	quiet_unwait(d, waited);
	return 0;
}

int istress_domain_lock_quiet(struct istress_domain *d, u64 start, u64 last)
{
	return lock_quiet(d, start, last, false);
}

static void span_begin(struct istress_domain *d, struct op_span *sp, u64 start,
		       u64 last, bool unmap, bool walk)
{
	lockdep_assert_held(&d->lock);
	sp->start = start;
	sp->last = last;
	sp->unmap = unmap;
	sp->walk = walk;
	list_add(&sp->node, &d->in_flight);
}

/*
 * An op that held records or a span ended (a MAP, an UNMAP, a DMA's
 * unpin): whoever waits for them goes on. ops_done is read without the
 * lock.
 */
void istress_domain_op_done(struct istress_domain *d)
{
	lockdep_assert_held(&d->lock);
	WRITE_ONCE(d->ops_done, d->ops_done + 1);
	wake_up_all(&d->op_wq);
}

static void span_end(struct istress_domain *d, struct op_span *sp)
{
	lockdep_assert_held(&d->lock);
	list_del(&sp->node);
	istress_domain_op_done(d);
}

/*
 * Whether the driver translates any page of [start, last]. Leftovers of
 * an unmap appear at superpage edges, so every page of the first and last
 * 2M is probed, and every 2M step between (which finds any superpage left
 * behind). Only where no MAP or UNMAP is in the driver: the walk takes no
 * lock of the driver's.
 */
static bool range_translates(struct istress_domain *d, u64 start, u64 last)
{
	u64 iova = start;

	for (;;) {
		u64 step = iova - start < SZ_2M || last - iova < SZ_2M ?
			   PAGE_SIZE : SZ_2M;

		if (iommu_iova_to_phys(d->domain, iova))
			return true;
		if (last - iova < step)
			return false;
		iova += step;
	}
}

/* Whether the driver still translates part of a piece it said it unmapped. */
static bool still_translates(struct istress_domain *d,
			     const struct istress_mapping *m)
{
	return range_translates(d, m->start, m->last);
}

/*
 * Whether a held piece, or a retired piece the driver still translates,
 * lies in [start, last]: no record covers it, but a map call there would
 * meet its live entries (Intel's driver WARNs "PTE already set", or walks
 * a superpage's data page as a table and writes a PTE into it). Probed
 * inside [start, last] only, which the caller has made sure no MAP or
 * UNMAP is in.
 */
static bool meets_retired(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_mapping *r;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(r, &d->retired, dnode)
		if (istress_ranges_meet(r->start, r->last, start, last) &&
		    range_translates(d, max(r->start, start),
				     min(r->last, last)))
			return true;
	/* The table cannot say what the device maps there: no walk. */
	list_for_each_entry(r, &d->held, dnode)
		if (istress_ranges_meet(r->start, r->last, start, last))
			return true;
	return false;
}

/*
 * BENCH's bare driver calls (bench.c) take [start, last] as an UNMAP in
 * the driver holds its reach: MAPs there and UNMAPs reaching there get
 * -EBUSY and walks wait, until istress_domain_unclaim(). Refused where
 * the session has anything mapped, a retired piece included (-EEXIST), or
 * a MAP or UNMAP is at work (-EBUSY).
 */
int istress_domain_claim(struct istress_domain *d, u64 start, u64 last,
			 void **claim)
{
	struct op_span *sp = kmalloc(sizeof(*sp), GFP_KERNEL);
	int ret = 0;

	if (!sp)
		return -ENOMEM;
	mutex_lock(&d->lock);
	if (istress_maps_overlap(d, start, last))
		ret = -EEXIST;
	else if (meets_span(d, start, last, true))
		ret = -EBUSY;
	else if (meets_retired(d, start, last))
		ret = -EEXIST;
	else
		span_begin(d, sp, start, last, true, false);
	if (!ret)
		d->max_map_len = max(d->max_map_len, last - start + 1);
	mutex_unlock(&d->lock);
	if (ret) {
		kfree(sp);
		return ret;
	}
	*claim = sp;
	return 0;
}

void istress_domain_unclaim(struct istress_domain *d, void *claim)
{
	mutex_lock(&d->lock);
	span_end(d, claim);
	mutex_unlock(&d->lock);
	kfree(claim);
}

/*
 * A walk of the driver's tables that touches user memory as it goes
 * (dirty.c's read into the caller's bitmap) may not hold d->lock for it:
 * the memory may take as long as its owner likes. It takes [start, last]
 * as BENCH's claim does instead, once no MAP or UNMAP is in the driver
 * there and no walk or dirty switch waits for a quiet range (a killable
 * wait), until istress_domain_unclaim(): MAPs there and UNMAPs reaching
 * there get -EBUSY, other walks wait.
 */
int istress_domain_claim_walk(struct istress_domain *d, u64 start, u64 last,
			      void **claim)
{
	struct op_span *sp = kmalloc(sizeof(*sp), GFP_KERNEL);
	int ret;

	if (!sp)
		return -ENOMEM;
	ret = lock_quiet(d, start, last, true);
	if (ret) {
		kfree(sp);
		return ret;
	}
	span_begin(d, sp, start, last, true, true);
	mutex_unlock(&d->lock);
	*claim = sp;
	return 0;
}

/* Alignment, size and placement checks shared by MAP and UNMAP. */
static int check_iova(struct istress_domain *d, u64 iova, u64 len)
{
	u64 align = 1ULL << __ffs(d->desc.pgsize_bitmap);

	align = max_t(u64, align, PAGE_SIZE);
	if (!len || (iova | len) & (align - 1))
		return -EINVAL;
	if (iova + len < iova || iova + len - 1 > ULONG_MAX)
		return -EOVERFLOW;
	return istress_domain_check_range(d, iova, len);
}

/*
 * No iommu_map() call of the module's ever holds a whole 1G-aligned IOVA
 * block over 1G-aligned memory, unless it is loaded with
 * allow_1g_leaves=1: a driver builds a leaf only inside one map call,
 * over an IOVA block and memory both aligned to its size, so this is what
 * keeps 1G leaves out of every domain. Each call stops at the end of the
 * 1G block it starts in, and one that starts a block holds half of it at
 * most (2M leaves still form).
 *
 * Why: Intel's driver up to 6.18 unmaps a range that only partly covers
 * a superpage by walking down from the leaf (dma_pte_clear_level() does
 * not check the superpage bit), reading the leaf's first data page as the
 * next level's table. Under a 2M leaf the walk ends at level 1 inside the
 * session's own page: only that page is written. Under a 1G leaf the page
 * is walked as a level-2 table, and it is the session's buffer, which
 * user space writes through mmap() and the device by DMA: every qword
 * with bit 0 or 1 set is a table pointer to the driver, which queues its
 * pfn to be freed or, one level down, zeroes qwords at that physical
 * address. An UNMAP starting inside the leaf gets there, and so does a
 * step the driver widened from an empty 1G entry just before it (it
 * rounds an unmap up to the entry's size without aligning the start).
 * 1G chunks are not needed for such a leaf: 2M chunks from the buddy
 * allocator often lie in physical order, and 512 of them make one.
 */
static u64 map_call_max(u64 iova, u64 len)
{
	u64 left = SZ_1G - (iova & (SZ_1G - 1));

	if (istress_allow_1g_leaves)
		return len;
	return min(len, left == SZ_1G ? SZ_1G / 2 : left);
}

/*
 * Maps physically contiguous runs of the buffer with one call each, cut
 * where map_call_max() says.
 */
static int map_runs(struct istress_domain *d, struct istress_buf *buf,
		    u64 iova, u64 offset, u64 len, int prot)
{
	u64 chunk = PAGE_SIZE << buf->chunk_order;
	u64 done = 0;
	int ret;

	while (done < len) {
		phys_addr_t pa = istress_buf_phys(buf, offset + done);
		u64 most = map_call_max(iova + done, len - done);
		u64 run = min(most, chunk - ((offset + done) & (chunk - 1)));

		while (run < most &&
		       istress_buf_phys(buf, offset + done + run) == pa + run)
			run += min(most - run, chunk);
		ret = istress_iommu_map(d->domain, iova + done, pa, run, prot);
		if (ret)
			goto err_unmap;
		done += run;
	}
	return 0;

err_unmap:
	if (done)
		iommu_unmap(d->domain, iova, done);
	return ret;
}

#ifdef ISTRESS_UNSAFE_TESTS
/*
 * Test builds only: the Nth MAP from when unsafe_wrong_page_map is set to
 * N points its IOVAs one page off, so that the VM test can prove the
 * data checks see a wrong translation where a skipped flush shows nothing
 * (a driver that flushes inside its unmap, a vIOMMU that caches nothing).
 * Each IOVA gets the next page of the range it asked for and the last one
 * the first; a one-page MAP gets its neighbour in the buffer. Only pages
 * of the buffer the mapping pins, unmapped and flushed as usual. MAPs of
 * one-page buffers, or at an offset not aligned to the smallest page,
 * have no wrong page to take and are not counted. BENCH THROUGH_MAP's
 * maps are MAPs and count too.
 */
static unsigned int unsafe_wrong_page_map;
module_param(unsafe_wrong_page_map, uint, 0644);
MODULE_PARM_DESC(unsafe_wrong_page_map, "TEST BUILD: the Nth MAP from now (BENCH THROUGH_MAP's maps count too) maps its IOVAs one page off, inside its buffer (0: none)");

/* Whether this MAP is the one selected; counts the selection down. */
static bool wrong_page_selected(void)
{
	unsigned int n = READ_ONCE(unsafe_wrong_page_map);
	unsigned int old;

	while (n) {
		old = cmpxchg(&unsafe_wrong_page_map, n, n - 1);
		if (old == n)
			return n == 1;
		n = old;
	}
	return false;
}

/* The buffer offset a wrong MAP gives the page at @pos of its range. */
static u64 wrong_offset(struct istress_buf *buf, u64 offset, u64 len, u64 pos,
			u64 step)
{
	if (len == step)
		return offset + 2 * step <= buf->length ? offset + step :
							  offset - step;
	return pos + step < len ? offset + pos + step : offset;
}

/*
 * In calls that hold no aligned block of any page size above the
 * smallest, so that the driver makes no leaf larger than mapping.c
 * expects of the pages the record names (it reasons from those).
 */
static int map_wrong_pages(struct istress_domain *d, struct istress_buf *buf,
			   u64 iova, u64 offset, u64 len, u64 step, int prot)
{
	u64 larger = d->desc.pgsize_bitmap & ~(2 * step - 1);
	u64 piece = larger ? (1ULL << __ffs(larger)) / 2 : 0;
	u64 pos = 0, n;
	int ret;

	while (pos < len) {
		n = len - pos;
		if (piece)
			n = min(n, piece - ((iova + pos) & (piece - 1)));
		/* Not across the last page, which maps the first. */
		if (pos < len - step)
			n = min(n, len - step - pos);
		ret = map_runs(d, buf, iova + pos,
			       wrong_offset(buf, offset, len, pos, step), n, prot);
		if (ret)
			goto err_unmap;
		pos += n;
	}
	return 0;

err_unmap:
	if (pos)
		iommu_unmap(d->domain, iova, pos);
	return ret;
}

static int map_buffer(struct istress_domain *d, struct istress_buf *buf,
		      u64 iova, u64 offset, u64 len, int prot)
{
	u64 step = max_t(u64, 1ULL << __ffs(d->desc.pgsize_bitmap), PAGE_SIZE);

	/*
	 * A page of @step whole in the buffer on either side: neither an
	 * offset between pages nor a neighbour past the buffer's end.
	 */
	if (buf->length < 2 * step || !IS_ALIGNED(offset, step) ||
	    !wrong_page_selected())
		return map_runs(d, buf, iova, offset, len, prot);
	pr_notice("test build: MAP of %#llx bytes at IOVA %#llx mapped one page off\n",
		  len, iova);
	return map_wrong_pages(d, buf, iova, offset, len, step, prot);
}
#else
#define map_buffer map_runs
#endif

static int domain_map(struct istress_domain *d, struct istress_buf *buf,
		      struct iommu_stress_map *arg)
{
	const u32 prot_mask = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE;
	bool overlap = arg->flags & IOMMU_STRESS_MAP_OVERLAP;
	struct istress_mapping *spare[2] = { NULL, NULL };
	struct istress_mapping *m;
	struct op_span span;
	LIST_HEAD(cut);
	int prot = 0;
	u64 t0;
	int ret;

	if (arg->flags & ~IOMMU_STRESS_MAP_OVERLAP)
		return -EOPNOTSUPP;
	/* Whatever is there in a shared domain may be the driver's. */
	if (overlap && d->shared)
		return -EOPNOTSUPP;
	if (arg->__reserved || !arg->prot || arg->prot & ~prot_mask)
		return -EINVAL;
	if (overlap && !READ_ONCE(istress_driver_warns))
		return -EPERM;
	ret = check_iova(d, arg->iova, arg->length);
	if (ret)
		return ret;
	if (arg->offset & (PAGE_SIZE - 1) || arg->offset > buf->length ||
	    arg->length > buf->length - arg->offset)
		return -EINVAL;
	if (arg->prot & IOMMU_STRESS_PROT_READ)
		prot |= IOMMU_READ;
	if (arg->prot & IOMMU_STRESS_PROT_WRITE)
		prot |= IOMMU_WRITE;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (overlap) {
		spare[0] = kzalloc(sizeof(*spare[0]), GFP_KERNEL);
		spare[1] = kzalloc(sizeof(*spare[1]), GFP_KERNEL);
	}
	if (!m || (overlap && (!spare[0] || !spare[1]))) {
		ret = -ENOMEM;
		goto out_free;
	}
	m->start = arg->iova;
	m->last = arg->iova + arg->length - 1;
	m->offset = arg->offset;
	m->buf = buf;
	m->owner = m;
	istress_buf_get(buf);

	mutex_lock(&d->lock);
	if (!overlap && istress_maps_overlap(d, m->start, m->last))
		ret = -EEXIST;
	else if (meets_span(d, m->start, m->last, false))
		ret = -EBUSY;
	else if (overlap)
		ret = istress_maps_claim_overlap(d, m->start, m->last, m);
	else if (meets_retired(d, m->start, m->last))
		ret = -EEXIST;
	if (!ret) {
		istress_maps_insert(d, m);
		span_begin(d, &span, m->start, m->last, false, false);
		d->max_map_len = max(d->max_map_len, arg->length);
	}
	mutex_unlock(&d->lock);
	if (ret)
		goto out_free;

	race_window_map();
	/* Never over a mapping the device's own driver made. */
	ret = 0;
	if (d->ops->check_free)
		ret = d->ops->check_free(d, arg->iova, arg->length);
	if (!ret) {
		/* The driver call runs unlocked so threads race inside it. */
		t0 = ktime_get_ns();
		ret = map_buffer(d, buf, arg->iova, arg->offset, arg->length,
				 prot);
		arg->ns = ktime_get_ns() - t0;
	}

	mutex_lock(&d->lock);
	span_end(d, &span);
	if (ret) {
		if (overlap)
			istress_maps_unclaim(d, m);
		istress_maps_remove(d, m);
	} else {
		if (overlap) {
			d->leaves_unknown = true;
			istress_maps_replace(d, m, &cut, spare,
					     ARRAY_SIZE(spare));
			list_splice_tail_init(&cut, &d->retired);
		}
		m->owner = NULL;
		m = NULL;
	}
	mutex_unlock(&d->lock);

out_free:
	if (m && m->buf)
		istress_mapping_free(m);
	else
		kfree(m);
	kfree(spare[0]);
	kfree(spare[1]);
	return ret;
}

/* Pages of @m, for the walks' budget. */
static unsigned long piece_pages(const struct istress_mapping *m)
{
	return (m->last - m->start) / PAGE_SIZE + 1;
}

/*
 * Whether a page of @m translates: to anything, or (@own) to its own
 * memory. Page by page, as a sampled walk may miss a 4K leftover. Only
 * where no MAP or UNMAP is in the driver (the walk takes no lock of the
 * driver's), as for range_translates().
 */
static bool piece_translates(struct istress_domain *d,
			     const struct istress_mapping *m, bool own)
{
	phys_addr_t pa;
	u64 off;

	for (off = 0; off <= m->last - m->start; off += PAGE_SIZE) {
		pa = iommu_iova_to_phys(d->domain, m->start + off);
		if (pa && (!own ||
			   pa == istress_buf_phys(m->buf, m->offset + off)))
			return true;
		if (!((off >> PAGE_SHIFT) % 512))
			cond_resched();
	}
	return false;
}

/* list_sort() order of pieces: by address, for pieces_sync(). */
static int piece_cmp(void *priv, const struct list_head *a,
		     const struct list_head *b)
{
	const struct istress_mapping *ma, *mb;

	ma = list_entry(a, struct istress_mapping, dnode);
	mb = list_entry(b, struct istress_mapping, dnode);
	if (ma->start == mb->start)
		return 0;
	return ma->start > mb->start ? 1 : -1;
}

/*
 * Moves to @out, in address order, the retired pieces no device can reach
 * any more: no page of theirs translates to its own memory. Only a driver
 * call over a piece's IOVAs changes that: an UNMAP reaching it, or a
 * MAP_OVERLAP over it, whose record an UNMAP reaches in turn (a plain MAP
 * or BENCH meets no piece that translates, meets_retired()). So a piece
 * once walked is walked again by an UNMAP whose reach [reach, reach_last]
 * meets it. Such an UNMAP may have to pass it by: its own SKIP_SYNC
 * (@walk false), an unsynced UNMAP parked (whose stale entries are a
 * test's to find, and the piece's sync could flush them), an op in the
 * driver there, or the page budget; or walk it and not sync it, past the
 * bound on syncs (pieces_sync()). The piece is then marked stranded and
 * any later UNMAP walks it: once the records around it are gone, none
 * reaches it.
 */
static void retired_unreachable(struct istress_domain *d, u64 reach,
				u64 reach_last, bool walk,
				struct list_head *out)
{
	unsigned long budget = ISTRESS_PRUNE_PAGES;
	struct istress_mapping *m, *tmp;

	lockdep_assert_held(&d->lock);
	list_for_each_entry_safe(m, tmp, &d->retired, dnode) {
		if (!m->stranded &&
		    !istress_ranges_meet(m->start, m->last, reach, reach_last))
			continue;
		if (!walk || d->ndeferred || piece_pages(m) > budget ||
		    meets_span(d, m->start, m->last, true)) {
			m->stranded = true;
			continue;
		}
		budget -= piece_pages(m);
		m->stranded = false;
		if (!piece_translates(d, m, true))
			list_move_tail(&m->dnode, out);
	}
	/*
	 * Up to ISTRESS_PRUNE_PAGES pieces, in any order (UNMAPs working
	 * downward retire them falling): sorted once here, for
	 * pieces_sync() to join neighbours.
	 */
	list_sort(NULL, out, piece_cmp);
}

/*
 * Moves the pieces the driver still maps from @cut to @still, for the
 * caller to retire or hold: each walked page by page while the budget
 * lasts, the rest as range_translates() probes them.
 */
static bool retire_still_mapped(struct istress_domain *d, struct list_head *cut,
				struct list_head *still)
{
	unsigned long budget = ISTRESS_PRUNE_PAGES;
	struct istress_mapping *m, *tmp;
	bool mapped, any = false;

	lockdep_assert_held(&d->lock);
	list_for_each_entry_safe(m, tmp, cut, dnode) {
		if (piece_pages(m) <= budget) {
			budget -= piece_pages(m);
			mapped = piece_translates(d, m, false);
		} else {
			mapped = still_translates(d, m);
		}
		if (mapped) {
			list_move_tail(&m->dnode, still);
			any = true;
		}
	}
	return any;
}

/*
 * The last byte of the records an UNMAP of [start, last] claims: only
 * the one holding @last can reach past it (records never overlap).
 */
static u64 claimed_end(struct istress_domain *d, u64 last)
{
	struct istress_mapping *m = istress_maps_next(d, NULL, last, last);

	return m ? max(m->last, last) : last;
}

/*
 * Whether a walk of @page could meet the driver freeing a table there: a
 * MAP, an UNMAP or BENCH's claim (which maps and unmaps) in flight at it.
 * A walk's claim does not count: it frees no table (DIRTY_READ clears D
 * bits and flushes), so a walk beside it is as safe as two walks; and as
 * a walk's claim looks at spans only, not at whose records it meets, one
 * may sit at a page just past an UNMAP's reach. Everywhere else a walk's
 * claim counts as any span.
 */
static bool probe_meets_table_change(struct istress_domain *d, u64 page)
{
	struct op_span *sp;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(sp, &d->in_flight, node)
		if (!sp->walk && page <= sp->last && sp->start <= page)
			return true;
	return false;
}

/*
 * Whether the driver's table dropped, unreported, records an UNMAP of
 * [iova, last] claimed (up to @claimed_last), once @unmapped bytes from
 * @iova were cut from them (@cut): where so, a walk of the table cannot
 * tell what the device still translates. virtio-iommu's is such a table,
 * kept beside the device's: asked to unmap a range with gaps, it drops
 * the mappings it finds there, answers 0 and has the device unmap none
 * of them, or answers their sizes summed and has the device unmap that
 * much from the start, which misses the last ones. It drops only
 * mappings that start inside a step of the request, so the page at iova
 * + @unmapped and the first page of each record left past it up to
 * @last are where a drop shows: those are probed, nothing below @iova
 * (AMD's table, asked to unmap from inside a leaf, drops the leaf whole
 * and answers its size from @iova: the device is told, only the answer
 * is misplaced). An answer that ends past @last ends, for virtio, at the
 * end of a mapping that started in the request, so inside the record
 * holding @last: only there is its page probed. One that ends past every
 * record claimed (Intel's and AMD's answer of a leaf's size to an UNMAP
 * from inside it) shows no drop, and its page may be another op's, just
 * past this UNMAP's reach; what the driver did with the pieces cut up to
 * it is retire_still_mapped()'s to find. Records known dropped or gone
 * are skipped, and a piece cut from a dropped one makes the answer yes.
 * Where a probe cannot run, a MAP, UNMAP or BENCH claim at its page (a
 * walk's claim is no bar), the answer is yes too: pieces held, never
 * freed unchecked. One probe a record, no bound: a driver that stops at
 * a hole (AMD's v1 table, the generic page table) leaves every record of
 * the request to probe, all still mapped, and a bound reached there
 * would hold a correct driver's pieces for good. Each record came of a
 * MAP, and d->lock is a mutex.
 */
static bool table_dropped_records(struct istress_domain *d, u64 iova,
				  u64 last, u64 claimed_last, size_t unmapped,
				  struct list_head *cut)
{
	bool dropped = false, unsure = false;
	struct istress_mapping *m;
	unsigned long n = 0;
	u64 at, end, page;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(m, cut, dnode)
		if (m->dropped)
			return true;
	if (check_add_overflow(iova, (u64)unmapped, &at))
		return false;
	if (at > claimed_last)
		return false;
	end = max(at, last);
	for (m = istress_maps_next(d, NULL, at, end); m;
	     m = istress_maps_next(d, m, at, end)) {
		if (!(++n % 1024))
			cond_resched();
		if (m->dropped || m->gone)
			continue;
		page = max(m->start, at);
		if (probe_meets_table_change(d, page)) {
			unsure = true;
			continue;
		}
		if (!iommu_iova_to_phys(d->domain, page)) {
			m->dropped = true;
			dropped = true;
		}
	}
	return dropped || unsure;
}

/*
 * Marks gone the record left just below @iova by an UNMAP that cut from
 * inside it, where its last page no longer translates: the driver
 * unmapped the leaf around @iova whole (AMD's table), and later probes
 * for dropped records must not take it for one.
 */
static void mark_leaf_gone(struct istress_domain *d, u64 iova)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	if (!iova)
		return;
	m = istress_maps_next(d, NULL, iova - 1, iova - 1);
	if (m && !m->dropped && !probe_meets_table_change(d, iova - 1) &&
	    !iommu_iova_to_phys(d->domain, iova - 1))
		m->gone = true;
}

/*
 * Whether @m may join @gather, which holds @held bytes of pieces: the
 * range synced stays at most twice what its pieces hold, so that no sync
 * covers much more than the pieces themselves, and no UNMAP is in the
 * driver in the gap between them: a SKIP_SYNC one leaves stale entries
 * there for its test to find, which the merged sync would flush (it is
 * not parked yet, so the walk went ahead). Every UNMAP span there counts
 * (BENCH's and DIRTY_READ's claims are such spans too), as a span does
 * not say whether it skips its sync. A MAP in flight there is not held
 * back: the merged sync could cover a driver's missing flush after it,
 * but a driver with that bug in its map path (Intel's before the 2021
 * fix, Debian's 5.10) syncs in its unmap, and pieces_sync() then flushes
 * the whole IOTLB anyway.
 */
static bool gather_takes(struct istress_domain *d,
			 const struct iommu_iotlb_gather *gather, u64 held,
			 const struct istress_mapping *m)
{
	u64 last = max_t(u64, gather->end, m->last);

	if (last - gather->start >= 2 * (held + m->last - m->start + 1))
		return false;
	/* Overlapping or touching: no gap between them. */
	if (m->start <= gather->end || m->start - 1 == gather->end)
		return true;
	return !meets_span(d, gather->end + 1, m->start - 1, false);
}

/*
 * Flushes what the IOTLB may hold of the pieces on @list (in address
 * order), before their pages go: an entry may have outlived the
 * translation, here or in an earlier UNMAP, and only the pieces' own IOVAs
 * translated to their pages. Their ranges only, not the whole IOTLB: in a
 * shared DMA-API domain another session's parked SKIP_SYNC unmaps may have
 * left stale entries that its test is to find (the driver may still widen
 * a range to an aligned block, or to the whole domain). Neighbouring
 * pieces share a sync as gather_takes() allows: what lies between them is
 * in the session's own range, where nothing is parked while pieces are
 * walked, nor (gather_takes() checks) in flight. At most
 * ISTRESS_PRUNE_SYNCS syncs; the pieces past them go back to d->retired,
 * stranded. A driver with no ->iotlb_sync flushes only on
 * iommu_flush_iotlb_all(); no unmap is parked in its domains
 * (DOMAIN_SYNC_IN_UNMAP refuses SKIP_SYNC). x86's drivers (intel, amd,
 * virtio) sync a gather's range whatever its pgsize; some others read
 * pgsize as the size of the entries to invalidate (arm-smmu-v3 syncs
 * nothing when it is 0), which a piece of leaves of unknown sizes cannot
 * give: off x86 the whole IOTLB is flushed where the driver can
 * (virtio-iommu before v6.7 cannot, and syncs whatever the gather).
 */
static void pieces_sync(struct istress_domain *d, struct list_head *list)
{
	struct istress_mapping *m, *tmp;
	struct iommu_iotlb_gather gather;
	unsigned int syncs = 0;
	bool open = false;
	u64 held = 0;

	lockdep_assert_held(&d->lock);
	if (list_empty(list))
		return;
	if (d->desc.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP ||
	    (!IS_ENABLED(CONFIG_X86) && d->domain->ops->flush_iotlb_all)) {
		iommu_flush_iotlb_all(d->domain);
		return;
	}
	list_for_each_entry_safe(m, tmp, list, dnode) {
		if (open && gather_takes(d, &gather, held, m)) {
			istress_gather_add_range(&gather, m->start,
						 m->last - m->start + 1);
			held += m->last - m->start + 1;
			continue;
		}
		if (open) {
			iommu_iotlb_sync(d->domain, &gather);
			open = false;
			syncs++;
		}
		if (syncs == ISTRESS_PRUNE_SYNCS) {
			m->stranded = true;
			list_move_tail(&m->dnode, &d->retired);
			continue;
		}
		iommu_iotlb_gather_init(&gather);
		istress_gather_add_range(&gather, m->start,
					 m->last - m->start + 1);
		held = m->last - m->start + 1;
		open = true;
	}
	if (open)
		iommu_iotlb_sync(d->domain, &gather);
}

/* Parks a SKIP_SYNC unmap; flushes everything parked when too many are. */
static void deferred_park(struct istress_domain *d,
			  struct istress_deferred *def)
{
	lockdep_assert_held(&d->lock);
	if (d->ndeferred >= ISTRESS_MAX_DEFERRED)
		istress_domain_sync_deferred_locked(d);
	list_add_tail(&def->node, &d->deferred);
	d->ndeferred++;
}

/*
 * -EBUSY for [start, last] if a MAP, UNMAP or DMA is at work in it; then
 * *stuck says whether a DMA of a retired target pins a record there. A
 * DMA that retires its target keeps its pins (dma.c), and the target runs
 * no DMA after: read under d->lock with the pin, a wedged target means
 * the pin is one that never goes.
 */
static int unmap_busy(struct istress_domain *d, u64 start, u64 last,
		      bool *stuck)
{
	if (!meets_span(d, start, last, true) &&
	    !istress_maps_busy(d, start, last))
		return 0;
	*stuck = READ_ONCE(d->target->wedged) &&
		 istress_maps_pinned(d, start, last);
	return -EBUSY;
}

/*
 * Whether an UNMAP of [iova, last] may go to the driver, and all the
 * driver may clear for it (*reach, *reach_last; see istress_maps_reach).
 * All of that must lie where the session may map (in the range, clear of
 * the window and reserved regions), and no other MAP, UNMAP or DMA may
 * be at work in it (-EBUSY, and *stuck as unmap_busy() says).
 */
static int unmap_admit(struct istress_domain *d, u64 iova, u64 last,
		       u64 *reach, u64 *reach_last, bool *stuck)
{
	int ret;

	lockdep_assert_held(&d->lock);
	if (!istress_maps_overlap(d, iova, last))
		return -ENOENT;
	/* Busy in the request itself: the reach there is not known yet. */
	ret = unmap_busy(d, iova, last, stuck);
	if (ret)
		return ret;
	*reach = iova;
	*reach_last = last;
	istress_maps_reach(d, reach, reach_last);
	/* A MAP in flight nearby widens the reach: busy, not out of range. */
	ret = unmap_busy(d, *reach, *reach_last, stuck);
	if (ret) {
		/*
		 * A pin in the reach but not in the request holds it up for
		 * good only while the reach stays: so where the records
		 * leave no gap in the request (the reach then comes of their
		 * layout and leaves_unknown, which no pinned record lets
		 * go). A gap's reach shrinks as MAPs nearby end.
		 */
		if (!istress_maps_cover(d, iova, last))
			*stuck = false;
		return ret;
	}
	return istress_domain_check_span(d, *reach, *reach_last);
}

/*
 * In a shared domain the gaps of an UNMAP's reach must translate nothing:
 * what is there is not the session's. Checked 2M at a time under the
 * lock once the reach is the UNMAP's own, so nothing else moves there.
 */
static int reach_is_free(struct istress_domain *d, u64 start, u64 last)
{
	u64 end;
	int ret;

	for (;;) {
		end = min(last, round_down(start, SZ_2M) + SZ_2M - 1);
		mutex_lock(&d->lock);
		ret = istress_maps_for_each_gap(d, start, end,
						d->ops->check_free);
		mutex_unlock(&d->lock);
		if (ret || end == last)
			return ret;
		if (fatal_signal_pending(current))
			return -EINTR;
		/* The device is going: its unbind waits for this UNMAP. */
		if (READ_ONCE(d->target->gone))
			return -ENODEV;
		cond_resched();
		start = end + 1;
	}
}

/*
 * Moves the pieces on @list to d->held, counted: their pages stay until
 * the domain goes, a shared domain's for good, and nothing else says how
 * much that is.
 */
static void hold_pieces(struct istress_domain *d, struct list_head *list)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(m, list, dnode) {
		d->nheld++;
		d->held_bytes += m->last - m->start + 1;
	}
	list_splice_tail_init(list, &d->held);
}

static int domain_unmap(struct istress_domain *d,
			struct iommu_stress_unmap *arg, bool *stuck)
{
	bool skip = arg->flags & IOMMU_STRESS_UNMAP_SKIP_SYNC;
	struct istress_mapping *spare[2] = { NULL, NULL };
	struct istress_mapping *m, *tmp;
	struct iommu_iotlb_gather sync_gather, *gather = &sync_gather;
	struct istress_deferred *def = NULL;
	u64 last = arg->iova + arg->length - 1;
	struct op_span span;
	u64 reach, reach_last, claimed_last = 0;
	LIST_HEAD(still);
	unsigned long nheld;
	bool dropped;
	LIST_HEAD(unreachable);
	LIST_HEAD(cut);
	size_t unmapped;
	u64 t0;
	int ret;

	if (arg->flags & ~IOMMU_STRESS_UNMAP_SKIP_SYNC)
		return -EOPNOTSUPP;
	if (arg->__reserved || arg->__reserved2)
		return -EINVAL;
	/*
	 * Without ->iotlb_sync, iommu_iotlb_sync() does nothing, so an
	 * UNMAP with SKIP_SYNC and one without would make the same calls:
	 * such a driver flushes inside its unmap (Intel's in 5.10 flushes
	 * the range before its unmap returns), there is no flush to skip,
	 * and a negative control run through it could not fail.
	 * DOMAIN_CREATE said so (SYNC_IN_UNMAP).
	 */
	if (skip && d->desc.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP)
		return -EOPNOTSUPP;
	ret = check_iova(d, arg->iova, arg->length);
	if (ret)
		return ret;

	/* Allocate everything first: once the driver has unmapped, no failing. */
	spare[0] = kzalloc(sizeof(*spare[0]), GFP_KERNEL);
	spare[1] = kzalloc(sizeof(*spare[1]), GFP_KERNEL);
	if (skip) {
		def = kzalloc(sizeof(*def), GFP_KERNEL);
		if (def) {
			INIT_LIST_HEAD(&def->maps);
			gather = &def->gather;
		}
	}
	if (!spare[0] || !spare[1] || (skip && !def)) {
		ret = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&d->lock);
	ret = unmap_admit(d, arg->iova, last, &reach, &reach_last, stuck);
	if (!ret)
		ret = istress_maps_claim(d, arg->iova, last, &span);
	if (!ret) {
		span_begin(d, &span, reach, reach_last, true, false);
		claimed_last = claimed_end(d, last);
	}
	mutex_unlock(&d->lock);
	if (ret)
		goto out_free;
	if (d->ops->check_free) {
		ret = reach_is_free(d, reach, reach_last);
		if (ret) {
			mutex_lock(&d->lock);
			span_end(d, &span);
			istress_maps_release(d, &span, arg->iova, last, 0, &cut,
					     spare, ARRAY_SIZE(spare));
			mutex_unlock(&d->lock);
			goto out_free;
		}
	}

	race_window_unmap();
	/* The gather must not move once the driver has queued pages on it. */
	iommu_iotlb_gather_init(gather);
	t0 = ktime_get_ns();
	unmapped = iommu_unmap_fast(d->domain, arg->iova, arg->length, gather);
	if (!skip)
		iommu_iotlb_sync(d->domain, gather);
	arg->ns = ktime_get_ns() - t0;
	arg->unmapped = unmapped;

	mutex_lock(&d->lock);
	span_end(d, &span);
	istress_maps_release(d, &span, arg->iova, last, unmapped, &cut, spare,
			     ARRAY_SIZE(spare));
	arg->out_flags = 0;
	nheld = d->nheld;
	/* Before this UNMAP's own leftovers join them: just walked. */
	retired_unreachable(d, reach, reach_last, !skip, &unreachable);
	/* Gone trusts the table to be the device's: once not, never. */
	if (unmapped && !d->unvouched)
		mark_leaf_gone(d, arg->iova);
	dropped = table_dropped_records(d, arg->iova, last, claimed_last,
					unmapped, &cut);
	if (retire_still_mapped(d, &cut, &still)) {
		arg->out_flags |= IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED;
		d->leaves_unknown = true;
	}
	if (dropped) {
		/*
		 * Nor can the table say what became of the pieces it still
		 * translates, or of the retired ones it found unreachable.
		 */
		arg->out_flags |= IOMMU_STRESS_UNMAP_OUT_UNVOUCHED;
		d->unvouched = true;
		hold_pieces(d, &still);
		hold_pieces(d, &cut);
	}
	/*
	 * Once the table dropped mappings unreported, a retired piece it
	 * no longer translates may be one of them, still in the device:
	 * from then on none is freed (one passed by earlier and walked now
	 * included).
	 */
	if (d->unvouched)
		hold_pieces(d, &unreachable);
	if (d->nheld != nheld)
		pr_info_ratelimited("%s: domain %u holds %lu pieces (%llu bytes) its driver's table cannot vouch for (UNVOUCHED)\n",
				    d->target->name, d->id, d->nheld,
				    d->held_bytes);
	list_splice_tail_init(&still, &d->retired);
	/* Under the lock: no MAP and SKIP_SYNC unmap there meanwhile. */
	pieces_sync(d, &unreachable);
	/*
	 * Held pieces leave d->leaves_unknown as it is: one the table still
	 * translates came through @still and STILL_MAPPED, which set it, and
	 * one it dropped shapes none of its leaves. But the first kind is a
	 * leaf no record covers, so while any piece is held it is not reset.
	 */
	if (!(arg->out_flags & IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED) &&
	    RB_EMPTY_ROOT(&d->maps.rb_root) && list_empty(&d->retired) &&
	    list_empty(&d->held)) {
		/* Nothing of the session's is mapped: no leaf outlives it. */
		d->leaves_unknown = false;
	}
	if (skip && unmapped) {
		if (!unsafe_free_unsynced)
			list_splice_init(&cut, &def->maps);
		deferred_park(d, def);
		def = NULL;
	}
	mutex_unlock(&d->lock);

	/* Synced: the unmapped pieces may release their buffers now. */
	list_for_each_entry_safe(m, tmp, &cut, dnode)
		istress_mapping_free(m);
	istress_maps_free_list(&unreachable);
out_free:
	kfree(def);
	kfree(spare[0]);
	kfree(spare[1]);
	return ret;
}

int istress_domain_map(struct istress_domain *d, struct istress_buf *buf,
		       struct iommu_stress_map *arg)
{
	int ret = istress_domain_enter(d);

	if (ret)
		return ret;
	ret = domain_map(d, buf, arg);
	istress_domain_exit(d);
	return ret;
}

/*
 * The driver's walk of @iova, once no MAP or UNMAP in the driver covers
 * it: either may be freeing the page tables there, and the walk takes no
 * lock of the driver's. A walk holds d->lock, so none starts meanwhile.
 */
static int domain_walk(struct istress_domain *d, u64 iova, phys_addr_t *phys)
{
	int ret = istress_domain_lock_quiet(d, iova, iova);

	if (ret)
		return ret;
	*phys = iommu_iova_to_phys(d->domain, iova);
	mutex_unlock(&d->lock);
	return 0;
}

int istress_domain_walk(struct istress_domain *d, u64 iova, phys_addr_t *phys)
{
	int ret = istress_domain_enter(d);

	if (ret)
		return ret;
	ret = domain_walk(d, iova, phys);
	istress_domain_exit(d);
	return ret;
}

/*
 * On -EBUSY, *stuck says whether what holds the UNMAP up is a retired
 * target's pin, which never goes (see unmap_busy()).
 */
int istress_domain_unmap_stuck(struct istress_domain *d,
			       struct iommu_stress_unmap *arg, bool *stuck)
{
	int ret = istress_domain_enter(d);

	*stuck = false;
	if (ret)
		return ret;
	ret = domain_unmap(d, arg, stuck);
	istress_domain_exit(d);
	return ret;
}

int istress_domain_unmap(struct istress_domain *d,
			 struct iommu_stress_unmap *arg)
{
	bool stuck;

	return istress_domain_unmap_stuck(d, arg, &stuck);
}
