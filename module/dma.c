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

int istress_dma(struct istress_domain *d, struct istress_buf *buf,
		struct iommu_stress_dma *arg)
{
	struct istress_target *t = d->target;
	void *bounce = d->bounce_va;
	u64 window = d->desc.window_iova;
	bool read = arg->dir == IOMMU_STRESS_DMA_READ;
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
	/* In a shared domain, an IOVA not ours may be the driver's memory. */
	if (!read && d->shared) {
		bool ours;

		mutex_lock(&d->lock);
		ours = istress_maps_cover(d, arg->iova,
					  arg->iova + arg->length - 1);
		mutex_unlock(&d->lock);
		if (!ours)
			return -EACCES;
	}

	mutex_lock(&t->lock);
	if (t->gone || t->attached != d) {
		ret = -ENODEV;
		goto out_unlock;
	}
	if (t->wedged) {
		ret = -EIO;
		goto out_unlock;
	}
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
