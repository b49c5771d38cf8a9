// SPDX-License-Identifier: GPL-2.0
/*
 * demote: a live 2M superpage unmapped in whole or in part, and the gone
 * part mapped again with 4K pages over other memory. Drivers differ on a
 * partial unmap: older ones remove the whole superpage and say so in the
 * size they return, newer ones split it or refuse. The pattern records
 * what the driver did (UNMAP's `unmapped`) and checks by DMA exactly that:
 * what the driver says is gone faults, the rest of the superpage still
 * reads its old pages, the 4K pages mapped into the hole read the new
 * ones, and the neighbours on both sides are untouched.
 *
 * --inside adds an unmap that starts inside the superpage. On Intel VT-d
 * up to at least 6.12 the driver then walks into the superpage's data
 * page as if it were a page table, clearing words of it, reports 2M
 * unmapped while the superpage stays mapped, and clears entries of the
 * next 2M region: the run reports clobbered buffer pages and a lost
 * neighbour. Opt-in, because it corrupts (our own) memory on purpose.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define DM_ROT		3	/* backing generations in rotation */

struct dm_case {
	const char *name;
	uint64_t start, len;	/* the unmap, relative to the superpage */
	int inside;		/* starts inside the superpage: --inside only */
};

static const struct dm_case dm_cases[] = {
	{ "whole superpage unmapped, 4K remapped", 0, SZ_2M, 0 },
	{ "first 4K of a superpage unmapped", 0, SZ_4K, 0 },
	{ "first half of a superpage unmapped", 0, SZ_2M / 2, 0 },
	{ "second half unmapped (--inside)", SZ_2M / 2, SZ_2M / 2, 1 },
};
#define DM_NCASES (sizeof(dm_cases) / sizeof(dm_cases[0]))

static const char *const demote_cases[] = {
	"whole superpage unmapped, 4K remapped",
	"first 4K of a superpage unmapped",
	"first half of a superpage unmapped",
	"second half unmapped (--inside)",
	NULL,
};

static const struct pattern_opt demote_opts[] = {
	{ .name = "inside",
	  .help = "also unmap a range starting inside a superpage (see WARNING)" },
	{ NULL },
};

struct dm_block {
	uint64_t iova;
	uint64_t guard_lo, guard_hi;	/* neighbours' guard-buffer pages */
	uint64_t unmapped;		/* what the driver removed this time */
	int refused;
	int lied;			/* said unmapped, its table still maps it */
	int live;			/* something of it is still mapped */
};

struct demote {
	struct dev_buf buf;		/* superpage and hole backings */
	int inside;
	struct dm_block blk[DM_NCASES];
};

/*
 * Blocks are 4M apart: a superpage, then a 2M gap holding the guard page
 * right after it and the guard page right before the next block.
 */
static int demote_setup(struct worker *w)
{
	struct demote *dm;
	int ret;

	if (!(wk_pgsizes(w) & SZ_2M))
		return wk_unsupported(w, "the IOMMU has no 2M pages");
	dm = calloc(1, sizeof(*dm));
	if (!dm)
		return -ENOMEM;
	w->priv = dm;
	dm->inside = (int)pattern_opt(w, "inside");
	if (!dm->inside)
		wk_case_skip(w, DM_NCASES - 1, "needs --inside");
	/* One 2M more: the hole's backing sits 4K past a rotation slot. */
	ret = wk_buf_alloc(w, (DM_ROT * DM_NCASES + 1) * SZ_2M,
			   IOMMU_STRESS_CHUNK_2M, &dm->buf);
	if (!ret)
		ret = wk_region(w, 2 * DM_NCASES * SZ_2M, SZ_2M);
	for (unsigned int c = 0; c < DM_NCASES && !ret; c++) {
		struct dm_block *b = &dm->blk[c];

		b->iova = w->base + 2 * c * SZ_2M;
		if (c)
			ret = wk_guard(w, b->iova - SZ_4K, &b->guard_lo);
		if (!ret)
			ret = wk_guard(w, b->iova + SZ_2M, &b->guard_hi);
	}
	return ret;
}

static uint64_t super_off(unsigned int c, uint64_t gen)
{
	return ((c * DM_ROT + gen) % (DM_ROT * DM_NCASES)) * SZ_2M;
}

/* 4K off any 2M boundary, so the driver can only use 4K pages. */
static uint64_t small_off(unsigned int c, uint64_t gen)
{
	return ((c * DM_ROT + gen + 1) % (DM_ROT * DM_NCASES)) * SZ_2M + SZ_4K;
}

/* First, last, around the cut, and the neighbours. */
static int check_points(struct worker *w, unsigned int c, const char *phase,
			uint64_t hole_start, uint64_t hole_len,
			const struct dev_buf *hole_buf, uint64_t hole_off)
{
	struct demote *dm = w->priv;
	struct dm_block *b = &dm->blk[c];
	uint64_t super = super_off(c, w->iteration);
	uint64_t pts[] = {
		0, SZ_4K, dm_cases[c].start, dm_cases[c].start + dm_cases[c].len - SZ_4K,
		dm_cases[c].start + dm_cases[c].len, SZ_2M / 2 - SZ_4K,
		SZ_2M - SZ_4K,
	};
	int ret;

	for (unsigned int i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		uint64_t p = pts[i];
		int in_hole = p >= hole_start && p - hole_start < hole_len;

		if (p >= SZ_2M)
			continue;
		if (in_hole)
			ret = wk_check(w, b->iova + p, hole_buf,
				       hole_buf ? hole_off + (p - hole_start) : 0, phase);
		else
			ret = wk_check(w, b->iova + p, &dm->buf, super + p, phase);
		if (ret < 0)
			return ret;
	}
	if (c) {
		ret = wk_check_guard(w, b->iova - SZ_4K, b->guard_lo, "neighbour");
		if (ret < 0)
			return ret;
	}
	ret = wk_check_guard(w, b->iova + SZ_2M, b->guard_hi, "neighbour");
	return ret < 0 ? ret : 0;
}

