// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of DMA targets. Backends register a target when they bind
 * a device and unregister it on removal; the domain attached at that point
 * is detached first, so the device's DMA never outlives its domain.
 * dmaengine channels are registered while a session holds them, so that
 * they show as busy; they leave with their last reference.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "istress.h"

static LIST_HEAD(istress_targets);
static DEFINE_MUTEX(istress_targets_lock);

struct istress_target *istress_target_alloc(void)
{
	struct istress_target *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
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

/* After this returns, the backend's device is never touched again. */
void istress_target_unregister(struct istress_target *t)
{
	mutex_lock(&istress_targets_lock);
	list_del_init(&t->node);
	mutex_unlock(&istress_targets_lock);

	mutex_lock(&t->lock);
	t->gone = true;
	if (t->attached)
		istress_domain_detach(t->attached);
	mutex_unlock(&t->lock);
	istress_target_put(t);
}

/* Returns the target with a reference held, or NULL. */
struct istress_target *istress_target_find(const char *name)
{
	struct istress_target *t, *found = NULL;

	mutex_lock(&istress_targets_lock);
	list_for_each_entry(t, &istress_targets, node) {
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
	struct istress_target *t;
	int n = 0;

	mutex_lock(&istress_targets_lock);
	list_for_each_entry(t, &istress_targets, node) {
		if (n < IOMMU_STRESS_MAX_TARGETS) {
			struct iommu_stress_target_info *ti = &info->targets[n];

			strscpy(ti->name, t->name, sizeof(ti->name));
			ti->backend = t->backend;
			ti->max_dma_len = t->max_dma_len;
			ti->busy = READ_ONCE(t->attached) != NULL;
		}
		n++;
	}
	mutex_unlock(&istress_targets_lock);
	return istress_dmaengine_list(info, n);
}

static void fill_query(struct iommu_stress_target_query *q, struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	struct iommu_group *group = iommu_group_get(dev);
	/* Another driver's device: it may be unbound at any moment. */
	struct device_driver *drv = READ_ONCE(dev->driver);

	strscpy(q->device, dev_name(dev), sizeof(q->device));
	strscpy(q->driver, drv ? drv->name : "", sizeof(q->driver));
	q->iommu_group = group ? iommu_group_id(group) : -1;
	iommu_group_put(group);
	q->domain_type = istress_domain_type(domain);
}

/* TARGET_QUERY: a registered target, or a free dmaengine channel. */
int istress_target_query(struct iommu_stress_target_query *q)
{
	char chan[IOMMU_STRESS_NAME_LEN];
	struct istress_target *t;
	struct device *dev;

	if (q->flags)
		return -EOPNOTSUPP;
	if (q->__reserved)
		return -EINVAL;
	if (strnlen(q->name, sizeof(q->name)) == sizeof(q->name))
		return -EINVAL;
	t = istress_target_find(q->name);
	if (t) {
		int ret = 0;

		mutex_lock(&t->lock);
		q->backend = t->backend;
		q->max_dma_len = t->max_dma_len;
		q->busy = t->attached != NULL;
		if (t->gone)
			ret = -ENODEV;
		else
			fill_query(q, t->dev);
		mutex_unlock(&t->lock);
		istress_target_put(t);
		return ret;
	}
	dev = istress_dmaengine_lookup(q->name, chan, sizeof(chan));
	if (!dev)
		return -ENODEV;
	q->backend = IOMMU_STRESS_BACKEND_DMAENGINE;
	q->max_dma_len = ISTRESS_DMAENGINE_MAX_XFER;
	q->busy = 0;
	fill_query(q, dev);
	put_device(dev);
	return 0;
}
