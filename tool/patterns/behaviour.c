// SPDX-License-Identifier: GPL-2.0
/*
 * behaviour: how the IOMMU driver answers the requests on which drivers
 * differ, each recorded under a stable key so that runs on different
 * kernels and IOMMUs can be set side by side:
 *
 *   unmap.start_inside_2M  UNMAP [A+1M, A+2M) of a live 2M superpage at A
 *   unmap.end_inside_2M    UNMAP [A, A+1M) of one
 *   unmap.over_hole        4K pages at A and A+8K, UNMAP [A, A+12K)
 *   map.2M_over_live_4K    MAP_OVERLAP of a superpage at A over live 4K
 *                          pages in [A, A+1M)
 *   map.4K_into_live_2M    MAP_OVERLAP of a 4K page at A+32K into a live
 *                          superpage at A
 *
 * Each probe has a 2M-aligned region of its own, new in every iteration:
 * besides what it asks about, a live 4K page at A+2M (just past the
 * superpage, where an unmap that reaches past its leaf shows) and guard
 * pages at A-4K and A+4M. A probe maps, DMA-reads its named points (so
 * that the IOTLB holds them), makes its one request, reads every point
 * again by the driver's walk (IOVA_TO_PHYS) and by DMA, then unmaps what
 * is left and checks that nothing translates any more. The observation
 * holds the driver's answer (what an UNMAP removed, or the errno of a
 * refusal), each point's walk and DMA as the old page, the new one or
 * none, and how many WARNING lines the kernel logged during the probe.
 *
 * The verdict takes the driver at its word: what it says it unmapped must
 * read nothing, what it says it mapped must read the new page, the rest
 * must read as before. Refusing, removing more than asked or less, and
 * replacing live entries are answers a driver may give: observations.
 * A device that reads otherwise than the answer says (a stale
 * translation, or a table that still maps what the driver said it
 * removed) is corruption, as in every pattern.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errname.h"
#include "kmsg.h"
#include "pattern.h"

#define SZ_1M		(1ull << 20)
/*
 * A probe's stretch of IOVA space: 2M holding the guard just below its
 * region A, then A's 2M, then the 2M past it. The guard at A+4M lies in
 * the next stretch's first 2M.
 */
#define BH_STRIDE	(3 * SZ_2M)
#define BH_LOW_GAP	SZ_2M
#define BH_MAX_ITER	16
#define BH_NPOINTS	3

enum {
	BH_START_INSIDE, BH_END_INSIDE, BH_HOLE, BH_2M_OVER_4K, BH_4K_INTO_2M,
	BH_NPROBES,
};

static const char *const behaviour_cases[] = {
	[BH_START_INSIDE] = "unmap starting inside a 2M superpage (unmap.start_inside_2M)",
	[BH_END_INSIDE] = "unmap ending inside a 2M superpage (unmap.end_inside_2M)",
	[BH_HOLE] = "unmap over a hole (unmap.over_hole)",
	[BH_2M_OVER_4K] = "2M map over live 4K pages (map.2M_over_live_4K)",
	[BH_4K_INTO_2M] = "4K map into a live 2M superpage (map.4K_into_live_2M)",
	NULL,
};

/*
 * The buffer, in 2M areas: each superpage's own backing (2M-aligned, so
 * the driver can use a superpage), and one area of 4K pages.
 */
enum { AREA_START, AREA_END, AREA_OVER_NEW, AREA_INTO, AREA_SMALL, BH_NAREAS };
#define AREA(a)		((uint64_t)(a) * SZ_2M)
#define SMALL(page)	(AREA(AREA_SMALL) + (page) * SZ_4K)

struct bh_range {
	uint64_t off, len;	/* from the region's start */
	uint64_t back;		/* its backing, from the buffer's start */
};

struct bh_spec {
	const char *key;
	struct bh_range before[2];	/* live when the request comes */
	int map;			/* a MAP_OVERLAP; else an UNMAP */
	struct bh_range req;		/* back: a MAP's backing */
	struct bh_range clean[2];	/* unmapped one by one afterwards */
	struct { const char *name; uint64_t off; } points[BH_NPOINTS];
};

/* The 4K page into the superpage: see map.4K_into_live_2M below. */
#define BH_INTO_PAGE	8

