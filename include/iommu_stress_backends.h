/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's DMA backends as user space sees them, one row each. The
 * tool names targets by it, the unit tests' fake module (tests/unit/
 * fake-module.c) models one target of each row, and the ABI table
 * (tests/hardening/abi.c) runs one variant per row. The module's own
 * table is istress_backends[] in module/target.c;
 * tests/unit/backend-table-check holds this one to it and to the uapi's
 * enum iommu_stress_backend.
 *
 * X(ID, NAME, FEATURE, CAPS, MAX_DMA_LEN):
 *   ID           the enum iommu_stress_backend value after
 *                IOMMU_STRESS_BACKEND_;
 *   NAME         the word the tool prints for it, also the ABI variant's
 *                name (a C identifier);
 *   FEATURE      the INFO feature bit of a module built with it;
 *   CAPS         the IOMMU_STRESS_TARGET_* caps TARGET_QUERY reports for
 *                its targets;
 *   MAX_DMA_LEN  the most one DMA ioctl moves on its targets.
 */
#ifndef IOMMU_STRESS_BACKENDS_H
#define IOMMU_STRESS_BACKENDS_H

#include <stddef.h>
#include <stdint.h>
#include <linux/iommu_stress.h>

#define ISTRESS_BACKENDS(X)						\
	X(EDU, edu, IOMMU_STRESS_FEAT_EDU, 0, 4095)			\
	X(DMAENGINE, dmaengine, IOMMU_STRESS_FEAT_DMAENGINE,		\
	  IOMMU_STRESS_TARGET_SHARED_DOMAIN, 4096)

struct istress_backend_row {
	uint32_t id;
	const char *name;
	uint64_t feature;
	uint32_t caps;
	uint32_t max_dma_len;
};

/* Every row, *@n of them. */
static inline const struct istress_backend_row *istress_backend_rows(size_t *n)
{
#define ISTRESS_BACKEND_ROW(id, name, feature, caps, max_dma_len)	\
	{ IOMMU_STRESS_BACKEND_##id, #name, feature, caps, max_dma_len },
	static const struct istress_backend_row rows[] = {
		ISTRESS_BACKENDS(ISTRESS_BACKEND_ROW)
	};
#undef ISTRESS_BACKEND_ROW

	*n = sizeof(rows) / sizeof(rows[0]);
	return rows;
}

/* The row of backend @id, or NULL. */
static inline const struct istress_backend_row *istress_backend(uint32_t id)
{
	size_t n;
	const struct istress_backend_row *rows = istress_backend_rows(&n);

	for (size_t i = 0; i < n; i++)
		if (rows[i].id == id)
			return &rows[i];
	return NULL;
}

#endif
