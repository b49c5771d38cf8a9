// SPDX-License-Identifier: GPL-2.0
/*
 * --inject wrong-page, against a file standing in for the test build's
 * parameter unsafe_wrong_page_map and against a model of the module
 * (fake-module.c) that, like a normal build, maps nothing wrong: the
 * selection is made before the first MAP and undone after; a selection
 * the module never took is an error, not a clean run; a module without
 * the parameter is refused before any MAP (exit 4); and a run that did
 * not ask for it will not start over a selection left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "fake-module.h"
#include "inject.h"
#include "report.h"
#include "unit.h"

static struct unit_run u;	/* the last run on the model */
static char dir[64];
static char param[128];

/* A parameter directory of our own, holding the parameter when @val >= 0. */
static void param_dir(int val)
{
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/iommu-stress-inject.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	inject_param_dir = dir;
	snprintf(param, sizeof(param), "%s/unsafe_wrong_page_map", dir);
	if (val < 0)
		return;
	f = fopen(param, "w");
	if (!f)
		abort();
	fprintf(f, "%d\n", val);
	fclose(f);
}

static void param_dir_remove(void)
{
	unlink(param);
	rmdir(dir);
}

/* The parameter's value, -1 when it cannot be read. */
static int param_value(void)
{
	FILE *f = fopen(param, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* 'iommu-stress run @pattern @line' on the model: its exit code. */
static int run(const char *pattern, const char *line)
{
	struct fake_host h = unit_host();

	return unit_run(&h, pattern, line, &u);
}

TEST(wrong_page_options, "inject: wrong-page[:N] parses, one --inject at a time")
{
	FILE *real_stderr = stderr;
	struct run_opts o;

	EXPECT_TRUE(!unit_parse("longpeng", "--inject wrong-page", &o));
	EXPECT_TRUE(o.wrong_page_map == 1 && !o.skip_flush);
	EXPECT_TRUE(!strcmp(inject_name(&o), "wrong-page"));
	EXPECT_TRUE(!unit_parse("longpeng", "--inject wrong-page:3", &o));
	EXPECT_TRUE(o.wrong_page_map == 3);
	EXPECT_TRUE(!unit_parse("longpeng", "--inject skip-flush", &o));
	EXPECT_TRUE(!o.wrong_page_map && !strcmp(inject_name(&o), "skip-flush"));
	EXPECT_TRUE(!unit_parse("longpeng", "", &o) && !strcmp(inject_name(&o), "none"));
	stderr = fopen("/dev/null", "w");
	EXPECT_TRUE(unit_parse("longpeng", "--inject wrong-page:0", &o));
	EXPECT_TRUE(unit_parse("longpeng", "--inject wrong-page:", &o));
	EXPECT_TRUE(unit_parse("longpeng", "--inject wrong-pages", &o));
	EXPECT_TRUE(unit_parse("longpeng", "--inject wrong-page:1000001", &o));
	EXPECT_TRUE(unit_parse("longpeng", "--inject skip-flush --inject wrong-page", &o));
	fclose(stderr);
	stderr = real_stderr;
}

/* What the module does with the selection, done by hand on the file. */
TEST(wrong_page_selects_and_deselects, "inject: the Nth MAP is selected before the run and deselected after; one never taken is an error")
{
	struct run_opts o;
	struct run_result r = { 0 };
	FILE *real_stderr = stderr;
	FILE *f;

	param_dir(0);
	EXPECT_TRUE(!unit_parse("longpeng", "--inject wrong-page:3", &o));
	EXPECT_EQ(0, inject_arm(&o, &r));
	EXPECT_EQ(3, param_value());
	/* The module counted 2 of the 3 MAPs down: the third never came. */
	f = fopen(param, "w");
	fprintf(f, "1\n");
	fclose(f);
	stderr = fopen("/dev/null", "w");
	EXPECT_EQ(-EIO, inject_done());
	fclose(stderr);
	stderr = real_stderr;
	EXPECT_EQ(0, param_value());
	/* It came: the module counted down to 0. */
	EXPECT_EQ(0, inject_arm(&o, &r));
	f = fopen(param, "w");
	fprintf(f, "0\n");
	fclose(f);
	EXPECT_EQ(0, inject_done());
	/* Done once: a second call (session_close) has nothing to say. */
	EXPECT_EQ(0, inject_done());
	param_dir_remove();
}

TEST(wrong_page_needs_test_build, "inject: wrong-page on a module that is no test build exits 4 before any MAP")
{
	param_dir(-1);
	EXPECT_EQ(EXIT_UNSUPPORTED, run("longpeng", "--size 8M --iterations 1 --inject wrong-page"));
	EXPECT_TRUE(strstr(u.res.unsupported, "not a test build (ISTRESS_UNSAFE_TESTS=1)") != NULL);
	EXPECT_TRUE(!fake_seen()->maps);
	/* The same run without it is clean. */
	EXPECT_EQ(EXIT_CLEAN, run("longpeng", "--size 8M --iterations 1"));
	param_dir_remove();
}

/*
 * The model maps nothing wrong, as a normal build would not: the run
 * made its MAPs, but its control never happened.
 */
TEST(wrong_page_never_taken, "inject: a wrong-page run whose MAP never went wrong is an error, and leaves nothing selected")
{
	param_dir(0);
	EXPECT_EQ(EXIT_ERROR, run("longpeng", "--size 8M --iterations 1 --inject wrong-page"));
	EXPECT_TRUE(u.said.err && strstr(u.said.err, "the selected MAP never came") != NULL);
	EXPECT_EQ(0, param_value());
	param_dir_remove();
}

TEST(wrong_page_left_selected, "inject: a run that did not ask will not start over a selection left behind")
{
	param_dir(2);
	EXPECT_EQ(EXIT_ERROR, run("longpeng", "--size 8M --iterations 1"));
	EXPECT_TRUE(u.said.err && strstr(u.said.err, "did not ask for") != NULL);
	EXPECT_TRUE(!fake_seen()->maps);
	EXPECT_EQ(2, param_value());
	/* Nor with skip-flush, another control. */
	EXPECT_EQ(EXIT_ERROR, run("longpeng", "--size 8M --iterations 1 --inject skip-flush"));
	param_dir_remove();
}
