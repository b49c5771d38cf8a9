// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "rng.h"
#include "unit.h"

#define NDRAWS	4096

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * How many of stream @b's first NDRAWS draws appear anywhere among stream
 * @a's: a shifted copy of a stream (seed N+1 as seed N one draw later)
 * shares nearly all of them, however far it is shifted in the window.
 */
static unsigned int shared_draws(struct rng *a, struct rng *b)
{
	static uint64_t va[NDRAWS];
	unsigned int i, n = 0;

	for (i = 0; i < NDRAWS; i++)
		va[i] = rng_next(a);
	qsort(va, NDRAWS, sizeof(va[0]), cmp_u64);
	for (i = 0; i < NDRAWS; i++) {
		uint64_t v = rng_next(b);

		n += !!bsearch(&v, va, NDRAWS, sizeof(va[0]), cmp_u64);
	}
	return n;
}

TEST(neighbour_seeds_apart, "rng: neighbouring seeds are not shifted copies of each other")
{
	for (uint64_t seed = 0; seed < 8; seed++) {
		struct rng a, b;

		rng_init(&a, seed, RNG_OPS, 0);
		rng_init(&b, seed + 1, RNG_OPS, 0);
		EXPECT_EQ(0u, shared_draws(&a, &b));
	}
}

TEST(streams_apart, "rng: a seed's streams (purpose, thread) are apart")
{
	struct rng a, b;

	rng_init(&a, 1, RNG_OPS, 0);
	rng_init(&b, 1, RNG_OPS, 1);
	EXPECT_EQ(0u, shared_draws(&a, &b));
	rng_init(&a, 1, RNG_OPS, 0);
	rng_init(&b, 1, RNG_WORKER, 0);
	EXPECT_EQ(0u, shared_draws(&a, &b));
}

TEST(same_seed_same_stream, "rng: a seed and stream give the same draws")
{
	struct rng a, b;

	rng_init(&a, 42, RNG_SAMPLES, 3);
	rng_init(&b, 42, RNG_SAMPLES, 3);
	for (unsigned int i = 0; i < 64; i++)
		EXPECT_EQ(rng_next(&a), rng_next(&b));
}
