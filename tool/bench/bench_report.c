// SPDX-License-Identifier: GPL-2.0
/*
 * A bench run for people (the table, the ratios, what the times are) and
 * for machines (the bench record of results/schema.json).
 */
#include <errno.h>
#include <string.h>

#include "bench.h"
#include "environment.h"
#include "json.h"
#include "target.h"

/* What each way's latency is, for the table's readers and the record. */
static const char *const way_latency[WAY_NR] = {
	[WAY_SINGLE] = "the MAP or UNMAP ioctl as the tool sees it, system call included",
	[WAY_BATCH] = "each op in the module, copy-in to answer; the BATCH call's own cost is in ops/s only",
	[WAY_KERNEL] = "the bare driver call (iommu_map(), or iommu_unmap() with its IOTLB sync)",
	[WAY_KERNEL_MAP] = "the module's MAP or UNMAP handler, called from its own loop",
	[WAY_DMA_API] = "dma_map_page() or dma_unmap_page() on the device, in its DMA-API domain: the IOVA allocator, the driver, and the unmap's flush at once (strict) or queued (lazy)",
};

/* Ratios of ops/s the table shows: numerator and denominator ways. */
static const struct ratio {
	const char *name;
	enum bench_way num, den;
} ratios[] = {
	{ "batch/kernel", WAY_BATCH, WAY_KERNEL },
	{ "single/kernel", WAY_SINGLE, WAY_KERNEL },
	{ "single/batch", WAY_SINGLE, WAY_BATCH },
	{ "kernel-map/kernel", WAY_KERNEL_MAP, WAY_KERNEL },
	{ "dma-api/kernel", WAY_DMA_API, WAY_KERNEL },
};
#define NRATIOS (sizeof(ratios) / sizeof(ratios[0]))

static const char *const clock_vm =
	"This ran in a virtual machine: the times are the guest's clock. Under QEMU's "
	"-icount the guest clock counts guest instructions (1 ns each), so these "
	"figures repeat run to run but are instruction counts, not hardware "
	"latencies; only the ratios say something, and only of this guest.";
/* Several vCPUs on multi-threaded TCG: no -icount, so no virtual clock. */
static const char *const clock_vm_real =
	"This ran in a virtual machine without a virtual clock (no -icount: QEMU's "
	"multi-threaded TCG, say): the times are real time of the host's threads "
	"that run the vCPUs, on CPUs the host shares with whatever else it runs, "
	"so they do not repeat run to run and are not hardware latencies.";
static const char *const clock_host =
	"Times are this host's CLOCK_MONOTONIC, on CPUs shared with whatever else runs.";

/* What the run's times are: the guest's virtual clock, or real time. */
static const char *clock_note(const struct bench_result *r)
{
	if (!r->in_vm)
		return clock_host;
	return r->clock_virtual ? clock_vm : clock_vm_real;
}

static const char *size_name(uint64_t size)
{
	return size == SZ_4K ? "4K" : size == SZ_2M ? "2M" : size == SZ_1G ? "1G" : "?";
}

/* The unmap's flush policy of a DMA-API domain of type @type, or NULL. */
static const char *dma_policy(uint32_t type)
{
	return type == IOMMU_STRESS_DOMTYPE_DMA ? "strict: each unmap flushes" :
	       type == IOMMU_STRESS_DOMTYPE_DMA_FQ ? "lazy: unmaps queue their flushes" :
	       NULL;
}

/* The ratio, or a negative value when either way was not measured. */
static double ratio_of(const struct bench_cell *c, const struct ratio *q)
{
	double num = bench_rate(&c->way[q->num]), den = bench_rate(&c->way[q->den]);

	return num > 0 && den > 0 ? num / den : -1.0;
}

static int way_asked(const struct bench_opts *o, enum bench_way w)
{
	return !!(o->ways & 1u << w);
}

