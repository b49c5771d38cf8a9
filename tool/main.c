// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-stress: reproduce, detect and time IOMMU translation corruption,
 * driving /dev/iommu_stress.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "info.h"
#include "opts.h"
#include "report.h"
#include "runner.h"

static void usage(FILE *f)
{
	fputs(
"Usage: iommu-stress COMMAND [OPTIONS]\n"
"\n"
"Reproduce, detect and time IOMMU translation corruption through the\n"
"iommu_stress kernel module (" IOMMU_STRESS_DEVICE ").\n"
"\n"
"Commands:\n"
"  info                  module, kernel, DMA targets (edu devices, dmaengine\n"
"                        channels), their devices, IOMMU groups and domains\n"
"  list                  the patterns: what each does, what bug it hunts\n"
"  run PATTERN [OPTIONS] run a pattern (see 'run PATTERN --help'); 'run all':\n"
"                        every pattern in turn, at most --time seconds each\n"
"                        (default 10), one table, exit status the worst of\n"
"                        them (see 'run all --help')\n"
"  repro PATTERN ...     the same as run (kept for 'repro longpeng')\n"
"  replay FILE [OPTIONS] replay an op log a run saved on corruption\n"
"  bench [OPTIONS]       map and unmap throughput and latency: single ioctls,\n"
"                        BATCH and the module's own loop (see 'bench --help')\n"
"\n", f);
	opts_usage(f, NULL);
}

static int cmd_info(void)
{
	return info_print(stdout) ? EXIT_ERROR : EXIT_CLEAN;
}

static int cmd_list(void)
{
	for (unsigned int i = 0; i < pattern_count(); i++) {
		const struct pattern *p = pattern_at(i);

		printf("%-11s %s\n%-11s   hunts: %s\n", p->name, p->summary, "",
		       p->bug_class);
	}
	return EXIT_CLEAN;
}

/* The command line as one string, for the JSON record. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *out;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	out = calloc(1, len);
	if (!out)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, argv[i]);
	}
	return out;
}

int main(int argc, char **argv)
{
	char *command;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("iommu-stress %s (ABI %u)\n", TOOL_VERSION,
		       IOMMU_STRESS_ABI_VERSION);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "list"))
		return cmd_list();
	command = join_args(argc, argv);
	if (!strcmp(argv[1], "run") || !strcmp(argv[1], "repro"))
		ret = cmd_run(argc - 1, argv + 1, command);
	else if (!strcmp(argv[1], "replay"))
		ret = cmd_replay(argc - 1, argv + 1, command);
	else if (!strcmp(argv[1], "bench"))
		ret = bench_main(argc - 1, argv + 1, command);
	else {
		fprintf(stderr, "iommu-stress: unknown command '%s' (see --help)\n", argv[1]);
		ret = EXIT_ERROR;
	}
	free(command);
	return ret;
}
