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
 *
 * Under --inject skip-flush on QEMU 7.2 only the split phase reads stale
 * data. The unmap of [0xc0000, END) covers 4K and then 2M pages: the core's
 * gather syncs the 4K part itself when the page size changes (whatever the
 * caller skips), and the merged map's superpage over the empty 4K table is
 * flushed by the driver; both are page-selective invalidations of 2M, and
 * QEMU 7.2 keeps the address mask of such an invalidation in 8 bits, so any
 * of 1M or more drops the whole domain's IOTLB. The split phase follows
 * one unmap of [0, END) in 2M pages only: nothing flushes it.
 *
 * Every range the loop unmaps is mapped again before the device reads
 * it, so a missing flush shows only where the next MAP does not flush
 * what the unmap left cached. Under amd-iommu (NpCache: Linux flushes
 * after every map, and QEMU drops the domain's whole IOTLB on any page
 * invalidation) and virtio-iommu (the queued UNMAP requests go out with
 * the next map's sync) it does, and the control is never seen.
 * --check-unmapped adds what the report does not have: a read of every
 * sample between the unmaps and the next MAP, where it must fault.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define LP_LOW_END	0xa0000ull	/* end of the low range, as in the report */
#define LP_HIGH_START	0xc0000ull
#define LP_2M		(2ull << 20)
#define LP_NSHIFT	3		/* backing offsets in rotation */
#define LP_MIN_SIZE	(2 * LP_2M)

enum { LP_SPLIT, LP_MERGED, LP_UNMAPPED };

static const char *const longpeng_cases[] = {
	[LP_SPLIT] = "split: 4K pages around the gap, superpages above",
	[LP_MERGED] = "merged: one map over the whole range",
	[LP_UNMAPPED] = "unmapped until the next map: reads fault (--check-unmapped)",
	NULL,
};

static const struct pattern_opt longpeng_opts[] = {
	{ .name = "check-unmapped",
	  .help = "read every sample between the unmaps and the next map too" },
	{ NULL },
};

struct longpeng {
	struct worker *w;
	struct dev_buf buf;
	uint64_t base;			/* the sub-range's IOVA 0 */
	uint64_t end;
	uint64_t *sample;
	unsigned int nsample;
	unsigned int gen;		/* which mapping generation is live */
	int check_unmapped;
};

static uint64_t shift_of(unsigned int gen)
{
	return (gen % LP_NSHIFT) * LP_2M;
}

/* The range, and room for the last rotation offset past its end. */
static uint64_t longpeng_buffer_bytes(uint64_t size)
{
	return size + (LP_NSHIFT - 1) * LP_2M;
}

static int in_gap(uint64_t iova)
{
	return iova >= LP_LOW_END && iova < LP_HIGH_START;
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
	struct rng r;

	if (want < nfixed)
		want = nfixed;
	rng_init(&r, seed, RNG_SAMPLES, 0);
	lp->sample = calloc(want, sizeof(*lp->sample));
	if (!lp->sample)
		return -ENOMEM;
	memcpy(lp->sample, fixed, sizeof(fixed));
	for (lp->nsample = nfixed; lp->nsample < want; lp->nsample++) {
		uint64_t pages = (lp->end - LP_2M) / SIG_PAGE_SIZE;

		lp->sample[lp->nsample] = LP_2M + rng_below(&r, pages) * SIG_PAGE_SIZE;
	}
	return 0;
}

static int map_at(struct longpeng *lp, uint64_t iova, uint64_t len)
{
	return wk_map(lp->w, &lp->buf, lp->base + iova,
		      iova + shift_of(lp->gen), len);
}

static int map_split(struct longpeng *lp)
{
	int ret = map_at(lp, 0, LP_LOW_END);

	return ret ? ret : map_at(lp, LP_HIGH_START, lp->end - LP_HIGH_START);
}

static int unmap_split(struct longpeng *lp)
{
	int ret = wk_unmap(lp->w, lp->base, LP_LOW_END, NULL);

	return ret ? ret : wk_unmap(lp->w, lp->base + LP_HIGH_START,
				    lp->end - LP_HIGH_START, NULL);
}

static int verify(struct longpeng *lp, const char *phase, int gap_mapped)
{
	wk_case(lp->w, gap_mapped ? LP_MERGED : LP_SPLIT);
	for (unsigned int i = 0; i < lp->nsample; i++) {
		uint64_t iova = lp->sample[i];
		int ret, unmapped = in_gap(iova) && !gap_mapped;

		ret = wk_check(lp->w, lp->base + iova, unmapped ? NULL : &lp->buf,
			       iova + shift_of(lp->gen), phase);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* With --check-unmapped: nothing of the range translates now. */
static int verify_unmapped(struct longpeng *lp, const char *phase)
{
	if (!lp->check_unmapped)
		return 0;
	wk_case(lp->w, LP_UNMAPPED);
	for (unsigned int i = 0; i < lp->nsample; i++) {
		int ret = wk_check(lp->w, lp->base + lp->sample[i], NULL, 0, phase);

		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * MAP of [iova, iova + len) in the live generation, then verify: in one
 * BATCH where the module has it, so the device reads right after the
 * MAP's driver call, as soon as a stale translation could show.
 */
static int map_verify(struct longpeng *lp, uint64_t iova, uint64_t len,
		      const char *phase, int gap_mapped)
{
	struct wk_check_spec *c = calloc(lp->nsample, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	for (unsigned int i = 0; i < lp->nsample; i++) {
		uint64_t at = lp->sample[i];

		c[i] = (struct wk_check_spec){
			.iova = lp->base + at,
			.buf = in_gap(at) && !gap_mapped ? NULL : &lp->buf,
			.offset = at + shift_of(lp->gen),
		};
	}
	wk_case(lp->w, gap_mapped ? LP_MERGED : LP_SPLIT);
	ret = wk_map_check(lp->w, &lp->buf, lp->base + iova,
			   iova + shift_of(lp->gen), len, c, lp->nsample, phase);
	free(c);
	return ret;
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

/*
 * Thread 0 runs at the start of the test's IOVA range (IOVA 0 in a private
 * domain, as in the report); others at the next 1G-aligned free stretch,
 * so all share the top-level table.
 */
static int longpeng_setup(struct worker *w)
{
	const struct run_opts *o = wk_opts(w);
	struct longpeng *lp;
	uint64_t stride, base = align_up(wk_range_start(w), LP_2M);
	int ret;

	lp = calloc(1, sizeof(*lp));
	if (!lp)
		return -ENOMEM;
	w->priv = lp;
	lp->w = w;
	lp->end = o->size;
	lp->check_unmapped = (int)pattern_opt(w, "check-unmapped");
	if (!lp->check_unmapped)
		wk_case_skip(w, LP_UNMAPPED, "needs --check-unmapped");
	stride = (lp->end + LP_2M + SZ_1G - 1) & ~(SZ_1G - 1);
	for (unsigned int found = 0;; base += stride) {
		if (base < wk_range_start(w) || base + lp->end - 1 < base ||
		    base + lp->end - 1 > wk_range_last(w))
			return wk_unsupported(w, "longpeng: no room in the IOVA range [%#llx, %#llx] for %u ranges of %#llx bytes",
					      (unsigned long long)wk_range_start(w),
					      (unsigned long long)wk_range_last(w),
					      w->nthreads, (unsigned long long)lp->end);
		if (wk_range_free(w, base, lp->end) && found++ == w->id)
			break;
	}
	lp->base = base;
	w->base = base;
	w->span = lp->end;
	if (!(wk_pgsizes(w) & LP_2M) && !w->id)
		fprintf(stderr, "iommu-stress: longpeng: the IOMMU has no 2M pages; the superpage step is not exercised\n");
	ret = pick_samples(lp, o->samples, o->seed);
	if (ret)
		return ret;
	ret = wk_buf_alloc(w, longpeng_buffer_bytes(lp->end),
			   IOMMU_STRESS_CHUNK_2M, &lp->buf);
	if (ret)
		return ret;
	ret = map_split(lp);
	return ret ? ret : verify(lp, "initial", 0);
}

static int longpeng_phase(struct worker *w, unsigned int phase)
{
	struct longpeng *lp = w->priv;
	int ret;

	(void)phase;
	ret = unmap_split(lp);
	if (!ret)
		ret = verify_unmapped(lp, "split unmapped");
	if (ret)
		return ret;
	lp->gen++;
	ret = map_verify(lp, 0, lp->end, "merged", 1);
	if (!ret)
		ret = wk_unmap(w, lp->base, lp->end, NULL);
	if (!ret)
		ret = verify_unmapped(lp, "merged unmapped");
	if (ret)
		return ret;
	lp->gen++;
	ret = map_at(lp, 0, LP_LOW_END);
	return ret ? ret : map_verify(lp, LP_HIGH_START, lp->end - LP_HIGH_START,
				      "split", 0);
}

/* Still mapped: closing the session unmaps, flushes, frees. */
static void longpeng_teardown(struct worker *w)
{
	struct longpeng *lp = w->priv;

	if (lp)
		free(lp->sample);
	free(lp);
	w->priv = NULL;
}

static const struct pattern pattern_longpeng = {
	.name = "longpeng",
	.summary = "the published 2021 VT-d sequence: 4K tables replaced by a 2M superpage and back",
	.bug_class = "missing IOTLB/paging-structure flush when a superpage replaces a page table",
	.default_size = 0xc0000000ull,
	.default_iterations = 100,
	.opts = longpeng_opts,
	.cases = longpeng_cases,
	.nphases = 1,
	.validate = longpeng_validate,
	.setup = longpeng_setup,
	.phase = longpeng_phase,
	.teardown = longpeng_teardown,
	/* The published 3 GiB is more than a small machine or VM can back. */
	.buffer_bytes = longpeng_buffer_bytes,
	.min_size = LP_MIN_SIZE,
	.size_align = LP_2M,
};
PATTERN_REGISTER(pattern_longpeng);
