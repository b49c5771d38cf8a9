// SPDX-License-Identifier: GPL-2.0
/*
 * Private unmanaged IOMMU domains attached to a DMA target, and the
 * map/unmap operations on them.
 *
 * Safety rule: a page the module mapped is never freed while a device could
 * still translate to it. UNMAP with SKIP_SYNC leaves the IOTLB stale on
 * purpose, so its gather (and the unmapped pieces, which pin their buffers)
 * is parked on d->deferred and synced before detach, before teardown, or
 * when too many are parked.
 */
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "istress.h"
#include "compat.h"
#include "race_window.h"

ISTRESS_RACE_WINDOW(map)
ISTRESS_RACE_WINDOW(unmap)

#ifdef ISTRESS_UNSAFE_TESTS
/*
 * Test builds only: a SKIP_SYNC unmap releases its pages at once, as a
 * driver that frees before flushing would, so the VM test can prove that
 * a device write to freed memory is detected.
 */
static bool unsafe_free_unsynced;
module_param(unsafe_free_unsynced, bool, 0644);
MODULE_PARM_DESC(unsafe_free_unsynced, "TEST BUILD: free pages of SKIP_SYNC unmaps before any flush");
#else
#define unsafe_free_unsynced false
#endif

/* Parked unsynced unmaps per domain before they are flushed anyway. */
#define ISTRESS_MAX_DEFERRED	4096
/* The bounce window: one page mapped, a whole 2M region reserved. */
#define ISTRESS_WINDOW_LEN	SZ_2M
/* Keep the window low enough not to force extra table levels. */
#define ISTRESS_WINDOW_CEILING	(1ULL << 39)

static void free_pieces(struct list_head *list)
{
	struct istress_mapping *m, *tmp;

	list_for_each_entry_safe(m, tmp, list, dnode)
		istress_mapping_free(m);
	INIT_LIST_HEAD(list);
}

/*
 * A MAP or UNMAP in the driver, which may free page tables anywhere in its
 * span: a MAP the tables a superpage replaces, an UNMAP the ones it
 * empties. No walk may read them meanwhile. Nothing may be mapped into an
 * UNMAP's gaps either (the driver unmaps them too, and the record would
 * outlive the translation), and no other UNMAP may reach the driver there
 * (both would free the same empty tables).
 */
struct op_span {
	struct list_head node;
	u64 start;
	u64 last;
	bool unmap;
};

/* Whether [start, last] meets an UNMAP in flight (@any: or a MAP). */
static bool meets_span(struct istress_domain *d, u64 start, u64 last, bool any)
{
	struct op_span *sp;

	lockdep_assert_held(&d->lock);
	list_for_each_entry(sp, &d->in_flight, node)
		if ((any || sp->unmap) && start <= sp->last && sp->start <= last)
			return true;
	return false;
}

static void span_begin(struct istress_domain *d, struct op_span *sp, u64 start,
		       u64 last, bool unmap)
{
	lockdep_assert_held(&d->lock);
	sp->start = start;
	sp->last = last;
	sp->unmap = unmap;
	list_add(&sp->node, &d->in_flight);
}

/* Walks waiting for the span go on; ops_done is read without the lock. */
static void span_end(struct istress_domain *d, struct op_span *sp)
{
	lockdep_assert_held(&d->lock);
	list_del(&sp->node);
	WRITE_ONCE(d->ops_done, d->ops_done + 1);
	wake_up_all(&d->op_wq);
}

static void deferred_sync_all(struct istress_domain *d)
{
	struct istress_deferred *def, *tmp;

	lockdep_assert_held(&d->lock);
	list_for_each_entry_safe(def, tmp, &d->deferred, node) {
		iommu_iotlb_sync(d->domain, &def->gather);
		free_pieces(&def->maps);
		list_del(&def->node);
		kfree(def);
	}
	d->ndeferred = 0;
}

void istress_domain_sync_deferred(struct istress_domain *d)
{
	mutex_lock(&d->lock);
	deferred_sync_all(d);
	mutex_unlock(&d->lock);
}

