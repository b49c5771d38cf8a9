// SPDX-License-Identifier: GPL-2.0
/*
 * One thread's share of each way: the same stream of ops (round after
 * round, every page mapped, then every page unmapped, one call each),
 * made by single ioctls, by BATCH, or by the module's BENCH loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

/* Op @k of the stream: whether it is an unmap, and of which page. */
static uint32_t op_page(const struct bench_thread *t, uint64_t k, int *unmap)
{
	uint64_t j = k % (2ull * t->count);

	*unmap = j >= t->count;
	return (uint32_t)(*unmap ? j - t->count : j);
}

static uint64_t nops(const struct bench_thread *t)
{
	return 2ull * t->count * t->rounds;
}

static uint64_t page_iova(const struct bench_thread *t, uint32_t i)
{
	return t->iova + (uint64_t)i * t->page_size;
}

/* After a failure: what the stream left mapped goes, without a word. */
static void unmap_left(struct bench_thread *t)
{
	for (uint32_t i = 0; i < t->count; i++)
		if (t->mapped[i]) {
			__dev_unmap(t->s->fd, t->s->dom.domain_id, page_iova(t, i),
				    t->page_size, 0, NULL, NULL, NULL);
			t->mapped[i] = 0;
		}
}

static void count_op(struct bench_thread *t, int unmap, uint32_t page,
		     uint64_t ns)
{
	lat_add(unmap ? &t->unmap : &t->map, ns);
	t->mapped[page] = !unmap;
	t->ops++;
}

static int way_single(struct bench_thread *t)
{
	const struct session *s = t->s;

	for (uint64_t k = 0; k < nops(t); k++) {
		int unmap, ret;
		uint32_t i = op_page(t, k, &unmap);
		uint64_t t0 = now_ns();

		if (unmap)
			ret = dev_unmap(s->fd, s->dom.domain_id, page_iova(t, i),
					t->page_size, 0, NULL, NULL, NULL);
		else
			ret = dev_map(s->fd, s->dom.domain_id, &t->buf,
				      page_iova(t, i), (uint64_t)i * t->page_size,
				      t->page_size, 0, NULL);
		if (ret)
			return ret;
		count_op(t, unmap, i, now_ns() - t0);
	}
	return 0;
}

static void batch_entry(const struct bench_thread *t,
			struct iommu_stress_batch_op *e, int unmap, uint32_t i)
{
	memset(e, 0, sizeof(*e));
	if (unmap) {
		e->op = IOMMU_STRESS_UNMAP;
		e->unmap = (struct iommu_stress_unmap){
			.size = sizeof(e->unmap), .domain_id = t->s->dom.domain_id,
			.iova = page_iova(t, i), .length = t->page_size,
		};
		return;
	}
	e->op = IOMMU_STRESS_MAP;
	e->map = (struct iommu_stress_map){
		.size = sizeof(e->map), .domain_id = t->s->dom.domain_id,
		.buf_id = t->buf.id, .iova = page_iova(t, i),
		.offset = (uint64_t)i * t->page_size, .length = t->page_size,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
}

static int way_batch(struct bench_thread *t)
{
	struct iommu_stress_batch_op *v = calloc(t->batch, sizeof(*v));
	uint64_t k = 0;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	while (!ret && k < nops(t)) {
		uint32_t n = 0, done = 0;
		int unmap;

		for (; n < t->batch && k + n < nops(t); n++) {
			uint32_t i = op_page(t, k + n, &unmap);

			batch_entry(t, &v[n], unmap, i);
		}
		ret = dev_batch(t->s->fd, v, n, &done, NULL);
		for (uint32_t j = 0; j < done; j++) {
			uint32_t i = op_page(t, k + j, &unmap);

			count_op(t, unmap, i, v[j].ns);
		}
		k += n;
	}
	free(v);
	return ret;
}

static int way_kernel(struct bench_thread *t, uint32_t flags)
{
	uint32_t *lat = calloc(nops(t), sizeof(*lat));
	/* The DMA API picks its own IOVAs. */
	uint64_t iova = flags & IOMMU_STRESS_BENCH_DMA_API ? 0 : t->iova;
	struct iommu_stress_bench b = {
		.flags = flags, .domain_id = t->s->dom.domain_id,
		.buf_id = t->buf.id, .iova = iova, .offset = 0,
		.page_size = t->page_size, .count = t->count, .rounds = t->rounds,
		.lat_ns = (uint64_t)(uintptr_t)lat,
	};
	uint64_t rounds_done;
	int ret;

	if (!lat)
		return -ENOMEM;
	ret = dev_bench(t->s->fd, &b);
	/* Only whole rounds report their times. */
	rounds_done = ret ? 0 : t->rounds;
	for (uint64_t k = 0; k < rounds_done * 2 * t->count; k++) {
		int unmap;

		op_page(t, k, &unmap);
		lat_add(unmap ? &t->unmap : &t->map, lat[k]);
	}
	t->ops = b.ops;
	t->loop_ns = b.ns;
	t->call_ns = b.map_ns + b.unmap_ns;
	free(lat);
	return ret;
}

/* The calling thread's CPU time, user and system (in the ioctls), in ns. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int bench_way_run(struct bench_thread *t, enum bench_way w)
{
	uint64_t cpu0;
	int ret;

	t->err = 0;
	t->ops = t->loop_ns = t->call_ns = t->cpu_ns = 0;
	memset(&t->map, 0, sizeof(t->map));
	memset(&t->unmap, 0, sizeof(t->unmap));
	cpu0 = thread_cpu_ns();
	t->start_ns = now_ns();
	switch (w) {
	case WAY_SINGLE:
		ret = way_single(t);
		break;
	case WAY_BATCH:
		ret = way_batch(t);
		break;
	case WAY_KERNEL:
		ret = way_kernel(t, 0);
		break;
	case WAY_KERNEL_MAP:
		ret = way_kernel(t, IOMMU_STRESS_BENCH_THROUGH_MAP);
		break;
	default:
		ret = way_kernel(t, IOMMU_STRESS_BENCH_DMA_API);
		break;
	}
	t->end_ns = now_ns();
	t->cpu_ns = thread_cpu_ns() - cpu0;
	if (ret)
		unmap_left(t);
	t->err = ret;
	return ret;
}
