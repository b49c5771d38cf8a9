// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking: a private domain allocated so that its IOMMU records
 * which pages DMA wrote (Intel: the D bit of second-stage leaves), the
 * switch that turns the recording on and off, and the read of what it
 * recorded into the caller's bitmap. The allocation is kernel API since
 * v6.7; the read needs the kernel's iova_bitmap, which only kernels built
 * with IOMMUFD_DRIVER have. Both are decided by probes.
 */
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>

#include "istress.h"
#include "compat.h"
#include "race_window.h"

#define ISTRESS_HAVE_DIRTY (ISTRESS_HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS || \
			    ISTRESS_HAVE_DOMAIN_ALLOC_USER_FLAGS)
#define ISTRESS_HAVE_DIRTY_READ (ISTRESS_HAVE_DIRTY &&			\
				 ISTRESS_HAVE_EXPORT_IOVA_BITMAP_ALLOC &&	\
				 ISTRESS_HAVE_EXPORT_IOVA_BITMAP_FOR_EACH &&	\
				 ISTRESS_HAVE_EXPORT_IOVA_BITMAP_FREE)

/* Up to v6.12 linux/iommu.h does not carry the allocation flags. */
#if ISTRESS_HAVE_DIRTY && !ISTRESS_HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS
#include <uapi/linux/iommufd.h>
#endif

#if ISTRESS_HAVE_DIRTY_READ
/*
 * iova_bitmap is exported in the IOMMUFD namespace. MODULE_IMPORT_NS()
 * took a bare word up to v6.12 and a string since; this reads the same
 * in both.
 */
MODULE_INFO(import_ns, "IOMMUFD");
#endif

/* INFO's feature bits: what of dirty tracking this kernel offers. */
u64 istress_dirty_features(void)
{
	u64 features = 0;

	if (ISTRESS_HAVE_DIRTY)
		features |= IOMMU_STRESS_FEAT_DIRTY;
	if (ISTRESS_HAVE_DIRTY_READ)
		features |= IOMMU_STRESS_FEAT_DIRTY_READ;
	return features;
}

/*
 * A paging domain whose IOMMU can record DMA writes, or an ERR_PTR:
 * -EOPNOTSUPP where the kernel lacks the API or the device's IOMMU the
 * capability (Intel: scalable mode with second-stage A/D bits).
 */
struct iommu_domain *istress_dirty_domain_alloc(struct device *dev)
{
#if ISTRESS_HAVE_DIRTY
	struct iommu_domain *domain;

