// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: small, fast, and the same sequence everywhere for a seed. */
uint64_t rng_next(uint64_t *x)
{
	if (!*x)
		*x = 0x9e3779b97f4a7c15ull;
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dull;
}

uint64_t rng_below(uint64_t *x, uint64_t n)
{
	return n ? rng_next(x) % n : 0;
}

static const char *pick_target(const struct iommu_stress_info *info,
			       const char *want)
{
	unsigned int n = info->ntargets < IOMMU_STRESS_MAX_TARGETS ?
			 info->ntargets : IOMMU_STRESS_MAX_TARGETS;

	for (unsigned int i = 0; i < n; i++) {
		const struct iommu_stress_target_info *t = &info->targets[i];

		if (want ? !strcmp(t->name, want) : !t->busy)
			return t->name;
	}
	if (want)
		fprintf(stderr, "iommu-stress: no target named %s (see 'iommu-stress info')\n",
			want);
	else
		fprintf(stderr, "iommu-stress: no free DMA target (is an edu device present and bound?)\n");
	return NULL;
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

/*
 * The IOMMU group's reserved regions (MSI doorbells, RMRRs), which the
 * module refuses to map. Targets are named "backend:PCI-address"; a target
 * without a readable sysfs entry gets the x86 MSI range, reserved on every
 * x86 IOMMU.
 */
static void read_resv(struct session *s)
{
	const char *pci = strchr(s->dom.target, ':');
	char path[256], line[128], type[24];
	unsigned long long a, b;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/bus/pci/devices/%s/iommu_group/reserved_regions",
		 pci ? pci + 1 : s->dom.target);
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

	if (!len || last < iova || iova < s->dom.aperture_start ||
	    last > s->dom.aperture_end)
		return 0;
	if (s->dom.window_len && iova <= w1 && w0 <= last)
		return 0;
	for (unsigned int i = 0; i < s->nresv; i++)
		if (iova <= s->resv[i].last && s->resv[i].start <= last)
			return 0;
	return 1;
}

int session_open(struct session *s, const struct run_opts *o,
		 struct run_result *r, unsigned int nthreads)
{
	const char *target;
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
	target = pick_target(&s->info, o->target);
	if (!target) {
		ret = -ENODEV;
		goto err_close;
	}
	/* One byte short of a page: edu's largest safe transfer. */
	s->max_dma = SIG_PAGE_SIZE - 1;
	for (unsigned int i = 0; i < s->info.ntargets && i < IOMMU_STRESS_MAX_TARGETS; i++)
		if (!strcmp(s->info.targets[i].name, target) &&
		    s->info.targets[i].max_dma_len < s->max_dma)
			s->max_dma = s->info.targets[i].max_dma_len;
	ret = dev_domain_create(s->fd, target, &s->dom);
	if (ret)
		goto err_close;
	read_resv(s);
	ret = dev_buf_alloc(s->fd, (uint64_t)nthreads * SIG_PAGE_SIZE,
			    IOMMU_STRESS_CHUNK_4K, IOMMU_STRESS_NODE_ANY,
			    &s->readback);
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
	       r->st.counts[SIG_ZERO] + r->clobbered;
}

void run_merge(struct wstats *dst, const struct wstats *src)
{
	dst->dma_checks += src->dma_checks;
	dst->dma_failed += src->dma_failed;
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
	}
	lat_merge(&dst->map, &src->map);
	lat_merge(&dst->unmap, &src->unmap);
	lat_merge(&dst->dma, &src->dma);
	lat_merge(&dst->window, &src->window);
}
