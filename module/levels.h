/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table levels of an IOMMU page table, from the two facts the core gives
 * about a domain: its page-size bitmap and the end of its aperture. Pure
 * functions of those, so that the unit tests can run them on the host
 * (tests/unit/test-levels.c) with every bitmap and aperture a driver can
 * report, including the ones no emulated IOMMU here has.
 *
 * Levels are 4K << 9k, k = 0..5: 2^57 is the largest entry of a 5-level
 * table, and the next step would not fit in 64 bits.
 */
#ifndef ISTRESS_LEVELS_H
#define ISTRESS_LEVELS_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/log2.h>
#include <linux/types.h>
#endif

#define ISTRESS_LEVEL_SHIFT	12
#define ISTRESS_LEVEL_BITS	9
#define ISTRESS_TOP_SHIFT	(ISTRESS_LEVEL_SHIFT + 5 * ISTRESS_LEVEL_BITS)

/*
 * What one entry of the top level covers: the fewest levels that span
 * the aperture (512G with 48 bits, 1G with 39, 2^57 past 57 bits).
 */
static inline u64 istress_top_level(u64 aperture_end)
{
	unsigned int bits = fls64(aperture_end);
	unsigned int shift = ISTRESS_LEVEL_SHIFT;

	while (shift + ISTRESS_LEVEL_BITS < bits && shift < ISTRESS_TOP_SHIFT)
		shift += ISTRESS_LEVEL_BITS;
	return BIT_ULL(shift);
}

/*
 * The smallest level above the page that the domain has a page size for
 * (2M on Intel and AMD), or the page when it has none (a 4K-only
 * virtio-iommu). Walked by shift, not by size: a size shifted past 2^57
 * wraps to 0 and would never end the loop.
 */
static inline u64 istress_mid_size(u64 pgsize_bitmap, u64 aperture_end)
{
	unsigned int top = ilog2(istress_top_level(aperture_end));
	unsigned int shift;

	for (shift = ISTRESS_LEVEL_SHIFT + ISTRESS_LEVEL_BITS; shift <= top;
	     shift += ISTRESS_LEVEL_BITS)
		if (pgsize_bitmap & BIT_ULL(shift))
			return BIT_ULL(shift);
	return BIT_ULL(ISTRESS_LEVEL_SHIFT);
}

#endif /* ISTRESS_LEVELS_H */
