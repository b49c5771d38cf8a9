/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NUMA and CPU placement: where buffers are allocated (BUF_ALLOC's node)
 * and which CPUs the threads run on, as asked with --node and --cpus, and
 * what the machine looks like, for the record.
 */
#ifndef IOMMU_STRESS_PLACE_H
#define IOMMU_STRESS_PLACE_H

#include <stddef.h>

#include "json.h"
#include "run.h"

/* Checks --node and --cpus against this machine; prints why not. */
int place_init(const struct run_opts *o);
/* The node buffers go on: IOMMU_STRESS_NODE_ANY unless --node. */
int place_buffer_node(void);
/* Pins the calling thread (number @idx of the run) and says where it is. */
void place_thread(unsigned int idx, const char *role, struct placement *out);
/* Parses a CPU list ("0-3,8"); -1 when malformed. */
int place_parse_cpus(const char *list, unsigned int *cpus, unsigned int max,
		     unsigned int *n);
/* The node layout: count, CPUs and memory of each. */
void place_json_numa(struct json *j, const char *key);

#endif
