/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu_stress internals shared by the module's files.
 *
 * Object lifetimes: a session (one open file) owns buffers and domains,
 * looked up by id under the session lock and pinned by kref while an ioctl
 * uses them. A buffer's pages are freed only when nothing can reach them:
 * no session id, no user mmap, no live IOMMU mapping and no unmap whose
 * IOTLB flush is still pending.
 */
#ifndef ISTRESS_H
#define ISTRESS_H

#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/iommu_stress.h>

#define ISTRESS_VERSION		"0.2.0"

struct istress_target;

/* ---- module parameters (main.c) ---- */
extern unsigned int istress_dma_timeout_ms;
extern unsigned long istress_max_buffer_bytes;
extern bool istress_dma_unmapped_reads;
extern bool istress_idxd_channels;
extern bool istress_driver_warns;
/* Whether a map call may hold a whole 1G block (1G leaves): map.c. */
extern bool istress_allow_1g_leaves;

/* ---- buffers (buffer.c) ---- */
struct istress_buf {
	struct kref ref;
	u64 length;
	unsigned int chunk_order;	/* chunk = PAGE_SIZE << chunk_order */
	unsigned int nchunks;
	int node;
	u32 id;
	u64 mmap_pgoff;
	atomic_t nmapped;		/* live IOMMU mappings using it */
	struct page **chunks;
};

int istress_buf_alloc(u64 length, u64 chunk_size, int node,
		      struct istress_buf **out);
void istress_buf_put(struct istress_buf *buf);
static inline void istress_buf_get(struct istress_buf *buf)
{
	kref_get(&buf->ref);
}
phys_addr_t istress_buf_phys(struct istress_buf *buf, u64 offset);
bool istress_buf_contains(struct istress_buf *buf, phys_addr_t phys,
			  u64 *offset);
void istress_buf_copy(struct istress_buf *buf, u64 offset, void *data,
		      size_t len, bool to_buf);
int istress_buf_mmap(struct istress_buf *buf, struct vm_area_struct *vma);

/* ---- 1G chunks (contig.c) ---- */
bool istress_contig_supported(void);
int istress_contig_alloc(int node, unsigned long from_pfn, struct page **out);
void istress_contig_free(struct page *page);

/* ---- DMA targets (target.c) and their backends (edu.c, dmaengine.c) ---- */
struct istress_domain;

/*
 * What a backend can do, tested by the core instead of backend names.
 * SHARED_DOMAIN: the test maps into the device's own DMA-API domain.
 */
#define ISTRESS_BACKEND_SHARED_DOMAIN	BIT(0)

/*
 * A kind of DMA engine. Targets of backends without ->get are registered
 * when their device probes; the others are taken by name when a session
 * asks and registered while it holds them. One line in target.c's table.
 */
struct istress_backend {
	enum iommu_stress_backend id;
	/* its IOMMU_STRESS_FEAT_* bit, 0 if the build lacks it */
	u64 feature;
	unsigned int caps;		/* ISTRESS_BACKEND_* */
	u32 max_dma_len;		/* bytes one DMA ioctl may move */
	/*
	 * Appends the free targets not registered yet to
	 * info->targets[n...] (counting past IOMMU_STRESS_MAX_TARGETS) and
	 * returns the new count. Takes nothing.
	 */
	int (*list)(struct iommu_stress_info *info, int n);
	/*
	 * The DMA device behind the free target @name, referenced, and the
	 * target's full name in @found; NULL when none. Takes nothing.
	 */
	struct device *(*lookup)(const char *name, char *found, size_t len);
	/*
	 * Takes the free target @name for a session, exclusively:
	 * -ENODEV when it is none of this backend's.
	 */
	int (*get)(const char *name, struct istress_target **out);
};

extern const struct istress_backend istress_edu_backend;
extern const struct istress_backend istress_dmaengine_backend;
/* Whether @t's channel comes of the edu dmaengine provider (t->lock held). */
bool istress_edu_provider(struct istress_target *t);

struct istress_dma_ops {
	/*
	 * Copy @len bytes from @src to @dst, both IOVAs of the domain the
	 * target is attached to. Sleeps until done; returns 0 or -errno.
	 */
	int (*copy)(struct istress_target *t, u64 dst, u64 src, u32 len);
	/* Gives the device back when the target's last reference goes. */
	void (*release)(struct istress_target *t);
};

/*
 * A device the module can drive DMA with. Refcounted: domains keep their
 * target even after the device is gone, and then see ->gone.
 */
