/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one 2M region's dirty bits (a 4K page each) may read after DMA
 * wrote some of its pages, and the verdict on a read of them. Every page
 * written must read dirty: one that does not is a write the IOMMU did not
 * record, which a live migration copying by these bits would lose. A
 * write through a 2M leaf dirties the whole leaf (the IOMMU records writes
 * per leaf entry), so the leaf's other pages may read dirty too. Any other
 * bit is noise: a page copied for nothing, counted but no failure.
 */
#ifndef IOMMU_STRESS_DIRTY_SET_H
#define IOMMU_STRESS_DIRTY_SET_H

#include <stdint.h>

#define DIRTY_SET_PAGES	512u		/* 4K pages of a 2M region */
#define DIRTY_SET_WORDS	(DIRTY_SET_PAGES / 64)

struct dirty_set {
	uint64_t written[DIRTY_SET_WORDS];	/* pages DMA wrote */
	uint64_t may[DIRTY_SET_WORDS];	/* written, widened to their leaves */
};

struct dirty_verdict {
	unsigned int written;	/* pages written */
	unsigned int read;	/* bits the read reported */
	unsigned int missing;	/* written, not reported: corruption */
	unsigned int widened;	/* reported, not written, in a written leaf */
	unsigned int extra;	/* reported outside every written leaf: noise */
	int first_missing;	/* the lowest missing page, or -1 */
};

void dirty_set_clear(struct dirty_set *s);
/*
 * DMA wrote page @page through a leaf of @leaf_pages pages (1 for a 4K
 * leaf, DIRTY_SET_PAGES for a 2M one), aligned as leaves are.
 */
void dirty_set_write(struct dirty_set *s, unsigned int page,
		     unsigned int leaf_pages);
/* A read's DIRTY_SET_WORDS words @got judged against what was written. */
struct dirty_verdict dirty_judge(const struct dirty_set *s, const uint64_t *got);
/* Bit @i of a bitmap in DIRTY_READ's layout. */
static inline int dirty_bit(const uint64_t *bits, unsigned int i)
{
	return (int)(bits[i / 64] >> (i % 64) & 1);
}
/* Bits set in [@from, @to) of @bits. */
unsigned int dirty_count(const uint64_t *bits, unsigned int from,
			 unsigned int to);

#endif
