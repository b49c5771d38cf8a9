/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One test run: its options, the session with the module it uses, the
 * threads that drive it, and the results they accumulate.
 *
 * A run has one session (one fd, one domain on one DMA target), shared by
 * every thread: the module runs map/unmap of disjoint ranges in parallel
 * and serialises DMA per target. Each mapper thread (a "worker") owns an
 * IOVA sub-range and its own statistics; they are merged once at the end.
 */
#ifndef IOMMU_STRESS_RUN_H
#define IOMMU_STRESS_RUN_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dev.h"
#include "kernel_log.h"
#include "rng.h"
#include "signature.h"
#include "stats.h"
#include "target.h"

/* Exit codes, documented in --help. */
enum {
	EXIT_CLEAN = 0,
	EXIT_CORRUPTION = 1,
	EXIT_ERROR = 2,
	EXIT_UNSUPPORTED = 4,
};

/*
 * Wrong reads kept in full (with the page-table walk beside each): the
 * first RUN_MAX_REPORTED, and past them the first of each class not among
 * them, so that a class seen only after a flood of another one is still
 * shown read by read.
 */
#define RUN_MAX_REPORTED	16
#define RUN_MAX_THREADS		64
#define RUN_MAX_CASES		16
#define RUN_MAX_OBS		24
#define RUN_MAX_RESV		16
#define RUN_PATH_MAX		256	/* a replay log's path */
#define RUN_MAX_BUFS		(4 * RUN_MAX_THREADS)
#define PATTERN_MAX_OPTS	8
/*
 * Readback pages per thread: a BATCH of checks reads each into a page of
 * its own (a BATCH's DMA budget is 64 pages).
 */
#define RUN_RB_PAGES		64

#define SZ_4K	(1ull << 12)
#define SZ_2M	(1ull << 21)
#define SZ_1G	(1ull << 30)
#define SZ_512G	(1ull << 39)

/* @x rounded up to a multiple of @a, a power of two (0 when it wraps). */
static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

struct pattern;

struct run_opts {
	const char *target;	/* NULL: the first free target */
	/* --iova-range: a shared domain's test range; len 0: the module's */
	uint64_t iova_range_start, iova_range_len;
	uint64_t size;		/* pattern-specific extent per thread, bytes */
	int size_set;		/* --size given: never scaled to fit */
	uint64_t iterations;	/* 0: until --time runs out */
	double time_s;		/* 0: no time limit */
	int skip_flush;		/* --inject skip-flush */
	/* --inject wrong-page[:N]: the module maps the Nth MAP wrong; 0: not */
	unsigned int wrong_page_map;
	unsigned int samples;	/* pages DMA-checked per verify step */
	uint64_t seed;
	const char *json_path;
	int ktap;
	unsigned int threads;	/* mapper threads */
	unsigned int dma_threads;	/* checker threads */
	int node;		/* -1: no NUMA placement asked */
	const char *cpus;	/* CPU list threads are pinned to, or NULL */
	const char *replay_out;	/* where churn writes its op log */
	int no_batch;		/* --no-batch: MAP and its checks one by one */
	uint64_t popt[PATTERN_MAX_OPTS];	/* the pattern's own options */
	int dirty_tracking;	/* the pattern's domain records DMA writes */
	const char *skip_flush_void;	/* the pattern's, see pattern.h */
	const char *command;	/* the command line, for the record */
};

struct corruption {
	uint64_t iteration;
	unsigned int thread;
	const char *phase;
	const char *case_name;
	uint64_t iova;
	enum sig_class class;
	int expect_unmapped;
	struct sig_id expected;
	struct sig_id got;
	unsigned char head[16];	/* first bytes read, for foreign data */
	/* The driver's own page-table walk of @iova, right after the DMA. */
	enum { WALK_UNMAPPED, WALK_OURS, WALK_ELSEWHERE, WALK_FAILED } walk;
	uint32_t walk_buf;		/* for WALK_OURS: the page it maps to */
	uint64_t walk_page;
	uint64_t ns_since_start;
};

