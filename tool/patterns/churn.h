/* SPDX-License-Identifier: GPL-2.0 */
/*
 * churn's op generator: a seeded, reproducible stream of maps, unmaps and
 * DMA checks over one region, driven by a model of what is mapped where,
 * so that every op is valid and every check knows what it must read. The
 * stream depends only on the seed and the configuration, never on what
 * the driver did: regenerating it from the seed gives the same ops, which
 * is what the op log (and 'iommu-stress replay') relies on.
 */
#ifndef IOMMU_STRESS_CHURN_H
#define IOMMU_STRESS_CHURN_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define CHURN_UNMAPPED	UINT64_MAX

enum churn_type { CH_MAP, CH_UNMAP, CH_CHECK };

struct churn_op {
	enum churn_type type;
	uint64_t iova;
	uint64_t len;		/* map, unmap */
	uint64_t off;		/* map: backing offset; check: expected, or UNMAPPED */
};

struct churn_cfg {
	uint64_t base;		/* the region: [base, base + size), 2M-aligned */
	uint64_t size;
	uint64_t buf_len;	/* the backing buffer */
	int use_2m, use_1g;	/* page sizes besides 4K */
};

struct churn_extent {
	uint64_t page, npages;	/* in 4K pages from base */
	uint64_t off;
};

struct churn_gen {
	struct churn_cfg cfg;
	struct rng rng;
	uint64_t npages;
	uint64_t *page_off;	/* backing offset of each page, or UNMAPPED */
	uint64_t *last_off;	/* the last backing each page had */
	struct churn_extent *ext;	/* live mappings, in no order */
	uint64_t nex;		/* live mappings in ext */
	struct churn_op queue[4];	/* follow-up ops of the last action */
	unsigned int nqueue, qhead;
};

/* Thread @thread's stream of a run seeded @seed. */
int churn_gen_init(struct churn_gen *g, const struct churn_cfg *cfg,
		   uint64_t seed, unsigned int thread);
void churn_gen_free(struct churn_gen *g);
void churn_gen_next(struct churn_gen *g, struct churn_op *op);

/* One op as a line of the op log ("op T map IOVA LEN OFF"), and back. */
int churn_op_format(char *out, size_t n, unsigned int thread,
		    const struct churn_op *op);
int churn_op_parse(const char *line, unsigned int *thread,
		   struct churn_op *op);

#endif
