// SPDX-License-Identifier: GPL-2.0
/*
 * The operations patterns are built from: map, unmap, DMA-check, with the
 * timing, counting and reporting every pattern needs done the same way.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "patterns/pattern.h"
#include "place.h"

static void fill(struct dev_buf *buf)
{
	for (uint64_t off = 0; off < buf->length; off += SIG_PAGE_SIZE) {
		struct sig_id id = {
			.buf = buf->id, .page = off / SIG_PAGE_SIZE, .gen = 1,
		};

		sig_fill_page(buf->mem + off, &id);
	}
}

static int buf_alloc(struct worker *w, uint64_t len, uint64_t chunk,
		     struct dev_buf *buf, bool report)
{
	struct session *s = w->s;
	int ret;

	ret = report ? dev_buf_alloc(s->fd, len, chunk, place_buffer_node(), buf) :
		       __dev_buf_alloc(s->fd, len, chunk, place_buffer_node(), buf);
	if (ret)
		return ret;
	fill(buf);
	pthread_mutex_lock(&s->lock);
	if (s->nbufs < RUN_MAX_BUFS)
		s->bufs[s->nbufs++] = *buf;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int wk_buf_alloc(struct worker *w, uint64_t len, uint64_t chunk,
		 struct dev_buf *buf)
{
	return buf_alloc(w, len, chunk, buf, true);
}

int wk_buf_alloc_try(struct worker *w, uint64_t len, uint64_t chunk,
		     struct dev_buf *buf)
{
	return buf_alloc(w, len, chunk, buf, false);
}

static void count_op(struct worker *w)
{
	atomic_fetch_add_explicit(&w->s->prog_ops, 1, memory_order_relaxed);
}

static int do_map(struct worker *w, const struct dev_buf *buf, uint64_t iova,
		  uint64_t offset, uint64_t len, uint32_t flags, bool report)
{
	uint64_t ns;
	int ret;

	ret = (report ? dev_map : __dev_map)(w->s->fd, w->s->dom.domain_id,
					     buf, iova, offset, len, flags,
					     &ns);
	if (ret)
		return ret;
	lat_add(&w->st.map, ns);
	w->st.maps++;
	w->map_done_ns = now_ns();
	count_op(w);
	return 0;
}

int wk_map(struct worker *w, const struct dev_buf *buf, uint64_t iova,
	   uint64_t offset, uint64_t len)
{
	return do_map(w, buf, iova, offset, len, 0, true);
}

int wk_need_overlap(struct worker *w)
{
	struct session *s = w->s;

	if (session_shared(s))
		return wk_unsupported(w, "%s needs MAP_OVERLAP, which a shared (dmaengine) domain refuses; use an edu target",
				      s->pattern->name);
	if (!(s->info.features & IOMMU_STRESS_FEAT_MAP_OVERLAP))
		return wk_unsupported(w, "MAP_OVERLAP is off: it can make the IOMMU driver WARN, so the module allows it only when loaded with driver_warns=1 (or: echo 1 > /sys/module/iommu_stress/parameters/driver_warns); never where panic_on_warn is set");
	return 0;
}

int wk_map_overlap(struct worker *w, const struct dev_buf *buf,
		   uint64_t iova, uint64_t offset, uint64_t len)
{
	return do_map(w, buf, iova, offset, len, IOMMU_STRESS_MAP_OVERLAP,
		      false);
}

static int do_unmap(struct worker *w, uint64_t iova, uint64_t len,
		    uint64_t *unmapped, bool report)
{
	uint32_t flags = w->s->opts->skip_flush ? IOMMU_STRESS_UNMAP_SKIP_SYNC : 0;
	uint64_t done, ns;
	uint32_t out;
	int ret;

	ret = (report ? dev_unmap : __dev_unmap)(w->s->fd, w->s->dom.domain_id,
						 iova, len, flags, &done, &ns,
						 &out);
	if (ret)
		return ret;
	lat_add(&w->st.unmap, ns);
	w->st.unmaps++;
	if (done < len)
		w->st.short_unmaps++;
	else if (done > len)
		w->st.long_unmaps++;
	if (out & IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED)
		w->st.still_mapped_unmaps++;
	if (unmapped)
		*unmapped = done;
	/* A DMA after an unmap measures no map-to-DMA window. */
	w->map_done_ns = 0;
	count_op(w);
	return 0;
}

