// SPDX-License-Identifier: GPL-2.0
/*
 * overmap: a superpage mapped straight over live, recently used 4K
 * mappings (MAP with IOMMU_STRESS_MAP_OVERLAP, so the driver decides), and
 * with --reverse a 4K page over a live superpage. Drivers that accept must
 * drop the old translations and flush what the IOMMU cached of them: the
 * device may see only the new mapping. Newer drivers refuse; then the old
 * mappings must be intact. Which one happened is recorded.
 *
 * On Intel VT-d the forward direction is where the 2021 fix lives: the
 * driver frees the 4K table under the new superpage and flushes. Without
 * that flush the device keeps reading the old 4K pages: under QEMU, which
 * caches leaf entries only, this is the visible form of the 2021 bug.
 *
 * After each round the block is unmapped and a page read before must
 * fault: that is where --inject skip-flush shows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

#define OM_ROT		4	/* 2M backings in rotation per direction */
#define OM_MAX_SAMPLES	32
/*
 * The 4K page mapped over a superpage: its slot in a superpage data page
 * taken for a table is a signature word that is never zero, so a driver
 * that walks into the data page finds it "already set".
 */
#define OM_REVERSE_PAGE	8

enum { OM_LIVE, OM_FORWARD, OM_REVERSE, OM_UNMAPPED };

static const char *const overmap_cases[] = {
	[OM_LIVE] = "live mappings read back before the overlap",
	[OM_FORWARD] = "2M over live 4K: device sees only the new mapping",
	[OM_REVERSE] = "4K over a live 2M (--reverse)",
	[OM_UNMAPPED] = "unmapped pages fault",
	NULL,
};

static const struct pattern_opt overmap_opts[] = {
	{ .name = "reverse",
	  .help = "also map 4K over a live 2M superpage (see WARNING)" },
	{ .name = "no-forward", .help = "skip the 2M-over-4K direction" },
	{ NULL },
};

struct overmap {
	struct dev_buf buf;
	int forward, reverse;
	uint64_t fwd, rev;		/* the two blocks' IOVAs */
	int accepted;			/* this round's overlap map went through */
	unsigned int seen;		/* bit per sig_class of this case's bad reads */
	unsigned int nsample;
	uint64_t sample[OM_MAX_SAMPLES];	/* offsets in a 2M block */
};

static uint64_t old_off(uint64_t gen, unsigned int dir)
{
	return ((2 * gen + dir * OM_ROT) % (2 * OM_ROT)) * SZ_2M;
}

static uint64_t new_off(uint64_t gen, unsigned int dir)
{
	return ((2 * gen + 1 + dir * OM_ROT) % (2 * OM_ROT)) * SZ_2M;
}

static int overmap_setup(struct worker *w)
{
	struct overmap *om;
	unsigned int n;
	int ret;

	ret = wk_need_overlap(w);
	if (ret)
		return ret;
	if (!(wk_pgsizes(w) & SZ_2M))
		return wk_unsupported(w, "the IOMMU has no 2M pages");
	om = calloc(1, sizeof(*om));
	if (!om)
		return -ENOMEM;
	w->priv = om;
	om->forward = !pattern_opt(w, "no-forward");
	om->reverse = (int)pattern_opt(w, "reverse");
	if (!om->forward)
		wk_case_skip(w, OM_FORWARD, "--no-forward");
	if (!om->reverse)
		wk_case_skip(w, OM_REVERSE, "needs --reverse");
	ret = wk_buf_alloc(w, 2 * OM_ROT * SZ_2M, IOMMU_STRESS_CHUNK_2M, &om->buf);
	if (!ret)
		ret = wk_region(w, 3 * SZ_2M, SZ_2M);
	if (ret)
		return ret;
	om->fwd = w->base;
	om->rev = w->base + 2 * SZ_2M;
	/* The 4K half's edges and the reverse page are always among them. */
	n = wk_sample(w, SZ_2M, wk_opts(w)->samples < OM_MAX_SAMPLES - 4 ?
		      wk_opts(w)->samples : OM_MAX_SAMPLES - 4, om->sample);
	om->sample[n++] = SZ_2M / 2 - SZ_4K;
	om->sample[n++] = SZ_2M / 2;
	om->sample[n++] = OM_REVERSE_PAGE * SZ_4K;
	om->nsample = n;
	return 0;
}

