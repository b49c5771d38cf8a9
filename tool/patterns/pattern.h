/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every test pattern exports: one descriptor, registered with
 * PATTERN_REGISTER() in the pattern's own file. The descriptors land in a
 * linker section the tool walks, so adding a pattern is adding a file.
 *
 * A run calls setup() once in every mapper thread, then repeats
 * iterations: each is nphases calls of phase(), with all mapper threads
 * lined up at a barrier before each phase (so their unmaps, maps and
 * DMAs overlap in time), until the iteration or time budget is spent.
 * teardown() runs last; whatever is still mapped goes with the session.
 */
#ifndef IOMMU_STRESS_PATTERN_H
#define IOMMU_STRESS_PATTERN_H

#include <stdio.h>

#include "run.h"

/*
 * A pattern's own option: --NAME [ARG], its value in run_opts.popt[]. Its
 * type, default and range are declared here and checked in one place
 * (opts.c) before anything runs: a pattern reads a value in range.
 */
struct pattern_opt {
	const char *name;
	const char *arg;		/* NULL: a flag (value 1 when given) */
	const char *help;
	uint64_t def;
	uint64_t min, max;		/* ARG's range, inclusive */
	/* Parses ARG (NULL: a number with K/M/G suffixes); 0 or -1. */
	int (*parse)(const char *arg, uint64_t *val);
};

struct pattern {
	const char *name;
	const char *summary;		/* one line for 'list' */
	const char *bug_class;		/* what kind of bug it hunts */
	/*
	 * Records how the driver answers calls the IOMMU API leaves open
	 * (partial superpage unmaps, maps over live entries) instead of
	 * hunting a bug: some of those answers read as corruption on stock
	 * kernels by design, so 'run all' leaves it out; run it by name.
	 */
	int records_behaviour;
	const char *help;		/* more for 'run NAME --help', or NULL */
	uint64_t default_size;		/* per thread */
	uint64_t default_iterations;
	const struct pattern_opt *opts;	/* ends with a NULL name; or NULL */
	/* Named checks, one KTAP line each; NULL: one, the pattern's name. */
	const char *const *cases;
	unsigned int nphases;
	/* Checks the options before anything runs; prints why not. */
	int (*validate)(const struct run_opts *o);
	int (*setup)(struct worker *w);
	int (*phase)(struct worker *w, unsigned int phase);
	void (*teardown)(struct worker *w);
	/* Runs a saved op log (iommu-stress replay), for patterns that write one. */
	int (*replay)(struct worker *w, FILE *f, const char *path);
	/*
	 * For a default size more than some machines can back: the bytes of
	 * 2M-chunk buffers one thread allocates at @size. A default that does
	 * not fit is then scaled down (core/fit.h), to a multiple of
	 * size_align no less than min_size. NULL: the default always fits.
	 */
	uint64_t (*buffer_bytes)(uint64_t size);
	uint64_t min_size, size_align;
	/*
	 * Needs a domain that records which pages DMA wrote
	 * (DOMAIN_CREATE_DIRTY) on a kernel that reads them back: the session
	 * makes its domain so, and the run is unsupported where it cannot.
	 * No other pattern's domain is: the driver builds it differently
	 * (intel: second-stage tables).
	 */
	int dirty_tracking;
	/*
	 * Why --inject skip-flush tests nothing in this pattern, for one
	 * whose negative controls are others: the run is then unsupported,
	 * not a control that can only be missed. NULL: it is a control here.
	 */
	const char *skip_flush_void;
};

#define PATTERN_REGISTER(p)						\
	static const struct pattern *const pattern_entry_##p		\
	__attribute__((used, section("istress_patterns"),		\
		       aligned(sizeof(void *)))) = &(p)

/* The registered patterns, sorted by name. */
unsigned int pattern_count(void);
const struct pattern *pattern_at(unsigned int i);
const struct pattern *pattern_find(const char *name);
unsigned int pattern_ncases(const struct pattern *p);
const char *pattern_case_name(const struct pattern *p, unsigned int i);
/* This run's value of the pattern option called @name. */
/* The value of option @name of the running pattern; it must have one. */
uint64_t pattern_opt(const struct worker *w, const char *name);

/*
 * What a pattern may know of its run: the options, the domain's page
 * sizes and IOVA range, the lowest IOVA its regions may start at, whether
 * a range is clear of the window, the reserved regions and other threads'
 * regions, and the kernel and IOMMU driver (for logs).
 */
const struct run_opts *wk_opts(const struct worker *w);
uint64_t wk_pgsizes(const struct worker *w);
/*
 * Whether the module lets the driver build 1G leaves (loaded with
 * allow_1g_leaves=1); without it no 1G superpage can form.
 */
int wk_1g_leaves(const struct worker *w);
/* Why not, for a pattern that needs them. */
#define WK_NO_1G_LEAVES "the module builds no 1G leaves unless loaded with allow_1g_leaves=1, unsafe on a real host: on Intel up to 6.18 an UNMAP partly covering a 1G leaf corrupts host memory"
uint64_t wk_range_start(const struct worker *w);
uint64_t wk_range_last(const struct worker *w);
uint64_t wk_floor(const struct worker *w);
int wk_range_free(const struct worker *w, uint64_t iova, uint64_t len);
const char *wk_kernel_release(const struct worker *w);
const char *wk_iommu_driver(const struct worker *w);
/* For patterns that run their own loop (replay): the iterations reached. */
void wk_set_iterations(struct worker *w, uint64_t n);
/* The op log written for this run, named in the report. */
void wk_set_replay(struct worker *w, const char *path);

/*
 * The operations patterns are built from. Each returns 0 or a negative
 * errno (and then has printed why); a failure stops the run.
 */

