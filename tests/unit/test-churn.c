// SPDX-License-Identifier: GPL-2.0
/*
 * churn's generator decides every op a churn run and its op log hold: the
 * same seed must give the same ops, and every op must be valid against an
 * independent shadow of what is mapped.
 */
#include <stdlib.h>
#include <string.h>

#include "patterns/churn.h"
#include "run.h"
#include "unit.h"

#define NOPS 20000

static const struct churn_cfg cfgs[] = {
	{ .base = 1ull << 30, .size = 8ull << 20, .buf_len = 10ull << 20, .use_2m = 1 },
	{ .base = 3ull << 30, .size = 4ull << 20, .buf_len = 6ull << 20, .use_2m = 0 },
	{ .base = 2ull << 21, .size = 2ull << 20, .buf_len = 4ull << 20, .use_2m = 1 },
	{ .base = 1ull << 30, .size = 2ull << 30, .buf_len = 3ull << 30, .use_2m = 1, .use_1g = 1 },
};
#define NCFGS (sizeof(cfgs) / sizeof(cfgs[0]))

static struct churn_op *ops_of(const struct churn_cfg *cfg, uint64_t seed,
			       unsigned int thread)
{
	struct churn_op *ops = calloc(NOPS, sizeof(*ops));
	struct churn_gen g;

	if (!ops || churn_gen_init(&g, cfg, seed, thread)) {
		free(ops);
		return NULL;
	}
	for (unsigned int i = 0; i < NOPS; i++)
		churn_gen_next(&g, &ops[i]);
	churn_gen_free(&g);
	return ops;
}

TEST(same_seed_same_ops, "churn: same seed, same ops")
{
	for (unsigned int c = 0; c < NCFGS; c++) {
		struct churn_op *a = ops_of(&cfgs[c], 42, 0), *b = ops_of(&cfgs[c], 42, 0);

		EXPECT_TRUE(a && b);
		if (a && b)
			EXPECT_TRUE(!memcmp(a, b, NOPS * sizeof(*a)));
		free(a);
		free(b);
	}
}

TEST(other_seed_other_ops, "churn: another seed, other ops")
{
	struct churn_op *a = ops_of(&cfgs[0], 1, 0), *b = ops_of(&cfgs[0], 2, 0);
	unsigned int same = 0;

	EXPECT_TRUE(a && b);
	for (unsigned int i = 0; a && b && i < NOPS; i++)
		same += !memcmp(&a[i], &b[i], sizeof(a[i]));
	EXPECT_TRUE(same < NOPS / 10);
	free(a);
	free(b);
}

/*
 * The shadow: per page, its backing offset or UNMAPPED, its last backing,
 * and where the mapping holding it starts. Every op is checked against it.
 */
struct shadow {
	uint64_t *off, *last, *start;
	uint64_t npages;
};

static int valid_map(const struct churn_cfg *cfg, struct shadow *sh,
		     const struct churn_op *op)
{
	uint64_t p0 = (op->iova - cfg->base) / SZ_4K, n = op->len / SZ_4K;
	int big = op->len == SZ_2M, giant = op->len == SZ_1G;

	if (op->iova < cfg->base || op->iova + op->len > cfg->base + cfg->size ||
	    op->iova % SZ_4K || !op->len || op->len % SZ_4K ||
	    op->off % SZ_4K || op->off + op->len > cfg->buf_len)
		return 0;
	/* A superpage where both sides are aligned; otherwise within 2M. */
	if (giant ? (op->iova % SZ_1G || op->off % SZ_1G || !cfg->use_1g) :
	    big ? (op->iova % SZ_2M || op->off % SZ_2M || !cfg->use_2m) :
	    (op->iova / SZ_2M != (op->iova + op->len - 1) / SZ_2M))
		return 0;
	for (uint64_t p = p0; p < p0 + n; p++) {
		if (sh->off[p] != CHURN_UNMAPPED)
			return 0;
		/* Remapped to other memory than last time, or a stale hit hides. */
		if (sh->last[p] == op->off + (p - p0) * SZ_4K)
			return 0;
		sh->off[p] = sh->last[p] = op->off + (p - p0) * SZ_4K;
		sh->start[p] = p0;
	}
	return 1;
}