/* What one thread counted; merged into run_result.st at the end. */
struct wstats {
	uint64_t dma_checks;
	uint64_t dma_failed;		/* transfers that did not complete */
	/* reads of unmapped IOVAs the device failed: the fault they must get */
	uint64_t dma_faulted;
	/*
	 * checks of unmapped IOVAs not made: the shared domain does not take
	 * reads there (no IOMMU_STRESS_DOMAIN_UNMAPPED_READS). Not in
	 * dma_checks; per case too, so a case with nothing else to check
	 * reads as skipped rather than passed.
	 */
	uint64_t unmapped_unchecked;
	uint64_t counts[SIG_NR_CLASSES];
	uint64_t maps, unmaps;
	uint64_t short_unmaps;		/* driver unmapped less than asked */
	uint64_t long_unmaps;		/* driver unmapped more than asked */
	/* driver said unmapped, its own table still translates (module pins) */
	uint64_t still_mapped_unmaps;
	uint64_t case_checks[RUN_MAX_CASES];
	uint64_t case_bad[RUN_MAX_CASES];
	uint64_t case_unchecked[RUN_MAX_CASES];
	struct lat_stats map, unmap, dma;
	struct lat_stats map_to_dma;	/* map returned -> first DMA began */
	/* Dirty tracking (pattern dirty): pages DMA wrote, bits read back */
	uint64_t dirty_written, dirty_bits;
	uint64_t dirty_missing;		/* written, read clean: corruption */
	uint64_t dirty_extra;		/* read dirty, never written: noise */
	uint64_t writes_lost;		/* a device write not found in its page */
};

/*
 * What a page reads as, beside a probe's two mappings: the driver's walk
 * of an IOVA or the device's DMA of it (obs_page_name() in the record).
 */
enum obs_page {
	OBS_NONE,		/* nothing translates: unmapped, zeros, a fault */
	OBS_OLD,		/* the page mapped there before the operation */
	OBS_NEW,		/* the page the operation's MAP put there */
	OBS_OTHER,		/* another page of the session's buffers */
	OBS_FOREIGN,		/* memory or bytes that are no page of ours */
	OBS_UNCHECKED,		/* not read: the domain refuses such reads */
	OBS_FAILED,		/* the walk itself failed */
	OBS_NR_PAGES,
};

static inline const char *obs_page_name(enum obs_page p)
{
	static const char *const names[OBS_NR_PAGES] = {
		[OBS_NONE] = "none", [OBS_OLD] = "old", [OBS_NEW] = "new",
		[OBS_OTHER] = "other", [OBS_FOREIGN] = "foreign",
		[OBS_UNCHECKED] = "unchecked", [OBS_FAILED] = "failed",
	};

	return p < OBS_NR_PAGES ? names[p] : "?";
}

#define OBS_MAX_POINTS	4

/* One named place a probe looked at after its operation. */
struct obs_point {
	const char *name;	/* static and stable: "in_range", "past", ... */
	uint64_t offset;	/* from the probe's 2M-aligned region */
	int mapped_before;	/* the old page was mapped there */
	enum obs_page walk;	/* IOVA_TO_PHYS */
	enum obs_page dma;	/* what the device read */
};

/*
 * A probe of one driver behaviour: the operation asked (offsets from its
 * region, so that iterations in other regions compare equal), the
 * driver's answer and what the named points showed afterwards.
 */
struct obs_probe {
	const char *op;		/* "map" or "unmap" */
	uint64_t offset, length;
	int err;		/* 0, or the errno the operation was refused with */
	uint64_t unmapped;	/* an UNMAP's answer: bytes the driver removed */
	int warnings;		/* kernel log lines with "WARNING:"; -1 unknown */
	unsigned int npoints;
	struct obs_point points[OBS_MAX_POINTS];
};

/*
 * A driver behaviour a pattern saw, e.g. "2M map over live 4K": "replaced";
 * with @has_probe, the probe that saw it, field by field.
 */
struct observation {
	char key[64];
	char value[256];
	uint64_t count;
	int has_probe;
	struct obs_probe probe;
};

/* Where a thread was asked to run and where it was seen running. */
struct placement {
	char role[8];			/* "mapper", "checker" */
	char cpus[64];			/* the CPU list it was pinned to, or "" */
	int cpu_seen;
	int node_seen;
};

struct run_result {
	const char *pattern;
	uint64_t iterations;
	struct wstats st;
	uint64_t clobbered;		/* buffer pages changed behind our back */
	unsigned int nreported;
	struct corruption reported[RUN_MAX_REPORTED + SIG_NR_CLASSES];
	uint64_t first_ns;		/* UINT64_MAX: none */
	unsigned int nobs;
	struct observation obs[RUN_MAX_OBS];
	uint64_t obs_dropped;		/* distinct ones past RUN_MAX_OBS */
	const char *case_skip[RUN_MAX_CASES];	/* why a case did not run */
	uint64_t elapsed_ns;
	int interrupted;		/* stopped by SIGINT/SIGTERM */
	int error;			/* stopped on an error */
	char unsupported[320];		/* why this host cannot run it */
	char replay_path[RUN_PATH_MAX];
	int buffer_node;		/* -1: any */
	unsigned int nplace;
	struct placement place[2 * RUN_MAX_THREADS];
	/* Times are a guest's virtual ones (report/clock.h): label them so. */
	int clock_virtual;
	double real_elapsed_s;		/* beside a virtual clock; < 0 unknown */
	struct klog_summary klog;	/* what the kernel logged meanwhile */
	/* The pattern's default size did not fit: scaled down from this */
	uint64_t size_scaled_from;
	uint64_t size_available;	/* buffer memory the module offered */
};