/* A buffer whose every page carries its signature, on the run's node. */
int wk_buf_alloc(struct worker *w, uint64_t len, uint64_t chunk,
		 struct dev_buf *buf);
/* As wk_buf_alloc, but a refusal is returned as -errno, not printed. */
int wk_buf_alloc_try(struct worker *w, uint64_t len, uint64_t chunk,
		     struct dev_buf *buf);
int wk_map(struct worker *w, const struct dev_buf *buf, uint64_t iova,
	   uint64_t offset, uint64_t len);
/*
 * Whether this run can use MAP_OVERLAP: 0, or the run is unsupported here
 * (a shared domain refuses it; an older module lacks it).
 */
int wk_need_overlap(struct worker *w);
/*
 * MAP with IOMMU_STRESS_MAP_OVERLAP: the driver decides. Returns 0 or the
 * refusal as -errno, which is a result, not a failure: the driver's, or
 * the module's (EPERM while driver_warns=0, EOPNOTSUPP in a shared
 * domain; a pattern that needs MAP_OVERLAP asks wk_need_overlap() first).
 */
int wk_map_overlap(struct worker *w, const struct dev_buf *buf,
		   uint64_t iova, uint64_t offset, uint64_t len);
/*
 * UNMAP, without the IOTLB sync under --inject skip-flush. @unmapped
 * (may be NULL) gets what the driver says it removed.
 */
int wk_unmap(struct worker *w, uint64_t iova, uint64_t len,
	     uint64_t *unmapped);
/* As wk_unmap, but a refusal is returned as -errno, not printed. */
int wk_unmap_try(struct worker *w, uint64_t iova, uint64_t len,
		 uint64_t *unmapped);
/*
 * DMA-reads the page at @iova and checks it is page @offset of @buf, or,
 * with @buf NULL, that nothing is mapped there (a fault reads zeros, or
 * fails the transfer on a DMA engine; our signature means a stale
 * translation). Returns the class (SIG_OK, ...) or a negative errno.
 * With @buf NULL in a shared domain that refuses reads of unmapped IOVAs
 * nothing is read: WK_UNCHECKED, counted as unchecked, never as a result.
 */
#define WK_UNCHECKED	SIG_NR_CLASSES
int wk_check(struct worker *w, uint64_t iova, const struct dev_buf *buf,
	     uint64_t offset, const char *phase);
/*
 * As wk_check, and @got names the page the device read where it was one
 * of ours (classes SIG_OK with @buf, and SIG_STALE); else it is zeroed.
 */
int wk_check_got(struct worker *w, uint64_t iova, const struct dev_buf *buf,
		 uint64_t offset, const char *phase, struct sig_id *got);
/*
 * A DMA check, as wk_check takes it: the page at @iova must be page
 * @offset of @buf, or, with @buf NULL, nothing.
 */
struct wk_check_spec {
	uint64_t iova;
	const struct dev_buf *buf;
	uint64_t offset;
};
/*
 * wk_map, then wk_check of each of the @n checks: in one BATCH where the
 * module has it (and not --no-batch), so the device reads within the
 * module's own time of the MAP's end, with no return to user space in
 * between (batches of RUN_RB_PAGES reads after that); else one ioctl
 * each. Counted as wk_map and wk_check count; 0 or -errno (printed).
 */
int wk_map_check(struct worker *w, const struct dev_buf *buf, uint64_t iova,
		 uint64_t offset, uint64_t len, const struct wk_check_spec *c,
		 unsigned int n, const char *phase);
/* The driver's own walk of @iova: 1 mapped, 0 not, or -errno. */
int wk_walk(struct worker *w, uint64_t iova);
/*
 * The driver's walk of @iova, in more detail: WK_WALK_OURS with @page
 * naming the page of our buffers it maps to, WK_WALK_NONE,
 * WK_WALK_ELSEWHERE (memory that is no buffer of the session's), or -errno.
 */
enum { WK_WALK_NONE, WK_WALK_OURS, WK_WALK_ELSEWHERE };
int wk_walk_page(struct worker *w, uint64_t iova, struct sig_id *page);
/* Selects which case the following checks count for. */
void wk_case(struct worker *w, unsigned int c);
/* Marks case @c as not run here, with the reason (a static string). */
void wk_case_skip(struct worker *w, unsigned int c, const char *why);
/* Records a driver behaviour; the same key and value are counted once. */
void wk_observe(struct worker *w, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * As wk_observe, with the probe that saw it (copied) in the record's
 * fields; the same key, value and probe are counted once.
 */
void wk_observe_probe(struct worker *w, const char *key,
		      const struct obs_probe *probe, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The run cannot happen on this host: exit 4 with @fmt as the reason. */
int wk_unsupported(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Claims this thread's IOVA sub-range: @span bytes aligned to @align,
 * inside the test's IOVA range, clear of the other threads, the window
 * and reserved regions, with a live 4K guard mapping just below and just
 * above it (in the 2M gaps between sub-ranges) that checker threads read
 * all run long. Sets w->base and w->span. Where the range has no room
 * for it, the run is unsupported here.
 */
int wk_region(struct worker *w, uint64_t span, uint64_t align);
/*
 * Adds a live guard page at @iova (4K, free) for the checker threads and
 * the final check; @offset (may be NULL) gets its page in the guard buffer.
 */
int wk_guard(struct worker *w, uint64_t iova, uint64_t *offset);
/* Checks a guard page the pattern added (a live neighbour). */
int wk_check_guard(struct worker *w, uint64_t iova, uint64_t offset,
		   const char *phase);
/*
 * Up to @n page offsets in [0, @len) to DMA-check: the first page, the
 * last, then random ones (from the thread's seeded stream).
 */
unsigned int wk_sample(struct worker *w, uint64_t len, unsigned int n,
		       uint64_t *out);

#endif
