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
int report_json(const char *path, const struct session *s,
		const struct run_result *r);
void report_json_record(FILE *f, const struct session *s,
			const struct run_result *r);
/* 0 clean, 1 corruption, 2 error, 4 unsupported here. */
int report_exit_code(const struct run_result *r);

#endif