/* Checks the samples of block @iova: @lo..@hi read @off_in, others @off_out. */
static int check(struct worker *w, uint64_t iova, const char *phase,
		 uint64_t lo, uint64_t hi, const struct dev_buf *in, uint64_t off_in,
		 const struct dev_buf *out, uint64_t off_out)
{
	struct overmap *om = w->priv;

	for (unsigned int i = 0; i < om->nsample; i++) {
		uint64_t p = om->sample[i];
		int inside = p >= lo && p < hi, ret;

		if (inside)
			ret = wk_check(w, iova + p, in, off_in + (in ? p - lo : 0), phase);
		else
			ret = wk_check(w, iova + p, out, out ? off_out + p : 0, phase);
		if (ret < 0)
			return ret;
		if (ret > SIG_OK && ret < SIG_NR_CLASSES)
			om->seen |= 1u << ret;
	}
	return 0;
}

static int forward(struct worker *w, unsigned int phase)
{
	struct overmap *om = w->priv;
	uint64_t gen = w->iteration, old = old_off(gen, 0), nw = new_off(gen, 0);
	int ret;

	wk_case(w, phase ? OM_FORWARD : OM_LIVE);
	switch (phase) {
	case 0:
		/* The first half with 4K pages, in two calls, and read. */
		ret = wk_map(w, &om->buf, om->fwd, old, SZ_2M / 4);
		if (!ret)
			ret = wk_map(w, &om->buf, om->fwd + SZ_2M / 4, old + SZ_2M / 4,
				     SZ_2M / 4);
		return ret ? ret : check(w, om->fwd, "4K live", 0, SZ_2M / 2,
					 &om->buf, old, NULL, 0);
	case 1:
		ret = wk_map_overlap(w, &om->buf, om->fwd, nw, SZ_2M);
		om->accepted = !ret;
		if (ret && ret != -EEXIST && ret != -EADDRINUSE && ret != -EINVAL &&
		    ret != -EBUSY && ret != -ENOSPC) {
			fprintf(stderr, "iommu-stress: overmap: MAP_OVERLAP: %s\n",
				strerror(-ret));
			return ret;
		}
		if (ret) {
			wk_observe(w, "overmap: 2M over live 4K", "refused: %s",
				   strerror(-ret));
			/* Refused: the old 4K pages live on, the rest unmapped. */
			return check(w, om->fwd, "overlap refused", 0, SZ_2M / 2,
				     &om->buf, old, NULL, 0);
		}
		return check(w, om->fwd, "2M over 4K", 0, SZ_2M, &om->buf, nw, NULL, 0);
	default:
		return 0;
	}
}

static int reverse(struct worker *w, unsigned int phase)
{
	struct overmap *om = w->priv;
	uint64_t gen = w->iteration, old = old_off(gen, 1), nw = new_off(gen, 1);
	uint64_t page = OM_REVERSE_PAGE * SZ_4K;
	int ret;

	wk_case(w, phase ? OM_REVERSE : OM_LIVE);
	switch (phase) {
	case 0:
		ret = wk_map(w, &om->buf, om->rev, old, SZ_2M);
		return ret ? ret : check(w, om->rev, "2M live", 0, SZ_2M, &om->buf,
					 old, NULL, 0);
	case 1:
		ret = wk_map_overlap(w, &om->buf, om->rev + page, nw + page, SZ_4K);
		om->accepted = !ret;
		if (ret) {
			wk_observe(w, "overmap: 4K over live 2M", "refused: %s",
				   strerror(-ret));
			return check(w, om->rev, "overlap refused", 0, SZ_2M, &om->buf,
				     old, NULL, 0);
		}
		return check(w, om->rev, "4K over 2M", page, page + SZ_4K,
			     &om->buf, nw + page, &om->buf, old);
	default:
		return 0;
	}
}