static const struct bh_spec specs[BH_NPROBES] = {
	[BH_START_INSIDE] = {
		.key = "unmap.start_inside_2M",
		.before = { { 0, SZ_2M, AREA(AREA_START) },
			    { SZ_2M, SZ_4K, SMALL(0) } },
		.req = { SZ_1M, SZ_1M, 0 },
		.clean = { { 0, SZ_2M, 0 }, { SZ_2M, SZ_4K, 0 } },
		/*
		 * Not page 0: Intel's driver before the generic page table
		 * takes the superpage's first page for a page table here and
		 * clears words of it.
		 */
		.points = { { "in_range", SZ_1M },
			    { "leaf_outside", SZ_1M - SZ_4K },
			    { "past", SZ_2M } },
	},
	[BH_END_INSIDE] = {
		.key = "unmap.end_inside_2M",
		.before = { { 0, SZ_2M, AREA(AREA_END) },
			    { SZ_2M, SZ_4K, SMALL(1) } },
		.req = { 0, SZ_1M, 0 },
		.clean = { { 0, SZ_2M, 0 }, { SZ_2M, SZ_4K, 0 } },
		.points = { { "in_range", 0 }, { "leaf_outside", SZ_1M },
			    { "past", SZ_2M } },
	},
	[BH_HOLE] = {
		.key = "unmap.over_hole",
		.before = { { 0, SZ_4K, SMALL(2) }, { 2 * SZ_4K, SZ_4K, SMALL(3) } },
		.req = { 0, 3 * SZ_4K, 0 },
		.clean = { { 0, SZ_4K, 0 }, { 2 * SZ_4K, SZ_4K, 0 } },
		.points = { { "start", 0 }, { "hole", SZ_4K },
			    { "after_hole", 2 * SZ_4K } },
	},
	[BH_2M_OVER_4K] = {
		.key = "map.2M_over_live_4K",
		/* Backed off any 2M boundary: the driver can only use 4K. */
		.before = { { 0, SZ_1M, AREA(AREA_SMALL) + SZ_1M },
			    { SZ_2M, SZ_4K, SMALL(4) } },
		.map = 1,
		.req = { 0, SZ_2M, AREA(AREA_OVER_NEW) },
		.clean = { { 0, SZ_2M, 0 }, { SZ_2M, SZ_4K, 0 } },
		.points = { { "over_4K", 0 }, { "over_empty", SZ_1M },
			    { "past", SZ_2M } },
	},
	[BH_4K_INTO_2M] = {
		.key = "map.4K_into_live_2M",
		.before = { { 0, SZ_2M, AREA(AREA_INTO) },
			    { SZ_2M, SZ_4K, SMALL(6) } },
		.map = 1,
		/*
		 * Page 8: a driver that walks into the superpage's data page as
		 * if it were a page table finds a signature word in that slot,
		 * never zero, so it does not write the test's page but says
		 * "already set" (Intel's driver through 6.18, with a WARN).
		 */
		.req = { BH_INTO_PAGE * SZ_4K, SZ_4K, SMALL(5) },
		.clean = { { 0, SZ_2M, 0 }, { SZ_2M, SZ_4K, 0 } },
		.points = { { "in_range", BH_INTO_PAGE * SZ_4K },
			    { "leaf_outside", (BH_INTO_PAGE + 1) * SZ_4K },
			    { "past", SZ_2M } },
	},
};

/* Why a MAP probe did not run: the module's refusals, not the driver's. */
#define WHY_EPERM \
	"MAP_OVERLAP refused by the module (EPERM): it allows it only with driver_warns=1"
#define WHY_EOPNOTSUPP \
	"MAP_OVERLAP refused by the module (EOPNOTSUPP): a shared (dmaengine) domain does not take it"

struct behaviour {
	struct dev_buf buf;
	unsigned int nregions;
	/* Guard-buffer pages of each region's guards, below and above. */
	uint64_t guard_lo[BH_MAX_ITER * BH_NPROBES];
	uint64_t guard_hi[BH_MAX_ITER * BH_NPROBES];
};

/* One request at a time, so that a kernel WARNING belongs to one probe. */
static int behaviour_validate(const struct run_opts *o)
{
	if (o->threads != 1 || o->dma_threads) {
		fprintf(stderr, "iommu-stress: behaviour probes one request at a time: no --threads or --dma-threads\n");
		return -1;
	}
	if (!o->iterations || o->iterations > BH_MAX_ITER) {
		fprintf(stderr, "iommu-stress: behaviour takes fresh IOVA regions every iteration: --iterations 1 to %u\n",
			BH_MAX_ITER);
		return -1;
	}
	return 0;
}

