// SPDX-License-Identifier: GPL-2.0
/* KTAP: one test per check case, and one for the run itself. */
#include "outcome.h"
#include "report.h"

void report_ktap_head(FILE *f, const struct session *s,
		      const struct run_result *r)
{
	fprintf(f, "TAP version 13\n");
	if (r->unsupported[0])
		fprintf(f, "1..0 # SKIP %s\n", r->unsupported);
	else
		fprintf(f, "1..%u\n", report_ncases(s) + 1);
}

void report_ktap_body(FILE *f, const struct session *s,
		      const struct run_result *r)
{
	unsigned int n = report_ncases(s), pass = 0, fail = 0, skip = 0;

	if (r->unsupported[0]) {
		fprintf(f, "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0\n");
		return;
	}
	for (unsigned int c = 0; c < n; c++) {
		const char *why;
		enum case_state st = report_case_state(s, r, c, &why);

		fprintf(f, "%sok %u %s: %s", st == CASE_FAIL ? "not " : "", c + 1,
			r->pattern, pattern_case_name(s->pattern, c));
		if (st == CASE_SKIP)
			fprintf(f, " # SKIP %s", why);
		fputc('\n', f);
		pass += st == CASE_PASS;
		fail += st == CASE_FAIL;
		skip += st == CASE_SKIP;
	}
	/* The run itself: every op the pattern asked for was carried out. */
	fprintf(f, "%sok %u %s: ran to the end without errors\n",
		r->error ? "not " : "", n + 1, r->pattern);
	pass += !r->error;
	fail += r->error;
	fprintf(f, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
		pass, fail, skip);
}
