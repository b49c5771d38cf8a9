// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of DMA targets and the table of backends. Backends
 * register a target when they bind a device and unregister it on
 * removal, once the domain layer has detached its domain
 * (istress_target_gone), so the device's DMA never outlives its domain.
 * Targets a session takes by name (dmaengine channels) are registered
 * while it holds them, so that they show as busy; they leave with their
 * last reference. A target that is gone is no longer listed, nor found
 * by name.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "istress.h"
#include "race_window.h"

ISTRESS_RACE_WINDOW(query_driver)

static LIST_HEAD(istress_targets);
static DEFINE_MUTEX(istress_targets_lock);

/* Every backend, one line each: the core knows them only from here. */
static const struct istress_backend *const istress_backends[] = {
	&istress_edu_backend,
	&istress_dmaengine_backend,
};

struct istress_target *istress_target_alloc(const struct istress_backend *be)
{
	struct istress_target *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->be = be;
	t->max_dma_len = be->max_dma_len;
	kref_init(&t->ref);
	INIT_LIST_HEAD(&t->node);
	mutex_init(&t->lock);
	return t;
}

/*
 * find() takes references with kref_get_unless_zero() under the registry
 * lock, so a target whose count reached zero is never handed out while it
 * waits here for the lock to leave the list.
 */
static void target_release(struct kref *ref)
{
	struct istress_target *t = container_of(ref, struct istress_target, ref);

	mutex_lock(&istress_targets_lock);
	list_del_init(&t->node);
	mutex_unlock(&istress_targets_lock);
	if (t->ops && t->ops->release)
		t->ops->release(t);
	kfree(t);
}

void istress_target_put(struct istress_target *t)
{
	kref_put(&t->ref, target_release);
}

void istress_target_register(struct istress_target *t)
{
	mutex_lock(&istress_targets_lock);
	list_add_tail(&t->node, &istress_targets);
	mutex_unlock(&istress_targets_lock);
}

/* Drops the registry's reference, after istress_target_gone has run. */
void istress_target_unregister(struct istress_target *t)
{
	mutex_lock(&istress_targets_lock);
	list_del_init(&t->node);
	mutex_unlock(&istress_targets_lock);
	istress_target_put(t);
}

/*
 * Returns the target with a reference held, or NULL. A gone target is not
 * found: a session may still hold one whose channel's driver was unbound,
 * and once the driver is bound again its new channel may have the same
 * name, which the backend then takes afresh.
 */
struct istress_target *istress_target_find(const char *name)
{
	struct istress_target *t, *found = NULL;

	mutex_lock(&istress_targets_lock);
	list_for_each_entry(t, &istress_targets, node) {
		if (READ_ONCE(t->gone))
			continue;
		if (!strcmp(t->name, name) && kref_get_unless_zero(&t->ref)) {
			found = t;
			break;
		}
	}
	mutex_unlock(&istress_targets_lock);
	return found;
}

/*
 * Fills info->targets: the registered targets, then the free dmaengine
 * channels. Returns how many targets exist in all.
 */
int istress_target_list(struct iommu_stress_info *info)
{
	const struct istress_backend *be;
	struct istress_target *t;
	unsigned int i;
	int n = 0;

	mutex_lock(&istress_targets_lock);
	list_for_each_entry(t, &istress_targets, node) {
		if (READ_ONCE(t->gone))
			continue;
		if (n < IOMMU_STRESS_MAX_TARGETS) {
			struct iommu_stress_target_info *ti = &info->targets[n];

			strscpy(ti->name, t->name, sizeof(ti->name));
			ti->backend = t->be->id;
			ti->max_dma_len = t->max_dma_len;
			ti->busy = READ_ONCE(t->attached) != NULL;
		}
		n++;
	}
	mutex_unlock(&istress_targets_lock);
	for (i = 0; i < ARRAY_SIZE(istress_backends); i++) {
		be = istress_backends[i];
		if (be->list)
			n = be->list(info, n);
	}
	return n;
}

/* The INFO feature bits of every backend this build has. */
u64 istress_backend_features(void)
{
	u64 features = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(istress_backends); i++)
		features |= istress_backends[i]->feature;
	return features;
}

/*
 * A target by name: a registered one, referenced (@fresh false), or one
 * a backend takes now for the caller (@fresh true; not registered yet).
 */
int istress_target_get(const char *name, struct istress_target **out,
		       bool *fresh)
{
	const struct istress_backend *be;
	unsigned int i;
	int ret;

	*out = istress_target_find(name);
	*fresh = !*out;
	if (*out)
		return 0;
	for (i = 0; i < ARRAY_SIZE(istress_backends); i++) {
		be = istress_backends[i];
		if (!be->get)
			continue;
		ret = be->get(name, out);
		if (ret != -ENODEV)
			return ret;
	}
	return -ENODEV;
}

/*
 * The caller keeps @dev's driver bound, and so its name (which lives in
 * the driver's module) there, while this runs: a registered target's
 * under t->lock (the module's own edu driver, or a channel whose unbind
 * notifier takes that lock before the provider's remove()), a free
 * channel's under its device lock, which an unbind takes first.
 */
static void fill_query(struct iommu_stress_target_query *q,
		       const struct istress_backend *be, struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	struct iommu_group *group = iommu_group_get(dev);
	struct device_driver *drv = dev->driver;

	race_window_query_driver();
	strscpy(q->device, dev_name(dev), sizeof(q->device));
	strscpy(q->driver, drv ? drv->name : "", sizeof(q->driver));
	q->iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	q->domain_type = istress_domain_type(domain);
	q->caps = be->caps & ISTRESS_BACKEND_SHARED_DOMAIN ?
		  IOMMU_STRESS_TARGET_SHARED_DOMAIN : 0;
}

/* TARGET_QUERY: a registered target, or a free dmaengine channel. */
int istress_target_query(struct iommu_stress_target_query *q)
{
	char chan[IOMMU_STRESS_NAME_LEN];
	struct istress_target *t;
	struct device *dev;
	const struct istress_backend *be;
	unsigned int i;

	if (q->flags)
		return -EOPNOTSUPP;
	if (q->__reserved || q->__reserved2)
		return -EINVAL;
	if (strnlen(q->name, sizeof(q->name)) == sizeof(q->name))
		return -EINVAL;
	t = istress_target_find(q->name);
	if (t) {
		int ret = 0;

		mutex_lock(&t->lock);
		q->backend = t->be->id;
		q->max_dma_len = t->max_dma_len;
		q->busy = t->attached != NULL;
		if (t->gone)
			ret = -ENODEV;
		else
			fill_query(q, t->be, t->dev);
		mutex_unlock(&t->lock);
		istress_target_put(t);
		return ret;
	}
	for (i = 0; i < ARRAY_SIZE(istress_backends); i++) {
		be = istress_backends[i];
		dev = be->lookup ? be->lookup(q->name, chan, sizeof(chan)) : NULL;
		if (!dev)
			continue;
		q->backend = be->id;
		q->max_dma_len = be->max_dma_len;
		q->busy = 0;
		device_lock(dev);
		fill_query(q, be, dev);
		device_unlock(dev);
		put_device(dev);
		return 0;
	}
	return -ENODEV;
}
