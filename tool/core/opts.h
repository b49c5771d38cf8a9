/* SPDX-License-Identifier: GPL-2.0 */
/* The options of 'run' and 'replay': the common ones and the pattern's. */
#ifndef IOMMU_STRESS_OPTS_H
#define IOMMU_STRESS_OPTS_H

#include <stdio.h>

#include "patterns/pattern.h"

/* Options, pattern options (when @p) and exit codes, for --help. */
void opts_usage(FILE *f, const struct pattern *p);
/*
 * Parses argv[1..] (argv[0] is the pattern name) into @o, defaults first.
 * 0 on success, 1 when --help was printed, -1 on a bad option (printed).
 */
int opts_parse(int argc, char **argv, const struct pattern *p,
	       struct run_opts *o);
/* A byte count or number with an optional K, M, G or T suffix. */
int opts_parse_u64(const char *s, uint64_t *out);
/* --iova-range's START:LEN: sizes, LEN > 0, both 2M-aligned, no wrap. 0 or -1. */
int opts_parse_iova_range(const char *s, uint64_t *start, uint64_t *len);

#endif
