// SPDX-License-Identifier: GPL-2.0
#include "rng.h"

#define GOLDEN_GAMMA	0x9e3779b97f4a7c15ull

/* splitmix64's output function: a bijection that scatters nearby inputs. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_init(struct rng *r, uint64_t seed, enum rng_purpose purpose,
	      unsigned int thread)
{
	/*
	 * Every stream walks the same cycle of states, one GOLDEN_GAMMA a
	 * draw; where it starts decides which stretch it gets. A start of
	 * seed * GOLDEN_GAMMA made seed N+1 seed N one draw later. Mixed,
	 * the starts of (seed, stream) pairs scatter over the cycle, and
	 * two stretches of a run's length meet only by a 2^-64-scale chance.
	 */
	r->state = mix64(mix64(seed) ^ ((uint64_t)purpose << 32 | thread));
}

uint64_t rng_next(struct rng *r)
{
	return mix64(r->state += GOLDEN_GAMMA);
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return n ? rng_next(r) % n : 0;
}