/* The ways whose threads had the CPU too little of the time, said so. */
static void cpu_warnings(FILE *f, const struct bench_opts *o,
			 const struct bench_result *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->ncells; i++) {
		const struct bench_cell *c = &r->cells[i];

		for (unsigned int w = 0; w < WAY_NR; w++) {
			const struct bench_way_result *x = &c->way[w];

			if (!way_asked(o, w) || !bench_cpu_shared(x, c->threads, r->cpus))
				continue;
			if (!n++)
				fputc('\n', f);
			fprintf(f, "! %s %u %s: its threads had the CPU %.2f of their time, below %.2f: other tasks had it, or its threads waited; its figures are not to be trusted\n",
				size_name(c->page_size), c->threads, bench_way_name(w),
				bench_cpu_share(x), BENCH_MIN_CPU_SHARE);
		}
	}
}

void bench_report_text(FILE *f, const struct session *s,
		       const struct bench_opts *o, const struct bench_result *r)
{
	fprintf(f, "iommu-stress bench on %s: %s %s, kernel %s, %u CPU%s online\n",
		s->dom.target, s->dom.iommu_driver, s->dom.iommu_name,
		s->info.kernel_release, r->cpus, r->cpus == 1 ? "" : "s");
	fprintf(f, "%llu maps and unmaps per way and thread; %u ops per BATCH call\n\n",
		(unsigned long long)o->ops, o->batch);
	fprintf(f, "%-4s %3s  %-10s %12s %10s %10s %10s %10s %5s\n", "page", "thr", "way",
		"ops/s", "map p50", "map p99", "unmap p50", "unmap p99", "cpu");
	for (unsigned int i = 0; i < r->ncells; i++) {
		const struct bench_cell *c = &r->cells[i];

		for (unsigned int w = 0; w < WAY_NR; w++) {
			const struct bench_way_result *x = &c->way[w];

			if (!way_asked(o, w))
				continue;
			fprintf(f, "%-4s %3u  %-10s ", size_name(c->page_size), c->threads,
				bench_way_name(w));
			if (x->err) {
				fprintf(f, "%s: %s\n", x->err == -EOPNOTSUPP ?
					"not available" : "failed", x->why);
				continue;
			}
			fprintf(f, "%12.0f %10llu %10llu %10llu %10llu %5.2f%s\n", bench_rate(x),
				(unsigned long long)lat_percentile(&x->map, 50.0),
				(unsigned long long)lat_percentile(&x->map, 99.0),
				(unsigned long long)lat_percentile(&x->unmap, 50.0),
				(unsigned long long)lat_percentile(&x->unmap, 99.0),
				bench_cpu_share(x),
				bench_cpu_shared(x, c->threads, r->cpus) ? " !" : "");
		}
	}
	cpu_warnings(f, o, r);
	fprintf(f, "\nRatios of ops/s:\n%-4s %3s ", "page", "thr");
	for (unsigned int q = 0; q < NRATIOS; q++)
		fprintf(f, " %17s", ratios[q].name);
	fputc('\n', f);
	for (unsigned int i = 0; i < r->ncells; i++) {
		const struct bench_cell *c = &r->cells[i];

		fprintf(f, "%-4s %3u ", size_name(c->page_size), c->threads);
		for (unsigned int q = 0; q < NRATIOS; q++) {
			double v = ratio_of(c, &ratios[q]);

			if (v < 0)
				fprintf(f, " %17s", "-");
			else
				fprintf(f, " %17.3f", v);
		}
		fputc('\n', f);
	}
	fputs("\nLatency (ns) of each way:\n", f);
	for (unsigned int w = 0; w < WAY_NR; w++)
		if (way_asked(o, w))
			fprintf(f, "  %-10s %s\n", bench_way_name(w), way_latency[w]);
	fputs("ops/s: all threads' maps and unmaps over the wall time from the first\n"
	      "one's start to the last one's end. kernel's loop also walks each page it\n"
	      "unmapped (the module's check that the driver let go), outside the\n"
	      "driver-call times but inside its ops/s.\n", f);
	if (way_asked(o, WAY_DMA_API) && dma_policy(r->dma_domain_type))
		fprintf(f, "dma-api's domain: %s (%s)\n",
			target_domain_type_name(r->dma_domain_type),
			dma_policy(r->dma_domain_type));
	fprintf(f, "\n%s\n", clock_note(r));
}

