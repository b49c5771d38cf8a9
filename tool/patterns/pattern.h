/* SPDX-License-Identifier: GPL-2.0 */
/* What every test pattern exports: one descriptor. */
#ifndef IOMMU_STRESS_PATTERN_H
#define IOMMU_STRESS_PATTERN_H

#include "run.h"

struct pattern {
	const char *name;
	const char *summary;		/* one line for 'list' and --help */
	const char *bug_class;		/* what kind of bug it hunts */
	uint64_t default_size;
	/* Checks @o against the pattern's needs; prints why not. */
	int (*validate)(const struct run_opts *o);
	/* Runs until the iteration or time budget is spent. */
	int (*run)(struct session *s);
};

extern const struct pattern pattern_longpeng;

#endif
