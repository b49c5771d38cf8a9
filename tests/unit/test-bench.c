// SPDX-License-Identifier: GPL-2.0
/*
 * 'iommu-stress bench' on the model of the module: every way makes the
 * same maps and unmaps, each way's latencies are the ones it says (the
 * model gives BENCH's bare calls and BATCH's ops fixed times), ways the
 * module lacks are "not available" rather than failures, 1G asked in
 * 1G chunks and, where it cannot be, said why, and the bench record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fake-module.h"
#include "unit.h"

/* What the last bench printed. */
static struct unit_said said;

/* 'iommu-stress bench LINE' on @h: its exit code; what it printed in said. */
static int bench_on(const struct fake_host *h, const char *line)
{
	char buf[512], *argv[32];
	int argc, code;

	snprintf(buf, sizeof(buf), "bench %s", line);
	argc = unit_words(buf, argv, 32);
	fake_install(h);
	unit_hush(&said);
	code = bench_main(argc, argv, "iommu-stress bench");
	unit_unhush(&said);
	fake_remove();
	return code;
}

/* The cell of @page_size and @threads in @r's measured run, or NULL. */
static const struct bench_cell *cell(const struct bench_result *r,
				     uint64_t page_size, unsigned int threads)
{
	for (unsigned int i = 0; i < r->ncells; i++)
		if (r->cells[i].page_size == page_size && r->cells[i].threads == threads)
			return &r->cells[i];
	return NULL;
}

/*
 * bench_run() itself on @h with @line's options, for its numbers; run
 * twice in one session, so a way that left anything mapped fails the
 * second time (MAP and BENCH refuse a range with something mapped).
 */
static int measure(const struct fake_host *h, const char *line,
		   struct bench_result *r)
{
	static struct run_result rr;
	static struct session s;
	struct run_opts ro = { .node = -1 };
	struct bench_opts o;
	char buf[256], *argv[16];
	int argc, ret;

	snprintf(buf, sizeof(buf), "bench %s", line);
	argc = unit_words(buf, argv, 16);
	if (bench_parse(argc, argv, &o))
		return -EINVAL;
	ro.target = o.target;
	fake_install(h);
	unit_hush(&said);
	memset(&rr, 0, sizeof(rr));
	ret = session_open(&s, &ro, &rr, 1);
	if (!ret)
		ret = bench_run(&s, &o, r);
	/* dma-api is not here on edu nor past 4K; its callers check which. */
	for (unsigned int i = 0; !ret && i < r->ncells; i++)
		for (unsigned int w = 0; w < WAY_NR; w++)
			if (w != WAY_DMA_API || r->cells[i].way[w].err != -EOPNOTSUPP)
				ret = ret ? ret : r->cells[i].way[w].err;
	if (!ret) {
		bench_result_free(r);
		ret = bench_run(&s, &o, r);
	}
	session_close(&s);
	unit_unhush(&said);
	fake_remove();
	return ret;
}

TEST(bench_every_way, "bench: every way makes the same maps and unmaps, timed as it says")
{
	struct fake_host h = unit_host();
	struct bench_result r;
	const struct bench_cell *c;

	ASSERT_EQ(0, measure(&h, "--ops 256 --threads 1,2 --sizes 4K,2M", &r));
	ASSERT_EQ(4u, r.ncells);
	for (unsigned int i = 0; i < r.ncells; i++) {
		c = &r.cells[i];
		EXPECT_EQ(-EOPNOTSUPP, c->way[WAY_DMA_API].err);
		for (unsigned int w = 0; w < WAY_DMA_API; w++) {
			const struct bench_way_result *x = &c->way[w];

			EXPECT_EQ(0, x->err);
			EXPECT_EQ(256ull * c->threads, x->ops);
			EXPECT_EQ(128ull * c->threads, x->map.n);
			EXPECT_EQ(128ull * c->threads, x->unmap.n);
			EXPECT_LT(0.0, bench_rate(x));
		}
	}
	c = cell(&r, SZ_4K, 1);
	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(64u, c->count);
	EXPECT_EQ(2u, c->rounds);
	/* The model's bare calls: 500 ns a map, 1200 an unmap, never mixed up. */
	EXPECT_EQ(500u, c->way[WAY_KERNEL].map.min);
	EXPECT_EQ(500u, c->way[WAY_KERNEL].map.max);
	EXPECT_EQ(1200u, c->way[WAY_KERNEL].unmap.min);
	EXPECT_EQ(1200u, c->way[WAY_KERNEL].unmap.max);
	EXPECT_EQ(128ull * 1700, c->way[WAY_KERNEL].call_ns);
	/* Through MAP: the model's MAP (100 + 400) and UNMAP answers. */
	EXPECT_EQ(500u, c->way[WAY_KERNEL_MAP].map.min);
	/* A BATCH op: the model's 2000 ns each. */
	EXPECT_EQ(2000u, c->way[WAY_BATCH].map.max);
	EXPECT_EQ(2000u, c->way[WAY_BATCH].unmap.min);
	c = cell(&r, SZ_2M, 2);
	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(8u, c->count);
	EXPECT_EQ(16u, c->rounds);
	bench_result_free(&r);
}

