// SPDX-License-Identifier: GPL-2.0
/*
 * The first run as a person reads it: the kernel log sorted (expected IOMMU
 * faults counted, anything else shown), times labelled with their clock,
 * 'run all' with its table, KTAP stream and worst exit status, and default
 * sizes scaled to what the module can back (an explicit --size never is).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "fake-module.h"
#include "fit.h"
#include "kernel_log.h"
#include "report.h"
#include "runner.h"
#include "unit.h"

/* Kernel log records as /dev/kmsg gives them, from the formats we meet. */
static const char *const records[] = {
	/* intel-iommu, 6.1: the fault a read of an unmapped IOVA causes */
	"3,1001,5140900,-;DMAR: DRHD: handling fault status reg 2",
	"3,1002,5140901,-;DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0xa0000 [fault reason 0x06] PTE Read access is not set",
	/* 5.10's words for it */
	"3,1003,5140902,-;DMAR: [DMA Read] Request device [00:02.0] PASID ffffffff fault addr a0000 [fault reason 06] PTE Read access is not set",
	"4,1004,5140903,-;dmar_fault: 7 callbacks suppressed",
	/* amd-iommu and virtio-iommu */
	"3,1005,5140904,-;iommu_stress 0000:00:02.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0002 address=0xa0000 flags=0x0020]",
	"3,1006,5140905,-;virtio_iommu virtio0: page fault from EP 16 at 0xa0000 [R]",
	" SUBSYSTEM=pci",
	/* what the report must not hide */
	"3,1007,5140906,-;iommu_stress: edu 0000:00:02.0: DMA timed out",
	"4,1008,5140907,-;WARNING: CPU: 0 PID: 77 at drivers/iommu/intel/iommu.c:2200 planted",
	/* neither: informational */
	"6,1009,5140908,-;iommu_stress: session opened",
	"4,1010,5140909,-;printk: 3 callbacks suppressed",
};

TEST(kernel_log_sorted, "kernel log: IOMMU faults counted, every other error or WARNING kept")
{
	struct klog_summary k;

	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		klog_record(&k, records[i]);
	EXPECT_EQ(4, (int)k.faults);
	EXPECT_EQ(7, (int)k.suppressed);
	/* The control: an error that is no fault, and a WARNING, are shown. */
	EXPECT_EQ(2, (int)k.other);
	EXPECT_TRUE(!strcmp(k.kept[0], "iommu_stress: edu 0000:00:02.0: DMA timed out"));
	EXPECT_TRUE(!strncmp(k.kept[1], "WARNING: CPU: 0", 15));
	/* Informational lines, and another subsystem's rate limit, are not. */
	EXPECT_EQ(2, (int)k.nkept);
}

/* Records split across reads, as a pipe may hand them out, count once. */
TEST(kernel_log_from_a_pipe, "kernel log: records read through a pipe in pieces count once")
{
	struct klog_summary k;
	int fds[2];

	ASSERT_TRUE(!pipe(fds));
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		const char *r = records[i];
		size_t half = strlen(r) / 2;

		EXPECT_TRUE(write(fds[1], r, half) == (ssize_t)half);
		EXPECT_TRUE(write(fds[1], r + half, strlen(r) - half) ==
			    (ssize_t)(strlen(r) - half));
		EXPECT_TRUE(write(fds[1], "\n", 1) == 1);
	}
	close(fds[1]);
	klog_end(fds[0], &k);
	EXPECT_TRUE(k.read && !k.lost);
	EXPECT_EQ(4, (int)k.faults);
	EXPECT_EQ(2, (int)k.other);
	klog_end(-ENOENT, &k);
	EXPECT_TRUE(!k.read && !k.faults);
}

TEST(worst_exit, "run all: the worst status wins: corrupt, error, unsupported, clean")
{
	EXPECT_EQ(EXIT_CORRUPTION, runner_worse(EXIT_ERROR, EXIT_CORRUPTION));
	EXPECT_EQ(EXIT_CORRUPTION, runner_worse(EXIT_CORRUPTION, EXIT_UNSUPPORTED));
	EXPECT_EQ(EXIT_ERROR, runner_worse(EXIT_UNSUPPORTED, EXIT_ERROR));
	EXPECT_EQ(EXIT_ERROR, runner_worse(EXIT_ERROR, EXIT_CLEAN));
	EXPECT_EQ(EXIT_UNSUPPORTED, runner_worse(EXIT_CLEAN, EXIT_UNSUPPORTED));
	EXPECT_EQ(EXIT_CLEAN, runner_worse(EXIT_CLEAN, EXIT_CLEAN));
}

