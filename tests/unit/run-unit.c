// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "unit.h"

int unit_failed_checks;

static const struct unit_case *const suites[] = {
	signature_cases, json_cases, stats_cases, churn_cases, report_cases,
	dev_cases, target_cases, session_cases,
};

/* --json-sample's argument: "dma", "dma-noreads", or none (edu). */
static enum unit_sample sample_of(const char *arg)
{
	if (arg && !strcmp(arg, "dma"))
		return SAMPLE_CHANNEL;
	if (arg && !strcmp(arg, "dma-noreads"))
		return SAMPLE_CHANNEL_NO_READS;
	return SAMPLE_EDU;
}

int main(int argc, char **argv)
{
	unsigned int n = 0, passed = 0, failed = 0;

	/* For tests/unit/json-check: a full result record on stdout. */
	if (argc > 1 && !strcmp(argv[1], "--json-sample"))
		return json_sample(stdout, sample_of(argc > 2 ? argv[2] : NULL));
	/*
	 * For tests/unit/ktap-check: 0 clean, 1 failed, 2 skipped, 3
	 * unsupported, 4 on a channel without unmapped reads.
	 */
	if (argc > 2 && !strcmp(argv[1], "--ktap-sample"))
		return ktap_sample(stdout, atoi(argv[2]));

	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++)
		for (const struct unit_case *c = suites[s]; c->name; c++)
			n++;
	printf("TAP version 13\n1..%u\n", n);
	n = 0;
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct unit_case *c = suites[s]; c->name; c++) {
			int before = unit_failed_checks;

			c->fn();
			if (unit_failed_checks == before) {
				passed++;
				printf("ok %u %s\n", ++n, c->name);
			} else {
				failed++;
				printf("not ok %u %s\n", ++n, c->name);
			}
		}
	}
	printf("# Totals: pass:%u fail:%u\n", passed, failed);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
