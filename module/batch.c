// SPDX-License-Identifier: GPL-2.0
/*
 * BATCH: a vector of MAP, UNMAP, DMA and IOVA_TO_PHYS ops run in one call,
 * each through the dispatcher's own table entry (the same size rules,
 * handler, locks and answer as its single ioctl), so that a DMA can
 * follow a MAP without a return to user space between them.
 *
 * Nothing is held from one op to the next: other threads' ioctls may come
 * between two ops, as between two single calls. The batch stops at the
 * first op that fails, and between ops for a signal.
 */
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/stddef.h>
#include <linux/uaccess.h>

#include "ioctl_op.h"

/* The entry as first published: callers may not pass less. */
#define OP_MIN_SIZE	offsetofend(struct iommu_stress_batch_op, __space)

/* An entry's head: the op it names, then what the batch writes back. */
struct op_head {
	__u32 op;
	__s32 result;
	__u64 start_ns;
	__u64 ns;
};

/* The head is the entry's, field for field; the op's struct follows. */
#define ARG_OFFSET	offsetof(struct iommu_stress_batch_op, map)
static_assert(sizeof(struct op_head) == ARG_OFFSET);
static_assert(offsetof(struct op_head, result) ==
	      offsetof(struct iommu_stress_batch_op, result));
static_assert(offsetof(struct op_head, start_ns) ==
	      offsetof(struct iommu_stress_batch_op, start_ns));
static_assert(offsetof(struct op_head, ns) ==
	      offsetof(struct iommu_stress_batch_op, ns));

struct batch_run {
	struct istress_session *s;
	const struct istress_ioctl_op *table;
	unsigned int ntable;
	int (*dma)(struct istress_session *s, struct iommu_stress_dma *arg,
		   int (*admit)(void *ctx, u64 length), void *ctx);
	u32 slot;		/* room for an op's struct in its entry */
	u64 t0;
	u32 dma_bytes;		/* moved by the batch's DMA ops so far */
	/* One op's argument; no batchable struct is larger (session.c). */
	u64 karg[ISTRESS_BATCH_ARG_MAX / sizeof(u64)];
};

/* The table entry of ioctl @cmd if a batch may run it, else NULL. */
static const struct istress_ioctl_op *batch_op(const struct batch_run *b,
					       u32 cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (cmd != _IO(IOMMU_STRESS_TYPE, nr) || nr >= b->ntable ||
	    !b->table[nr].in_batch)
		return NULL;
	return &b->table[nr];
}

/*
 * A DMA op that would take the batch past its budget is not run. The
 * DMA asks only once its own checks passed, so an op it refuses gets
 * the single ioctl's answer however much of the budget is spent.
 */
static int charge_dma(void *ctx, u64 length)
{
	struct batch_run *b = ctx;

	if (length > IOMMU_STRESS_BATCH_MAX_DMA_BYTES - b->dma_bytes)
		return -E2BIG;
	b->dma_bytes += length;
	return 0;
}

/* Runs the op named by @head as its own ioctl would: 0 or its -errno. */
static int run_op(struct batch_run *b, const struct op_head *head,
		  void __user *uarg)
{
	const struct istress_ioctl_op *op = batch_op(b, head->op);
	int usize, ret;

	if (!op)
		return -EINVAL;
	usize = istress_arg_in(op, b->karg, uarg, b->slot);
	if (usize < 0)
		return usize;
	/* DMA's own handler, with the batch's budget to charge. */
	if (head->op == IOMMU_STRESS_DMA)
		ret = b->dma(b->s, (void *)b->karg, charge_dma, b);
	else
		ret = op->fn(b->s, b->karg);
	if (!ret)
		ret = istress_arg_out(op, uarg, b->karg, usize);
	/*
	 * A restart would run the ops before this one again: a batch is
	 * never restarted, whatever an op answered.
	 */
	if (ret == -ERESTARTSYS)
		ret = -EINTR;
	return ret;
}

/* Entry @uop: its op run, its head written back. 0 or the op's -errno. */
static int run_entry(struct batch_run *b,
		     struct iommu_stress_batch_op __user *uop)
{
	struct op_head head;
	u64 t;

	if (get_user(head.op, &uop->op))
		return -EFAULT;
	t = ktime_get_ns();
	head.result = run_op(b, &head, (void __user *)uop + ARG_OFFSET);
	head.start_ns = t - b->t0;
	head.ns = ktime_get_ns() - t;
	if (copy_to_user(uop, &head, sizeof(head)))
		return head.result ?: -EFAULT;
	return head.result;
}

int istress_batch(struct istress_session *s, struct iommu_stress_batch *arg,
		  const struct istress_ioctl_op *table, unsigned int ntable,
		  int (*dma)(struct istress_session *s,
			     struct iommu_stress_dma *arg,
			     int (*admit)(void *ctx, u64 length), void *ctx))
{
	struct iommu_stress_batch_op __user *ops = u64_to_user_ptr(arg->ops);
	struct batch_run b = {
		.s = s, .table = table, .ntable = ntable, .dma = dma,
	};
	u32 i;
	int ret = 0;

	BUILD_BUG_ON(OP_MIN_SIZE % sizeof(u64));
	/* Errors of the batch's own argument leave its answer as it was. */
	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->__reserved || !arg->nops || arg->op_size < OP_MIN_SIZE ||
	    arg->op_size % sizeof(u64))
		return -EINVAL;
	if (arg->nops > IOMMU_STRESS_BATCH_MAX_OPS || arg->op_size > PAGE_SIZE)
		return -E2BIG;

	arg->done = 0;
	arg->ns = 0;
	b.slot = arg->op_size - ARG_OFFSET;
	b.t0 = ktime_get_ns();
	for (i = 0; i < arg->nops; i++) {
		/* Between ops only: the first always runs, so a batch moves. */
		if (i && signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = run_entry(&b, (void __user *)ops + (size_t)i * arg->op_size);
		if (ret)
			break;
		cond_resched();
	}
	arg->done = i;
	arg->ns = ktime_get_ns() - b.t0;
	return ret;
}
