/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Latency statistics with fixed memory however long the run: count, min,
 * max, mean, stddev, and a log-linear histogram for percentiles, as fio
 * keeps them. Values below 2^HIST_BITS ns land in buckets of their own;
 * above, every power of two is cut into 2^HIST_BITS equal buckets, so a
 * percentile is off by at most 1/2^HIST_BITS of its value (1.6%).
 */
#ifndef IOMMU_STRESS_STATS_H
#define IOMMU_STRESS_STATS_H

#include <stdint.h>

#define HIST_BITS	6
#define HIST_SUB	(1u << HIST_BITS)
/* Values from 2^HIST_MAX_BITS ns (4.9 hours) on share the last bucket. */
#define HIST_MAX_BITS	44
#define HIST_NR		((HIST_MAX_BITS - HIST_BITS + 1) * HIST_SUB)

struct lat_stats {
	uint64_t n;
	uint64_t min;
	uint64_t max;
	double sum;
	double sumsq;
	uint64_t hist[HIST_NR];
};

/* The percentiles fio reports, in the same order. */
extern const double lat_percentiles[];
extern const unsigned int lat_npercentiles;

void lat_add(struct lat_stats *s, uint64_t ns);
void lat_merge(struct lat_stats *dst, const struct lat_stats *src);
double lat_mean(const struct lat_stats *s);
double lat_stddev(const struct lat_stats *s);
/* The value below which @pct percent of the samples fall (0 when empty). */
uint64_t lat_percentile(const struct lat_stats *s, double pct);

struct json;
/* @l as the object @key: min, max, mean, stddev, N, percentile. */
void lat_json(struct json *j, const char *key, const struct lat_stats *l);

unsigned int hist_index(uint64_t v);
/* Bucket @idx holds the values [hist_lower(idx), hist_upper(idx)). */
uint64_t hist_lower(unsigned int idx);
uint64_t hist_upper(unsigned int idx);

#endif
