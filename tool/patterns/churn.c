// SPDX-License-Identifier: GPL-2.0
/*
 * churn: random mixes of 4K, 2M (and, where the host has 1G-contiguous
 * memory, 1G) maps and unmaps over a shared region, with DMA checks of
 * mapped and just-unmapped pages, seeded and reproducible (--seed). Each
 * thread churns its own sub-range; all share the upper-level tables.
 *
 * On corruption the run writes an op log (--replay-out, default
 * churn-seed<N>.ops in the current directory) holding every op of every
 * thread up to the iteration that went wrong, regenerated from the seed;
 * 'iommu-stress replay FILE' runs it again, op by op, in one thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "churn.h"
#include "pattern.h"

#define CH_MAX_RUN	8	/* pages in one 4K-run map */
#define CH_PAGES_2M	(SZ_2M / SZ_4K)
#define CH_PAGES_1G	(SZ_1G / SZ_4K)

/* The generator. */

int churn_gen_init(struct churn_gen *g, const struct churn_cfg *cfg,
		   uint64_t seed, unsigned int thread)
{
	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	rng_init(&g->rng, seed, RNG_OPS, thread);
	g->npages = cfg->size / SZ_4K;
	g->page_off = malloc(g->npages * sizeof(*g->page_off));
	g->last_off = malloc(g->npages * sizeof(*g->last_off));
	g->ext = calloc(g->npages, sizeof(*g->ext));
	if (!g->page_off || !g->last_off || !g->ext) {
		churn_gen_free(g);
		return -ENOMEM;
	}
	for (uint64_t p = 0; p < g->npages; p++)
		g->page_off[p] = g->last_off[p] = CHURN_UNMAPPED;
	return 0;
}

void churn_gen_free(struct churn_gen *g)
{
	free(g->page_off);
	free(g->last_off);
	free(g->ext);
	g->page_off = g->last_off = NULL;
	g->ext = NULL;
}

static void push(struct churn_gen *g, enum churn_type type, uint64_t page,
		 uint64_t npages, uint64_t off)
{
	g->queue[g->nqueue++] = (struct churn_op){
		.type = type, .iova = g->cfg.base + page * SZ_4K,
		.len = npages * SZ_4K, .off = off,
	};
}

static void push_check(struct churn_gen *g, uint64_t page)
{
	g->queue[g->nqueue++] = (struct churn_op){
		.type = CH_CHECK, .iova = g->cfg.base + page * SZ_4K,
		.off = g->page_off[page],
	};
}

static int run_free(const struct churn_gen *g, uint64_t page, uint64_t n)
{
	for (uint64_t p = page; p < page + n; p++)
		if (g->page_off[p] != CHURN_UNMAPPED)
			return 0;
	return 1;
}

/* Backing that gives every page other memory than it had last time. */
static int pick_backing(struct churn_gen *g, uint64_t page, uint64_t n,
			uint64_t align, uint64_t *off)
{
	uint64_t slots = (g->cfg.buf_len - n * SZ_4K) / align + 1;

	for (int tries = 0; tries < 64; tries++) {
		uint64_t o = rng_below(&g->rng, slots) * align;
		int fresh = 1;

		for (uint64_t p = 0; p < n && fresh; p++)
			fresh = g->last_off[page + p] != o + p * SZ_4K;
		if (fresh) {
			*off = o;
			return 1;
		}
	}
	return 0;
}

static void model_map(struct churn_gen *g, uint64_t page, uint64_t n,
		      uint64_t off)
{
	for (uint64_t p = 0; p < n; p++)
		g->page_off[page + p] = g->last_off[page + p] = off + p * SZ_4K;
	g->ext[g->nex++] = (struct churn_extent){ page, n, off };
}

static void model_unmap(struct churn_gen *g, uint64_t e)
{
	for (uint64_t p = 0; p < g->ext[e].npages; p++)
		g->page_off[g->ext[e].page + p] = CHURN_UNMAPPED;
	g->ext[e] = g->ext[--g->nex];
}

/* A map of @npages at a free, @npages-aligned place (4K runs: anywhere). */
static int act_map(struct churn_gen *g, uint64_t npages)
{
	uint64_t page, off, n = npages, align = npages * SZ_4K;

	if (npages == 1) {
		n = 1 + rng_below(&g->rng, CH_MAX_RUN);
		page = rng_below(&g->rng, g->npages);
		/* A run stays inside its 2M region: never a superpage. */
		if ((page % CH_PAGES_2M) + n > CH_PAGES_2M)
			n = CH_PAGES_2M - page % CH_PAGES_2M;
		align = SZ_4K;
	} else {
		if (g->npages < npages)
			return 0;
		page = rng_below(&g->rng, g->npages / npages) * npages;
	}
	if (!run_free(g, page, n) || !pick_backing(g, page, n, align, &off))
		return 0;
	push(g, CH_MAP, page, n, off);
	model_map(g, page, n, off);
	if (rng_below(&g->rng, 2))
		push_check(g, page + rng_below(&g->rng, n));
	return 1;
}

