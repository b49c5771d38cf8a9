// SPDX-License-Identifier: GPL-2.0
/*
 * Whole sessions on a model of the module (fake-module.c): what 'info'
 * prints, which target a run takes, and every pattern on a dmaengine
 * channel's shared domain, mapping only in its range, beside the same
 * patterns on edu, whose layout must not have moved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fake-module.h"
#include "info.h"
#include "report.h"
#include "unit.h"

static struct run_opts opts;
static struct session sess;
static struct run_result res;

static FILE *real_stderr;
static char *said;		/* what the last run printed on stderr */
static size_t said_len;

static void hush(void)
{
	free(said);
	said = NULL;
	real_stderr = stderr;
	stderr = open_memstream(&said, &said_len);
}

static void unhush(void)
{
	fclose(stderr);
	stderr = real_stderr;
}

/*
 * The model's IOMMU groups moved out of the way of the host's own, whose
 * reserved regions the session reads from sysfs.
 */
static struct fake_host host(int legacy)
{
	struct fake_host h = fake_host_default();

	for (unsigned int i = 0; i < h.ntargets; i++)
		h.targets[i].group += 9000;
	h.legacy = legacy;
	return h;
}

/*
 * 'iommu-stress run LINE' on @h, as main() runs it: its exit code, or -1
 * when the options are refused.
 */
static int run_on(const struct fake_host *h, const char *pattern, const char *line)
{
	const struct pattern *p = pattern_find(pattern);
	int ret, code;

	if (unit_parse(pattern, line, &opts) || (p->validate && p->validate(&opts)))
		return -1;
	opts.ktap = 1;		/* no progress line */
	memset(&res, 0, sizeof(res));
	res.pattern = p->name;
	fake_install(h);
	hush();
	ret = session_open(&sess, &opts, &res, opts.threads + opts.dma_threads);
	if (!ret)
		ret = engine_run(&sess, p);
	else if (res.unsupported[0])
		engine_unsupported(&sess, p);
	unhush();
	if (ret && ret != -EOPNOTSUPP && !res.unsupported[0])
		res.error = 1;
	code = report_exit_code(&res);
	session_close(&sess);
	fake_remove();
	return code;
}

static int run(const char *pattern, const char *line)
{
	struct fake_host h = host(0);

	return run_on(&h, pattern, line);
}

static char *info_of(const struct fake_host *h)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fake_install(h);
	hush();
	CHECK(info_print(f) == 0);
	unhush();
	fake_remove();
	fclose(f);
	return out;
}

static void info_shows_every_target(void)
{
	struct fake_host h = fake_host_default();
	char *out = info_of(&h);

	CHECK(!strcmp(out,
"module fake, ABI 1, kernel 6.1.0-fake\n"
"features: skip-sync edu map-overlap dmaengine\n"
"targets: 5\n"
"  edu:0000:00:03.0  edu        0000:00:03.0 (iommu_stress_edu)  group 3  DMA       max DMA 4095 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    module DMA window [0x7fffe00000, 0x8000000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"
"  dma0chan0         dmaengine  0000:00:04.0 (ioatdma)           group 4  DMA-FQ    max DMA 4096 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    shared DMA-FQ domain: tests map in [0x100000000, 0x10ffffffff] unless --iova-window\n"
"    module bounce page (DMA API) [0xfffff000, 0x100000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"
"  dma0chan1         dmaengine  0000:00:04.0 (ioatdma)           group 4  DMA-FQ    max DMA 4096 bytes\n"
"  dma1chan0         dmaengine  0000:00:05.0 (istress_edu_dma)   group 5  DMA       max DMA 4096 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    shared DMA domain: tests map in [0x100000000, 0x10ffffffff] unless --iova-window\n"
"    module bounce page (DMA API) [0xfffff000, 0x100000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"
"  dma2chan0         dmaengine  0000:00:06.0 (ioatdma)           group 6  identity  max DMA 4096 bytes\n"
"    passthrough: boot with iommu.passthrough=0 and without iommu=pt, or switch the group's type in /sys/kernel/iommu_groups/6/type with its driver unbound\n"));
	free(out);
}

