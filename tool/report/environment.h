/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOMMU_STRESS_ENVIRONMENT_H
#define IOMMU_STRESS_ENVIRONMENT_H

#include "json.h"
#include "run.h"

/* The record's tool, module, kernel, cpu, numa, iommu and target members. */
void report_json_environment(struct json *j, const struct session *s);

#endif
