// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inject.h"
#include "run.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add_resv(struct session *s, uint64_t start, uint64_t last,
		     const char *type)
{
	struct resv_region *r;

	if (s->nresv >= RUN_MAX_RESV)
		return;
	r = &s->resv[s->nresv++];
	r->start = start;
	r->last = last;
	snprintf(r->type, sizeof(r->type), "%s", type);
}

int session_group_file(const struct session *s, const char *file, char *path,
		       size_t n)
{
	const struct iommu_stress_target_query *q = &s->target.q;

	if (q->iommu_group >= 0)
		snprintf(path, n, "/sys/kernel/iommu_groups/%d/%s", q->iommu_group,
			 file);
	else if (q->device[0])
		snprintf(path, n, "/sys/bus/pci/devices/%s/iommu_group/%s",
			 q->device, file);
	else
		return -ENOENT;
	return 0;
}

/*
 * The IOMMU group's reserved regions (MSI doorbells, RMRRs), which the
 * module refuses to map. A target without a readable sysfs entry gets the
 * x86 MSI range, reserved on every x86 IOMMU.
 */
static void read_resv(struct session *s)
{
	char path[256], line[128], type[24];
	unsigned long long a, b;
	FILE *f = NULL;

	if (!session_group_file(s, "reserved_regions", path, sizeof(path)))
		f = fopen(path, "r");
	if (!f) {
		add_resv(s, 0xfee00000ull, 0xfeefffffull, "msi");
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %llx %23s", &a, &b, type) == 3)
			add_resv(s, a, b, type);
	fclose(f);
}

int session_range_free(const struct session *s, uint64_t iova, uint64_t len)
{
	uint64_t last = iova + len - 1;
	uint64_t w0 = s->dom.window_iova, w1 = w0 + s->dom.window_len - 1;

	if (!len || last < iova || iova < s->dom.range_start ||
	    last > s->dom.range_last)
		return 0;
	if (s->dom.window_len && iova <= w1 && w0 <= last)
		return 0;
	for (unsigned int i = 0; i < s->nresv; i++)
		if (iova <= s->resv[i].last && s->resv[i].start <= last)
			return 0;
	return 1;
}

int session_shared(const struct session *s)
{
	return !!(s->dom.out_flags & IOMMU_STRESS_DOMAIN_SHARED);
}

/*
 * A read of an IOVA the session has not mapped faults in the IOMMU. The
 * module allows that in a shared domain only when loaded with
 * dma_unmapped_reads=1, since not every DMA engine driver survives a
 * fault; otherwise it refuses the read (EACCES).
 */
int session_unmapped_reads(const struct session *s)
{
	return !session_shared(s) ||
	       !!(s->dom.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS);
}

/*
 * A private domain keeps the layout from 1G up that runs have always
 * had, so that the IOVAs in reports and op logs stay comparable; a shared
 * domain has only its range.
 */
uint64_t session_floor(const struct session *s)
{
	uint64_t lo = session_shared(s) ? s->dom.range_start : SZ_1G;

	return lo > s->dom.range_start ? lo : s->dom.range_start;
}

/*
 * A module from before shared domains leaves range and type 0: a private
 * domain's range is its whole aperture, and it is unmanaged.
 */
static void settle_domain(struct iommu_stress_domain_create *d)
{
	if (d->out_flags & IOMMU_STRESS_DOMAIN_SHARED)
		return;
	if (!d->range_start && !d->range_last) {
		d->range_start = d->aperture_start;
		d->range_last = d->aperture_end;
	}
	if (d->domain_type == IOMMU_STRESS_DOMTYPE_NONE)
		d->domain_type = IOMMU_STRESS_DOMTYPE_UNMANAGED;
}

/*
 * Bytes per DMA check: the target's limit, at most the page a check reads
 * (a DMA engine: a whole page; edu: 4095). Without a limit from the
 * module, edu's 4095, one byte short of a page: its largest safe transfer.
 */
static uint32_t dma_len(const struct target *t)
{
	uint32_t len = t->q.max_dma_len ? t->q.max_dma_len : SIG_PAGE_SIZE - 1;

	return len < SIG_PAGE_SIZE ? len : SIG_PAGE_SIZE;
}

/* The target's domain is no test's to share: the run is unsupported here. */
static int refuse(struct session *s)
{
	char full[768], brief[224];

	target_advice(&s->target, 1, full, sizeof(full));
	fprintf(stderr, "iommu-stress: %s\n", full);
	target_advice(&s->target, 0, brief, sizeof(brief));
	snprintf(s->res->unsupported, sizeof(s->res->unsupported),
		 "%s: %s domain: %s", s->target.q.name,
		 target_domain_type_name(s->target.q.domain_type), brief);
	snprintf(s->dom.target, sizeof(s->dom.target), "%s", s->target.q.name);
	return -EOPNOTSUPP;
}

static int choose_target(struct session *s)
{
	const struct run_opts *o = s->opts;
	int ret;

	ret = target_pick(s->fd, &s->info, o->target, !!o->iova_range_len, &s->target);
	if (ret == -EOPNOTSUPP)
		return refuse(s);
	if (ret)
		return ret;
	if (o->iova_range_len &&
	    !(s->target.q.caps & IOMMU_STRESS_TARGET_SHARED_DOMAIN)) {
		fprintf(stderr, "iommu-stress: --iova-range is for targets that share their device's domain (dmaengine) only: %s gets a private domain, whose whole aperture is the test's\n",
			s->target.q.name);
		return -EINVAL;
	}
	s->max_dma = dma_len(&s->target);
	return 0;
}

/*
 * The run cannot test anything here: the record's reason, said on stderr
 * too, and the target named where no domain has named it yet.
 */
__attribute__((format(printf, 2, 3)))
static int unsupported(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->res->unsupported, sizeof(s->res->unsupported), fmt, ap);
	va_end(ap);
	fprintf(stderr, "iommu-stress: %s\n", s->res->unsupported);
	if (!s->dom.target[0])
		snprintf(s->dom.target, sizeof(s->dom.target), "%s", s->target.q.name);
	return -EOPNOTSUPP;
}

