// SPDX-License-Identifier: GPL-2.0
/* The options of 'iommu-stress bench', checked before anything runs. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "opts.h"

static const char *const way_names[WAY_NR] = {
	[WAY_SINGLE] = "single", [WAY_BATCH] = "batch",
	[WAY_KERNEL] = "kernel", [WAY_KERNEL_MAP] = "kernel-map",
	[WAY_DMA_API] = "dma-api",
};

const char *bench_way_name(enum bench_way w)
{
	return w < WAY_NR ? way_names[w] : "?";
}

void bench_usage(FILE *f)
{
	fputs(
"Usage: iommu-stress bench [OPTIONS]\n"
"\n"
"Map and unmap throughput (ops/s) and latency (p50, p99) per page size and\n"
"thread count, each measured in several ways on the same domain and device\n"
"in one run. Each thread maps the pages of its own IOVA range one call each,\n"
"then unmaps them one call each, round after round; every way makes the same\n"
"maps and unmaps:\n"
"  single      one MAP or UNMAP ioctl per op; latency: the ioctl as the tool\n"
"              sees it (system call included)\n"
"  batch       BATCH ioctls of --batch ops; latency: each op in the module,\n"
"              from its copy-in to its answer (the call itself shared out)\n"
"  kernel      BENCH: the module's own loop of the bare driver calls\n"
"              (iommu_map(), iommu_unmap() with its IOTLB sync); latency: the\n"
"              driver call alone. The ceiling: what the calls cost without us\n"
"  kernel-map  BENCH through the module's MAP and UNMAP paths; latency: the\n"
"              handler. Between batch and kernel: what the module's own\n"
"              bookkeeping costs\n"
"  dma-api     BENCH through the DMA API (dma_map_page(), dma_unmap_page()\n"
"              on the device, as dma_map_benchmark times them), 4K pages, on\n"
"              a dmaengine channel's shared domain only: what a driver pays,\n"
"              strict or lazy as the domain's type says (iommu.strict)\n"
"ops/s is every thread's maps and unmaps over the wall time from the first\n"
"thread's start to the last one's end (all are let go together), the same\n"
"for every way; the ratios of ops/s follow the table.\n"
"\n"
"Inside a virtual machine the times are the guest's clock: under QEMU's\n"
"-icount it counts guest instructions (1 ns each), so the figures repeat run\n"
"to run but are instruction counts, not hardware latencies; without it\n"
"(several vCPUs on multi-threaded TCG) they are real time of the host's vCPU\n"
"threads, shared with whatever else the host runs.\n"
"\n"
"Options:\n"
"  --target NAME          DMA target, as for 'run' (default: the first free\n"
"                         edu target, else the first free channel)\n"
"  --iova-range START:LEN a dmaengine channel's test range, as for 'run'\n"
"  --sizes LIST           page sizes, e.g. 4K,2M (default: 4K and 2M where the\n"
"                         IOMMU maps them, and 1G: measured in 1G chunks where\n"
"                         the module builds 1G leaves, allow_1g_leaves=1, and\n"
"                         a free contiguous gigabyte exists; else not\n"
"                         available, with the reason)\n"
"  --threads LIST         thread counts, e.g. 1,2,4 (default: 1 and powers of\n"
"                         two up to the online CPUs; at most 16)\n"
"  --ops N                maps + unmaps per way and thread (default 8192, even,\n"
"                         at least 2)\n"
"  --batch N              ops per BATCH call, 1 to 256 (default 64)\n"
"  --ways LIST            single,batch,kernel,kernel-map,dma-api (default: all)\n"
"  --json FILE            write the bench record (results/schema.json) to FILE\n"
"  --help                 this text\n"
"\n"
"Exit status: 0 measured, 2 error, 4 no way could be measured here.\n", f);
}

/* A comma-separated list, each item through @one; -1 when malformed. */
static int each_item(const char *list, int (*one)(const char *item, void *ctx),
		     void *ctx)
{
	char buf[128], *save = NULL, *tok;

	if (strlen(list) >= sizeof(buf))
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (one(tok, ctx))
			return -1;
	return 0;
}

static int one_size(const char *item, void *ctx)
{
	struct bench_opts *o = ctx;
	uint64_t v;

	if (opts_parse_u64(item, &v) || (v != SZ_4K && v != SZ_2M && v != SZ_1G) ||
	    o->nsizes >= BENCH_MAX_SIZES)
		return -1;
	for (unsigned int i = 0; i < o->nsizes; i++)
		if (o->sizes[i] == v)
			return -1;
	o->sizes[o->nsizes++] = v;
	return 0;
}

static int one_thread_count(const char *item, void *ctx)
{
	struct bench_opts *o = ctx;
	uint64_t v;

	if (opts_parse_u64(item, &v) || !v || v > BENCH_MAX_THREADS ||
	    o->nthreads >= BENCH_MAX_THREADS)
		return -1;
	o->threads[o->nthreads++] = (unsigned int)v;
	return 0;
}

static int one_way(const char *item, void *ctx)
{
	struct bench_opts *o = ctx;

	for (unsigned int w = 0; w < WAY_NR; w++)
		if (!strcmp(item, way_names[w])) {
			o->ways |= 1u << w;
			return 0;
		}
	return -1;
}

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "iommu-stress: bench: %s '%s': %s\n", opt, arg, want);
	return -1;
}

int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option lopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "iova-range", required_argument, NULL, 'R' },
		{ "sizes", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'j' },
		{ "ops", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "ways", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->ops = 8192;
	o->batch = 64;
	/* 0, not 1: glibc then also forgets where a previous parse stopped. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->target = optarg;
			break;
		case 'R':
			if (opts_parse_iova_range(optarg, &o->iova_range_start,
						  &o->iova_range_len))
				return bad("--iova-range", optarg,
					   "START:LEN, both 2M-aligned, LEN > 0");
			break;
		case 's':
			o->nsizes = 0;
			if (each_item(optarg, one_size, o))
				return bad("--sizes", optarg,
					   "a list of distinct 4K, 2M and 1G");
			break;
		case 'j':
			o->nthreads = 0;
			if (each_item(optarg, one_thread_count, o))
				return bad("--threads", optarg,
					   "a list of counts from 1 to 16");
			break;
		case 'n':
			if (opts_parse_u64(optarg, &v) || v < 2 || v % 2 ||
			    v > IOMMU_STRESS_BENCH_MAX_OPS)
				return bad("--ops", optarg,
					   "an even count from 2 to 2097152");
			o->ops = v;
			break;
		case 'b':
			if (opts_parse_u64(optarg, &v) || !v ||
			    v > IOMMU_STRESS_BATCH_MAX_OPS)
				return bad("--batch", optarg, "1 to 256");
			o->batch = (unsigned int)v;
			break;
		case 'w':
			o->ways = 0;
			if (each_item(optarg, one_way, o) || !o->ways)
				return bad("--ways", optarg,
					   "single, batch, kernel, kernel-map");
			break;
		case 'J':
			o->json_path = optarg;
			break;
		case 'h':
			bench_usage(stdout);
			return 1;
		default:
			fprintf(stderr, "iommu-stress: bench: unknown option or missing value: %s (see 'bench --help')\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iommu-stress: bench: unexpected argument '%s' (see 'bench --help')\n",
			argv[optind]);
		return -1;
	}
	if (!o->ways)
		o->ways = (1u << WAY_NR) - 1;
	return 0;
}
