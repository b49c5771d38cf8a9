// SPDX-License-Identifier: GPL-2.0
/*
 * What the module has mapped in a domain, by IOVA range. The record is the
 * module's own view, independent of the driver's page tables: it refuses
 * maps over live ranges, finds "unmap of nothing", and keeps every mapped
 * buffer pinned until the driver has really let go of it.
 *
 * Every istress_maps_* function runs under the domain's lock
 * (istress_domain.lock) and asserts so.
 */
#include <linux/interval_tree_generic.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "istress.h"
#include "levels.h"

#define map_start(m) ((m)->start)
#define map_last(m) ((m)->last)

INTERVAL_TREE_DEFINE(struct istress_mapping, rb, u64, __subtree_last,
		     map_start, map_last, static, maps_it)

bool istress_maps_overlap(struct istress_domain *d, u64 start, u64 last)
{
	lockdep_assert_held(&d->lock);
	return maps_it_iter_first(&d->maps, start, last);
}

/*
 * The records meeting [start, last] in address order: the first (@m NULL)
 * or the one after @m; NULL past the last.
 */
struct istress_mapping *istress_maps_next(struct istress_domain *d,
					  struct istress_mapping *m,
					  u64 start, u64 last)
{
	lockdep_assert_held(&d->lock);
	if (!m)
		return maps_it_iter_first(&d->maps, start, last);
	return maps_it_iter_next(m, start, last);
}

/*
 * Whether mappings cover every byte of [start, last] with no gap.
 */
bool istress_maps_cover(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_mapping *m;
	u64 next = start;

	lockdep_assert_held(&d->lock);
	/* Records never overlap, so they come back in address order. */
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last)) {
		if (m->start > next)
			return false;
		if (m->last >= last)
			return true;
		next = m->last + 1;
	}
	return false;
}

/*
 * Calls @fn for each stretch of [start, last] that no mapping covers, in
 * address order, and stops at the first non-zero return.
 */
int istress_maps_for_each_gap(struct istress_domain *d, u64 start, u64 last,
			      int (*fn)(struct istress_domain *d, u64 iova,
					u64 len))
{
	struct istress_mapping *m;
	u64 next = start;
	int ret;

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last)) {
		if (m->start > next) {
			ret = fn(d, next, m->start - next);
			if (ret)
				return ret;
		}
		if (m->last >= last)
			return 0;
		next = m->last + 1;
	}
	return fn(d, next, last - next + 1);
}

/* Adds a live mapping; it takes over @m's buffer reference. */
void istress_maps_insert(struct istress_domain *d, struct istress_mapping *m)
{
	lockdep_assert_held(&d->lock);
	atomic_inc(&m->buf->nmapped);
	maps_it_insert(m, &d->maps);
}

void istress_maps_remove(struct istress_domain *d, struct istress_mapping *m)
{
	lockdep_assert_held(&d->lock);
	maps_it_remove(m, &d->maps);
	atomic_dec(&m->buf->nmapped);
}

void istress_mapping_free(struct istress_mapping *m)
{
	istress_buf_put(m->buf);
	kfree(m);
}

/* Frees a list of records (on their dnode) and empties it. */
void istress_maps_free_list(struct list_head *list)
{
	struct istress_mapping *m, *tmp;

	list_for_each_entry_safe(m, tmp, list, dnode)
		istress_mapping_free(m);
	INIT_LIST_HEAD(list);
}

/*
 * Claims every mapping in [start, last] for @owner, for a MAP_OVERLAP: an
 * empty range is fine, -EBUSY when another thread is mapping or unmapping
 * part of it, or a DMA is using it.
 */
int istress_maps_claim_overlap(struct istress_domain *d, u64 start, u64 last,
			       const void *owner)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		if (m->owner || m->dma_pins)
			return -EBUSY;
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		m->owner = owner;
	return 0;
}

/*
 * Pins (@delta 1) or unpins (-1) the mappings under [start, last] for a
 * DMA in a shared domain: claims refuse them meanwhile, so the device
 * never meets an IOVA the session is unmapping.
 */
void istress_maps_pin(struct istress_domain *d, u64 start, u64 last,
		      int delta)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		m->dma_pins += delta;
}

/*
 * Whether a record is present in the driver's tables: a MAP still on its
 * way to the driver (its record names itself) may not be.
 */
static bool present(const struct istress_mapping *m)
{
	return m->owner != m;
}

