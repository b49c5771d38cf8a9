/* SPDX-License-Identifier: GPL-2.0 */
/* Runs a pattern: threads, barriers, checkers, progress, final checks. */
#ifndef IOMMU_STRESS_ENGINE_H
#define IOMMU_STRESS_ENGINE_H

#include <stdio.h>

#include "patterns/pattern.h"

/*
 * The checks the engine adds after a pattern's own cases: the guard pages
 * (live neighbours of every sub-range) and the CPU-side scan of every
 * buffer for bytes the tool never wrote.
 */
#define ENGINE_EXTRA_CASES	2

/* SIGINT and SIGTERM stop the run at the next iteration; it still reports. */
void engine_signals(void);
/* Runs @p in the open session @s; 0 or the first error (-errno). */
int engine_run(struct session *s, const struct pattern *p);
/*
 * Records @p as a run that never started: session_open() found the host
 * cannot do it (s->res->unsupported says why). The report follows as for
 * any run.
 */
void engine_unsupported(struct session *s, const struct pattern *p);
/* Replays a saved op log with @p's replay hook, single-threaded. */
int engine_replay(struct session *s, const struct pattern *p, FILE *f,
		  const char *path);

#endif
