// SPDX-License-Identifier: GPL-2.0
/* The table 'run all' closes with: one line a pattern, then the verdict. */
#include <string.h>

#include "report.h"

void report_table(FILE *f, const char *pfx, const struct run_row *rows,
		  unsigned int n, int clock_virtual, int code)
{
	static const char *const statuses[] = {
		"clean", "corrupt", "error", "unsupported", "not run",
	};
	unsigned int count[5] = { 0 };
	double total = 0, real = 0;
	int real_known = 1;

	fprintf(f, "%sall patterns:\n", pfx);
	fprintf(f, "%s  %-11s %-12s %10s %10s %11s %9s %12s %7s\n", pfx, "pattern",
		"result", "iterations", "DMA checks", "corruptions",
		clock_virtual ? "guest s" : "seconds", "IOMMU faults",
		"kernel");
	for (unsigned int i = 0; i < n; i++) {
		const struct run_row *w = &rows[i];

		fprintf(f, "%s  %-11s %-12s %10llu %10llu %11llu %9.2f %12llu %7llu\n",
			pfx, w->pattern, w->status,
			(unsigned long long)w->iterations,
			(unsigned long long)w->dma_checks,
			(unsigned long long)w->corruptions, w->seconds,
			(unsigned long long)w->faults,
			(unsigned long long)w->kernel_other);
		for (unsigned int k = 0; k < 5; k++)
			count[k] += !strcmp(w->status, statuses[k]);
		total += w->seconds;
		if (w->real_s < 0)
			real_known = 0;
		else
			real += w->real_s;
	}
	fprintf(f, "%s  (kernel: other kernel errors and warnings during the pattern, in its report and dmesg)\n",
		pfx);
	if (clock_virtual && real_known)
		fprintf(f, "%s  %.2f s of guest time, about %.0f s real\n", pfx,
			total, real);
	else if (clock_virtual)
		fprintf(f, "%s  %.2f s of guest time (real time unknown: no RTC)\n",
			pfx, total);
	fprintf(f, "%sRESULT all: %u clean, %u corrupt, %u error, %u unsupported",
		pfx, count[0], count[1], count[2], count[3]);
	if (count[4])
		fprintf(f, ", %u not run (interrupted)", count[4]);
	fprintf(f, "; exit %d (the worst: corrupt, error, unsupported, clean)\n",
		code);
}
