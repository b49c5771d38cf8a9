// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine.h"
#include "json.h"
#include "place.h"
#include "report.h"

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

void report_corruption(FILE *f, const char *pfx, const struct corruption *c)
{
	char exp[64], got[96], walk[64], where[64] = "";

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
	if (c->thread)
		snprintf(where, sizeof(where), ", thread %u", c->thread);
	fprintf(f, "%sCORRUPTION %s at iova %#llx (iteration %llu, %s%s): expected %s, got %s; page table: %s\n",
		pfx, sig_class_name(c->class), (unsigned long long)c->iova,
		(unsigned long long)c->iteration, c->phase, where, exp, got,
		walk);
}

static unsigned int ncases_all(const struct session *s)
{
	return pattern_ncases(s->pattern) + ENGINE_EXTRA_CASES;
}

enum case_state { CASE_PASS, CASE_FAIL, CASE_SKIP };

/* A case whose only checks were of unmapped IOVAs, none of them read. */
#define UNCHECKED_WHY \
	"reads of unmapped IOVAs not allowed on this channel (dma_unmapped_reads=0)"

static enum case_state case_state(const struct session *s,
				  const struct run_result *r, unsigned int c,
				  const char **why)
{
	*why = r->case_skip[c];
	if (r->st.case_bad[c])
		return CASE_FAIL;
	if (*why)
		return CASE_SKIP;
	if (!r->st.case_checks[c]) {
		*why = c == pattern_ncases(s->pattern) ? "no guard pages" :
		       r->st.case_unchecked[c] ? UNCHECKED_WHY : "not exercised";
		return CASE_SKIP;
	}
	return CASE_PASS;
}

static void summary_lat(FILE *f, const char *pfx, const char *name,
			const struct lat_stats *l)
{
	if (!l->n)
		return;
	fprintf(f, "%s  %-8s %8llu %10llu %10llu %10llu %10llu %10llu\n", pfx,
		name, (unsigned long long)l->n, (unsigned long long)l->min,
		(unsigned long long)lat_percentile(l, 50),
		(unsigned long long)lat_percentile(l, 90),
		(unsigned long long)lat_percentile(l, 99),
		(unsigned long long)l->max);
}

/*
 * The pattern, the target's device and the domain the test maps in. A run
 * refused before DOMAIN_CREATE has no domain to describe.
 */
static void summary_target(FILE *f, const char *pfx, const struct session *s,
			   const struct run_result *r)
{
	const struct iommu_stress_target_query *q = &s->target.q;
	const struct iommu_stress_domain_create *d = &s->dom;

	fprintf(f, "%spattern %s on %s", pfx, r->pattern, d->target);
	if (d->iommu_driver[0])
		fprintf(f, " (%s %s)", d->iommu_driver, d->iommu_name);
	fprintf(f, ", kernel %s\n", s->info.kernel_release);
	fprintf(f, "%s  %s target", pfx, target_backend_name(q->backend));
	if (q->device[0])
		fprintf(f, " %s (%s)", q->device, q->driver[0] ? q->driver : "driver unknown");
	if (q->iommu_group >= 0)
		fprintf(f, ", IOMMU group %d", q->iommu_group);
	if (d->range_last)
		fprintf(f, "; %s %s domain, IOVA range [%#llx, %#llx]%s",
			session_shared(s) ? "shared" : "private",
			target_domain_type_name(d->domain_type),
			(unsigned long long)d->range_start,
			(unsigned long long)d->range_last,
			session_shared(s) ? "" : " (the aperture)");
	/* Only a shared domain can refuse them, and only then is it news. */
	if (d->range_last && session_shared(s))
		fprintf(f, ", reads of unmapped IOVAs %s",
			session_unmapped_reads(s) ? "on (dma_unmapped_reads=1)" :
			"off (dma_unmapped_reads=0)");
	fputc('\n', f);
}

static double per_s(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0.0;
}

