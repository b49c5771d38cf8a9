/* SPDX-License-Identifier: GPL-2.0 */
/* What the unit tests share beyond the harness (tests/lib/ktest.h). */
#ifndef IOMMU_STRESS_UNIT_H
#define IOMMU_STRESS_UNIT_H

#include <stdio.h>

#include "fake-module.h"
#include "ktest.h"
#include "run.h"

/* What the code under test printed, caught between unit_hush() and unit_unhush(). */
struct unit_said {
	char *out, *err;		/* stdout's and stderr's text */
	size_t out_len, err_len;
	FILE *real_out, *real_err;
};
/* Catches stdout and stderr in @s (zeroed or used before: its text is freed). */
void unit_hush(struct unit_said *s);
/* Gives stdout and stderr back; @s keeps the text until unit_said_free(). */
void unit_unhush(struct unit_said *s);
void unit_said_free(struct unit_said *s);
/* @line split at spaces into @argv (at most @max - 1 words, then NULL); the count. */
int unit_words(char *line, char **argv, int max);
/*
 * The fake module's default host with its IOMMU groups moved out of the
 * way of the machine's own, whose reserved regions a session reads from
 * sysfs.
 */
struct fake_host unit_host(void);

/* A run on the model: its options, session, result and what it printed. */
struct unit_run {
	struct run_opts opts;
	struct session sess;
	struct run_result res;
	struct unit_said said;
};
/*
 * 'iommu-stress run @pattern @line' on @h, as main() runs it, into @u:
 * its exit code, or -1 when the options are refused.
 */
int unit_run(const struct fake_host *h, const char *pattern, const char *line,
	     struct unit_run *u);

/* 'run @pattern @line' parsed into @o, as opts_parse() does it. */
int unit_parse(const char *pattern, const char *line, struct run_opts *o);

/* Sample outputs the scripts beside run-unit validate. */
enum unit_sample {
	SAMPLE_EDU,			/* a run on edu's private domain */
	SAMPLE_CHANNEL,			/* on a channel's shared domain */
	SAMPLE_CHANNEL_NO_READS,	/* the same, without unmapped reads */
	SAMPLE_GUEST,			/* in a VM: virtual clock, kernel log, scaled size */
	SAMPLE_AMD,			/* behind an AMD IOMMU: its cap and features */
};
int json_sample(FILE *f, enum unit_sample which);
/* A bench record of a run on the model, written to @path; its exit code. */
int bench_sample(const char *path);
int ktap_sample(FILE *f, int which);
/* 'run all --ktap' on the model (tests/unit/test-first-run.c). */
int run_all_sample(FILE *f);

#endif
