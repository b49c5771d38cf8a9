// SPDX-License-Identifier: GPL-2.0
/*
 * Driver behaviour probes: their observations merge only when everything
 * they saw is the same, the kernel log's new WARNING lines are counted,
 * and the behaviour pattern takes only the runs it can attribute.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"
#include "opts.h"
#include "patterns/pattern.h"
#include "unit.h"

static const struct obs_probe start_inside = {
	.op = "unmap", .offset = 0x100000, .length = 0x100000,
	.unmapped = 0x200000, .warnings = 0, .npoints = 2,
	.points = {
		{ "in_range", 0x100000, 1, OBS_OLD, OBS_OLD },
		{ "past", 0x200000, 1, OBS_NONE, OBS_NONE },
	},
};

TEST(probe_observations_merge, "observations: a probe counts once per key, value and fields")
{
	static struct session s;
	static struct run_result r;
	struct worker w = { .s = &s };
	struct obs_probe p = start_inside;

	pthread_mutex_init(&s.lock, NULL);
	s.res = &r;
	wk_observe_probe(&w, "unmap.start_inside_2M", &p, "unmapped %#x", 0x200000);
	wk_observe_probe(&w, "unmap.start_inside_2M", &p, "unmapped %#x", 0x200000);
	ASSERT_EQ(1u, r.nobs);
	EXPECT_EQ(2u, r.obs[0].count);
	EXPECT_TRUE(r.obs[0].has_probe);
	EXPECT_STREQ("unmapped 0x200000", r.obs[0].value);
	EXPECT_STREQ("past", r.obs[0].probe.points[1].name);
	/* The same line, but the device read something else: a new entry. */
	p.points[0].dma = OBS_NONE;
	wk_observe_probe(&w, "unmap.start_inside_2M", &p, "unmapped %#x", 0x200000);
	EXPECT_EQ(2u, r.nobs);
	p = start_inside;
	p.warnings = -1;
	wk_observe_probe(&w, "unmap.start_inside_2M", &p, "unmapped %#x", 0x200000);
	EXPECT_EQ(3u, r.nobs);
	/* A plain observation never merges with a probe's. */
	wk_observe(&w, "unmap.start_inside_2M", "unmapped %#x", 0x200000);
	ASSERT_EQ(4u, r.nobs);
	EXPECT_FALSE(r.obs[3].has_probe);
	EXPECT_EQ(2u, r.obs[0].count);
	pthread_mutex_destroy(&s.lock);
}

TEST(observations_past_the_cap_are_counted, "observations: those past the cap are counted, not lost")
{
	static struct session s;
	static struct run_result r;
	struct worker w = { .s = &s };

	pthread_mutex_init(&s.lock, NULL);
	s.res = &r;
	for (int i = 0; i < RUN_MAX_OBS + 6; i++)
		wk_observe(&w, "key", "value %d", i);
	/* A repeat of a kept one still counts there, not as dropped. */
	wk_observe(&w, "key", "value %d", 0);
	EXPECT_EQ((unsigned int)RUN_MAX_OBS, r.nobs);
	EXPECT_EQ(6u, r.obs_dropped);
	EXPECT_EQ(2u, r.obs[0].count);
	pthread_mutex_destroy(&s.lock);
}

/* Writes @text to the pipe's write end, all of it. */
static int put(int fd, const char *text)
{
	return write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
}

TEST(kmsg_counts_warning_lines, "kmsg: records with WARNING: are counted, continuation lines are not")
{
	char path[64];
	int p[2], fd;

	ASSERT_EQ(0, pipe(p));
	/* A pipe has no end to seek: the reader starts at its first byte. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	fd = kmsg_open(path);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, kmsg_count(fd, "WARNING:"));
	ASSERT_EQ(0, put(p[1],
		"4,101,5000,-;WARNING: CPU: 0 PID: 93 at drivers/iommu/intel/iommu.c:2329 __domain_mapping\n"
		" SUBSYSTEM=pci WARNING: not a record\n"
		"3,102,5001,-;DMAR: ERROR: DMA PTE for vPFN 0x41a08 already set\n"
		"4,103,5002,-;Call Trace:\n"));
	EXPECT_EQ(1, kmsg_count(fd, "WARNING:"));
	/* Nothing new since the last count. */
	EXPECT_EQ(0, kmsg_count(fd, "WARNING:"));
	ASSERT_EQ(0, put(p[1], "4,104,6000,-;WARNING: CPU: 0\n4,105,6001,-;WARNING: CPU: 1\n"));
	EXPECT_EQ(2, kmsg_count(fd, "WARNING:"));
	kmsg_close(fd);
	close(p[1]);
	close(p[0]);
	/* Unknown, never 0, when the log cannot be read. */
	EXPECT_EQ(-1, kmsg_count(-1, "WARNING:"));
	EXPECT_GT(0, kmsg_open("/nonexistent/kmsg"));
}

TEST(behaviour_takes_attributable_runs, "behaviour: one thread, no checkers, 1 to 16 iterations")
{
	const struct pattern *p = pattern_find("behaviour");
	struct run_opts o;
	FILE *saved = stderr;

	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(0, unit_parse("behaviour", "", &o));
	EXPECT_EQ(0, p->validate(&o));
	EXPECT_EQ(1u, o.iterations);
	EXPECT_EQ(5u, pattern_ncases(p));
	/* The refusals print; keep them out of the KTAP stream. */
	stderr = fopen("/dev/null", "w");
	ASSERT_EQ(0, unit_parse("behaviour", "--threads 2", &o));
	EXPECT_EQ(-1, p->validate(&o));
	ASSERT_EQ(0, unit_parse("behaviour", "--dma-threads 1", &o));
	EXPECT_EQ(-1, p->validate(&o));
	ASSERT_EQ(0, unit_parse("behaviour", "--iterations 17", &o));
	EXPECT_EQ(-1, p->validate(&o));
	ASSERT_EQ(0, unit_parse("behaviour", "--time 5", &o));
	EXPECT_EQ(-1, p->validate(&o));
	ASSERT_EQ(0, unit_parse("behaviour", "--iterations 16", &o));
	EXPECT_EQ(0, p->validate(&o));
	fclose(stderr);
	stderr = saved;
}
