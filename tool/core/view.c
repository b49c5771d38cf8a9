// SPDX-License-Identifier: GPL-2.0
/*
 * What a pattern may know of its run, and the two results it may set:
 * patterns go through these (declared in patterns/pattern.h), never
 * through struct session, so the session can change without them.
 */
#include <stdio.h>

#include "patterns/pattern.h"

const struct run_opts *wk_opts(const struct worker *w)
{
	return w->s->opts;
}

uint64_t wk_pgsizes(const struct worker *w)
{
	return w->s->dom.pgsize_bitmap;
}

int wk_1g_leaves(const struct worker *w)
{
	return !!(w->s->info.features & IOMMU_STRESS_FEAT_1G_LEAVES);
}

uint64_t wk_range_start(const struct worker *w)
{
	return w->s->dom.range_start;
}

uint64_t wk_range_last(const struct worker *w)
{
	return w->s->dom.range_last;
}

uint64_t wk_floor(const struct worker *w)
{
	return session_floor(w->s);
}

int wk_range_free(const struct worker *w, uint64_t iova, uint64_t len)
{
	return session_range_free(w->s, iova, len);
}

const char *wk_kernel_release(const struct worker *w)
{
	return w->s->info.kernel_release;
}

const char *wk_iommu_driver(const struct worker *w)
{
	return w->s->dom.iommu_driver;
}

void wk_set_iterations(struct worker *w, uint64_t n)
{
	w->s->res->iterations = n;
}

void wk_set_replay(struct worker *w, const char *path)
{
	snprintf(w->s->res->replay_path, sizeof(w->s->res->replay_path), "%s",
		 path);
}
