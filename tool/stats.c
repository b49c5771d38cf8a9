// SPDX-License-Identifier: GPL-2.0
#include <math.h>

#include "stats.h"

void lat_add(struct lat_stats *s, uint64_t ns)
{
	if (!s->n || ns < s->min)
		s->min = ns;
	if (ns > s->max)
		s->max = ns;
	s->n++;
	s->sum += (double)ns;
	s->sumsq += (double)ns * (double)ns;
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