struct istress_target {
	struct kref ref;
	struct list_head node;
	char name[IOMMU_STRESS_NAME_LEN];
	const struct istress_backend *be;
	u32 max_dma_len;
	struct device *dev;
	const struct istress_dma_ops *ops;
	void *priv;
	/* Serialises DMA, attach and detach; protects the fields below. */
	struct mutex lock;
	struct istress_domain *attached;
	bool gone;		/* device removed: no DMA, no attach */
	/*
	 * A DMA timed out and never finished: set once, by WRITE_ONCE()
	 * under the lock; read under it (DMA, detach) or after the last
	 * reference (release), and without it, by READ_ONCE(), in UNMAP's
	 * admission (map.c's unmap_busy()), whose answer BENCH
	 * THROUGH_MAP's unmap waits on.
	 */
	bool wedged;
};

struct istress_target *istress_target_alloc(const struct istress_backend *be);
void istress_target_put(struct istress_target *t);
void istress_target_register(struct istress_target *t);
void istress_target_unregister(struct istress_target *t);
struct istress_target *istress_target_find(const char *name);
int istress_target_get(const char *name, struct istress_target **out,
		       bool *fresh);
int istress_target_list(struct iommu_stress_info *info);
u64 istress_backend_features(void);
int istress_target_query(struct iommu_stress_target_query *q);

/* ---- domains and mappings (domain.c, mapping.c) ---- */
struct istress_resv {
	u64 start;
	u64 last;
};

/*
 * The two kinds of domain a session tests in, chosen by the backend's
 * ISTRESS_BACKEND_SHARED_DOMAIN: a private one of the module's own
 * (private.c), or the device's own DMA-API domain (shared.c).
 */
struct istress_domain_ops {
	/*
	 * Attaches (private) or adopts (shared) the target device's domain
	 * and fills d->desc: page sizes, aperture, range, window. Called
	 * with the target lock; on error the caller frees d->resv, nothing
	 * else is left.
	 */
	int (*setup)(struct istress_domain *d, u64 range_start, u64 range_last);
	/*
	 * On return the device reaches nothing the session mapped; parked
	 * unmaps were synced before. Called with the target lock, once.
	 */
	void (*detach)(struct istress_domain *d);
	/* Frees what setup made, after detach. NULL: nothing to free. */
	void (*release)(struct istress_domain *d);
	/*
	 * -EADDRINUSE when anything translates in [iova, iova + len): run
	 * before a MAP and over an UNMAP's gaps. NULL where the session
	 * owns the whole domain.
	 */
	int (*check_free)(struct istress_domain *d, u64 iova, u64 len);
};

extern const struct istress_domain_ops istress_private_ops;
extern const struct istress_domain_ops istress_shared_ops;

struct istress_domain {
	struct kref ref;
	u32 id;
	const struct istress_domain_ops *ops;
	struct iommu_domain *domain;
	/* Referenced for the domain's life; detached: t->attached != d. */
	struct istress_target *target;
	struct iommu_stress_domain_create desc;	/* what DOMAIN_CREATE reported */

	/* Protects the mapping tree and the deferred-flush list. */
	struct mutex lock;
	struct rb_root_cached maps;
	struct list_head deferred;
	unsigned int ndeferred;
	/*
	 * Pieces replaced by MAP_OVERLAP, or an unmap the driver did not
	 * finish: what the driver did with their translations is unknown,
	 * so their pages are held until an UNMAP finds nothing translating
	 * to them (and flushes), or until detach.
	 */
	struct list_head retired;
	/*
	 * Pieces the driver's table cannot vouch for (map.c): those of an
	 * UNMAP that said UNVOUCHED (the table dropped pages the driver did
	 * not report unmapped, or the module could not check), and once one
	 * did (@unvouched), every retired piece the table stops
	 * translating. What the device still translates there is unknown:
	 * never walked, and no MAP or BENCH goes over one (under @lock).
	 * Freed when the domain is released, after a private domain's
	 * detach took the device off it; a shared domain's detach frees
	 * the records but keeps their buffer references, so the pages are
	 * never freed, and its range (shared.c).
	 */
	struct list_head held;
	/* How many pieces and bytes joined @held, for the log (under @lock). */
	unsigned long nheld;
	u64 held_bytes;
	/*
	 * At least the longest MAP (or BENCH claim) the domain was given:
	 * no leaf, and no mapping of a driver that unmaps what one map call
	 * made as a whole (virtio-iommu), is longer (under @lock).
	 */
	u64 max_map_len;

