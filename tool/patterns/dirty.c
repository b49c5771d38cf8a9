// SPDX-License-Identifier: GPL-2.0
/*
 * dirty: dirty tracking while page sizes change under it. Each thread
 * owns 2M regions, each mapped either as 4K pages (two pieces, so the
 * driver builds a table under it) or as one 2M leaf. A round writes a
 * seeded random set of pages by device DMA (a signature of its own per
 * write), changes some regions between the two forms or unmaps and maps
 * them again, and writes again, a few times over; every region is read
 * (DIRTY_READ, clearing) before it is unmapped, since its bits go with
 * the mapping, and at the round's end.
 *
 * Each read is judged against the pages written since the region's last
 * read (tool/lib/dirty_set.h): a page written and read clean is
 * corruption (a migration copying by these bits loses that write); a
 * write through a 2M leaf may dirty the whole leaf; any other bit is
 * noise, counted. After the reads every page written must hold the
 * device's last signature; it is then filled with its own signature
 * again, so that the end-of-run scan of the buffers sees any write that
 * landed in another page.
 *
 * Once a round, a read that starts inside a 2M leaf (NO_CLEAR) is set
 * beside the aligned reads that follow it: what the driver answers for
 * the rest of the leaf and the next region is an observation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dirty_set.h"
#include "pattern.h"

#define DT_STEPS	3	/* map changes per round, writes around each */
#define DT_MAX_WRITES	3	/* writes per region and batch, at most */
#define DT_SIG_WORDS	8	/* a write: 64 bytes */
#define DT_MAGIC	0x7974726964737369ull	/* "issdirty" */

enum { DT_BITS, DT_LANDED };

static const char *const dirty_cases[] = {
	[DT_BITS] = "every page written reads dirty",
	[DT_LANDED] = "every device write landed in its page",
	NULL,
};

enum dt_mode { DT_UNMAPPED, DT_SMALL, DT_BIG };

struct dt_region {
	uint64_t iova;
	uint64_t off;			/* its backing in the buffer */
	enum dt_mode mode;
	enum dt_mode last_write;	/* what the last write went through */
	/*
	 * Since the last read: the first page written through a leaf of
	 * another size than the write before it, or -1.
	 */
	int first_after_resize;
	struct dirty_set set;		/* written since the region's last read */
	uint64_t got[DIRTY_SET_WORDS];	/* the round's last read */
	uint32_t seq[DIRTY_SET_PAGES];	/* the round's last write there, or 0 */
};

struct dirty {
	struct dev_buf buf;		/* the regions' backing, 2M chunks */
	struct dev_buf src;		/* what the device writes */
	int src_mapped;
	unsigned int nregions;
	uint32_t seq;
	struct dt_region *reg;
};

static const char *mode_name(enum dt_mode m)
{
	return m == DT_BIG ? "2M leaf" : m == DT_SMALL ? "4K pages" : "unmapped";
}

/* The 64 bytes write @seq of page @page of region @r puts there. */
static void dt_sig(const struct worker *w, unsigned int r, unsigned int page,
		   uint32_t seq, uint64_t *sig)
{
	uint64_t x = DT_MAGIC ^ wk_opts(w)->seed;

	sig[0] = DT_MAGIC;
	sig[1] = (uint64_t)w->id << 48 | (uint64_t)r << 16 | page;
	sig[2] = w->iteration;
	sig[3] = seq;
	for (unsigned int i = 4; i < DT_SIG_WORDS; i++) {
		x ^= sig[i - 3] + 0x9e3779b97f4a7c15ull * i;
		x *= 0xbf58476d1ce4e5b9ull;
		sig[i] = x ^ x >> 31;
	}
}

static int dt_map(struct worker *w, unsigned int r, enum dt_mode mode)
{
	struct dirty *dt = w->priv;
	struct dt_region *g = &dt->reg[r];
	uint64_t split;
	int ret;

	if (mode == DT_BIG) {
		ret = wk_map(w, &dt->buf, g->iova, g->off, SZ_2M);
	} else {
		/* Two pieces, each short of 2M: the driver maps 4K pages. */
		split = (1 + rng_below(&w->rng, DIRTY_SET_PAGES - 1)) * SZ_4K;
		ret = wk_map(w, &dt->buf, g->iova, g->off, split);
		if (!ret)
			ret = wk_map(w, &dt->buf, g->iova + split, g->off + split,
				     SZ_2M - split);
	}
	if (ret)
		return ret;
	g->mode = mode;
	return 0;
}

/* Reports the first write of a read clean, as a region saw it. */
static void observe_missing(struct worker *w, const struct dt_region *g,
			    const struct dirty_verdict *v)
{
	wk_observe(w, "dirty: a page written read clean",
		   "%s, through %s",
		   v->first_missing == g->first_after_resize ?
		   "the first write after the region's leaf size changed" :
		   "not the first write after a leaf size change",
		   mode_name(g->mode));
}