void report_summary(FILE *f, const char *pfx, const struct session *s,
		    const struct run_result *r)
{
	const struct run_opts *o = s->opts;
	uint64_t bad = run_corruptions(r);
	uint64_t ops = r->st.maps + r->st.unmaps + r->st.dma_checks;

	summary_target(f, pfx, s, r);
	fprintf(f, "%s  %llu iterations, %llu DMA checks in %.2f s%s%s\n", pfx,
		(unsigned long long)r->iterations,
		(unsigned long long)r->st.dma_checks, r->elapsed_ns / 1e9,
		o->skip_flush ? ", injected: skip-flush" : "",
		r->interrupted ? ", interrupted" : "");
	fprintf(f, "%s  %u mapper thread%s, %u checker thread%s; %llu maps, %llu unmaps, %.0f ops/s\n",
		pfx, o->threads, o->threads == 1 ? "" : "s", o->dma_threads,
		o->dma_threads == 1 ? "" : "s",
		(unsigned long long)r->st.maps, (unsigned long long)r->st.unmaps,
		per_s(ops, r->elapsed_ns));
	if (r->buffer_node >= 0)
		fprintf(f, "%s  buffers on node %d\n", pfx, r->buffer_node);
	for (unsigned int i = 0; i < r->nplace; i++)
		if (r->place[i].cpus[0])
			fprintf(f, "%s  thread %u (%s) pinned to %s, seen on cpu %d node %d\n",
				pfx, i, r->place[i].role, r->place[i].cpus,
				r->place[i].cpu_seen, r->place[i].node_seen);
	if (r->st.map.n || r->st.dma.n)
		fprintf(f, "%s  %-8s %8s %10s %10s %10s %10s %10s  (ns)\n", pfx,
			"latency", "N", "min", "p50", "p90", "p99", "max");
	summary_lat(f, pfx, "map", &r->st.map);
	summary_lat(f, pfx, "unmap", &r->st.unmap);
	summary_lat(f, pfx, "dma", &r->st.dma);
	summary_lat(f, pfx, "map>dma", &r->st.map_to_dma);
	if (r->st.short_unmaps || r->st.long_unmaps)
		fprintf(f, "%s  unmaps the driver did differently: %llu removed less than asked, %llu more\n",
			pfx, (unsigned long long)r->st.short_unmaps,
			(unsigned long long)r->st.long_unmaps);
	if (r->st.still_mapped_unmaps)
		fprintf(f, "%s  %llu unmaps left translations the driver reported as unmapped (pages kept pinned)\n",
			pfx, (unsigned long long)r->st.still_mapped_unmaps);
	if (r->st.dma_failed)
		fprintf(f, "%s  %llu DMAs did not complete\n", pfx,
			(unsigned long long)r->st.dma_failed);
	if (r->st.dma_faulted)
		fprintf(f, "%s  %llu reads of unmapped IOVAs failed in the device, as they must (IOMMU faults; counted as passed checks)\n",
			pfx, (unsigned long long)r->st.dma_faulted);
	if (r->st.unmapped_unchecked)
		fprintf(f, "%s  %llu checks of unmapped IOVAs skipped: the module does not allow faulting reads on this channel (dma_unmapped_reads=0); stale translations are caught only where an IOVA is mapped again and read back\n",
			pfx, (unsigned long long)r->st.unmapped_unchecked);
	for (unsigned int c = 0; c < ncases_all(s); c++) {
		const char *why;
		enum case_state st = case_state(s, r, c, &why);

		fprintf(f, "%s  check %-50s %6llu DMA checks, %llu bad%s%s\n", pfx,
			pattern_case_name(s->pattern, c),
			(unsigned long long)r->st.case_checks[c],
			(unsigned long long)r->st.case_bad[c],
			st == CASE_SKIP ? ", skipped: " : "",
			st == CASE_SKIP ? why : "");
	}
	for (unsigned int i = 0; i < r->nobs; i++)
		fprintf(f, "%s  observed: %s: %s (x%llu)\n", pfx, r->obs[i].key,
			r->obs[i].value, (unsigned long long)r->obs[i].count);
	if (r->replay_path[0])
		fprintf(f, "%s  replay: iommu-stress replay %s  (seed %llu)\n", pfx,
			r->replay_path, (unsigned long long)o->seed);
	if (r->unsupported[0]) {
		fprintf(f, "%sRESULT unsupported: %s\n", pfx, r->unsupported);
		return;
	}
	if (bad) {
		fprintf(f, "%sRESULT corrupt: %llu corruptions (stale %llu, foreign %llu, zero %llu, clobbered %llu); first after %.3f s\n",
			pfx, (unsigned long long)bad,
			(unsigned long long)r->st.counts[SIG_STALE],
			(unsigned long long)r->st.counts[SIG_FOREIGN],
			(unsigned long long)r->st.counts[SIG_ZERO],
			(unsigned long long)r->clobbered,
			r->first_ns == UINT64_MAX ? r->elapsed_ns / 1e9 :
			r->first_ns / 1e9);
		return;
	}
	if (r->error)
		fprintf(f, "%sRESULT error: stopped on an error after %llu iterations\n",
			pfx, (unsigned long long)r->iterations);
	else
		fprintf(f, "%sRESULT clean: no corruption\n", pfx);
}

int report_exit_code(const struct run_result *r)
{
	if (run_corruptions(r))
		return EXIT_CORRUPTION;
	if (r->unsupported[0])
		return EXIT_UNSUPPORTED;
	if (r->error)
		return EXIT_ERROR;
	return EXIT_CLEAN;
}

