// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty pattern's arithmetic (tool/lib/dirty_set.h): which bits a
 * region's writes make due and allowed, a 2M leaf's write widened to the
 * whole leaf, the verdict on a read (missing, widened, extra), a missing
 * bit counted as corruption and an extra one not; and the pattern's
 * refusal where the module offers no dirty tracking (the fake module's
 * INFO lists no DIRTY feature).
 */
#include <string.h>

#include "dirty_set.h"
#include "report.h"
#include "unit.h"

static void set_bits(uint64_t *bits, unsigned int from, unsigned int to)
{
	for (unsigned int i = from; i < to; i++)
		bits[i / 64] |= 1ull << (i % 64);
}

TEST(dirty_set_small, "dirty: a write through a 4K leaf makes only its page due")
{
	struct dirty_set s;
	uint64_t got[DIRTY_SET_WORDS] = { 0 };
	struct dirty_verdict v;

	dirty_set_clear(&s);
	dirty_set_write(&s, 3, 1);
	dirty_set_write(&s, 511, 1);
	dirty_set_write(&s, 3, 1);
	EXPECT_EQ(2u, dirty_count(s.written, 0, DIRTY_SET_PAGES));
	EXPECT_EQ(2u, dirty_count(s.may, 0, DIRTY_SET_PAGES));
	/* Exactly the pages written: nothing missing, nothing extra. */
	set_bits(got, 3, 4);
	set_bits(got, 511, 512);
	v = dirty_judge(&s, got);
	EXPECT_EQ(2u, v.written);
	EXPECT_EQ(2u, v.read);
	EXPECT_EQ(0u, v.missing);
	EXPECT_EQ(0u, v.widened);
	EXPECT_EQ(0u, v.extra);
	EXPECT_EQ(-1, v.first_missing);
	/* Page 3 read clean: one missing, named; page 4 dirty: noise. */
	memset(got, 0, sizeof(got));
	set_bits(got, 4, 5);
	set_bits(got, 511, 512);
	v = dirty_judge(&s, got);
	EXPECT_EQ(1u, v.missing);
	EXPECT_EQ(3, v.first_missing);
	EXPECT_EQ(1u, v.extra);
	EXPECT_EQ(0u, v.widened);
	/* Nothing read: both missing. */
	memset(got, 0, sizeof(got));
	v = dirty_judge(&s, got);
	EXPECT_EQ(2u, v.missing);
	EXPECT_EQ(0u, v.read);
	/* Cleared: nothing due, and every bit read is noise. */
	dirty_set_clear(&s);
	set_bits(got, 0, DIRTY_SET_PAGES);
	v = dirty_judge(&s, got);
	EXPECT_EQ(0u, v.written);
	EXPECT_EQ(0u, v.missing);
	EXPECT_EQ(DIRTY_SET_PAGES, v.extra);
}

TEST(dirty_set_leaf, "dirty: a write through a 2M leaf may dirty the whole leaf, and still must dirty its page")
{
	struct dirty_set s;
	uint64_t got[DIRTY_SET_WORDS] = { 0 };
	struct dirty_verdict v;

	dirty_set_clear(&s);
	dirty_set_write(&s, 200, DIRTY_SET_PAGES);
	EXPECT_EQ(1u, dirty_count(s.written, 0, DIRTY_SET_PAGES));
	EXPECT_EQ(DIRTY_SET_PAGES, dirty_count(s.may, 0, DIRTY_SET_PAGES));
	/* The driver reports the whole leaf: widened, not noise. */
	set_bits(got, 0, DIRTY_SET_PAGES);
	v = dirty_judge(&s, got);
	EXPECT_EQ(0u, v.missing);
	EXPECT_EQ(DIRTY_SET_PAGES - 1, v.widened);
	EXPECT_EQ(0u, v.extra);
	EXPECT_EQ(DIRTY_SET_PAGES, v.read);
	/* Only the page written: as good. */
	memset(got, 0, sizeof(got));
	set_bits(got, 200, 201);
	v = dirty_judge(&s, got);
	EXPECT_EQ(0u, v.missing);
	EXPECT_EQ(0u, v.widened);
	/* The leaf's other pages without the page written: missing. */
	memset(got, 0, sizeof(got));
	set_bits(got, 0, 200);
	set_bits(got, 201, DIRTY_SET_PAGES);
	v = dirty_judge(&s, got);
	EXPECT_EQ(1u, v.missing);
	EXPECT_EQ(200, v.first_missing);
	EXPECT_EQ(0u, v.extra);
	/*
	 * A region written as 4K pages, then mapped as a 2M leaf and written
	 * again (no read between): the leaf's widening covers all of it.
	 */
	dirty_set_clear(&s);
	dirty_set_write(&s, 7, 1);
	dirty_set_write(&s, 9, DIRTY_SET_PAGES);
	memset(got, 0, sizeof(got));
	set_bits(got, 0, DIRTY_SET_PAGES);
	v = dirty_judge(&s, got);
	EXPECT_EQ(2u, v.written);
	EXPECT_EQ(0u, v.missing);
	EXPECT_EQ(0u, v.extra);
	/* Out of the region: ignored. */
	dirty_set_clear(&s);
	dirty_set_write(&s, DIRTY_SET_PAGES, 1);
	EXPECT_EQ(0u, dirty_count(s.written, 0, DIRTY_SET_PAGES));
}

