/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommu_stress: ioctl ABI between the iommu_stress module and its tool.
 *
 * Every argument struct starts with __u32 size, which the caller sets to the
 * sizeof() it was compiled with. The module accepts a smaller size (older
 * tool: the missing tail reads as zero) and a larger one whose unknown tail
 * is all zero (newer tool, older module), so structs grow only at their end.
 * Output fields are copied back up to the caller's size.
 *
 * Ioctl numbers carry no size (as iommufd does): the size field is the
 * version check. Every struct has a flags word; unknown flags get
 * -EOPNOTSUPP, non-zero reserved fields -EINVAL.
 *
 * Each ioctl's comment below lists the errnos it can give and why; the
 * same list, with what the tool says of each, is
 * include/iommu_stress_errno.h, and tests/unit/errno-contract-check
 * holds these comments to it.
 */
#ifndef _UAPI_LINUX_IOMMU_STRESS_H
#define _UAPI_LINUX_IOMMU_STRESS_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * Errors of every ioctl: -ENOTTY not an ioctl of this module (or its
 * number with a size encoded); -EFAULT the argument cannot be read, or
 * the answer cannot be written back (an object the ioctl made is then
 * taken back); -EINVAL a size below the struct as first published;
 * -E2BIG a size beyond a page, or a tail the module does not know that
 * is not zero; -ENOMEM.
 */

#define IOMMU_STRESS_ABI_VERSION	1
/*
 * open() of IOMMU_STRESS_DEVICE: a session, which owns the buffers and
 * domains it makes until it is closed. Errors: -EPERM without
 * CAP_SYS_ADMIN; -ENOMEM.
 */
#define IOMMU_STRESS_DEVICE		"/dev/iommu_stress"

/* Feature bits in iommu_stress_info.features. */
/* UNMAP_SKIP_SYNC is known; a domain may refuse it (DOMAIN_SYNC_IN_UNMAP). */
#define IOMMU_STRESS_FEAT_SKIP_SYNC	(1ULL << 0)
#define IOMMU_STRESS_FEAT_EDU		(1ULL << 1)	/* edu DMA backend */
#define IOMMU_STRESS_FEAT_MAP_OVERLAP	(1ULL << 2)	/* MAP_OVERLAP */
#define IOMMU_STRESS_FEAT_DMAENGINE	(1ULL << 3)	/* dmaengine targets */
/*
 * The module was loaded with allow_1g_leaves=1 (unsafe, off by default):
 * MAP hands the driver whole 1G-aligned blocks over 1G-aligned memory,
 * from which it builds 1G leaves. Without it MAP splits such a range, so
 * no leaf reaches 1G: on Intel up to 6.18 an UNMAP that only partly
 * covers a 1G leaf walks the leaf's first data page (the session's
 * buffer) as a page table, and zeroes and frees host memory at addresses
 * read from it.
 */
#define IOMMU_STRESS_FEAT_1G_LEAVES	(1ULL << 4)
#define IOMMU_STRESS_FEAT_BATCH		(1ULL << 5)	/* IOMMU_STRESS_BATCH */
#define IOMMU_STRESS_FEAT_BENCH		(1ULL << 6)	/* IOMMU_STRESS_BENCH */
/*
 * DIRTY: the kernel can allocate a domain with dirty tracking
 * (DOMAIN_CREATE_DIRTY, DIRTY_START, DIRTY_STOP). DIRTY_READ: it can also
 * report the pages (built with CONFIG_IOMMUFD, which Debian's are not).
 */
#define IOMMU_STRESS_FEAT_DIRTY		(1ULL << 8)
#define IOMMU_STRESS_FEAT_DIRTY_READ	(1ULL << 9)
/* TARGET_QUERY fills @caps (before it, dmaengine alone shared a domain). */
#define IOMMU_STRESS_FEAT_TARGET_CAPS	(1ULL << 7)
/*
 * UNMAP says UNMAP_OUT_UNVOUCHED where it holds pages it cannot vouch
 * for. A module without this bit never says it, whatever its driver did.
 */
#define IOMMU_STRESS_FEAT_UNMAP_UNVOUCHED	(1ULL << 10)

#define IOMMU_STRESS_NAME_LEN		64
#define IOMMU_STRESS_MAX_TARGETS	16

/* DMA backends a target can be driven by. */
enum iommu_stress_backend {
	IOMMU_STRESS_BACKEND_EDU = 1,	/* QEMU's edu PCI device */
	IOMMU_STRESS_BACKEND_DMAENGINE = 2,	/* a dmaengine memcpy channel */
};

/*
 * Targets are named "edu:<pci device>" for edu devices the module drives
 * itself, and "dma<N>chan<M>" for dmaengine memcpy channels. DOMAIN_CREATE
 * also takes "dma:<device>": the first free memcpy channel of that device.
 */
struct iommu_stress_target_info {
	char name[IOMMU_STRESS_NAME_LEN];	/* "edu:0000:00:03.0", "dma0chan0" */
	__u32 backend;				/* enum iommu_stress_backend */
	__u32 max_dma_len;			/* bytes per DMA op */
	__u32 busy;				/* a domain is attached to it */
	__u32 __reserved;
};