TEST(clock_from_the_environment, "clock: virtual only where IOMMU_STRESS_CLOCK=icount says so")
{
	unsetenv(CLOCK_ENV);
	EXPECT_TRUE(!clock_is_virtual());
	setenv(CLOCK_ENV, "real", 1);
	EXPECT_TRUE(!clock_is_virtual());
	setenv(CLOCK_ENV, "icount", 1);
	EXPECT_TRUE(clock_is_virtual());
	unsetenv(CLOCK_ENV);
	EXPECT_EQ(-1, (int)clock_rtc_seconds("/nonexistent/rtc"));
}

/* What a command printed on stdout and stderr, and its exit code. */
struct said {
	char *out, *err;
	int code;
};

static void said_free(struct said *s)
{
	free(s->out);
	free(s->err);
}

/* 'iommu-stress LINE' (LINE starts with "run") on @h, as main() runs it. */
static struct said command(const struct fake_host *h, const char *line)
{
	static char buf[256];
	struct unit_said io = { 0 };
	struct said s;
	char *argv[32];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = unit_words(buf, argv, 32);
	runner_kmsg = "/nonexistent/kmsg";
	runner_rtc = "/nonexistent/rtc";
	fake_install(h);
	unit_hush(&io);
	s.code = cmd_run(argc, argv, line);
	unit_unhush(&io);
	fake_remove();
	s.out = io.out;
	s.err = io.err;
	return s;
}

/* A module whose buffers may take @mb MiB in all. */
static struct fake_host small_host(unsigned int mb)
{
	struct fake_host h = unit_host();

	h.max_buffer = (uint64_t)mb << 20;
	return h;
}

TEST(default_size_scaled_on_enomem, "fit: longpeng's 3G default scaled down where BUF_ALLOC says ENOMEM, and said so")
{
	struct fake_host h = small_host(64);
	struct said s;

	fit_sysfs = "/nonexistent";
	s = command(&h, "run longpeng --iterations 2");
	EXPECT_EQ(EXIT_CLEAN, s.code);
	EXPECT_TRUE(s.out && strstr(s.out, "  size: the default 3072 MiB does not fit (the module refused larger buffers (ENOMEM)); scaled down to 48 MiB (--size sets it)\n"));
	EXPECT_TRUE(s.out && strstr(s.out, "RESULT clean"));
	said_free(&s);
	/* The control: a default that fits is not touched, and not reported. */
	h.max_buffer = 4ull << 30;
	s = command(&h, "run grow --iterations 2");
	EXPECT_EQ(EXIT_CLEAN, s.code);
	EXPECT_TRUE(s.out && !strstr(s.out, "size:"));
	said_free(&s);
}

/* A max_buffer_mb parameter file in a folder of its own. */
static char *cap_dir(unsigned int mb)
{
	static char dir[32];
	char path[64];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/istress-fit-XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/max_buffer_mb", dir);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f, "%u\n", mb);
	fclose(f);
	return dir;
}

static void cap_dir_remove(const char *dir)
{
	char path[64];

	snprintf(path, sizeof(path), "%s/max_buffer_mb", dir);
	unlink(path);
	rmdir(dir);
}