int wk_unmap(struct worker *w, uint64_t iova, uint64_t len, uint64_t *unmapped)
{
	return do_unmap(w, iova, len, unmapped, true);
}

int wk_unmap_try(struct worker *w, uint64_t iova, uint64_t len,
		 uint64_t *unmapped)
{
	return do_unmap(w, iova, len, unmapped, false);
}

/*
 * What the page table says beside what the device saw: a right table with
 * wrong DMA data means a stale IOTLB or paging-structure cache.
 */
static void walk(struct worker *w, uint64_t iova, struct corruption *c)
{
	struct iommu_stress_iova_to_phys p;

	if (dev_iova_to_phys(w->s->fd, w->s->dom.domain_id, iova, &p))
		c->walk = WALK_FAILED;
	else if (!(p.out_flags & IOMMU_STRESS_I2P_MAPPED))
		c->walk = WALK_UNMAPPED;
	else if (!(p.out_flags & IOMMU_STRESS_I2P_OURS))
		c->walk = WALK_ELSEWHERE;
	else {
		c->walk = WALK_OURS;
		c->walk_buf = p.buf_id;
		c->walk_page = p.offset / SIG_PAGE_SIZE;
	}
}

/* A wrong read; @at: when the read ended (now_ns()'s clock). */
static void record(struct worker *w, uint64_t iova, const char *phase,
		   const struct sig_id *expected, const struct sig_result *sr,
		   const unsigned char *data, uint64_t at)
{
	struct session *s = w->s;
	struct run_result *r = s->res;
	struct corruption c = {
		.iteration = w->iteration, .thread = w->id, .phase = phase,
		.case_name = pattern_case_name(s->pattern, w->cur_case),
		.iova = iova, .class = sr->class, .expect_unmapped = !expected,
		.got = sr->got, .ns_since_start = at - s->t0,
	};

	if (expected)
		c.expected = *expected;
	memcpy(c.head, data, sizeof(c.head));
	pthread_mutex_lock(&s->lock);
	if (c.ns_since_start < r->first_ns)
		r->first_ns = c.ns_since_start;
	if (!run_report_wanted(r, c.class)) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pthread_mutex_unlock(&s->lock);
	/* The walk is an ioctl: not under the lock. */
	walk(w, iova, &c);
	pthread_mutex_lock(&s->lock);
	if (run_report_wanted(r, c.class))
		r->reported[r->nreported++] = c;
	pthread_mutex_unlock(&s->lock);
}

/* One DMA check done, of class @class, for the thread and the progress line. */
static void count_check(struct worker *w, enum sig_class class)
{
	w->st.dma_checks++;
	w->st.case_checks[w->cur_case]++;
	w->st.counts[class]++;
	atomic_fetch_add_explicit(&w->s->prog_checks, 1, memory_order_relaxed);
}

/*
 * A transfer that did not complete. From an IOVA that must be unmapped
 * that is the IOMMU fault it must get: a DMA engine fails the read (edu
 * reads zeros instead). A timeout is no such fault: the device may still
 * be at work, and the module has retired it.
 */
static int dma_failed(struct worker *w, uint64_t iova, int expect_unmapped,
		      uint32_t status)
{
	if (expect_unmapped && status != ETIMEDOUT) {
		w->st.dma_faulted++;
		count_check(w, SIG_OK);
		return SIG_OK;
	}
	fprintf(stderr, "iommu-stress: DMA at %#llx did not complete: %s (%s)\n",
		(unsigned long long)iova, dev_errno_hint(DEV_DMA_STATUS, (int)status),
		strerror((int)status));
	w->st.dma_failed++;
	return -(int)status;
}

/*
 * A check of an unmapped IOVA in a shared domain that does not take such
 * reads (the module would refuse it with EACCES): no DMA, only a count,
 * apart from dma_checks. What the check would catch, a translation left
 * behind by an unmap, still shows when the IOVA is mapped again to other
 * pages and read back.
 */
