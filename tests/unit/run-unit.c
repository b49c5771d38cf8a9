// SPDX-License-Identifier: GPL-2.0
/*
 * The unit tests: every TEST in tests/unit, and the hardening programs' ABI
 * table (tests/hardening/abi.c) against the fake module, registers itself;
 * ktest runs them.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* --json-sample's argument: "dma", "dma-noreads", "guest", "amd", or none (edu). */
static enum unit_sample sample_of(const char *arg)
{
	if (arg && !strcmp(arg, "dma"))
		return SAMPLE_CHANNEL;
	if (arg && !strcmp(arg, "dma-noreads"))
		return SAMPLE_CHANNEL_NO_READS;
	if (arg && !strcmp(arg, "guest"))
		return SAMPLE_GUEST;
	if (arg && !strcmp(arg, "amd"))
		return SAMPLE_AMD;
	return SAMPLE_EDU;
}

int main(int argc, char **argv)
{
	/* For tests/unit/json-check: a full result record on stdout. */
	if (argc > 1 && !strcmp(argv[1], "--json-sample"))
		return json_sample(stdout, sample_of(argc > 2 ? argv[2] : NULL));
	/*
	 * For tests/unit/ktap-check: 0 clean, 1 failed, 2 skipped, 3
	 * unsupported, 4 on a channel without unmapped reads, 5 'run all'.
	 */
	if (argc > 2 && !strcmp(argv[1], "--ktap-sample"))
		return ktap_sample(stdout, atoi(argv[2]));
	/* For tests/unit/bench-check: a bench record in the file named. */
	if (argc > 2 && !strcmp(argv[1], "--bench-sample"))
		return bench_sample(argv[2]);
	return ktest_main(argc, argv);
}
