// SPDX-License-Identifier: GPL-2.0
/*
 * pci_driver.driver_managed_dma (v5.19) tells the IOMMU core that the driver
 * attaches its own domain instead of using the DMA API's default one.
 */
/* absent: has no member named .driver_managed_dma. */
#include <linux/pci.h>

struct pci_driver probe = {
	.driver_managed_dma = true,
};
