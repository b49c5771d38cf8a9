/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's errno contract: each errno an ioctl of iommu_stress can
 * give, and what it means, one line per (ioctl, errno). The tool's hints
 * (tool/lib/dev.c), the fake module of the unit tests
 * (tests/unit/fake-module.c) and the ABI tests (tests/hardening/abi.c)
 * take their errnos from here; tests/unit/errno-contract-check holds the
 * comments of include/uapi/linux/iommu_stress.h and the module's sources
 * to it.
 *
 * X(q, IOCTL, ERRNO, MEANING), q passed on from ISTRESS_ERRNOS(X, q):
 * IOCTL is the ioctl's name after IOMMU_STRESS_,
 * or one of
 *   ANY         the ioctl dispatcher, for every ioctl: the argument's
 *               size, its copy in and the answer's copy back;
 *   OPEN        open() of IOMMU_STRESS_DEVICE;
 *   MMAP        mmap() of a session's buffer;
 *   DMA_STATUS  IOMMU_STRESS_DMA's status word: a transfer that did not
 *               complete (the ioctl itself succeeded).
 * MEANING is what the tool prints when the module answers so.
 *
 * BATCH answers with the errno of the op it stopped at, so its rows are
 * its own and those of the ioctls it runs as ops; the tool prints the
 * op's own row where that ioctl has one.
 */
#ifndef IOMMU_STRESS_ERRNO_H
#define IOMMU_STRESS_ERRNO_H

#include <errno.h>
#include <linux/iommu_stress.h>

/* The command each row's IOCTL stands for; no ioctl number is this small. */
#define ISTRESS_ERRNO_CMD_ANY		0ul
#define ISTRESS_ERRNO_CMD_DMA_STATUS	1ul
#define ISTRESS_ERRNO_CMD_OPEN		2ul
#define ISTRESS_ERRNO_CMD_MMAP		3ul
#define ISTRESS_ERRNO_CMD_INFO		IOMMU_STRESS_INFO
#define ISTRESS_ERRNO_CMD_TARGET_QUERY	IOMMU_STRESS_TARGET_QUERY
#define ISTRESS_ERRNO_CMD_BUF_ALLOC	IOMMU_STRESS_BUF_ALLOC
#define ISTRESS_ERRNO_CMD_BUF_FREE	IOMMU_STRESS_BUF_FREE
#define ISTRESS_ERRNO_CMD_DOMAIN_CREATE	IOMMU_STRESS_DOMAIN_CREATE
#define ISTRESS_ERRNO_CMD_DOMAIN_DESTROY IOMMU_STRESS_DOMAIN_DESTROY
#define ISTRESS_ERRNO_CMD_MAP		IOMMU_STRESS_MAP
#define ISTRESS_ERRNO_CMD_UNMAP		IOMMU_STRESS_UNMAP
#define ISTRESS_ERRNO_CMD_IOVA_TO_PHYS	IOMMU_STRESS_IOVA_TO_PHYS
#define ISTRESS_ERRNO_CMD_DMA		IOMMU_STRESS_DMA
#define ISTRESS_ERRNO_CMD_BATCH		IOMMU_STRESS_BATCH
#define ISTRESS_ERRNO_CMD_BENCH		IOMMU_STRESS_BENCH
#define ISTRESS_ERRNO_CMD_DIRTY_START	IOMMU_STRESS_DIRTY_START
#define ISTRESS_ERRNO_CMD_DIRTY_STOP	IOMMU_STRESS_DIRTY_STOP
#define ISTRESS_ERRNO_CMD_DIRTY_READ	IOMMU_STRESS_DIRTY_READ

