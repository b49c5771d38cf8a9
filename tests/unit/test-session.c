// SPDX-License-Identifier: GPL-2.0
/*
 * Whole sessions on a model of the module (fake-module.c): what 'info'
 * prints, which target a run takes, and every pattern on a dmaengine
 * channel's shared domain, mapping only in its range, with and without
 * reads of unmapped IOVAs (dma_unmapped_reads), beside the same patterns
 * on edu, whose layout must not have moved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "iommu_stress_backends.h"
#include "fake-module.h"
#include "info.h"
#include "report.h"
#include "unit.h"

static struct unit_run u;	/* the last run on the model */


static struct fake_host host(int legacy)
{
	struct fake_host h = unit_host();

	h.legacy = legacy;
	return h;
}

/* The module loaded with dma_unmapped_reads=@on. */
static struct fake_host host_reads(int on)
{
	struct fake_host h = host(0);

	h.unmapped_reads = on;
	return h;
}

static int run_on(const struct fake_host *h, const char *pattern, const char *line)
{
	return unit_run(h, pattern, line, &u);
}

static int run(const char *pattern, const char *line)
{
	struct fake_host h = host(0);

	return run_on(&h, pattern, line);
}

static char *info_of(struct ktest_meta *_ktest, const struct fake_host *h)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fake_install(h);
	unit_hush(&u.said);
	EXPECT_TRUE(info_print(f) == 0);
	unit_unhush(&u.said);
	fake_remove();
	fclose(f);
	return out;
}