struct resv_region {
	uint64_t start, last;
	char type[32];
};

/* A buffer the run allocated, checked for foreign writes at the end. */
struct run_buf {
	struct dev_buf *buf;
};

/* A live 4K mapping that must read back its page all run long. */
struct guard {
	uint64_t iova;
	uint64_t offset;		/* in the guard buffer */
};

struct session {
	int fd;
	struct iommu_stress_info info;
	struct target target;		/* the DMA target, as picked */
	/*
	 * dom.range_start/range_last: where the test may map. A shared
	 * domain's range; a private domain's is its aperture (filled in
	 * here for a module that predates shared domains).
	 */
	struct iommu_stress_domain_create dom;
	struct iommu_regs regs;		/* of dom's IOMMU, from its sysfs group */
	uint32_t max_dma;		/* bytes per DMA read */
	struct dev_buf readback;	/* one page per thread: DMA lands here */
	const struct run_opts *opts;
	const struct pattern *pattern;
	struct run_result *res;
	uint64_t t0;
	unsigned int nresv;
	struct resv_region resv[RUN_MAX_RESV];

	pthread_mutex_t lock;		/* res, bufs, guards */
	/* Every buffer of the run, scanned for foreign writes at the end. */
	unsigned int nbufs;
	struct dev_buf bufs[RUN_MAX_BUFS];
	struct dev_buf guard_buf;
	unsigned int nguards;
	struct guard guards[4 * RUN_MAX_THREADS];

	/* Shared by the threads of a run. */
	pthread_barrier_t barrier;
	unsigned int nmappers;		/* mapper threads that started */
	atomic_int go;			/* all threads exist: start */
	int stop;			/* decided at each iteration's gate */
	int started;			/* the first gate is behind us */
	atomic_int failed;
	atomic_int setup_done;
	atomic_int workers_done;
	atomic_uint_fast64_t prog_checks, prog_bad, prog_ops;
};

/* Per thread. Patterns keep their own state in @priv. */
struct worker {
	struct session *s;
	unsigned int id;		/* 0 .. threads-1; checkers after */
	unsigned int nthreads;
	struct rng rng;
	uint64_t iteration;
	unsigned int cur_case;
	uint64_t rb_off;		/* this thread's readback page */
	uint64_t map_done_ns;		/* pending map -> DMA window, or 0 */
	uint64_t base, span;		/* the IOVA sub-range it owns */
	struct wstats st;
	void *priv;
};

extern volatile sig_atomic_t run_interrupted;

uint64_t now_ns(void);

/*
 * 0, or -errno (printed). -EOPNOTSUPP with r->unsupported set: the target's
 * domain cannot be tested on this host (exit 4, nothing was created).
 */
int session_open(struct session *s, const struct run_opts *o,
		 struct run_result *r, unsigned int nthreads);
void session_close(struct session *s);
/* 1 when [iova, iova + len) lies in the test's IOVA range, clear of the
 * module's window and of the IOMMU's reserved regions. */
int session_range_free(const struct session *s, uint64_t iova, uint64_t len);
/* The domain is the channel device's own DMA-API domain, shared with its driver. */
int session_shared(const struct session *s);
/*
 * Whether a check may DMA-read an IOVA the session has not mapped: always
 * in a private domain; in a shared one only when the module says so.
 */
int session_unmapped_reads(const struct session *s);
/* The lowest IOVA patterns lay their sub-ranges out from. */
uint64_t session_floor(const struct session *s);
/* The path of @file in the target's IOMMU group in sysfs; -ENOENT if unknown. */
int session_group_file(const struct session *s, const char *file, char *path,
		       size_t n);
uint64_t run_corruptions(const struct run_result *r);
/* Whether a wrong read of @class is one to keep in full (RUN_MAX_REPORTED). */
bool run_report_wanted(const struct run_result *r, enum sig_class class);
void run_merge(struct wstats *dst, const struct wstats *src);

#endif