static unsigned int slot(const struct worker *w, unsigned int c)
{
	return (unsigned int)w->iteration * BH_NPROBES + c;
}

/* The 2M-aligned start of probe @c's region in this iteration. */
static uint64_t region(const struct worker *w, unsigned int c)
{
	return w->base + BH_LOW_GAP + slot(w, c) * BH_STRIDE;
}

static int behaviour_setup(struct worker *w)
{
	struct behaviour *bh;
	int ret;

	if (!(wk_pgsizes(w) & SZ_2M))
		return wk_unsupported(w, "the IOMMU has no 2M pages");
	bh = calloc(1, sizeof(*bh));
	if (!bh)
		return -ENOMEM;
	w->priv = bh;
	bh->nregions = (unsigned int)wk_opts(w)->iterations * BH_NPROBES;
	ret = wk_buf_alloc(w, AREA(BH_NAREAS), IOMMU_STRESS_CHUNK_2M, &bh->buf);
	if (!ret)
		ret = wk_region(w, BH_LOW_GAP + bh->nregions * BH_STRIDE, SZ_2M);
	for (unsigned int k = 0; k < bh->nregions && !ret; k++) {
		uint64_t a = w->base + BH_LOW_GAP + k * BH_STRIDE;

		ret = wk_guard(w, a - SZ_4K, &bh->guard_lo[k]);
		if (!ret)
			ret = wk_guard(w, a + 2 * SZ_2M, &bh->guard_hi[k]);
	}
	return ret;
}

/* The page of @r's backing at region offset @off. */
static struct sig_id page_of(const struct behaviour *bh,
			     const struct bh_range *r, uint64_t off)
{
	return (struct sig_id){
		.buf = bh->buf.id, .page = (r->back + off - r->off) / SIG_PAGE_SIZE,
		.gen = 1,
	};
}

static const struct bh_range *covering(const struct bh_range *r,
				       unsigned int n, uint64_t off)
{
	for (unsigned int i = 0; i < n; i++)
		if (r[i].len && off >= r[i].off && off - r[i].off < r[i].len)
			return &r[i];
	return NULL;
}

static enum obs_page page_kind(const struct sig_id *got,
			       const struct sig_id *old,
			       const struct sig_id *nw)
{
	if (old && got->buf == old->buf && got->page == old->page)
		return OBS_OLD;
	if (nw && got->buf == nw->buf && got->page == nw->page)
		return OBS_NEW;
	return OBS_OTHER;
}

/* What the device read, from wk_check_got's class and page. */
static enum obs_page dma_kind(int class, const struct sig_id *got,
			      const struct sig_id *old, const struct sig_id *nw)
{
	switch (class) {
	case SIG_OK:
	case SIG_STALE:
		/* No page (generation 0): zeros, or the read faulted. */
		if (!got->gen)
			return OBS_NONE;
		return page_kind(got, old, nw);
	case SIG_ZERO:
		return OBS_NONE;
	case WK_UNCHECKED:
		return OBS_UNCHECKED;
	default:
		return OBS_FOREIGN;
	}
}

static enum obs_page walk_kind(struct worker *w, uint64_t iova,
			       const struct sig_id *old, const struct sig_id *nw)
{
	struct sig_id page;
	int ret = wk_walk_page(w, iova, &page);

	if (ret < 0)
		return OBS_FAILED;
	if (ret == WK_WALK_NONE)
		return OBS_NONE;
	if (ret == WK_WALK_ELSEWHERE)
		return OBS_FOREIGN;
	return page_kind(&page, old, nw);
}

/*
 * Reads every point of probe @c: each must be the page @expect_new says
 * (the new one inside an accepted MAP), nothing inside @gone (what the
 * driver says it unmapped) and else what was there before. With @ob, the
 * walk and DMA of each go into it.
 */
static int read_points(struct worker *w, unsigned int c, const char *phase,
		       int expect_new, uint64_t gone_off, uint64_t gone_len,
		       struct obs_probe *ob)
{
	struct behaviour *bh = w->priv;
	const struct bh_spec *sp = &specs[c];
	uint64_t a = region(w, c);