/* A module from before TARGET_QUERY: what INFO lists, as before. */
static void info_from_an_older_module(void)
{
	struct fake_host h = fake_host_default();
	char *out;

	h.ntargets = 1;
	h.legacy = 1;
	out = info_of(&h);
	CHECK(!strcmp(out,
"module fake, ABI 1, kernel 6.1.0-fake\n"
"features: skip-sync edu map-overlap\n"
"targets: 1\n"
"  edu:0000:00:03.0  edu  max DMA 4095 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    module DMA window [0x7fffe00000, 0x8000000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"));
	free(out);
}

static unsigned int count(const char *text, const char *what)
{
	unsigned int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/*
 * 20 channels on two devices: the 16 INFO lists, one line each, in
 * columns; the IOMMU's details once per device.
 */
static void info_on_many_channels(void)
{
	static char names[20][16];
	struct fake_host h = { .ntargets = 20 };
	char *out;

	for (unsigned int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "dma%uchan%u", i / 10, i % 10);
		h.targets[i] = (struct fake_target){
			names[i], IOMMU_STRESS_BACKEND_DMAENGINE,
			i < 10 ? "0000:6a:01.0" : "0000:e7:01.0", "idxd",
			i < 10 ? 12 : 140, IOMMU_STRESS_DOMTYPE_DMA, 0, 0,
		};
	}
	out = info_of(&h);
	CHECK(strstr(out, "targets: 20 (the first listed here)\n"));
	CHECK(count(out, "  max DMA 4096 bytes\n") == 16);
	CHECK(count(out, "    iommu intel-iommu") == 2);
	CHECK(strstr(out, "  dma0chan0  dmaengine  0000:6a:01.0 (idxd)  group 12   DMA  max DMA"));
	CHECK(strstr(out, "  dma1chan5  dmaengine  0000:e7:01.0 (idxd)  group 140  DMA  max DMA"));
	free(out);
}

static int said_has(const char *what)
{
	return said && strstr(said, what);
}

static void runs_pick_their_target(void)
{
	struct fake_host h = host(0);

	/* The first free edu target, as always. */
	CHECK(run("reuse", "--iterations 1") == EXIT_CLEAN);
	CHECK(!strcmp(sess.dom.target, "edu:0000:00:03.0") && !session_shared(&sess));
	CHECK(sess.max_dma == 4095 && !said_has("using"));
	/* No edu: the first free channel on a DMA-API domain, said on stderr. */
	h.targets[0].busy = 1;
	CHECK(run_on(&h, "reuse", "--iterations 1") == EXIT_CLEAN);
	CHECK(!strcmp(sess.dom.target, "dma0chan0") && session_shared(&sess));
	CHECK(said_has("no free edu target; using dmaengine channel dma0chan0 (0000:00:04.0, ioatdma, DMA-FQ domain)"));
	CHECK(sess.max_dma == 4096);
	CHECK(sess.dom.range_start == 4 * SZ_1G && sess.dom.range_last == 68 * SZ_1G - 1);
	/* A device: its first free channel. */
	h.targets[1].busy = 0;
	CHECK(run_on(&h, "reuse", "--iterations 1 --target dma:0000:00:05.0") == EXIT_CLEAN);
	CHECK(!strcmp(sess.dom.target, "dma1chan0"));
	CHECK(run("reuse", "--iterations 1 --target dma1chan0") == EXIT_CLEAN);
	CHECK(sess.target.q.iommu_group == 9005 && !strcmp(sess.target.q.driver, "istress_edu_dma"));
	/* --iova-window: the range asked for; without --target, a channel. */
	CHECK(run("reuse", "--iterations 1 --iova-window 0x1000000000:1G") == EXIT_CLEAN);
	CHECK(!strcmp(sess.dom.target, "dma0chan0"));
	CHECK(sess.dom.range_start == 64 * SZ_1G && sess.dom.range_last == 65 * SZ_1G - 1);
	CHECK(said_has("--iova-window needs a dmaengine target; using dmaengine channel dma0chan0"));
}