/*
 * IOMMU_STRESS_INFO: what this module is and what it can drive. Only free
 * dmaengine channels are listed: one held by another client is invisible.
 *
 * Errors: -EOPNOTSUPP unknown flags.
 */
struct iommu_stress_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;			/* out */
	__u32 ntargets;				/* out */
	__u64 features;				/* out: IOMMU_STRESS_FEAT_* */
	char module_version[32];		/* out */
	char kernel_release[IOMMU_STRESS_NAME_LEN];	/* out */
	struct iommu_stress_target_info targets[IOMMU_STRESS_MAX_TARGETS];
};

/* The IOMMU domain a device is on, as TARGET_QUERY and DOMAIN_CREATE say. */
enum iommu_stress_domain_type {
	IOMMU_STRESS_DOMTYPE_NONE = 0,		/* no IOMMU translates for it */
	IOMMU_STRESS_DOMTYPE_IDENTITY = 1,	/* passthrough: IOVA == phys */
	IOMMU_STRESS_DOMTYPE_DMA = 2,		/* DMA API, strict flushing */
	IOMMU_STRESS_DOMTYPE_DMA_FQ = 3,	/* DMA API, lazy (flush queue) */
	IOMMU_STRESS_DOMTYPE_UNMANAGED = 4,	/* owned by a driver (VFIO, us) */
	IOMMU_STRESS_DOMTYPE_BLOCKED = 5,	/* no DMA at all */
	IOMMU_STRESS_DOMTYPE_OTHER = 6,
};

/*
 * IOMMU_STRESS_TARGET_QUERY: details of one target from INFO: the device
 * that does its DMA and the IOMMU domain that device is on now. For a
 * free dmaengine channel it holds the lock of the channel's device while
 * it reads the driver's name: it waits, unkillable, while that device's
 * driver binds or unbinds.
 *
 * Errors: -EOPNOTSUPP unknown flags; -EINVAL a name without its
 * terminating NUL, or a reserved field; -ENODEV no such target or free
 * dmaengine channel.
 */
struct iommu_stress_target_query {
	__u32 size;
	__u32 flags;
	char name[IOMMU_STRESS_NAME_LEN];	/* in: a target name */
	__u32 backend;				/* out */
	__u32 max_dma_len;			/* out */
	__u32 busy;				/* out: attached by a session */
	__s32 iommu_group;			/* out: -1 when none */
	__u32 domain_type;			/* out: enum iommu_stress_domain_type */
	__u32 __reserved;
	char device[IOMMU_STRESS_NAME_LEN];	/* out: "0000:00:04.0" */
	char driver[32];			/* out: "ioatdma", "" if unbound */
	__u32 caps;				/* out: IOMMU_STRESS_TARGET_* */
	__u32 __reserved2;			/* zero; keeps the size 8n */
};

/*
 * Target capabilities in iommu_stress_target_query.caps.
 * SHARED_DOMAIN: a test maps into the device's own DMA-API domain (a DMA
 * or DMA-FQ one, beside the driver's mappings) rather than a private
 * domain of the test's own, and may be given an IOVA range in it.
 */
#define IOMMU_STRESS_TARGET_SHARED_DOMAIN	(1U << 0)

/* Chunk sizes BUF_ALLOC accepts (physically contiguous, naturally aligned). */
#define IOMMU_STRESS_CHUNK_4K		(1ULL << 12)
#define IOMMU_STRESS_CHUNK_2M		(1ULL << 21)
#define IOMMU_STRESS_CHUNK_1G		(1ULL << 30)
#define IOMMU_STRESS_NODE_ANY		(-1)

/*
 * IOMMU_STRESS_BUF_ALLOC: a zeroed buffer of @length bytes built from
 * @chunk_size chunks on NUMA node @node. mmap() the session fd at
 * @mmap_offset to read and write it.
 *
 * Errors: -EOPNOTSUPP unknown flags, or 1G chunks where the kernel
 * gives modules no contiguous allocator; -EPERM 1G chunks while the
 * module builds no 1G leaves (loaded without allow_1g_leaves=1); -EINVAL
 * a zero length or one not a multiple of @chunk_size, a chunk size other
 * than 4K, 2M or 1G, or a node that is not online; -E2BIG more than 2^32
 * chunks; -ENOMEM out of memory (1G: no 1G-aligned gigabyte of
 * ZONE_NORMAL whose pages could all be moved away in 8 tries, a range in
 * a CMA area counting as one, or the zone without a free gigabyte above
 * its high watermark, free CMA memory not counted), or over the cap on
 * all sessions' buffers (module parameter max_buffer_mb); -EINTR killed
 * while the buffer was allocated.
 */
struct iommu_stress_buf_alloc {
	__u32 size;
	__u32 flags;
	__u64 length;
	__u64 chunk_size;
	__s32 node;				/* IOMMU_STRESS_NODE_ANY */
	__u32 buf_id;				/* out */
	__u64 mmap_offset;			/* out */
};