/* Reads a numeric attribute of the IOMMU's sysfs group, e.g. intel "cap". */
static int iommu_attr_u64(struct device *iommu_dev, const char *group,
			  const char *name, u64 *val)
{
	const struct attribute_group **g;
	struct attribute **a;
	char *page;
	int ret = -ENOENT;

	if (!iommu_dev->groups)
		return -ENOENT;
	page = (char *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	for (g = iommu_dev->groups; *g && ret == -ENOENT; g++) {
		if (!(*g)->name || strcmp((*g)->name, group))
			continue;
		for (a = (*g)->attrs; a && *a; a++) {
			struct device_attribute *da;

			if (strcmp((*a)->name, name))
				continue;
			da = container_of(*a, struct device_attribute, attr);
			ret = da->show ? da->show(iommu_dev, da, page) : -EIO;
			if (ret >= 0)
				ret = kstrtou64(strim(page), 16, val);
			break;
		}
	}
	free_page((unsigned long)page);
	return ret;
}

/* Which IOMMU translates for @dev, as far as public interfaces tell. */
static void describe_iommu(struct device *dev,
			   struct iommu_stress_domain_create *desc)
{
	struct iommu_device *iommu = dev->iommu ? dev->iommu->iommu_dev : NULL;
	struct device *idev = iommu ? iommu->dev : NULL;
	const char *driver = "unknown";

	if (!idev)
		goto out;
	strscpy(desc->iommu_name, dev_name(idev), sizeof(desc->iommu_name));
	/* Intel and AMD name their sysfs group after the driver. */
	if (idev->groups && idev->groups[0] && idev->groups[0]->name)
		driver = idev->groups[0]->name;
	else if (idev->parent && idev->parent->driver)
		driver = idev->parent->driver->name;

	if (!strcmp(driver, "intel-iommu") &&
	    !iommu_attr_u64(idev, "intel-iommu", "cap", &desc->intel_cap) &&
	    !iommu_attr_u64(idev, "intel-iommu", "ecap", &desc->intel_ecap))
		desc->out_flags |= IOMMU_STRESS_DOMAIN_INTEL_CAPS;
out:
	strscpy(desc->iommu_driver, driver, sizeof(desc->iommu_driver));
}

static bool ranges_meet(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 <= b1 && b0 <= a1;
}

/* Adds [start, last] to the ranges no map, DMA or window may touch. */
int istress_resv_add(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_resv *r;

	r = krealloc_array(d->resv, d->nresv + 1, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r[d->nresv].start = start;
	r[d->nresv].last = last;
	d->resv = r;
	d->nresv++;
	return 0;
}

/* The IOMMU group's reserved regions: MSI doorbells, RMRRs, ... */
int istress_resv_from_group(struct istress_domain *d, struct device *dev)
{
	struct iommu_resv_region *r, *tmp;
	struct iommu_group *group;
	LIST_HEAD(list);
	int ret;

	group = iommu_group_get(dev);
	if (!group)
		return -ENODEV;
	ret = iommu_get_group_resv_regions(group, &list);
	iommu_group_put(group);
	list_for_each_entry(r, &list, list) {
		if (!ret)
			ret = istress_resv_add(d, r->start,
					       r->start + r->length - 1);
	}
	/* The group hands out private copies allocated with kzalloc. */
	list_for_each_entry_safe(r, tmp, &list, list)
		kfree(r);
	return ret;
}

bool istress_resv_hits(struct istress_domain *d, u64 start, u64 last)
{
	unsigned int i;

	for (i = 0; i < d->nresv; i++)
		if (ranges_meet(start, last, d->resv[i].start, d->resv[i].last))
			return true;
	return false;
}

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

/* The range lies in the aperture; for a shared domain, it is the test's. */
int istress_domain_check_range(struct istress_domain *d, u64 iova, u64 len)
{
	u64 last = iova + len - 1;

	if (iova < d->desc.range_start || last > d->desc.range_last)
		return -ERANGE;
	if (ranges_meet(iova, last, d->desc.window_iova,
			d->desc.window_iova + d->desc.window_len - 1) ||
	    istress_resv_hits(d, iova, last))
		return -EADDRNOTAVAIL;
	return 0;
}

/* Pins a domain's page tables for a MAP, UNMAP or walk; -ENODEV if gone. */
int istress_domain_enter(struct istress_domain *d)
{
	down_read(&d->users);
	if (d->live)
		return 0;
	up_read(&d->users);
	return -ENODEV;
}

void istress_domain_exit(struct istress_domain *d)
{
	up_read(&d->users);
}

u32 istress_domain_type(struct iommu_domain *domain)
{
	if (!domain)
		return IOMMU_STRESS_DOMTYPE_NONE;
	switch (domain->type) {
	case IOMMU_DOMAIN_IDENTITY:
		return IOMMU_STRESS_DOMTYPE_IDENTITY;
	case IOMMU_DOMAIN_DMA:
		return IOMMU_STRESS_DOMTYPE_DMA;
	case IOMMU_DOMAIN_DMA_FQ:
		return IOMMU_STRESS_DOMTYPE_DMA_FQ;
	case IOMMU_DOMAIN_UNMANAGED:
		return IOMMU_STRESS_DOMTYPE_UNMANAGED;
	case IOMMU_DOMAIN_BLOCKED:
		return IOMMU_STRESS_DOMTYPE_BLOCKED;
	default:
		return IOMMU_STRESS_DOMTYPE_OTHER;
	}
}

/*
 * A private unmanaged domain attached to the target's device, with the
 * bounce page mapped in the module's window. Called with the target lock.
 */
static int private_setup(struct istress_domain *d)
{
	struct istress_target *t = d->target;
	int ret;

	d->domain = istress_paging_domain_alloc(t->dev);
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

/* A target by name: registered, or a free dmaengine channel taken now. */
static int get_target(const char *name, struct istress_target **out,
		      bool *fresh)
{
	*out = istress_target_find(name);
	*fresh = !*out;
	if (*out)
		return 0;
	return istress_dmaengine_get(name, out);
}

int istress_domain_create(struct iommu_stress_domain_create *arg,
			  struct istress_domain **out)
{
	struct istress_target *t;
	struct istress_domain *d;
	bool fresh;
	int ret;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	if (strnlen(arg->target, sizeof(arg->target)) == sizeof(arg->target))
		return -EINVAL;
	ret = get_target(arg->target, &t, &fresh);
	if (ret)
		return ret;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		ret = -ENOMEM;
		goto err_put_target;
	}
	kref_init(&d->ref);
	mutex_init(&d->lock);
	init_rwsem(&d->users);
	d->live = true;
	INIT_LIST_HEAD(&d->shared_node);
	INIT_LIST_HEAD(&d->in_flight);
	init_waitqueue_head(&d->op_wq);
	d->maps = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&d->deferred);
	INIT_LIST_HEAD(&d->retired);
	d->target = t;
	strscpy(d->desc.target, t->name, sizeof(d->desc.target));

	mutex_lock(&t->lock);
	ret = t->gone ? -ENODEV : t->attached ? -EBUSY : 0;
	if (ret)
		goto err_unlock;
	if (t->backend == IOMMU_STRESS_BACKEND_DMAENGINE)
		ret = istress_shared_setup(d, arg->range_start,
					   arg->range_last);
	else if (arg->range_start || arg->range_last)
		ret = -EINVAL;
	else
		ret = private_setup(d);
	if (ret)
		goto err_unlock;
	t->attached = d;
	/* Under the lock: the device may be going away otherwise. */
	describe_iommu(t->dev, &d->desc);
	mutex_unlock(&t->lock);
	/* A channel taken just now shows as busy while the domain lives. */
	if (fresh)
		istress_target_register(t);

	*out = d;
	return 0;

err_unlock:
	mutex_unlock(&t->lock);
	kfree(d->resv);
	kfree(d);
err_put_target:
	istress_target_put(t);
	return ret;
}

/*
 * Flushes everything still parked and takes the device off the domain, so
 * nothing in it is reachable any more. Called with the target lock held,
 * from teardown or when the device goes away.
 */
void istress_domain_detach(struct istress_domain *d)
{
	struct istress_target *t = d->target;

	lockdep_assert_held(&t->lock);
	if (t->attached != d)
		return;
	mutex_lock(&d->lock);
	deferred_sync_all(d);
	mutex_unlock(&d->lock);
	t->attached = NULL;
	if (d->shared) {
		/* The device stays on the domain: take back all we mapped. */
		istress_shared_unmap_all(d);
		return;
	}
	iommu_flush_iotlb_all(d->domain);
	iommu_detach_device(d->domain, t->dev);
	/* No device reaches the domain now, whatever its tables still say. */
	mutex_lock(&d->lock);
	free_pieces(&d->retired);
	mutex_unlock(&d->lock);
}

static void domain_release(struct kref *ref)
{
	struct istress_domain *d = container_of(ref, struct istress_domain, ref);
	struct istress_target *t = d->target;
	struct istress_mapping *m, *tmp;
	LIST_HEAD(maps);

	mutex_lock(&t->lock);
	istress_domain_detach(d);
	mutex_unlock(&t->lock);

	mutex_lock(&d->lock);
	/* Parked unmaps of a domain detached earlier are synced here. */
	deferred_sync_all(d);
	istress_maps_drain(d, &maps);
	list_splice_init(&d->retired, &maps);
	mutex_unlock(&d->lock);

	/* A shared domain is the device's: unmap_all gave back all of ours. */
	if (!d->shared) {
		/* Unreachable now: freeing the domain frees its page tables. */
		iommu_domain_free(d->domain);
		__free_page(d->bounce);
	}
	list_for_each_entry_safe(m, tmp, &maps, dnode)
		istress_mapping_free(m);
	kfree(d->resv);
	kfree(d);
	istress_target_put(t);
}

void istress_domain_put(struct istress_domain *d)
{
	kref_put(&d->ref, domain_release);
}

/* Alignment, size and placement checks shared by MAP and UNMAP. */
static int check_iova(struct istress_domain *d, u64 iova, u64 len)
{
	u64 align = 1ULL << __ffs(d->desc.pgsize_bitmap);

	align = max_t(u64, align, PAGE_SIZE);
	if (!len || (iova | len) & (align - 1))
		return -EINVAL;
	if (iova + len < iova || iova + len - 1 > ULONG_MAX)
		return -EOVERFLOW;
	return istress_domain_check_range(d, iova, len);
}

/* Maps physically contiguous runs of the buffer with one call each. */
static int map_runs(struct istress_domain *d, struct istress_buf *buf,
		    u64 iova, u64 offset, u64 len, int prot)
{
	u64 chunk = PAGE_SIZE << buf->chunk_order;
	u64 done = 0;
	int ret;

	while (done < len) {
		phys_addr_t pa = istress_buf_phys(buf, offset + done);
		u64 run = min(len - done, chunk - ((offset + done) & (chunk - 1)));

		while (done + run < len &&
		       istress_buf_phys(buf, offset + done + run) == pa + run)
			run += min(len - done - run, chunk);
		ret = istress_iommu_map(d->domain, iova + done, pa, run, prot);
		if (ret)
			goto err_unmap;
		done += run;
	}
	return 0;

err_unmap:
	if (done)
		iommu_unmap(d->domain, iova, done);
	return ret;
}

static int domain_map(struct istress_domain *d, struct istress_buf *buf,
		      struct iommu_stress_map *arg)
{
	const u32 prot_mask = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE;
	bool overlap = arg->flags & IOMMU_STRESS_MAP_OVERLAP;
	struct istress_mapping *spare[2] = { NULL, NULL };
	struct istress_mapping *m;
	struct op_span span;
	LIST_HEAD(cut);
	int prot = 0;
	u64 t0;
	int ret;

	if (arg->flags & ~IOMMU_STRESS_MAP_OVERLAP)
		return -EOPNOTSUPP;
	/* Whatever is there in a shared domain may be the driver's. */
	if (overlap && d->shared)
		return -EOPNOTSUPP;
	if (arg->__reserved || !arg->prot || arg->prot & ~prot_mask)
		return -EINVAL;
	ret = check_iova(d, arg->iova, arg->length);
	if (ret)
		return ret;
	if (arg->offset & (PAGE_SIZE - 1) || arg->offset > buf->length ||
	    arg->length > buf->length - arg->offset)
		return -EINVAL;
	if (arg->prot & IOMMU_STRESS_PROT_READ)
		prot |= IOMMU_READ;
	if (arg->prot & IOMMU_STRESS_PROT_WRITE)
		prot |= IOMMU_WRITE;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (overlap) {
		spare[0] = kzalloc(sizeof(*spare[0]), GFP_KERNEL);
		spare[1] = kzalloc(sizeof(*spare[1]), GFP_KERNEL);
	}
	if (!m || (overlap && (!spare[0] || !spare[1]))) {
		ret = -ENOMEM;
		goto out_free;
	}
	m->start = arg->iova;
	m->last = arg->iova + arg->length - 1;
	m->offset = arg->offset;
	m->buf = buf;
	m->owner = m;
	istress_buf_get(buf);

	mutex_lock(&d->lock);
	if (!overlap && istress_maps_overlap(d, m->start, m->last))
		ret = -EEXIST;
	else if (meets_span(d, m->start, m->last, false))
		ret = -EBUSY;
	else if (overlap)
		ret = istress_maps_claim_overlap(d, m->start, m->last, m);
	if (!ret) {
		istress_maps_insert(d, m);
		span_begin(d, &span, m->start, m->last, false);
	}
	mutex_unlock(&d->lock);
	if (ret)
		goto out_free;

	race_window_map();
	/* Never over a mapping the device's own driver made. */
	ret = d->shared ? istress_shared_check_free(d, arg->iova, arg->length) : 0;
	if (!ret) {
		/* The driver call runs unlocked so threads race inside it. */
		t0 = ktime_get_ns();
		ret = map_runs(d, buf, arg->iova, arg->offset, arg->length,
			       prot);
		arg->ns = ktime_get_ns() - t0;
	}

	mutex_lock(&d->lock);
	span_end(d, &span);
	if (ret) {
		if (overlap)
			istress_maps_unclaim(d, m);
		istress_maps_remove(d, m);
	} else {
		if (overlap) {
			istress_maps_replace(d, m, &cut, spare,
					     ARRAY_SIZE(spare));
			list_splice_tail_init(&cut, &d->retired);
		}
		m->owner = NULL;
		m = NULL;
	}
	mutex_unlock(&d->lock);

out_free:
	if (m && m->buf)
		istress_mapping_free(m);
	else
		kfree(m);
	kfree(spare[0]);
	kfree(spare[1]);
	return ret;
}

/*
 * Whether the driver still translates part of a piece it said it
 * unmapped. Leftovers appear at superpage edges, so every page of the
 * first and last 2M is probed, and every 2M step between (which finds
 * any superpage left behind).
 */
static bool still_translates(struct istress_domain *d,
			     const struct istress_mapping *m)
{
	u64 iova = m->start;

	for (;;) {
		u64 step = iova - m->start < SZ_2M || m->last - iova < SZ_2M ?
			   PAGE_SIZE : SZ_2M;

		if (iommu_iova_to_phys(d->domain, iova))
			return true;
		if (m->last - iova < step)
			return false;
		iova += step;
	}
}

/* Moves the pieces the driver still maps from @cut to d->retired. */
static bool retire_still_mapped(struct istress_domain *d, struct list_head *cut)
{
	struct istress_mapping *m, *tmp;
	bool any = false;

	lockdep_assert_held(&d->lock);
	list_for_each_entry_safe(m, tmp, cut, dnode) {
		if (still_translates(d, m)) {
			list_move_tail(&m->dnode, &d->retired);
			any = true;
		}
	}
	return any;
}

/* Parks a SKIP_SYNC unmap; flushes everything parked when too many are. */
static void deferred_park(struct istress_domain *d, struct istress_deferred *def)
{
	lockdep_assert_held(&d->lock);
	if (d->ndeferred >= ISTRESS_MAX_DEFERRED)
		deferred_sync_all(d);
	list_add_tail(&def->node, &d->deferred);
	d->ndeferred++;
}

/*
 * Whether an UNMAP of [iova, last] may go to the driver, and what the
 * driver may clear for it (*reach, *reach_last): until it is done no MAP
 * may fill those gaps, nor another UNMAP reach them. In a shared domain
 * the range's gaps must translate nothing (what is there is not the
 * session's), and all the driver may clear must lie in the test's range
 * and translate nothing but the session's own mappings.
 */
static int unmap_admit(struct istress_domain *d, u64 iova, u64 last,
		       u64 *reach, u64 *reach_last)
{
	int ret;

	lockdep_assert_held(&d->lock);
	if (d->shared) {
		ret = istress_maps_for_each_gap(d, iova, last,
						istress_shared_check_free);
		if (ret)
			return ret;
	}
	if (!istress_maps_overlap(d, iova, last))
		return -ENOENT;
	*reach = iova;
	*reach_last = last;
	istress_maps_leaf_bounds(d, reach, reach_last);
	if (meets_span(d, *reach, *reach_last, false))
		return -EBUSY;
	if (!d->shared || (*reach == iova && *reach_last == last))
		return 0;
	if (*reach < d->desc.range_start || *reach_last > d->desc.range_last)
		return -ERANGE;
	return istress_maps_for_each_gap(d, *reach, *reach_last,
					 istress_shared_check_free);
}

static int domain_unmap(struct istress_domain *d,
			struct iommu_stress_unmap *arg)
{
	bool skip = arg->flags & IOMMU_STRESS_UNMAP_SKIP_SYNC;
	struct istress_mapping *spare[2] = { NULL, NULL };
	struct istress_mapping *m, *tmp;
	struct iommu_iotlb_gather sync_gather, *gather = &sync_gather;
	struct istress_deferred *def = NULL;
	u64 last = arg->iova + arg->length - 1;
	struct op_span span;
	u64 reach, reach_last;
	LIST_HEAD(cut);
	size_t unmapped;
	u64 t0;
	int ret;

	if (arg->flags & ~IOMMU_STRESS_UNMAP_SKIP_SYNC)
		return -EOPNOTSUPP;
	if (arg->__reserved || arg->__reserved2)
		return -EINVAL;
	ret = check_iova(d, arg->iova, arg->length);
	if (ret)
		return ret;

	/* Allocate everything first: once the driver has unmapped, no failing. */
	spare[0] = kzalloc(sizeof(*spare[0]), GFP_KERNEL);
	spare[1] = kzalloc(sizeof(*spare[1]), GFP_KERNEL);
	if (skip) {
		def = kzalloc(sizeof(*def), GFP_KERNEL);
		if (def) {
			INIT_LIST_HEAD(&def->maps);
			gather = &def->gather;
		}
	}
	if (!spare[0] || !spare[1] || (skip && !def)) {
		ret = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&d->lock);
	ret = unmap_admit(d, arg->iova, last, &reach, &reach_last);
	if (!ret)
		ret = istress_maps_claim(d, arg->iova, last, &span);
	if (!ret)
		span_begin(d, &span, reach, reach_last, true);
	mutex_unlock(&d->lock);
	if (ret)
		goto out_free;

	race_window_unmap();
	/* The gather must not move once the driver has queued pages on it. */
	iommu_iotlb_gather_init(gather);
	t0 = ktime_get_ns();
	unmapped = iommu_unmap_fast(d->domain, arg->iova, arg->length, gather);
	if (!skip)
		iommu_iotlb_sync(d->domain, gather);
	arg->ns = ktime_get_ns() - t0;
	arg->unmapped = unmapped;

	mutex_lock(&d->lock);
	span_end(d, &span);
	istress_maps_release(d, &span, arg->iova, last, unmapped, &cut, spare,
			     ARRAY_SIZE(spare));
	arg->out_flags = 0;
	if (retire_still_mapped(d, &cut))
		arg->out_flags |= IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED;
	if (skip && unmapped) {
		if (!unsafe_free_unsynced)
			list_splice_init(&cut, &def->maps);
		deferred_park(d, def);
		def = NULL;
	}
	mutex_unlock(&d->lock);

	/* Synced: the unmapped pieces may release their buffers now. */
	list_for_each_entry_safe(m, tmp, &cut, dnode)
		istress_mapping_free(m);
out_free:
	kfree(def);
	kfree(spare[0]);
	kfree(spare[1]);
	return ret;
}

int istress_domain_map(struct istress_domain *d, struct istress_buf *buf,
		       struct iommu_stress_map *arg)
{
	int ret = istress_domain_enter(d);

	if (ret)
		return ret;
	ret = domain_map(d, buf, arg);
	istress_domain_exit(d);
	return ret;
}

/*
 * The driver's walk of @iova, once no MAP or UNMAP in the driver covers
 * it: either may be freeing the page tables there, and the walk takes no
 * lock of the driver's. A walk holds d->lock, so none starts meanwhile.
 */
static int domain_walk(struct istress_domain *d, u64 iova, phys_addr_t *phys)
{
	unsigned long done;
	int ret;

	mutex_lock(&d->lock);
	while (meets_span(d, iova, iova, true)) {
		done = d->ops_done;
		mutex_unlock(&d->lock);
		ret = wait_event_killable(d->op_wq,
					  READ_ONCE(d->ops_done) != done);
		if (ret)
			return ret;
		mutex_lock(&d->lock);
	}
	*phys = iommu_iova_to_phys(d->domain, iova);
	mutex_unlock(&d->lock);
	return 0;
}

int istress_domain_walk(struct istress_domain *d, u64 iova, phys_addr_t *phys)
{
	int ret = istress_domain_enter(d);

	if (ret)
		return ret;
	ret = domain_walk(d, iova, phys);
	istress_domain_exit(d);
	return ret;
}

int istress_domain_unmap(struct istress_domain *d,
			 struct iommu_stress_unmap *arg)
{
	int ret = istress_domain_enter(d);

	if (ret)
		return ret;
	ret = domain_unmap(d, arg);
	istress_domain_exit(d);
	return ret;
}
