// SPDX-License-Identifier: GPL-2.0
/*
 * grow: each iteration maps at a higher IOVA than the last, one top-level
 * slot further up (1G apart with a 3-level table; spread over the whole
 * test's IOVA range, the aperture of a private domain, when it is
 * larger), so the driver must allocate new upper-level tables for it,
 * while the mapping made --live iterations ago is unmapped elsewhere.
 * With --threads, all threads map into the same new slot at the same
 * moment (2M apart), racing to create its tables, and unmap in older
 * slots at the same time. When the range is used up the walk starts
 * again from the bottom, over other pages.
 *
 * Every new mapping is DMA-read at once (a missing or wrong upper-level
 * entry faults or reads elsewhere); every old one is read just before its
 * unmap and again just after, when it must fault.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "pattern.h"

#define GR_MAX_LIVE	64

enum { GR_NEW, GR_OLD, GR_UNMAPPED };

static const char *const grow_cases[] = {
	[GR_NEW] = "new mapping in a fresh slot reads back",
	[GR_OLD] = "old mapping still reads back",
	[GR_UNMAPPED] = "unmapped old mapping faults",
	NULL,
};

static const struct pattern_opt grow_opts[] = {
	{ .name = "live", .arg = "N",
	  .help = "live mappings per thread before the oldest goes (default 4)",
	  .def = 4, .min = 1, .max = GR_MAX_LIVE },
	{ NULL },
};

struct gmap {
	uint64_t iova, len, off;
};

struct grow {
	struct dev_buf buf;
	uint64_t stride;		/* between slots */
	uint64_t nslots;
	uint64_t *slot;			/* usable slot bases, bottom up */
	unsigned int keep;
	unsigned int rot;		/* 2M backings in rotation */
	struct gmap live[GR_MAX_LIVE + 1];
	unsigned int head, count;
};

/*
 * Slots: the test's IOVA range cut into at most 512 top-level-aligned
 * pieces from the session's floor up (in a private domain slot 0 stays
 * below it), each kept only if every thread's 2M there is free (not the
 * module's window, not a reserved region).
 */
static int find_slots(struct worker *w, struct grow *g)
{
	uint64_t top = wk_range_last(w), stride = SZ_1G;

	while (stride < SZ_512G * 512 && (top - wk_range_start(w)) / stride >= 512)
		stride <<= 9;
	g->stride = stride;
	g->slot = calloc(512, sizeof(*g->slot));
	if (!g->slot)
		return -ENOMEM;
	for (uint64_t b = align_up(wk_floor(w), stride);
	     b && b <= top && g->nslots < 512; b += stride)
		if (wk_range_free(w, b, (uint64_t)w->nthreads * SZ_2M))
			g->slot[g->nslots++] = b;
	if (g->nslots < 2)
		return wk_unsupported(w, "grow: the IOVA range [%#llx, %#llx] has fewer than 2 free slots %#llx apart",
				      (unsigned long long)wk_range_start(w),
				      (unsigned long long)top,
				      (unsigned long long)stride);
	return 0;
}

static int grow_setup(struct worker *w)
{
	struct grow *g;
	uint64_t guard;
	int ret;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	w->priv = g;
	g->keep = (unsigned int)pattern_opt(w, "live");
	ret = find_slots(w, g);
	if (ret)
		return ret;
	if (g->nslots <= g->keep) {
		fprintf(stderr, "iommu-stress: grow: --live must be below the %llu free slots\n",
			(unsigned long long)g->nslots);
		return -EINVAL;
	}
	/*
	 * One backing per live mapping and one spare; a slot comes round
	 * again after nslots + 1 backings: never to the one it had.
	 */
	g->rot = g->keep + 2;
	if ((g->nslots + 1) % g->rot == 0)
		g->rot++;
	ret = wk_buf_alloc(w, g->rot * SZ_2M, IOMMU_STRESS_CHUNK_2M, &g->buf);
	if (ret)
		return ret;
	/*
	 * A guard per thread in the middle slot, past the threads' 2M pieces:
	 * when the walk gets there, new tables go in beside live mappings.
	 */
	guard = g->slot[g->nslots / 2] + (uint64_t)w->nthreads * SZ_2M +
		w->id * SZ_4K;
	if (wk_range_free(w, guard, SZ_4K))
		ret = wk_guard(w, guard, NULL);
	return ret;
}

/* Iteration @k's mapping: alternately 4K and 2M when the IOMMU has 2M. */
static struct gmap mapping_of(struct worker *w, uint64_t k)
{
	struct grow *g = w->priv;
	int big = (k & 1) && (wk_pgsizes(w) & SZ_2M);
	uint64_t lap = k / g->nslots;

	return (struct gmap){
		.iova = g->slot[k % g->nslots] + w->id * SZ_2M,
		.len = big ? SZ_2M : SZ_4K,
		/* Another backing on every lap round the range. */
		.off = ((k + lap) % g->rot) * SZ_2M,
	};
}

static int check_map(struct worker *w, const struct gmap *m, const char *phase)
{
	struct grow *g = w->priv;
	int ret = wk_check(w, m->iova, &g->buf, m->off, phase);

	if (ret >= 0 && m->len > SZ_4K)
		ret = wk_check(w, m->iova + m->len - SZ_4K, &g->buf,
			       m->off + m->len - SZ_4K, phase);
	return ret < 0 ? ret : 0;
}

static int grow_phase(struct worker *w, unsigned int phase)
{
	struct grow *g = w->priv;
	struct gmap m, *old;
	int ret;

	if (phase == 0) {
		m = mapping_of(w, w->iteration);
		ret = wk_map(w, &g->buf, m.iova, m.off, m.len);
		if (ret)
			return ret;
		g->live[(g->head + g->count++) % (GR_MAX_LIVE + 1)] = m;
		wk_case(w, GR_NEW);
		return check_map(w, &m, "new");
	}
	if (g->count <= g->keep)
		return 0;
	old = &g->live[g->head];
	wk_case(w, GR_OLD);
	ret = check_map(w, old, "old");
	if (!ret)
		ret = wk_unmap(w, old->iova, old->len, NULL);
	wk_case(w, GR_UNMAPPED);
	if (!ret)
		ret = wk_check(w, old->iova, NULL, 0, "unmapped");
	g->head = (g->head + 1) % (GR_MAX_LIVE + 1);
	g->count--;
	return ret < 0 ? ret : 0;
}

static void grow_teardown(struct worker *w)
{
	struct grow *g = w->priv;

	if (g) {
		wk_observe(w, "grow: slots", "%llu slots %#llx apart",
			   (unsigned long long)g->nslots,
			   (unsigned long long)g->stride);
		free(g->slot);
	}
	free(g);
	w->priv = NULL;
}

static const struct pattern pattern_grow = {
	.name = "grow",
	.summary = "mappings at ever higher IOVAs, forcing new upper-level tables, racing with unmaps below",
	.bug_class = "races and missing flushes in page-table level allocation (new directories, concurrent table install)",
	.default_size = 2ull << 20,
	.default_iterations = 32,
	.opts = grow_opts,
	.cases = grow_cases,
	.nphases = 2,
	.setup = grow_setup,
	.phase = grow_phase,
	.teardown = grow_teardown,
};
PATTERN_REGISTER(pattern_grow);