/*
 * mmap() of a session's buffer: MAP_SHARED, at its @mmap_offset or
 * anywhere inside it. Errors: -EINVAL no buffer at that offset, a length
 * past its end, or not MAP_SHARED.
 */

/*
 * IOMMU_STRESS_BUF_FREE: the buffer's id names nothing any more; its
 * pages stay until no mmap() and no pending IOTLB flush can reach them.
 *
 * Errors: -EOPNOTSUPP unknown flags; -EINVAL a reserved field; -ENOENT
 * no such buffer (an id names its buffer only once BUF_ALLOC's answer is
 * back); -EBUSY the buffer is still mapped.
 */
struct iommu_stress_buf_free {
	__u32 size;
	__u32 flags;
	__u32 buf_id;
	__u32 __reserved;
};

/* DOMAIN_CREATE output flags. */
/*
 * cap/ecap valid. Modules since 0.2 leave them to the tool, which reads
 * /sys/class/iommu/<iommu_name>/intel-iommu/{cap,ecap}.
 */
#define IOMMU_STRESS_DOMAIN_INTEL_CAPS	(1U << 0)
#define IOMMU_STRESS_DOMAIN_SHARED	(1U << 1)	/* the device's own domain */
/*
 * Shared domains: DMA reads of IOVAs the session has not mapped are
 * allowed (module parameter dma_unmapped_reads=1). Off by default: such a
 * read faults in the IOMMU, and not every DMA engine driver survives a
 * fault (ioatdma's error handler BUG()s on error bits it does not know).
 * Without it such reads get -EACCES.
 */
#define IOMMU_STRESS_DOMAIN_UNMAPPED_READS (1U << 2)
/*
 * The IOMMU driver has no iotlb_sync: it flushes the IOTLB inside its
 * unmap (Intel in 5.10), so there is no flush for UNMAP_SKIP_SYNC to skip
 * and UNMAP refuses that flag (-EOPNOTSUPP) in this domain.
 */
#define IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP (1U << 3)

/*
 * DOMAIN_CREATE flag: a domain whose IOMMU records which pages DMA wrote
 * (the kernel's IOMMU_HWPT_ALLOC_DIRTY_TRACKING; Intel: scalable mode
 * with second-stage A/D bits). edu targets only: dirty tracking is chosen
 * when a domain is allocated. Tracking starts off (DIRTY_START).
 */
#define IOMMU_STRESS_DOMAIN_CREATE_DIRTY	(1U << 0)

/*
 * IOMMU_STRESS_DOMAIN_CREATE: a domain to test through @target.
 *
 * edu targets get a private unmanaged domain attached to the device. The
 * module keeps [window_iova, window_iova + window_len) mapped for its own
 * DMA bounce page; maps there are refused.
 *
 * dmaengine targets keep the channel device's current DMA-API domain
 * (IOMMU_STRESS_DOMAIN_SHARED): its driver's descriptor rings live there.
 * The test maps only inside [range_start, range_last], which the caller
 * may choose (both 0: the first 64 GiB at or above 4 GiB clear of reserved
 * regions and PCI windows), never over a mapping the driver made (MAP
 * refuses it), and MAP_OVERLAP is refused. The range starts at or
 * above 4 GiB (where the DMA API allocates last) and does not overlap the
 * range of another session in the same domain. DMA writes, and reads
 * unless DOMAIN_UNMAPPED_READS, only reach IOVAs the session has mapped;
 * UNMAP only takes back what the session mapped.
 * The bounce page is a DMA-API allocation, reported as the window.
 * Everything the test mapped is unmapped and flushed when the domain goes.
 * For private domains the range is the aperture.
 *
 * Errors: -EOPNOTSUPP unknown flags, the device of a dmaengine target not
 * on a DMA-API domain (identity, blocked, unmanaged or none), a channel
 * whose driver is not allowed (idxd without idxd_channels=1), or
 * DOMAIN_CREATE_DIRTY for a dmaengine target, on a kernel without the
 * API or an IOMMU without the capability;
 * -EINVAL a target name without its terminating NUL, a reserved field, a
 * range for an edu target, or a range not 2M-aligned or ending before it
 * starts; -ENODEV no such target, or its device has gone; -EBUSY a domain
 * is attached to the target, or its channel is held by another session or
 * dmaengine client; -ERANGE a range below 4 GiB, outside the aperture or
 * past the device's DMA mask; -EADDRNOTAVAIL a range that meets a reserved
 * region, a PCI host-bridge window or another session's range, or no
 * default range that fits; -ENOSPC no 2M region of the aperture clear of
 * reserved regions for a private domain's window; -ENOMEM.
 */
struct iommu_stress_domain_create {
	__u32 size;
	__u32 flags;
	char target[IOMMU_STRESS_NAME_LEN];
	__u32 domain_id;			/* out */
	__u32 out_flags;			/* out: IOMMU_STRESS_DOMAIN_* */
	__u64 pgsize_bitmap;			/* out */
	__u64 aperture_start;			/* out */
	__u64 aperture_end;			/* out: inclusive */
	__u64 window_iova;			/* out */
	__u64 window_len;			/* out */
	char iommu_driver[32];			/* out: "intel-iommu", ... */
	char iommu_name[32];			/* out: "dmar0", ... */
	__u64 intel_cap;			/* out */
	__u64 intel_ecap;			/* out */
	/* Added for dmaengine targets: callers may pass a size up to intel_ecap. */
	__u64 range_start;			/* in (shared only), out */
	__u64 range_last;			/* in (shared only), out: inclusive */
	__u32 domain_type;			/* out: enum iommu_stress_domain_type */
	__u32 __reserved;
};