static void json_way(struct json *j, enum bench_way w,
		     const struct bench_way_result *x, const struct bench_cell *c,
		     const struct bench_result *r)
{
	uint32_t dma_domain_type = r->dma_domain_type;

	json_object_begin(j, bench_way_name(w));
	if (x->err) {
		json_string(j, "status", x->err == -EOPNOTSUPP ? "unsupported" : "error");
		json_string(j, "reason", x->why);
		json_object_end(j);
		return;
	}
	json_string(j, "status", "measured");
	json_u64(j, "ops", x->ops);
	json_u64(j, "elapsed_ns", x->elapsed_ns);
	json_double(j, "ops_per_s", bench_rate(x));
	lat_json(j, "map_ns", &x->map);
	lat_json(j, "unmap_ns", &x->unmap);
	if (bench_cpu_share(x) >= 0) {
		json_fixed(j, "cpu_share", bench_cpu_share(x), 4);
		json_bool(j, "cpu_shared", bench_cpu_shared(x, c->threads, r->cpus));
	}
	if (w == WAY_KERNEL || w == WAY_KERNEL_MAP || w == WAY_DMA_API) {
		json_u64(j, "loop_ns", x->loop_ns);
		json_u64(j, "call_ns", x->call_ns);
	}
	if (w == WAY_DMA_API)
		json_string(j, "domain_type",
			    target_domain_type_name(dma_domain_type));
	json_object_end(j);
}

static void json_cell(struct json *j, const struct bench_opts *o,
		      const struct bench_result *r, const struct bench_cell *c)
{
	json_object_begin(j, NULL);
	json_u64(j, "page_size", c->page_size);
	json_u64(j, "threads", c->threads);
	json_u64(j, "pages_per_round", c->count);
	json_u64(j, "rounds", c->rounds);
	json_object_begin(j, "ways");
	for (unsigned int w = 0; w < WAY_NR; w++)
		if (way_asked(o, w))
			json_way(j, w, &c->way[w], c, r);
	json_object_end(j);
	json_object_begin(j, "ratios");
	for (unsigned int q = 0; q < NRATIOS; q++) {
		double v = ratio_of(c, &ratios[q]);

		if (v < 0)
			json_null(j, ratios[q].name);
		else
			json_fixed(j, ratios[q].name, v, 6);
	}
	json_object_end(j);
	json_object_end(j);
}

int bench_report_json(const char *path, const struct session *s,
		      const struct bench_opts *o, const struct bench_result *r,
		      int exit_code)
{
	FILE *f = fopen(path, "w");
	struct json j;

	if (!f) {
		fprintf(stderr, "iommu-stress: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_string(&j, "record", "bench");
	json_u64(&j, "schema_version", 2);
	report_json_environment(&j, s);
	json_string(&j, "command", o->command ? o->command : "");
	json_object_begin(&j, "options");
	json_u64(&j, "ops", o->ops);
	json_u64(&j, "batch", o->batch);
	json_object_end(&j);
	/* The run record's clock (report/clock.h), and what the times are. */
	json_object_begin(&j, "clock");
	json_string(&j, "kind", r->clock_virtual ? "guest-virtual" : "real");
	if (r->clock_virtual && r->real_elapsed_s >= 0)
		json_double(&j, "real_elapsed_s", r->real_elapsed_s);
	else
		json_null(&j, "real_elapsed_s");
	json_bool(&j, "in_vm", r->in_vm);
	json_string(&j, "note", clock_note(r));
	json_object_end(&j);
	json_object_begin(&j, "latency_is");
	for (unsigned int w = 0; w < WAY_NR; w++)
		if (way_asked(o, w))
			json_string(&j, bench_way_name(w), way_latency[w]);
	json_object_end(&j);
	json_array_begin(&j, "cells");
	for (unsigned int i = 0; i < r->ncells; i++)
		json_cell(&j, o, r, &r->cells[i]);
	json_array_end(&j);
	json_string(&j, "status", exit_code == EXIT_CLEAN ? "done" :
		    exit_code == EXIT_UNSUPPORTED ? "unsupported" : "error");
	json_u64(&j, "exit_code", (uint64_t)exit_code);
	json_object_end(&j);
	fputc('\n', f);
	if (fclose(f)) {
		fprintf(stderr, "iommu-stress: cannot write %s: %s\n", path,
			strerror(errno));
		return -EIO;
	}
	return 0;
}
