// SPDX-License-Identifier: GPL-2.0
/*
 * Results as machines read them: a synthetic run's JSON record (checked
 * against results/schema.json by tests/unit/json-check) and KTAP output
 * (parsed by tests/unit/ktap-check), plus the summary's arithmetic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "iommu_stress_backends.h"
#include "opts.h"
#include "place.h"
#include "report.h"
#include "unit.h"

static struct run_opts opts;
static struct session sess;
static struct run_result res;

/*
 * A finished churn run with two threads: @bad adds stale reads, a
 * clobbered page and a replay file; @skip marks a case not run.
 */
/* The sample run's target, as TARGET_QUERY would describe it. */
static void target_is(const char *name, const char *device, const char *driver,
		      uint32_t backend, int group, uint32_t domain_type)
{
	const struct istress_backend_row *be = istress_backend(backend);

	sess.target = (struct target){ .queried = 1 };
	strcpy(sess.target.q.name, name);
	strcpy(sess.target.q.device, device);
	strcpy(sess.target.q.driver, driver);
	sess.target.q.backend = backend;
	sess.target.q.caps = be->caps;
	sess.target.q.max_dma_len = be->max_dma_len;
	sess.target.q.iommu_group = group;
	sess.target.q.domain_type = domain_type;
}

static void sample(int bad, int skip)
{
	const struct pattern *p = pattern_find("churn");

	memset(&opts, 0, sizeof(opts));
	memset(&sess, 0, sizeof(sess));
	memset(&res, 0, sizeof(res));
	opts = (struct run_opts){
		.size = 16 << 20, .iterations = 2, .samples = 8, .seed = 1,
		.skip_flush = bad, .threads = 2, .dma_threads = 1, .node = -1,
		.command = "iommu-stress run churn --threads 2 \"quoted\"",
	};
	opts.popt[0] = 32;
	sess.opts = &opts;
	sess.pattern = p;
	sess.res = &res;
	sess.info.abi_version = IOMMU_STRESS_ABI_VERSION;
	strcpy(sess.info.module_version, "0.1.0");
	strcpy(sess.info.kernel_release, "6.1.0-test \"quoted\"");
	strcpy(sess.dom.target, "edu:0000:00:02.0");
	strcpy(sess.dom.iommu_driver, "intel-iommu");
	strcpy(sess.dom.iommu_name, "dmar0");
	sess.dom.pgsize_bitmap = 0x40201000;
	sess.dom.aperture_end = 0x7fffffffff;
	sess.dom.range_last = sess.dom.aperture_end;
	sess.dom.domain_type = IOMMU_STRESS_DOMTYPE_UNMANAGED;
	target_is("edu:0000:00:02.0", "0000:00:02.0", "iommu_stress",
		  IOMMU_STRESS_BACKEND_EDU, 3, IOMMU_STRESS_DOMTYPE_DMA);
	sess.dom.window_iova = 0x7fffe00000;
	sess.dom.window_len = 0x200000;
	sess.dom.out_flags = IOMMU_STRESS_DOMAIN_INTEL_CAPS;
	sess.dom.intel_cap = 0xd2008c22260206;
	sess.nresv = 1;
	sess.resv[0] = (struct resv_region){ 0xfee00000, 0xfeefffff, "msi" };

	res.pattern = "churn";
	res.iterations = 2;
	res.first_ns = UINT64_MAX;
	res.buffer_node = -1;
	res.nplace = 3;
	res.place[0] = (struct placement){ "mapper", "0", 0, 0 };
	res.place[1] = (struct placement){ "mapper", "", 1, 0 };
	res.place[2] = (struct placement){ "checker", "", -1, -1 };
	res.st.dma_checks = 32;
	res.st.counts[SIG_OK] = 32;
	res.st.maps = 10;
	res.st.unmaps = 8;
	res.st.case_checks[0] = 20;
	res.st.case_checks[1] = 12;
	res.st.case_checks[3] = 1;
	for (uint64_t v = 1000; v < 2000; v += 10) {
		lat_add(&res.st.map, v);
		lat_add(&res.st.unmap, v / 2);
	}
	lat_add(&res.st.dma, 200000000);
	lat_add(&res.st.map_to_dma, 700);
	res.elapsed_ns = 1000000;
	if (skip)
		res.case_skip[1] = "needs --something";
	if (!bad)
		return;
	res.st.counts[SIG_OK] = 30;
	res.st.counts[SIG_STALE] = 2;
	res.st.case_bad[1] = 2;
	res.clobbered = 1;
	res.st.case_bad[3] = 1;
	res.first_ns = 5000;
	res.nreported = 2;
	res.reported[0] = (struct corruption){
		.phase = "churn", .case_name = "unmapped pages fault",
		.iova = 0x40000000, .class = SIG_STALE, .expect_unmapped = 1,
		.got = { 1, 512, 1 }, .walk = WALK_UNMAPPED,
		.ns_since_start = 5000,
	};
	res.reported[1] = (struct corruption){
		.thread = 1, .phase = "churn", .case_name = "mapped pages read back",
		.iova = 0x40a00000, .class = SIG_STALE,
		.expected = { 2, 1024, 1 }, .got = { 2, 512, 1 },
		.walk = WALK_OURS, .walk_buf = 2, .walk_page = 1024,
		.ns_since_start = 6000,
	};
	res.nobs = 3;
	res.obs[0] = (struct observation){
		.key = "buffer pages changed", .value = "buffer 1: 1 page", .count = 1,
	};
	/* Driver behaviour probes (pattern behaviour), checked by json-check. */
	res.obs[1] = (struct observation){
		.key = "unmap.start_inside_2M",
		.value = "unmapped 0x200000 (asked 0x100000)", .count = 1,
		.has_probe = 1, .probe = {
			.op = "unmap", .offset = 0x100000, .length = 0x100000,
			.unmapped = 0x200000, .warnings = -1, .npoints = 2,
			.points = {
				{ "in_range", 0x100000, 1, OBS_OLD, OBS_OLD },
				{ "past", 0x200000, 1, OBS_NONE, OBS_NONE },
			},
		},
	};
	res.obs[2] = (struct observation){
		.key = "map.4K_into_live_2M", .value = "refused: EEXIST", .count = 1,
		.has_probe = 1, .probe = {
			.op = "map", .offset = 0x8000, .length = 0x1000, .err = EEXIST,
			.warnings = 1, .npoints = 1,
			.points = { { "in_range", 0x8000, 1, OBS_OLD, OBS_OLD } },
		},
	};
	strcpy(res.replay_path, "churn-seed1.ops");
}