static int skip_unmapped(struct worker *w)
{
	w->st.unmapped_unchecked++;
	w->st.case_unchecked[w->cur_case]++;
	return WK_UNCHECKED;
}

/* The signature page @offset of @buf must read as (@buf NULL: none). */
static const struct sig_id *expected_of(const struct dev_buf *buf,
					uint64_t offset, struct sig_id *id)
{
	if (!buf)
		return NULL;
	*id = (struct sig_id){
		.buf = buf->id, .page = offset / SIG_PAGE_SIZE, .gen = 1,
	};
	return id;
}

/*
 * What a DMA read of @iova into @data brought (its @status and time @ns,
 * ended at @at): counted, classified, recorded when wrong. The class, or
 * -errno.
 */
static int judge(struct worker *w, uint64_t iova, const struct sig_id *expected,
		 const unsigned char *data, uint32_t status, uint64_t ns,
		 uint64_t at, const char *phase, struct sig_id *got)
{
	struct session *s = w->s;
	struct sig_result sr;

	count_op(w);
	if (status)
		return dma_failed(w, iova, !expected, status);
	lat_add(&w->st.dma, ns);
	sr = sig_classify(data, s->max_dma, expected);
	if (got && (sr.class == SIG_OK || sr.class == SIG_STALE))
		*got = sr.got;
	count_check(w, sr.class);
	if (sr.class != SIG_OK) {
		w->st.case_bad[w->cur_case]++;
		atomic_fetch_add_explicit(&s->prog_bad, 1, memory_order_relaxed);
		record(w, iova, phase, expected, &sr, data, at);
	}
	return sr.class;
}

/* wk_check, and in @got (may be NULL) the page read, as wk_check_got. */
static int check(struct worker *w, uint64_t iova, const struct dev_buf *buf,
		 uint64_t offset, const char *phase, struct sig_id *got)
{
	struct session *s = w->s;
	struct sig_id id;
	const struct sig_id *expected = expected_of(buf, offset, &id);
	unsigned char *data = s->readback.mem + w->rb_off;
	uint64_t ns, t;
	uint32_t status = 0;
	int ret;

	if (!buf && !session_unmapped_reads(s))
		return skip_unmapped(w);
	memset(data, 0, SIG_PAGE_SIZE);
	t = now_ns();
	if (w->map_done_ns) {
		lat_add(&w->st.map_to_dma, t - w->map_done_ns);
		w->map_done_ns = 0;
	}
	ret = dev_dma_read(s->fd, s->dom.domain_id, iova, s->max_dma,
			   &s->readback, w->rb_off, &status, &ns);
	if (ret)
		return ret;
	return judge(w, iova, expected, data, status, ns, now_ns(), phase, got);
}

int wk_check(struct worker *w, uint64_t iova, const struct dev_buf *buf,
	     uint64_t offset, const char *phase)
{
	return check(w, iova, buf, offset, phase, NULL);
}

int wk_check_got(struct worker *w, uint64_t iova, const struct dev_buf *buf,
		 uint64_t offset, const char *phase, struct sig_id *got)
{
	*got = (struct sig_id){ 0 };
	return check(w, iova, buf, offset, phase, got);
}

/* The ops of one BATCH of wk_map_check: an optional MAP, then DMA reads. */
struct map_check {
	struct iommu_stress_batch_op ops[RUN_RB_PAGES + 1];
	unsigned int spec[RUN_RB_PAGES + 1];	/* a DMA op's check */
	unsigned int n;
};

