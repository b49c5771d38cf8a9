// SPDX-License-Identifier: GPL-2.0
/*
 * What the module can tell of the IOMMU behind a device: which unit and
 * driver translate for it, and the type of a domain. Registers such as
 * Intel's cap/ecap the tool reads from the unit's own sysfs group: no
 * other driver's show() is called from here.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/string.h>

#include "istress.h"
#include "compat.h"

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
	/* A macro wherever it exists (v5.15 on): no probe needed. */
#ifdef IOMMU_DOMAIN_DMA_FQ
	case IOMMU_DOMAIN_DMA_FQ:
		return IOMMU_STRESS_DOMTYPE_DMA_FQ;
#endif
	case IOMMU_DOMAIN_UNMANAGED:
		return IOMMU_STRESS_DOMTYPE_UNMANAGED;
	case IOMMU_DOMAIN_BLOCKED:
		return IOMMU_STRESS_DOMTYPE_BLOCKED;
	default:
		return IOMMU_STRESS_DOMTYPE_OTHER;
	}
}