TEST(bench_dma_api, "bench: the DMA API on a channel's shared domain, at 4K; never on edu")
{
	struct fake_host h = unit_host();
	struct bench_result r;
	const struct bench_cell *c;

	ASSERT_EQ(0, measure(&h, "--target dma0chan0 --ops 64 --threads 1 --sizes 4K,2M", &r));
	c = cell(&r, SZ_4K, 1);
	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(0, c->way[WAY_DMA_API].err);
	EXPECT_EQ(64u, c->way[WAY_DMA_API].ops);
	/* The model's DMA API: 900 ns a map, 1500 an unmap. */
	EXPECT_EQ(900u, c->way[WAY_DMA_API].map.max);
	EXPECT_EQ(1500u, c->way[WAY_DMA_API].unmap.min);
	EXPECT_EQ(32ull * 2400, c->way[WAY_DMA_API].call_ns);
	c = cell(&r, SZ_2M, 1);
	ASSERT_TRUE(c != NULL);
	EXPECT_EQ(-EOPNOTSUPP, c->way[WAY_DMA_API].err);
	EXPECT_TRUE(strstr(c->way[WAY_DMA_API].why, "4K pages only") != NULL);
	bench_result_free(&r);
	EXPECT_EQ(0, bench_on(&h, "--target dma0chan0 --ops 64 --threads 1 --sizes 4K"));
	EXPECT_TRUE(strstr(said.out, "4K     1  dma-api") != NULL);
	EXPECT_TRUE(strstr(said.out, "dma-api/kernel") != NULL);
	EXPECT_TRUE(strstr(said.out, "dma-api's domain: DMA") != NULL);
	/* On edu the way says why not; asked alone it is all there was. */
	EXPECT_EQ(4, bench_on(&h, "--ops 64 --threads 1 --sizes 4K --ways dma-api"));
	EXPECT_TRUE(strstr(said.out, "dma-api    not available: the DMA API only on a dmaengine channel's shared domain") != NULL);
}

TEST(bench_table, "bench: the table, its ratios and what its times are")
{
	struct fake_host h = unit_host();

	EXPECT_EQ(0, bench_on(&h, "--ops 64 --threads 1 --sizes 4K"));
	EXPECT_TRUE(strstr(said.out, "4K     1  kernel") != NULL);
	EXPECT_TRUE(strstr(said.out, "Ratios of ops/s:") != NULL);
	EXPECT_TRUE(strstr(said.out, "batch/kernel") != NULL);
	EXPECT_TRUE(strstr(said.out, "the bare driver call") != NULL);
	/* The model is no VM: the clock line says which clock it is. */
	EXPECT_TRUE(strstr(said.out, "CLOCK_MONOTONIC") != NULL || strstr(said.out, "-icount") != NULL);
}