#define ISTRESS_ERRNOS(X, q)						\
	X(q, ANY, ENOTTY, "unknown ioctl (module and tool ABI differ?)")	\
	X(q, ANY, EFAULT, "the argument cannot be read, or the answer not written back (an object the call made is taken back)") \
	X(q, ANY, EINVAL, "argument struct smaller than the module accepts") \
	X(q, ANY, E2BIG, "argument struct larger than a page, or larger than the module knows with a non-zero tail") \
	X(q, ANY, ENOMEM, "out of memory")					\
	X(q, OPEN, EPERM, "needs root (CAP_SYS_ADMIN)")			\
	X(q, OPEN, ENOMEM, "out of memory")				\
	X(q, MMAP, EINVAL, "no buffer at that offset, a length past its end, or not MAP_SHARED") \
	X(q, INFO, EOPNOTSUPP, "unknown flags")				\
	X(q, TARGET_QUERY, EOPNOTSUPP, "unknown flags")			\
	X(q, TARGET_QUERY, EINVAL, "invalid argument: a name without its terminating NUL, or a reserved field") \
	X(q, TARGET_QUERY, ENODEV, "no such target or dmaengine channel (see 'iommu-stress info')") \
	X(q, BUF_ALLOC, EOPNOTSUPP, "chunk size not supported on this host (1G: the kernel gives modules no contiguous allocator), or unknown flags") \
	X(q, BUF_ALLOC, EPERM, "1G chunks: only for 1G leaves, which the module builds only when loaded with allow_1g_leaves=1 (unsafe on a real host)") \
	X(q, BUF_ALLOC, EINVAL, "invalid argument: a zero length or one not a multiple of the chunk size, a chunk size not 4K, 2M or 1G, or a node that is not online") \
	X(q, BUF_ALLOC, E2BIG, "more chunks than the module counts (2^32), or an argument struct with a non-zero tail") \
	X(q, BUF_ALLOC, ENOMEM, "out of memory, or over the module's max_buffer_mb cap; 1G chunks come only from ZONE_NORMAL (memory above 4 GiB) while it keeps a free gigabyte above its high watermark (CMA memory not counted), from a 1G-aligned range whose pages can all be moved away, in at most 8 tries (a range in a CMA area counts as one): free memory there, give a VM more RAM above 4 GiB, or try another --node") \
	X(q, BUF_ALLOC, EINTR, "killed while the buffer was allocated")	\
	X(q, BUF_FREE, EOPNOTSUPP, "unknown flags")			\
	X(q, BUF_FREE, EINVAL, "invalid argument: a reserved field")	\
	X(q, BUF_FREE, ENOENT, "no such buffer or domain id in this session") \
	X(q, BUF_FREE, EBUSY, "in use: the buffer is still mapped")	\
	X(q, DOMAIN_CREATE, EOPNOTSUPP, "the device's IOMMU domain is not a DMA-API domain (identity/passthrough, blocked, unmanaged or none): see 'iommu-stress info'; or its channel's driver is not allowed (idxd needs idxd_channels=1); or unknown flags; or dirty tracking asked for a dmaengine target, on a kernel without it (before 6.7) or an IOMMU without it (intel: scalable mode with second-stage A/D bits, QEMU's x-ssads=on)") \
	X(q, DOMAIN_CREATE, EINVAL, "invalid argument: an IOVA range not 2M-aligned or ending before it starts, a range for an edu target (its private domain takes none), a target name without its terminating NUL, or a reserved field") \
	X(q, DOMAIN_CREATE, ENODEV, "no such target or dmaengine channel (see 'iommu-stress info'), or its device has gone") \
	X(q, DOMAIN_CREATE, EBUSY, "the target is in use: a domain is attached to it, or its dmaengine channel is held by another session or dmaengine client") \
	X(q, DOMAIN_CREATE, ERANGE, "the IOVA range lies outside the domain's aperture, below 4 GiB, or past the device's DMA mask") \
	X(q, DOMAIN_CREATE, EADDRNOTAVAIL, "the IOVA range meets a reserved region, a PCI host-bridge window or another session's range, or no default range fits") \
	X(q, DOMAIN_CREATE, ENOSPC, "no 2M region of the aperture is clear of reserved regions for the module's DMA window") \
	X(q, DOMAIN_CREATE, ENOMEM, "out of memory")			\
	X(q, DOMAIN_DESTROY, EOPNOTSUPP, "unknown flags")			\
	X(q, DOMAIN_DESTROY, EINVAL, "invalid argument: a reserved field") \
	X(q, DOMAIN_DESTROY, ENOENT, "no such domain id in this session")	\
	X(q, MAP, EOPNOTSUPP, "MAP_OVERLAP refused: a shared (dmaengine) domain never maps over live mappings; or unknown flags") \
	X(q, MAP, EPERM, "MAP_OVERLAP is off: load iommu_stress with driver_warns=1 (the driver may WARN; never where panic_on_warn is set)") \
	X(q, MAP, EINVAL, "invalid argument (alignment, size, offset, prot or a reserved field)") \
	X(q, MAP, EOVERFLOW, "IOVA + length wraps around")			\
	X(q, MAP, ERANGE, "IOVA outside the domain's aperture, or outside the test's IOVA range of a shared domain") \
	X(q, MAP, EADDRNOTAVAIL, "IOVA in a reserved region or in the module's DMA window") \
	X(q, MAP, EEXIST, "the range overlaps a live mapping, or pages the driver still translates after it said they were unmapped (UNMAP's STILL_MAPPED)") \
	X(q, MAP, EBUSY, "in use: another thread works on that range (an UNMAP in flight may reach into it, or a DIRTY_READ reads it)") \
	X(q, MAP, EADDRINUSE, "the range meets a mapping the channel's driver made in its DMA-API domain (never overwritten)") \
	X(q, MAP, ENOENT, "no such buffer or domain id in this session")	\
	X(q, MAP, ENODEV, "the domain's device has gone")			\
	X(q, MAP, ENOMEM, "out of memory")					\
	X(q, UNMAP, EOPNOTSUPP, "unknown flags, or SKIP_SYNC (--inject skip-flush) where the IOMMU driver has no iotlb_sync: it flushes inside its unmap (Intel in 5.10), so there is no flush to skip") \
	X(q, UNMAP, EINVAL, "invalid argument (alignment, size or a reserved field)") \
	X(q, UNMAP, EOVERFLOW, "IOVA + length wraps around")		\
	X(q, UNMAP, ERANGE, "the range, or what the IOMMU driver may clear for it, leaves the aperture or the test's IOVA range of a shared domain") \
	X(q, UNMAP, EADDRNOTAVAIL, "IOVA in a reserved region or in the module's DMA window, or the driver may clear into one") \
	X(q, UNMAP, ENOENT, "nothing is mapped in that range (or no such domain id)") \
	X(q, UNMAP, EBUSY, "in use: another thread works on that range (a MAP, UNMAP, DMA or DIRTY_READ in flight there), or, for good, the pin of a DMA on a retired channel or device holds it") \
	X(q, UNMAP, EADDRINUSE, "in a shared domain, a gap of what the driver may clear translates a mapping the session did not make (never unmapped)") \
	X(q, UNMAP, ENODEV, "the domain's device has gone")		\
	X(q, UNMAP, EINTR, "killed while the unmap's gaps were checked")	\
	X(q, UNMAP, ENOMEM, "out of memory")				\
	X(q, IOVA_TO_PHYS, EOPNOTSUPP, "unknown flags")			\
	X(q, IOVA_TO_PHYS, EINVAL, "invalid argument: a reserved field")	\
	X(q, IOVA_TO_PHYS, ENOENT, "no such domain id in this session")	\
	X(q, IOVA_TO_PHYS, ERANGE, "IOVA outside the domain's aperture, or outside the test's IOVA range of a shared domain") \
	X(q, IOVA_TO_PHYS, ENODEV, "the domain's device has gone")		\
	X(q, DMA, EOPNOTSUPP, "unknown flags")				\
	X(q, DMA, EINVAL, "invalid argument: a direction other than read or write, a zero length, IOVA + length wrapping, or a buffer range past its end") \
	X(q, DMA, EMSGSIZE, "DMA longer than the target can do in one transfer") \
	X(q, DMA, ERANGE, "DMA read outside the aperture, or outside the test's IOVA range of a shared domain") \
	X(q, DMA, EADDRNOTAVAIL, "IOVA in a reserved region or in the module's DMA window") \
	X(q, DMA, EACCES, "in a shared (dmaengine) domain the module refuses DMA at IOVAs this session has not mapped: writes always; reads unless iommu_stress is loaded with dma_unmapped_reads=1, for DMA engines that survive IOMMU faults (see README)") \
	X(q, DMA, EBUSY, "in use: a MAP or UNMAP is at work on that range")	\
	X(q, DMA, ENOENT, "no such buffer or domain id in this session")	\
	X(q, DMA, ENODEV, "no such target, or the device has gone")	\
	X(q, DMA, EIO, "the device was retired after a DMA that did not finish: remove and rescan it") \
	X(q, BATCH, EOPNOTSUPP, "unknown flags of the batch, or an op refused so by its own ioctl") \
	X(q, BATCH, EINVAL, "invalid argument: no ops, an op size below the op struct or not a multiple of 8, a reserved field, an op other than MAP, UNMAP, DMA or IOVA_TO_PHYS, or an op's own invalid argument") \
	X(q, BATCH, E2BIG, "more ops than IOMMU_STRESS_BATCH_MAX_OPS, an op size beyond a page, DMA ops together past IOMMU_STRESS_BATCH_MAX_DMA_BYTES, or an op's struct larger than its slot or with a non-zero unknown tail") \
	X(q, BATCH, EFAULT, "an op's entry cannot be read, or its answer or result not written back (the op may have taken effect)") \
	X(q, BATCH, EINTR, "a signal came between two ops (the rest did not run), or an UNMAP was killed") \
	X(q, BATCH, EPERM, "an op was refused so by its own ioctl (MAP_OVERLAP while driver_warns=0)") \
	X(q, BATCH, EOVERFLOW, "an op's IOVA + length wraps around") \
	X(q, BATCH, ERANGE, "an op's range lies outside the aperture or the test's IOVA range") \
	X(q, BATCH, EADDRNOTAVAIL, "an op's IOVA is in a reserved region or the module's DMA window") \
	X(q, BATCH, EEXIST, "an op's MAP overlaps a live mapping") \
	X(q, BATCH, EBUSY, "an op's range is in use by another thread's MAP, UNMAP, DMA or DIRTY_READ, or, for an UNMAP op, held for good by the pin of a DMA on a retired channel or device") \
	X(q, BATCH, EADDRINUSE, "an op's range meets a mapping the session did not make (shared domain)") \
	X(q, BATCH, ENOENT, "an op names no such domain or buffer, or unmaps nothing") \
	X(q, BATCH, ENODEV, "an op's device has gone") \
	X(q, BATCH, EMSGSIZE, "an op's DMA is longer than the target can do in one transfer") \
	X(q, BATCH, EACCES, "an op's DMA reaches an IOVA the session has not mapped (shared domain)") \
	X(q, BATCH, EIO, "an op's device was retired after a DMA that did not finish") \
	X(q, BATCH, ENOMEM, "out of memory")				\
	X(q, BENCH, EOPNOTSUPP, "unknown flags, DMA_API in a private domain, or (through MAP) refused so by MAP or UNMAP") \
	X(q, BENCH, EINVAL, "invalid argument: a zero count or rounds, a page size the domain does not map, an IOVA or offset not aligned to it, a range past the buffer, a page not physically contiguous and aligned in the buffer, a reserved field, or with DMA_API also THROUGH_MAP, a nonzero IOVA or a page size other than PAGE_SIZE") \
	X(q, BENCH, E2BIG, "more pages per round than IOMMU_STRESS_BENCH_MAX_COUNT, or more maps and unmaps than IOMMU_STRESS_BENCH_MAX_OPS") \
	X(q, BENCH, EPERM, "1G pages: the module builds no 1G leaves unless loaded with allow_1g_leaves=1 (unsafe on a real host)") \
	X(q, BENCH, EOVERFLOW, "IOVA + length wraps around")		\
	X(q, BENCH, ERANGE, "the range lies outside the aperture or the test's IOVA range") \
	X(q, BENCH, EADDRNOTAVAIL, "the range meets a reserved region or the module's DMA window") \
	X(q, BENCH, EEXIST, "the session has something mapped in the range, pages the driver kept after an UNMAP included") \
	X(q, BENCH, EBUSY, "in use: a MAP, UNMAP, DMA or DIRTY_READ is at work in the range; with THROUGH_MAP, also an unmap held up for good by the pin of a DMA on a retired channel or device: that page stays mapped as a MAP of the session") \
	X(q, BENCH, EADDRINUSE, "the range meets a mapping the channel's driver made in its DMA-API domain") \
	X(q, BENCH, ENOENT, "no such buffer or domain id in this session; with THROUGH_MAP, also another thread unmapped one of the loop's pages first") \
	X(q, BENCH, ENODEV, "the domain's device has gone; with THROUGH_MAP, pages it could not unmap stay mapped as MAPs of the session") \
	X(q, BENCH, EINTR, "a signal: the loop stopped between rounds, all unmapped; with THROUGH_MAP, during an unmap or the wait for one held up: that page stays mapped as a MAP of the session") \
	X(q, BENCH, EIO, "the driver did not finish an unmap: that page stays pinned until the domain goes") \
	X(q, BENCH, EFAULT, "the latency array cannot be written") \
	X(q, BENCH, ENOMEM, "out of memory; with DMA_API, also a page the DMA API could not map") \
	X(q, DIRTY_START, EOPNOTSUPP, "unknown flags, or a domain made without dirty tracking") \
	X(q, DIRTY_START, EINVAL, "invalid argument: a reserved field")	\
	X(q, DIRTY_START, ENOENT, "no such domain id in this session")	\
	X(q, DIRTY_START, ENODEV, "the domain's device has gone: the domain is detached") \
	X(q, DIRTY_STOP, EOPNOTSUPP, "unknown flags, or a domain made without dirty tracking") \
	X(q, DIRTY_STOP, EINVAL, "invalid argument: a reserved field")	\
	X(q, DIRTY_STOP, ENOENT, "no such domain id in this session")	\
	X(q, DIRTY_STOP, ENODEV, "the domain's device has gone: the domain is detached") \
	X(q, DIRTY_READ, EOPNOTSUPP, "unknown flags, a domain made without dirty tracking, or a kernel that cannot report dirty pages (built without CONFIG_IOMMUFD, as Debian's are: kernels/build --iommufd)") \
	X(q, DIRTY_READ, EINVAL, "invalid argument: a zero length, a page size below the CPU's or not a power of two, an IOVA or length not aligned to it, a reserved field, or tracking off (DIRTY_START first)") \
	X(q, DIRTY_READ, E2BIG, "more pages (length / page size) than IOMMU_STRESS_DIRTY_MAX_BITS") \
	X(q, DIRTY_READ, EOVERFLOW, "IOVA + length wraps around")		\
	X(q, DIRTY_READ, ERANGE, "the range lies outside the domain's aperture") \
	X(q, DIRTY_READ, ENOENT, "no such domain id in this session")	\
	X(q, DIRTY_READ, ENODEV, "the domain's device has gone: the domain is detached") \
	X(q, DIRTY_READ, EFAULT, "the bitmap cannot be written")		\
	X(q, DIRTY_READ, EPROTO, "the IOMMU driver reported a dirty leaf reaching past the range, which the kernel's bitmap refuses (6.12's intel driver, a read starting inside a 2M leaf whose walk ends in a written one)") \
	X(q, DIRTY_READ, ENOMEM, "out of memory")				\
	X(q, DMA_STATUS, EIO, "the device reported a failed transfer (a DMA engine fails a read it cannot translate)") \
	X(q, DMA_STATUS, ETIMEDOUT, "the device did not finish in time; the module retired it until it is re-probed") \
	X(q, DMA_STATUS, EINVAL, "the DMA engine cannot do a transfer of that length or alignment")

