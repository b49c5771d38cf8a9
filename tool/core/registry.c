// SPDX-License-Identifier: GPL-2.0
/*
 * The pattern registry: every PATTERN_REGISTER() entry, sorted by name,
 * with their cases and options. The engine runs patterns; this only
 * finds them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patterns/pattern.h"

/* The registry: every PATTERN_REGISTER() entry, in the linker's order. */
extern const struct pattern *const __start_istress_patterns[];
extern const struct pattern *const __stop_istress_patterns[];

static const struct pattern *sorted[64];
static unsigned int nsorted;
static pthread_once_t sort_once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct pattern *const *)a)->name,
		      (*(const struct pattern *const *)b)->name);
}

static void sort_patterns(void)
{
	for (const struct pattern *const *p = __start_istress_patterns;
	     p < __stop_istress_patterns && nsorted < 64; p++)
		sorted[nsorted++] = *p;
	qsort(sorted, nsorted, sizeof(sorted[0]), by_name);
}

unsigned int pattern_count(void)
{
	pthread_once(&sort_once, sort_patterns);
	return nsorted;
}

const struct pattern *pattern_at(unsigned int i)
{
	return i < pattern_count() ? sorted[i] : NULL;
}

const struct pattern *pattern_find(const char *name)
{
	for (unsigned int i = 0; i < pattern_count(); i++)
		if (!strcmp(sorted[i]->name, name))
			return sorted[i];
	return NULL;
}

unsigned int pattern_ncases(const struct pattern *p)
{
	unsigned int n = 0;

	if (!p->cases)
		return 1;
	while (p->cases[n])
		n++;
	return n;
}

const char *pattern_case_name(const struct pattern *p, unsigned int i)
{
	unsigned int n = pattern_ncases(p);

	if (i < n)
		return p->cases ? p->cases[i] : p->name;
	if (i == n)
		return "neighbours";
	if (i == n + 1)
		return "buffers";
	return "?";
}

uint64_t pattern_opt(const struct worker *w, const char *name)
{
	const struct pattern_opt *po = w->s->pattern->opts;

	for (unsigned int i = 0; po && po[i].name && i < PATTERN_MAX_OPTS; i++)
		if (!strcmp(po[i].name, name))
			return w->s->opts->popt[i];
	/* A pattern asking for an option it does not declare: a bug. */
	fprintf(stderr, "iommu-stress: %s has no option --%s\n",
		w->s->pattern->name, name);
	abort();
}
