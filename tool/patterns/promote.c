// SPDX-License-Identifier: GPL-2.0
/*
 * promote: live small-page tables replaced by superpages. Each block (one
 * superpage in size) is mapped with small pages in two pieces, so the
 * driver builds a lower-level table under it; the pages are DMA-read (the
 * IOMMU caches them), unmapped (the table stays, empty), and the block is
 * mapped again as one superpage over different pages and DMA-read at once.
 * A driver that frees the old table without flushing what the IOMMU cached
 * of it lets the device read through the old small translations: the bug
 * of the 2021 VT-d report, in its general form. --to 1G does the same one
 * level up: 2M superpages under a 1G one (needs 1G-contiguous memory, and
 * the module's allow_1g_leaves=1).
 *
 * Every unmap is followed by a DMA from an unmapped page that was read
 * before: it must fault (zeros), never return the old page.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define PR_MAX_SAMPLES	64

enum { PR_SMALL, PR_SUPER, PR_UNMAPPED };

static const char *const promote_cases[] = {
	[PR_SMALL] = "small pages read back",
	[PR_SUPER] = "superpage read right after the map",
	[PR_UNMAPPED] = "unmapped pages fault",
	NULL,
};

struct promote {
	struct dev_buf buf;
	uint64_t big;			/* the superpage size */
	unsigned int nblocks, nrot;
	unsigned int nsample;
	uint64_t sample[PR_MAX_SAMPLES];	/* offsets in a block */
};

static int parse_to(const char *arg, uint64_t *v)
{
	if (!strcmp(arg, "2M") || !strcmp(arg, "2m"))
		*v = SZ_2M;
	else if (!strcmp(arg, "1G") || !strcmp(arg, "1g"))
		*v = SZ_1G;
	else
		return -1;
	return 0;
}

static const struct pattern_opt promote_opts[] = {
	{ .name = "to", .arg = "2M|1G",
	  .help = "superpage size to promote to (default 2M; 1G needs allow_1g_leaves=1 and 1G-contiguous memory)",
	  .def = SZ_2M, .min = SZ_2M, .max = SZ_1G, .parse = parse_to },
	{ NULL },
};

/* Block @b of generation @gen: small and super backing never coincide. */
static uint64_t small_off(const struct promote *pr, unsigned int b, uint64_t gen)
{
	return ((b + 2 * gen) % pr->nrot) * pr->big;
}

static uint64_t super_off(const struct promote *pr, unsigned int b, uint64_t gen)
{
	return ((b + 2 * gen + 1) % pr->nrot) * pr->big;
}

static uint64_t block_iova(const struct worker *w, const struct promote *pr,
			   unsigned int b)
{
	return w->base + b * pr->big;
}