	/*
	 * A shared domain is the device's own DMA-API domain: the module
	 * neither attaches nor frees it, maps only inside desc.range_*, and
	 * unmaps all it mapped before letting go.
	 */
	bool shared;
	/*
	 * A MAP_OVERLAP or an unmap the driver did not finish (STILL_MAPPED)
	 * left leaves that outlive the records: from then on any leaf may be
	 * anywhere, as large as the largest a leaf can be (mapping.c; under
	 * @lock). Not set by UNVOUCHED; reset only with nothing mapped,
	 * retired or held.
	 */
	bool leaves_unknown;
	/*
	 * An UNMAP said UNVOUCHED: the driver's table no longer tells what
	 * the device translates, so a shared domain's detach cannot take
	 * back what the session mapped (under @lock).
	 */
	bool unvouched;
	/*
	 * Allocated with dirty tracking (DOMAIN_CREATE_DIRTY), and whether
	 * tracking is on now (under @lock).
	 */
	bool dirty;
	bool dirty_on;
	/*
	 * MAP, UNMAP and walks hold @users for reading; a shared domain's
	 * teardown clears @live under it for writing, after which the domain
	 * (the device's, not ours) is never touched again.
	 */
	struct rw_semaphore users;
	bool live;
	struct list_head shared_node;	/* on shared.c's list of users */
	/*
	 * The span of each MAP and UNMAP in the driver (domain.c): it may be
	 * freeing page tables anywhere in its span. MAPs and UNMAPs meeting
	 * an UNMAP's span get -EBUSY; walks wait on @op_wq until @ops_done
	 * moves, as it does when a span ends or a DMA unpins.
	 */
	struct list_head in_flight;
	wait_queue_head_t op_wq;
	unsigned long ops_done;
	/*
	 * Callers of istress_domain_lock_quiet() waiting: no new walk's
	 * claim is taken meanwhile (under @lock).
	 */
	unsigned int quiet_waiting;
	struct page *bounce;		/* private: mapped at desc.window_iova */
	void *bounce_va;		/* the bounce page, either kind */
	dma_addr_t bounce_dma;		/* shared: its DMA-API address */
	unsigned int nresv;
	struct istress_resv *resv;
};

int istress_domain_create(struct iommu_stress_domain_create *arg,
			  struct istress_domain **out);
void istress_domain_put(struct istress_domain *d);
static inline void istress_domain_get(struct istress_domain *d)
{
	kref_get(&d->ref);
}
int istress_domain_map(struct istress_domain *d, struct istress_buf *buf,
		       struct iommu_stress_map *arg);
int istress_domain_unmap(struct istress_domain *d,
			 struct iommu_stress_unmap *arg);
int istress_domain_unmap_stuck(struct istress_domain *d,
			       struct iommu_stress_unmap *arg, bool *stuck);
void istress_domain_op_done(struct istress_domain *d);
int istress_domain_check_range(struct istress_domain *d, u64 iova, u64 len);
int istress_domain_check_span(struct istress_domain *d, u64 start, u64 last);
bool istress_domain_unmapping(struct istress_domain *d, u64 start, u64 last);
int istress_domain_lock_quiet(struct istress_domain *d, u64 start, u64 last);

/* ---- dirty tracking (dirty.c) ---- */
u64 istress_dirty_features(void);
struct iommu_domain *istress_dirty_domain_alloc(struct device *dev);
int istress_dirty_switch(struct istress_domain *d,
			 struct iommu_stress_dirty_switch *arg, bool on);
int istress_dirty_read(struct istress_domain *d,
		       struct iommu_stress_dirty_read *arg);
int istress_domain_walk(struct istress_domain *d, u64 iova, phys_addr_t *phys);
int istress_domain_claim(struct istress_domain *d, u64 start, u64 last,
			 void **claim);
void istress_domain_unclaim(struct istress_domain *d, void *claim);
int istress_domain_claim_walk(struct istress_domain *d, u64 start, u64 last,
			      void **claim);
int istress_domain_enter(struct istress_domain *d);
void istress_domain_exit(struct istress_domain *d);
void istress_domain_sync_deferred(struct istress_domain *d);
void istress_domain_sync_deferred_locked(struct istress_domain *d);
void istress_target_gone(struct istress_target *t);
void istress_target_gone_locked(struct istress_target *t);

/* resv.c: ranges no map, DMA or window may touch. */
static inline bool istress_ranges_meet(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 <= b1 && b0 <= a1;
}

int istress_resv_add(struct istress_domain *d, u64 start, u64 last);
int istress_resv_from_group(struct istress_domain *d, struct device *dev);
int istress_resv_from_pci_windows(struct istress_domain *d, struct device *dev);
bool istress_resv_hits(struct istress_domain *d, u64 start, u64 last);

