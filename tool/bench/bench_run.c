// SPDX-License-Identifier: GPL-2.0
/*
 * The cells of a bench run (page size x thread count): each thread's
 * buffer and IOVA range, made once per cell, then every way in turn with
 * all threads let go together, timed from the first thread's start to
 * the last one's end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* Pages a thread maps per round: enough to fill a BATCH at 4K. */
static uint32_t pages_per_round(uint64_t page_size, uint64_t ops)
{
	uint32_t n = page_size <= SZ_4K ? 64 : page_size <= SZ_2M ? 8 : 1;

	return ops / 2 < n ? (uint32_t)(ops / 2) : n;
}

double bench_rate(const struct bench_way_result *w)
{
	if (w->err || !w->elapsed_ns)
		return 0.0;
	return (double)w->ops * 1e9 / (double)w->elapsed_ns;
}

double bench_cpu_share(const struct bench_way_result *w)
{
	if (w->err || !w->thread_ns)
		return -1.0;
	return (double)w->cpu_ns / (double)w->thread_ns;
}

int bench_cpu_shared(const struct bench_way_result *w, unsigned int threads,
		     unsigned int cpus)
{
	double share = bench_cpu_share(w), most = 1.0;

	if (share < 0)
		return 0;
	/* More threads than CPUs: they cannot each have one all the time. */
	if (threads > cpus && cpus)
		most = (double)cpus / threads;
	return share < BENCH_MIN_CPU_SHARE * most;
}

/* 1 and the powers of two up to the online CPUs. */
static unsigned int default_threads(unsigned int cpus, unsigned int *out)
{
	unsigned int n = 0;

	for (unsigned int t = 1; t <= cpus && t <= BENCH_MAX_THREADS; t *= 2)
		out[n++] = t;
	if (cpus > 1 && cpus <= BENCH_MAX_THREADS && out[n - 1] != cpus)
		out[n++] = cpus;
	return n;
}

/*
 * 4K and 2M where the IOMMU maps them; 1G always, so that where it cannot
 * be measured the run says why (size_missing(), the buffer's 1G chunk).
 */
static unsigned int default_sizes(const struct session *s, uint64_t *out)
{
	unsigned int n = 0;

	if (s->dom.pgsize_bitmap & SZ_4K)
		out[n++] = SZ_4K;
	if (s->dom.pgsize_bitmap & SZ_2M)
		out[n++] = SZ_2M;
	out[n++] = SZ_1G;
	return n;
}

/*
 * Thread @id's IOVA range of @len bytes: 1G-aligned, a 2M gap at least
 * between threads, in the test's range and clear of the window and the
 * reserved regions. -ENOSPC when the range has no room.
 */
static int thread_iova(const struct session *s, unsigned int id, uint64_t len,
		       uint64_t *iova)
{
	uint64_t stride = align_up(len + SZ_2M, SZ_1G);
	uint64_t base = align_up(session_floor(s), SZ_1G);
	unsigned int found = 0;

	for (;; base += stride) {
		if (!base || base + len - 1 < base || base + len - 1 > s->dom.range_last)
			return -ENOSPC;
		if (session_range_free(s, base, len) && found++ == id) {
			*iova = base;
			return 0;
		}
	}
}

/* Why no way can measure pages of @size here, or NULL. */
static const char *size_missing(const struct session *s, uint64_t size)
{
	if (!(s->dom.pgsize_bitmap & size))
		return "the IOMMU does not map pages of this size";
	if (size >= SZ_1G && !(s->info.features & IOMMU_STRESS_FEAT_1G_LEAVES))
		return "the module builds no 1G leaves unless loaded with allow_1g_leaves=1 (unsafe on a real host)";
	return NULL;
}

/* Why a way cannot run on this module at all, or NULL. */
static const char *way_missing(const struct session *s, enum bench_way w)
{
	if (w == WAY_BATCH && !(s->info.features & IOMMU_STRESS_FEAT_BATCH))
		return "the module has no BATCH ioctl";
	if ((w == WAY_KERNEL || w == WAY_KERNEL_MAP || w == WAY_DMA_API) &&
	    !(s->info.features & IOMMU_STRESS_FEAT_BENCH))
		return "the module has no BENCH ioctl";
	if (w == WAY_DMA_API && !session_shared(s))
		return "the DMA API only on a dmaengine channel's shared domain: a private domain leaves the device's DMA-API domain detached, its flushes reaching no device";
	return NULL;
}

