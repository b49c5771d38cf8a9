/* SPDX-License-Identifier: GPL-2.0 */
/* Results for people (a summary) and for machines (one JSON record). */
#ifndef IOMMU_STRESS_REPORT_H
#define IOMMU_STRESS_REPORT_H

#include <stdio.h>

#include "run.h"

void report_corruption(FILE *f, const struct corruption *c);
void report_summary(FILE *f, const struct session *s,
		    const struct run_result *r);
int report_json(const char *path, const struct session *s,
		const struct run_result *r);
void report_json_record(FILE *f, const struct session *s,
			const struct run_result *r);

#endif