/* Where a 2M leaf's write dirtied more pages than it wrote. */
static void observe_widened(struct worker *w, const struct dirty_verdict *v)
{
	wk_observe(w, "dirty: a read of a 2M leaf written through",
		   v->widened + v->written == DIRTY_SET_PAGES ?
		   "reports the whole leaf dirty" :
		   v->widened ? "reports some unwritten pages of the leaf" :
		   "reports only the pages written");
}

/*
 * DIRTY_READ of region @r, clearing: judged against what was written
 * since its last read; the bits stay in g->got.
 */
static int dt_read(struct worker *w, unsigned int r)
{
	struct dirty *dt = w->priv;
	struct dt_region *g = &dt->reg[r];
	struct dirty_verdict v;
	int ret;

	ret = dev_dirty_read(w->s->fd, w->s->dom.domain_id, g->iova, SZ_2M,
			     SZ_4K, 0, g->got);
	if (ret)
		return ret;
	v = dirty_judge(&g->set, g->got);
	w->st.dirty_bits += v.read;
	w->st.dirty_missing += v.missing;
	w->st.dirty_extra += v.extra;
	w->st.case_checks[DT_BITS] += v.written;
	w->st.case_bad[DT_BITS] += v.missing;
	if (v.missing)
		observe_missing(w, g, &v);
	/* How far a leaf's write reached, where it was recorded at all. */
	if (g->mode == DT_BIG && v.written && !v.missing)
		observe_widened(w, &v);
	if (v.extra)
		wk_observe(w, "dirty: bits of pages no write reached",
			   "in a region mapped as %s", mode_name(g->mode));
	dirty_set_clear(&g->set);
	g->first_after_resize = -1;
	return 0;
}

static int dt_write(struct worker *w, unsigned int r, unsigned int page)
{
	struct dirty *dt = w->priv;
	struct dt_region *g = &dt->reg[r];
	uint64_t sig[DT_SIG_WORDS];
	uint32_t status;
	int ret;

	dt_sig(w, r, page, ++dt->seq, sig);
	memcpy(dt->src.mem, sig, sizeof(sig));
	ret = dev_dma_write(w->s->fd, w->s->dom.domain_id,
			    g->iova + page * SZ_4K, sizeof(sig), &dt->src, 0,
			    &status, NULL);
	if (ret)
		return ret;
	if (status) {
		fprintf(stderr, "iommu-stress: dirty: DMA write at %#llx: %s\n",
			(unsigned long long)(g->iova + page * SZ_4K),
			dev_errno_hint(DEV_DMA_STATUS, (int)status));
		return -EIO;
	}
	if (g->last_write != DT_UNMAPPED && g->last_write != g->mode &&
	    g->first_after_resize < 0)
		g->first_after_resize = (int)page;
	g->last_write = g->mode;
	g->seq[page] = dt->seq;
	dirty_set_write(&g->set, page, g->mode == DT_BIG ? DIRTY_SET_PAGES : 1);
	w->st.dirty_written++;
	return 0;
}

