/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --inject: the negative controls a run asks for. skip-flush goes with
 * every UNMAP (worker.c); wrong-page is a fault injection that only a
 * test build of the module has (ISTRESS_UNSAFE_TESTS=1), set through its
 * parameter unsafe_wrong_page_map: the module maps the selected MAP one
 * page off, and the data checks must report it.
 */
#ifndef IOMMU_STRESS_INJECT_H
#define IOMMU_STRESS_INJECT_H

#include "run.h"

/* Where the module's parameters are; the unit tests point it elsewhere. */
extern const char *inject_param_dir;

/* "none", "skip-flush" or "wrong-page", as the record names it. */
const char *inject_name(const struct run_opts *o);

/*
 * Before the run's first MAP: selects the MAP --inject wrong-page:N
 * asks for. -EOPNOTSUPP with r->unsupported set when the module is no
 * test build. A run that asks for no such injection and finds one
 * selected (by an earlier run that did not end) gets -EBUSY: the module
 * would map one of its MAPs wrong. Both printed.
 */
int inject_arm(const struct run_opts *o, struct run_result *r);

/*
 * After the run: deselects what inject_arm() selected. -EIO (printed)
 * when the selected MAP never came: the run did not test its detector.
 */
int inject_done(void);

#endif
