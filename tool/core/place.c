// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <numa.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "place.h"

#define PLACE_MAX_CPUS 1024

static int buffer_node = IOMMU_STRESS_NODE_ANY;
static int thread_node = -1;
static unsigned int ncpus;
static unsigned int cpus[PLACE_MAX_CPUS];

int place_parse_cpus(const char *list, unsigned int *out, unsigned int max,
		     unsigned int *n)
{
	const char *p = list;
	char *end;

	*n = 0;
	if (!*p)
		return -1;
	while (*p) {
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return -1;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return -1;
			b = strtoul(p, &end, 10);
		}
		if (b < a || b >= CPU_SETSIZE)
			return -1;
		for (unsigned long c = a; c <= b; c++) {
			if (*n >= max)
				return -1;
			out[(*n)++] = (unsigned int)c;
		}
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

static int have_numa(void)
{
	static int avail = -2;

	if (avail == -2)
		avail = numa_available() >= 0;
	return avail;
}

int place_init(const struct run_opts *o)
{
	if (o->node >= 0) {
		if (!have_numa() ? o->node != 0 :
		    o->node > numa_max_node() ||
		    !numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)o->node)) {
			fprintf(stderr, "iommu-stress: --node %d: no such node here (see 'iommu-stress info')\n",
				o->node);
			return -1;
		}
		buffer_node = o->node;
		thread_node = have_numa() ? o->node : -1;
	}
	if (o->cpus) {
		cpu_set_t online;

		if (place_parse_cpus(o->cpus, cpus, PLACE_MAX_CPUS, &ncpus)) {
			fprintf(stderr, "iommu-stress: --cpus '%s': not a CPU list like 0-3,8\n",
				o->cpus);
			return -1;
		}
		if (sched_getaffinity(0, sizeof(online), &online) == 0) {
			for (unsigned int i = 0; i < ncpus; i++) {
				if (CPU_ISSET(cpus[i], &online))
					continue;
				fprintf(stderr, "iommu-stress: --cpus: CPU %u is not available to this process\n",
					cpus[i]);
				return -1;
			}
		}
	}
	return 0;
}

int place_buffer_node(void)
{
	return buffer_node;
}

void place_thread(unsigned int idx, const char *role, struct placement *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->role, sizeof(out->role), "%s", role);
	if (ncpus) {
		unsigned int cpu = cpus[idx % ncpus];
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (!pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			snprintf(out->cpus, sizeof(out->cpus), "%u", cpu);
	} else if (thread_node >= 0) {
		if (!numa_run_on_node(thread_node))
			snprintf(out->cpus, sizeof(out->cpus), "node %d", thread_node);
	}
	out->cpu_seen = sched_getcpu();
	out->node_seen = have_numa() && out->cpu_seen >= 0 ?
			 numa_node_of_cpu(out->cpu_seen) : (out->cpu_seen >= 0 ? 0 : -1);
}

/* "0-3,8" from a libnuma CPU mask. */
static void cpumask_string(struct bitmask *m, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (unsigned int c = 0; c < m->size && len < n; c++) {
		unsigned int e = c;

		if (!numa_bitmask_isbitset(m, c))
			continue;
		while (e + 1 < m->size && numa_bitmask_isbitset(m, e + 1))
			e++;
		len += (size_t)snprintf(out + len, n - len, len ? ",%u" : "%u", c);
		if (e > c && len < n)
			len += (size_t)snprintf(out + len, n - len, "-%u", e);
		c = e;
	}
}

void place_json_numa(struct json *j, const char *key)
{
	json_object_begin(j, key);
	json_bool(j, "available", have_numa());
	json_array_begin(j, "nodes");
	if (have_numa()) {
		struct bitmask *m = numa_allocate_cpumask();

		for (int node = 0; node <= numa_max_node(); node++) {
			char list[256];
			long long free_b = 0, size;

			if (!numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned int)node))
				continue;
			size = numa_node_size64(node, &free_b);
			numa_bitmask_clearall(m);
			numa_node_to_cpus(node, m);
			cpumask_string(m, list, sizeof(list));
			json_object_begin(j, NULL);
			json_u64(j, "node", (uint64_t)node);
			json_string(j, "cpus", list);
			json_u64(j, "mem_mb", size > 0 ? (uint64_t)size >> 20 : 0);
			json_object_end(j);
		}
		numa_free_cpumask(m);
	}
	json_array_end(j);
	json_object_end(j);
}
