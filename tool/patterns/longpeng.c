// SPDX-License-Identifier: GPL-2.0
/*
 * The sequence from the March 2021 VT-d report ("A problem of Intel IOMMU
 * hardware ?"), as a loop:
 *
 *   UNMAP [0, 0xa0000)  UNMAP [0xc0000, END)  MAP [0, END)   -> DMA-verify
 *   UNMAP [0, END)      MAP [0, 0xa0000)      MAP [0xc0000, END) -> verify
 *
 * [0, 0xa0000) forces a 4K page table under the first 2M; the merged map
 * replaces it with a superpage. Each MAP points the IOVAs at a different
 * 2M-aligned offset of the backing buffer (three in rotation), so a device
 * that still uses an old translation reads another page's signature.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pattern.h"

#define LP_LOW_END	0xa0000ull	/* end of the low range, as in the report */
#define LP_HIGH_START	0xc0000ull
#define LP_2M		(2ull << 20)
#define LP_NSHIFT	3		/* backing offsets in rotation */
#define LP_MIN_SIZE	(2 * LP_2M)

struct longpeng {
	struct session *s;
	struct dev_buf buf;
	uint64_t end;
	uint64_t *sample;
	unsigned int nsample;
	unsigned int gen;		/* which mapping generation is live */
};

static uint64_t shift_of(unsigned int gen)
{
	return (gen % LP_NSHIFT) * LP_2M;
}

static struct sig_id expect(const struct longpeng *lp, uint64_t iova)
{
	return (struct sig_id){
		.buf = lp->buf.id,
		.page = (iova + shift_of(lp->gen)) / SIG_PAGE_SIZE,
		.gen = 1,
	};
}

static int in_gap(uint64_t iova)
{
	return iova >= LP_LOW_END && iova < LP_HIGH_START;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The pages the published report cares about (IOVA 0, both ends of the 4K
 * ranges, the gap, the first superpage, the last page), then random ones.
 */
static int pick_samples(struct longpeng *lp, unsigned int want, uint64_t seed)
{
	const uint64_t fixed[] = {
		0, 0x1000, LP_LOW_END - 0x1000, LP_LOW_END, LP_HIGH_START,
		LP_2M - 0x1000, LP_2M, lp->end - 0x1000,
	};
	unsigned int nfixed = sizeof(fixed) / sizeof(fixed[0]);
	uint64_t x = seed ? seed : 1;

	if (want < nfixed)
		want = nfixed;
	lp->sample = calloc(want, sizeof(*lp->sample));
	if (!lp->sample)
		return -ENOMEM;
	memcpy(lp->sample, fixed, sizeof(fixed));
	for (lp->nsample = nfixed; lp->nsample < want; lp->nsample++) {
		uint64_t pages = (lp->end - LP_2M) / SIG_PAGE_SIZE;

		lp->sample[lp->nsample] = LP_2M + (xorshift(&x) % pages) * SIG_PAGE_SIZE;
	}
	return 0;
}

static int map_at(struct longpeng *lp, uint64_t iova, uint64_t len)
{
	return session_map(lp->s, &lp->buf, iova, iova + shift_of(lp->gen), len);
}

static int map_split(struct longpeng *lp)
{
	int ret = map_at(lp, 0, LP_LOW_END);

	return ret ? ret : map_at(lp, LP_HIGH_START, lp->end - LP_HIGH_START);
}

static int unmap_split(struct longpeng *lp)
{
	int ret = session_unmap(lp->s, 0, LP_LOW_END);

	return ret ? ret : session_unmap(lp->s, LP_HIGH_START,
					 lp->end - LP_HIGH_START);
}

static int verify(struct longpeng *lp, const char *phase, int gap_mapped)
{
	for (unsigned int i = 0; i < lp->nsample; i++) {
		uint64_t iova = lp->sample[i];
		struct sig_id id = expect(lp, iova);
		int ret;

		ret = session_verify(lp->s, iova,
				     in_gap(iova) && !gap_mapped ? NULL : &id,
				     phase);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int done(const struct session *s)
{
	const struct run_opts *o = s->opts;

	if (o->iterations && s->res->iterations >= o->iterations)
		return 1;
	return o->time_s > 0 && (now_ns() - s->t0) / 1e9 >= o->time_s;
}

static int longpeng_validate(const struct run_opts *o)
{
	if (o->size < LP_MIN_SIZE || o->size % LP_2M) {
		fprintf(stderr, "iommu-stress: longpeng: --size must be a multiple of 2M and at least 4M (got %#llx)\n",
			(unsigned long long)o->size);
		return -EINVAL;
	}
	return 0;
}

static int fill(struct longpeng *lp)
{
	for (uint64_t off = 0; off < lp->buf.length; off += SIG_PAGE_SIZE) {
		struct sig_id id = {
			.buf = lp->buf.id, .page = off / SIG_PAGE_SIZE, .gen = 1,
		};

		sig_fill_page(lp->buf.mem + off, &id);
	}
	return 0;
}

static int longpeng_loop(struct longpeng *lp)
{
	struct session *s = lp->s;
	int ret;

	ret = map_split(lp);
	if (!ret)
		ret = verify(lp, "initial", 0);
	while (!ret && !done(s)) {
		ret = unmap_split(lp);
		if (ret)
			break;
		lp->gen++;
		ret = map_at(lp, 0, lp->end);
		if (!ret)
			ret = verify(lp, "merged", 1);
		if (!ret)
			ret = session_unmap(s, 0, lp->end);
		if (ret)
			break;
		lp->gen++;
		ret = map_split(lp);
		if (!ret)
			ret = verify(lp, "split", 0);
		if (!ret)
			s->res->iterations++;
	}
	return ret;
}

static int longpeng_run(struct session *s)
{
	struct longpeng lp = { .s = s, .end = s->opts->size };
	int ret;

	if (!(s->dom.pgsize_bitmap & LP_2M))
		fprintf(stderr, "iommu-stress: longpeng: the IOMMU has no 2M pages; the superpage step is not exercised\n");
	ret = pick_samples(&lp, s->opts->samples, s->opts->seed);
	if (ret)
		return ret;
	/* Room for the last rotation offset past END. */
	ret = dev_buf_alloc(s->fd, lp.end + (LP_NSHIFT - 1) * LP_2M,
			    IOMMU_STRESS_CHUNK_2M, IOMMU_STRESS_NODE_ANY, &lp.buf);
	if (!ret) {
		fill(&lp);
		ret = longpeng_loop(&lp);
		/* Still mapped: closing the session unmaps, flushes, frees. */
		munmap(lp.buf.mem, lp.buf.length);
	}
	free(lp.sample);
	return ret;
}

const struct pattern pattern_longpeng = {
	.name = "longpeng",
	.summary = "the published 2021 VT-d sequence: 4K tables replaced by a 2M superpage and back",
	.bug_class = "missing IOTLB/paging-structure flush when a superpage replaces a page table",
	.default_size = 0xc0000000ull,
	.validate = longpeng_validate,
	.run = longpeng_run,
};