TEST(info_shows_every_target, "session: info shows every target, its device, group and domain")
{
	static const char head[] = "module fake, ABI 1, kernel 6.1.0-fake\n";
	struct fake_host h = fake_host_default();
	char *out = info_of(_ktest, &h), line[256] = "features: skip-sync map-overlap";
	const char *rest = "";
	size_t n;
	const struct istress_backend_row *be = istress_backend_rows(&n);

	/* A word per backend the module was built with: the fake has them all. */
	for (size_t i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", be[i].name);
	snprintf(line + strlen(line), sizeof(line) - strlen(line), " batch bench\n");
	EXPECT_TRUE(!strncmp(out, head, strlen(head)));
	EXPECT_TRUE(!strncmp(out + strlen(head), line, strlen(line)));
	if (strlen(out) > strlen(head) + strlen(line))
		rest = out + strlen(head) + strlen(line);
	EXPECT_TRUE(!strcmp(rest,
"targets: 5\n"
"  edu:0000:00:03.0  edu        0000:00:03.0 (iommu_stress_edu)  group 3  DMA       max DMA 4095 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    module DMA window [0x7fffe00000, 0x8000000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"
"  dma0chan0         dmaengine  0000:00:04.0 (ioatdma)           group 4  DMA-FQ    max DMA 4096 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    shared DMA-FQ domain: tests map in [0x100000000, 0x10ffffffff] unless --iova-range; reads of unmapped IOVAs off (dma_unmapped_reads=0)\n"
"    module bounce page (DMA API) [0xfffff000, 0x100000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"
"  dma0chan1         dmaengine  0000:00:04.0 (ioatdma)           group 4  DMA-FQ    max DMA 4096 bytes\n"
"  dma1chan0         dmaengine  0000:00:05.0 (istress_edu_dma)   group 5  DMA       max DMA 4096 bytes\n"
"    iommu intel-iommu (dmar0), pgsize_bitmap 0x40201000, aperture [0, 0x7fffffffff]\n"
"    shared DMA domain: tests map in [0x100000000, 0x10ffffffff] unless --iova-range; reads of unmapped IOVAs off (dma_unmapped_reads=0)\n"
"    module bounce page (DMA API) [0xfffff000, 0x100000000)\n"
"    cap 0xd2008c22260286 ecap 0xf00f5e\n"
"  dma2chan0         dmaengine  0000:00:06.0 (ioatdma)           group 6  identity  max DMA 4096 bytes\n"
"    passthrough: boot with iommu.passthrough=0 and without iommu=pt, or switch the group's type in /sys/kernel/iommu_groups/6/type with its driver unbound\n"));
	free(out);
	/* dma_unmapped_reads=1: each shared domain says so. */
	h.unmapped_reads = 1;
	out = info_of(_ktest, &h);
	EXPECT_TRUE(strstr(out, "    shared DMA-FQ domain: tests map in [0x100000000, 0x10ffffffff] unless --iova-range; reads of unmapped IOVAs on (dma_unmapped_reads=1)\n"));
	EXPECT_TRUE(strstr(out, "    shared DMA domain: tests map in [0x100000000, 0x10ffffffff] unless --iova-range; reads of unmapped IOVAs on (dma_unmapped_reads=1)\n"));
	EXPECT_TRUE(!strstr(out, "dma_unmapped_reads=0"));
	free(out);
}

/* A module from before TARGET_QUERY: what INFO lists, as before. */
TEST(info_from_an_older_module, "session: info from a module that predates TARGET_QUERY")
{
	struct fake_host h = fake_host_default();
	char *out;

	h.ntargets = 1;
	h.legacy = 1;
	out = info_of(_ktest, &h);
	EXPECT_TRUE(!strcmp(out,
"module fake, ABI 1, kernel 6.1.0-fake\n"
"features: skip-sync map-overlap edu\n"
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
TEST(info_on_many_channels, "session: info on a host with many channels")
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
	out = info_of(_ktest, &h);
	EXPECT_TRUE(strstr(out, "targets: 20 (the first listed here)\n"));
	EXPECT_TRUE(count(out, "  max DMA 4096 bytes\n") == 16);
	EXPECT_TRUE(count(out, "    iommu intel-iommu") == 2);
	EXPECT_TRUE(strstr(out, "  dma0chan0  dmaengine  0000:6a:01.0 (idxd)  group 12   DMA  max DMA"));
	EXPECT_TRUE(strstr(out, "  dma1chan5  dmaengine  0000:e7:01.0 (idxd)  group 140  DMA  max DMA"));
	free(out);
}

static int said_has(const char *what)
{
	return u.said.err && strstr(u.said.err, what);
}

TEST(runs_pick_their_target, "session: runs pick their target")
{
	struct fake_host h = host(0);

	/* The first free edu target, as always. */
	EXPECT_TRUE(run("reuse", "--iterations 1") == EXIT_CLEAN);
	EXPECT_TRUE(!strcmp(u.sess.dom.target, "edu:0000:00:03.0") && !session_shared(&u.sess));
	EXPECT_TRUE(u.sess.max_dma == 4095 && !said_has("using"));
	/* No edu: the first free channel on a DMA-API domain, said on stderr. */
	h.targets[0].busy = 1;
	EXPECT_TRUE(run_on(&h, "reuse", "--iterations 1") == EXIT_CLEAN);
	EXPECT_TRUE(!strcmp(u.sess.dom.target, "dma0chan0") && session_shared(&u.sess));
	EXPECT_TRUE(said_has("no free edu target; using dmaengine channel dma0chan0 (0000:00:04.0, ioatdma, DMA-FQ domain)"));
	EXPECT_TRUE(u.sess.max_dma == 4096);
	EXPECT_TRUE(u.sess.dom.range_start == 4 * SZ_1G && u.sess.dom.range_last == 68 * SZ_1G - 1);
	/* A device: its first free channel. */
	h.targets[1].busy = 0;
	EXPECT_TRUE(run_on(&h, "reuse", "--iterations 1 --target dma:0000:00:05.0") == EXIT_CLEAN);
	EXPECT_TRUE(!strcmp(u.sess.dom.target, "dma1chan0"));
	EXPECT_TRUE(run("reuse", "--iterations 1 --target dma1chan0") == EXIT_CLEAN);
	EXPECT_TRUE(u.sess.target.q.iommu_group == 9005 && !strcmp(u.sess.target.q.driver, "istress_edu_dma"));
	/* --iova-range: the range asked for; without --target, a channel. */
	EXPECT_TRUE(run("reuse", "--iterations 1 --iova-range 0x1000000000:1G") == EXIT_CLEAN);
	EXPECT_TRUE(!strcmp(u.sess.dom.target, "dma0chan0"));
	EXPECT_TRUE(u.sess.dom.range_start == 64 * SZ_1G && u.sess.dom.range_last == 65 * SZ_1G - 1);
	EXPECT_TRUE(said_has("--iova-range needs a dmaengine target; using dmaengine channel dma0chan0"));
}

TEST(runs_refuse_what_they_cannot_test, "session: runs refuse what they cannot test, and say why")
{
	struct fake_host h = host(0);

	/* A passthrough channel: exit 4, with the way out. */
	EXPECT_TRUE(run("reuse", "--target dma2chan0") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(said_has("dma2chan0 (0000:00:06.0, ioatdma) is on an identity (passthrough) domain"));
	EXPECT_TRUE(said_has("iommu.passthrough=0") && said_has("intel_iommu=on") &&
		    said_has("/sys/kernel/iommu_groups/9006/type"));
	EXPECT_TRUE(!strncmp(u.res.unsupported, "dma2chan0: identity domain: passthrough:", 40));
	EXPECT_TRUE(!strcmp(u.sess.dom.target, "dma2chan0") && u.res.iterations == 0);
	/* Only passthrough channels free and no edu: the same. */
	h.targets[0].busy = h.targets[1].busy = h.targets[2].busy = h.targets[3].busy = 1;
	EXPECT_TRUE(run_on(&h, "reuse", "") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(said_has("dma2chan0 (0000:00:06.0, ioatdma) is on an identity"));
	/* Nothing free at all: an error. */
	h.targets[4].busy = 1;
	EXPECT_TRUE(run_on(&h, "reuse", "") == EXIT_ERROR);
	EXPECT_TRUE(said_has("no free DMA target"));
	/* A window is for channels only. */
	EXPECT_TRUE(run("reuse", "--target edu:0000:00:03.0 --iova-range 4G:4G") == EXIT_ERROR);
	EXPECT_TRUE(said_has("--iova-range is for targets that share their device's domain (dmaengine) only"));
	/* A module from before TARGET_QUERY's caps: its channels share all the same. */
	h = host(0);
	h.no_target_caps = 1;
	EXPECT_TRUE(run_on(&h, "reuse", "--target dma2chan0") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(said_has("dma2chan0 (0000:00:06.0, ioatdma) is on an identity"));
	EXPECT_TRUE(run_on(&h, "reuse", "--iterations 1 --target dma0chan0 --iova-range 0x1000000000:1G") == EXIT_CLEAN);
	EXPECT_TRUE(run_on(&h, "reuse", "--target edu:0000:00:03.0 --iova-range 4G:4G") == EXIT_ERROR);
	/* What the module refuses reads as what it means. */
	EXPECT_TRUE(run("reuse", "--target dma0chan0 --iova-range 256G:32M") == EXIT_ERROR);
	EXPECT_TRUE(said_has("meets a reserved region, a PCI host-bridge window"));
	EXPECT_TRUE(run("reuse", "--target dma0chan0 --iova-range 0xfe000000:32M") == EXIT_ERROR);
	EXPECT_TRUE(said_has("lies outside the domain's aperture, below 4 GiB"));
	EXPECT_TRUE(run("reuse", "--target dma3chan0") == EXIT_ERROR);
	EXPECT_TRUE(said_has("TARGET_QUERY of dma3chan0: no such target or dmaengine channel"));
	EXPECT_TRUE(run("overmap", "--target dma0chan0") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(!strcmp(u.res.unsupported, "overmap needs MAP_OVERLAP, which a shared (dmaengine) domain refuses; use an edu target"));
}

/* Each pattern's short form for the model: name|options. */
static const char *const patterns[] = {
	"longpeng|--size 8M --iterations 3",
	"promote|--iterations 2 --samples 4",
	"demote|--iterations 2",
	"boundaries|--iterations 2",
	"reuse|--iterations 4",
	"grow|--iterations 12 --live 3",
	"churn|--iterations 4",
	"promote|--threads 3 --dma-threads 1 --iterations 2 --samples 4",
	"reuse|--threads 3 --dma-threads 1 --iterations 2",
	"grow|--threads 2 --iterations 6 --live 3",
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

/*
 * On a channel every pattern stays in the range (the model refuses any
 * map outside it, which would stop the run). With dma_unmapped_reads=1
 * its unmapped reads are made and fault, as before the module made them
 * opt-in.
 */
TEST(patterns_run_in_a_shared_range, "session: every pattern runs in a shared domain's range (dma_unmapped_reads=1)")
{
	struct fake_host h = host_reads(1);

	for (unsigned int i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		int code = run_entry_on(&h, patterns[i], "--target dma0chan0");
		const struct fake_seen *seen = fake_seen();

		if (code != EXIT_CLEAN)
			printf("# %s: exit %d: %s\n%s", patterns[i], code,
			       u.res.unsupported, u.said.err ? u.said.err : "");
		EXPECT_TRUE(code == EXIT_CLEAN && !u.res.error && u.res.st.dma_checks > 0);
		EXPECT_TRUE(seen->lowest >= 4 * SZ_1G && seen->highest < 68 * SZ_1G);
		EXPECT_TRUE(!seen->refused[0] && !seen->refused[1] && !seen->refused[2]);
		EXPECT_TRUE(u.res.st.dma_faulted == seen->faults && u.res.st.dma_faulted > 0);
		EXPECT_TRUE(seen->unmapped_reads == seen->faults && !seen->refused_reads);
		EXPECT_TRUE(!u.res.st.unmapped_unchecked);
		EXPECT_TRUE(!u.res.st.dma_failed && !run_corruptions(&u.res));
	}
}

/*
 * The module's default, dma_unmapped_reads=0: the same runs complete
 * clean without a single read of an unmapped IOVA reaching the module,
 * and every check they left out is counted: as many as the reads the
 * same run makes where they are allowed, case by case (the checker
 * threads' guard reads, whose number varies, are all of mapped pages).
 */
TEST(shared_range_without_unmapped_reads, "session: without dma_unmapped_reads no unmapped IOVA is read, every skipped check counted")
{
	struct fake_host on = host_reads(1), off = host_reads(0);

	for (unsigned int i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		uint64_t reads, checks[RUN_MAX_CASES];
		const struct fake_seen *seen = fake_seen();
		int code;

		run_entry_on(&on, patterns[i], "--target dma0chan0");
		reads = seen->unmapped_reads;
		memcpy(checks, u.res.st.case_checks, sizeof(checks));
		code = run_entry_on(&off, patterns[i], "--target dma0chan0");
		if (code != EXIT_CLEAN)
			printf("# %s: exit %d: %s\n%s", patterns[i], code,
			       u.res.unsupported, u.said.err ? u.said.err : "");
		EXPECT_TRUE(code == EXIT_CLEAN && !u.res.error && u.res.st.dma_checks > 0);
		EXPECT_TRUE(!(u.sess.dom.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS));
		EXPECT_TRUE(!seen->unmapped_reads && !seen->refused_reads && !seen->faults);
		EXPECT_TRUE(!u.res.st.dma_faulted && !u.res.st.dma_failed && !run_corruptions(&u.res));
		EXPECT_TRUE(u.res.st.unmapped_unchecked > 0);
		if (u.res.st.unmapped_unchecked != reads)
			printf("# %s: %llu checks skipped, %llu reads where allowed\n",
			       patterns[i], (unsigned long long)u.res.st.unmapped_unchecked,
			       (unsigned long long)reads);
		EXPECT_TRUE(u.res.st.unmapped_unchecked == reads);
		for (unsigned int c = 0; c < pattern_ncases(u.sess.pattern); c++)
			EXPECT_TRUE(checks[c] == u.res.st.case_checks[c] + u.res.st.case_unchecked[c]);
	}
}

/* Captures what @fn prints about the last run. */
static char *report_of(void (*fn)(FILE *, const struct session *,
				  const struct run_result *))
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fn(f, &u.sess, &u.res);
	fclose(f);
	return out;
}

static void summary(FILE *f, const struct session *s, const struct run_result *r)
{
	report_summary(f, "", s, r);
}

/*
 * What a run without unmapped reads tells: the header says so, the
 * summary counts the skipped checks once, and a case that had nothing
 * else to check is a SKIP with the reason, never a pass.
 */
TEST(unmapped_reads_off_is_reported, "session: a run without unmapped reads says so, its unmapped-only cases skip")
{
	struct fake_host h = host_reads(0);
	char *out;

	EXPECT_TRUE(run_entry_on(&h, "grow|--iterations 12 --live 3", "--target dma0chan0") == EXIT_CLEAN);
	out = report_of(summary);
	EXPECT_TRUE(strstr(out, "; shared DMA-FQ domain, IOVA range [0x100000000, 0x10ffffffff], reads of unmapped IOVAs off (dma_unmapped_reads=0)\n"));
	EXPECT_TRUE(count(out, "checks of unmapped IOVAs skipped") == 1);
	EXPECT_TRUE(strstr(out, "  9 checks of unmapped IOVAs skipped: the module does not allow faulting reads on this channel (dma_unmapped_reads=0); "));
	EXPECT_TRUE(strstr(out, "skipped: reads of unmapped IOVAs not allowed on this channel (dma_unmapped_reads=0)\n"));
	EXPECT_TRUE(strstr(out, "RESULT clean: no corruption"));
	free(out);
	out = report_of(report_ktap_body);
	EXPECT_TRUE(strstr(out, "ok 3 grow: unmapped old mapping faults # SKIP reads of unmapped IOVAs not allowed on this channel (dma_unmapped_reads=0)\n"));
	EXPECT_TRUE(strstr(out, "ok 1 grow: new mapping in a fresh slot reads back\n"));
	free(out);
	/* longpeng's split case also reads mapped pages: it passes. */
	EXPECT_TRUE(run_entry_on(&h, "longpeng|--size 8M --iterations 3", "--target dma0chan0") == EXIT_CLEAN);
	EXPECT_TRUE(u.res.st.unmapped_unchecked > 0);
	out = report_of(report_ktap_body);
	EXPECT_TRUE(!strstr(out, "# SKIP reads of unmapped"));
	free(out);
	/* Allowed: the header says so, nothing was skipped. */
	h = host_reads(1);
	EXPECT_TRUE(run_entry_on(&h, "grow|--iterations 12 --live 3", "--target dma0chan0") == EXIT_CLEAN);
	out = report_of(summary);
	EXPECT_TRUE(strstr(out, "], reads of unmapped IOVAs on (dma_unmapped_reads=1)\n"));
	EXPECT_TRUE(!strstr(out, "checks of unmapped IOVAs skipped"));
	EXPECT_TRUE(strstr(out, "reads of unmapped IOVAs failed in the device, as they must"));
	free(out);
	/* A private domain reads them whatever the module's setting. */
	h = host_reads(0);
	EXPECT_TRUE(run_entry_on(&h, "grow|--iterations 12 --live 3", "") == EXIT_CLEAN);
	EXPECT_TRUE(!session_shared(&u.sess) && session_unmapped_reads(&u.sess));
	EXPECT_TRUE(fake_seen()->unmapped_reads > 0 && !u.res.st.unmapped_unchecked);
	out = report_of(summary);
	EXPECT_TRUE(!strstr(out, "dma_unmapped_reads"));
	free(out);
}

/*
 * A module that says it takes unmapped reads and refuses them anyway: the
 * run stops with an error, and the message says what the refusal means.
 */
TEST(refused_unmapped_read_is_an_error, "session: an unmapped read refused anyway is an error that says why")
{
	struct fake_host h = host_reads(1);

	h.unmapped_reads_refused = 1;
	EXPECT_TRUE(run_entry_on(&h, "reuse|--iterations 4", "--target dma0chan0") == EXIT_ERROR);
	EXPECT_TRUE(u.res.error && fake_seen()->refused_reads == 1);
	EXPECT_TRUE(said_has("DMA read of 4096 bytes at 0x"));
	EXPECT_TRUE(said_has(": in a shared (dmaengine) domain the module refuses DMA at IOVAs this session has not mapped: writes always; reads unless iommu_stress is loaded with dma_unmapped_reads=1, for DMA engines that survive IOMMU faults (see README) (Permission denied)\n"));
	EXPECT_TRUE(count(u.said.err, "the module refuses DMA at IOVAs") == 1);
}

/* The negative control works there too: an unsynced unmap reads stale. */
TEST(skip_flush_is_caught_in_a_shared_range, "session: skip-flush is caught in a shared domain (dma_unmapped_reads=1)")
{
	struct fake_host h = host_reads(1);

	for (unsigned int i = 0; i < 7; i++) {
		/* churn's op log is not what this checks: into the void with it. */
		int code = run_entry_on(&h, patterns[i], "--target dma1chan0 --inject skip-flush --replay-out /dev/null");

		if (code != EXIT_CORRUPTION)
			printf("# %s --inject skip-flush: exit %d\n", patterns[i], code);
		EXPECT_TRUE(code == EXIT_CORRUPTION && u.res.st.counts[SIG_STALE] > 0);
	}
}

/*
 * Without unmapped reads a stale translation shows only when its IOVA is
 * mapped again, to other pages, and read: grow must come round its slots
 * (a small range: 4 of them), churn needs more ops to remap what it read.
 */
TEST(skip_flush_is_caught_through_remaps, "session: skip-flush is caught through remaps without unmapped reads")
{
	static const char *const remapping[] = {
		"longpeng|--size 8M --iterations 3",
		"promote|--iterations 2 --samples 4",
		"demote|--iterations 2",
		"boundaries|--iterations 2",
		"reuse|--iterations 4",
		"grow|--iterations 12 --live 3 --iova-range 4G:4G",
		"churn|--iterations 16",
	};
	struct fake_host h = host_reads(0);

	for (unsigned int i = 0; i < sizeof(remapping) / sizeof(remapping[0]); i++) {
		int code = run_entry_on(&h, remapping[i], "--target dma1chan0 --inject skip-flush --replay-out /dev/null");

		if (code != EXIT_CORRUPTION)
			printf("# %s --inject skip-flush: exit %d\n", remapping[i], code);
		EXPECT_TRUE(code == EXIT_CORRUPTION && u.res.st.counts[SIG_STALE] > 0);
		EXPECT_TRUE(!fake_seen()->unmapped_reads && u.res.st.unmapped_unchecked > 0);
	}
}

/*
 * longpeng sends each MAP and its checks in one BATCH where the module
 * has it: the window to the first read is the module's own (the model's
 * ops follow each other with no time between), the checks and their
 * findings the same as one ioctl each (--no-batch, or a module without
 * BATCH), where the window is the tool's.
 */
TEST(map_and_checks_batched, "session: longpeng maps and checks in one BATCH, the same checks as without")
{
	struct fake_host h = host(0), old = host(0);
	uint64_t checks, stale;

	old.no_batch = 1;
	EXPECT_TRUE(run_on(&h, "longpeng", "--size 8M --iterations 3") == EXIT_CLEAN);
	checks = u.res.st.dma_checks;
	EXPECT_TRUE(fake_seen()->batches == 6 && checks > 0);
	/* Setup's map and checks go one by one; each iteration's two batched. */
	EXPECT_TRUE(u.res.st.map_to_dma.n == 7 && u.res.st.map_to_dma.hist[0] == 6);
	EXPECT_TRUE(run_on(&h, "longpeng", "--size 8M --iterations 3 --no-batch") == EXIT_CLEAN);
	EXPECT_TRUE(!fake_seen()->batches && u.res.st.dma_checks == checks);
	EXPECT_TRUE(u.res.st.map_to_dma.n == 7 && u.res.st.map_to_dma.hist[0] < 6);
	EXPECT_TRUE(run_on(&old, "longpeng", "--size 8M --iterations 3") == EXIT_CLEAN);
	EXPECT_TRUE(!fake_seen()->batches && u.res.st.dma_checks == checks);
	/* The negative control is caught either way, as often. */
	EXPECT_TRUE(run_on(&h, "longpeng", "--size 8M --iterations 3 --inject skip-flush") == EXIT_CORRUPTION);
	stale = u.res.st.counts[SIG_STALE];
	EXPECT_TRUE(fake_seen()->batches == 6 && stale > 0);
	EXPECT_TRUE(run_on(&h, "longpeng", "--size 8M --iterations 3 --inject skip-flush --no-batch") == EXIT_CORRUPTION);
	EXPECT_TRUE(u.res.st.counts[SIG_STALE] == stale);
}

/*
 * A window of 1G from 64G: room for all but boundaries' 512G case and
 * grow's second slot; what does not fit says so and exits 4.
 */
TEST(small_windows, "session: small IOVA windows: cases skip, patterns exit 4")
{
	const char *why;

	EXPECT_TRUE(run("boundaries", "--target dma0chan0 --iova-range 64G:2G --iterations 1") == EXIT_CLEAN);
	why = u.res.case_skip[2];
	EXPECT_TRUE(why && !strcmp(why, "no 512G boundary with room on both sides in the IOVA range"));
	EXPECT_TRUE(fake_seen()->lowest >= 64 * SZ_1G && fake_seen()->highest < 66 * SZ_1G);
	EXPECT_TRUE(run("longpeng", "--target dma0chan0 --iova-range 64G:1G --size 8M --iterations 1") == EXIT_CLEAN);
	EXPECT_TRUE(fake_seen()->first_map == 64 * SZ_1G);
	EXPECT_TRUE(run("grow", "--target dma0chan0 --iova-range 64G:1G") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(strstr(u.res.unsupported, "fewer than 2 free slots"));
	EXPECT_TRUE(run("reuse", "--target dma0chan0 --iova-range 64G:4M") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(strstr(u.res.unsupported, "no room in the IOVA range [0x1000000000, 0x10003fffff]"));
	EXPECT_TRUE(run("longpeng", "--target dma0chan0 --iova-range 64G:4M --size 8M") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(run("boundaries", "--target dma0chan0 --iova-range 64G:64M") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(strstr(u.res.unsupported, "boundaries: no case fits in the IOVA range"));
}

/*
 * 1G superpages need the module's unsafe allow_1g_leaves=1: without it
 * promote --to 1G exits 4 naming it; with it, the host's memory decides
 * (the model has no free 1G-aligned gigabyte: BUF_ALLOC answers ENOMEM).
 */
TEST(no_1g_leaves_by_default, "session: promote --to 1G exits 4 and names allow_1g_leaves while it is off")
{
	struct fake_host h = host(0);

	EXPECT_TRUE(run_on(&h, "promote", "--to 1G --iterations 1") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(strstr(u.res.unsupported, "allow_1g_leaves=1") != NULL);
	EXPECT_TRUE(!fake_seen()->maps);
	h.allow_1g_leaves = 1;
	EXPECT_TRUE(run_on(&h, "promote", "--to 1G --iterations 1") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(strstr(u.res.unsupported, "no 1G-contiguous memory") != NULL);
	EXPECT_TRUE(strstr(u.res.unsupported, "allow_1g_leaves") == NULL);
}

/*
 * A driver that flushes inside its unmap (no iotlb_sync) has no flush to
 * skip: --inject skip-flush exits 4 with that reason before any MAP,
 * instead of failing at its first UNMAP; runs without it are unchanged.
 */
TEST(skip_flush_refused_where_driver_flushes, "session: --inject skip-flush exits 4 before it starts where the driver flushes inside its unmap")
{
	struct fake_host h = host(0);

	h.sync_in_unmap = 1;
	EXPECT_TRUE(run_on(&h, "reuse", "--iterations 2 --inject skip-flush") == EXIT_UNSUPPORTED);
	EXPECT_TRUE(strstr(u.res.unsupported, "flushes the IOTLB inside its unmap") != NULL);
	EXPECT_TRUE(!u.res.error && !fake_seen()->maps);
	EXPECT_TRUE(run_on(&h, "reuse", "--iterations 2") == EXIT_CLEAN);
	EXPECT_TRUE(run("reuse", "--iterations 2 --inject skip-flush") == EXIT_CORRUPTION);
}

/*
 * On edu the layout is the one runs have always had: the first map of
 * each pattern where it always was, whether or not the module reports
 * the range (an older module does not).
 */
TEST(private_layout_is_unchanged, "session: the private (edu) layout is unchanged")
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
			EXPECT_TRUE(run_entry_on(&h, want[i].entry, "") == EXIT_CLEAN);
			if (fake_seen()->first_map != want[i].first)
				printf("# %s%s: first map at %#llx\n", want[i].entry,
				       legacy ? " (older module)" : "",
				       (unsigned long long)fake_seen()->first_map);
			EXPECT_TRUE(fake_seen()->first_map == want[i].first);
			EXPECT_TRUE(u.sess.dom.range_start == 0 && u.sess.dom.range_last == (1ull << 39) - 1);
			EXPECT_TRUE(u.sess.dom.domain_type == IOMMU_STRESS_DOMTYPE_UNMANAGED);
		}
	}
}
