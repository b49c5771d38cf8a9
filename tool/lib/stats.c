// SPDX-License-Identifier: GPL-2.0
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "stats.h"

const double lat_percentiles[] = {
	1.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0,
	95.0, 99.0, 99.5, 99.9, 99.95, 99.99,
};
const unsigned int lat_npercentiles =
	sizeof(lat_percentiles) / sizeof(lat_percentiles[0]);

unsigned int hist_index(uint64_t v)
{
	unsigned int msb, group;

	if (v < HIST_SUB)
		return (unsigned int)v;
	msb = 63u - (unsigned int)__builtin_clzll(v);
	if (msb >= HIST_MAX_BITS)
		return HIST_NR - 1;
	group = msb - HIST_BITS + 1;
	return group * HIST_SUB +
	       (unsigned int)((v >> (msb - HIST_BITS)) & (HIST_SUB - 1));
}

uint64_t hist_lower(unsigned int idx)
{
	unsigned int group = idx / HIST_SUB, off = idx % HIST_SUB;

	if (!group)
		return off;
	return (uint64_t)(HIST_SUB + off) << (group - 1);
}

uint64_t hist_upper(unsigned int idx)
{
	unsigned int group = idx / HIST_SUB;

	if (idx == HIST_NR - 1)
		return UINT64_MAX;
	return hist_lower(idx) + (group ? 1ull << (group - 1) : 1);
}

void lat_add(struct lat_stats *s, uint64_t ns)
{
	if (!s->n || ns < s->min)
		s->min = ns;
	if (ns > s->max)
		s->max = ns;
	s->n++;
	s->sum += (double)ns;
	s->sumsq += (double)ns * (double)ns;
	s->hist[hist_index(ns)]++;
}

void lat_merge(struct lat_stats *dst, const struct lat_stats *src)
{
	if (!src->n)
		return;
	if (!dst->n || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	for (unsigned int i = 0; i < HIST_NR; i++)
		dst->hist[i] += src->hist[i];
}

double lat_mean(const struct lat_stats *s)
{
	return s->n ? s->sum / (double)s->n : 0.0;
}

/* Population standard deviation, as map_benchmark reports it. */
double lat_stddev(const struct lat_stats *s)
{
	double mean = lat_mean(s), var;

	if (s->n < 2)
		return 0.0;
	var = s->sumsq / (double)s->n - mean * mean;
	return var > 0 ? sqrt(var) : 0.0;
}

/*
 * The bucket holding the sample of rank ceil(pct/100 * n), reported as the
 * middle of the bucket (fio's choice) but never outside [min, max]: a run
 * of identical values reports that value exactly.
 */
uint64_t lat_percentile(const struct lat_stats *s, double pct)
{
	uint64_t rank, seen = 0, mid;

	if (!s->n)
		return 0;
	rank = (uint64_t)ceil(pct / 100.0 * (double)s->n);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	for (unsigned int i = 0; i < HIST_NR; i++) {
		seen += s->hist[i];
		if (seen < rank)
			continue;
		mid = hist_lower(i) + (hist_upper(i) - hist_lower(i) - 1) / 2;
		if (i == HIST_NR - 1)
			mid = s->max;
		if (mid < s->min)
			mid = s->min;
		if (mid > s->max)
			mid = s->max;
		return mid;
	}
	return s->max;
}

/* As fio's JSON has a latency: the run record's and bench's shape. */
void lat_json(struct json *j, const char *key, const struct lat_stats *l)
{
	char name[32];

	json_object_begin(j, key);
	json_u64(j, "min", l->min);
	json_u64(j, "max", l->max);
	json_double(j, "mean", lat_mean(l));
	json_double(j, "stddev", lat_stddev(l));
	json_u64(j, "N", l->n);
	json_object_begin(j, "percentile");
	for (unsigned int i = 0; i < lat_npercentiles; i++) {
		snprintf(name, sizeof(name), "%f", lat_percentiles[i]);
		json_u64(j, name, lat_percentile(l, lat_percentiles[i]));
	}
	json_object_end(j);
	json_object_end(j);
}