static bool present_in(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_mapping *m;

	/* The window's page is mapped, and no record of it exists. */
	if (istress_ranges_meet(start, last, d->desc.window_iova,
				d->desc.window_iova + d->desc.window_len - 1))
		return true;
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		if (present(m))
			return true;
	return false;
}

/* Whether a MAP, an UNMAP or a DMA is using any record in [start, last]. */
bool istress_maps_busy(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		if (m->owner || m->dma_pins)
			return true;
	return false;
}

/* Whether a DMA pins any record in [start, last]. */
bool istress_maps_pinned(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		if (m->dma_pins)
			return true;
	return false;
}

/* What one entry of the domain's top table level covers. */
static u64 top_level(struct istress_domain *d)
{
	return istress_top_level(d->desc.aperture_end);
}

/*
 * The middle page size of istress_maps_reach(): the smallest table level
 * above the page that the domain has a page size for, 2M on Intel and
 * AMD. Not the second smallest size advertised: Intel's driver in 5.10
 * and AMD's before the generic page table advertise every power of two
 * from 4K, which made it 8K.
 */
static u64 mid_size(struct istress_domain *d)
{
	return istress_mid_size(d->desc.pgsize_bitmap, d->desc.aperture_end);
}

/*
 * The largest table-level entry a walk may stop at, empty, for an IOVA
 * in the gap [g0, g1]: the largest level whose aligned block meets the
 * gap and holds nothing present. A block inside the gap holds nothing.
 */
static u64 gap_reach(struct istress_domain *d, u64 g0, u64 g1)
{
	u64 size, b0, b1;

	for (size = top_level(d); size > PAGE_SIZE; size >>= 9) {
		b0 = round_down(g0, size);
		b1 = round_down(g1, size);
		if (b1 - b0 >= 2 * size ||
		    !present_in(d, b0, b0 + size - 1) ||
		    !present_in(d, b1, b1 + size - 1))
			return size;
	}
	return PAGE_SIZE;
}

/*
 * The sizes a leaf of the session's mappings can have: the domain's page
 * sizes up to what one entry of the top table level maps (Intel's driver
 * in 5.10 and AMD's before the generic page table advertise every power
 * of two from 4K, up to 2^63), and below 1G unless allow_1g_leaves=1
 * (map.c never hands the driver a whole 1G block otherwise), and none
 * above the longest map call the domain saw. Sizes between two levels
 * stay: AMD's v1 table makes such leaves of replicated entries and
 * unmaps them whole. On Intel, whose leaves are 4K << 9k only, they can
 * only make a reach larger than the driver's.
 */
static u64 leaf_sizes(struct istress_domain *d)
{
	u64 top = top_level(d);
	u64 sizes = d->desc.pgsize_bitmap & (top | (top - 1));

	if (!istress_allow_1g_leaves)
		sizes &= SZ_1G - 1;
	/*
	 * None longer than a map call: a driver's leaf (or virtio-iommu's
	 * mapping, which an unmap takes whole) comes of one.
	 */
	if (d->max_map_len) {
		u64 cap = roundup_pow_of_two(d->max_map_len);

		sizes &= cap | (cap - 1);
	}
	return sizes;
}

/*
 * Whether a leaf of @size could map [block, block + size) of record @m:
 * a driver makes one only inside one map call, over memory that is
 * physically contiguous and aligned to it. Runs of more than 512 chunks
 * are not walked: such a leaf is taken as possible.
 */
static bool leaf_fits(struct istress_mapping *m, u64 block, u64 size)
{
	u64 chunk = PAGE_SIZE << m->buf->chunk_order, off, n;
	phys_addr_t pa;

	if (block < m->start || block + size - 1 > m->last)
		return false;
	off = m->offset + (block - m->start);
	pa = istress_buf_phys(m->buf, off);
	if (pa & (size - 1))
		return false;
	if (size <= chunk - (off & (chunk - 1)) || size / chunk > 512)
		return true;
	for (n = chunk - (off & (chunk - 1)); n < size; n += chunk)
		if (istress_buf_phys(m->buf, off + n) != pa + n)
			return false;
	return true;
}

/*
 * The largest leaf the driver can have in [a, b], inside record @m: the
 * largest page size with a block that could be a leaf of @m meeting
 * [a, b] (any block once d->leaves_unknown).
 */
