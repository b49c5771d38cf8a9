// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "json.h"
#include "report.h"

#define TOOL_VERSION "0.1.0"

static void describe_id(char *out, size_t n, const struct sig_id *id)
{
	snprintf(out, n, "buffer %u page %llu gen %u", id->buf,
		 (unsigned long long)id->page, id->gen);
}

static void describe_walk(char *out, size_t n, const struct corruption *c)
{
	switch (c->walk) {
	case WALK_UNMAPPED:
		snprintf(out, n, "unmapped");
		break;
	case WALK_OURS:
		snprintf(out, n, "buffer %u page %llu", c->walk_buf,
			 (unsigned long long)c->walk_page);
		break;
	case WALK_ELSEWHERE:
		snprintf(out, n, "memory outside the session's buffers");
		break;
	default:
		snprintf(out, n, "walk failed");
	}
}

static const char *const walk_names[] = {
	[WALK_UNMAPPED] = "unmapped", [WALK_OURS] = "buffer",
	[WALK_ELSEWHERE] = "elsewhere", [WALK_FAILED] = "failed",
};

void report_corruption(FILE *f, const struct corruption *c)
{
	char exp[64], got[96], walk[64];

	if (c->expect_unmapped)
		snprintf(exp, sizeof(exp), "unmapped (zeros)");
	else
		describe_id(exp, sizeof(exp), &c->expected);
	if (c->class == SIG_STALE)
		describe_id(got, sizeof(got), &c->got);
	else if (c->class == SIG_ZERO)
		snprintf(got, sizeof(got), "zeros");
	else
		snprintf(got, sizeof(got), "unknown data %02x%02x%02x%02x%02x%02x%02x%02x...",
			 c->head[0], c->head[1], c->head[2], c->head[3],
			 c->head[4], c->head[5], c->head[6], c->head[7]);
	describe_walk(walk, sizeof(walk), c);
	fprintf(f, "CORRUPTION %s at iova %#llx (iteration %llu, %s): expected %s, got %s; page table: %s\n",
		sig_class_name(c->class), (unsigned long long)c->iova,
		(unsigned long long)c->iteration, c->phase, exp, got, walk);
}

static void summary_lat(FILE *f, const char *name, const struct lat_stats *l)
{
	if (!l->n)
		return;
	fprintf(f, "  %-6s n=%-8llu min %llu  mean %.0f  max %llu  stddev %.0f ns\n",
		name, (unsigned long long)l->n, (unsigned long long)l->min,
		lat_mean(l), (unsigned long long)l->max, lat_stddev(l));
}

void report_summary(FILE *f, const struct session *s,
		    const struct run_result *r)
{
	uint64_t bad = run_corruptions(r);

	fprintf(f, "pattern %s on %s (%s %s), kernel %s\n", r->pattern,
		s->dom.target, s->dom.iommu_driver, s->dom.iommu_name,
		s->info.kernel_release);
	fprintf(f, "  %llu iterations, %llu DMA checks in %.2f s%s\n",
		(unsigned long long)r->iterations,
		(unsigned long long)r->dma_checks, r->elapsed_ns / 1e9,
		s->opts->skip_flush ? ", injected: skip-flush" : "");
	summary_lat(f, "map", &r->map);
	summary_lat(f, "unmap", &r->unmap);
	summary_lat(f, "dma", &r->dma);
	if (r->short_unmaps)
		fprintf(f, "  %llu unmaps removed a different size than asked\n",
			(unsigned long long)r->short_unmaps);
	if (r->dma_failed)
		fprintf(f, "  %llu DMAs did not complete\n",
			(unsigned long long)r->dma_failed);
	if (!bad) {
		fprintf(f, "RESULT clean: no corruption\n");
		return;
	}
	fprintf(f, "RESULT corrupt: %llu corruptions (stale %llu, foreign %llu, zero %llu); first after %.3f s\n",
		(unsigned long long)bad,
		(unsigned long long)r->counts[SIG_STALE],
		(unsigned long long)r->counts[SIG_FOREIGN],
		(unsigned long long)r->counts[SIG_ZERO],
		r->reported[0].ns_since_start / 1e9);
}

static void json_lat(struct json *j, const char *key, const struct lat_stats *l)
{
	json_object_begin(j, key);
	json_u64(j, "N", l->n);
	json_u64(j, "min", l->min);
	json_u64(j, "max", l->max);
	json_double(j, "mean", lat_mean(l));
	json_double(j, "stddev", lat_stddev(l));
	json_object_end(j);
}

