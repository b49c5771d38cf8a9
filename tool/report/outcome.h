/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the report's writers (text, KTAP, JSON): what a run came to and
 * the state of each check case, decided in one place so the three agree.
 */
#ifndef IOMMU_STRESS_OUTCOME_H
#define IOMMU_STRESS_OUTCOME_H

#include <stdint.h>

#include "patterns/pattern.h"
#include "run.h"

enum case_state { CASE_PASS, CASE_FAIL, CASE_SKIP };

/* The pattern's cases and the engine's own (guard pages). */
unsigned int report_ncases(const struct session *s);
/* Case @c's state; @why says why it was skipped. */
enum case_state report_case_state(const struct session *s,
				  const struct run_result *r, unsigned int c,
				  const char **why);
/* "clean", "corrupt", "error" or "unsupported", as the exit code says. */
const char *report_status_name(const struct run_result *r);

static inline double report_per_s(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0.0;
}

#endif
