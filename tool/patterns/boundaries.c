// SPDX-License-Identifier: GPL-2.0
/*
 * boundaries: maps and unmaps whose ranges are unaligned, cross page-table
 * boundaries (2M: a leaf table; 1G: a directory; 512G: the top level when
 * the aperture has a fourth level) or end inside a superpage, each with
 * live 4K neighbours touching it on both sides. Off-by-one errors in
 * range splitting, level walks and flush ranges show as a neighbour lost
 * or changed, a page left mapped, or a stale page read after the unmap.
 *
 * Each iteration maps every case's range over other pages than the last
 * time, reads its edges and the pages around each boundary, unmaps it
 * (for the "ends inside a superpage" case, only part of it: the driver
 * decides how much goes, and the pattern records it), reads the same
 * pages again (they must fault, the rest must not), then unmaps what is
 * left. The neighbours are read after every step.
 *
 * --inside adds unmaps that end, or start, inside a superpage, with a
 * neighbour in the next 2M region. A caller that unmaps what it mapped
 * never does that, and drivers are free to handle it their own way; the
 * pattern records how. See the WARNING in --help.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define BD_ROT		3

enum {
	BD_UNALIGNED_2M, BD_CROSS_1G, BD_CROSS_512G, BD_END_INSIDE, BD_START_INSIDE,
	BD_NCASES,
};

static const char *const boundaries_cases[] = {
	[BD_UNALIGNED_2M] = "unaligned range across a 2M boundary",
	[BD_CROSS_1G] = "range across a 1G boundary, superpages inside",
	[BD_CROSS_512G] = "range across a 512G boundary",
	[BD_END_INSIDE] = "unmap ending inside a superpage (--inside)",
	[BD_START_INSIDE] = "unmap starting inside a superpage (--inside)",
	NULL,
};

static const struct pattern_opt boundaries_opts[] = {
	{ .name = "inside",
	  .help = "also unmap ranges ending or starting inside a superpage (see WARNING)" },
	{ NULL },
};

struct bd_range {
	int on;
	uint64_t lo, hi;		/* the mapping [lo, hi) */
	uint64_t cut_lo, cut_hi;	/* the first unmap */
	uint64_t boundary;		/* the boundary it crosses */
	uint64_t buf_off;		/* its area of the buffer */
	uint64_t g_lo, g_hi;		/* the neighbours' guard pages */
	uint64_t gone;			/* what the driver removed */
	int lied;
};

struct boundaries {
	struct dev_buf buf;
	struct bd_range r[BD_NCASES];
};

/*
 * A range's backing keeps its IOVA's offset within 2M, so that the driver
 * can use superpages wherever both are aligned; each generation moves it
 * by 2M to other pages.
 */
static uint64_t backing(const struct bd_range *r, uint64_t gen)
{
	return r->buf_off + (gen % BD_ROT) * SZ_2M + (r->lo & (SZ_2M - 1));
}

static uint64_t area_len(const struct bd_range *r)
{
	uint64_t len = (r->lo & (SZ_2M - 1)) + (r->hi - r->lo);

	return ((len + SZ_2M - 1) & ~(SZ_2M - 1)) + (BD_ROT - 1) * SZ_2M;
}

/* How far below its boundary the cases reach, their guard pages included. */
#define BD_BELOW_1G	(8 * SZ_2M + 4 * SZ_4K)
#define BD_BELOW_512G	(SZ_2M + 2 * SZ_4K)

/*
 * Case placement: thread t works around the 1G boundary G = G0 + 2t * 1G
 * and, for 512G, around T0 + t * 512G, where G0 and T0 are the first
 * such boundaries with room below them above the session's floor (2G and
 * 512G in a private domain). A case whose range (with its neighbours) is
 * not free in the test's IOVA range is skipped, with the reason.
 */