	for (unsigned int i = 0; i < BH_NPOINTS; i++) {
		uint64_t off = sp->points[i].off, boff = 0;
		const struct bh_range *old_r = covering(sp->before, 2, off);
		int in_req = off >= sp->req.off && off - sp->req.off < sp->req.len;
		struct sig_id old, nw, got;
		const struct dev_buf *want = NULL;
		int ret;

		if (old_r)
			old = page_of(bh, old_r, off);
		if (sp->map)
			nw = page_of(bh, &sp->req, in_req ? off : sp->req.off);
		if (expect_new && in_req) {
			want = &bh->buf;
			boff = nw.page * SIG_PAGE_SIZE;
		} else if (old_r && !(off >= gone_off && off - gone_off < gone_len)) {
			want = &bh->buf;
			boff = old.page * SIG_PAGE_SIZE;
		}
		ret = wk_check_got(w, a + off, want, boff, phase, &got);
		if (ret < 0)
			return ret;
		if (!ob)
			continue;
		ob->points[i] = (struct obs_point){
			.name = sp->points[i].name, .offset = off,
			.mapped_before = !!old_r,
			.dma = dma_kind(ret, &got, old_r ? &old : NULL,
					sp->map && in_req ? &nw : NULL),
			.walk = walk_kind(w, a + off, old_r ? &old : NULL,
					  sp->map && in_req ? &nw : NULL),
		};
	}
	if (ob)
		ob->npoints = BH_NPOINTS;
	return 0;
}

static int check_guards(struct worker *w, unsigned int c)
{
	struct behaviour *bh = w->priv;
	uint64_t a = region(w, c);
	int ret;

	ret = wk_check_guard(w, a - SZ_4K, bh->guard_lo[slot(w, c)], "neighbour below");
	if (ret >= 0)
		ret = wk_check_guard(w, a + 2 * SZ_2M, bh->guard_hi[slot(w, c)],
				     "neighbour above");
	return ret < 0 ? ret : 0;
}

/*
 * Unmaps what is left, piece by piece (what the record no longer has:
 * ENOENT): @r, the probe's clean ranges, or what was live before a
 * request that was refused or not made. Not the clean ranges then: they
 * also cover what was never mapped, and virtio-iommu's driver, asked to
 * unmap more than it finds, drops what it found from its tree and tells
 * the device nothing, so a probe that did not run would leave a mapping
 * behind (the unmap.over_hole probe records that behaviour itself).
 */