TEST(sizes_fit_the_module_cap, "fit: a default scaled to max_buffer_mb; an explicit --size over it is an error naming --size and the memory")
{
	struct fake_host h = small_host(64);
	char *dir = cap_dir(64);
	struct said s;

	ASSERT_TRUE(dir != NULL);
	fit_sysfs = dir;
	s = command(&h, "run longpeng --iterations 2");
	EXPECT_EQ(EXIT_CLEAN, s.code);
	/* The largest under the cap: 64M less the readback page, margin, rotation. */
	EXPECT_TRUE(s.out && strstr(s.out, "size: the default 3072 MiB does not fit (the module offers 64 MiB); scaled down to 56 MiB"));
	said_free(&s);
	/* Two threads share it. */
	s = command(&h, "run longpeng --threads 2 --iterations 2");
	EXPECT_EQ(EXIT_CLEAN, s.code);
	EXPECT_TRUE(s.out && strstr(s.out, "scaled down to 26 MiB"));
	said_free(&s);
	s = command(&h, "run longpeng --size 128M --iterations 2");
	EXPECT_EQ(EXIT_ERROR, s.code);
	EXPECT_TRUE(s.err && strstr(s.err, "longpeng: --size 0x8000000 needs 134 MiB of buffers for 1 thread; the module offers 64 MiB (max_buffer_mb, half of RAM by default): pass a smaller --size"));
	EXPECT_TRUE(s.out && !strstr(s.out, "RESULT"));
	said_free(&s);
	/* Two threads need twice the memory. */
	s = command(&h, "run longpeng --size 32M --threads 2 --iterations 2");
	EXPECT_EQ(EXIT_ERROR, s.code);
	EXPECT_TRUE(s.err && strstr(s.err, "needs 74 MiB of buffers for 2 threads"));
	said_free(&s);
	/* An explicit size that fits runs as asked, with nothing said. */
	s = command(&h, "run longpeng --size 32M --iterations 2");
	EXPECT_EQ(EXIT_CLEAN, s.code);
	EXPECT_TRUE(s.out && !strstr(s.out, "size:") && strstr(s.out, "RESULT clean"));
	said_free(&s);
	/* Without the cap known, BUF_ALLOC's ENOMEM says it. */
	fit_sysfs = "/nonexistent";
	s = command(&h, "run longpeng --size 128M --iterations 2");
	EXPECT_EQ(EXIT_ERROR, s.code);
	EXPECT_TRUE(s.err && strstr(s.err, "--size 0x8000000 needs 134 MiB of buffers for 1 thread; the module cannot allocate that much (ENOMEM)"));
	said_free(&s);
	cap_dir_remove(dir);
}

TEST(module_cap_read, "fit: the cap is max_buffer_mb, or half of MemTotal when that is 0")
{
	char *dir = cap_dir(0);
	char mem[64];
	FILE *f;

	ASSERT_TRUE(dir != NULL);
	snprintf(mem, sizeof(mem), "%s/meminfo", dir);
	f = fopen(mem, "w");
	ASSERT_TRUE(f != NULL);
	fputs("MemFree:  5 kB\nMemTotal:        1000000 kB\n", f);
	fclose(f);
	EXPECT_TRUE(fit_module_cap(dir, mem) == 512000000ull);
	EXPECT_TRUE(fit_module_cap("/nonexistent", mem) == 0);
	unlink(mem);
	cap_dir_remove(dir);
	dir = cap_dir(300);
	EXPECT_TRUE(fit_module_cap(dir, "/nonexistent") == 300ull << 20);
	cap_dir_remove(dir);
}

TEST(guest_clock_labels, "clock: under a virtual clock times and ops/s say guest, real time beside; the record says which")
{
	struct fake_host h = small_host(256);
	struct said s;
	char json[] = "/tmp/istress-clock-XXXXXX";
	char line[128], *rec = NULL;
	size_t len = 0;
	FILE *f;
	int fd = mkstemp(json);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	fit_sysfs = "/nonexistent";
	snprintf(line, sizeof(line), "run churn --iterations 2 --json %s", json);
	setenv(CLOCK_ENV, "icount", 1);
	s = command(&h, line);
	unsetenv(CLOCK_ENV);
	EXPECT_EQ(EXIT_CLEAN, s.code);
	EXPECT_TRUE(s.out && strstr(s.out, " s of guest time (real time unknown: no RTC)\n"));
	EXPECT_TRUE(s.out && strstr(s.out, " ops/s of guest time\n"));
	EXPECT_TRUE(s.out && strstr(s.out, "(ns, guest time)\n"));
	said_free(&s);
	f = fopen(json, "r");
	ASSERT_TRUE(f != NULL);
	EXPECT_TRUE(getdelim(&rec, &len, '\0', f) > 0);
	fclose(f);
	EXPECT_TRUE(rec && strstr(rec, "\"clock\": {\n    \"kind\": \"guest-virtual\",\n    \"real_elapsed_s\": null\n  }"));
	free(rec);
	rec = NULL;
	/* On a host nothing changes: no label, the record says real. */
	s = command(&h, line);
	EXPECT_EQ(EXIT_CLEAN, s.code);
	EXPECT_TRUE(s.out && !strstr(s.out, "guest") && strstr(s.out, " ops/s\n"));
	said_free(&s);
	f = fopen(json, "r");
	ASSERT_TRUE(f != NULL);
	EXPECT_TRUE(getdelim(&rec, &len, '\0', f) > 0);
	fclose(f);
	EXPECT_TRUE(rec && strstr(rec, "\"clock\": {\n    \"kind\": \"real\",\n    \"real_elapsed_s\": null\n  }"));
	free(rec);
	unlink(json);
}