static void add_map(struct worker *w, struct map_check *b,
		    const struct dev_buf *buf, uint64_t iova, uint64_t offset,
		    uint64_t len)
{
	struct iommu_stress_batch_op *e = &b->ops[b->n++];

	memset(e, 0, sizeof(*e));
	e->op = IOMMU_STRESS_MAP;
	e->map = (struct iommu_stress_map){
		.size = sizeof(e->map), .domain_id = w->s->dom.domain_id,
		.buf_id = buf->id, .iova = iova, .offset = offset, .length = len,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
}

/* A DMA read of check @i's IOVA into readback page @page of the thread. */
static void add_read(struct worker *w, struct map_check *b,
		     const struct wk_check_spec *c, unsigned int i,
		     unsigned int page)
{
	struct session *s = w->s;
	struct iommu_stress_batch_op *e = &b->ops[b->n];

	memset(e, 0, sizeof(*e));
	memset(s->readback.mem + w->rb_off + (uint64_t)page * SIG_PAGE_SIZE, 0,
	       SIG_PAGE_SIZE);
	e->op = IOMMU_STRESS_DMA;
	e->dma = (struct iommu_stress_dma){
		.size = sizeof(e->dma), .domain_id = s->dom.domain_id,
		.dir = IOMMU_STRESS_DMA_READ, .iova = c[i].iova,
		.length = s->max_dma, .buf_id = s->readback.id,
		.buf_offset = w->rb_off + (uint64_t)page * SIG_PAGE_SIZE,
	};
	b->spec[b->n++] = i;
}

/*
 * Runs batch @b and counts what it did as wk_map and wk_check count; its
 * first DMA after a MAP gives the map>dma window as the module saw it
 * (the MAP's end to the DMA's start). A wrong read is timed at its end as
 * the module timed it (from the call; both clocks are CLOCK_MONOTONIC),
 * not when the batch came back, so the time to the first corruption is
 * the device's, as with one ioctl each. 0, or -errno (printed).
 */
static int run_map_check(struct worker *w, struct map_check *b,
			 const struct wk_check_spec *c, const char *phase)
{
	const struct iommu_stress_batch_op *map = NULL;
	uint32_t done = 0;
	unsigned int page = 0;
	struct sig_id id;
	int ret, class;

	uint64_t t0 = now_ns();

	ret = dev_batch(w->s->fd, b->ops, b->n, &done, NULL);
	for (unsigned int k = 0; k < done; k++) {
		const struct iommu_stress_batch_op *e = &b->ops[k];

		if (e->op == IOMMU_STRESS_MAP) {
			lat_add(&w->st.map, e->map.ns);
			w->st.maps++;
			count_op(w);
			map = e;
			continue;
		}
		if (map) {
			lat_add(&w->st.map_to_dma,
				e->start_ns - (map->start_ns + map->ns));
			map = NULL;
		}
		class = judge(w, e->dma.iova,
			      expected_of(c[b->spec[k]].buf, c[b->spec[k]].offset, &id),
			      w->s->readback.mem + w->rb_off +
			      (uint64_t)page++ * SIG_PAGE_SIZE,
			      e->dma.status, e->dma.ns,
			      t0 + e->start_ns + e->ns, phase, NULL);
		if (class < 0)
			return class;
	}
	w->map_done_ns = map ? now_ns() : 0;
	return ret;
}

/* Whether MAPs and their checks go in one BATCH in this run. */
static bool batch_checks(const struct session *s)
{
	return s->info.features & IOMMU_STRESS_FEAT_BATCH && !s->opts->no_batch;
}

int wk_map_check(struct worker *w, const struct dev_buf *buf, uint64_t iova,
		 uint64_t offset, uint64_t len, const struct wk_check_spec *c,
		 unsigned int n, const char *phase)
{
	struct session *s = w->s;
	struct map_check b;
	unsigned int i = 0;
	int ret;

	if (!batch_checks(s)) {
		ret = wk_map(w, buf, iova, offset, len);
		for (; !ret && i < n; i++) {
			ret = wk_check(w, c[i].iova, c[i].buf, c[i].offset, phase);
			ret = ret < 0 ? ret : 0;
		}
		return ret;
	}
	b.n = 0;
	add_map(w, &b, buf, iova, offset, len);
	do {
		/* One readback page per read: RUN_RB_PAGES reads a batch. */
		for (unsigned int page = 0; page < RUN_RB_PAGES && i < n; i++) {
			if (!c[i].buf && !session_unmapped_reads(s))
				skip_unmapped(w);
			else
				add_read(w, &b, c, i, page++);
		}
		ret = b.n ? run_map_check(w, &b, c, phase) : 0;
		b.n = 0;
	} while (!ret && i < n);
	return ret;
}

void wk_case(struct worker *w, unsigned int c)
{
	if (c < RUN_MAX_CASES)
		w->cur_case = c;
}

void wk_case_skip(struct worker *w, unsigned int c, const char *why)
{
	if (c >= RUN_MAX_CASES)
		return;
	pthread_mutex_lock(&w->s->lock);
	w->s->res->case_skip[c] = why;
	pthread_mutex_unlock(&w->s->lock);
}

static int same_probe(const struct obs_probe *a, const struct obs_probe *b)
{
	if (strcmp(a->op, b->op) || a->offset != b->offset ||
	    a->length != b->length || a->err != b->err ||
	    a->unmapped != b->unmapped || a->warnings != b->warnings ||
	    a->npoints != b->npoints)
		return 0;
	for (unsigned int i = 0; i < a->npoints; i++) {
		const struct obs_point *p = &a->points[i], *q = &b->points[i];

		if (strcmp(p->name, q->name) || p->offset != q->offset ||
		    p->mapped_before != q->mapped_before ||
		    p->walk != q->walk || p->dma != q->dma)
			return 0;
	}
	return 1;
}

/* Counts @key with @value (and @probe, may be NULL) once more. */
static void observe(struct worker *w, const char *key,
		    const struct obs_probe *probe, const char *fmt, va_list ap)
{
	struct run_result *r = w->s->res;
	char value[sizeof(r->obs[0].value)];

	vsnprintf(value, sizeof(value), fmt, ap);
	pthread_mutex_lock(&w->s->lock);
	for (unsigned int i = 0; i < r->nobs; i++) {
		struct observation *o = &r->obs[i];

		if (!strcmp(o->key, key) && !strcmp(o->value, value) &&
		    o->has_probe == !!probe &&
		    (!probe || same_probe(&o->probe, probe))) {
			o->count++;
			goto out;
		}
	}
	if (r->nobs < RUN_MAX_OBS) {
		struct observation *o = &r->obs[r->nobs++];

		snprintf(o->key, sizeof(o->key), "%s", key);
		snprintf(o->value, sizeof(o->value), "%s", value);
		o->count = 1;
		o->has_probe = !!probe;
		if (probe)
			o->probe = *probe;
	} else {
		r->obs_dropped++;
	}
out:
	pthread_mutex_unlock(&w->s->lock);
}

void wk_observe(struct worker *w, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	observe(w, key, NULL, fmt, ap);
	va_end(ap);
}

void wk_observe_probe(struct worker *w, const char *key,
		      const struct obs_probe *probe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	observe(w, key, probe, fmt, ap);
	va_end(ap);
}

int wk_unsupported(struct worker *w, const char *fmt, ...)
{
	struct run_result *r = w->s->res;
	va_list ap;

	pthread_mutex_lock(&w->s->lock);
	if (!r->unsupported[0]) {
		va_start(ap, fmt);
		vsnprintf(r->unsupported, sizeof(r->unsupported), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&w->s->lock);
	return -EOPNOTSUPP;
}

int wk_guard(struct worker *w, uint64_t iova, uint64_t *offset)
{
	struct session *s = w->s;
	uint64_t off;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	if (!s->guard_buf.mem) {
		/* One page per guard, 4K chunks: guards never form superpages. */
		ret = dev_buf_alloc(s->fd, sizeof(s->guards) / sizeof(s->guards[0]) *
				    SIG_PAGE_SIZE, IOMMU_STRESS_CHUNK_4K,
				    place_buffer_node(), &s->guard_buf);
		if (!ret) {
			fill(&s->guard_buf);
			if (s->nbufs < RUN_MAX_BUFS)
				s->bufs[s->nbufs++] = s->guard_buf;
		}
	}
	if (ret || s->nguards >= sizeof(s->guards) / sizeof(s->guards[0])) {
		pthread_mutex_unlock(&s->lock);
		return ret ? ret : -ENOSPC;
	}
	i = s->nguards++;
	off = (uint64_t)i * SIG_PAGE_SIZE;
	pthread_mutex_unlock(&s->lock);

	ret = wk_map(w, &s->guard_buf, iova, off, SIG_PAGE_SIZE);
	if (ret)
		return ret;
	/* Published only once mapped; checkers start after setup anyway. */
	pthread_mutex_lock(&s->lock);
	s->guards[i] = (struct guard){ .iova = iova, .offset = off };
	pthread_mutex_unlock(&s->lock);
	if (offset)
		*offset = off;
	return 0;
}

/*
 * Sub-ranges are laid out from the session's floor up (1G in a private
 * domain), @align-aligned, each followed by a 2M gap that holds the
 * guards of its neighbours: the sub-ranges share the upper-level tables
 * but never a leaf table. Every thread computes the same layout, so no
 * two claim the same range.
 */
int wk_region(struct worker *w, uint64_t span, uint64_t align)
{
	struct session *s = w->s;
	uint64_t stride, base, lo = session_floor(s);
	unsigned int found = 0;
	int ret;

	if (align < SZ_2M)
		align = SZ_2M;
	span = align_up(span, SZ_2M);
	stride = align_up(span + SZ_2M, align);
	/* The first sub-range's lower guard needs 2M of the range below it. */
	if (lo < s->dom.range_start + SZ_2M)
		lo = s->dom.range_start + SZ_2M;
	for (base = align_up(lo, align);; base += stride) {
		if (base < lo || base + span + SZ_2M < base ||
		    base + span + SZ_2M - 1 > s->dom.range_last)
			return wk_unsupported(w, "no room in the IOVA range [%#llx, %#llx] for %u sub-ranges of %#llx bytes",
					      (unsigned long long)s->dom.range_start,
					      (unsigned long long)s->dom.range_last,
					      w->nthreads, (unsigned long long)span);
		if (!session_range_free(s, base - SZ_2M, span + 2 * SZ_2M))
			continue;
		if (found++ == w->id)
			break;
	}
	w->base = base;
	w->span = span;
	ret = wk_guard(w, base - SZ_4K, NULL);
	return ret ? ret : wk_guard(w, base + span, NULL);
}

int wk_check_guard(struct worker *w, uint64_t iova, uint64_t offset,
		   const char *phase)
{
	return wk_check(w, iova, &w->s->guard_buf, offset, phase);
}

unsigned int wk_sample(struct worker *w, uint64_t len, unsigned int n,
		       uint64_t *out)
{
	uint64_t pages = len / SIG_PAGE_SIZE;
	unsigned int k = 0;

	if (!pages || !n)
		return 0;
	out[k++] = 0;
	if (pages > 1 && n > 1)
		out[k++] = (pages - 1) * SIG_PAGE_SIZE;
	while (k < n && k < pages)
		out[k++] = rng_below(&w->rng, pages) * SIG_PAGE_SIZE;
	return k;
}

int wk_walk(struct worker *w, uint64_t iova)
{
	struct iommu_stress_iova_to_phys p;
	int ret = dev_iova_to_phys(w->s->fd, w->s->dom.domain_id, iova, &p);

	return ret ? ret : !!(p.out_flags & IOMMU_STRESS_I2P_MAPPED);
}

int wk_walk_page(struct worker *w, uint64_t iova, struct sig_id *page)
{
	struct iommu_stress_iova_to_phys p;
	int ret = dev_iova_to_phys(w->s->fd, w->s->dom.domain_id, iova, &p);

	if (ret)
		return ret;
	if (!(p.out_flags & IOMMU_STRESS_I2P_MAPPED))
		return WK_WALK_NONE;
	if (!(p.out_flags & IOMMU_STRESS_I2P_OURS))
		return WK_WALK_ELSEWHERE;
	/* Every page of a run's buffers carries generation 1. */
	*page = (struct sig_id){
		.buf = p.buf_id, .page = p.offset / SIG_PAGE_SIZE, .gen = 1,
	};
	return WK_WALK_OURS;
}
