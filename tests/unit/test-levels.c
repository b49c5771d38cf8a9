// SPDX-License-Identifier: GPL-2.0
/*
 * The module's table-level arithmetic (module/levels.h) on the host, over
 * bitmaps and apertures the emulated IOMMUs here never report: a 4K-only
 * virtio-iommu, a 64-bit aperture.
 */
#include <stdint.h>

#include "unit.h"

/* The kernel helpers levels.h uses, for the host. */
typedef uint64_t u64;
#define BIT_ULL(n)	(1ULL << (n))
static unsigned int fls64(u64 x)
{
	return x ? 64 - (unsigned int)__builtin_clzll(x) : 0;
}
#define ilog2(x)	(fls64(x) - 1)

#include "../../module/levels.h"

/* SZ_4K, SZ_2M and SZ_1G are the tool's (run.h, through unit.h). */
#define END(bits)	((bits) == 64 ? ~0ULL : (1ULL << (bits)) - 1)

TEST(top_level_by_aperture, "levels: the top level spans the aperture, at most 2^57")
{
	EXPECT_EQ(SZ_1G, istress_top_level(END(39)));
	EXPECT_EQ(1ULL << 39, istress_top_level(END(48)));
	EXPECT_EQ(1ULL << 48, istress_top_level(END(57)));
	EXPECT_EQ(1ULL << 57, istress_top_level(END(58)));
	EXPECT_EQ(1ULL << 57, istress_top_level(END(64)));
	EXPECT_EQ(SZ_4K, istress_top_level(END(21)));
	EXPECT_EQ(SZ_4K, istress_top_level(0));
}

TEST(mid_size_intel_amd, "levels: the middle size is 2M where 2M is offered")
{
	/* Intel: 4K, 2M, 1G. */
	EXPECT_EQ(SZ_2M, istress_mid_size(SZ_4K | SZ_2M | SZ_1G, END(48)));
	/* Every power of two from 4K (Intel 5.10, AMD v1): not 8K. */
	EXPECT_EQ(SZ_2M, istress_mid_size(~(SZ_4K - 1), END(64)));
	/* 1G but no 2M: the next level up. */
	EXPECT_EQ(SZ_1G, istress_mid_size(SZ_4K | SZ_1G, END(48)));
}

/*
 * A 4K-only bitmap with an aperture past 57 bits: the loop once shifted a
 * size past 2^57, where it wraps to 0 and never ends. Seen here as a test
 * that does not return; run-unit's time limit catches it.
 */
TEST(mid_size_4k_only, "levels: a 4K-only domain has no middle size, any aperture")
{
	EXPECT_EQ(SZ_4K, istress_mid_size(SZ_4K, END(64)));
	EXPECT_EQ(SZ_4K, istress_mid_size(SZ_4K, END(58)));
	EXPECT_EQ(SZ_4K, istress_mid_size(SZ_4K, END(39)));
	/* Sizes above the top level do not count. */
	EXPECT_EQ(SZ_4K, istress_mid_size(SZ_4K | (1ULL << 40), END(39)));
}