/* Why way @w cannot measure the pages of cell @c, or NULL. */
static const char *cell_missing(const struct bench_cell *c, enum bench_way w)
{
	if (w == WAY_DMA_API && c->page_size != SZ_4K)
		return "the DMA API at 4K pages only, as dma_map_benchmark maps them";
	return NULL;
}

struct cell_run {
	pthread_barrier_t go;
	struct bench_thread *t[BENCH_MAX_THREADS];
	enum bench_way way;
};

struct thread_arg {
	struct cell_run *run;
	struct bench_thread *t;
};

static void *way_thread(void *p)
{
	struct thread_arg *a = p;

	pthread_barrier_wait(&a->run->go);
	bench_way_run(a->t, a->run->way);
	return NULL;
}

/* All threads of the cell through way @w, let go together. */
static void run_way(struct cell_run *run, unsigned int n, enum bench_way w,
		    struct bench_way_result *out)
{
	struct thread_arg args[BENCH_MAX_THREADS];
	pthread_t th[BENCH_MAX_THREADS];
	uint64_t start = UINT64_MAX, end = 0;

	run->way = w;
	pthread_barrier_init(&run->go, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		args[i] = (struct thread_arg){ .run = run, .t = run->t[i] };
		pthread_create(&th[i], NULL, way_thread, &args[i]);
	}
	pthread_barrier_wait(&run->go);
	for (unsigned int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&run->go);
	for (unsigned int i = 0; i < n; i++) {
		struct bench_thread *t = run->t[i];

		if (t->start_ns < start)
			start = t->start_ns;
		if (t->end_ns > end)
			end = t->end_ns;
		if (t->err && !out->err)
			out->err = t->err;
		out->ops += t->ops;
		out->cpu_ns += t->cpu_ns;
		out->thread_ns += t->end_ns > t->start_ns ? t->end_ns - t->start_ns : 0;
		out->loop_ns += t->loop_ns;
		out->call_ns += t->call_ns;
		lat_merge(&out->map, &t->map);
		lat_merge(&out->unmap, &t->unmap);
	}
	out->elapsed_ns = end > start ? end - start : 0;
}

static void threads_free(struct cell_run *run, unsigned int n, int fd)
{
	for (unsigned int i = 0; i < n && run->t[i]; i++) {
		if (run->t[i]->buf.mem)
			dev_buf_free(fd, &run->t[i]->buf);
		free(run->t[i]->mapped);
		free(run->t[i]);
	}
}

/*
 * The chunks a buffer of @page_size pages is made of: the page's own
 * size, so that each page is physically contiguous (1G ones come from
 * the module's contiguous ranges, which it hands out only where it
 * builds 1G leaves: size_missing() said so before).
 */
static uint64_t chunk_for(uint64_t page_size)
{
	return page_size >= SZ_1G ? IOMMU_STRESS_CHUNK_1G :
	       page_size >= SZ_2M ? IOMMU_STRESS_CHUNK_2M : IOMMU_STRESS_CHUNK_4K;
}

/*
 * A buffer that cannot be had here is no failure of the run: no memory
 * or IOVA room for it, or 1G chunks the kernel or module does not give.
 */
static int not_here(int err, uint64_t chunk)
{
	return err == -ENOMEM || err == -ENOSPC ||
	       (chunk >= SZ_1G && (err == -EOPNOTSUPP || err == -EPERM));
}

/* Each thread's buffer and IOVA range; -errno, said in @c's ways. */
static int threads_make(struct session *s, const struct bench_opts *o,
			struct bench_cell *c, struct cell_run *run)
{
	uint64_t len = c->page_size * c->count;
	uint64_t chunk = chunk_for(c->page_size);
	char why[192] = "";
	int ret = 0;

	for (unsigned int i = 0; i < c->threads && !ret; i++) {
		struct bench_thread *t = calloc(1, sizeof(*t));
		unsigned char *mapped = calloc(c->count, 1);

		run->t[i] = t;
		if (!t || !mapped) {
			free(mapped);
			ret = -ENOMEM;
			break;
		}
		*t = (struct bench_thread){
			.s = s, .id = i, .page_size = c->page_size,
			.count = c->count, .rounds = c->rounds,
			.batch = o->batch, .mapped = mapped,
		};
		ret = thread_iova(s, i, len, &t->iova);
		if (ret) {
			snprintf(why, sizeof(why), "no room in the IOVA range for %u ranges of %#llx bytes",
				 c->threads, (unsigned long long)len);
			break;
		}
		ret = __dev_buf_alloc(s->fd, len, chunk, IOMMU_STRESS_NODE_ANY, &t->buf);
		if (ret == -ENOMEM && chunk >= SZ_1G)
			snprintf(why, sizeof(why), "no physically contiguous 1G of free memory for thread %u's buffer of %#llx bytes (BUF_ALLOC: %s)",
				 i, (unsigned long long)len, strerror(-ret));
		else if (ret == -EOPNOTSUPP && chunk >= SZ_1G)
			snprintf(why, sizeof(why), "this kernel gives modules no contiguous allocator for 1G chunks (BUF_ALLOC: %s)",
				 strerror(-ret));
		else if (ret)
			snprintf(why, sizeof(why), "no buffer of %#llx bytes in %#llx-byte chunks for thread %u: %s",
				 (unsigned long long)len, (unsigned long long)chunk,
				 i, strerror(-ret));
	}
	for (unsigned int w = 0; ret && w < WAY_NR; w++) {
		c->way[w].err = not_here(ret, chunk) ? -EOPNOTSUPP : ret;
		snprintf(c->way[w].why, sizeof(c->way[w].why), "%s",
			 why[0] ? why : strerror(-ret));
	}
	return ret;
}