static void observe(struct worker *w, unsigned int c, int err, uint64_t got)
{
	const struct dm_case *dc = &dm_cases[c];
	char key[64];

	snprintf(key, sizeof(key), "demote: unmap [%#llx, +%#llx) of a 2M superpage",
		 (unsigned long long)dc->start, (unsigned long long)dc->len);
	if (err)
		wk_observe(w, key, "refused: %s", strerror(-err));
	else if (got == dc->len)
		wk_observe(w, key, "unmapped exactly that (%#llx)", (unsigned long long)got);
	else
		wk_observe(w, key, "driver unmapped %#llx%s", (unsigned long long)got,
			   !dc->start && got == SZ_2M ? " (the whole superpage)" : "");
}

static int demote_case(struct worker *w, unsigned int c, unsigned int phase)
{
	struct demote *dm = w->priv;
	struct dm_block *b = &dm->blk[c];
	const struct dm_case *dc = &dm_cases[c];
	uint64_t gen = w->iteration, super = super_off(c, gen);
	uint64_t hole, got = 0;
	int ret;

	wk_case(w, c);
	switch (phase) {
	case 0:
		ret = wk_map(w, &dm->buf, b->iova, super, SZ_2M);
		if (ret)
			return ret;
		b->live = 1;
		return check_points(w, c, "superpage", 0, 0, NULL, 0);
	case 1:
		ret = wk_unmap_try(w, b->iova + dc->start, dc->len, &got);
		observe(w, c, ret, got);
		b->refused = ret != 0;
		b->unmapped = ret ? 0 : got;
		if (ret && ret != -EINVAL && ret != -EOPNOTSUPP) {
			fprintf(stderr, "iommu-stress: demote: UNMAP [%#llx, +%#llx): %s\n",
				(unsigned long long)(b->iova + dc->start),
				(unsigned long long)dc->len, strerror(-ret));
			return ret;
		}
		/* What the driver says it removed must fault; the rest stays. */
		hole = b->unmapped > SZ_2M - dc->start ? SZ_2M - dc->start : b->unmapped;
		b->lied = hole && wk_walk(w, b->iova + dc->start) == 1;
		if (b->lied)
			wk_observe(w, "demote: driver's table after the unmap",
				   "still maps [%#llx, +%#llx) it reported unmapped",
				   (unsigned long long)dc->start,
				   (unsigned long long)hole);
		/*
		 * An answer reaching past the superpage names the guard page
		 * after it too. amd's driver (through 6.18) clears the whole
		 * leaf of a range that starts inside it and answers with the
		 * leaf's size, which the core counts from the range's start:
		 * the guard it named stays mapped.
		 */
		if (b->unmapped > SZ_2M - dc->start && wk_walk(w, b->iova + SZ_2M) == 1)
			wk_observe(w, "demote: driver's table after the unmap",
				   "still maps [%#llx, +%#llx) it reported unmapped",
				   (unsigned long long)SZ_2M, (unsigned long long)SZ_4K);
		return check_points(w, c, "after partial unmap", dc->start, hole,
				    NULL, 0);
	case 2:
		hole = b->unmapped > SZ_2M - dc->start ? SZ_2M - dc->start : b->unmapped;
		/*
		 * A hole the driver's own table still maps is not one: a 4K map
		 * there would write PTEs into the superpage's data page.
		 */
		if (!hole || b->lied)
			return 0;
		/* 4K pages into the hole, over other memory. */
		ret = wk_map(w, &dm->buf, b->iova + dc->start,
			     small_off(c, gen), hole);
		if (ret)
			return ret;
		return check_points(w, c, "hole remapped with 4K", dc->start, hole,
				    &dm->buf, small_off(c, gen));
	default:
		/* Everything of the block, whatever pieces the record holds. */
		ret = wk_unmap(w, b->iova, SZ_2M, NULL);
		if (ret)
			return ret;
		b->live = 0;
		return check_points(w, c, "block unmapped", 0, SZ_2M, NULL, 0);
	}
}

static int demote_phase(struct worker *w, unsigned int phase)
{
	struct demote *dm = w->priv;

	for (unsigned int c = 0; c < DM_NCASES; c++) {
		int ret;

		if (dm_cases[c].inside && !dm->inside)
			continue;
		ret = demote_case(w, c, phase);
		if (ret)
			return ret;
	}
	return 0;
}

static void demote_teardown(struct worker *w)
{
	free(w->priv);
	w->priv = NULL;
}

static const struct pattern pattern_demote = {
	.name = "demote",
	.summary = "a 2M superpage unmapped in whole or in part, the hole remapped with 4K pages",
	.bug_class = "superpage split/unmap errors: wrong size unmapped, stale superpage entry after a partial unmap",
	.help =
"WARNING: --inside unmaps a range starting inside a superpage. On Intel\n"
"VT-d (6.1, 6.12) the driver takes the superpage's data page for a page\n"
"table and clears words of it, keeps the superpage mapped while reporting\n"
"it unmapped, and clears entries of the next 2M region. Only the test's\n"
"own buffers are written, but the module's record of what is mapped no\n"
"longer matches the driver's: use it in a VM.\n",
	.default_size = 8ull << 20,
	.default_iterations = 10,
	.opts = demote_opts,
	.cases = demote_cases,
	.nphases = 4,
	.setup = demote_setup,
	.phase = demote_phase,
	.teardown = demote_teardown,
};
PATTERN_REGISTER(pattern_demote);