/*
 * What the device saw after an accepted overlap, in one line. Drivers that
 * accept differ in what they got wrong: the old mapping kept (Intel's
 * 4K map into a superpage; virtio-iommu, whose device refuses the map the
 * driver accepted), or pages that should translate gone (amd's 4K map
 * into a superpage replaces the leaf by a table holding only that page).
 */
static void observe(struct worker *w, const char *key, uint64_t bad_before,
		    unsigned int c)
{
	static const char *const read_as[SIG_NR_CLASSES] = {
		[SIG_STALE] = "still reads the old mapping",
		[SIG_ZERO] = "reads nothing where a page should be mapped",
		[SIG_FOREIGN] = "reads bytes of no page of ours",
	};
	struct overmap *om = w->priv;
	char what[160] = "";
	size_t n = 0;

	if (!om->accepted)
		return;
	if (w->st.case_bad[c] == bad_before) {
		wk_observe(w, key, "replaced: the device sees only the new mapping");
		return;
	}
	for (unsigned int k = SIG_OK + 1; k < SIG_NR_CLASSES; k++)
		if (om->seen & 1u << k && n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s",
					      n ? " and " : "", read_as[k]);
	wk_observe(w, key, "accepted (map returned 0), but the device %s",
		   n ? what : "reads otherwise than mapped");
}

static int cleanup(struct worker *w, uint64_t iova)
{
	struct overmap *om = w->priv;
	int ret;

	ret = wk_unmap(w, iova, SZ_2M, NULL);
	wk_case(w, OM_UNMAPPED);
	if (!ret)
		ret = wk_check(w, iova + om->sample[0], NULL, 0, "unmapped");
	return ret < 0 ? ret : 0;
}

static int overmap_phase(struct worker *w, unsigned int phase)
{
	struct overmap *om = w->priv;
	uint64_t bad;
	int ret = 0;

	if (phase == 2) {
		if (om->forward)
			ret = cleanup(w, om->fwd);
		if (!ret && om->reverse)
			ret = cleanup(w, om->rev);
		return ret;
	}
	if (om->forward) {
		bad = w->st.case_bad[OM_FORWARD];
		om->seen = 0;
		ret = forward(w, phase);
		if (phase == 1)
			observe(w, "overmap: 2M over live 4K", bad, OM_FORWARD);
	}
	if (!ret && om->reverse) {
		bad = w->st.case_bad[OM_REVERSE];
		om->seen = 0;
		ret = reverse(w, phase);
		if (phase == 1)
			observe(w, "overmap: 4K over live 2M", bad, OM_REVERSE);
	}
	return ret;
}

static void overmap_teardown(struct worker *w)
{
	free(w->priv);
	w->priv = NULL;
}

static const struct pattern pattern_overmap = {
	.name = "overmap",
	.summary = "a 2M superpage mapped straight over live 4K mappings (and, opt-in, 4K over 2M)",
	.bug_class = "replaced translations left in the IOTLB when a map overwrites live mappings (the 2021 VT-d bug's visible form)",
	.help =
"Uses MAP with IOMMU_STRESS_MAP_OVERLAP: the driver decides whether a map\n"
"over live mappings replaces them or is refused; the run records which and,\n"
"when replaced, checks by DMA that the device sees only the new mapping.\n"
"A shared (dmaengine) domain refuses MAP_OVERLAP: there the run exits 4.\n"
"\n"
"WARNING: --reverse maps a 4K page over a live 2M superpage. The Intel\n"
"VT-d driver (6.1, 6.12) then walks into the superpage's data page as if it\n"
"were a page table, finds the slot \"already set\" and hits WARN_ON: the\n"
"kernel logs \"DMA PTE for vPFN ... already set\" with a backtrace and is\n"
"tainted (scripts/vm-run then exits 123). Only the test's own buffer is\n"
"touched; the device keeps reading the superpage. Use it in a VM.\n",
	.default_size = 6ull << 20,
	.default_iterations = 10,
	.opts = overmap_opts,
	.cases = overmap_cases,
	.nphases = 3,
	.setup = overmap_setup,
	.phase = overmap_phase,
	.teardown = overmap_teardown,
};
PATTERN_REGISTER(pattern_overmap);