/* A pattern that needs dirty tracking cannot have it here. */
static int no_dirty(struct session *s, const char *why)
{
	return unsupported(s, "dirty tracking on %s: %s", s->target.q.name, why);
}

/* What the module says before a domain is made: 0, or unsupported. */
static int dirty_offered(struct session *s)
{
	if (s->target.q.backend != IOMMU_STRESS_BACKEND_EDU)
		return no_dirty(s, "the module makes dirty-tracking domains for edu targets only");
	if (!(s->info.features & IOMMU_STRESS_FEAT_DIRTY))
		return no_dirty(s, "this kernel has no dirty-tracking domains (the kernel's API since 6.7)");
	if (!(s->info.features & IOMMU_STRESS_FEAT_DIRTY_READ))
		return no_dirty(s, "this kernel cannot report dirty pages (built without CONFIG_IOMMUFD; kernels/build --iommufd, with --suite sid for sid's source, has it)");
	return 0;
}

int session_open(struct session *s, const struct run_opts *o,
		 struct run_result *r, unsigned int nthreads)
{
	uint64_t last = o->iova_range_len ? o->iova_range_start + o->iova_range_len - 1 : 0;
	int ret;

	memset(s, 0, sizeof(*s));
	s->opts = o;
	s->res = r;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = dev_open(IOMMU_STRESS_DEVICE);
	if (s->fd < 0)
		return s->fd;
	ret = dev_info(s->fd, &s->info);
	if (ret)
		goto err_close;
	if (s->info.abi_version != IOMMU_STRESS_ABI_VERSION) {
		fprintf(stderr, "iommu-stress: module ABI %u, tool ABI %u\n",
			s->info.abi_version, IOMMU_STRESS_ABI_VERSION);
		ret = -EPROTO;
		goto err_close;
	}
	ret = choose_target(s);
	if (ret)
		goto err_close;
	if (o->skip_flush && o->skip_flush_void) {
		ret = unsupported(s, "--inject skip-flush: %s", o->skip_flush_void);
		goto err_close;
	}
	if (o->dirty_tracking) {
		ret = dirty_offered(s);
		if (ret)
			goto err_close;
	}
	ret = dev_domain_create_flags(s->fd, s->target.q.name,
				      o->dirty_tracking ? IOMMU_STRESS_DOMAIN_CREATE_DIRTY : 0,
				      o->iova_range_start, last, &s->dom);
	if (ret == -EOPNOTSUPP && o->dirty_tracking)
		ret = no_dirty(s, "the IOMMU offers no dirty tracking (intel: scalable mode with second-stage A/D bits, QEMU's x-scalable-mode=on,x-ssads=on)");
	if (ret)
		goto err_close;
	settle_domain(&s->dom);
	/* Refused by every UNMAP there: say so before anything runs. */
	if (o->skip_flush && s->dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP) {
		ret = unsupported(s, "--inject skip-flush: the IOMMU driver of %s (%s) flushes the IOTLB inside its unmap (it has no iotlb_sync), so there is no flush to skip",
				  s->dom.target, s->dom.iommu_driver);
		goto err_close;
	}
	target_read_iommu_regs(&s->dom, &s->regs);
	read_resv(s);
	ret = dev_buf_alloc(s->fd, (uint64_t)nthreads * RUN_RB_PAGES * SIG_PAGE_SIZE,
			    IOMMU_STRESS_CHUNK_4K, IOMMU_STRESS_NODE_ANY,
			    &s->readback);
	if (ret)
		goto err_close;
	/* Last: nothing before the run's own MAPs may take the selection. */
	ret = inject_arm(o, r);
	if (ret)
		goto err_close;
	s->t0 = now_ns();
	return 0;

err_close:
	/* Closing the session frees whatever the module made for it. */
	dev_close(s->fd);
	s->fd = -1;
	return ret;
}

