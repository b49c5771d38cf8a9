// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <string.h>

#include "stats.h"
#include "unit.h"

TEST(known_series, "stats: mean and stddev of a known series")
{
	struct lat_stats s = { 0 };
	const uint64_t v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };	/* mean 5, sd 2 */

	for (unsigned int i = 0; i < 8; i++)
		lat_add(&s, v[i]);
	EXPECT_TRUE(s.n == 8 && s.min == 2 && s.max == 9);
	EXPECT_TRUE(fabs(lat_mean(&s) - 5.0) < 1e-9);
	EXPECT_TRUE(fabs(lat_stddev(&s) - 2.0) < 1e-9);
}

TEST(empty_and_single, "stats: empty and single sample")
{
	struct lat_stats s = { 0 };

	EXPECT_TRUE(lat_mean(&s) == 0.0 && lat_stddev(&s) == 0.0);
	lat_add(&s, 1234);
	EXPECT_TRUE(s.min == 1234 && s.max == 1234 && lat_stddev(&s) == 0.0);
}

TEST(large_values_keep_precision, "stats: large values keep precision")
{
	struct lat_stats s = { 0 };

	/* 200 ms DMAs (edu under icount) with 1 us jitter. */
	lat_add(&s, 200000000);
	lat_add(&s, 200002000);
	EXPECT_TRUE(fabs(lat_mean(&s) - 200001000.0) < 1e-3);
	EXPECT_TRUE(fabs(lat_stddev(&s) - 1000.0) < 1.0);
}

/* Values that sit on and next to every bucket-group edge, and some others. */
static const uint64_t edge_values[] = {
	0, 1, 2, 63, 64, 65, 127, 128, 129, 255, 256, 1000, 4095, 4096, 4097,
	199987615, 1ull << 32, (1ull << 32) + 1, (1ull << 43) - 1,
};

TEST(buckets_hold_their_values, "histogram: buckets hold their values")
{
	for (unsigned int i = 0; i < sizeof(edge_values) / sizeof(edge_values[0]); i++) {
		uint64_t v = edge_values[i];
		unsigned int idx = hist_index(v);

		EXPECT_TRUE(idx < HIST_NR);
		EXPECT_TRUE(hist_lower(idx) <= v && v < hist_upper(idx));
	}
	/* Everything from 2^HIST_MAX_BITS on shares the last bucket. */
	EXPECT_TRUE(hist_index(1ull << HIST_MAX_BITS) == HIST_NR - 1);
	EXPECT_TRUE(hist_index(UINT64_MAX) == HIST_NR - 1);
}

TEST(buckets_tile_the_line, "histogram: buckets tile the number line")
{
	for (unsigned int i = 0; i + 1 < HIST_NR; i++) {
		EXPECT_TRUE(hist_upper(i) == hist_lower(i + 1));
		EXPECT_TRUE(hist_index(hist_lower(i)) == i);
		EXPECT_TRUE(hist_index(hist_upper(i) - 1) == i);
	}
}

/* Log-linear: no bucket is wider than 1/HIST_SUB of the values it holds. */
TEST(bucket_width_is_bounded, "histogram: bucket width within 1/64 of its values")
{
	for (unsigned int i = HIST_SUB; i + 1 < HIST_NR; i++)
		EXPECT_TRUE((hist_upper(i) - hist_lower(i)) * HIST_SUB <= hist_lower(i));
}

static struct lat_stats big_a, big_b, big_all;

TEST(percentiles_of_a_uniform_series, "histogram: percentiles of a uniform series")
{
	memset(&big_a, 0, sizeof(big_a));
	for (uint64_t v = 1; v <= 100000; v++)
		lat_add(&big_a, v);
	/* Exact: 50000, 90000, 99000; a bucket is within 1/64 of its values. */
	EXPECT_TRUE(fabs((double)lat_percentile(&big_a, 50) - 50000) <= 50000.0 / 64);
	EXPECT_TRUE(fabs((double)lat_percentile(&big_a, 90) - 90000) <= 90000.0 / 64);
	EXPECT_TRUE(fabs((double)lat_percentile(&big_a, 99) - 99000) <= 99000.0 / 64);
	EXPECT_TRUE(lat_percentile(&big_a, 100) <= 100000);
	EXPECT_TRUE(lat_percentile(&big_a, 0.001) >= 1);
	for (unsigned int i = 1; i < lat_npercentiles; i++)
		EXPECT_TRUE(lat_percentile(&big_a, lat_percentiles[i]) >=
			    lat_percentile(&big_a, lat_percentiles[i - 1]));
}

TEST(percentile_of_a_constant_is_exact, "histogram: percentile of a constant is exact")
{
	struct lat_stats *s = &big_a;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < 1000; i++)
		lat_add(s, 199987615);
	for (unsigned int i = 0; i < lat_npercentiles; i++)
		EXPECT_TRUE(lat_percentile(s, lat_percentiles[i]) == 199987615);
	memset(s, 0, sizeof(*s));
	EXPECT_TRUE(lat_percentile(s, 50) == 0);
}

TEST(merge_equals_adding_all, "histogram: merge equals adding all")
{
	memset(&big_a, 0, sizeof(big_a));
	memset(&big_b, 0, sizeof(big_b));
	memset(&big_all, 0, sizeof(big_all));
	for (uint64_t v = 1; v < 5000; v += 7) {
		lat_add(v % 2 ? &big_a : &big_b, v * 13);
		lat_add(&big_all, v * 13);
	}
	lat_merge(&big_a, &big_b);
	EXPECT_TRUE(big_a.n == big_all.n && big_a.min == big_all.min && big_a.max == big_all.max);
	EXPECT_TRUE(!memcmp(big_a.hist, big_all.hist, sizeof(big_a.hist)));
	EXPECT_TRUE(fabs(lat_mean(&big_a) - lat_mean(&big_all)) < 1e-6);
	/* Merging an empty set changes nothing, into an empty one copies. */
	memset(&big_b, 0, sizeof(big_b));
	lat_merge(&big_a, &big_b);
	EXPECT_TRUE(big_a.n == big_all.n);
	lat_merge(&big_b, &big_all);
	EXPECT_TRUE(big_b.min == big_all.min && big_b.n == big_all.n);
}

TEST(huge_values_report_the_max, "histogram: values past the last bucket report the max")
{
	memset(&big_a, 0, sizeof(big_a));
	lat_add(&big_a, 1ull << 60);
	EXPECT_TRUE(lat_percentile(&big_a, 50) == 1ull << 60);
}