TEST(bench_old_module, "bench: a module without BATCH and BENCH: those ways are not available")
{
	struct fake_host h = unit_host();

	h.no_batch = 1;
	EXPECT_EQ(0, bench_on(&h, "--ops 64 --threads 1 --sizes 4K"));
	EXPECT_TRUE(strstr(said.out, "batch      not available: the module has no BATCH ioctl") != NULL);
	EXPECT_TRUE(strstr(said.out, "kernel     not available: the module has no BENCH ioctl") != NULL);
	/* No ratio without its ways. */
	EXPECT_TRUE(strstr(said.out, "4K     1                  -                 -                 -") != NULL);
	EXPECT_EQ(4, bench_on(&h, "--ops 64 --threads 1 --sizes 4K --ways batch,kernel"));
}

/*
 * 1G is a cell of every default run: where the module builds no 1G
 * leaves it says so; where it does, the buffer is asked for in 1G chunks
 * (the model has no free gigabyte: ENOMEM, said as such).
 */
TEST(bench_1g_not_available, "bench: 1G asked in 1G chunks; not available, with the reason, where it cannot be")
{
	struct fake_host h = unit_host();

	EXPECT_EQ(0, bench_on(&h, "--ops 64 --threads 1"));
	EXPECT_TRUE(strstr(said.out, "4K     1  kernel ") != NULL);
	EXPECT_TRUE(strstr(said.out, "1G     1  single     not available: the module builds no 1G leaves unless loaded with allow_1g_leaves=1") != NULL);
	EXPECT_EQ(4, bench_on(&h, "--ops 64 --threads 1 --sizes 1G"));
	h.allow_1g_leaves = 1;
	EXPECT_EQ(4, bench_on(&h, "--ops 64 --threads 1 --sizes 1G"));
	EXPECT_TRUE(strstr(said.out, "1G     1  kernel     not available: no physically contiguous 1G of free memory for thread 0's buffer") != NULL);
	EXPECT_TRUE(strstr(said.out, "allow_1g_leaves") == NULL);
	/* 4K and 2M are measured beside it all the same. */
	EXPECT_EQ(0, bench_on(&h, "--ops 64 --threads 1"));
	EXPECT_TRUE(strstr(said.out, "2M     1  batch ") != NULL);
}

TEST(bench_options, "bench: --help, and bad options refused with a reason")
{
	struct fake_host h = unit_host();

	EXPECT_EQ(0, bench_on(&h, "--help"));
	EXPECT_TRUE(strstr(said.out, "Usage: iommu-stress bench") != NULL);
	EXPECT_TRUE(strstr(said.out, "not hardware") != NULL);
	EXPECT_EQ(2, bench_on(&h, "--sizes 8K"));
	EXPECT_TRUE(strstr(said.err, "--sizes '8K'") != NULL);
	EXPECT_EQ(2, bench_on(&h, "--ops 3"));
	EXPECT_EQ(2, bench_on(&h, "--batch 257"));
	EXPECT_EQ(2, bench_on(&h, "--threads 0"));
	EXPECT_EQ(2, bench_on(&h, "--ways fast"));
	EXPECT_EQ(2, bench_on(&h, "extra"));
	EXPECT_EQ(2, bench_on(&h, "--target edu:9999:00:00.0 --ops 64"));
}

/* A measured way whose threads had @cpu ns of CPU in @thread ns. */
static struct bench_way_result way_with_cpu(uint64_t cpu, uint64_t thread)
{
	return (struct bench_way_result){
		.ops = 64, .elapsed_ns = thread, .cpu_ns = cpu, .thread_ns = thread,
	};
}

TEST(bench_cpu_share_judged, "bench: a way whose threads had the CPU under 0.9 of their time is not to be trusted")
{
	struct bench_way_result x = way_with_cpu(95, 100);

	EXPECT_FALSE(bench_cpu_shared(&x, 1, 2));
	x = way_with_cpu(90, 100);
	EXPECT_FALSE(bench_cpu_shared(&x, 1, 1));
	x = way_with_cpu(89, 100);
	EXPECT_TRUE(bench_cpu_shared(&x, 1, 1));
	/* Two threads, each 100 ns: 170 ns of CPU is 0.85 of it. */
	x = way_with_cpu(170, 200);
	EXPECT_TRUE(bench_cpu_shared(&x, 2, 2));
	/* Four threads on two CPUs can have half each at most: 0.46 is fine. */
	x = way_with_cpu(184, 400);
	EXPECT_FALSE(bench_cpu_shared(&x, 4, 2));
	x = way_with_cpu(160, 400);
	EXPECT_TRUE(bench_cpu_shared(&x, 4, 2));
	/* Nothing measured, nothing judged. */
	x = way_with_cpu(0, 0);
	EXPECT_FALSE(bench_cpu_shared(&x, 1, 1));
	x = way_with_cpu(10, 100);
	x.err = -EOPNOTSUPP;
	EXPECT_FALSE(bench_cpu_shared(&x, 1, 1));
}

