/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run, repro and replay commands: one pattern, or with 'run all'
 * every pattern in turn, each with its report, and the run's kernel log
 * and clock beside it.
 */
#ifndef IOMMU_STRESS_RUNNER_H
#define IOMMU_STRESS_RUNNER_H

/* Each pattern's time budget under 'run all' without --time. */
#define RUN_ALL_DEFAULT_TIME	10

/* Where the runner reads the kernel log and the RTC (tests move them). */
extern const char *runner_kmsg, *runner_rtc;

/* 'run PATTERN|all ...' and 'repro ...' (argv[0] is "run"); the exit code. */
int cmd_run(int argc, char **argv, const char *command);
/* 'replay FILE ...'; the exit code. */
int cmd_replay(int argc, char **argv, const char *command);
/*
 * The worse of two exit codes of 'run all': 1 (corruption), then 2
 * (error), then 4 (unsupported), then 0 (clean).
 */
int runner_worse(int a, int b);

#endif
