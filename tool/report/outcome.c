// SPDX-License-Identifier: GPL-2.0
/* What a run came to: its exit code and status, and each check case's state. */
#include "engine.h"
#include "outcome.h"
#include "report.h"

unsigned int report_ncases(const struct session *s)
{
	return pattern_ncases(s->pattern) + ENGINE_EXTRA_CASES;
}

/* A case whose only checks were of unmapped IOVAs, none of them read. */
#define UNCHECKED_WHY \
	"reads of unmapped IOVAs not allowed on this channel (dma_unmapped_reads=0)"

enum case_state report_case_state(const struct session *s,
				  const struct run_result *r, unsigned int c,
				  const char **why)
{
	*why = r->case_skip[c];
	if (r->st.case_bad[c])
		return CASE_FAIL;
	if (*why)
		return CASE_SKIP;
	if (!r->st.case_checks[c]) {
		*why = c == pattern_ncases(s->pattern) ? "no guard pages" :
		       r->st.case_unchecked[c] ? UNCHECKED_WHY : "not exercised";
		return CASE_SKIP;
	}
	return CASE_PASS;
}

int report_exit_code(const struct run_result *r)
{
	if (run_corruptions(r))
		return EXIT_CORRUPTION;
	if (r->unsupported[0])
		return EXIT_UNSUPPORTED;
	if (r->error)
		return EXIT_ERROR;
	return EXIT_CLEAN;
}

const char *report_status_name(const struct run_result *r)
{
	switch (report_exit_code(r)) {
	case EXIT_CORRUPTION: return "corrupt";
	case EXIT_UNSUPPORTED: return "unsupported";
	case EXIT_ERROR: return "error";
	default: return "clean";
	}
}