/*
 * The same run on a dmaengine channel: its device's shared DMA-FQ domain,
 * mapping in a window of it; the module allows reads of unmapped IOVAs
 * (dma_unmapped_reads=1) and they failed in the device, as they do on a
 * DMA engine.
 */
static void on_channel(void)
{
	strcpy(sess.dom.target, "dma0chan0");
	sess.dom.out_flags |= IOMMU_STRESS_DOMAIN_SHARED |
			      IOMMU_STRESS_DOMAIN_UNMAPPED_READS;
	sess.dom.domain_type = IOMMU_STRESS_DOMTYPE_DMA_FQ;
	sess.dom.range_start = 0x100000000;
	sess.dom.range_last = 0x10fffffffff;
	sess.dom.window_iova = 0xfffff000;
	sess.dom.window_len = 0x1000;
	target_is("dma0chan0", "0000:00:04.0", "ioatdma",
		  IOMMU_STRESS_BACKEND_DMAENGINE, 4, IOMMU_STRESS_DOMTYPE_DMA_FQ);
	opts.iova_range_start = 0x100000000;
	opts.iova_range_len = 0x10000000000;
	res.st.dma_faulted = 12;
}

/*
 * On a channel whose module does not take reads of unmapped IOVAs (its
 * default): the 12 checks of churn's unmapped pages were not made.
 */
static void on_channel_without_unmapped_reads(void)
{
	on_channel();
	sess.dom.out_flags &= ~IOMMU_STRESS_DOMAIN_UNMAPPED_READS;
	res.st.dma_faulted = 0;
	res.st.unmapped_unchecked = 12;
	res.st.case_unchecked[1] = res.st.case_checks[1];
	res.st.dma_checks -= res.st.case_checks[1];
	res.st.counts[SIG_OK] -= res.st.case_checks[1];
	res.st.case_checks[1] = 0;
}

/* For tests/unit/json-check: a full result record on stdout. */
/*
 * The run in a VM under -icount that took 14 real seconds, with the IOMMU
 * faults of its unmapped reads and one WARNING in the kernel log, and the
 * default size of 3G scaled down to 480M of a 495M cap.
 */
