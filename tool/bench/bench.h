/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu-stress bench: map and unmap throughput and latency per page size
 * and thread count, measured in several ways on one domain and device in
 * one run, so that their ratios say what the ioctls cost beside the
 * module's own loop of the same calls.
 *
 * The command's layers: bench_opts.c (options), bench_ways.c (one
 * thread's share of one way), bench_run.c (the cells: buffers, IOVAs,
 * threads, timing) and bench_report.c (table, ratios, JSON).
 */
#ifndef IOMMU_STRESS_BENCH_H
#define IOMMU_STRESS_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "run.h"
#include "stats.h"

#define BENCH_MAX_SIZES		3
#define BENCH_MAX_THREADS	16

/* The ways a cell is measured, in the order they run. */
enum bench_way {
	WAY_SINGLE,		/* one MAP or UNMAP ioctl per op */
	WAY_BATCH,		/* BATCH ioctls of --batch ops */
	WAY_KERNEL,		/* BENCH: the module's loop, bare driver calls */
	WAY_KERNEL_MAP,		/* BENCH through the module's MAP and UNMAP */
	WAY_DMA_API,		/* BENCH through dma_map_page(), dma_unmap_page() */
	WAY_NR,
};

struct bench_opts {
	const char *target;
	uint64_t iova_range_start, iova_range_len;
	uint64_t sizes[BENCH_MAX_SIZES];
	unsigned int nsizes;		/* 0: the default sizes */
	unsigned int threads[BENCH_MAX_THREADS];
	unsigned int nthreads;		/* 0: 1 and powers of two to the CPUs */
	uint64_t ops;			/* maps + unmaps per way and thread */
	unsigned int batch;		/* ops per BATCH call */
	unsigned int ways;		/* 1 << enum bench_way */
	const char *json_path;
	const char *command;
};

/* One way of one cell, all its threads together. */
struct bench_way_result {
	int err;			/* 0 measured; -errno; -EOPNOTSUPP: not available */
	char why[192];			/* why not, when err */
	uint64_t ops;			/* maps + unmaps done */
	uint64_t elapsed_ns;		/* first start to last end */
	struct lat_stats map, unmap;
	uint64_t loop_ns;		/* BENCH: its loops, as the module timed them */
	uint64_t call_ns;		/* BENCH: of that, in the map and unmap calls */
	uint64_t cpu_ns;		/* its threads' CPU time, user and system */
	uint64_t thread_ns;		/* their elapsed times, added up */
};

/*
 * The least share of their elapsed time bench's threads may have had the
 * CPU (of what the online CPUs can give them) for their figures to be
 * trusted: below it, other tasks held it, or the threads waited, and
 * ops/s and latencies count that time too.
 */
#define BENCH_MIN_CPU_SHARE	0.9

struct bench_cell {
	uint64_t page_size;
	unsigned int threads;
	uint32_t count;			/* pages per round */
	uint32_t rounds;
	struct bench_way_result way[WAY_NR];
};

struct bench_result {
	unsigned int ncells;
	struct bench_cell *cells;
	int in_vm;			/* the CPU says it runs under a hypervisor */
	int clock_virtual;		/* guest time (report/clock.h) */
	double real_elapsed_s;		/* guest time: the RTC's seconds; -1 unknown */
	unsigned int cpus;		/* online */
	uint32_t dma_domain_type;	/* the DMA-API domain's type, for dma-api */
};

/* One thread's share of one way of a cell (bench_ways.c). */
struct bench_thread {
	struct session *s;
	unsigned int id;
	uint64_t page_size;
	uint32_t count, rounds;
	unsigned int batch;
	struct dev_buf buf;		/* page i at offset i * page_size */
	uint64_t iova;			/* page i at iova + i * page_size */
	unsigned char *mapped;		/* per page: left mapped by a failure */
	/* What it measured. */
	int err;
	uint64_t ops, start_ns, end_ns, loop_ns, call_ns;
	uint64_t cpu_ns;		/* CLOCK_THREAD_CPUTIME_ID over the way */
	struct lat_stats map, unmap;
};

/* Runs way @w for thread @t; 0 or -errno (printed). Leaves nothing mapped. */
int bench_way_run(struct bench_thread *t, enum bench_way w);

const char *bench_way_name(enum bench_way w);
/* ops per second of a measured way, or 0. */
double bench_rate(const struct bench_way_result *w);
/* The CPU its threads had over their elapsed time, or -1 unknown. */
double bench_cpu_share(const struct bench_way_result *w);
/*
 * Whether a measured way's figures are not to be trusted: its @threads
 * threads had the CPU for less than BENCH_MIN_CPU_SHARE of what @cpus
 * online CPUs could give them.
 */
int bench_cpu_shared(const struct bench_way_result *w, unsigned int threads,
		     unsigned int cpus);

void bench_usage(FILE *f);
/* 0 to run, 1 when --help was printed, -1 on a bad option (printed). */
int bench_parse(int argc, char **argv, struct bench_opts *o);

/*
 * Every cell measured in session @s (open, a domain made). 0, or -errno
 * of a failure that stopped the run (printed); ways a host cannot do are
 * marked in their result, not failures.
 */
int bench_run(struct session *s, const struct bench_opts *o,
	      struct bench_result *r);
void bench_result_free(struct bench_result *r);

void bench_report_text(FILE *f, const struct session *s,
		       const struct bench_opts *o, const struct bench_result *r);
int bench_report_json(const char *path, const struct session *s,
		      const struct bench_opts *o, const struct bench_result *r,
		      int exit_code);

/* iommu-stress bench ARGS...: the command. Its exit code. */
int bench_main(int argc, char **argv, const char *command);

#endif
