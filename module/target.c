// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of DMA targets. Backends register a target when they bind
 * a device and unregister it on removal; the domain attached at that point
 * is detached first, so the device's DMA never outlives its domain.
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

static void target_release(struct kref *ref)
{
	kfree(container_of(ref, struct istress_target, ref));
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
		if (!strcmp(t->name, name)) {
			kref_get(&t->ref);
			found = t;
			break;
		}
	}
	mutex_unlock(&istress_targets_lock);
	return found;
}

/* Fills info->targets; returns how many targets exist in all. */
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
	return n;
}
