/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An ioctl as the dispatcher (session.c) runs it, and as BATCH (batch.c)
 * runs each of its ops the same way: the table entry, and the ABI's rules
 * for an argument's size on its way in and its answer on the way out.
 */
#ifndef ISTRESS_IOCTL_OP_H
#define ISTRESS_IOCTL_OP_H

#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/iommu_stress.h>

struct istress_session;

struct istress_ioctl_op {
	size_t size;		/* the struct as this module knows it */
	size_t min_size;	/* the smallest size a caller may pass */
	int (*fn)(struct istress_session *s, void *arg);
	/* For ioctls that make an object: whether the answer got back. */
	void (*finish)(struct istress_session *s, void *arg, bool answered);
	/* BATCH may run it as one of its ops. */
	bool in_batch;
	/* Its answer goes back when it fails too (it says how far it got). */
	bool answers_failure;
};

/* The largest struct an op of a batch may have: its slot's room. */
#define ISTRESS_BATCH_ARG_MAX \
	sizeof_field(struct iommu_stress_batch_op, __space)

int istress_arg_in(const struct istress_ioctl_op *op, void *karg,
		   void __user *up, u32 max);
int istress_arg_out(const struct istress_ioctl_op *op, void __user *up,
		    void *karg, u32 usize);

/*
 * BATCH: its ops through the ioctl @table's entries, except DMA, which
 * goes to @dma (the session's DMA handler, given by session.c so that
 * batch.c does not call back into it) with the batch's budget for
 * @admit to charge once the DMA's own checks passed.
 */
int istress_batch(struct istress_session *s, struct iommu_stress_batch *arg,
		  const struct istress_ioctl_op *table, unsigned int ntable,
		  int (*dma)(struct istress_session *s,
			     struct iommu_stress_dma *arg,
			     int (*admit)(void *ctx, u64 length), void *ctx));

#endif /* ISTRESS_IOCTL_OP_H */