/* Why a way that ran did not measure, in its result's words. */
static void settle_way(enum bench_way w, struct bench_way_result *out)
{
	if (out->err == -EOPNOTSUPP && w == WAY_DMA_API) {
		/* The domain was shared and the page 4K: the flag is unknown. */
		snprintf(out->why, sizeof(out->why),
			 "the module's BENCH has no DMA_API flag");
	} else if (out->err) {
		snprintf(out->why, sizeof(out->why), "%s", strerror(-out->err));
	}
}

static int run_cell(struct session *s, const struct bench_opts *o,
		    struct bench_cell *c)
{
	struct cell_run run;
	int ret;

	memset(&run, 0, sizeof(run));
	c->count = pages_per_round(c->page_size, o->ops);
	c->rounds = (uint32_t)(o->ops / (2ull * c->count));
	ret = threads_make(s, o, c, &run);
	if (ret) {
		threads_free(&run, c->threads, s->fd);
		return not_here(ret, chunk_for(c->page_size)) ? 0 : ret;
	}
	/*
	 * One round first, untimed: page tables the driver allocates once
	 * are not charged to whichever way runs first.
	 */
	for (unsigned int i = 0; i < c->threads; i++) {
		struct bench_thread *t = run.t[i];
		uint32_t rounds = t->rounds;

		t->rounds = 1;
		ret = bench_way_run(t, WAY_SINGLE);
		t->rounds = rounds;
		if (ret)
			break;
	}
	for (unsigned int w = 0; w < WAY_NR && !ret; w++) {
		const char *missing = way_missing(s, w);

		if (!missing)
			missing = cell_missing(c, w);
		if (!(o->ways & 1u << w))
			continue;
		if (missing) {
			c->way[w].err = -EOPNOTSUPP;
			snprintf(c->way[w].why, sizeof(c->way[w].why), "%s", missing);
			continue;
		}
		run_way(&run, c->threads, w, &c->way[w]);
		settle_way(w, &c->way[w]);
	}
	threads_free(&run, c->threads, s->fd);
	return ret;
}

int bench_run(struct session *s, const struct bench_opts *o,
	      struct bench_result *r)
{
	unsigned int threads[BENCH_MAX_THREADS], nthreads = o->nthreads;
	uint64_t sizes[BENCH_MAX_SIZES];
	unsigned int nsizes = o->nsizes;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *why;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->cpus = cpus > 0 ? (unsigned int)cpus : 1;
	memcpy(threads, o->threads, sizeof(threads));
	memcpy(sizes, o->sizes, sizeof(sizes));
	if (!nthreads)
		nthreads = default_threads(r->cpus, threads);
	if (!nsizes)
		nsizes = default_sizes(s, sizes);
	r->cells = calloc((size_t)nsizes * nthreads, sizeof(*r->cells));
	if (!r->cells)
		return -ENOMEM;
	for (unsigned int i = 0; i < nsizes && !ret; i++)
		for (unsigned int j = 0; j < nthreads && !ret; j++) {
			struct bench_cell *c = &r->cells[r->ncells++];

			c->page_size = sizes[i];
			c->threads = threads[j];
			why = size_missing(s, sizes[i]);
			for (unsigned int w = 0; why && w < WAY_NR; w++) {
				c->way[w].err = -EOPNOTSUPP;
				snprintf(c->way[w].why, sizeof(c->way[w].why), "%s", why);
			}
			if (!why)
				ret = run_cell(s, o, c);
		}
	return ret;
}

void bench_result_free(struct bench_result *r)
{
	free(r->cells);
	r->cells = NULL;
	r->ncells = 0;
}