static void in_a_guest(void)
{
	res.clock_virtual = 1;
	res.real_elapsed_s = 14;
	res.elapsed_ns = 644290000000ull;
	res.klog.read = 1;
	res.klog.faults = 96;
	res.klog.suppressed = 12;
	strcpy(res.klog.fault_source, "DMAR");
	res.klog.other = 1;
	res.klog.nkept = 1;
	strcpy(res.klog.kept[0], "WARNING: CPU: 0 PID: 1 at planted.c:1 planted");
	res.size_scaled_from = 3ull << 30;
	res.size_available = 495ull << 20;
	opts.size = 480ull << 20;
}

/* Behind AMD's ivhd0: no Intel caps, AMD's registers as sysfs gave them. */
static void behind_amd(void)
{
	strcpy(sess.dom.iommu_driver, "amd-iommu");
	strcpy(sess.dom.iommu_name, "ivhd0");
	sess.dom.out_flags &= ~IOMMU_STRESS_DOMAIN_INTEL_CAPS;
	sess.dom.intel_cap = 0;
	sess.regs = (struct iommu_regs){ .amd = 1, .amd_cap = 0x190b30f };
	strcpy(sess.regs.amd_features, "246577efa2254afa:0");
}

int json_sample(FILE *f, enum unit_sample which)
{
	/* Without unmapped reads, a clean run: its unmapped case skipped. */
	sample(which != SAMPLE_CHANNEL_NO_READS, which != SAMPLE_CHANNEL_NO_READS);
	if (which == SAMPLE_CHANNEL)
		on_channel();
	else if (which == SAMPLE_CHANNEL_NO_READS)
		on_channel_without_unmapped_reads();
	else if (which == SAMPLE_GUEST)
		in_a_guest();
	else if (which == SAMPLE_AMD)
		behind_amd();
	report_json_record(f, &sess, &res);
	return 0;
}

/* For tests/unit/ktap-check: KTAP output of a clean and a failed run. */
int ktap_sample(FILE *f, int which)
{
	if (which == 5)
		return run_all_sample(f);
	sample(which == 1, which == 2);
	if (which == 3)
		strcpy(res.unsupported, "no 1G-contiguous memory");
	if (which == 4)
		on_channel_without_unmapped_reads();
	report_ktap_head(f, &sess, &res);
	report_summary(f, "# ", &sess, &res);
	report_ktap_body(f, &sess, &res);
	return 0;
}

/* The summary of the sample run (@bad: with corruptions), @setup applied to it. */
static char *capture(int bad, void (*setup)(void))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sample(bad, 0);
	if (setup)
		setup();
	report_summary(f, "", &sess, &res);
	fclose(f);
	return buf;
}

TEST(summary_tells_the_verdict, "report: summary tells the verdict")
{
	char *clean = capture(0, NULL), *bad = capture(1, NULL);

	EXPECT_TRUE(clean && strstr(clean, "RESULT clean: no corruption"));
	EXPECT_TRUE(bad && strstr(bad, "RESULT corrupt: 3 corruptions (stale 2, foreign 0, zero 0, clobbered 1)"));
	EXPECT_TRUE(bad && strstr(bad, "replay: iommu-stress replay churn-seed1.ops"));
	free(clean);
	free(bad);
}

TEST(summary_in_a_guest, "report: in a VM, guest time labelled, real time beside, kernel log and size in a line each")
{
	char *buf = capture(0, in_a_guest);

	EXPECT_TRUE(strstr(buf, "  size: the default 3072 MiB does not fit (the module offers 495 MiB); scaled down to 480 MiB (--size sets it)\n"));
	EXPECT_TRUE(strstr(buf, "  2 iterations, 32 DMA checks in 644.29 s of guest time (about 14 s real)\n"));
	EXPECT_TRUE(strstr(buf, "; 10 maps, 8 unmaps, 0 ops/s of guest time\n"));
	EXPECT_TRUE(strstr(buf, "  kernel log: 96 IOMMU fault reports (DMAR) (12 more left out by the kernel's rate limit), expected: the checks read IOVAs where nothing is mapped; the lines are in dmesg\n"));
	EXPECT_TRUE(strstr(buf, "  kernel log: 1 unexpected error or warning line during the run:\n    WARNING: CPU: 0 PID: 1 at planted.c:1 planted\n"));
	free(buf);
	/* On a host: none of it. */
	buf = capture(0, NULL);
	EXPECT_TRUE(buf && !strstr(buf, "guest") && !strstr(buf, "kernel log") && !strstr(buf, "size:"));
	free(buf);
}