/* A random set of pages of every mapped region, written by the device. */
static int dt_writes(struct worker *w)
{
	struct dirty *dt = w->priv;

	for (unsigned int r = 0; r < dt->nregions; r++) {
		unsigned int n = 1 + (unsigned int)rng_below(&w->rng, DT_MAX_WRITES);

		if (dt->reg[r].mode == DT_UNMAPPED)
			continue;
		for (unsigned int i = 0; i < n; i++) {
			int ret = dt_write(w, r,
					   (unsigned int)rng_below(&w->rng, DIRTY_SET_PAGES));

			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Region @r kept as it is, mapped again as it was, or mapped in the other
 * form; read first, as its unmap takes its bits.
 */
static int dt_change(struct worker *w, unsigned int r)
{
	struct dirty *dt = w->priv;
	struct dt_region *g = &dt->reg[r];
	enum dt_mode mode = g->mode;
	int ret;

	switch (rng_below(&w->rng, 3)) {
	case 0:
		return 0;
	case 1:
		break;
	default:
		mode = mode == DT_BIG ? DT_SMALL : DT_BIG;
		break;
	}
	ret = dt_read(w, r);
	if (!ret)
		ret = wk_unmap(w, g->iova, SZ_2M, NULL);
	if (ret)
		return ret;
	g->mode = DT_UNMAPPED;
	return dt_map(w, r, mode);
}

/*
 * Which of the @due bits a read from inside a leaf reported, in words;
 * @near of the @more bits it reported beyond them lie within 2M of the
 * read's start (where a leaf's 2M counted from there would reach).
 */
static const char *compare_part(unsigned int due, unsigned int same,
				unsigned int more, unsigned int near)
{
	if (more)
		return near == more ?
		       "bits the aligned reads did not report, all within 2M of the read's start" :
		       "bits the aligned reads did not report, some past 2M of the read's start";
	if (same == due)
		return due ? "what the aligned reads reported" : "nothing, as the aligned reads";
	return same ? "part of what the aligned reads reported" :
	       "none of what the aligned reads reported";
}

/*
 * Once a round: a NO_CLEAR read from a page inside a 2M leaf a write
 * went through to the end of the next region, set beside the aligned
 * reads of both right after it. 6.12's intel driver was measured not to
 * align such a start down: what it answers is the driver's, observed.
 * It steps a leaf's size on from that start, so where the next region
 * is a written 2M leaf too it reports that leaf reaching past the read's
 * end, and the kernel's bitmap refuses the read (-EPROTO): observed too.
 * The read does not clear, so the aligned reads after it are as ever.
 */
static int dt_unaligned(struct worker *w, unsigned int *leaf,
			uint64_t *bits, unsigned int *skip)
{
	struct dirty *dt = w->priv;

	*leaf = dt->nregions;
	for (unsigned int r = 0; r + 1 < dt->nregions; r++) {
		const struct dt_region *g = &dt->reg[r];
		int ret;

		if (g->mode != DT_BIG || !dirty_count(g->set.written, 0, DIRTY_SET_PAGES) ||
		    dt->reg[r + 1].mode == DT_UNMAPPED)
			continue;
		*skip = 1 + (unsigned int)rng_below(&w->rng, DIRTY_SET_PAGES - 1);
		ret = dev_dirty_read_unsaid(w->s->fd, w->s->dom.domain_id,
					    g->iova + *skip * SZ_4K,
					    2 * SZ_2M - *skip * SZ_4K, SZ_4K,
					    IOMMU_STRESS_DIRTY_READ_NO_CLEAR, bits,
					    EPROTO);
		if (ret == -EPROTO) {
			wk_observe(w, "dirty: a NO_CLEAR read from inside a written 2M leaf",
				   "refused (EPROTO): the driver reported a leaf reaching past the read's end; next region %s",
				   mode_name(dt->reg[r + 1].mode));
			return 0;
		}
		if (ret)
			return ret;
		*leaf = r;
		return 0;
	}
	return 0;
}

static void observe_unaligned(struct worker *w, unsigned int leaf,
			      const uint64_t *bits, unsigned int skip)
{
	struct dirty *dt = w->priv;
	unsigned int n = 2 * DIRTY_SET_PAGES - skip;
	unsigned int due[2] = { 0 }, same[2] = { 0 }, more[2] = { 0 };
	unsigned int near[2] = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		unsigned int page = skip + i, part = page / DIRTY_SET_PAGES;
		int truth = dirty_bit(dt->reg[leaf + part].got, page % DIRTY_SET_PAGES);
		int got = dirty_bit(bits, i);

		due[part] += (unsigned int)truth;
		same[part] += (unsigned int)(truth && got);
		more[part] += (unsigned int)(got && !truth);
		near[part] += (unsigned int)(got && !truth && i < DIRTY_SET_PAGES);
	}
	wk_observe(w, "dirty: a NO_CLEAR read from inside a written 2M leaf",
		   "rest of the leaf: %s; next region (%s): %s",
		   compare_part(due[0], same[0], more[0], near[0]),
		   mode_name(dt->reg[leaf + 1].mode),
		   compare_part(due[1], same[1], more[1], near[1]));
}

/*
 * Every page written this round holds the device's last signature; then
 * its own signature again, for the scan at the run's end.
 */
static void dt_landed(struct worker *w)
{
	struct dirty *dt = w->priv;

	for (unsigned int r = 0; r < dt->nregions; r++) {
		struct dt_region *g = &dt->reg[r];

		for (unsigned int p = 0; p < DIRTY_SET_PAGES; p++) {
			uint64_t sig[DT_SIG_WORDS], off = g->off + p * SZ_4K;
			struct sig_id id = {
				.buf = dt->buf.id, .page = off / SIG_PAGE_SIZE, .gen = 1,
			};

			if (!g->seq[p])
				continue;
			dt_sig(w, r, p, g->seq[p], sig);
			w->st.case_checks[DT_LANDED]++;
			if (memcmp(dt->buf.mem + off, sig, sizeof(sig))) {
				w->st.case_bad[DT_LANDED]++;
				w->st.writes_lost++;
				wk_observe(w, "dirty: a device write not found in its page",
					   "through %s", mode_name(g->mode));
			}
			sig_fill_page(dt->buf.mem + off, &id);
			g->seq[p] = 0;
		}
	}
}

static int dirty_phase(struct worker *w, unsigned int phase)
{
	struct dirty *dt = w->priv;
	uint64_t bits[2 * DIRTY_SET_WORDS];
	unsigned int leaf, skip = 0;
	int ret = 0;

	(void)phase;
	for (unsigned int step = 0; !ret; step++) {
		ret = dt_writes(w);
		if (ret || step == DT_STEPS)
			break;
		for (unsigned int r = 0; r < dt->nregions && !ret; r++)
			ret = dt_change(w, r);
	}
	if (!ret)
		ret = dt_unaligned(w, &leaf, bits, &skip);
	for (unsigned int r = 0; r < dt->nregions && !ret; r++)
		ret = dt_read(w, r);
	if (ret)
		return ret;
	if (leaf < dt->nregions)
		observe_unaligned(w, leaf, bits, skip);
	dt_landed(w);
	return 0;
}

static int dirty_setup(struct worker *w)
{
	const struct run_opts *o = wk_opts(w);
	struct dirty *dt;
	int ret;

	if (!(wk_pgsizes(w) & SZ_2M))
		return wk_unsupported(w, "the IOMMU has no 2M pages (pgsize_bitmap %#llx)",
				      (unsigned long long)wk_pgsizes(w));
	dt = calloc(1, sizeof(*dt));
	if (!dt)
		return -ENOMEM;
	w->priv = dt;
	dt->nregions = (unsigned int)(o->size / SZ_2M);
	dt->reg = calloc(dt->nregions, sizeof(*dt->reg));
	if (!dt->reg)
		return -ENOMEM;
	ret = wk_buf_alloc(w, dt->nregions * SZ_2M, IOMMU_STRESS_CHUNK_2M, &dt->buf);
	if (ret)
		return ret;
	/* Not one of the run's buffers: the tool writes it all run long. */
	ret = dev_buf_alloc(w->s->fd, SZ_4K, IOMMU_STRESS_CHUNK_4K,
			    IOMMU_STRESS_NODE_ANY, &dt->src);
	if (ret)
		return ret;
	dt->src_mapped = 1;
	ret = wk_region(w, dt->nregions * SZ_2M, SZ_2M);
	for (unsigned int r = 0; r < dt->nregions && !ret; r++) {
		struct dt_region *g = &dt->reg[r];

		g->iova = w->base + r * SZ_2M;
		g->off = r * SZ_2M;
		g->first_after_resize = -1;
		ret = dt_map(w, r, rng_below(&w->rng, 2) ? DT_BIG : DT_SMALL);
	}
	/* Once for the domain: every thread's phases come after this. */
	if (!ret && w->id == 0)
		ret = dev_dirty_switch(w->s->fd, w->s->dom.domain_id, 1);
	return ret;
}

static void dirty_teardown(struct worker *w)
{
	struct dirty *dt = w->priv;

	if (!dt)
		return;
	if (dt->src_mapped)
		dev_buf_unmap(&dt->src);
	free(dt->reg);
	free(dt);
	w->priv = NULL;
}

static int dirty_validate(const struct run_opts *o)
{
	if (o->size < SZ_2M || o->size % SZ_2M) {
		fprintf(stderr, "iommu-stress: dirty: --size must be a multiple of 2M\n");
		return -EINVAL;
	}
	return 0;
}

static const struct pattern pattern_dirty = {
	.name = "dirty",
	.summary = "device writes under dirty tracking while 2M regions change between 4K tables and 2M leaves; every page written must read dirty",
	.bug_class = "lost dirty bits: a page DMA wrote that dirty tracking does not report (a live migration would not copy it)",
	.help =
"Per round: the device writes a random set of pages of every 2M region,\n"
"some regions are mapped again (4K pages in two pieces, or one 2M leaf;\n"
"changed or not), each read (DIRTY_READ) before its unmap, three times\n"
"over; then all are read. A page written and read clean is corruption; a\n"
"write through a 2M leaf may dirty the whole leaf; other bits are noise,\n"
"counted. Every write's 64 bytes must have landed in its page.\n"
"Needs an edu target whose IOMMU tracks dirty pages (intel: scalable mode\n"
"with second-stage A/D bits) and a kernel that reports them (built with\n"
"CONFIG_IOMMUFD); elsewhere the run exits 4.\n",
	.default_size = 8ull << 20,
	.default_iterations = 10,
	.cases = dirty_cases,
	.nphases = 1,
	.validate = dirty_validate,
	.setup = dirty_setup,
	.phase = dirty_phase,
	.teardown = dirty_teardown,
	.dirty_tracking = 1,
	.skip_flush_void = "no control for the dirty pattern: a skipped IOTLB sync has not shown in its reads (tests/vm/dirty, intel-iommu: clean); its controls are --inject wrong-page and QEMU's x-ssads-lose-resized=on",
};
PATTERN_REGISTER(pattern_dirty);