static const char *status_name(const struct run_result *r)
{
	switch (report_exit_code(r)) {
	case EXIT_CORRUPTION: return "corrupt";
	case EXIT_UNSUPPORTED: return "unsupported";
	case EXIT_ERROR: return "error";
	default: return "clean";
	}
}

void report_ktap_head(FILE *f, const struct session *s,
		      const struct run_result *r)
{
	fprintf(f, "TAP version 13\n");
	if (r->unsupported[0])
		fprintf(f, "1..0 # SKIP %s\n", r->unsupported);
	else
		fprintf(f, "1..%u\n", ncases_all(s) + 1);
}

void report_ktap_body(FILE *f, const struct session *s,
		      const struct run_result *r)
{
	unsigned int n = ncases_all(s), pass = 0, fail = 0, skip = 0;

	if (r->unsupported[0]) {
		fprintf(f, "# Totals: pass:0 fail:0 xfail:0 xpass:0 skip:0 error:0\n");
		return;
	}
	for (unsigned int c = 0; c < n; c++) {
		const char *why;
		enum case_state st = case_state(s, r, c, &why);

		fprintf(f, "%sok %u %s: %s", st == CASE_FAIL ? "not " : "", c + 1,
			r->pattern, pattern_case_name(s->pattern, c));
		if (st == CASE_SKIP)
			fprintf(f, " # SKIP %s", why);
		fputc('\n', f);
		pass += st == CASE_PASS;
		fail += st == CASE_FAIL;
		skip += st == CASE_SKIP;
	}
	/* The run itself: every op the pattern asked for was carried out. */
	fprintf(f, "%sok %u %s: ran to the end without errors\n",
		r->error ? "not " : "", n + 1, r->pattern);
	pass += !r->error;
	fail += r->error;
	fprintf(f, "# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
		pass, fail, skip);
}

static void json_lat(struct json *j, const char *key, const struct lat_stats *l)
{
	char name[32];

	json_object_begin(j, key);
	json_u64(j, "min", l->min);
	json_u64(j, "max", l->max);
	json_double(j, "mean", lat_mean(l));
	json_double(j, "stddev", lat_stddev(l));
	json_u64(j, "N", l->n);
	json_object_begin(j, "percentile");
	for (unsigned int i = 0; i < lat_npercentiles; i++) {
		snprintf(name, sizeof(name), "%f", lat_percentiles[i]);
		json_u64(j, name, lat_percentile(l, lat_percentiles[i]));
	}
	json_object_end(j);
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

static void read_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* The value of the first "@key : value" line of /proc/cpuinfo. */
static void cpuinfo(const char *key, char *out, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	size_t klen = strlen(key);

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, key, klen) ||
		    (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, n, "%s", colon);
		break;
	}
	fclose(f);
}

/*
 * How the DMA API invalidates for the target's group (its default domain:
 * "DMA" flushes on every unmap, "DMA-FQ" batches them). The module's own
 * private domain is unmanaged: its unmaps always sync unless skip-flush
 * asks. A shared domain is the group's DMA-API domain itself.
 */
static void json_invalidation(struct json *j, const struct session *s)
{
	char path[256], type[32] = "", cmdline[1024];
	const char *mode = "unknown";

	if (!session_group_file(s, "type", path, sizeof(path)))
		read_line(path, type, sizeof(type));
	if (!type[0] && session_shared(s))
		snprintf(type, sizeof(type), "%s",
			 target_domain_type_name(s->dom.domain_type));
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	if (!strcmp(type, "DMA"))
		mode = "strict";
	else if (!strcmp(type, "DMA-FQ"))
		mode = "lazy";
	else if (strstr(cmdline, "iommu.strict=1"))
		mode = "strict";
	else if (strstr(cmdline, "iommu.strict=0"))
		mode = "lazy";
	json_object_begin(j, "invalidation");
	json_string(j, "mode", mode);
	json_string(j, "default_domain", type);
	json_object_end(j);
}

/*
 * The domain the test maps in: its type, whether shared, whether checks
 * may read its unmapped IOVAs, its range.
 */
static void json_domain(struct json *j, const struct session *s)
{
	json_string(j, "domain_type", target_domain_type_name(s->dom.domain_type));
	json_bool(j, "shared", session_shared(s));
	json_bool(j, "unmapped_reads", session_unmapped_reads(s));
	json_hex(j, "range_start", s->dom.range_start);
	json_hex(j, "range_last", s->dom.range_last);
}

/* The device that does the DMA, as TARGET_QUERY (or INFO) described it. */
static void json_target(struct json *j, const struct session *s)
{
	const struct iommu_stress_target_query *q = &s->target.q;

	json_string(j, "target", s->dom.target);
	json_object_begin(j, "target_info");
	json_string(j, "backend", target_backend_name(q->backend));
	json_string(j, "device", q->device);
	json_string(j, "driver", q->driver);
	json_index(j, "iommu_group", q->iommu_group);
	json_u64(j, "max_dma_len", q->max_dma_len);
	json_object_end(j);
}