static void place_cases(struct worker *w, struct bd_range *r)
{
	uint64_t lo = wk_floor(w);
	uint64_t g = align_up(lo + BD_BELOW_1G, SZ_1G) + 2 * (uint64_t)w->id * SZ_1G;
	uint64_t t = align_up(lo + BD_BELOW_512G, SZ_512G) + (uint64_t)w->id * SZ_512G;

	r[BD_UNALIGNED_2M] = (struct bd_range){ .boundary = g - 8 * SZ_2M };
	r[BD_UNALIGNED_2M].lo = r[BD_UNALIGNED_2M].boundary - 3 * SZ_4K;
	r[BD_UNALIGNED_2M].hi = r[BD_UNALIGNED_2M].boundary + 5 * SZ_4K;

	r[BD_CROSS_1G] = (struct bd_range){ .boundary = g,
		.lo = g - SZ_2M - 2 * SZ_4K, .hi = g + SZ_2M + 2 * SZ_4K };

	r[BD_CROSS_512G] = (struct bd_range){ .boundary = t,
		.lo = t - SZ_2M - SZ_4K, .hi = t + SZ_2M + SZ_4K };

	/* 8K of 4K pages, then a superpage; the unmap ends 4K into it. */
	r[BD_END_INSIDE] = (struct bd_range){ .boundary = g + 8 * SZ_2M };
	r[BD_END_INSIDE].lo = r[BD_END_INSIDE].boundary - 2 * SZ_4K;
	r[BD_END_INSIDE].hi = r[BD_END_INSIDE].boundary + SZ_2M;
	r[BD_END_INSIDE].cut_lo = r[BD_END_INSIDE].lo;
	r[BD_END_INSIDE].cut_hi = r[BD_END_INSIDE].boundary + SZ_4K;

	/* A superpage; the unmap starts half-way in, a neighbour follows it. */
	r[BD_START_INSIDE] = (struct bd_range){ .boundary = g + 16 * SZ_2M };
	r[BD_START_INSIDE].lo = r[BD_START_INSIDE].boundary;
	r[BD_START_INSIDE].hi = r[BD_START_INSIDE].boundary + SZ_2M;
	r[BD_START_INSIDE].cut_lo = r[BD_START_INSIDE].boundary + SZ_2M / 2;
	r[BD_START_INSIDE].cut_hi = r[BD_START_INSIDE].hi;

	for (unsigned int c = 0; c < BD_NCASES; c++) {
		struct bd_range *x = &r[c];

		if (!x->cut_hi) {
			x->cut_lo = x->lo;
			x->cut_hi = x->hi;
		}
		x->on = wk_range_free(w, x->lo - SZ_4K,
					   x->hi - x->lo + 2 * SZ_4K);
		if (!x->on)
			wk_case_skip(w, c, c == BD_CROSS_512G ?
				     "no 512G boundary with room on both sides in the IOVA range" :
				     "no room for it in the IOVA range");
	}
}

/* Places the cases and turns off those the options or the IOMMU rule out. */
static int place(struct worker *w, struct boundaries *bd, int inside)
{
	struct bd_range *r = bd->r;
	unsigned int on = 0;

	place_cases(w, r);
	if (!inside) {
		r[BD_END_INSIDE].on = 0;
		r[BD_START_INSIDE].on = 0;
		wk_case_skip(w, BD_END_INSIDE, "needs --inside");
		wk_case_skip(w, BD_START_INSIDE, "needs --inside");
	}
	if (!(wk_pgsizes(w) & SZ_2M)) {
		r[BD_END_INSIDE].on = 0;
		r[BD_START_INSIDE].on = 0;
		wk_case_skip(w, BD_END_INSIDE, "the IOMMU has no 2M pages");
	}
	for (unsigned int c = 0; c < BD_NCASES; c++)
		on += r[c].on;
	if (!on)
		return wk_unsupported(w, "boundaries: no case fits in the IOVA range [%#llx, %#llx]",
				      (unsigned long long)wk_range_start(w),
				      (unsigned long long)wk_range_last(w));
	return 0;
}

static int boundaries_setup(struct worker *w)
{
	struct boundaries *bd;
	uint64_t total = 0;
	int ret = 0;

	bd = calloc(1, sizeof(*bd));
	if (!bd)
		return -ENOMEM;
	w->priv = bd;
	ret = place(w, bd, (int)pattern_opt(w, "inside"));
	if (ret)
		return ret;
	for (unsigned int c = 0; c < BD_NCASES; c++) {
		if (!bd->r[c].on)
			continue;
		bd->r[c].buf_off = total;
		total += area_len(&bd->r[c]);
	}
	ret = wk_buf_alloc(w, total, IOMMU_STRESS_CHUNK_2M, &bd->buf);
	for (unsigned int c = 0; c < BD_NCASES && !ret; c++) {
		struct bd_range *r = &bd->r[c];

		if (!r->on)
			continue;
		ret = wk_guard(w, r->lo - SZ_4K, &r->g_lo);
		if (!ret)
			ret = wk_guard(w, r->hi, &r->g_hi);
	}
	return ret;
}

/* The pages worth reading: both edges, and both sides of the boundary. */
static unsigned int points(const struct bd_range *r, uint64_t *p)
{
	unsigned int n = 0;

	p[n++] = r->lo;
	p[n++] = r->hi - SZ_4K;
	if (r->boundary > r->lo)
		p[n++] = r->boundary - SZ_4K;
	if (r->boundary < r->hi)
		p[n++] = r->boundary;
	if (r->cut_hi < r->hi)
		p[n++] = r->cut_hi;
	if (r->cut_lo > r->lo) {
		p[n++] = r->cut_lo - SZ_4K;
		p[n++] = r->cut_lo;
	}
	return n;
}

