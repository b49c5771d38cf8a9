/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Results for people (a summary), for machines (one JSON record, fio's
 * shape for latencies) and for test harnesses (KTAP).
 */
#ifndef IOMMU_STRESS_REPORT_H
#define IOMMU_STRESS_REPORT_H

#include <stdio.h>

#include "run.h"

#define TOOL_VERSION "0.2.0"

/* Every line starts with @pfx ("# " inside KTAP output). */
void report_corruption(FILE *f, const char *pfx, const struct corruption *c);
void report_summary(FILE *f, const char *pfx, const struct session *s,
		    const struct run_result *r);
/* KTAP: the version and plan, then (after any "# " lines) the results. */
void report_ktap_head(FILE *f, const struct session *s,
		      const struct run_result *r);
void report_ktap_body(FILE *f, const struct session *s,
		      const struct run_result *r);
/*
 * The pieces of a stream of several runs ('run all'): how many results a
 * run of @p has, its results numbered from @first (every one a SKIP with
 * the reason where the run was unsupported; returns how many), and the
 * closing totals.
 */
struct ktap_totals {
	unsigned int pass, fail, skip;
};
unsigned int report_ktap_count(const struct pattern *p);
unsigned int report_ktap_results(FILE *f, const struct session *s,
				 const struct run_result *r, unsigned int first,
				 struct ktap_totals *t);
void report_ktap_totals(FILE *f, const struct ktap_totals *t);
/* One line of the table 'run all' closes with. */
struct run_row {
	const char *pattern;
	const char *status;	/* "clean", "corrupt", "error", "unsupported", "not run" */
	uint64_t iterations, dma_checks, corruptions;
	double seconds;		/* on the run's clock */
	double real_s;		/* beside a virtual clock; < 0 unknown */
	uint64_t faults;	/* IOMMU faults the kernel reported */
	uint64_t kernel_other;	/* other kernel errors and warnings */
};
/* The table of 'run all' and its RESULT line, with the exit code @code. */
void report_table(FILE *f, const char *pfx, const struct run_row *rows,
		  unsigned int n, int clock_virtual, int code);
int report_json(const char *path, const struct session *s,
		const struct run_result *r);
void report_json_record(FILE *f, const struct session *s,
			const struct run_result *r);
/* 0 clean, 1 corruption, 2 error, 4 unsupported here. */
int report_exit_code(const struct run_result *r);

#endif