/*
 * IOMMU_STRESS_DOMAIN_DESTROY: the domain's id names nothing any more;
 * what the test mapped is unmapped and flushed, and the device detached,
 * once the last ioctl still using the domain is done.
 *
 * Errors: -EOPNOTSUPP unknown flags; -EINVAL a reserved field; -ENOENT no
 * such domain (an id names its domain only once DOMAIN_CREATE's answer is
 * back).
 */
struct iommu_stress_domain_destroy {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 __reserved;
};

/* MAP prot bits. */
#define IOMMU_STRESS_PROT_READ		(1U << 0)
#define IOMMU_STRESS_PROT_WRITE		(1U << 1)

/*
 * MAP flag: a range overlapping live mappings is handed to the driver
 * instead of being refused with -EEXIST. Drivers differ (replace, refuse,
 * complain): that difference is what a test of it records. The replaced
 * pages stay held until an UNMAP reaching them finds that the driver no
 * longer translates them, or the domain is detached. Drivers WARN on some
 * overlaps, so the module refuses this flag (-EPERM) unless it was loaded
 * with driver_warns=1; INFO lists IOMMU_STRESS_FEAT_MAP_OVERLAP only then.
 */
#define IOMMU_STRESS_MAP_OVERLAP	(1U << 0)

/*
 * IOMMU_STRESS_MAP: iommu_map() of buffer bytes [offset, offset+length),
 * one call per physically contiguous run, and none holding a whole
 * 1G-aligned block of IOVAs over 1G-aligned memory (so no 1G leaf)
 * unless IOMMU_STRESS_FEAT_1G_LEAVES.
 *
 * Errors: -ENOENT no such domain or buffer; -EOPNOTSUPP unknown flags, or
 * MAP_OVERLAP in a shared domain; -EINVAL no prot bit or an unknown one, a
 * reserved field, an IOVA, length or offset not page-aligned, a zero
 * length, or a range past the buffer's end; -EPERM MAP_OVERLAP without
 * driver_warns=1; -EOVERFLOW IOVA + length wraps; -ERANGE outside the
 * aperture, or a shared domain's range; -EADDRNOTAVAIL the module's window
 * or a reserved region; -EEXIST the range overlaps a live mapping, or
 * pages the driver still translates although an UNMAP said it unmapped
 * them (UNMAP_OUT_STILL_MAPPED) or that an UNMAP held (UNMAP_OUT_UNVOUCHED),
 * without MAP_OVERLAP; -EBUSY an UNMAP in
 * flight may reach into the range, a DIRTY_READ reads it, or a mapping
 * MAP_OVERLAP would replace is in use; -EADDRINUSE (shared) the range translates something the
 * session did not map; -ENODEV the domain's device has gone; -ENOMEM.
 */
struct iommu_stress_map {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 buf_id;
	__u64 iova;
	__u64 offset;
	__u64 length;
	__u32 prot;
	__u32 __reserved;
	__u64 ns;				/* out: time in iommu_map */
};

/*
 * UNMAP flag: iommu_unmap_fast() without iommu_iotlb_sync(). Fault
 * injection for negative controls: the device may keep using the old
 * translation. The module still flushes before any mapped page is freed.
 * Refused (-EOPNOTSUPP) where the IOMMU driver has no iotlb_sync and so
 * flushes inside its unmap (Intel in 5.10): there is nothing to skip.
 * DOMAIN_CREATE says so beforehand (IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP).
 */
#define IOMMU_STRESS_UNMAP_SKIP_SYNC	(1U << 0)

/*
 * UNMAP out_flags: the driver reported bytes unmapped that its own table
 * still translates (seen on Intel up to 6.12 for an unmap that starts
 * inside a superpage). Their pages stay held while it translates them:
 * a later UNMAP whose reach meets them frees them once it no longer does,
 * else they go with the domain.
 */
#define IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED	(1U << 0)
/*
 * UNMAP out_flags: the module cannot tell from the driver's table what
 * the device still translates, so it holds pages rather than free them.
 * Either the table no longer translates pages of records the driver did
 * not report unmapped (virtio-iommu, asked to unmap a range with gaps,
 * drops mappings from its own table that it never has the device
 * unmap), or the module could not check: another MAP, UNMAP or walk was
 * in the driver at a page it had to probe, which can happen with any
 * driver. Such records stay; this UNMAP's unmapped pieces keep their
 * pages until the domain goes, as does from then on every retired piece
 * of the domain the table no longer translates, and a shared domain
 * keeps its mappings and range for good. STILL_MAPPED may come with it.
 * A MAP or BENCH over a piece so held gets -EEXIST. Said only by a
 * module with IOMMU_STRESS_FEAT_UNMAP_UNVOUCHED.
 */
