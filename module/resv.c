// SPDX-License-Identifier: GPL-2.0
/*
 * Reserved ranges of a domain: IOVAs no map, DMA or window may touch
 * (the IOMMU group's reserved regions, PCI host-bridge windows, other
 * sessions' ranges in a shared domain).
 */
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/resource_ext.h>
#include <linux/slab.h>

#include "istress.h"
#include "compat.h"

/* Adds [start, last] to the ranges no map, DMA or window may touch. */
int istress_resv_add(struct istress_domain *d, u64 start, u64 last)
{
	struct istress_resv *r;

	r = istress_krealloc_array(d->resv, d->nresv + 1, sizeof(*r),
				   GFP_KERNEL);
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
		if (istress_ranges_meet(start, last, d->resv[i].start,
					d->resv[i].last))
			return true;
	return false;
}

/*
 * Host-bridge memory windows: a DMA to such an address may be routed to a
 * peer device instead of the IOMMU. The DMA API keeps out of them too.
 */
int istress_resv_from_pci_windows(struct istress_domain *d, struct device *dev)
{
	struct pci_host_bridge *bridge;
	struct resource_entry *win;
	int ret;

	if (!dev_is_pci(dev))
		return 0;
	bridge = istress_pci_find_host_bridge(to_pci_dev(dev)->bus);
	if (!bridge)
		return 0;
	resource_list_for_each_entry(win, &bridge->windows) {
		if (resource_type(win->res) != IORESOURCE_MEM)
			continue;
		ret = istress_resv_add(d, win->res->start - win->offset,
				       win->res->end - win->offset);
		if (ret)
			return ret;
	}
	return 0;
}
