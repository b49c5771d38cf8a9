/* SPDX-License-Identifier: GPL-2.0 */
/* A minimal unit-test harness: TAP 13 output, one line per check. */
#ifndef IOMMU_STRESS_UNIT_H
#define IOMMU_STRESS_UNIT_H

#include <stdio.h>

struct unit_case {
	const char *name;
	void (*fn)(void);
};

extern int unit_failed_checks;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_failed_checks++;					\
	}								\
} while (0)

/* Each test file exports a NULL-terminated table of its cases. */
extern const struct unit_case signature_cases[];
extern const struct unit_case json_cases[];
extern const struct unit_case stats_cases[];
extern const struct unit_case churn_cases[];
extern const struct unit_case report_cases[];
extern const struct unit_case dev_cases[];
extern const struct unit_case target_cases[];
extern const struct unit_case session_cases[];

struct run_opts;
/* 'run @pattern @line' parsed into @o, as opts_parse() does it. */
int unit_parse(const char *pattern, const char *line, struct run_opts *o);

/* Sample outputs the scripts beside run-unit validate. */
enum unit_sample {
	SAMPLE_EDU,			/* a run on edu's private domain */
	SAMPLE_CHANNEL,			/* on a channel's shared domain */
	SAMPLE_CHANNEL_NO_READS,	/* the same, without unmapped reads */
};
int json_sample(FILE *f, enum unit_sample which);
int ktap_sample(FILE *f, int which);

#endif
