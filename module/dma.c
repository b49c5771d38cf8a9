// SPDX-License-Identifier: GPL-2.0
/*
 * One DMA through a domain: the target copies between the IOVA under test
 * and the domain's bounce page (mapped at its window), and the CPU copies
 * between the bounce page and the module buffer the tool reads. Backends
 * only ever do IOVA-to-IOVA copies, as a dmaengine memcpy channel does.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "istress.h"

/*
 * Before a read the bounce page holds this, so a transfer that claims
 * success but never wrote shows up as foreign data, not as a fault's zeros.
 */
#define ISTRESS_BOUNCE_POISON	0x5a

/*
 * In a shared domain an IOVA the session has not mapped may be the
 * driver's memory (no writes there, ever) or make the IOMMU fault (reads
 * only where the administrator allowed it). The mappings a transfer uses
 * are pinned until it ends: an UNMAP of them meanwhile gets -EBUSY.
 */
static bool must_pin(struct istress_domain *d, bool read)
{
	return d->shared && !(read && d->desc.out_flags &
			      IOMMU_STRESS_DOMAIN_UNMAPPED_READS);
}

/* Checks the range is the session's and pins it for the transfer. */
static int pin_shared(struct istress_domain *d, u64 iova, u64 len)
{
	bool ours, busy;

	mutex_lock(&d->lock);
	ours = istress_maps_cover(d, iova, iova + len - 1);
	/*
	 * A MAP or UNMAP at work on those records, or an UNMAP whose driver
	 * call may reach past its own: wait, whichever it is.
	 */
	busy = ours && (istress_maps_busy(d, iova, iova + len - 1) ||
			istress_domain_unmapping(d, iova, iova + len - 1));
	if (ours && !busy)
		istress_maps_pin(d, iova, iova + len - 1, 1);
	mutex_unlock(&d->lock);
	return !ours ? -EACCES : busy ? -EBUSY : 0;
}

static void unpin_shared(struct istress_domain *d, u64 iova, u64 len)
{
	mutex_lock(&d->lock);
	istress_maps_pin(d, iova, iova + len - 1, -1);
	/* An UNMAP the pin held up (BENCH THROUGH_MAP) may go now. */
	istress_domain_op_done(d);
	mutex_unlock(&d->lock);
}

int istress_dma(struct istress_domain *d, struct istress_buf *buf,
		struct iommu_stress_dma *arg, istress_dma_admit_t admit,
		void *ctx)
{
	struct istress_target *t = d->target;
	u64 window = d->desc.window_iova;
	void *bounce;
	bool read = arg->dir == IOMMU_STRESS_DMA_READ;
	bool pinned;
	u64 t0;
	int ret;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->dir != IOMMU_STRESS_DMA_READ &&
	    arg->dir != IOMMU_STRESS_DMA_WRITE)
		return -EINVAL;
	if (!arg->length || arg->iova + arg->length < arg->iova)
		return -EINVAL;
	if (arg->length > t->max_dma_len || arg->length > PAGE_SIZE)
		return -EMSGSIZE;
	if (arg->buf_offset > buf->length ||
	    arg->length > buf->length - arg->buf_offset)
		return -EINVAL;
	/*
	 * Mapped or not (an unmapped IOVA must fault), but never the window
	 * or a reserved region: a write to the MSI range is an interrupt.
	 */
	ret = istress_domain_check_range(d, arg->iova, arg->length);
	if (ret)
		return ret;

	mutex_lock(&t->lock);
	if (t->gone || t->attached != d) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (t->wedged) {
		ret = -EIO;
		goto out_unlock;
	}
	pinned = must_pin(d, read);
	if (pinned) {
		ret = pin_shared(d, arg->iova, arg->length);
		if (ret)
			goto out_unlock;
	}
	/* A batch's budget, charged only for a DMA that would run. */
	ret = admit ? admit(ctx, arg->length) : 0;
	if (ret) {
		if (pinned)
			unpin_shared(d, arg->iova, arg->length);
		goto out_unlock;
	}
	bounce = d->bounce_va;
	if (read)
		memset(bounce, ISTRESS_BOUNCE_POISON, arg->length);
	else
		istress_buf_copy(buf, arg->buf_offset, bounce, arg->length,
				 false);

	t0 = ktime_get_ns();
	if (read)
		ret = t->ops->copy(t, window, arg->iova, arg->length);
	else
		ret = t->ops->copy(t, arg->iova, window, arg->length);
	arg->ns = ktime_get_ns() - t0;
	/* A retired channel's copy may still land: its pages stay pinned. */
	if (pinned && !t->wedged)
		unpin_shared(d, arg->iova, arg->length);

	/* A transfer that failed is a result to report, not an ioctl error. */
	arg->status = -ret;
	if (!ret && read)
		istress_buf_copy(buf, arg->buf_offset, bounce, arg->length,
				 true);
	ret = 0;
out_unlock:
	mutex_unlock(&t->lock);
	return ret;
}
