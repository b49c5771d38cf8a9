// SPDX-License-Identifier: GPL-2.0
/* The JSON record of a run (fio's shape for latencies). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "environment.h"
#include "errname.h"
#include "inject.h"
#include "json.h"
#include "outcome.h"
#include "report.h"

static const char *const walk_names[] = {
	[WALK_UNMAPPED] = "unmapped", [WALK_OURS] = "buffer",
	[WALK_ELSEWHERE] = "elsewhere", [WALK_FAILED] = "failed",
};

static void json_id(struct json *j, const char *key, const struct sig_id *id)
{
	json_object_begin(j, key);
	json_u64(j, "buffer", id->buf);
	json_u64(j, "page", id->page);
	json_u64(j, "gen", id->gen);
	json_object_end(j);
}

static void json_options(struct json *j, const struct session *s)
{
	const struct run_opts *o = s->opts;
	const struct pattern_opt *po = s->pattern->opts;

	json_object_begin(j, "options");
	json_hex(j, "size", o->size);
	json_u64(j, "iterations", o->iterations);
	json_double(j, "time_s", o->time_s);
	json_u64(j, "samples", o->samples);
	json_u64(j, "seed", o->seed);
	json_string(j, "inject", inject_name(o));
	json_u64(j, "threads", o->threads);
	json_u64(j, "dma_threads", o->dma_threads);
	json_index(j, "node", o->node);
	json_string_or_null(j, "cpus", o->cpus);
	json_bool(j, "no_batch", o->no_batch);
	/* A default size that did not fit (core/fit.h): what it was. */
	if (s->res->size_scaled_from)
		json_hex(j, "size_scaled_from", s->res->size_scaled_from);
	else
		json_null(j, "size_scaled_from");
	if (o->iova_range_len) {
		char win[48];

		snprintf(win, sizeof(win), "%#" PRIx64 ":%#" PRIx64,
			 o->iova_range_start, o->iova_range_len);
		json_string(j, "iova_window", win);
	} else {
		json_null(j, "iova_window");
	}
	json_object_begin(j, "pattern");
	for (unsigned int i = 0; po && po[i].name && i < PATTERN_MAX_OPTS; i++)
		json_u64(j, po[i].name, o->popt[i]);
	json_object_end(j);
	json_object_end(j);
}