/* One live mapping, read first (so the IOMMU caches it), then unmapped. */
static int act_unmap(struct churn_gen *g)
{
	uint64_t e, page, probe;

	if (!g->nex)
		return 0;
	e = rng_below(&g->rng, g->nex);
	page = g->ext[e].page;
	probe = page + rng_below(&g->rng, g->ext[e].npages);
	if (rng_below(&g->rng, 4))
		push_check(g, probe);
	push(g, CH_UNMAP, page, g->ext[e].npages, 0);
	model_unmap(g, e);
	if (rng_below(&g->rng, 4))
		push_check(g, probe);
	return 1;
}

/*
 * Several 4K-run mappings of one 2M region with one unmap, from the first
 * page of one of them (never from a hole: a driver may round such an unmap
 * up to the superpage size) to the end of a later one in the same region.
 */
static int act_unmap_range(struct churn_gen *g)
{
	uint64_t e, page, block, end;

	if (!g->nex)
		return 0;
	e = rng_below(&g->rng, g->nex);
	if (g->ext[e].npages >= CH_PAGES_2M)
		return act_unmap(g);
	page = g->ext[e].page;
	block = page / CH_PAGES_2M;
	end = page + g->ext[e].npages;
	for (uint64_t i = 0; i < g->nex; i++) {
		const struct churn_extent *x = &g->ext[i];

		/* 4K runs never cross their 2M region: neither does the range. */
		if (x->page > page && x->page / CH_PAGES_2M == block &&
		    x->page + x->npages > end && rng_below(&g->rng, 2))
			end = x->page + x->npages;
	}
	push_check(g, page);
	push(g, CH_UNMAP, page, end - page, 0);
	for (uint64_t i = 0; i < g->nex;) {
		const struct churn_extent *x = &g->ext[i];

		if (x->page >= page && x->page + x->npages <= end)
			model_unmap(g, i);
		else
			i++;
	}
	push_check(g, page);
	return 1;
}

static int act_check(struct churn_gen *g)
{
	push_check(g, rng_below(&g->rng, g->npages));
	return 1;
}

void churn_gen_next(struct churn_gen *g, struct churn_op *op)
{
	while (g->qhead == g->nqueue) {
		uint64_t r = rng_below(&g->rng, 100);
		int done;

		g->qhead = g->nqueue = 0;
		if (r < 30)
			done = act_map(g, 1);
		else if (r < 42)
			done = g->cfg.use_2m && act_map(g, CH_PAGES_2M);
		else if (r < 44)
			done = g->cfg.use_1g && act_map(g, CH_PAGES_1G);
		else if (r < 74)
			done = act_unmap(g);
		else if (r < 80)
			done = act_unmap_range(g);
		else
			done = act_check(g);
		if (!done)
			g->qhead = g->nqueue = 0;
	}
	*op = g->queue[g->qhead++];
}

int churn_op_format(char *out, size_t n, unsigned int thread,
		    const struct churn_op *op)
{
	switch (op->type) {
	case CH_MAP:
		return snprintf(out, n, "op %u map %#" PRIx64 " %#" PRIx64 " %#" PRIx64,
				thread, op->iova, op->len, op->off);
	case CH_UNMAP:
		return snprintf(out, n, "op %u unmap %#" PRIx64 " %#" PRIx64,
				thread, op->iova, op->len);
	default:
		if (op->off == CHURN_UNMAPPED)
			return snprintf(out, n, "op %u check %#" PRIx64 " -",
					thread, op->iova);
		return snprintf(out, n, "op %u check %#" PRIx64 " %#" PRIx64,
				thread, op->iova, op->off);
	}
}