TEST(dirty_verdict_counts, "dirty: a page written and read clean is corruption (exit 1), an extra bit is not")
{
	static struct run_result r;

	memset(&r, 0, sizeof(r));
	r.st.dirty_written = 10;
	r.st.dirty_extra = 5;
	EXPECT_EQ(0ull, (unsigned long long)run_corruptions(&r));
	EXPECT_EQ(EXIT_CLEAN, report_exit_code(&r));
	r.st.dirty_missing = 1;
	EXPECT_EQ(1ull, (unsigned long long)run_corruptions(&r));
	EXPECT_EQ(EXIT_CORRUPTION, report_exit_code(&r));
	r.st.dirty_missing = 0;
	r.st.writes_lost = 2;
	EXPECT_EQ(2ull, (unsigned long long)run_corruptions(&r));
	/* Merged from each thread. */
	{
		struct wstats a, b;

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		b.dirty_written = 3;
		b.dirty_bits = 4;
		b.dirty_missing = 1;
		b.dirty_extra = 2;
		b.writes_lost = 5;
		run_merge(&a, &b);
		run_merge(&a, &b);
		EXPECT_TRUE(a.dirty_written == 6 && a.dirty_bits == 8 &&
			    a.dirty_missing == 2 && a.dirty_extra == 4 &&
			    a.writes_lost == 10);
	}
}

static struct unit_run u;

TEST(dirty_refused, "dirty: where the module offers no dirty tracking the run exits 4 and says why")
{
	struct fake_host h = unit_host();

	EXPECT_EQ(EXIT_UNSUPPORTED, unit_run(&h, "dirty", "--iterations 1", &u));
	EXPECT_TRUE(strstr(u.res.unsupported, "dirty tracking on edu:") &&
		    strstr(u.res.unsupported, "no dirty-tracking domains"));
	EXPECT_TRUE(u.said.err && strstr(u.said.err, u.res.unsupported));
	EXPECT_EQ(0ull, (unsigned long long)u.res.iterations);
	/* A channel's shared domain: the module makes none there. */
	EXPECT_EQ(EXIT_UNSUPPORTED, unit_run(&h, "dirty", "--iterations 1 --target dma0chan0", &u));
	EXPECT_TRUE(strstr(u.res.unsupported, "edu targets only") != NULL);
	/* The other patterns' domains are made as before. */
	EXPECT_EQ(EXIT_CLEAN, unit_run(&h, "promote", "--iterations 1", &u));
	/* --size not a multiple of 2M is refused before anything runs. */
	EXPECT_EQ(-1, unit_run(&h, "dirty", "--size 3M", &u));
}

/*
 * skip-flush is no control of the dirty pattern (measured clean): its
 * run is unsupported with the controls that are, not a control that can
 * only be missed (scripts/host-run would call that a failure). Where it
 * is a control, the same injection runs.
 */
TEST(dirty_no_skip_flush, "dirty: --inject skip-flush is unsupported and names the pattern's controls")
{
	struct fake_host h = unit_host();

	EXPECT_EQ(EXIT_UNSUPPORTED, unit_run(&h, "dirty", "--iterations 1 --inject skip-flush", &u));
	EXPECT_TRUE(strstr(u.res.unsupported, "--inject skip-flush: no control for the dirty pattern") &&
		    strstr(u.res.unsupported, "x-ssads-lose-resized=on"));
	EXPECT_TRUE(u.said.err && strstr(u.said.err, u.res.unsupported));
	EXPECT_EQ(EXIT_CORRUPTION, unit_run(&h, "reuse", "--iterations 4 --inject skip-flush", &u));
}