static void json_placement(struct json *j, const struct run_result *r)
{
	json_object_begin(j, "placement");
	json_index(j, "buffer_node", r->buffer_node);
	json_array_begin(j, "threads");
	for (unsigned int i = 0; i < r->nplace; i++) {
		const struct placement *p = &r->place[i];

		json_object_begin(j, NULL);
		json_u64(j, "thread", i);
		json_string(j, "role", p->role);
		json_string(j, "pinned", p->cpus);
		json_int(j, "cpu", p->cpu_seen);
		json_int(j, "node", p->node_seen);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_cases(struct json *j, const struct session *s,
		       const struct run_result *r)
{
	static const char *const names[] = { "pass", "fail", "skip" };

	json_array_begin(j, "cases");
	for (unsigned int c = 0; c < report_ncases(s); c++) {
		const char *why;
		enum case_state st = report_case_state(s, r, c, &why);

		json_object_begin(j, NULL);
		json_string(j, "name", pattern_case_name(s->pattern, c));
		json_string(j, "status", names[st]);
		json_u64(j, "checks", r->st.case_checks[c]);
		json_u64(j, "corruptions", r->st.case_bad[c]);
		if (st == CASE_SKIP)
			json_string(j, "skip_reason", why);
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_reported(struct json *j, const struct run_result *r)
{
	json_array_begin(j, "reported");
	for (unsigned int i = 0; i < r->nreported; i++) {
		const struct corruption *c = &r->reported[i];

		json_object_begin(j, NULL);
		json_u64(j, "iteration", c->iteration);
		json_u64(j, "thread", c->thread);
		json_string(j, "case", c->case_name);
		json_string(j, "phase", c->phase);
		json_hex(j, "iova", c->iova);
		json_string(j, "class", sig_class_name(c->class));
		if (c->expect_unmapped)
			json_null(j, "expected");
		else
			json_id(j, "expected", &c->expected);
		if (c->class == SIG_STALE)
			json_id(j, "got", &c->got);
		json_object_begin(j, "page_table");
		json_string(j, "state", walk_names[c->walk]);
		if (c->walk == WALK_OURS) {
			json_u64(j, "buffer", c->walk_buf);
			json_u64(j, "page", c->walk_page);
		}
		json_object_end(j);
		json_u64(j, "ns_since_start", c->ns_since_start);
		json_object_end(j);
	}
	json_array_end(j);
}

/* An errno by its name ("EEXIST"), which unlike its number is portable. */
static void json_errno(struct json *j, const char *key, int err)
{
	if (err)
		json_string(j, key, errno_name(err).s);
	else
		json_null(j, key);
}

/* A probe's fields, beside its observation's key, value and count. */
static void json_probe(struct json *j, const struct obs_probe *p)
{
	json_string(j, "op", p->op);
	json_hex(j, "offset", p->offset);
	json_hex(j, "length", p->length);
	json_errno(j, "errno", p->err);
	if (!strcmp(p->op, "unmap") && !p->err)
		json_hex(j, "unmapped", p->unmapped);
	else
		json_null(j, "unmapped");
	json_index(j, "warnings", p->warnings);
	json_array_begin(j, "points");
	for (unsigned int i = 0; i < p->npoints; i++) {
		const struct obs_point *pt = &p->points[i];

		json_object_begin(j, NULL);
		json_string(j, "name", pt->name);
		json_hex(j, "offset", pt->offset);
		json_string(j, "before",
			    obs_page_name(pt->mapped_before ? OBS_OLD : OBS_NONE));
		json_string(j, "walk", obs_page_name(pt->walk));
		json_string(j, "dma", obs_page_name(pt->dma));
		json_object_end(j);
	}
	json_array_end(j);
}

static void json_observations(struct json *j, const struct run_result *r)
{
	json_array_begin(j, "observations");
	for (unsigned int i = 0; i < r->nobs; i++) {
		json_object_begin(j, NULL);
		json_string(j, "key", r->obs[i].key);
		json_string(j, "value", r->obs[i].value);
		json_u64(j, "count", r->obs[i].count);
		if (r->obs[i].has_probe)
			json_probe(j, &r->obs[i].probe);
		json_object_end(j);
	}
	json_array_end(j);
}

/*
 * Which clock elapsed_ns, ops_per_s, lat_ns and first_corruption_ns are on
 * (report/clock.h): "real", or "guest-virtual" with the real seconds the
 * RTC saw beside them.
 */
static void json_clock(struct json *j, const struct run_result *r)
{
	json_object_begin(j, "clock");
	json_string(j, "kind", r->clock_virtual ? "guest-virtual" : "real");
	if (r->clock_virtual && r->real_elapsed_s >= 0)
		json_double(j, "real_elapsed_s", r->real_elapsed_s);
	else
		json_null(j, "real_elapsed_s");
	json_object_end(j);
}

/* What the kernel logged during the run, sorted (report/kernel_log.h). */
static void json_kernel_log(struct json *j, const struct klog_summary *k)
{
	json_object_begin(j, "kernel_log");
	json_bool(j, "read", k->read);
	json_bool(j, "complete", k->read && !k->lost);
	json_u64(j, "iommu_faults", k->faults);
	json_u64(j, "suppressed", k->suppressed);
	json_u64(j, "other", k->other);
	json_array_begin(j, "other_lines");
	for (unsigned int i = 0; i < k->nkept; i++)
		json_string(j, NULL, k->kept[i]);
	json_array_end(j);
	json_object_end(j);
}

/*
 * A dirty-tracking run's figures: pages DMA wrote, bits read back, of
 * them the pages written and read clean (corruption) and the bits of no
 * write (noise).
 */
static void json_dirty(struct json *j, const struct run_result *r)
{
	json_object_begin(j, "dirty");
	json_u64(j, "pages_written", r->st.dirty_written);
	json_u64(j, "bits_read", r->st.dirty_bits);
	json_u64(j, "missing", r->st.dirty_missing);
	json_u64(j, "extra", r->st.dirty_extra);
	json_u64(j, "writes_lost", r->st.writes_lost);
	json_object_end(j);
}

void report_json_record(FILE *f, const struct session *s,
			const struct run_result *r)
{
	const struct run_opts *o = s->opts;
	uint64_t ops = r->st.maps + r->st.unmaps + r->st.dma_checks;
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_u64(&j, "schema_version", 2);
	report_json_environment(&j, s);
	json_string(&j, "pattern", r->pattern);
	json_string(&j, "bug_class", s->pattern->bug_class);
	json_string(&j, "command", o->command ? o->command : "");
	json_options(&j, s);
	json_placement(&j, r);
	json_string(&j, "status", report_status_name(r));
	json_u64(&j, "exit_code", (uint64_t)report_exit_code(r));
	json_bool(&j, "interrupted", r->interrupted);
	json_string_or_null(&j, "unsupported", r->unsupported);
	json_u64(&j, "iterations", r->iterations);
	json_u64(&j, "dma_checks", r->st.dma_checks);
	json_u64(&j, "dma_failed", r->st.dma_failed);
	json_u64(&j, "dma_faulted", r->st.dma_faulted);
	json_u64(&j, "unmapped_unchecked", r->st.unmapped_unchecked);
	json_u64(&j, "maps", r->st.maps);
	json_u64(&j, "unmaps", r->st.unmaps);
	json_u64(&j, "short_unmaps", r->st.short_unmaps);
	json_u64(&j, "long_unmaps", r->st.long_unmaps);
	json_u64(&j, "still_mapped_unmaps", r->st.still_mapped_unmaps);
	json_u64(&j, "elapsed_ns", r->elapsed_ns);
	json_clock(&j, r);
	json_object_begin(&j, "ops_per_s");
	json_double(&j, "map", report_per_s(r->st.maps, r->elapsed_ns));
	json_double(&j, "unmap", report_per_s(r->st.unmaps, r->elapsed_ns));
	json_double(&j, "dma", report_per_s(r->st.dma_checks, r->elapsed_ns));
	json_double(&j, "total", report_per_s(ops, r->elapsed_ns));
	json_object_end(&j);
	json_object_begin(&j, "corruptions");
	json_u64(&j, "total", run_corruptions(r));
	for (int c = SIG_STALE; c < SIG_NR_CLASSES; c++)
		json_u64(&j, sig_class_name(c), r->st.counts[c]);
	json_u64(&j, "clobbered", r->clobbered);
	if (o->dirty_tracking) {
		json_u64(&j, "dirty_missing", r->st.dirty_missing);
		json_u64(&j, "writes_lost", r->st.writes_lost);
	}
	json_object_end(&j);
	if (o->dirty_tracking)
		json_dirty(&j, r);
	if (r->first_ns != UINT64_MAX)
		json_u64(&j, "first_corruption_ns", r->first_ns);
	else if (r->clobbered)
		json_u64(&j, "first_corruption_ns", r->elapsed_ns);
	else
		json_null(&j, "first_corruption_ns");
	json_cases(&j, s, r);
	json_observations(&j, r);
	json_u64(&j, "observations_dropped", r->obs_dropped);
	if (r->replay_path[0])
		json_string(&j, "replay", r->replay_path);
	else
		json_null(&j, "replay");
	json_reported(&j, r);
	json_kernel_log(&j, &r->klog);
	json_object_begin(&j, "lat_ns");
	lat_json(&j, "map", &r->st.map);
	lat_json(&j, "unmap", &r->st.unmap);
	lat_json(&j, "dma", &r->st.dma);
	lat_json(&j, "map_to_dma", &r->st.map_to_dma);
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
