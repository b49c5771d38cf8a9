// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP: one test per check case, and one for the run itself. 'run all'
 * puts every pattern's tests in one flat stream, numbered on.
 */
#include "engine.h"
#include "outcome.h"
#include "report.h"

void report_ktap_head(FILE *f, const struct session *s,
		      const struct run_result *r)
{
	fprintf(f, "TAP version 13\n");
	if (r->unsupported[0])
		fprintf(f, "1..0 # SKIP %s\n", r->unsupported);
	else
		fprintf(f, "1..%u\n", report_ktap_count(s->pattern));
}

unsigned int report_ktap_count(const struct pattern *p)
{
	return pattern_ncases(p) + ENGINE_EXTRA_CASES + 1;
}

static void line(FILE *f, struct ktap_totals *t, enum case_state st,
		 unsigned int no, const char *pattern, const char *name,
		 const char *why)
{
	fprintf(f, "%sok %u %s: %s", st == CASE_FAIL ? "not " : "", no,
		pattern, name);
	if (st == CASE_SKIP)
		fprintf(f, " # SKIP %s", why);
	fputc('\n', f);
	t->pass += st == CASE_PASS;
	t->fail += st == CASE_FAIL;
	t->skip += st == CASE_SKIP;
}

unsigned int report_ktap_results(FILE *f, const struct session *s,
				 const struct run_result *r, unsigned int first,
				 struct ktap_totals *t)
{
	unsigned int n = report_ncases(s);
	const char *unsup = r->unsupported[0] ? r->unsupported : NULL;

	for (unsigned int c = 0; c < n; c++) {
		const char *why;
		enum case_state st = report_case_state(s, r, c, &why);

		if (unsup && st != CASE_FAIL) {
			st = CASE_SKIP;
			why = unsup;
		}
		line(f, t, st, first + c, r->pattern,
		     pattern_case_name(s->pattern, c), why);
	}
	/* The run itself: every op the pattern asked for was carried out. */
	line(f, t, unsup && !r->error ? CASE_SKIP : r->error ? CASE_FAIL : CASE_PASS,
	     first + n, r->pattern, "ran to the end without errors", unsup);
	return n + 1;
}

void report_ktap_totals(FILE *f, const struct ktap_totals *t)
{
	fprintf(f, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
		t->pass, t->fail, t->skip);
}

void report_ktap_body(FILE *f, const struct session *s,
		      const struct run_result *r)
{
	struct ktap_totals t = { 0, 0, 0 };

	/* Its plan was 1..0: no results. */
	if (!r->unsupported[0])
		report_ktap_results(f, s, r, 1, &t);
	report_ktap_totals(f, &t);
}