int churn_op_parse(const char *line, unsigned int *thread, struct churn_op *op)
{
	char type[8], a[24], b[24], c[24];
	int n = sscanf(line, "op %u %7s %23s %23s %23s", thread, type, a, b, c);
	char *end;

	memset(op, 0, sizeof(*op));
	if (n < 4)
		return -1;
	op->iova = strtoull(a, &end, 0);
	if (*end)
		return -1;
	if (!strcmp(type, "map") && n == 5) {
		op->type = CH_MAP;
		op->len = strtoull(b, &end, 0);
		op->off = strtoull(c, &end, 0);
	} else if (!strcmp(type, "unmap") && n == 4) {
		op->type = CH_UNMAP;
		op->len = strtoull(b, &end, 0);
	} else if (!strcmp(type, "check") && n == 4) {
		op->type = CH_CHECK;
		op->off = strcmp(b, "-") ? strtoull(b, &end, 0) : CHURN_UNMAPPED;
	} else {
		return -1;
	}
	return *end ? -1 : 0;
}

/* The pattern. */

enum { CHC_MAPPED, CHC_UNMAPPED };

static const char *const churn_cases[] = {
	[CHC_MAPPED] = "mapped pages read back",
	[CHC_UNMAPPED] = "unmapped pages fault",
	NULL,
};

static const struct pattern_opt churn_opts[] = {
	{ .name = "ops", .arg = "N",
	  .help = "ops per thread and iteration (default 32)",
	  .def = 32, .min = 1, .max = 1 << 20 },
	{ NULL },
};

/* What thread 0 needs of all threads to write the op log at the end. */
static struct {
	struct churn_cfg cfg[RUN_MAX_THREADS];
	uint64_t chunk[RUN_MAX_THREADS];
	atomic_uint_fast64_t bad_iter;	/* first iteration with a bad read */
	atomic_int bad;
	atomic_int ready;		/* threads whose setup is done */
} shared;

struct churn {
	struct churn_gen gen;
	struct dev_buf buf;
	uint64_t chunk;			/* the buffer's chunk size */
	uint64_t nops;			/* ops run so far */
	uint64_t first_bad_op;		/* UINT64_MAX: none yet */
	struct churn_op recent[8];	/* the ops before the first bad one */
	unsigned int nrecent;
	uint64_t maps_1g;		/* 1G maps that succeeded */
};

/*
 * 1G maps need 1G-contiguous backing and a module that lets the driver
 * build 1G leaves: used when the region holds a 1G page, the module
 * allows 1G leaves and can allocate 1G chunks, recorded as not used
 * otherwise.
 */
static int want_1g(struct worker *w, struct churn *ch, struct churn_cfg *cfg)
{
	uint64_t len = (cfg->size + SZ_1G + SZ_1G - 1) & ~(SZ_1G - 1);
	int ret;

	if (!(wk_pgsizes(w) & SZ_1G) || cfg->size < SZ_1G) {
		if (!w->id)
			wk_observe(w, "churn: 1G maps", "not used: %s",
				   cfg->size < SZ_1G ? "the region (--size) is below 1G" :
				   "the IOMMU has no 1G pages");
		return 0;
	}
	if (!wk_1g_leaves(w)) {
		if (!w->id)
			wk_observe(w, "churn: 1G maps", "not used: %s", WK_NO_1G_LEAVES);
		return 0;
	}
	ret = wk_buf_alloc_try(w, len, IOMMU_STRESS_CHUNK_1G, &ch->buf);
	if (ret) {
		if (!w->id)
			wk_observe(w, "churn: 1G maps", "not used: BUF_ALLOC of 1G chunks: %s",
				   strerror(-ret));
		return 0;
	}
	cfg->buf_len = len;
	ch->chunk = IOMMU_STRESS_CHUNK_1G;
	return 1;
}

