// SPDX-License-Identifier: GPL-2.0
/*
 * The life of a test domain: made on a target by the kind its backend
 * asks for (private.c, shared.c), detached when the session or the
 * device goes, freed when its last user lets go. Unmaps left unsynced
 * on purpose are flushed here before anything can be freed.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "istress.h"

void istress_domain_sync_deferred_locked(struct istress_domain *d)
{
	struct istress_deferred *def, *tmp;

	lockdep_assert_held(&d->lock);
	list_for_each_entry_safe(def, tmp, &d->deferred, node) {
		iommu_iotlb_sync(d->domain, &def->gather);
		istress_maps_free_list(&def->maps);
		list_del(&def->node);
		kfree(def);
	}
	d->ndeferred = 0;
}

void istress_domain_sync_deferred(struct istress_domain *d)
{
	mutex_lock(&d->lock);
	istress_domain_sync_deferred_locked(d);
	mutex_unlock(&d->lock);
}

/* The range lies in the aperture; for a shared domain, it is the test's. */
int istress_domain_check_range(struct istress_domain *d, u64 iova, u64 len)
{
	return istress_domain_check_span(d, iova, iova + len - 1);
}

/* The same for [iova, last]. */
int istress_domain_check_span(struct istress_domain *d, u64 iova, u64 last)
{
	if (iova < d->desc.range_start || last > d->desc.range_last)
		return -ERANGE;
	if (istress_ranges_meet(iova, last, d->desc.window_iova,
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

int istress_domain_create(struct iommu_stress_domain_create *arg,
			  struct istress_domain **out)
{
	struct istress_target *t;
	struct istress_domain *d;
	bool fresh;
	int ret;

	if (arg->flags & ~IOMMU_STRESS_DOMAIN_CREATE_DIRTY)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	if (strnlen(arg->target, sizeof(arg->target)) == sizeof(arg->target))
		return -EINVAL;
	ret = istress_target_get(arg->target, &t, &fresh);
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
	INIT_LIST_HEAD(&d->held);
	d->target = t;
	d->ops = t->be->caps & ISTRESS_BACKEND_SHARED_DOMAIN ?
		 &istress_shared_ops : &istress_private_ops;
	strscpy(d->desc.target, t->name, sizeof(d->desc.target));

	mutex_lock(&t->lock);
	ret = t->gone ? -ENODEV : t->attached ? -EBUSY : 0;
	if (ret)
		goto err_unlock;
	/* Dirty tracking is chosen when a domain is allocated: ours only. */
	d->dirty = arg->flags & IOMMU_STRESS_DOMAIN_CREATE_DIRTY;
	if (d->dirty && d->ops != &istress_private_ops) {
		ret = -EOPNOTSUPP;
		goto err_unlock;
	}
	ret = d->ops->setup(d, arg->range_start, arg->range_last);
	if (ret)
		goto err_unlock;
	/* Without it UNMAP_SKIP_SYNC would skip nothing: see domain_unmap(). */
	if (!d->domain->ops->iotlb_sync)
		d->desc.out_flags |= IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP;
	t->attached = d;
	/* Under the lock: the device may be going away otherwise. */
	istress_describe_iommu(t->dev, &d->desc);
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
static void domain_detach(struct istress_domain *d)
{
	struct istress_target *t = d->target;

	lockdep_assert_held(&t->lock);
	if (t->attached != d)
		return;
	istress_domain_sync_deferred(d);
	t->attached = NULL;
	d->ops->detach(d);
}

/*
 * The target's device is going (removal, unbind): no DMA or attach from
 * now on, and whatever a session mapped on it is unreachable on return.
 * Called with the target lock.
 */
void istress_target_gone_locked(struct istress_target *t)
{
	lockdep_assert_held(&t->lock);
	WRITE_ONCE(t->gone, true);
	if (t->attached)
		domain_detach(t->attached);
}

void istress_target_gone(struct istress_target *t)
{
	mutex_lock(&t->lock);
	istress_target_gone_locked(t);
	mutex_unlock(&t->lock);
}

static void domain_release(struct kref *ref)
{
	struct istress_domain *d = container_of(ref, struct istress_domain, ref);
	struct istress_target *t = d->target;
	struct istress_mapping *m, *tmp;
	LIST_HEAD(maps);

	mutex_lock(&t->lock);
	domain_detach(d);
	mutex_unlock(&t->lock);

	mutex_lock(&d->lock);
	/* Parked unmaps of a domain detached earlier are synced here. */
	istress_domain_sync_deferred_locked(d);
	istress_maps_drain(d, &maps);
	list_splice_init(&d->retired, &maps);
	list_splice_init(&d->held, &maps);
	mutex_unlock(&d->lock);

	if (d->ops->release)
		d->ops->release(d);
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
