/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sizes that fit the machine. The module caps all sessions' buffers
 * together (max_buffer_mb, half of RAM by default) and BUF_ALLOC answers
 * ENOMEM past it or when memory runs out. A pattern's default size made
 * for a large host (longpeng's 3 GiB, as published) is scaled down to what
 * the module can back, and the report says so; a size the user gave is
 * never changed: one that does not fit is an error that says what fits.
 */
#ifndef IOMMU_STRESS_FIT_H
#define IOMMU_STRESS_FIT_H

#include "patterns/pattern.h"

/* Room for the guard pages a run allocates beside the pattern's buffers. */
#define FIT_MARGIN	(2ull << 20)

/*
 * The module's cap on buffers in bytes, from its max_buffer_mb parameter
 * under @sysfs ("/sys/module/iommu_stress/parameters") and @meminfo
 * ("/proc/meminfo") when that is 0; 0 when unknown.
 */
uint64_t fit_module_cap(const char *sysfs, const char *meminfo);
/* What fit_size() passes it (the unit tests point them at their own files). */
extern const char *fit_sysfs, *fit_meminfo;
/*
 * Before @p runs in the open session @s: sets @o->size to one the module
 * can back (the largest under its cap, then tried with a BUF_ALLOC freed
 * at once, and halved on ENOMEM), and notes a scaled default in @r. 0,
 * or -ENOMEM (printed)
 * when --size was given and does not fit, or no size down to the
 * pattern's smallest does.
 */
int fit_size(struct session *s, const struct pattern *p, struct run_opts *o,
	     struct run_result *r);

#endif
