// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA placement, checked from where things really are: a buffer asked
 * for on node N takes its memory from node N (the nodes' free memory
 * before and after), and a thread pinned to node N's CPUs runs on them,
 * for every node online.
 * The guest of scripts/vm-run --smp 2 (or more) has two nodes, which
 * two_nodes checks; on a one-node guest leave that test out.
 *
 * Usage: hardening-numa [TEST...]
 */
#include <sched.h>
#include <stdlib.h>

#include "session.h"

#define MAX_NODES	8

static int nodes_online(void)
{
	int n = 0;
	char path[64];

	for (int i = 0; i < MAX_NODES; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", i);
		n += !access(path, F_OK);
	}
	return n;
}

/* Node @node's free memory in KiB, from its meminfo; -1 unknown. */
static long node_free_kb(int node)
{
	char path[64], line[128];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* CPUs of @node, from sysfs, into @set; how many. */
static int node_cpus(int node, cpu_set_t *set)
{
	char path[64], list[256];
	FILE *f;
	int n = 0, a, b;
	char *s;

	CPU_ZERO(set);
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	f = fopen(path, "r");
	if (!f || !fgets(list, sizeof(list), f)) {
		if (f)
			fclose(f);
		return 0;
	}
	fclose(f);
	for (s = strtok(list, ",\n"); s; s = strtok(NULL, ",\n")) {
		if (sscanf(s, "%d-%d", &a, &b) != 2)
			b = a = atoi(s);
		for (; a <= b; a++, n++)
			CPU_SET(a, set);
	}
	return n;
}

/*
 * The pages' frames are out of user space's sight (the buffer is a
 * PFN mapping, which /proc/self/pagemap does not walk), so where they are
 * is read from the nodes' free memory: a buffer of BUF_MB asked for on
 * node N takes nearly all of it from node N and little from the other.
 */
#define BUF_MB		128
#define SLACK_MB	16

TEST(buffers_on_node, "placement: a buffer asked for on node N takes its memory from node N, for each node")
{
	int fd = mod_open(), nodes = nodes_online();

	ASSERT_LE(0, fd);
	TH_LOG("%d nodes online", nodes);
	for (int node = 0; node < nodes; node++) {
		struct iommu_stress_buf_alloc b = {
			.size = sizeof(b), .length = BUF_MB * SZ_1M,
			.chunk_size = IOMMU_STRESS_CHUNK_2M, .node = node,
		};
		struct iommu_stress_buf_free f = { .size = sizeof(f) };
		long before[MAX_NODES], taken;

		for (int n = 0; n < nodes; n++)
			before[n] = node_free_kb(n);
		ASSERT_ERRNO(0, call(fd, IOMMU_STRESS_BUF_ALLOC, &b));
		for (int n = 0; n < nodes; n++) {
			taken = (before[n] - node_free_kb(n)) / 1024;
			TH_LOG("buffer of %d MiB asked on node %d: node %d's free memory fell by %ld MiB",
			       BUF_MB, node, n, taken);
			if (n == node)
				EXPECT_LE(BUF_MB - SLACK_MB, taken);
			else
				EXPECT_GT(SLACK_MB, taken);
		}
		f.buf_id = b.buf_id;
		ASSERT_ERRNO(0, call(fd, IOMMU_STRESS_BUF_FREE, &f));
	}
	mod_close(fd);
}

TEST(threads_on_node, "placement: a thread pinned to node N's CPUs runs there, for each node")
{
	int nodes = nodes_online();

	for (int node = 0; node < nodes; node++) {
		cpu_set_t set;
		int cpu;

		ASSERT_LT(0, node_cpus(node, &set));
		ASSERT_ERRNO(0, sched_setaffinity(0, sizeof(set), &set) ? errno : 0);
		/* Let the scheduler move it. */
		sched_yield();
		cpu = sched_getcpu();
		TH_LOG("node %d: running on CPU %d", node, cpu);
		EXPECT_TRUE(cpu >= 0 && CPU_ISSET(cpu, &set));
	}
}

TEST(two_nodes, "placement: the guest has two NUMA nodes, each with CPUs")
{
	cpu_set_t set;

	EXPECT_EQ(2, nodes_online());
	EXPECT_LT(0, node_cpus(0, &set));
	EXPECT_LT(0, node_cpus(1, &set));
}

KTEST_MAIN
