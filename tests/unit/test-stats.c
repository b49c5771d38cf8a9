// SPDX-License-Identifier: GPL-2.0
#include <math.h>

#include "stats.h"
#include "unit.h"

static void known_series(void)
{
	struct lat_stats s = { 0 };
	const uint64_t v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };	/* mean 5, sd 2 */

	for (unsigned int i = 0; i < 8; i++)
		lat_add(&s, v[i]);
	CHECK(s.n == 8 && s.min == 2 && s.max == 9);
	CHECK(fabs(lat_mean(&s) - 5.0) < 1e-9);
	CHECK(fabs(lat_stddev(&s) - 2.0) < 1e-9);
}

static void empty_and_single(void)
{
	struct lat_stats s = { 0 };

	CHECK(lat_mean(&s) == 0.0 && lat_stddev(&s) == 0.0);
	lat_add(&s, 1234);
	CHECK(s.min == 1234 && s.max == 1234 && lat_stddev(&s) == 0.0);
}

static void large_values_keep_precision(void)
{
	struct lat_stats s = { 0 };

	/* 200 ms DMAs (edu under icount) with 1 us jitter. */
	lat_add(&s, 200000000);
	lat_add(&s, 200002000);
	CHECK(fabs(lat_mean(&s) - 200001000.0) < 1e-3);
	CHECK(fabs(lat_stddev(&s) - 1000.0) < 1.0);
}

const struct unit_case stats_cases[] = {
	{ "stats: mean and stddev of a known series", known_series },
	{ "stats: empty and single sample", empty_and_single },
	{ "stats: large values keep precision", large_values_keep_precision },
	{ NULL, NULL },
};