static void json_id(struct json *j, const char *key, const struct sig_id *id)
{
	json_object_begin(j, key);
	json_u64(j, "buffer", id->buf);
	json_u64(j, "page", id->page);
	json_u64(j, "gen", id->gen);
	json_object_end(j);
}

static void read_cmdline(char *out, size_t n)
{
	FILE *f = fopen("/proc/cmdline", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static void json_environment(struct json *j, const struct session *s)
{
	const struct iommu_stress_domain_create *d = &s->dom;
	char cmdline[1024];
	struct utsname u;

	uname(&u);
	read_cmdline(cmdline, sizeof(cmdline));
	json_object_begin(j, "tool");
	json_string(j, "name", "iommu-stress");
	json_string(j, "version", TOOL_VERSION);
	json_object_end(j);
	json_object_begin(j, "module");
	json_string(j, "version", s->info.module_version);
	json_u64(j, "abi", s->info.abi_version);
	json_object_end(j);
	json_object_begin(j, "kernel");
	json_string(j, "release", s->info.kernel_release);
	json_string(j, "machine", u.machine);
	json_string(j, "cmdline", cmdline);
	json_object_end(j);
	json_object_begin(j, "iommu");
	json_string(j, "driver", d->iommu_driver);
	json_string(j, "name", d->iommu_name);
	json_hex(j, "pgsize_bitmap", d->pgsize_bitmap);
	json_hex(j, "aperture_start", d->aperture_start);
	json_hex(j, "aperture_end", d->aperture_end);
	if (d->out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS) {
		json_hex(j, "cap", d->intel_cap);
		json_hex(j, "ecap", d->intel_ecap);
	}
	json_object_end(j);
	json_string(j, "target", d->target);
}

void report_json_record(FILE *f, const struct session *s,
			const struct run_result *r)
{
	const struct run_opts *o = s->opts;
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_u64(&j, "schema_version", 1);
	json_environment(&j, s);
	json_string(&j, "pattern", r->pattern);
	json_object_begin(&j, "options");
	json_hex(&j, "size", o->size);
	json_u64(&j, "iterations", o->iterations);
	json_double(&j, "time_s", o->time_s);
	json_u64(&j, "samples", o->samples);
	json_u64(&j, "seed", o->seed);
	json_string(&j, "inject", o->skip_flush ? "skip-flush" : "none");
	json_object_end(&j);
	json_u64(&j, "iterations", r->iterations);
	json_u64(&j, "dma_checks", r->dma_checks);
	json_u64(&j, "dma_failed", r->dma_failed);
	json_u64(&j, "short_unmaps", r->short_unmaps);
	json_u64(&j, "elapsed_ns", r->elapsed_ns);
	json_object_begin(&j, "corruptions");
	json_u64(&j, "total", run_corruptions(r));
	for (int c = SIG_STALE; c < SIG_NR_CLASSES; c++)
		json_u64(&j, sig_class_name(c), r->counts[c]);
	json_object_end(&j);
	if (r->nreported)
		json_u64(&j, "first_corruption_ns", r->reported[0].ns_since_start);
	else
		json_null(&j, "first_corruption_ns");
	json_array_begin(&j, "reported");
	for (unsigned int i = 0; i < r->nreported; i++) {
		const struct corruption *c = &r->reported[i];

		json_object_begin(&j, NULL);
		json_u64(&j, "iteration", c->iteration);
		json_string(&j, "phase", c->phase);
		json_hex(&j, "iova", c->iova);
		json_string(&j, "class", sig_class_name(c->class));
		if (c->expect_unmapped)
			json_null(&j, "expected");
		else
			json_id(&j, "expected", &c->expected);
		if (c->class == SIG_STALE)
			json_id(&j, "got", &c->got);
		json_object_begin(&j, "page_table");
		json_string(&j, "state", walk_names[c->walk]);
		if (c->walk == WALK_OURS) {
			json_u64(&j, "buffer", c->walk_buf);
			json_u64(&j, "page", c->walk_page);
		}
		json_object_end(&j);
		json_u64(&j, "ns_since_start", c->ns_since_start);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_begin(&j, "lat_ns");
	json_lat(&j, "map", &r->map);
	json_lat(&j, "unmap", &r->unmap);
	json_lat(&j, "dma", &r->dma);
	json_object_end(&j);
	json_object_end(&j);
}

int report_json(const char *path, const struct session *s,
		const struct run_result *r)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "iommu-stress: cannot write %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	report_json_record(f, s, r);
	if (fclose(f)) {
		fprintf(stderr, "iommu-stress: writing %s: %s\n", path,
			strerror(errno));
		return -EIO;
	}
	return 0;
}
