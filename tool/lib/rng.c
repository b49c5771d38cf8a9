// SPDX-License-Identifier: GPL-2.0
#include "rng.h"

#define GOLDEN_GAMMA	0x9e3779b97f4a7c15ull

void rng_init(struct rng *r, uint64_t seed, enum rng_purpose purpose,
	      unsigned int thread)
{
	/*
	 * Streams differ in the state they start from; splitmix64's output
	 * function decorrelates neighbouring states, and any state, 0
	 * included, gives a full-period stream.
	 */
	r->state = seed * GOLDEN_GAMMA + ((uint64_t)purpose << 32 | thread);
}

uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += GOLDEN_GAMMA);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}