static void runs_refuse_what_they_cannot_test(void)
{
	struct fake_host h = host(0);

	/* A passthrough channel: exit 4, with the way out. */
	CHECK(run("reuse", "--target dma2chan0") == EXIT_UNSUPPORTED);
	CHECK(said_has("dma2chan0 (0000:00:06.0, ioatdma) is on an identity (passthrough) domain"));
	CHECK(said_has("iommu.passthrough=0") && said_has("intel_iommu=on") &&
	      said_has("/sys/kernel/iommu_groups/9006/type"));
	CHECK(!strncmp(res.unsupported, "dma2chan0: identity domain: passthrough:", 40));
	CHECK(!strcmp(sess.dom.target, "dma2chan0") && res.iterations == 0);
	/* Only passthrough channels free and no edu: the same. */
	h.targets[0].busy = h.targets[1].busy = h.targets[2].busy = h.targets[3].busy = 1;
	CHECK(run_on(&h, "reuse", "") == EXIT_UNSUPPORTED);
	CHECK(said_has("dma2chan0 (0000:00:06.0, ioatdma) is on an identity"));
	/* Nothing free at all: an error. */
	h.targets[4].busy = 1;
	CHECK(run_on(&h, "reuse", "") == EXIT_ERROR);
	CHECK(said_has("no free DMA target"));
	/* A window is for channels only. */
	CHECK(run("reuse", "--target edu:0000:00:03.0 --iova-window 4G:4G") == EXIT_ERROR);
	CHECK(said_has("--iova-window is for dmaengine targets"));
	/* What the module refuses reads as what it means. */
	CHECK(run("reuse", "--target dma0chan0 --iova-window 0xfe000000:32M") == EXIT_ERROR);
	CHECK(said_has("meets a reserved region or a PCI host-bridge window"));
	CHECK(run("reuse", "--target dma3chan0") == EXIT_ERROR);
	CHECK(said_has("TARGET_QUERY of dma3chan0: no such target or dmaengine channel"));
	CHECK(run("overmap", "--target dma0chan0") == EXIT_UNSUPPORTED);
	CHECK(!strcmp(res.unsupported, "overmap needs MAP_OVERLAP, which a shared (dmaengine) domain refuses; use an edu target"));
}

/* Each pattern's short form for the model: name|options. */
static const char *const patterns[] = {
	"longpeng|--size 8M --iterations 3",
	"promote|--iterations 2 --samples 4",
	"demote|--iterations 2",
	"boundaries|--iterations 2",
	"reuse|--iterations 4",
	"grow|--iterations 12 --window 3",
	"churn|--iterations 4",
	"promote|--threads 3 --dma-threads 1 --iterations 2 --samples 4",
	"reuse|--threads 3 --dma-threads 1 --iterations 2",
	"grow|--threads 2 --iterations 6 --window 3",
	"churn|--threads 2 --dma-threads 1 --iterations 2",
	"boundaries|--threads 2 --iterations 2",
};

/* Runs "name|options" with @extra options on @h. */
static int run_entry_on(const struct fake_host *h, const char *entry,
			const char *extra)
{
	char name[32], line[200];
	const char *bar = strchr(entry, '|');

	snprintf(name, sizeof(name), "%.*s", (int)(bar - entry), entry);
	snprintf(line, sizeof(line), "%s %s", bar + 1, extra);
	return run_on(h, name, line);
}

static int run_line(const char *entry, const char *extra)
{
	struct fake_host h = host(0);

	return run_entry_on(&h, entry, extra);
}

/*
 * On a channel every pattern stays in the range (the model refuses any
 * map outside it, which would stop the run) and its unmapped reads fault.
 */
static void patterns_run_in_a_shared_range(void)
{
	for (unsigned int i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		int code = run_line(patterns[i], "--target dma0chan0");
		const struct fake_seen *seen = fake_seen();

		if (code != EXIT_CLEAN)
			printf("# %s: exit %d: %s\n%s", patterns[i], code,
			       res.unsupported, said ? said : "");
		CHECK(code == EXIT_CLEAN && !res.error && res.st.dma_checks > 0);
		CHECK(seen->lowest >= 4 * SZ_1G && seen->highest < 68 * SZ_1G);
		CHECK(!seen->refused[0] && !seen->refused[1] && !seen->refused[2]);
		CHECK(res.st.dma_faulted == seen->faults && res.st.dma_faulted > 0);
		CHECK(!res.st.dma_failed && !run_corruptions(&res));
	}
}

