/* SPDX-License-Identifier: GPL-2.0 */
/* Running latency statistics: fixed memory however long the run. */
#ifndef IOMMU_STRESS_STATS_H
#define IOMMU_STRESS_STATS_H

#include <stdint.h>

struct lat_stats {
	uint64_t n;
	uint64_t min;
	uint64_t max;
	double sum;
	double sumsq;
};

void lat_add(struct lat_stats *s, uint64_t ns);
double lat_mean(const struct lat_stats *s);
double lat_stddev(const struct lat_stats *s);

#endif
