/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOMMU_STRESS_INFO_H
#define IOMMU_STRESS_INFO_H

#include <stdio.h>

/*
 * What 'iommu-stress info' prints: the module, then one line per DMA
 * target (backend, device, driver, IOMMU group, domain type) with what
 * the IOMMU behind it offers, or why no test can use its domain.
 * 0, or -1 when the module cannot be asked (printed).
 */
int info_print(FILE *f);

#endif