static u64 leaf_reach(struct istress_domain *d, struct istress_mapping *m,
		      u64 a, u64 b)
{
	u64 sizes = leaf_sizes(d), size, block;

	if (d->leaves_unknown)
		return sizes ? 1ULL << __fls(sizes) : PAGE_SIZE;
	for (; sizes; sizes &= ~size) {
		size = 1ULL << __fls(sizes);
		if (size <= PAGE_SIZE)
			break;
		for (block = max(round_up(m->start, size), round_down(a, size));
		     block <= b && block + size - 1 <= m->last; block += size)
			if (leaf_fits(m, block, size))
				return size;
	}
	return PAGE_SIZE;
}

/*
 * Widens an unmap's [*start, *last] to all the driver may clear for it.
 *
 * Intel's driver before the generic page table unmaps in the steps the
 * core splits the call into: each clears at least the entry its walk
 * stops at, a leaf or an empty entry of any level, from where it starts,
 * and the one that reaches past the request is the last. So nothing past
 * the last page plus the largest such entry in the range is cleared.
 * Where the range is all leaves of present records and starts on a leaf
 * boundary, a step ends on a boundary of a page size or at the end of the
 * leaf it met, so only a leaf the range ends inside is cleared past it:
 * to its end, or, for a leaf larger than the middle page size, its size
 * past the last page (a middle-size step can stop inside it). AMD and
 * the generic page table clear whole leaves, so the start moves down to
 * the leaf it lies in.
 */
void istress_maps_reach(struct istress_domain *d, u64 *start, u64 *last)
{
	u64 s = *start, l = *last, next = s, top = PAGE_SIZE, end;
	struct istress_mapping *m, *first = NULL, *tail = NULL;
	bool gappy = false;

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, s, l); m;
	     m = maps_it_iter_next(m, s, l)) {
		if (m->start > next) {
			gappy = true;
			top = max(top, gap_reach(d, next, m->start - 1));
		}
		if (present(m)) {
			top = max(top, leaf_reach(d, m, max(m->start, s),
						  min(m->last, l)));
		} else {
			gappy = true;
			top = max(top, gap_reach(d, max(m->start, s),
						 min(m->last, l)));
		}
		if (!first && m->start <= s && present(m))
			first = m;
		if (m->last >= l) {
			tail = m;
			break;
		}
		next = m->last + 1;
	}
	if (!tail) {
		gappy = true;
		top = max(top, gap_reach(d, next, l));
	}
	if (first) {
		u64 leaf = leaf_reach(d, first, s, s);

		*start = round_down(s, leaf);
		if (!gappy && !d->leaves_unknown && *start == s &&
		    present(tail)) {
			leaf = leaf_reach(d, tail, l, l);
			/*
			 * With three page sizes the core can end a step of
			 * the middle size inside a leaf of the largest that
			 * the range ends inside, and the next step then
			 * clears that leaf's size from there.
			 */
			if (leaf > mid_size(d) && (l & (leaf - 1)) != leaf - 1) {
				if (check_add_overflow(round_down(l, PAGE_SIZE),
						       leaf - 1, &end))
					end = U64_MAX;
			} else {
				end = round_down(l, leaf) + leaf - 1;
			}
			*last = max(l, end);
			return;
		}
	}
	if (check_add_overflow(round_down(l, PAGE_SIZE), top - 1, &end))
		end = U64_MAX;
	*last = max(l, end);
}

/* The same for an UNMAP, where nothing mapped there is -ENOENT. */
int istress_maps_claim(struct istress_domain *d, u64 start, u64 last,
		       const void *owner)
{
	lockdep_assert_held(&d->lock);
	if (!maps_it_iter_first(&d->maps, start, last))
		return -ENOENT;
	return istress_maps_claim_overlap(d, start, last, owner);
}

/* Releases what the new record @m claimed for its MAP_OVERLAP. */
void istress_maps_unclaim(struct istress_domain *d, struct istress_mapping *m)
{
	struct istress_mapping *o;

	lockdep_assert_held(&d->lock);
	for (o = maps_it_iter_first(&d->maps, m->start, m->last); o;
	     o = maps_it_iter_next(o, m->start, m->last))
		if (o != m && o->owner == m)
			o->owner = NULL;
}

static struct istress_mapping *take_spare(struct istress_mapping **spare,
					  unsigned int nspare)
{
	unsigned int i;

	for (i = 0; i < nspare; i++) {
		struct istress_mapping *m = spare[i];

		if (m) {
			spare[i] = NULL;
			return m;
		}
	}
	return NULL;
}