#define IOMMU_STRESS_UNMAP_OUT_UNVOUCHED	(1U << 1)

/*
 * IOMMU_STRESS_UNMAP: iommu_unmap() of [iova, iova + length), which must
 * meet one of the session's mappings; @unmapped is what the driver said
 * it unmapped.
 *
 * Errors: -ENOENT no such domain, or nothing of the session's mapped in
 * the range; -EOPNOTSUPP unknown flags, or SKIP_SYNC where the driver
 * flushes inside its unmap (DOMAIN_SYNC_IN_UNMAP); -EINVAL a reserved
 * field, an IOVA or length not page-aligned, or a zero length; -EOVERFLOW
 * IOVA + length wraps; -ERANGE the range, or what the IOMMU driver may
 * clear for it, leaves the aperture or a shared domain's range;
 * -EADDRNOTAVAIL it meets the module's window or a reserved region;
 * -EBUSY a MAP, UNMAP, DMA or DIRTY_READ is at work where it may reach,
 * or, for good, the pin of a DMA on a retired channel or device holds it;
 * -EADDRINUSE (shared) a gap of what the driver may clear translates
 * something the session did not map; -ENODEV the domain's device has gone;
 * -EINTR killed meanwhile; -ENOMEM.
 */
struct iommu_stress_unmap {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 __reserved;
	__u64 iova;
	__u64 length;
	__u64 unmapped;				/* out: what the driver unmapped */
	__u64 ns;				/* out: unmap (+ sync) time */
	/* Added after ABI v1's first cut: callers may pass a size up to ns. */
	__u32 out_flags;			/* out: IOMMU_STRESS_UNMAP_OUT_* */
	__u32 __reserved2;
};

/*
 * IOMMU_STRESS_IOVA_TO_PHYS: the driver's software walk of @iova, once no
 * MAP or UNMAP in the driver covers it.
 *
 * Errors: -EOPNOTSUPP unknown flags; -EINVAL a reserved field; -ENOENT no
 * such domain; -ERANGE outside the aperture, or a shared domain's range;
 * -ENODEV the domain's device has gone.
 */
#define IOMMU_STRESS_I2P_MAPPED		(1U << 0)	/* translation exists */
#define IOMMU_STRESS_I2P_OURS		(1U << 1)	/* lands in a module buffer */

struct iommu_stress_iova_to_phys {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 out_flags;			/* out: IOMMU_STRESS_I2P_* */
	__u64 iova;
	__u32 buf_id;				/* out: buffer it lands in */
	__u32 __reserved;
	__u64 offset;				/* out: offset in that buffer */
};

/* DMA directions, seen from the device. */
enum iommu_stress_dma_dir {
	IOMMU_STRESS_DMA_READ = 1,	/* device reads @iova into the buffer */
	IOMMU_STRESS_DMA_WRITE = 2,	/* device writes the buffer to @iova */
};

/*
 * IOMMU_STRESS_DMA: the device moves @length bytes between @iova in the
 * domain and module buffer @buf_id at @buf_offset. @status says whether
 * the transfer completed; the ioctl itself fails only for bad arguments
 * or a device it cannot use.
 *
 * Errors: -ENOENT no such domain or buffer; -EOPNOTSUPP unknown flags;
 * -EINVAL a direction other than READ or WRITE, a zero length, IOVA +
 * length wrapping, or a buffer range past its end; -EMSGSIZE longer than
 * the target's max_dma_len or a page; -ERANGE outside the aperture, or a
 * shared domain's range; -EADDRNOTAVAIL the module's window or a reserved
 * region; -EACCES (shared) an IOVA the session has not mapped: any write,
 * and reads unless DOMAIN_UNMAPPED_READS; -EBUSY (shared) a MAP or UNMAP is
 * at work there; -ENODEV the device has gone; -EIO the device was retired
 * after a transfer that did not finish (remove and rescan it).
 */

/*
 * IOMMU_STRESS_DMA status word: 0, or a positive errno when the transfer
 * did not complete: EIO the device failed it (a DMA engine fails a read
 * it cannot translate); ETIMEDOUT it did not finish within dma_timeout_ms
 * (the device is retired until it is re-probed); EINVAL the DMA engine
 * cannot do that length or alignment.
 */
struct iommu_stress_dma {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 dir;				/* enum iommu_stress_dma_dir */
	__u64 iova;
	__u64 length;
	__u32 buf_id;
	__u32 status;				/* out */
	__u64 buf_offset;
	__u64 ns;				/* out */
};

/*
 * One op of a BATCH: @op is the ioctl a single call would make
 * (IOMMU_STRESS_MAP, IOMMU_STRESS_UNMAP, IOMMU_STRESS_DMA or
 * IOMMU_STRESS_IOVA_TO_PHYS), and the union holds that ioctl's own struct,
 * its size field set as for the single call. The op's answer is written
 * back into its struct exactly as the single ioctl writes it (only when
 * it succeeds); @result, @start_ns and @ns are written for every op the
 * batch ran, the one it stopped at included, and for no other.
 */