/* 'run all' on the model: one KTAP stream (tests/unit/ktap-check reads it). */
int run_all_sample(FILE *f)
{
	struct fake_host h = small_host(64);
	struct said s;

	fit_sysfs = "/nonexistent";
	s = command(&h, "run all --iterations 1 --ktap");
	if (s.out)
		fputs(s.out, f);
	said_free(&s);
	return 0;
}

TEST(run_all, "run all: every bug-hunting pattern in turn, one table, one KTAP plan, the worst exit status")
{
	struct fake_host h = small_host(64);
	unsigned int plan = 0;
	const char *at;
	struct said s;

	fit_sysfs = "/nonexistent";
	s = command(&h, "run all --iterations 1 --ktap");
	ASSERT_TRUE(s.out != NULL);
	for (unsigned int i = 0; i < pattern_count(); i++) {
		const struct pattern *p = pattern_at(i);
		char row[64], out[96];

		snprintf(row, sizeof(row), "\n#   %-11s ", p->name);
		snprintf(out, sizeof(out), "\n# %s: left out, it records driver behaviour", p->name);
		if (p->records_behaviour) {
			EXPECT_TRUE(!strstr(s.out, row) && strstr(s.out, out));
			continue;
		}
		plan += report_ktap_count(p);
		EXPECT_TRUE(strstr(s.out, row) != NULL);
	}
	/* behaviour is the one pattern that records rather than hunts. */
	EXPECT_TRUE(pattern_find("behaviour") && pattern_find("behaviour")->records_behaviour);
	EXPECT_TRUE(pattern_find("longpeng") && !pattern_find("longpeng")->records_behaviour);
	EXPECT_TRUE(!strncmp(s.out, "TAP version 13\n1..", 18) &&
		    (unsigned int)atoi(s.out + 18) == plan);
	/* One plan and one totals line for the whole stream. */
	EXPECT_TRUE(!strstr(s.out + 1, "TAP version"));
	at = strstr(s.out, "# Totals:");
	EXPECT_TRUE(at && !strstr(at + 1, "# Totals:"));
	EXPECT_TRUE(strstr(s.out, "# RESULT all: ") != NULL);
	/* The 3G longpeng default was scaled to the small module's memory. */
	EXPECT_TRUE(strstr(s.out, "#   size: the default 3072 MiB does not fit") != NULL);
	said_free(&s);

	/*
	 * Its status is the worst of the bug-hunting patterns' own, run one
	 * by one with the same options: on edu (where the model's IOTLB keeps
	 * what an overlapping map replaced, so overmap reports stale reads)
	 * and on a channel (where overmap is unsupported).
	 */
	for (int t = 0; t < 2; t++) {
		const char *opt = t ? " --target dma0chan0" : "";
		int worst = EXIT_CLEAN;
		char line[128];

		for (unsigned int i = 0; i < pattern_count(); i++) {
			if (pattern_at(i)->records_behaviour)
				continue;
			snprintf(line, sizeof(line), "run %s --iterations 1%s",
				 pattern_at(i)->name, opt);
			s = command(&h, line);
			worst = runner_worse(worst, s.code);
			said_free(&s);
		}
		snprintf(line, sizeof(line), "run all --iterations 1%s", opt);
		s = command(&h, line);
		EXPECT_EQ(worst, s.code);
		snprintf(line, sizeof(line), "; exit %d (the worst", worst);
		EXPECT_TRUE(s.out && strstr(s.out, line));
		said_free(&s);
	}

	/* A time budget alone: every pattern takes it. */
	s = command(&h, "run all --time 0.05");
	EXPECT_TRUE(s.err && !strstr(s.err, "do not suit"));
	EXPECT_TRUE(s.out && strstr(s.out, "\n  longpeng    ") && strstr(s.out, "RESULT all: "));
	EXPECT_TRUE(s.code != EXIT_ERROR);
	said_free(&s);

	/* A bad option stops it before anything runs. */
	s = command(&h, "run all --threads 0");
	EXPECT_EQ(EXIT_ERROR, s.code);
	EXPECT_TRUE(s.out && !strstr(s.out, "RESULT"));
	said_free(&s);
}