/* A new record for part of @m's range, with its own buffer reference. */
static struct istress_mapping *piece_of(struct istress_mapping *m, u64 start,
					u64 last, struct istress_mapping *piece)
{
	piece->start = start;
	piece->last = last;
	piece->buf = m->buf;
	piece->offset = m->offset + (start - m->start);
	piece->owner = NULL;
	piece->dropped = m->dropped;
	piece->gone = m->gone;
	istress_buf_get(m->buf);
	return piece;
}

/*
 * Cuts [a, b], which lies inside @m, out of the live record and returns the
 * cut piece. At most two spare records are used per call chain: only the
 * first and the last mapping of a range can be cut partially.
 */
static struct istress_mapping *cut_mapping(struct istress_domain *d,
					   struct istress_mapping *m, u64 a,
					   u64 b,
					   struct istress_mapping **spare,
					   unsigned int nspare)
{
	struct istress_mapping *cut, *right = NULL;
	u64 old_last = m->last;

	if (a == m->start && b == m->last) {
		istress_maps_remove(d, m);
		return m;
	}
	cut = take_spare(spare, nspare);
	if (a > m->start && b < m->last)
		right = take_spare(spare, nspare);
	/* The caller provisioned enough spares; never lose a record. */
	if (WARN_ON_ONCE(!cut || (a > m->start && b < m->last && !right)))
		return NULL;

	piece_of(m, a, b, cut);
	maps_it_remove(m, &d->maps);
	if (a > m->start) {
		m->last = a - 1;
		maps_it_insert(m, &d->maps);
		if (right) {
			piece_of(m, b + 1, old_last, right);
			istress_maps_insert(d, right);
		}
	} else {
		m->offset += b + 1 - m->start;
		m->start = b + 1;
		maps_it_insert(m, &d->maps);
	}
	return cut;
}

/*
 * Ends @owner's UNMAP of [start, last] after the driver reported
 * unmapping @cut_len bytes from @start (drivers may unmap more or less).
 * The records @owner claimed are released; the unmapped parts of any
 * idle record move to @cut, still pinning their buffers until the caller
 * has flushed. A record another MAP or UNMAP claimed stays theirs.
 */
void istress_maps_release(struct istress_domain *d, const void *owner,
			  u64 start, u64 last, u64 cut_len, struct list_head *cut,
			  struct istress_mapping **spare, unsigned int nspare)
{
	u64 cut_last = start + cut_len - 1;
	struct istress_mapping *m, *next;
	u64 end = max(last, cut_last);

	lockdep_assert_held(&d->lock);
	for (m = maps_it_iter_first(&d->maps, start, last); m;
	     m = maps_it_iter_next(m, start, last))
		if (m->owner == owner)
			m->owner = NULL;
	if (!cut_len)
		return;

	for (m = maps_it_iter_first(&d->maps, start, end); m; m = next) {
		struct istress_mapping *piece;

		next = maps_it_iter_next(m, start, end);
		/* Another thread owns it; leave it pinned, which is safe. */
		if (m->owner || m->dma_pins || m->start > cut_last)
			continue;
		piece = cut_mapping(d, m, max(m->start, start),
				    min(m->last, cut_last), spare, nspare);
		if (piece)
			list_add_tail(&piece->dnode, cut);
	}
}

/*
 * After a MAP_OVERLAP the driver accepted: the parts of other records that
 * @m covers are no longer theirs. They move to @cut, pinning their pages.
 */
void istress_maps_replace(struct istress_domain *d, struct istress_mapping *m,
			  struct list_head *cut, struct istress_mapping **spare,
			  unsigned int nspare)
{
	struct istress_mapping *o, *next, *piece;

	lockdep_assert_held(&d->lock);
	for (o = maps_it_iter_first(&d->maps, m->start, m->last); o; o = next) {
		next = maps_it_iter_next(o, m->start, m->last);
		if (o == m)
			continue;
		o->owner = NULL;
		piece = cut_mapping(d, o, max(o->start, m->start),
				    min(o->last, m->last), spare, nspare);
		if (piece)
			list_add_tail(&piece->dnode, cut);
	}
}

/* Empties the record for domain teardown; the caller frees @out. */
void istress_maps_drain(struct istress_domain *d, struct list_head *out)
{
	struct istress_mapping *m;

	lockdep_assert_held(&d->lock);
	while ((m = maps_it_iter_first(&d->maps, 0, U64_MAX))) {
		istress_maps_remove(d, m);
		list_add_tail(&m->dnode, out);
	}
}