/* The negative control works there too: an unsynced unmap reads stale. */
static void skip_flush_is_caught_in_a_shared_range(void)
{
	for (unsigned int i = 0; i < 7; i++) {
		/* churn's op log is not what this checks: into the void with it. */
		int code = run_line(patterns[i], "--target dma1chan0 --inject skip-flush --replay-out /dev/null");

		if (code != EXIT_CORRUPTION)
			printf("# %s --inject skip-flush: exit %d\n", patterns[i], code);
		CHECK(code == EXIT_CORRUPTION && res.st.counts[SIG_STALE] > 0);
	}
}

/*
 * A window of 1G from 64G: room for all but boundaries' 512G case and
 * grow's second slot; what does not fit says so and exits 4.
 */
static void small_windows(void)
{
	const char *why;

	CHECK(run("boundaries", "--target dma0chan0 --iova-window 64G:2G --iterations 1") == EXIT_CLEAN);
	why = res.case_skip[2];
	CHECK(why && !strcmp(why, "no 512G boundary with room on both sides in the IOVA range"));
	CHECK(fake_seen()->lowest >= 64 * SZ_1G && fake_seen()->highest < 66 * SZ_1G);
	CHECK(run("longpeng", "--target dma0chan0 --iova-window 64G:1G --size 8M --iterations 1") == EXIT_CLEAN);
	CHECK(fake_seen()->first_map == 64 * SZ_1G);
	CHECK(run("grow", "--target dma0chan0 --iova-window 64G:1G") == EXIT_UNSUPPORTED);
	CHECK(strstr(res.unsupported, "fewer than 2 free slots"));
	CHECK(run("reuse", "--target dma0chan0 --iova-window 64G:4M") == EXIT_UNSUPPORTED);
	CHECK(strstr(res.unsupported, "no room in the IOVA range [0x1000000000, 0x10003fffff]"));
	CHECK(run("longpeng", "--target dma0chan0 --iova-window 64G:4M --size 8M") == EXIT_UNSUPPORTED);
	CHECK(run("boundaries", "--target dma0chan0 --iova-window 64G:64M") == EXIT_UNSUPPORTED);
	CHECK(strstr(res.unsupported, "boundaries: no case fits in the IOVA range"));
}

/*
 * On edu the layout is the one runs have always had: the first map of
 * each pattern where it always was, whether or not the module reports
 * the range (an older module does not).
 */
static void private_layout_is_unchanged(void)
{
	static const struct { const char *entry; uint64_t first; } want[] = {
		{ "longpeng|--size 8M --iterations 1", 0 },
		{ "promote|--iterations 1", SZ_1G - SZ_4K },	/* its lower guard */
		{ "reuse|--iterations 1", SZ_1G - SZ_4K },
		/* its guard: in the middle one of 511 1G slots from 1G */
		{ "grow|--iterations 1", 256 * SZ_1G + SZ_2M },
		{ "boundaries|--iterations 1", 2 * SZ_1G - 8 * SZ_2M - 4 * SZ_4K },
	};

	for (int legacy = 0; legacy < 2; legacy++) {
		struct fake_host h = host(legacy);

		for (unsigned int i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			CHECK(run_entry_on(&h, want[i].entry, "") == EXIT_CLEAN);
			if (fake_seen()->first_map != want[i].first)
				printf("# %s%s: first map at %#llx\n", want[i].entry,
				       legacy ? " (older module)" : "",
				       (unsigned long long)fake_seen()->first_map);
			CHECK(fake_seen()->first_map == want[i].first);
			CHECK(sess.dom.range_start == 0 && sess.dom.range_last == (1ull << 39) - 1);
			CHECK(sess.dom.domain_type == IOMMU_STRESS_DOMTYPE_UNMANAGED);
		}
	}
}

const struct unit_case session_cases[] = {
	{ "session: info shows every target, its device, group and domain", info_shows_every_target },
	{ "session: info from a module that predates TARGET_QUERY", info_from_an_older_module },
	{ "session: info on a host with many channels", info_on_many_channels },
	{ "session: runs pick their target", runs_pick_their_target },
	{ "session: runs refuse what they cannot test, and say why", runs_refuse_what_they_cannot_test },
	{ "session: every pattern runs in a shared domain's range", patterns_run_in_a_shared_range },
	{ "session: skip-flush is caught in a shared domain", skip_flush_is_caught_in_a_shared_range },
	{ "session: small IOVA windows: cases skip, patterns exit 4", small_windows },
	{ "session: the private (edu) layout is unchanged", private_layout_is_unchanged },
	{ NULL, NULL },
};
