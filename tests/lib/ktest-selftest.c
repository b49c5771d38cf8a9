// SPDX-License-Identifier: GPL-2.0
/*
 * The harness tested on itself: tests that pass, fail, crash, hang, leak
 * and skip on purpose. Most of them must fail; tests/lib/ktest-check
 * reads the output and checks that each one was reported as it should.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ktest.h"

TEST(passes, "a test whose checks hold passes")
{
	unsigned int four = 4;

	EXPECT_EQ(4u, four);
	EXPECT_LT(-1, 0);
	ASSERT_TRUE(four);
	EXPECT_STREQ("a", "a");
	EXPECT_ERRNO(ENOENT, ENOENT);
	ASSERT_ERRNO(0, 0);
}

TEST(expect_goes_on, "a failed EXPECT fails the test and goes on")
{
	EXPECT_EQ(1, 2);
	TH_LOG("after the EXPECT");
}

TEST(assert_leaves, "a failed ASSERT fails the test and leaves it")
{
	ASSERT_EQ(0x10000u, 0x20000u);
	TH_LOG("after the ASSERT");
}

TEST(errno_names, "a failed EXPECT_ERRNO names both errnos")
{
	EXPECT_ERRNO(ENOENT, EINVAL);
}

TEST(strings, "a failed EXPECT_STREQ shows both strings")
{
	EXPECT_STREQ("abc", "abd");
}

TEST(crash, "a test that aborts fails")
{
	abort();
}

TEST(hang, "a test past its time is killed and fails")
{
	sleep(ktest_timeout + 5);
}

TEST(stray_exit, "a test that exits before it returns fails")
{
	exit(0);
}

TEST(skips, "a SKIP is reported with its reason")
{
	SKIP(return, "no such hardware");
	EXPECT_TRUE(0);
}

/* Kept where the compiler cannot see that it is lost. */
void *volatile ktest_selftest_sink;

TEST(leaks, "memory leaked in a test fails it under LeakSanitizer")
{
	ktest_selftest_sink = malloc(4242);
	ktest_selftest_sink = NULL;
}

FIXTURE(fx) {
	int setup_ran;
};

FIXTURE_VARIANT(fx) {
	int fail_in;	/* 1 the test, 2 setup, 3 setup skips */
};

FIXTURE_VARIANT_ADD(fx, clean) { .fail_in = 0 };
FIXTURE_VARIANT_ADD(fx, body) { .fail_in = 1 };
FIXTURE_VARIANT_ADD(fx, setup) { .fail_in = 2 };
FIXTURE_VARIANT_ADD(fx, skip) { .fail_in = 3 };

FIXTURE_SETUP(fx)
{
	if (variant->fail_in == 3)
		SKIP(return, "setup skipped");
	ASSERT_NE(2, variant->fail_in);
	self->setup_ran = 1;
}

FIXTURE_TEARDOWN(fx)
{
	TH_LOG("teardown ran, setup_ran %d", self->setup_ran);
}

TEST_F(fx, runs, "a fixture's test runs between setup and teardown")
{
	EXPECT_EQ(1, self->setup_ran);
	ASSERT_NE(1, variant->fail_in);
	TH_LOG("test body done");
}

/*
 * Short, so the hang test costs little, but long enough for LeakSanitizer's
 * scan at a child's exit on a loaded machine: at 2 s the leak test timed
 * out before the report under load 7.
 */
int main(int argc, char **argv)
{
	ktest_timeout = 10;
	return ktest_main(argc, argv);
}