static int churn_setup(struct worker *w)
{
	const struct run_opts *o = wk_opts(w);
	struct churn_cfg cfg = { 0 };
	struct churn *ch;
	int ret;

	if (wk_opts(w)->size < SZ_2M || wk_opts(w)->size % SZ_2M) {
		fprintf(stderr, "iommu-stress: churn: --size must be a multiple of 2M\n");
		return -EINVAL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	w->priv = ch;
	ch->first_bad_op = UINT64_MAX;
	ch->chunk = IOMMU_STRESS_CHUNK_2M;
	if (!w->id) {
		atomic_store(&shared.bad, 0);
		atomic_store(&shared.bad_iter, UINT64_MAX);
	}
	cfg.size = o->size;
	/* Backing: as big as the region and one 2M more, for choice. */
	cfg.buf_len = o->size + SZ_2M;
	cfg.use_2m = !!(wk_pgsizes(w) & SZ_2M);
	cfg.use_1g = want_1g(w, ch, &cfg);
	if (!cfg.use_1g)
		ret = wk_buf_alloc(w, cfg.buf_len, ch->chunk, &ch->buf);
	else
		ret = 0;
	if (!ret)
		ret = wk_region(w, cfg.size, cfg.use_1g ? SZ_1G : SZ_2M);
	if (ret)
		return ret;
	cfg.base = w->base;
	shared.cfg[w->id] = cfg;
	shared.chunk[w->id] = ch->chunk;
	return churn_gen_init(&ch->gen, &cfg, o->seed, w->id);
}

/* Runs one op; a bad read marks the run for the op log. */
static int run_op(struct worker *w, struct churn *ch, const struct churn_op *op,
		  const struct dev_buf *buf)
{
	uint64_t bad_before = w->st.case_bad[CHC_MAPPED] + w->st.case_bad[CHC_UNMAPPED];
	int ret;

	switch (op->type) {
	case CH_MAP:
		ret = wk_map(w, buf, op->iova, op->off, op->len);
		if (!ret && ch && op->len == SZ_1G)
			ch->maps_1g++;
		return ret;
	case CH_UNMAP:
		return wk_unmap(w, op->iova, op->len, NULL);
	default:
		wk_case(w, op->off == CHURN_UNMAPPED ? CHC_UNMAPPED : CHC_MAPPED);
		ret = wk_check(w, op->iova, op->off == CHURN_UNMAPPED ? NULL : buf,
			       op->off == CHURN_UNMAPPED ? 0 : op->off, "churn");
		if (ret < 0)
			return ret;
		if (ch && bad_before != w->st.case_bad[CHC_MAPPED] +
		    w->st.case_bad[CHC_UNMAPPED] && ch->first_bad_op == UINT64_MAX) {
			uint64_t it = w->iteration, cur;

			ch->first_bad_op = ch->nops;
			atomic_store(&shared.bad, 1);
			cur = atomic_load(&shared.bad_iter);
			while (it < cur && !atomic_compare_exchange_weak(&shared.bad_iter, &cur, it))
				;
		}
		return 0;
	}
}

static int churn_phase(struct worker *w, unsigned int phase)
{
	struct churn *ch = w->priv;
	uint64_t n = pattern_opt(w, "ops");
	struct churn_op op;
	int ret;

	(void)phase;
	for (uint64_t i = 0; i < n; i++) {
		churn_gen_next(&ch->gen, &op);
		if (ch->first_bad_op == UINT64_MAX)
			ch->recent[ch->nrecent++ % 8] = op;
		ret = run_op(w, ch, &op, &ch->buf);
		ch->nops++;
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The op log: every thread's ops, regenerated from the seed, iteration by
 * iteration up to the first one with a bad read, each iteration's ops in
 * thread order (the barrier-lined order of a run, serialised).
 */
static int write_log(struct worker *w, const char *path, uint64_t iters)
{
	const struct run_opts *o = wk_opts(w);
	uint64_t nops = pattern_opt(w, "ops");
	struct churn_gen *g;
	struct churn_op op;
	char line[128];
	FILE *f;
	int ret = 0;

	g = calloc(w->nthreads, sizeof(*g));
	f = fopen(path, "w");
	if (!g || !f) {
		fprintf(stderr, "iommu-stress: churn: cannot write %s\n", path);
		free(g);
		if (f)
			fclose(f);
		return -EIO;
	}
	fprintf(f, "# iommu-stress op log: replay with 'iommu-stress replay %s'\n", path);
	fprintf(f, "# kernel %s, iommu %s; recorded with%s skip-flush\n",
		wk_kernel_release(w), wk_iommu_driver(w),
		o->skip_flush ? "" : "out");
	fprintf(f, "pattern churn\nversion 1\nseed %" PRIu64 "\nthreads %u\nops %" PRIu64 "\n",
		o->seed, w->nthreads, nops);
	for (unsigned int t = 0; t < w->nthreads && !ret; t++) {
		fprintf(f, "buffer %u %#" PRIx64 " %#" PRIx64 "\n", t,
			shared.cfg[t].buf_len, shared.chunk[t]);
		ret = churn_gen_init(&g[t], &shared.cfg[t], o->seed, t);
	}
	for (uint64_t it = 0; it < iters && !ret; it++) {
		fprintf(f, "iteration %" PRIu64 "\n", it);
		for (unsigned int t = 0; t < w->nthreads; t++) {
			for (uint64_t i = 0; i < nops; i++) {
				churn_gen_next(&g[t], &op);
				churn_op_format(line, sizeof(line), t, &op);
				fprintf(f, "%s\n", line);
			}
		}
	}
	for (unsigned int t = 0; t < w->nthreads; t++)
		churn_gen_free(&g[t]);
	free(g);
	if (fclose(f) || ret) {
		fprintf(stderr, "iommu-stress: churn: writing %s failed\n", path);
		return -EIO;
	}
	return 0;
}

static void churn_teardown(struct worker *w)
{
	struct churn *ch = w->priv;
	char path[RUN_PATH_MAX], line[128];

	if (!ch)
		return;
	/* A 1G-capable run that never found a free 1G slot says so. */
	if (ch->chunk == IOMMU_STRESS_CHUNK_1G)
		wk_observe(w, "churn: 1G maps", "used: %" PRIu64 " by thread %u",
			   ch->maps_1g, w->id);
	/* KTAP output starts after the run: the summary names the log instead. */
	if (ch->first_bad_op != UINT64_MAX && !wk_opts(w)->ktap) {
		unsigned int n = ch->nrecent < 8 ? ch->nrecent : 8;

		printf("churn: thread %u read wrong data at op %" PRIu64 " (seed %" PRIu64 "); the ops up to it:\n",
		       w->id, ch->first_bad_op, wk_opts(w)->seed);
		for (unsigned int i = 0; i < n; i++) {
			churn_op_format(line, sizeof(line), w->id,
					&ch->recent[(ch->nrecent - n + i) % 8]);
			printf("  %s\n", line);
		}
	}
	/* All threads passed the last gate: their iteration counts agree. */
	if (!w->id && atomic_load(&shared.bad)) {
		if (wk_opts(w)->replay_out)
			snprintf(path, sizeof(path), "%s", wk_opts(w)->replay_out);
		else
			snprintf(path, sizeof(path), "churn-seed%" PRIu64 ".ops",
				 wk_opts(w)->seed);
		if (!write_log(w, path, atomic_load(&shared.bad_iter) + 1))
			wk_set_replay(w, path);
	}
	churn_gen_free(&ch->gen);
	free(ch);
	w->priv = NULL;
}

/* Replay: the ops of an op log, in its order, one thread. */
static int churn_replay(struct worker *w, FILE *f, const char *path)
{
	struct dev_buf bufs[RUN_MAX_THREADS];
	unsigned int nbufs = 0, t, lineno = 0;
	char line[256];
	struct churn_op op;
	uint64_t len, chunk, iter = 0;
	int ret = 0;

	memset(bufs, 0, sizeof(bufs));
	while (!ret && fgets(line, sizeof(line), f)) {
		lineno++;
		chunk = IOMMU_STRESS_CHUNK_2M;
		if (sscanf(line, "buffer %u %" SCNx64 " %" SCNx64, &t, &len, &chunk) >= 2) {
			if (t != nbufs || t >= RUN_MAX_THREADS) {
				ret = -EINVAL;
				break;
			}
			ret = wk_buf_alloc(w, len, chunk, &bufs[nbufs++]);
			continue;
		}
		if (sscanf(line, "iteration %" SCNu64, &iter) == 1) {
			w->iteration = iter;
			wk_set_iterations(w, iter);
			continue;
		}
		if (strncmp(line, "op ", 3))
			continue;
		if (churn_op_parse(line, &t, &op) || t >= nbufs) {
			fprintf(stderr, "iommu-stress: %s:%u: not an op of this log: %s",
				path, lineno, line);
			ret = -EINVAL;
			break;
		}
		w->id = t;
		ret = run_op(w, NULL, &op, &bufs[t]);
		w->id = 0;
		if (run_interrupted)
			break;
	}
	if (ret == -EINVAL && !lineno)
		fprintf(stderr, "iommu-stress: %s: empty op log\n", path);
	wk_set_iterations(w, iter + 1);
	return ret;
}

static const struct pattern pattern_churn = {
	.name = "churn",
	.summary = "seeded random mixes of 4K/2M(/1G) maps, unmaps and DMA checks over a shared region",
	.bug_class = "any map/unmap/invalidation bug a random sequence reaches; failures replay from an op log",
	.help =
"On corruption the run prints the seed and the ops before the first bad\n"
"read, and writes every op up to that iteration to an op log (--replay-out,\n"
"default churn-seed<N>.ops); 'iommu-stress replay FILE' runs it again.\n",
	.default_size = 8ull << 20,
	.default_iterations = 16,
	.opts = churn_opts,
	.cases = churn_cases,
	.nphases = 1,
	.setup = churn_setup,
	.phase = churn_phase,
	.teardown = churn_teardown,
	.replay = churn_replay,
};
PATTERN_REGISTER(pattern_churn);