struct iommu_stress_batch_op {
	__u32 op;				/* in: an ioctl number */
	__s32 result;				/* out: 0, or -errno */
	__u64 start_ns;				/* out: began, ns after the batch */
	__u64 ns;				/* out: copy-in to answer */
	union {
		struct iommu_stress_map map;
		struct iommu_stress_unmap unmap;
		struct iommu_stress_dma dma;
		struct iommu_stress_iova_to_phys iova_to_phys;
		/* Room for these structs to grow; an op may not pass it. */
		__u8 __space[104];
	};
};

/* BATCH bounds: ops per call, and bytes all its DMA ops move together. */
#define IOMMU_STRESS_BATCH_MAX_OPS	256
#define IOMMU_STRESS_BATCH_MAX_DMA_BYTES	(256u << 10)

/*
 * IOMMU_STRESS_BATCH: runs the @nops ops of the vector at @ops in order,
 * each exactly as its own ioctl would run it (the same checks, locks and
 * answer; nothing is held from one op to the next, so other threads'
 * ioctls may come between), and stops at the first op that fails.
 * @op_size is the caller's sizeof(struct iommu_stress_batch_op), the
 * vector's stride; an op's struct may use all of its slot in it (its
 * size field at most @op_size minus the union's offset).
 *
 * Partial completion: the ioctl returns 0 when every op succeeded, else
 * the errno of the op it stopped at (that op's @result), or -EINTR when
 * a signal came between two ops (the next op was not run, its entry is
 * untouched). Either way the answer (@done, @ns) is written back: ops
 * [0, @done) succeeded and took effect, op @done failed or never ran
 * (with -EFAULT it may have taken effect, its answer not written back),
 * and ops after it were not run. The answer is not written for the
 * batch's own argument errors (flags, @nops, @op_size), which run
 * nothing. An op's effect is not undone when a later op fails.
 *
 * Bounds: at most IOMMU_STRESS_BATCH_MAX_OPS ops, and DMA ops moving at
 * most IOMMU_STRESS_BATCH_MAX_DMA_BYTES together: the DMA op that would
 * pass that is not run and fails with -E2BIG.
 *
 * Errors: -EOPNOTSUPP unknown flags, or an op's (see its ioctl);
 * -EINVAL a reserved field, no ops, an @op_size below the op struct or
 * not a multiple of 8, an op other than the four above, or an op's
 * invalid argument; -E2BIG more than IOMMU_STRESS_BATCH_MAX_OPS ops, an
 * @op_size beyond a page, DMA ops past IOMMU_STRESS_BATCH_MAX_DMA_BYTES,
 * or an op's struct larger than its slot or with a non-zero unknown
 * tail; -EFAULT an op's entry cannot be read, or its answer or result
 * not written back (the op may have taken effect); -EINTR a signal
 * between two ops, or an UNMAP killed meanwhile; and as the op's own
 * ioctl: -EPERM, -EOVERFLOW, -ERANGE, -EADDRNOTAVAIL, -EEXIST, -EBUSY,
 * -EADDRINUSE, -ENOENT, -ENODEV, -EMSGSIZE, -EACCES, -EIO, -ENOMEM.
 */
struct iommu_stress_batch {
	__u32 size;
	__u32 flags;
	__u64 ops;				/* in: the vector's address */
	__u32 nops;				/* in */
	__u32 op_size;				/* in: the vector's stride */
	__u32 done;				/* out: ops that succeeded */
	__u32 __reserved;
	__u64 ns;				/* out: the batch's time */
};

/*
 * BENCH flag: each map and unmap of the loop as MAP and UNMAP run them
 * (the module's record, checks and locks, UNMAP's check that the driver
 * let go), not the bare driver calls.
 */
#define IOMMU_STRESS_BENCH_THROUGH_MAP	(1U << 0)
/*
 * BENCH flag: each map a dma_map_page() of the page on the target's device
 * and each unmap a dma_unmap_page(), as dma_map_benchmark makes them: the
 * DMA API picks the IOVAs (@iova must be 0) in the device's own DMA-API
 * domain and flushes as its policy says (strict, or lazy: iommu.strict=0).
 * After the last round, untimed, a lazy domain's whole IOTLB is flushed;
 * before v5.15, where the domain's type does not tell, every DMA-API
 * domain's is, unless its driver reports the domain strict (v5.10 to
 * v5.12 only; Intel's v5.10 driver does not report).
 * Only in a shared domain (that domain itself; a private one leaves it
 * detached, its flushes reaching no device), at PAGE_SIZE, without
 * THROUGH_MAP.
 */
#define IOMMU_STRESS_BENCH_DMA_API	(1U << 1)

/* BENCH bounds: pages per round, and maps plus unmaps per call. */
#define IOMMU_STRESS_BENCH_MAX_COUNT	4096
#define IOMMU_STRESS_BENCH_MAX_OPS	(1U << 21)