static int valid_unmap(const struct churn_cfg *cfg, struct shadow *sh,
		       const struct churn_op *op)
{
	uint64_t p0 = (op->iova - cfg->base) / SZ_4K, n = op->len / SZ_4K;

	/* From the first page of a live mapping: never from a hole. */
	if (op->iova < cfg->base || p0 + n > sh->npages ||
	    sh->off[p0] == CHURN_UNMAPPED || sh->start[p0] != p0)
		return 0;
	/* Whole mappings only: none that starts inside may go on past it. */
	if (p0 + n < sh->npages && sh->off[p0 + n] != CHURN_UNMAPPED &&
	    sh->start[p0 + n] >= p0 && sh->start[p0 + n] < p0 + n)
		return 0;
	for (uint64_t p = p0; p < p0 + n; p++)
		sh->off[p] = CHURN_UNMAPPED;
	return 1;
}

TEST(ops_are_valid, "churn: every op valid against a shadow model")
{
	for (unsigned int c = 0; c < NCFGS; c++) {
		const struct churn_cfg *cfg = &cfgs[c];
		/*
		 * A 1G map needs a whole free, aligned 1G slot, rare in a busy
		 * 2G region: thread 1 of seed 18 draws one in its first NOPS
		 * ops (2 of the first 40 streams do).
		 */
		struct churn_op *ops = cfg->use_1g ? ops_of(cfg, 18, 1) :
				       ops_of(cfg, 7 + c, 0);
		struct shadow sh = { .npages = cfg->size / SZ_4K };
		unsigned int bad = 0, maps = 0, unmaps = 0, checks = 0, big = 0, giant = 0;
		unsigned int unmapped_checks = 0;

		sh.off = malloc(sh.npages * sizeof(uint64_t));
		sh.last = malloc(sh.npages * sizeof(uint64_t));
		sh.start = calloc(sh.npages, sizeof(uint64_t));
		EXPECT_TRUE(ops && sh.off && sh.last && sh.start);
		if (!ops || !sh.off || !sh.last || !sh.start)
			goto out;
		for (uint64_t p = 0; p < sh.npages; p++)
			sh.off[p] = sh.last[p] = CHURN_UNMAPPED;
		for (unsigned int i = 0; i < NOPS; i++) {
			const struct churn_op *op = &ops[i];
			uint64_t p = (op->iova - cfg->base) / SZ_4K;

			switch (op->type) {
			case CH_MAP:
				bad += !valid_map(cfg, &sh, op);
				maps++;
				big += op->len == SZ_2M;
				giant += op->len == SZ_1G;
				break;
			case CH_UNMAP:
				bad += !valid_unmap(cfg, &sh, op);
				unmaps++;
				break;
			case CH_CHECK:
				/* What the check expects is what the shadow says. */
				bad += op->iova < cfg->base || p >= sh.npages ||
				       op->off != sh.off[p];
				checks++;
				unmapped_checks += op->off == CHURN_UNMAPPED;
				break;
			}
		}
		EXPECT_TRUE(!bad);
		/* A useful mix: all kinds, superpages where allowed. */
		EXPECT_TRUE(maps > NOPS / 10 && unmaps > NOPS / 10 && checks > NOPS / 10);
		EXPECT_TRUE(unmapped_checks > 0);
		EXPECT_TRUE(cfg->use_2m ? big > 0 : big == 0);
		EXPECT_TRUE(cfg->use_1g ? giant > 0 : giant == 0);
out:
		free(ops);
		free(sh.off);
		free(sh.last);
		free(sh.start);
	}
}

TEST(op_lines_round_trip, "churn: op log lines round-trip")
{
	struct churn_op *ops = ops_of(&cfgs[0], 3, 0), back;
	char line[128];
	unsigned int t;

	EXPECT_TRUE(ops != NULL);
	for (unsigned int i = 0; ops && i < 500; i++) {
		churn_op_format(line, sizeof(line), i % 5, &ops[i]);
		EXPECT_TRUE(!churn_op_parse(line, &t, &back));
		EXPECT_TRUE(t == i % 5 && !memcmp(&back, &ops[i], sizeof(back)));
	}
	free(ops);
	EXPECT_TRUE(churn_op_parse("op 0 map 0x1000", &t, &back) == -1);
	EXPECT_TRUE(churn_op_parse("op 0 frob 0x1000 0x1000", &t, &back) == -1);
	EXPECT_TRUE(churn_op_parse("op 0 check 0x1000 zz", &t, &back) == -1);
	EXPECT_TRUE(!churn_op_parse("op 2 check 0x1000 -", &t, &back) &&
		    back.off == CHURN_UNMAPPED && t == 2);
}
