/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A model of the iommu_stress module, behind dev.c's system calls, so that
 * whole sessions (target choice, every pattern, the reports) run in the
 * unit tests without a kernel, and so does the ABI table of
 * tests/hardening/abi.c. It keeps the ABI header's contract: the argument
 * size rules, private domains for edu targets, shared ones with a test
 * range for dmaengine channels, each refusal's errno as the errno
 * contract (include/iommu_stress_errno.h) has it and in the order the
 * module checks, and an IOTLB that keeps what an unsynced unmap leaves, so
 * that skip-flush reads stale data here too. A read of an unmapped IOVA
 * reads zeros on edu; on a channel it is refused with EACCES, or, with
 * dma_unmapped_reads=1, it fails in the device.
 *
 * Not modelled: several domains in one session, UNMAP's reach past its
 * range, waits for work in flight (EBUSY), devices going away (ENODEV),
 * DMA timeouts, open()'s capability check and the window's placement
 * (ENOSPC), signals (BATCH and BENCH never stop for one), physical
 * contiguity (BENCH takes every page).
 */
#ifndef IOMMU_STRESS_FAKE_MODULE_H
#define IOMMU_STRESS_FAKE_MODULE_H

#include <stdint.h>

#include "dev.h"

#define FAKE_MAX_TARGETS	24

struct fake_target {
	const char *name;
	uint32_t backend;
	const char *device, *driver;
	int group;
	uint32_t domain_type;		/* before a session attaches */
	int held;			/* by another dmaengine client: unlisted */
	int busy;			/* a session's domain is attached */
};

struct fake_host {
	unsigned int ntargets;
	struct fake_target targets[FAKE_MAX_TARGETS];
	/*
	 * A module from before dmaengine targets: no TARGET_QUERY, no range
	 * out, no BATCH or BENCH.
	 */
	int legacy;
	/*
	 * Loaded with dma_unmapped_reads=1: shared domains say
	 * IOMMU_STRESS_DOMAIN_UNMAPPED_READS and take reads of IOVAs the
	 * session has not mapped. 0, the module's default: EACCES.
	 */
	int unmapped_reads;
	/* A broken module: says UNMAPPED_READS, refuses such reads all the same. */
	int unmapped_reads_refused;
	/* Loaded with driver_warns=1: MAP_OVERLAP allowed (else EPERM). */
	int driver_warns;
	/* Loaded with allow_1g_leaves=1: INFO says IOMMU_STRESS_FEAT_1G_LEAVES. */
	int allow_1g_leaves;
	/*
	 * An IOMMU driver without iotlb_sync (Intel in 5.10): domains say
	 * IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP and UNMAP refuses SKIP_SYNC.
	 */
	int sync_in_unmap;
	/* A module from before BATCH and BENCH: neither ioctl nor feature. */
	int no_batch;
	/* A module from before TARGET_QUERY's caps: neither field nor feature. */
	int no_target_caps;
	/* Loaded with max_buffer_mb= this many bytes; 0: 4 GiB. */
	uint64_t max_buffer;
	/* Domains are on AMD's ivhd0 (amd-iommu), which has no Intel caps. */
	int amd;
	/* The tool's /sys/class/iommu while installed; NULL: a missing folder. */
	const char *iommu_sysfs;
};

/* What the model saw of the session's maps, for the tests to judge. */
struct fake_seen {
	uint64_t maps;
	uint64_t first_map;		/* IOVA of the first MAP */
	uint64_t lowest, highest;	/* lowest IOVA mapped, highest byte mapped */
	uint64_t refused[4];		/* MAPs refused: ERANGE, EADDRINUSE, EOPNOTSUPP, other */
	uint64_t faults;		/* reads the device failed */
	/* DMA reads of IOVAs the session had not mapped, refused or not */
	uint64_t unmapped_reads;
	uint64_t refused_reads;		/* of those, refused with EACCES */
	uint64_t batches;		/* BATCH calls */
};

/* Stands the model in for the module, on @host (copied). */
void fake_install(const struct fake_host *host);
/* libc's system calls again; everything the model held is freed. */
void fake_remove(void);
const struct fake_seen *fake_seen(void);
/*
 * A host: edu:0000:00:03.0, then dmaengine channels on four devices; the
 * module loaded with driver_warns=1, so that overmap runs.
 */
struct fake_host fake_host_default(void);
/*
 * The default host, and a free target of its own for each backend of
 * include/iommu_stress_backends.h that has none there (named after the
 * backend, on a DMA domain), so that the ABI table runs on every backend.
 */
struct fake_host fake_host_every_backend(void);

#endif