static void json_environment(struct json *j, const struct session *s)
{
	const struct iommu_stress_domain_create *d = &s->dom;
	char cmdline[1024], model[128], ucode[32];
	struct utsname u;

	uname(&u);
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	json_object_begin(j, "tool");
	json_string(j, "name", "iommu-stress");
	json_string(j, "version", TOOL_VERSION);
	json_object_end(j);
	json_object_begin(j, "module");
	json_string(j, "version", s->info.module_version);
	json_u64(j, "abi", s->info.abi_version);
	json_hex(j, "features", s->info.features);
	json_object_end(j);
	json_object_begin(j, "kernel");
	json_string(j, "release", s->info.kernel_release);
	json_string(j, "machine", u.machine);
	json_string(j, "cmdline", cmdline);
	json_object_end(j);
	cpuinfo("model name", model, sizeof(model));
	cpuinfo("microcode", ucode, sizeof(ucode));
	json_object_begin(j, "cpu");
	json_string(j, "model", model);
	json_string(j, "microcode", ucode);
	json_u64(j, "online", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	json_object_end(j);
	place_json_numa(j, "numa");
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
	json_hex(j, "window_iova", d->window_iova);
	json_hex(j, "window_len", d->window_len);
	json_array_begin(j, "reserved");
	for (unsigned int i = 0; i < s->nresv; i++) {
		json_object_begin(j, NULL);
		json_hex(j, "start", s->resv[i].start);
		json_hex(j, "last", s->resv[i].last);
		json_string(j, "type", s->resv[i].type);
		json_object_end(j);
	}
	json_array_end(j);
	json_domain(j, s);
	json_invalidation(j, s);
	json_object_end(j);
	json_target(j, s);
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
	json_string(j, "inject", o->skip_flush ? "skip-flush" : "none");
	json_u64(j, "threads", o->threads);
	json_u64(j, "dma_threads", o->dma_threads);
	json_index(j, "node", o->node);
	json_string_or_null(j, "cpus", o->cpus);
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
	for (unsigned int c = 0; c < ncases_all(s); c++) {
		const char *why;
		enum case_state st = case_state(s, r, c, &why);

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

void report_json_record(FILE *f, const struct session *s,
			const struct run_result *r)
{
	const struct run_opts *o = s->opts;
	uint64_t ops = r->st.maps + r->st.unmaps + r->st.dma_checks;
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_u64(&j, "schema_version", 2);
	json_environment(&j, s);
	json_string(&j, "pattern", r->pattern);
	json_string(&j, "bug_class", s->pattern->bug_class);
	json_string(&j, "command", o->command ? o->command : "");
	json_options(&j, s);
	json_placement(&j, r);
	json_string(&j, "status", status_name(r));
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
	json_object_begin(&j, "ops_per_s");
	json_double(&j, "map", per_s(r->st.maps, r->elapsed_ns));
	json_double(&j, "unmap", per_s(r->st.unmaps, r->elapsed_ns));
	json_double(&j, "dma", per_s(r->st.dma_checks, r->elapsed_ns));
	json_double(&j, "total", per_s(ops, r->elapsed_ns));
	json_object_end(&j);
	json_object_begin(&j, "corruptions");
	json_u64(&j, "total", run_corruptions(r));
	for (int c = SIG_STALE; c < SIG_NR_CLASSES; c++)
		json_u64(&j, sig_class_name(c), r->st.counts[c]);
	json_u64(&j, "clobbered", r->clobbered);
	json_object_end(&j);
	if (r->first_ns != UINT64_MAX)
		json_u64(&j, "first_corruption_ns", r->first_ns);
	else if (r->clobbered)
		json_u64(&j, "first_corruption_ns", r->elapsed_ns);
	else
		json_null(&j, "first_corruption_ns");
	json_cases(&j, s, r);
	json_array_begin(&j, "observations");
	for (unsigned int i = 0; i < r->nobs; i++) {
		json_object_begin(&j, NULL);
		json_string(&j, "key", r->obs[i].key);
		json_string(&j, "value", r->obs[i].value);
		json_u64(&j, "count", r->obs[i].count);
		json_object_end(&j);
	}
	json_array_end(&j);
	if (r->replay_path[0])
		json_string(&j, "replay", r->replay_path);
	else
		json_null(&j, "replay");
	json_reported(&j, r);
	json_object_begin(&j, "lat_ns");
	json_lat(&j, "map", &r->st.map);
	json_lat(&j, "unmap", &r->st.unmap);
	json_lat(&j, "dma", &r->st.dma);
	json_lat(&j, "map_to_dma", &r->st.map_to_dma);
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