/*
 * Unmapping user views is enough: closing the fd releases the rest. The
 * session's copies own the views (the guard buffer is among them).
 */
void session_close(struct session *s)
{
	/* A run that stopped before its end leaves nothing selected. */
	inject_done();
	for (unsigned int i = 0; i < s->nbufs; i++)
		dev_buf_unmap(&s->bufs[i]);
	if (s->readback.mem)
		dev_buf_unmap(&s->readback);
	dev_close(s->fd);
	s->fd = -1;
	pthread_mutex_destroy(&s->lock);
}

uint64_t run_corruptions(const struct run_result *r)
{
	return r->st.counts[SIG_STALE] + r->st.counts[SIG_FOREIGN] +
	       r->st.counts[SIG_ZERO] + r->clobbered + r->st.dirty_missing +
	       r->st.writes_lost;
}

bool run_report_wanted(const struct run_result *r, enum sig_class class)
{
	if (r->nreported < RUN_MAX_REPORTED)
		return true;
	for (unsigned int i = 0; i < r->nreported; i++)
		if (r->reported[i].class == class)
			return false;
	return r->nreported < RUN_MAX_REPORTED + SIG_NR_CLASSES;
}

void run_merge(struct wstats *dst, const struct wstats *src)
{
	dst->dma_checks += src->dma_checks;
	dst->dma_failed += src->dma_failed;
	dst->dma_faulted += src->dma_faulted;
	dst->unmapped_unchecked += src->unmapped_unchecked;
	for (int c = 0; c < SIG_NR_CLASSES; c++)
		dst->counts[c] += src->counts[c];
	dst->maps += src->maps;
	dst->unmaps += src->unmaps;
	dst->short_unmaps += src->short_unmaps;
	dst->still_mapped_unmaps += src->still_mapped_unmaps;
	dst->long_unmaps += src->long_unmaps;
	for (int c = 0; c < RUN_MAX_CASES; c++) {
		dst->case_checks[c] += src->case_checks[c];
		dst->case_bad[c] += src->case_bad[c];
		dst->case_unchecked[c] += src->case_unchecked[c];
	}
	lat_merge(&dst->map, &src->map);
	lat_merge(&dst->unmap, &src->unmap);
	lat_merge(&dst->dma, &src->dma);
	lat_merge(&dst->map_to_dma, &src->map_to_dma);
	dst->dirty_written += src->dirty_written;
	dst->dirty_bits += src->dirty_bits;
	dst->dirty_missing += src->dirty_missing;
	dst->dirty_extra += src->dirty_extra;
	dst->writes_lost += src->writes_lost;
}