/*
 * IOMMU_STRESS_BENCH: the module's own loop of @rounds rounds, each
 * mapping @count pages of @page_size one call each (buffer @buf_id from
 * @offset at @iova, page i at @iova + i * @page_size) and then unmapping
 * them in the same order, one call each: what a caller's MAP and UNMAP
 * ioctls of the same pages cost without the calls themselves.
 *
 * By default the loop makes only the driver calls (iommu_map(), and
 * iommu_unmap() with its IOTLB sync), in a range it takes for itself
 * each round as a MAP does (nothing of the session's may be mapped there;
 * during the round MAPs there and UNMAPs reaching there get -EBUSY, walks
 * wait; between rounds, while @lat_ns is written, they go on); with
 * BENCH_THROUGH_MAP each map and unmap runs as a MAP and an UNMAP of the
 * session would. 1G pages only where the module builds 1G leaves
 * (IOMMU_STRESS_FEAT_1G_LEAVES). Each page must be physically contiguous
 * and aligned to @page_size in the buffer.
 *
 * @map_ns and @unmap_ns add up the time in each map and unmap call (the
 * driver's, or the MAP's or UNMAP's handler with THROUGH_MAP), @ns the
 * whole loop. With @lat_ns, the address of rounds * count * 2 __u32, each
 * round's map times (page order) then its unmap times are written there,
 * in ns (saturated at 2^32 - 1), once the round is done.
 *
 * The loop stops between rounds, everything of the round unmapped, on a
 * signal (-EINTR) or when the device goes (-ENODEV); the answer is
 * written back when it fails too, @ops saying how many maps and unmaps
 * were done. Without THROUGH_MAP each round takes its range afresh, so a
 * later round may fail as the first could (-EEXIST, -EBUSY, -EADDRINUSE,
 * ...) after earlier rounds' times were written. An unmap the driver did
 * not finish stops it with -EIO; that page stays pinned until the domain
 * goes. With THROUGH_MAP an unmap another thread holds up (-EBUSY) is
 * waited for, asleep, and tried again until it goes through, unless a
 * signal comes (-EINTR), the device goes (-ENODEV) or what holds it is
 * the pin of a DMA on a channel or device the module retired (-EBUSY: it
 * holds it for good);
 * such a page, and one UNMAP refused so, stays mapped as any MAP of the
 * session, for UNMAP or the session's end, and -ENOENT may mean another
 * thread's UNMAP took the page first.
 *
 * Errors: -EOPNOTSUPP unknown flags, or DMA_API in a private domain;
 * -EINVAL a reserved field, a zero @count or @rounds, a page size the
 * domain does not map or below the CPU's, an IOVA or offset not aligned
 * to it, a range past the buffer, or a page not contiguous and aligned in
 * it, with DMA_API also THROUGH_MAP, a nonzero @iova or a page size other
 * than PAGE_SIZE; -E2BIG @count past
 * IOMMU_STRESS_BENCH_MAX_COUNT or more ops than IOMMU_STRESS_BENCH_MAX_OPS;
 * -EPERM 1G pages without FEAT_1G_LEAVES; -EOVERFLOW the range wraps;
 * -ERANGE outside the aperture or a shared domain's range; -EADDRNOTAVAIL
 * the module's window or a reserved region; -EEXIST the session has
 * something mapped in the range; -EBUSY a MAP, UNMAP, DMA or DIRTY_READ
 * at work there; -EADDRINUSE (shared) something else translates there; -ENOENT
 * no such domain or buffer; -ENODEV the device has gone; -EINTR a
 * signal; -EIO an unmap the driver did not finish; -EFAULT @lat_ns
 * cannot be written; -ENOMEM (with DMA_API also the API's failed map);
 * with THROUGH_MAP also MAP's and UNMAP's.
 */
struct iommu_stress_bench {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 buf_id;
	__u64 iova;
	__u64 offset;				/* in the buffer */
	__u64 page_size;
	__u32 count;				/* pages per round */
	__u32 rounds;
	__u64 lat_ns;				/* in: an address, or 0 */
	__u64 map_ns;				/* out */
	__u64 unmap_ns;				/* out */
	__u64 ns;				/* out: the whole loop */
	__u32 ops;				/* out: maps and unmaps done */
	__u32 __reserved;
};

/*
 * IOMMU_STRESS_DIRTY_START: the IOMMU starts recording which pages DMA
 * writes in a domain made with DOMAIN_CREATE_DIRTY, having first
 * forgotten what it recorded before where the kernel can read it
 * (IOMMU_STRESS_FEAT_DIRTY_READ), also when tracking was on already.
 * Waits for MAPs, UNMAPs and DIRTY_READs at work in the domain.
 *
 * Errors: -EOPNOTSUPP unknown flags, or a domain made without
 * DOMAIN_CREATE_DIRTY; -EINVAL a reserved field; -ENOENT no such domain;
 * -ENODEV the domain's device has gone (the domain is detached).
 */
/*
 * IOMMU_STRESS_DIRTY_STOP: the IOMMU stops recording. Drivers report
 * only while tracking, so DIRTY_READ before it. Its argument is
 * DIRTY_START's.
 *
 * Errors: -EOPNOTSUPP unknown flags, or a domain made without
 * DOMAIN_CREATE_DIRTY; -EINVAL a reserved field; -ENOENT no such domain;
 * -ENODEV the domain's device has gone (the domain is detached).
 */
