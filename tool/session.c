// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "run.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
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

int session_open(struct session *s, const struct run_opts *o,
		 struct run_result *r)
{
	const char *target;
	int ret;

	memset(s, 0, sizeof(*s));
	s->opts = o;
	s->res = r;
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
	ret = dev_domain_create(s->fd, target, &s->dom);
	if (ret)
		goto err_close;
	ret = dev_buf_alloc(s->fd, SIG_PAGE_SIZE, IOMMU_STRESS_CHUNK_4K,
			    IOMMU_STRESS_NODE_ANY, &s->readback);
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

void session_close(struct session *s)
{
	if (s->readback.mem)
		dev_buf_free(s->fd, &s->readback);
	dev_close(s->fd);
	s->fd = -1;
}

int session_map(struct session *s, const struct dev_buf *buf, uint64_t iova,
		uint64_t offset, uint64_t len)
{
	uint64_t ns;
	int ret = dev_map(s->fd, s->dom.domain_id, buf, iova, offset, len, &ns);

	if (!ret)
		lat_add(&s->res->map, ns);
	return ret;
}

int session_unmap(struct session *s, uint64_t iova, uint64_t len)
{
	uint32_t flags = s->opts->skip_flush ? IOMMU_STRESS_UNMAP_SKIP_SYNC : 0;
	uint64_t unmapped, ns;
	int ret;

	ret = dev_unmap(s->fd, s->dom.domain_id, iova, len, flags, &unmapped, &ns);
	if (ret)
		return ret;
	lat_add(&s->res->unmap, ns);
	if (unmapped != len)
		s->res->short_unmaps++;
	return 0;
}

/*
 * What the page table says beside what the device saw: a right table with
 * wrong DMA data means a stale IOTLB or paging-structure cache.
 */
static void walk(struct session *s, uint64_t iova, struct corruption *c)
{
	struct iommu_stress_iova_to_phys w;

	if (dev_iova_to_phys(s->fd, s->dom.domain_id, iova, &w))
		c->walk = WALK_FAILED;
	else if (!(w.out_flags & IOMMU_STRESS_I2P_MAPPED))
		c->walk = WALK_UNMAPPED;
	else if (!(w.out_flags & IOMMU_STRESS_I2P_OURS))
		c->walk = WALK_ELSEWHERE;
	else {
		c->walk = WALK_OURS;
		c->walk_buf = w.buf_id;
		c->walk_page = w.offset / SIG_PAGE_SIZE;
	}
}

static void record(struct session *s, uint64_t iova, const char *phase,
		   const struct sig_id *expected, const struct sig_result *sr)
{
	struct run_result *r = s->res;
	struct corruption *c;

	if (r->nreported >= RUN_MAX_REPORTED)
		return;
	c = &r->reported[r->nreported++];
	c->iteration = r->iterations;
	c->phase = phase;
	c->iova = iova;
	c->class = sr->class;
	c->expect_unmapped = !expected;
	if (expected)
		c->expected = *expected;
	c->got = sr->got;
	memcpy(c->head, s->readback.mem, sizeof(c->head));
	c->ns_since_start = now_ns() - s->t0;
	walk(s, iova, c);
}

int session_verify(struct session *s, uint64_t iova,
		   const struct sig_id *expected, const char *phase)
{
	uint32_t len = SIG_PAGE_SIZE - 1, status = 0;
	struct sig_result sr;
	uint64_t ns;
	int ret;

	/* One byte short of a page: edu's largest safe transfer. */
	for (unsigned int i = 0; i < s->info.ntargets && i < IOMMU_STRESS_MAX_TARGETS; i++)
		if (!strcmp(s->info.targets[i].name, s->dom.target) &&
		    s->info.targets[i].max_dma_len < len)
			len = s->info.targets[i].max_dma_len;

	memset(s->readback.mem, 0, SIG_PAGE_SIZE);
	ret = dev_dma_read(s->fd, s->dom.domain_id, iova, len, &s->readback, 0,
			   &status, &ns);
	if (ret)
		return ret;
	if (status) {
		fprintf(stderr, "iommu-stress: DMA at %#llx did not complete: %s\n",
			(unsigned long long)iova, strerror((int)status));
		s->res->dma_failed++;
		return -(int)status;
	}
	lat_add(&s->res->dma, ns);
	s->res->dma_checks++;
	sr = sig_classify(s->readback.mem, len, expected);
	s->res->counts[sr.class]++;
	if (sr.class != SIG_OK)
		record(s, iova, phase, expected, &sr);
	return sr.class;
}

uint64_t run_corruptions(const struct run_result *r)
{
	return r->counts[SIG_STALE] + r->counts[SIG_FOREIGN] + r->counts[SIG_ZERO];
}
