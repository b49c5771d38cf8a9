// SPDX-License-Identifier: GPL-2.0
/*
 * Private domains: an unmanaged domain of the module's own, attached to
 * the target's device, with the bounce page mapped in a window the
 * module places. The session owns the whole domain.
 */
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/sizes.h>

#include "istress.h"
#include "compat.h"

/* The bounce window: one page mapped, a whole 2M region reserved. */
#define ISTRESS_WINDOW_LEN	SZ_2M
/* Keep the window low enough not to force extra table levels. */
#define ISTRESS_WINDOW_CEILING	(1ULL << 39)

/* The highest 2M region below the ceiling that nothing else claims. */
static int place_window(struct istress_domain *d)
{
	struct iommu_domain_geometry *geo = &d->domain->geometry;
	u64 top = geo->aperture_end;
	u64 iova;

	if (top >= ISTRESS_WINDOW_CEILING)
		top = ISTRESS_WINDOW_CEILING - 1;
	iova = round_down(top + 1, ISTRESS_WINDOW_LEN);
	while (iova >= ISTRESS_WINDOW_LEN &&
	       iova - ISTRESS_WINDOW_LEN >= geo->aperture_start) {
		iova -= ISTRESS_WINDOW_LEN;
		if (!istress_resv_hits(d, iova, iova + ISTRESS_WINDOW_LEN - 1)) {
			d->desc.window_iova = iova;
			d->desc.window_len = ISTRESS_WINDOW_LEN;
			return 0;
		}
	}
	return -ENOSPC;
}

/*
 * A private unmanaged domain attached to the target's device, with the
 * bounce page mapped in the module's window. Called with the target lock.
 */
static int private_setup(struct istress_domain *d, u64 range_start,
			 u64 range_last)
{
	struct istress_target *t = d->target;
	int ret;

	/* The whole aperture is the session's: no range to choose. */
	if (range_start || range_last)
		return -EINVAL;
	d->domain = d->dirty ? istress_dirty_domain_alloc(t->dev) :
			       istress_paging_domain_alloc(t->dev);
	if (IS_ERR(d->domain)) {
		ret = PTR_ERR(d->domain);
		d->domain = NULL;
		return ret;
	}
	/*
	 * Attach before reading page sizes and aperture: drivers (Intel's
	 * among them) settle both for the IOMMU they are attached to.
	 */
	ret = iommu_attach_device(d->domain, t->dev);
	if (ret)
		goto err_free_domain;
	d->desc.domain_type = istress_domain_type(d->domain);
	d->desc.pgsize_bitmap = d->domain->pgsize_bitmap;
	d->desc.aperture_start = d->domain->geometry.aperture_start;
	d->desc.aperture_end = d->domain->geometry.aperture_end;
	d->desc.range_start = d->desc.aperture_start;
	d->desc.range_last = d->desc.aperture_end;
	ret = istress_resv_from_group(d, t->dev);
	if (ret)
		goto err_detach;
	ret = place_window(d);
	if (ret)
		goto err_detach;
	d->bounce = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!d->bounce) {
		ret = -ENOMEM;
		goto err_detach;
	}
	ret = istress_iommu_map(d->domain, d->desc.window_iova,
				page_to_phys(d->bounce), PAGE_SIZE,
				IOMMU_READ | IOMMU_WRITE);
	if (ret)
		goto err_free_bounce;
	d->bounce_va = page_address(d->bounce);
	return 0;

err_free_bounce:
	/* Never mapped, so never reachable by the device. */
	__free_page(d->bounce);
	d->bounce = NULL;
err_detach:
	iommu_detach_device(d->domain, t->dev);
err_free_domain:
	iommu_domain_free(d->domain);
	d->domain = NULL;
	return ret;
}

/* Nothing reaches the domain once the device is off it. */
static void private_detach(struct istress_domain *d)
{
	iommu_flush_iotlb_all(d->domain);
	iommu_detach_device(d->domain, d->target->dev);
	/* No device reaches the domain now, whatever its tables still say. */
	mutex_lock(&d->lock);
	istress_maps_free_list(&d->retired);
	mutex_unlock(&d->lock);
}

/* Unreachable now: freeing the domain frees its page tables. */
static void private_release(struct istress_domain *d)
{
	iommu_domain_free(d->domain);
	__free_page(d->bounce);
}

const struct istress_domain_ops istress_private_ops = {
	.setup = private_setup,
	.detach = private_detach,
	.release = private_release,
};