/* iommu_desc.c: the IOMMU behind a device, as public interfaces tell. */
void istress_describe_iommu(struct device *dev,
			    struct iommu_stress_domain_create *desc);
u32 istress_domain_type(struct iommu_domain *domain);

/* shared.c: module init, and exit once no session is left. */
int istress_shared_init(void);
void istress_shared_exit(void);

/* mapping.c: the record of what the module mapped, by IOVA range. */
struct istress_mapping {
	struct rb_node rb;
	u64 start;
	u64 last;		/* inclusive */
	u64 __subtree_last;
	struct istress_buf *buf;	/* holds a reference */
	u64 offset;		/* buffer offset of @start */
	/*
	 * The MAP or UNMAP in flight that claimed it (a MAP's own record
	 * names itself), or NULL: only its claimer may let it go.
	 */
	const void *owner;
	unsigned int dma_pins;	/* shared domains: DMAs using it now */
	struct list_head dnode;	/* on a deferred flush once unmapped */
	/*
	 * Retired, and left unwalked or unsynced by an UNMAP: any later
	 * UNMAP walks it (map.c; under the domain's lock).
	 */
	bool stranded;
	/*
	 * The driver's table dropped it unreported (UNVOUCHED): whatever
	 * is cut from it is held. @gone: its pages below an UNMAP's start
	 * no longer translate, the device told (a driver that unmaps the
	 * leaf around the start whole, AMD's). Probes for dropped records
	 * skip both (map.c; under the domain's lock).
	 */
	bool dropped;
	bool gone;
};

struct istress_deferred {
	struct list_head node;
	struct iommu_iotlb_gather gather;
	struct list_head maps;	/* unmapped pieces, still pinning buffers */
};

bool istress_maps_overlap(struct istress_domain *d, u64 start, u64 last);
bool istress_maps_cover(struct istress_domain *d, u64 start, u64 last);
struct istress_mapping *istress_maps_next(struct istress_domain *d,
					  struct istress_mapping *m,
					  u64 start, u64 last);
int istress_maps_for_each_gap(struct istress_domain *d, u64 start, u64 last,
			      int (*fn)(struct istress_domain *d, u64 iova,
					u64 len));
void istress_maps_insert(struct istress_domain *d, struct istress_mapping *m);
void istress_maps_remove(struct istress_domain *d, struct istress_mapping *m);
int istress_maps_claim(struct istress_domain *d, u64 start, u64 last,
		       const void *owner);
int istress_maps_claim_overlap(struct istress_domain *d, u64 start, u64 last,
			       const void *owner);
void istress_maps_pin(struct istress_domain *d, u64 start, u64 last,
		      int delta);
void istress_maps_reach(struct istress_domain *d, u64 *start, u64 *last);
bool istress_maps_busy(struct istress_domain *d, u64 start, u64 last);
bool istress_maps_pinned(struct istress_domain *d, u64 start, u64 last);
void istress_maps_unclaim(struct istress_domain *d, struct istress_mapping *m);
void istress_maps_replace(struct istress_domain *d, struct istress_mapping *m,
			  struct list_head *cut, struct istress_mapping **spare,
			  unsigned int nspare);
void istress_maps_release(struct istress_domain *d, const void *owner,
			  u64 start, u64 last, u64 cut_len, struct list_head *cut,
			  struct istress_mapping **spare, unsigned int nspare);
void istress_mapping_free(struct istress_mapping *m);
void istress_maps_free_list(struct list_head *list);
void istress_maps_drain(struct istress_domain *d, struct list_head *out);

/* ---- DMA (dma.c) ---- */
/*
 * Asked by a DMA once its argument has passed every check of its own,
 * just before the transfer: 0 lets it run, else the DMA's answer.
 */
typedef int (*istress_dma_admit_t)(void *ctx, u64 length);
int istress_dma(struct istress_domain *d, struct istress_buf *buf,
		struct iommu_stress_dma *arg, istress_dma_admit_t admit,
		void *ctx);

/* ---- BENCH (bench.c) ---- */
int istress_bench(struct istress_domain *d, struct istress_buf *buf,
		  struct iommu_stress_bench *arg);
/* The DMA API's map and unmap of one page: its time, or -errno (bench_dma_api.c). */
s64 istress_bench_dma_map(struct device *dev, phys_addr_t pa, u64 size,
			  dma_addr_t *dma);
s64 istress_bench_dma_unmap(struct device *dev, dma_addr_t dma, u64 size);
void istress_bench_dma_flush(struct istress_domain *d);

/* ---- edu backend (edu.c) ---- */
int istress_edu_init(void);
void istress_edu_exit(void);

#endif /* ISTRESS_H */
