/* SPDX-License-Identifier: GPL-2.0 */
/* What the unit tests share beyond the harness (tests/lib/ktest.h). */
#ifndef IOMMU_STRESS_UNIT_H
#define IOMMU_STRESS_UNIT_H

#include <stdio.h>

#include "ktest.h"

struct run_opts;
/* 'run @pattern @line' parsed into @o, as opts_parse() does it. */
int unit_parse(const char *pattern, const char *line, struct run_opts *o);

/* Sample outputs the scripts beside run-unit validate. */
enum unit_sample {
	SAMPLE_EDU,			/* a run on edu's private domain */
	SAMPLE_CHANNEL,			/* on a channel's shared domain */
	SAMPLE_CHANNEL_NO_READS,	/* the same, without unmapped reads */
	SAMPLE_GUEST,			/* in a VM: virtual clock, kernel log, scaled size */
};
int json_sample(FILE *f, enum unit_sample which);
/* A bench record of a run on the model, written to @path; its exit code. */
int bench_sample(const char *path);
int ktap_sample(FILE *f, int which);
/* 'run all --ktap' on the model (tests/unit/test-first-run.c). */
int run_all_sample(FILE *f);

#endif