	if (!device_iommu_capable(dev, IOMMU_CAP_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);
#if ISTRESS_HAVE_IOMMU_PAGING_DOMAIN_ALLOC_FLAGS
	domain = iommu_paging_domain_alloc_flags(dev,
						 IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
#else
	{
		const struct iommu_ops *ops = dev->iommu->iommu_dev->ops;

		if (!ops->domain_alloc_user)
			return ERR_PTR(-EOPNOTSUPP);
		domain = ops->domain_alloc_user(dev,
						IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
						NULL, NULL);
		/* The core attaches only a domain its owner's ops made. */
		if (!IS_ERR_OR_NULL(domain))
			domain->owner = ops;
	}
#endif
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);
	if (!domain->dirty_ops) {
		iommu_domain_free(domain);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return domain;
#else
	return ERR_PTR(-EOPNOTSUPP);
#endif
}

/*
 * istress_domain_enter(), and -ENODEV once the device has gone: its
 * domain is detached then, and nothing writes into it any more.
 */
static int dirty_enter(struct istress_domain *d)
{
	int ret = istress_domain_enter(d);

	if (ret)
		return ret;
	if (READ_ONCE(d->target->gone)) {
		istress_domain_exit(d);
		return -ENODEV;
	}
	return 0;
}

#if ISTRESS_HAVE_DIRTY_READ
/* Test builds: a bitmap whose fault is slow, held where it is first met. */
ISTRESS_RACE_WINDOW(dirty_bitmap)

struct dirty_walk {
	struct iommu_domain *domain;
	struct iommu_dirty_bitmap *dirty;
	unsigned long flags;
};

/* One window of the caller's bitmap, pinned by iova_bitmap. */
static int dirty_walk_window(struct iova_bitmap *bitmap, unsigned long iova,
			     size_t length, void *opaque)
{
	struct dirty_walk *w = opaque;

	return w->domain->dirty_ops->read_and_clear_dirty(w->domain, iova,
							  length, w->flags,
							  w->dirty);
}

/*
 * The driver's record of [iova, iova + length) into @bitmap (NULL: only
 * cleared), cleared unless @flags has IOMMU_DIRTY_NO_CLEAR. The caller
 * keeps MAPs and UNMAPs out of the range: with d->lock held, or with a
 * walk's claim (istress_domain_claim_walk()) where @bitmap is the
 * caller's memory. A cleared record is followed by an IOTLB flush: a
 * translation cached with its D bit set would let the next write through
 * unrecorded.
 */
static int dirty_walk(struct istress_domain *d, u64 iova, u64 length,
		      struct iova_bitmap *bitmap, unsigned long flags)
{
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty;
	struct dirty_walk w = {
		.domain = d->domain,
		.dirty = &dirty,
		.flags = flags,
	};
	int ret;

	iommu_dirty_bitmap_init(&dirty, bitmap, &gather);
	if (bitmap)
		ret = iova_bitmap_for_each(bitmap, &w, dirty_walk_window);
	else
		ret = d->domain->dirty_ops->read_and_clear_dirty(d->domain,
								 iova, length,
								 flags, &dirty);
	if (!(flags & IOMMU_DIRTY_NO_CLEAR))
		iommu_iotlb_sync(d->domain, &gather);
	return ret;
}

/*
 * DIRTY_READ's walk, once its argument passed. The caller's bitmap is
 * zeroed, pinned and written while the range is claimed, never under
 * d->lock: memory that faults slowly (userfaultfd, a slow file) holds up
 * only MAPs and UNMAPs meeting the range (-EBUSY), walks of it, and
 * DIRTY_START and DIRTY_STOP (killable waits); and new DIRTY_READs while
 * one of those waits, so that reads taken in turn cannot keep it out for
 * good (istress_domain_claim_walk()). @users is held for
 * reading throughout, but only a shared domain's teardown takes it for
 * writing, and dirty domains are private.
 */
static int dirty_read(struct istress_domain *d,
		      struct iommu_stress_dirty_read *arg, u64 last, u64 nbits)
{
	u64 __user *ubitmap = u64_to_user_ptr(arg->bitmap);
	struct iova_bitmap *bitmap;
	unsigned long flags = 0;
	void *claim;
	bool on;
	int ret;

	if (arg->flags & IOMMU_STRESS_DIRTY_READ_NO_CLEAR)
		flags |= IOMMU_DIRTY_NO_CLEAR;
	bitmap = iova_bitmap_alloc(arg->iova, arg->length, arg->page_size,
				   ubitmap);
	if (IS_ERR(bitmap))
		return PTR_ERR(bitmap);
	ret = dirty_enter(d);
	if (ret)
		goto out_free;
	ret = istress_domain_claim_walk(d, arg->iova, last, &claim);
	if (ret)
		goto out_exit;
	/* DIRTY_START and DIRTY_STOP wait for the claim: this stays so. */
	mutex_lock(&d->lock);
	on = d->dirty_on;
	mutex_unlock(&d->lock);
	race_window_dirty_bitmap();
	/* Drivers read only while tracking: say so alike for all. */
	if (!on)
		ret = -EINVAL;
	/* The driver only sets bits: every other one reads clean. */
	else if (clear_user(ubitmap, DIV_ROUND_UP(nbits, 64) * sizeof(u64)))
		ret = -EFAULT;
	else
		ret = dirty_walk(d, arg->iova, arg->length, bitmap, flags);
	istress_domain_unclaim(d, claim);
out_exit:
	istress_domain_exit(d);
out_free:
	iova_bitmap_free(bitmap);
	return ret;
}
#endif

/* Never reached without the API: no domain has d->dirty there. */
static int dirty_set_tracking(struct iommu_domain *domain, bool on)
{
#if ISTRESS_HAVE_DIRTY
	return domain->dirty_ops->set_dirty_tracking(domain, on);
#else
	return -EOPNOTSUPP;
#endif
}

/*
 * DIRTY_START and DIRTY_STOP. Every DIRTY_START forgets what was recorded
 * before, tracking on or not, where the kernel can read (and so clear)
 * it, so that a page reads dirty only when written since.
 */
int istress_dirty_switch(struct istress_domain *d,
			 struct iommu_stress_dirty_switch *arg, bool on)
{
	int ret;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	if (!d->dirty)
		return -EOPNOTSUPP;
	ret = dirty_enter(d);
	if (ret)
		return ret;
	/*
	 * No MAP, UNMAP or walk in the range while the tracking switches: a
	 * MAP or UNMAP may free page tables there (a superpage MAP frees the
	 * empty tables under it), and the driver's walk takes no lock of its
	 * own.
	 */
	ret = istress_domain_lock_quiet(d, d->desc.range_start,
					d->desc.range_last);
	if (ret)
		goto out_exit;
#if ISTRESS_HAVE_DIRTY_READ
	if (on)
		ret = dirty_walk(d, d->desc.range_start,
				 d->desc.range_last - d->desc.range_start + 1,
				 NULL, 0);
#endif
	if (!ret)
		ret = dirty_set_tracking(d->domain, on);
	if (!ret)
		d->dirty_on = on;
	mutex_unlock(&d->lock);
out_exit:
	istress_domain_exit(d);
	return ret;
}

/* DIRTY_READ: see the uapi header. */
int istress_dirty_read(struct istress_domain *d,
		       struct iommu_stress_dirty_read *arg)
{
	u64 nbits, last;

	if (arg->flags & ~IOMMU_STRESS_DIRTY_READ_NO_CLEAR)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	if (!d->dirty)
		return -EOPNOTSUPP;
	if (!arg->length || arg->page_size < PAGE_SIZE ||
	    !is_power_of_2(arg->page_size) ||
	    !IS_ALIGNED(arg->iova | arg->length, arg->page_size))
		return -EINVAL;
	nbits = arg->length >> ilog2(arg->page_size);
	if (nbits > IOMMU_STRESS_DIRTY_MAX_BITS)
		return -E2BIG;
	if (check_add_overflow(arg->iova, arg->length - 1, &last))
		return -EOVERFLOW;
	if (arg->iova < d->desc.range_start || last > d->desc.range_last)
		return -ERANGE;
#if ISTRESS_HAVE_DIRTY_READ
	return dirty_read(d, arg, last, nbits);
#else
	return -EOPNOTSUPP;
#endif
}
