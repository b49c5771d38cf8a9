// SPDX-License-Identifier: GPL-2.0
/* The summary for people, and one line per corruption. */
#include <inttypes.h>
#include <string.h>

#include "inject.h"
#include "outcome.h"
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

/*
 * How long the run took: on a guest's virtual clock its seconds are the
 * guest's (report/clock.h), with the real ones beside them.
 */
static void summary_time(char *out, size_t n, const struct run_result *r)
{
	char real[48] = "real time unknown: no RTC";

	if (!r->clock_virtual) {
		snprintf(out, n, "%.2f s", r->elapsed_ns / 1e9);
		return;
	}
	if (r->real_elapsed_s >= 0)
		snprintf(real, sizeof(real), "about %.0f s real", r->real_elapsed_s);
	snprintf(out, n, "%.2f s of guest time (%s)", r->elapsed_ns / 1e9, real);
}

/* The kernel's own lines during the run, sorted (report/kernel_log.h). */
static void summary_klog(FILE *f, const char *pfx, const struct klog_summary *k)
{
	char more[96] = "";

	if (k->suppressed)
		snprintf(more, sizeof(more), " (%llu more left out by the kernel's rate limit)",
			 (unsigned long long)k->suppressed);
	if (k->faults || k->suppressed)
		fprintf(f, "%s  kernel log: %llu IOMMU fault report%s (%s)%s, expected: the checks read IOVAs where nothing is mapped; the lines are in dmesg\n",
			pfx, (unsigned long long)k->faults, k->faults == 1 ? "" : "s",
			k->fault_source[0] ? k->fault_source : "rate-limited", more);
	if (k->other)
		fprintf(f, "%s  kernel log: %llu unexpected error or warning line%s during the run:\n",
			pfx, (unsigned long long)k->other, k->other == 1 ? "" : "s");
	for (unsigned int i = 0; i < k->nkept; i++)
		fprintf(f, "%s    %s\n", pfx, k->kept[i]);
	if (k->other > k->nkept)
		fprintf(f, "%s    ... (%llu more in dmesg)\n", pfx,
			(unsigned long long)(k->other - k->nkept));
	if (k->lost)
		fprintf(f, "%s  kernel log: records were overwritten before the tool read them; the counts above are short\n",
			pfx);
}

/* A default size scaled down to what the module can back (core/fit.h). */
static void summary_size(FILE *f, const char *pfx, const struct session *s,
			 const struct run_result *r)
{
	char avail[64] = "the module refused larger buffers (ENOMEM)";

	if (!r->size_scaled_from)
		return;
	if (r->size_available)
		snprintf(avail, sizeof(avail), "the module offers %llu MiB",
			 (unsigned long long)(r->size_available >> 20));
	fprintf(f, "%s  size: the default %llu MiB does not fit (%s); scaled down to %llu MiB (--size sets it)\n",
		pfx, (unsigned long long)(r->size_scaled_from >> 20), avail,
		(unsigned long long)(s->opts->size >> 20));
}

void report_summary(FILE *f, const char *pfx, const struct session *s,
		    const struct run_result *r)
{
	const char *guest = r->clock_virtual ? " of guest time" : "";
	char took[96];
	const struct run_opts *o = s->opts;
	uint64_t bad = run_corruptions(r);
	uint64_t ops = r->st.maps + r->st.unmaps + r->st.dma_checks;
	const char *inject = inject_name(o);
	int injected = strcmp(inject, "none");

	summary_target(f, pfx, s, r);
	summary_size(f, pfx, s, r);
	summary_time(took, sizeof(took), r);
	fprintf(f, "%s  %llu iterations, %llu DMA checks in %s%s%s%s\n", pfx,
		(unsigned long long)r->iterations,
		(unsigned long long)r->st.dma_checks, took,
		injected ? ", injected: " : "", injected ? inject : "",
		r->interrupted ? ", interrupted" : "");
	fprintf(f, "%s  %u mapper thread%s, %u checker thread%s; %llu maps, %llu unmaps, %.0f ops/s%s\n",
		pfx, o->threads, o->threads == 1 ? "" : "s", o->dma_threads,
		o->dma_threads == 1 ? "" : "s",
		(unsigned long long)r->st.maps, (unsigned long long)r->st.unmaps,
		report_per_s(ops, r->elapsed_ns), guest);
	if (r->buffer_node >= 0)
		fprintf(f, "%s  buffers on node %d\n", pfx, r->buffer_node);
	for (unsigned int i = 0; i < r->nplace; i++)
		if (r->place[i].cpus[0])
			fprintf(f, "%s  thread %u (%s) pinned to %s, seen on cpu %d node %d\n",
				pfx, i, r->place[i].role, r->place[i].cpus,
				r->place[i].cpu_seen, r->place[i].node_seen);
	if (r->st.map.n || r->st.dma.n)
		fprintf(f, "%s  %-8s %8s %10s %10s %10s %10s %10s  (ns%s)\n", pfx,
			"latency", "N", "min", "p50", "p90", "p99", "max",
			r->clock_virtual ? ", guest time" : "");
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
	if (o->dirty_tracking)
		fprintf(f, "%s  dirty tracking: %llu pages written, %llu bits read: %llu written pages read clean, %llu bits of no write (noise); %llu writes not found in their page\n",
			pfx, (unsigned long long)r->st.dirty_written,
			(unsigned long long)r->st.dirty_bits,
			(unsigned long long)r->st.dirty_missing,
			(unsigned long long)r->st.dirty_extra,
			(unsigned long long)r->st.writes_lost);
	summary_klog(f, pfx, &r->klog);
	for (unsigned int c = 0; c < report_ncases(s); c++) {
		const char *why;
		enum case_state st = report_case_state(s, r, c, &why);

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
	if (r->obs_dropped)
		fprintf(f, "%s  observed: %llu more, not kept (at most %d distinct)\n",
			pfx, (unsigned long long)r->obs_dropped, RUN_MAX_OBS);
	if (r->replay_path[0])
		fprintf(f, "%s  replay: iommu-stress replay %s  (seed %llu)\n", pfx,
			r->replay_path, (unsigned long long)o->seed);
	if (r->unsupported[0]) {
		fprintf(f, "%sRESULT unsupported: %s\n", pfx, r->unsupported);
		return;
	}
	if (bad) {
		char dirty[96] = "";

		if (o->dirty_tracking)
			snprintf(dirty, sizeof(dirty), ", dirty bits missing %llu, writes lost %llu",
				 (unsigned long long)r->st.dirty_missing,
				 (unsigned long long)r->st.writes_lost);
		fprintf(f, "%sRESULT corrupt: %llu corruptions (stale %llu, foreign %llu, zero %llu, clobbered %llu%s); first after %.3f s%s\n",
			pfx, (unsigned long long)bad,
			(unsigned long long)r->st.counts[SIG_STALE],
			(unsigned long long)r->st.counts[SIG_FOREIGN],
			(unsigned long long)r->st.counts[SIG_ZERO],
			(unsigned long long)r->clobbered, dirty,
			r->first_ns == UINT64_MAX ? r->elapsed_ns / 1e9 :
			r->first_ns / 1e9, guest);
		return;
	}
	if (r->error)
		fprintf(f, "%sRESULT error: stopped on an error after %llu iterations\n",
			pfx, (unsigned long long)r->iterations);
	else
		fprintf(f, "%sRESULT clean: no corruption\n", pfx);
}