static int promote_setup(struct worker *w)
{
	const struct run_opts *o = wk_opts(w);
	uint64_t big = pattern_opt(w, "to"), chunk;
	struct promote *pr;
	int ret;

	if (!(wk_pgsizes(w) & big))
		return wk_unsupported(w, "the IOMMU has no %s pages (pgsize_bitmap %#llx)",
				      big == SZ_1G ? "1G" : "2M",
				      (unsigned long long)wk_pgsizes(w));
	if (big == SZ_1G && !wk_1g_leaves(w))
		return wk_unsupported(w, "--to 1G: %s", WK_NO_1G_LEAVES);
	pr = calloc(1, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	w->priv = pr;
	pr->big = big;
	pr->nblocks = (unsigned int)(o->size / big);
	if (!pr->nblocks)
		pr->nblocks = 1;
	/* Two backings per block and generation, and one spare: >= 3 apart. */
	pr->nrot = pr->nblocks + 2;
	chunk = big == SZ_1G ? IOMMU_STRESS_CHUNK_1G : IOMMU_STRESS_CHUNK_2M;
	if (big == SZ_1G) {
		ret = wk_buf_alloc_try(w, pr->nrot * big, chunk, &pr->buf);
		if (ret == -EOPNOTSUPP || ret == -ENOMEM)
			return wk_unsupported(w, "no 1G-contiguous memory for a 1G superpage (BUF_ALLOC of 1G chunks: %s)",
					      strerror(-ret));
	} else {
		ret = wk_buf_alloc(w, pr->nrot * big, chunk, &pr->buf);
	}
	if (ret)
		return ret;
	ret = wk_region(w, pr->nblocks * big, big);
	if (ret)
		return ret;
	pr->nsample = wk_sample(w, big, o->samples < PR_MAX_SAMPLES ?
				o->samples : PR_MAX_SAMPLES, pr->sample);
	/* Both halves' edges: where the two small-page pieces meet. */
	if (pr->nsample + 2 <= PR_MAX_SAMPLES) {
		pr->sample[pr->nsample++] = big / 2 - SIG_PAGE_SIZE;
		pr->sample[pr->nsample++] = big / 2;
	}
	return 0;
}

static int check_block(struct worker *w, uint64_t iova, const struct dev_buf *buf,
		       uint64_t off, const char *phase)
{
	struct promote *pr = w->priv;

	for (unsigned int i = 0; i < pr->nsample; i++) {
		int ret = wk_check(w, iova + pr->sample[i], buf,
				   off + pr->sample[i], phase);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The first sample page, read before, must now fault. */
static int check_gone(struct worker *w, uint64_t iova, const char *phase)
{
	int ret;

	wk_case(w, PR_UNMAPPED);
	ret = wk_check(w, iova + ((struct promote *)w->priv)->sample[0], NULL, 0,
		       phase);
	return ret < 0 ? ret : 0;
}

static int promote_phase(struct worker *w, unsigned int phase)
{
	struct promote *pr = w->priv;
	uint64_t half = pr->big / 2, gen = w->iteration;
	int ret = 0;

	for (unsigned int b = 0; b < pr->nblocks && !ret; b++) {
		uint64_t iova = block_iova(w, pr, b);
		uint64_t so = small_off(pr, b, gen), bo = super_off(pr, b, gen);

		switch (phase) {
		case 0:
			/* Two pieces smaller than a superpage: small pages only. */
			ret = wk_map(w, &pr->buf, iova, so, half);
			if (!ret)
				ret = wk_map(w, &pr->buf, iova + half, so + half, half);
			wk_case(w, PR_SMALL);
			if (!ret)
				ret = check_block(w, iova, &pr->buf, so, "small");
			break;
		case 1:
			ret = wk_unmap(w, iova, half, NULL);
			if (!ret)
				ret = wk_unmap(w, iova + half, half, NULL);
			if (!ret)
				ret = check_gone(w, iova, "small unmapped");
			break;
		case 2:
			/* The table under the block is empty, not freed: replace it. */
			ret = wk_map(w, &pr->buf, iova, bo, pr->big);
			wk_case(w, PR_SUPER);
			if (!ret)
				ret = check_block(w, iova, &pr->buf, bo, "superpage");
			break;
		case 3:
			ret = wk_unmap(w, iova, pr->big, NULL);
			if (!ret)
				ret = check_gone(w, iova, "superpage unmapped");
			break;
		}
	}
	return ret;
}

static void promote_teardown(struct worker *w)
{
	free(w->priv);
	w->priv = NULL;
}

static int promote_validate(const struct run_opts *o)
{
	uint64_t big = o->popt[0];

	if (o->size % big && o->size > big) {
		fprintf(stderr, "iommu-stress: promote: --size must be a multiple of the superpage size\n");
		return -EINVAL;
	}
	return 0;
}

static const struct pattern pattern_promote = {
	.name = "promote",
	.summary = "live 4K tables replaced by 2M superpages (or 2M tables by 1G), DMA right after the map",
	.bug_class = "stale IOTLB/paging-structure entries when a superpage replaces a page table",
	.help =
"Per block and iteration: map the block as two half-size pieces (small\n"
"pages), DMA-read them, unmap both (the table stays, empty), check an\n"
"unmapped page faults, map the block as one superpage over other pages and\n"
"DMA-read it at once, unmap it, check it faults.\n"
"--to 1G needs 1G-contiguous memory and the module loaded with\n"
"allow_1g_leaves=1 (unsafe on a real host); without either the run exits 4.\n",
	.default_size = 4ull << 20,
	.default_iterations = 20,
	.opts = promote_opts,
	.cases = promote_cases,
	.nphases = 4,
	.validate = promote_validate,
	.setup = promote_setup,
	.phase = promote_phase,
	.teardown = promote_teardown,
};
PATTERN_REGISTER(pattern_promote);
