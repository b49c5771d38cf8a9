/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tool's one random-number generator: splitmix64, seeded from --seed.
 * Each use draws from a stream of its own (its purpose and thread), so
 * that adding draws in one place never changes what another place sees,
 * and a seed gives the same run on every machine.
 */
#ifndef IOMMU_STRESS_RNG_H
#define IOMMU_STRESS_RNG_H

#include <stdint.h>

struct rng {
	uint64_t state;
};

/* What a stream is for. */
enum rng_purpose {
	RNG_OPS,	/* a pattern's op generator, one stream per thread */
	RNG_WORKER,	/* the engine's picks for a worker (guards, pages) */
	RNG_SAMPLES,	/* pages a pattern samples, shared by its threads */
};

void rng_init(struct rng *r, uint64_t seed, enum rng_purpose purpose,
	      unsigned int thread);
uint64_t rng_next(struct rng *r);
/* Uniform enough in [0, @n) for the tool's small @n; 0 when @n is 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

#endif