TEST(summary_shows_target_and_range, "report: summary names the target, its domain and IOVA range")
{
	char *buf = capture(0, NULL);

	EXPECT_TRUE(buf && strstr(buf, "  edu target 0000:00:02.0 (iommu_stress), IOMMU group 3; private unmanaged domain, IOVA range [0, 0x7fffffffff] (the aperture)\n"));
	EXPECT_TRUE(buf && !strstr(buf, "failed in the device"));
	free(buf);
	buf = capture(0, on_channel);
	EXPECT_TRUE(strstr(buf, "  dmaengine target 0000:00:04.0 (ioatdma), IOMMU group 4; shared DMA-FQ domain, IOVA range [0x100000000, 0x10fffffffff], reads of unmapped IOVAs on (dma_unmapped_reads=1)\n"));
	EXPECT_TRUE(strstr(buf, "12 reads of unmapped IOVAs failed in the device, as they must"));
	EXPECT_TRUE(!strstr(buf, "checks of unmapped IOVAs skipped"));
	EXPECT_TRUE(strstr(buf, "RESULT clean: no corruption"));
	free(buf);
}

/*
 * Without unmapped reads: the header says so, the skipped checks are
 * counted once, and the case they were all of is skipped, not passed.
 */
TEST(summary_without_unmapped_reads, "report: summary without reads of unmapped IOVAs")
{
	char *buf = capture(0, on_channel_without_unmapped_reads);
	const char *once;

	EXPECT_TRUE(strstr(buf, "IOMMU group 4; shared DMA-FQ domain, IOVA range [0x100000000, 0x10fffffffff], reads of unmapped IOVAs off (dma_unmapped_reads=0)\n"));
	EXPECT_TRUE(strstr(buf, "\n  12 checks of unmapped IOVAs skipped: the module does not allow faulting reads on this channel (dma_unmapped_reads=0); "));
	once = strstr(buf, "checks of unmapped IOVAs skipped");
	EXPECT_TRUE(once && !strstr(once + 1, "checks of unmapped IOVAs skipped"));
	/* Only the checks made are DMA checks. */
	EXPECT_TRUE(strstr(buf, "  2 iterations, 20 DMA checks in "));
	EXPECT_TRUE(strstr(buf, "  check unmapped pages fault"));
	EXPECT_TRUE(strstr(buf, "0 DMA checks, 0 bad, skipped: reads of unmapped IOVAs not allowed on this channel (dma_unmapped_reads=0)\n"));
	EXPECT_TRUE(!strstr(buf, "failed in the device"));
	EXPECT_TRUE(strstr(buf, "RESULT clean: no corruption"));
	free(buf);
}

/* Refused before DOMAIN_CREATE: no domain, no range to describe. */
static void refused_on_channel(void)
{
	on_channel();
	memset(&sess.dom, 0, sizeof(sess.dom));
	strcpy(sess.dom.target, "dma0chan0");
	strcpy(res.unsupported, "dma0chan0: identity domain: passthrough: ...");
}

TEST(summary_of_a_refused_run, "report: summary of a run refused before it started")
{
	char *buf = capture(0, refused_on_channel);

	EXPECT_TRUE(!strncmp(buf, "pattern churn on dma0chan0, kernel 6.1.0-test", 45));
	EXPECT_TRUE(strstr(buf, "  dmaengine target 0000:00:04.0 (ioatdma), IOMMU group 4\n"));
	EXPECT_TRUE(strstr(buf, "RESULT unsupported: dma0chan0: identity domain"));
	EXPECT_TRUE(report_exit_code(&res) == EXIT_UNSUPPORTED);
	free(buf);
}

/*
 * A class first seen after the cap (the driver's own zero reads flooding
 * a run whose wrong page shows once, stale) is still kept read by read,
 * one of each, and the array never overflows.
 */
TEST(every_class_reported, "report: past the cap, the first read of each class is still kept")
{
	static struct run_result r;

	for (unsigned int i = 0; i < RUN_MAX_REPORTED; i++) {
		EXPECT_TRUE(run_report_wanted(&r, SIG_ZERO));
		r.reported[r.nreported++].class = SIG_ZERO;
	}
	EXPECT_FALSE(run_report_wanted(&r, SIG_ZERO));
	EXPECT_TRUE(run_report_wanted(&r, SIG_STALE));
	r.reported[r.nreported++].class = SIG_STALE;
	EXPECT_FALSE(run_report_wanted(&r, SIG_STALE));
	EXPECT_TRUE(run_report_wanted(&r, SIG_FOREIGN));
	r.reported[r.nreported++].class = SIG_FOREIGN;
	EXPECT_FALSE(run_report_wanted(&r, SIG_FOREIGN));
	EXPECT_FALSE(run_report_wanted(&r, SIG_ZERO));
	EXPECT_TRUE(r.nreported <= sizeof(r.reported) / sizeof(r.reported[0]));
}

