// SPDX-License-Identifier: GPL-2.0
/*
 * What the module can tell of the IOMMU behind a device: which unit and
 * driver translate for it, and the type of a domain.
 */
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "istress.h"

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
void istress_describe_iommu(struct device *dev,
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