/* One enumerator per row: two rows for one pair do not compile. */
#define ISTRESS_ERRNO_ROW(q, ioctl, err, meaning) ISTRESS_ERRNO_##ioctl##_##err,
enum istress_errno_row {
	ISTRESS_ERRNOS(ISTRESS_ERRNO_ROW, 0)
	ISTRESS_ERRNO_NROWS
};
#undef ISTRESS_ERRNO_ROW

/* Whether the contract has the row (@cmd, @err): a constant expression. */
#define ISTRESS_ERRNO_KEY(cmd, err) ((unsigned long long)(cmd) << 16 | (unsigned int)(err))
#define ISTRESS_ERRNO_MATCH(q, ioctl, err, meaning) \
	|| (q) == ISTRESS_ERRNO_KEY(ISTRESS_ERRNO_CMD_##ioctl, err)
#define ISTRESS_ERRNO_LISTED(cmd, err) \
	(0 ISTRESS_ERRNOS(ISTRESS_ERRNO_MATCH, ISTRESS_ERRNO_KEY(cmd, err)))

/*
 * @err as @ioctl gives it, e.g. ISTRESS_ERRNO(MAP, EEXIST): compiles only
 * when the contract has that row ("negative width in bit-field
 * 'in_the_errno_contract'" otherwise), so code that states an errno of
 * the module cannot state one the contract lacks.
 */
#define ISTRESS_ERRNO(ioctl, err)					\
	(0 * sizeof(struct {						\
		int in_the_errno_contract :				\
			ISTRESS_ERRNO_LISTED(ISTRESS_ERRNO_CMD_##ioctl, err) ? 1 : -1; \
	}) + (err))

#endif