TEST(exit_codes, "report: exit codes")
{
	sample(0, 0);
	EXPECT_TRUE(report_exit_code(&res) == EXIT_CLEAN);
	sample(1, 0);
	EXPECT_TRUE(report_exit_code(&res) == EXIT_CORRUPTION);
	sample(0, 0);
	res.error = 1;
	EXPECT_TRUE(report_exit_code(&res) == EXIT_ERROR);
	sample(0, 0);
	strcpy(res.unsupported, "no 1G");
	EXPECT_TRUE(report_exit_code(&res) == EXIT_UNSUPPORTED);
	/* Corruption found before a failure still says corruption. */
	sample(1, 0);
	res.error = 1;
	EXPECT_TRUE(report_exit_code(&res) == EXIT_CORRUPTION);
}

/*
 * The registry: the pattern of each file of tool/patterns/ (PATTERN_NAMES,
 * from the Makefile), no other, in order of name; each well formed, its
 * options not clashing.
 */
TEST(patterns_are_registered, "patterns: all registered and well formed")
{
	static const char *const common[] = {
		"size", "iterations", "time", "target", "samples", "seed", "inject",
		"json", "ktap", "threads", "dma-threads", "node", "cpus",
		"replay-out", "iova-range", "help",
	};

	char files[] = PATTERN_NAMES;
	unsigned int nfiles = 0;

	for (char *name = strtok(files, " "); name; name = strtok(NULL, " ")) {
		EXPECT_STREQ(name, pattern_at(nfiles) ? pattern_at(nfiles)->name : "(none)");
		EXPECT_TRUE(pattern_find(name) != NULL);
		nfiles++;
	}
	EXPECT_TRUE(nfiles >= 1);
	EXPECT_EQ(nfiles, pattern_count());
	EXPECT_TRUE(pattern_find("no-such-pattern") == NULL);
	for (unsigned int i = 0; i < pattern_count(); i++) {
		const struct pattern *p = pattern_at(i);
		unsigned int nopts = 0;

		if (i)
			EXPECT_TRUE(strcmp(pattern_at(i - 1)->name, p->name) < 0);
		EXPECT_TRUE(p->summary && p->bug_class && p->phase && p->nphases >= 1);
		EXPECT_TRUE(pattern_ncases(p) + ENGINE_EXTRA_CASES <= RUN_MAX_CASES);
		for (const struct pattern_opt *po = p->opts; po && po->name; po++) {
			nopts++;
			EXPECT_TRUE(po->help != NULL);
			for (unsigned int c = 0; c < sizeof(common) / sizeof(common[0]); c++)
				EXPECT_TRUE(strcmp(po->name, common[c]));
		}
		EXPECT_TRUE(nopts <= PATTERN_MAX_OPTS);
	}
}

/* The strings @o points to live until the next call. */
int unit_parse(const char *pattern, const char *line, struct run_opts *o)
{
	static char buf[256];
	char *argv[32];
	int argc;

	snprintf(buf, sizeof(buf), "%s %s", pattern, line);
	argc = unit_words(buf, argv, 32);
	return opts_parse(argc, argv, pattern_find(pattern), o);
}