static int clean(struct worker *w, unsigned int c, const struct bh_range *r)
{
	const struct bh_spec *sp = &specs[c];
	uint64_t a = region(w, c);

	for (unsigned int i = 0; i < 2; i++) {
		int ret = wk_unmap_try(w, a + r[i].off, r[i].len, NULL);

		if (ret && ret != -ENOENT) {
			fprintf(stderr, "iommu-stress: behaviour: UNMAP [%#llx, +%#llx) after %s: %s\n",
				(unsigned long long)(a + r[i].off),
				(unsigned long long)r[i].len, sp->key,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The observation's one line: the answer, the points, the WARNINGs. */
static void observe(struct worker *w, unsigned int c, const struct obs_probe *ob)
{
	char line[sizeof(((struct observation *)0)->value)], pts[160];
	size_t n = 0;

	for (unsigned int i = 0; i < ob->npoints && n < sizeof(pts); i++) {
		const struct obs_point *p = &ob->points[i];

		n += (size_t)snprintf(pts + n, sizeof(pts) - n, "%s%s %s/%s",
				      i ? ", " : "", p->name,
				      obs_page_name(p->walk), obs_page_name(p->dma));
	}
	if (ob->err)
		snprintf(line, sizeof(line), "refused: %s", errno_name(ob->err).s);
	else if (specs[c].map)
		snprintf(line, sizeof(line), "mapped");
	else
		snprintf(line, sizeof(line), "unmapped 0x%llx (asked 0x%llx)",
			 (unsigned long long)ob->unmapped,
			 (unsigned long long)ob->length);
	if (ob->warnings < 0)
		wk_observe_probe(w, specs[c].key, ob,
				 "%s; walk/DMA after: %s; kernel WARNINGs: unknown",
				 line, pts);
	else
		wk_observe_probe(w, specs[c].key, ob,
				 "%s; walk/DMA after: %s; kernel WARNINGs: %d",
				 line, pts, ob->warnings);
}

static int probe(struct worker *w, unsigned int c)
{
	struct behaviour *bh = w->priv;
	const struct bh_spec *sp = &specs[c];
	struct obs_probe ob = {
		.op = sp->map ? "map" : "unmap",
		.offset = sp->req.off, .length = sp->req.len,
	};
	uint64_t a = region(w, c), gone = 0;
	const char *skip = NULL;
	int kfd, ret;

	wk_case(w, c);
	/* From the first map to the last check: the probe's WARNINGs. */
	kfd = kmsg_open("/dev/kmsg");
	for (unsigned int i = 0; i < 2; i++) {
		ret = wk_map(w, &bh->buf, a + sp->before[i].off,
			     sp->before[i].back, sp->before[i].len);
		if (ret)
			goto out;
	}
	ret = read_points(w, c, "before the request", 0, 0, 0, NULL);
	if (ret)
		goto out;

	if (sp->map) {
		ret = wk_map_overlap(w, &bh->buf, a + sp->req.off, sp->req.back,
				     sp->req.len);
		if (ret == -EPERM)
			skip = WHY_EPERM;
		else if (ret == -EOPNOTSUPP)
			skip = WHY_EOPNOTSUPP;
	} else {
		ret = wk_unmap_try(w, a + sp->req.off, sp->req.len, &gone);
	}
	ob.err = -ret;
	ob.unmapped = ret ? 0 : gone;
	if (skip)
		wk_case_skip(w, c, skip);
	ret = skip ? 0 : read_points(w, c, "after the request",
				     sp->map && !ob.err, sp->req.off, gone, &ob);
	if (!ret)
		ret = check_guards(w, c);
	if (!ret)
		ret = clean(w, c, skip || ob.err ? sp->before : sp->clean);
	if (!ret)
		ret = read_points(w, c, "cleaned up", 0, 0, SZ_2M + SZ_4K, NULL);
	if (!ret && !skip) {
		ob.warnings = kmsg_count(kfd, "WARNING:");
		observe(w, c, &ob);
	}
out:
	kmsg_close(kfd);
	return ret;
}

static int behaviour_phase(struct worker *w, unsigned int phase)
{
	(void)phase;
	for (unsigned int c = 0; c < BH_NPROBES; c++) {
		int ret = probe(w, c);

		if (ret)
			return ret;
	}
	return 0;
}

static void behaviour_teardown(struct worker *w)
{
	free(w->priv);
	w->priv = NULL;
}

static const struct pattern pattern_behaviour = {
	.name = "behaviour",
	.summary = "how the driver answers partial unmaps, unmaps over holes and maps over live entries, under stable keys",
	.bug_class = "driver behaviour",
	.records_behaviour = 1,
	.help =
"Five probes, each in fresh IOVA regions, recorded as observations with\n"
"stable keys and fields (the driver's answer; at named points the walk\n"
"and the device's read as old, new or none; kernel WARNING lines):\n"
"  unmap.start_inside_2M  UNMAP [A+1M, A+2M) of a live 2M superpage at A\n"
"  unmap.end_inside_2M    UNMAP [A, A+1M) of one\n"
"  unmap.over_hole        4K pages at A and A+8K, UNMAP [A, A+12K)\n"
"  map.2M_over_live_4K    MAP_OVERLAP of 2M at A over live 4K in [A, A+1M)\n"
"  map.4K_into_live_2M    MAP_OVERLAP of 4K at A+32K into a live superpage\n"
"Refusing, removing more or less than asked and replacing live entries\n"
"are recorded, not failed; a device reading other than the driver's\n"
"answer says is corruption. The map probes need MAP_OVERLAP: without\n"
"driver_warns=1 the module refuses it (EPERM) and they are skipped.\n"
"Runs with one thread; WARNINGs are counted from /dev/kmsg (null in the\n"
"record when it cannot be read).\n"
"\n"
"WARNING: on Intel VT-d through 6.18, unmap.start_inside_2M makes the\n"
"driver take the superpage's first page for a page table and clear words\n"
"of it (the test's own buffer: reported as clobbered), and\n"
"map.4K_into_live_2M makes it WARN (scripts/vm-run then exits 123). Use\n"
"it in a VM or on a test host, never where panic_on_warn is set.\n",
	.default_size = BH_NPROBES * BH_STRIDE,
	.default_iterations = 1,
	.cases = behaviour_cases,
	.nphases = 1,
	.validate = behaviour_validate,
	.setup = behaviour_setup,
	.phase = behaviour_phase,
	.teardown = behaviour_teardown,
};
PATTERN_REGISTER(pattern_behaviour);