/* Pages in [gone_lo, gone_hi) must fault; the rest of [lo, hi) reads back. */
static int check_range(struct worker *w, unsigned int c, const char *phase,
		       uint64_t gone_lo, uint64_t gone_hi)
{
	struct boundaries *bd = w->priv;
	struct bd_range *r = &bd->r[c];
	uint64_t p[8], off = backing(r, w->iteration);
	unsigned int n = points(r, p);
	int ret;

	wk_case(w, c);
	for (unsigned int i = 0; i < n; i++) {
		int gone = p[i] >= gone_lo && p[i] < gone_hi;

		ret = wk_check(w, p[i], gone ? NULL : &bd->buf,
			       off + (p[i] - r->lo), phase);
		if (ret < 0)
			return ret;
	}
	ret = wk_check_guard(w, r->lo - SZ_4K, r->g_lo, "neighbour below");
	if (ret >= 0)
		ret = wk_check_guard(w, r->hi, r->g_hi, "neighbour above");
	return ret < 0 ? ret : 0;
}

static void observe_cut(struct worker *w, unsigned int c, int err, uint64_t got)
{
	struct bd_range *r = &((struct boundaries *)w->priv)->r[c];
	char key[96];

	if (c != BD_END_INSIDE && c != BD_START_INSIDE) {
		if (!err && got != r->cut_hi - r->cut_lo)
			wk_observe(w, boundaries_cases[c], "driver unmapped %#llx of %#llx",
				   (unsigned long long)got,
				   (unsigned long long)(r->cut_hi - r->cut_lo));
		return;
	}
	snprintf(key, sizeof(key), "boundaries: %s", boundaries_cases[c]);
	if (err)
		wk_observe(w, key, "asked %#llx, refused: %s",
			   (unsigned long long)(r->cut_hi - r->cut_lo), strerror(-err));
	else
		wk_observe(w, key, "asked %#llx, driver unmapped %#llx%s",
			   (unsigned long long)(r->cut_hi - r->cut_lo),
			   (unsigned long long)got,
			   r->lied ? " but its table still maps it" : "");
}

static int case_phase(struct worker *w, unsigned int c, unsigned int phase)
{
	struct boundaries *bd = w->priv;
	struct bd_range *r = &bd->r[c];
	uint64_t gone_hi, got = 0;
	int ret;

	switch (phase) {
	case 0:
		ret = wk_map(w, &bd->buf, r->lo, backing(r, w->iteration),
			     r->hi - r->lo);
		return ret ? ret : check_range(w, c, "mapped", 0, 0);
	case 1:
		ret = wk_unmap_try(w, r->cut_lo, r->cut_hi - r->cut_lo, &got);
		if (ret && ret != -EINVAL) {
			fprintf(stderr, "iommu-stress: boundaries: UNMAP [%#llx, %#llx): %s\n",
				(unsigned long long)r->cut_lo,
				(unsigned long long)r->cut_hi, strerror(-ret));
			return ret;
		}
		r->gone = ret ? 0 : got;
		gone_hi = r->cut_lo + r->gone < r->hi ? r->cut_lo + r->gone : r->hi;
		r->lied = r->gone && wk_walk(w, r->cut_lo) == 1;
		observe_cut(w, c, ret, got);
		return check_range(w, c, "after unmap", r->cut_lo, gone_hi);
	default:
		/* Whatever is left of it, in one unmap from its first page. */
		gone_hi = r->cut_lo + r->gone;
		if (r->cut_lo == r->lo && gone_hi >= r->hi && !r->lied)
			ret = 0;
		else if (r->cut_lo > r->lo || r->lied || !r->gone)
			ret = wk_unmap(w, r->lo, r->hi - r->lo, NULL);
		else
			ret = wk_unmap(w, gone_hi, r->hi - gone_hi, NULL);
		return ret ? ret : check_range(w, c, "all unmapped", r->lo, r->hi);
	}
}

static int boundaries_phase(struct worker *w, unsigned int phase)
{
	struct boundaries *bd = w->priv;

	for (unsigned int c = 0; c < BD_NCASES; c++) {
		int ret;

		if (!bd->r[c].on)
			continue;
		ret = case_phase(w, c, phase);
		if (ret)
			return ret;
	}
	return 0;
}

static void boundaries_teardown(struct worker *w)
{
	free(w->priv);
	w->priv = NULL;
}

static const struct pattern pattern_boundaries = {
	.name = "boundaries",
	.summary = "unaligned maps/unmaps across 2M, 1G and 512G table boundaries, live neighbours on both sides",
	.bug_class = "off-by-one range splitting, level walks and flush ranges at page-table boundaries",
	.help =
"WARNING: --inside unmaps ranges that end or start inside a superpage.\n"
"On Intel VT-d (6.1) the driver then takes the superpage's data page for a\n"
"page table and clears words of it, keeps the superpage mapped while\n"
"reporting the range unmapped, and an unmap starting inside it also\n"
"unmaps entries of the next 2M region (here: a live neighbour). The run\n"
"reports these as corruption. Only the test's own pages are written; use\n"
"it in a VM.\n",
	.default_size = 2ull << 20,
	.default_iterations = 10,
	.opts = boundaries_opts,
	.cases = boundaries_cases,
	.nphases = 3,
	.setup = boundaries_setup,
	.phase = boundaries_phase,
	.teardown = boundaries_teardown,
};
PATTERN_REGISTER(pattern_boundaries);