struct iommu_stress_dirty_switch {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 __reserved;
};

/* DIRTY_READ flag: leave the records as they are (the kernel's NO_CLEAR). */
#define IOMMU_STRESS_DIRTY_READ_NO_CLEAR	(1U << 0)
/* DIRTY_READ's most pages per call (a 2 MiB bitmap; 64 GiB of 4K pages). */
#define IOMMU_STRESS_DIRTY_MAX_BITS	(1ULL << 24)

/*
 * IOMMU_STRESS_DIRTY_READ: which pages of [@iova, @iova + @length) DMA
 * wrote since DIRTY_START or the last DIRTY_READ that cleared them: bit i
 * of the bitmap at @bitmap (__u64 words, bit i in word i / 64 at i % 64,
 * enough words for length / page_size bits) stands for the page at @iova
 * + i * @page_size. The module zeroes those words first. Unless
 * DIRTY_READ_NO_CLEAR the records are cleared and the IOTLB flushed, so
 * that the next write to a page is recorded again. A leaf larger than
 * @page_size that was written sets the bits of all its pages. At most
 * IOMMU_STRESS_DIRTY_MAX_BITS pages per call. Waits for MAPs, UNMAPs and
 * other DIRTY_READs at work in the range, and while a DIRTY_START,
 * DIRTY_STOP or IOVA_TO_PHYS of the domain waits for its own range to
 * settle (so that reads in turn cannot keep those out); while the bitmap
 * is written, MAPs and UNMAPs meeting the range are refused as busy, and
 * DIRTY_START, DIRTY_STOP and IOVA_TO_PHYS there wait: a bitmap in memory
 * that faults slowly (userfaultfd) holds up nothing else.
 *
 * Errors: -EOPNOTSUPP unknown flags, a domain made without
 * DOMAIN_CREATE_DIRTY, or a kernel that cannot report the pages (without
 * IOMMU_STRESS_FEAT_DIRTY_READ); -EINVAL a reserved field, a zero
 * @length, a page size below the CPU's or not a power of two, an IOVA or
 * length not aligned to it, or tracking off (DIRTY_START first); -E2BIG
 * more than IOMMU_STRESS_DIRTY_MAX_BITS pages; -EOVERFLOW the range
 * wraps; -ERANGE outside the aperture; -ENOENT no such domain; -ENODEV
 * the domain's device has gone (the domain is detached); -EFAULT the
 * bitmap cannot be written; -EPROTO the IOMMU driver reported a written
 * leaf reaching past the range, which the kernel's iova_bitmap refuses
 * (6.12's intel driver steps a leaf's size on from an unaligned start, so
 * a read that starts inside a 2M leaf and whose walk ends in a written
 * one gets this; what the driver cleared stays cleared); -ENOMEM out of
 * memory.
 */
struct iommu_stress_dirty_read {
	__u32 size;
	__u32 flags;
	__u32 domain_id;
	__u32 __reserved;
	__u64 iova;
	__u64 length;
	__u64 page_size;
	__u64 bitmap;				/* in: an address */
};

#define IOMMU_STRESS_TYPE	0xd9	/* private to this driver */

#define IOMMU_STRESS_INFO		_IO(IOMMU_STRESS_TYPE, 0x00)
#define IOMMU_STRESS_BUF_ALLOC		_IO(IOMMU_STRESS_TYPE, 0x01)
#define IOMMU_STRESS_BUF_FREE		_IO(IOMMU_STRESS_TYPE, 0x02)
#define IOMMU_STRESS_DOMAIN_CREATE	_IO(IOMMU_STRESS_TYPE, 0x03)
#define IOMMU_STRESS_DOMAIN_DESTROY	_IO(IOMMU_STRESS_TYPE, 0x04)
#define IOMMU_STRESS_MAP		_IO(IOMMU_STRESS_TYPE, 0x05)
#define IOMMU_STRESS_UNMAP		_IO(IOMMU_STRESS_TYPE, 0x06)
#define IOMMU_STRESS_IOVA_TO_PHYS	_IO(IOMMU_STRESS_TYPE, 0x07)
#define IOMMU_STRESS_DMA		_IO(IOMMU_STRESS_TYPE, 0x08)
#define IOMMU_STRESS_TARGET_QUERY	_IO(IOMMU_STRESS_TYPE, 0x09)
#define IOMMU_STRESS_BATCH		_IO(IOMMU_STRESS_TYPE, 0x0a)
#define IOMMU_STRESS_BENCH		_IO(IOMMU_STRESS_TYPE, 0x0b)
#define IOMMU_STRESS_DIRTY_START	_IO(IOMMU_STRESS_TYPE, 0x0c)
#define IOMMU_STRESS_DIRTY_STOP		_IO(IOMMU_STRESS_TYPE, 0x0d)
#define IOMMU_STRESS_DIRTY_READ		_IO(IOMMU_STRESS_TYPE, 0x0e)

#endif /* _UAPI_LINUX_IOMMU_STRESS_H */
