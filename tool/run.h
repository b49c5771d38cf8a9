/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One test run: its options, the session with the module it uses, and
 * the results every pattern accumulates the same way.
 */
#ifndef IOMMU_STRESS_RUN_H
#define IOMMU_STRESS_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "dev.h"
#include "signature.h"
#include "stats.h"

/* Exit codes, documented in --help. */
enum {
	EXIT_CLEAN = 0,
	EXIT_CORRUPTION = 1,
	EXIT_ERROR = 2,
};

#define RUN_MAX_REPORTED 16

struct run_opts {
	const char *target;	/* NULL: the first free target */
	uint64_t size;		/* pattern-specific extent, bytes */
	uint64_t iterations;	/* 0: until --time runs out */
	double time_s;		/* 0: no time limit */
	int skip_flush;		/* --inject skip-flush */
	unsigned int samples;	/* pages DMA-checked per verify phase */
	uint64_t seed;
	const char *json_path;
};

struct corruption {
	uint64_t iteration;
	const char *phase;
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

struct run_result {
	const char *pattern;
	uint64_t iterations;
	uint64_t dma_checks;
	uint64_t counts[SIG_NR_CLASSES];
	uint64_t dma_failed;		/* transfers that did not complete */
	uint64_t short_unmaps;		/* driver unmapped != requested */
	unsigned int nreported;
	struct corruption reported[RUN_MAX_REPORTED];
	struct lat_stats map, unmap, dma;
	uint64_t elapsed_ns;
};

struct session {
	int fd;
	struct iommu_stress_info info;
	struct iommu_stress_domain_create dom;
	struct dev_buf readback;	/* where DMA reads land */
	const struct run_opts *opts;
	struct run_result *res;
	uint64_t t0;
};

uint64_t now_ns(void);
int session_open(struct session *s, const struct run_opts *o,
		 struct run_result *r);
void session_close(struct session *s);
int session_map(struct session *s, const struct dev_buf *buf, uint64_t iova,
		uint64_t offset, uint64_t len);
/* Unmaps, skipping the IOTLB sync when the run injects that bug. */
int session_unmap(struct session *s, uint64_t iova, uint64_t len);
/*
 * DMA-reads the page at @iova and checks it against @expected (NULL: must
 * be unmapped). Returns the class, or -errno if the ioctl failed.
 */
int session_verify(struct session *s, uint64_t iova,
		   const struct sig_id *expected, const char *phase);
uint64_t run_corruptions(const struct run_result *r);

#endif