TEST(bench_cpu_share_said, "bench: the table says which way's figures are not to be trusted, and marks its row")
{
	static struct session s;
	struct bench_cell cells[1] = { { .page_size = SZ_4K, .threads = 1 } };
	struct bench_result r = { .ncells = 1, .cells = cells, .cpus = 1 };
	struct bench_opts o = { .ops = 64, .batch = 64,
				.ways = 1u << WAY_SINGLE | 1u << WAY_BATCH };
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	cells[0].way[WAY_SINGLE] = way_with_cpu(500, 1000);
	cells[0].way[WAY_BATCH] = way_with_cpu(990, 1000);
	f = open_memstream(&out, &len);
	ASSERT_TRUE(f != NULL);
	bench_report_text(f, &s, &o, &r);
	fclose(f);
	EXPECT_TRUE(strstr(out, "! 4K 1 single: its threads had the CPU 0.50 of their time, below 0.90") != NULL);
	EXPECT_TRUE(strstr(out, "! 4K 1 batch") == NULL);
	EXPECT_TRUE(strstr(out, " 0.50 !\n") != NULL);
	EXPECT_TRUE(strstr(out, " 0.99\n") != NULL);
	free(out);
}

/* A bench record on the model, for tests/unit/bench-check to validate. */
int bench_sample(const char *path)
{
	struct fake_host h = unit_host();
	char line[320];

	snprintf(line, sizeof(line), "--ops 64 --threads 1 --sizes 4K,2M --json %s", path);
	return bench_on(&h, line);
}

/* A batch that stops at an op says which, in that op's own words. */
TEST(batch_says_which_op, "bench: dev_batch names the op a batch stopped at, in its own words")
{
	struct fake_host h = unit_host();
	struct iommu_stress_domain_create dom;
	struct iommu_stress_batch_op ops[2];
	uint32_t done = 99;
	int fd, ret;

	fake_install(&h);
	fd = dev_open(IOMMU_STRESS_DEVICE);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dev_domain_create(fd, "edu:0000:00:03.0", 0, 0, &dom));
	memset(ops, 0, sizeof(ops));
	ops[0].op = IOMMU_STRESS_IOVA_TO_PHYS;
	ops[0].iova_to_phys = (struct iommu_stress_iova_to_phys){
		.size = sizeof(ops[0].iova_to_phys), .domain_id = dom.domain_id,
		.iova = 1ull << 30,
	};
	ops[1].op = IOMMU_STRESS_MAP;
	ops[1].map = (struct iommu_stress_map){
		.size = sizeof(ops[1].map), .domain_id = dom.domain_id,
		.iova = 1ull << 30, .length = 4096,
	};
	unit_hush(&said);
	ret = dev_batch(fd, ops, 2, &done, NULL);
	unit_unhush(&said);
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_EQ(1u, done);
	EXPECT_TRUE(strstr(said.err, "BATCH op 1 of 2 (MAP): no such buffer or domain id in this session") != NULL);
	/* The batch's own refusal, in BATCH's words. */
	unit_hush(&said);
	ret = dev_batch(fd, ops, IOMMU_STRESS_BATCH_MAX_OPS + 1, &done, NULL);
	unit_unhush(&said);
	EXPECT_EQ(-E2BIG, ret);
	EXPECT_TRUE(strstr(said.err, "BATCH : more ops than IOMMU_STRESS_BATCH_MAX_OPS") != NULL);
	dev_close(fd);
	fake_remove();
}
