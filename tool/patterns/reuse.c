// SPDX-License-Identifier: GPL-2.0
/*
 * reuse: unmap an IOVA and map it again at once to different pages, over
 * and over, in 4K and 2M slots. The device read each slot just before, so
 * the IOMMU holds its old translation: an unmap whose invalidation is
 * missing, late (deferred, batched) or aimed at the wrong range lets the
 * device read the old page through the new mapping.
 *
 * Each iteration: read every slot; unmap and remap every slot (nothing in
 * between); read every slot again; then one slot, in turn, is unmapped and
 * read while unmapped (it must fault) before it is mapped again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "pattern.h"

#define RU_ROT		3	/* backings in rotation */
#define RU_MAX_SLOTS	64

enum { RU_4K, RU_2M, RU_UNMAPPED };

static const char *const reuse_cases[] = {
	[RU_4K] = "4K slot remapped: new pages only",
	[RU_2M] = "2M slot remapped: new pages only",
	[RU_UNMAPPED] = "unmapped slot faults",
	NULL,
};

static const struct pattern_opt reuse_opts[] = {
	{ .name = "slots", .arg = "N",
	  .help = "slots per thread, half 4K and half 2M (default 4)",
	  .def = 4, .min = 1, .max = RU_MAX_SLOTS },
	{ NULL },
};

struct slot {
	uint64_t iova, len;
	unsigned int idx;		/* in its size class */
	uint64_t gen;			/* which backing is mapped */
};

struct reuse {
	struct dev_buf buf;
	unsigned int n4k, n2m, nslots;
	struct slot slot[RU_MAX_SLOTS];
};

/*
 * Backing: RU_ROT areas, each holding one 2M page per 2M slot and then a
 * 4K page per 4K slot; a slot's generation picks the area.
 */
static uint64_t backing(const struct reuse *ru, const struct slot *sl, uint64_t gen)
{
	uint64_t area = (uint64_t)(ru->n2m + 1) * SZ_2M;

	return (gen % RU_ROT) * area +
	       (sl->len == SZ_2M ? sl->idx * SZ_2M : ru->n2m * SZ_2M + sl->idx * SZ_4K);
}

static int reuse_setup(struct worker *w)
{
	unsigned int want = (unsigned int)pattern_opt(w, "slots");
	struct reuse *ru;
	int ret;

	ru = calloc(1, sizeof(*ru));
	if (!ru)
		return -ENOMEM;
	w->priv = ru;
	ru->n2m = wk_pgsizes(w) & SZ_2M ? want / 2 : 0;
	ru->n4k = want - ru->n2m;
	if (!ru->n2m)
		wk_case_skip(w, RU_2M, "no 2M slots (the IOMMU has no 2M pages, or --slots 1)");
	ret = wk_buf_alloc(w, RU_ROT * (ru->n2m + 1) * SZ_2M,
			   IOMMU_STRESS_CHUNK_2M, &ru->buf);
	/* 4K slots share the first 2M (one leaf table), 2M slots follow. */
	if (!ret)
		ret = wk_region(w, (ru->n2m + 1) * SZ_2M, SZ_2M);
	for (unsigned int i = 0; i < want && !ret; i++) {
		struct slot *sl = &ru->slot[ru->nslots++];

		sl->len = i < ru->n4k ? SZ_4K : SZ_2M;
		sl->idx = i < ru->n4k ? i : i - ru->n4k;
		sl->iova = w->base + (sl->len == SZ_4K ? sl->idx * 2 * SZ_4K :
				      (sl->idx + 1) * SZ_2M);
		ret = wk_map(w, &ru->buf, sl->iova, backing(ru, sl, 0), sl->len);
	}
	return ret;
}

static int check_slot(struct worker *w, const struct slot *sl, const char *phase)
{
	struct reuse *ru = w->priv;
	uint64_t mid = sl->len / 2;
	int ret;

	wk_case(w, sl->len == SZ_2M ? RU_2M : RU_4K);
	ret = wk_check(w, sl->iova, &ru->buf, backing(ru, sl, sl->gen), phase);
	if (ret >= 0 && mid >= SZ_4K)
		ret = wk_check(w, sl->iova + mid, &ru->buf,
			       backing(ru, sl, sl->gen) + mid, phase);
	return ret < 0 ? ret : 0;
}

static int remap(struct worker *w, struct slot *sl)
{
	struct reuse *ru = w->priv;
	int ret = wk_unmap(w, sl->iova, sl->len, NULL);

	if (ret)
		return ret;
	sl->gen++;
	return wk_map(w, &ru->buf, sl->iova, backing(ru, sl, sl->gen), sl->len);
}

static int reuse_phase(struct worker *w, unsigned int phase)
{
	struct reuse *ru = w->priv;
	struct slot *sl;
	int ret = 0;

	switch (phase) {
	case 0:
	case 2:
		for (unsigned int i = 0; i < ru->nslots && !ret; i++)
			ret = check_slot(w, &ru->slot[i], phase ? "after remap" : "before");
		return ret;
	case 1:
		for (unsigned int i = 0; i < ru->nslots && !ret; i++)
			ret = remap(w, &ru->slot[i]);
		return ret;
	default:
		sl = &ru->slot[w->iteration % ru->nslots];
		ret = wk_unmap(w, sl->iova, sl->len, NULL);
		wk_case(w, RU_UNMAPPED);
		if (!ret)
			ret = wk_check(w, sl->iova, NULL, 0, "unmapped");
		if (ret < 0)
			return ret;
		sl->gen++;
		return wk_map(w, &ru->buf, sl->iova, backing(ru, sl, sl->gen), sl->len);
	}
}

static void reuse_teardown(struct worker *w)
{
	free(w->priv);
	w->priv = NULL;
}

static const struct pattern pattern_reuse = {
	.name = "reuse",
	.summary = "unmap an IOVA and at once map it again to different pages, over and over",
	.bug_class = "missing, deferred or misdirected IOTLB invalidation on unmap (use of a stale translation)",
	.default_size = 6ull << 20,
	.default_iterations = 20,
	.opts = reuse_opts,
	.cases = reuse_cases,
	.nphases = 4,
	.setup = reuse_setup,
	.phase = reuse_phase,
	.teardown = reuse_teardown,
};
PATTERN_REGISTER(pattern_reuse);