TEST(options_parse, "options: run options parse")
{
	struct run_opts o;

	EXPECT_TRUE(!unit_parse("reuse", "--threads 4 --dma-threads 2 --size 8M --inject skip-flush --seed 7 --slots 6 --json x.json", &o));
	EXPECT_TRUE(o.threads == 4 && o.dma_threads == 2 && o.size == 8 << 20);
	EXPECT_TRUE(o.skip_flush && o.seed == 7 && o.popt[0] == 6 && !strcmp(o.json_path, "x.json"));
	EXPECT_TRUE(o.iterations == pattern_find("reuse")->default_iterations);
	EXPECT_TRUE(!unit_parse("promote", "--to 1G --time 2.5", &o));
	EXPECT_TRUE(o.popt[0] == SZ_1G && o.time_s == 2.5 && o.iterations == 0);
	EXPECT_TRUE(!unit_parse("overmap", "--reverse --node 0 --cpus 0", &o));
	EXPECT_TRUE(o.popt[0] == 1 && o.popt[1] == 0 && o.node == 0 && !strcmp(o.cpus, "0"));
	EXPECT_TRUE(!unit_parse("churn", "", &o));
	EXPECT_TRUE(o.threads == 1 && o.dma_threads == 0 && o.node == -1 && o.seed == 1);
	EXPECT_TRUE(!o.iova_range_start && !o.iova_range_len && !o.target);
	EXPECT_TRUE(!unit_parse("reuse", "--target dma:0000:00:04.0 --iova-range 4G:64G", &o));
	EXPECT_TRUE(!strcmp(o.target, "dma:0000:00:04.0"));
	EXPECT_TRUE(o.iova_range_start == 4 * SZ_1G && o.iova_range_len == 64 * SZ_1G);
	EXPECT_TRUE(!unit_parse("reuse", "--iova-range 0x100000000:1T", &o));
	EXPECT_TRUE(o.iova_range_start == 4 * SZ_1G && o.iova_range_len == 1ull << 40);
	/* The ends of a declared range are in it. */
	EXPECT_TRUE(!unit_parse("grow", "--live 1", &o) && o.popt[0] == 1);
	EXPECT_TRUE(!unit_parse("grow", "--live 64", &o) && o.popt[0] == 64);
}

TEST(bad_options_are_refused, "options: bad options are refused")
{
	static const char *const bad[] = {
		"--threads 0", "--threads 65", "--dma-threads 65", "--inject nope",
		"--size 1Q", "--size 99999999999999999999", "--iterations 0",
		"--samples 0", "--to 3M", "--time -1", "stray",
		"--iova-range 4G", "--iova-range 4G:0", "--iova-range 1M:2M",
		"--iova-range 4G:1M", "--iova-range :2M", "--iova-range 4G:",
		"--iova-range 0xffffffffffe00000:4M",
	};
	struct run_opts o;
	FILE *saved = stderr;

	/* The refusals print; keep them out of the TAP stream. */
	stderr = fopen("/dev/null", "w");
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_TRUE(unit_parse("promote", bad[i], &o) == -1);
	/* Pattern options outside their declared range, at both ends. */
	EXPECT_TRUE(unit_parse("grow", "--live 0", &o) == -1);
	EXPECT_TRUE(unit_parse("grow", "--live 65", &o) == -1);
	EXPECT_TRUE(unit_parse("reuse", "--slots 0", &o) == -1);
	EXPECT_TRUE(unit_parse("churn", "--ops 0", &o) == -1);
	fclose(stderr);
	stderr = saved;
}

TEST(cpu_lists_parse, "options: CPU lists parse")
{
	unsigned int cpus[16], n;

	EXPECT_TRUE(!place_parse_cpus("0-3,8", cpus, 16, &n) && n == 5 &&
		    cpus[0] == 0 && cpus[3] == 3 && cpus[4] == 8);
	EXPECT_TRUE(!place_parse_cpus("5", cpus, 16, &n) && n == 1 && cpus[0] == 5);
	EXPECT_TRUE(place_parse_cpus("3-1", cpus, 16, &n) == -1);
	EXPECT_TRUE(place_parse_cpus("a", cpus, 16, &n) == -1);
	EXPECT_TRUE(place_parse_cpus("1,,2", cpus, 16, &n) == -1);
	EXPECT_TRUE(place_parse_cpus("", cpus, 16, &n) == -1);
	EXPECT_TRUE(place_parse_cpus("0-20", cpus, 16, &n) == -1);
}

TEST(sizes_parse, "options: sizes parse")
{
	uint64_t v;

	EXPECT_TRUE(!opts_parse_u64("4K", &v) && v == 4096);
	EXPECT_TRUE(!opts_parse_u64("0x200000", &v) && v == SZ_2M);
	EXPECT_TRUE(!opts_parse_u64("1g", &v) && v == SZ_1G);
	EXPECT_TRUE(opts_parse_u64("-1", &v) == -1);
	EXPECT_TRUE(opts_parse_u64("17179869184G", &v) == -1);
	EXPECT_TRUE(!opts_parse_u64("2T", &v) && v == 2ull << 40);
	EXPECT_TRUE(opts_parse_u64("16777216T", &v) == -1);
}
