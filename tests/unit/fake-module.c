// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fake-module.h"
#include "iommu_stress_backends.h"
#include "iommu_stress_errno.h"
#include "iommu_sysfs.h"

#define FAKE_FD		4242
#define FAKE_MAX_BUFS	64
#define FAKE_MAX_MAPS	4096
#define FAKE_TLB	1024		/* entries; full: all dropped, as QEMU does */
#define FAKE_APERTURE	((1ull << 39) - 1)
#define FAKE_PGSIZES	0x40201000ull	/* 4K, 2M, 1G */
#define FAKE_RANGE	(4ull << 30)	/* the default shared range: 64G from 4G */
#define FAKE_RANGE_LEN	(64ull << 30)
#define FAKE_BOUNCE	0xfffff000ull	/* a DMA-API page below 4G */
#define FAKE_EDU_WINDOW	(FAKE_APERTURE + 1 - (2ull << 20))
#define FAKE_MAX_BUFFER	(4ull << 30)	/* max_buffer_mb */
#define FAKE_MSI	0xfee00000ull	/* x86's interrupt range, reserved */
#define FAKE_MSI_LAST	0xfeefffffull
/* A PCI host-bridge window: reserved in shared domains. */
#define FAKE_BRIDGE	(256ull << 30)
#define FAKE_BRIDGE_LAST ((260ull << 30) - 1)
#define PAGE		4096ull

struct fbuf {
	uint32_t id;			/* 0 once freed: no id names it */
	uint64_t len;
	uint64_t mmap_off;
	uint8_t *mem;			/* kept until the session ends */
	unsigned int mapped;		/* live mappings into it */
};

/* A live translation: [iova, iova + len) -> buffer @buf at @off. */
struct fmap {
	uint64_t iova, len, off;
	struct fbuf *buf;
};

struct ftlb {
	uint64_t page;			/* IOVA >> 12 */
	struct fbuf *buf;
	uint64_t off;
};

static struct {
	pthread_mutex_t lock;
	struct fake_host host;
	struct fake_seen seen;
	unsigned int nbufs;
	struct fbuf bufs[FAKE_MAX_BUFS];
	uint32_t next_buf;
	uint64_t next_mmap_off;
	uint64_t buffer_bytes;		/* charged to max_buffer_mb */
	/* One domain at a time, as the tool uses them. */
	struct fake_target *target;
	struct iommu_stress_domain_create dom;
	unsigned int nmaps;
	struct fmap maps[FAKE_MAX_MAPS];
	unsigned int ntlb;
	struct ftlb tlb[FAKE_TLB];
} fk = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int shared(void)
{
	return !!(fk.dom.out_flags & IOMMU_STRESS_DOMAIN_SHARED);
}

static int meets(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

static struct fake_target *find_target(const char *name)
{
	for (unsigned int i = 0; i < fk.host.ntargets; i++)
		if (!strcmp(fk.host.targets[i].name, name))
			return &fk.host.targets[i];
	/* "dma:<device>": its first free channel. */
	for (unsigned int i = 0; !strncmp(name, "dma:", 4) && i < fk.host.ntargets; i++) {
		struct fake_target *t = &fk.host.targets[i];

		if (t->backend == IOMMU_STRESS_BACKEND_DMAENGINE && !t->held &&
		    !t->busy && !strcmp(t->device, name + 4))
			return t;
	}
	return NULL;
}

static uint32_t max_dma(const struct fake_target *t)
{
	return istress_backend(t->backend)->max_dma_len;
}

/* Its backend's targets share their device's DMA-API domain. */
static int shares_domain(const struct fake_target *t)
{
	return !!(istress_backend(t->backend)->caps &
		  IOMMU_STRESS_TARGET_SHARED_DOMAIN);
}

/* What INFO says the module was built with; before dmaengine, edu alone. */
static uint64_t backend_features(void)
{
	const struct istress_backend_row *be;
	uint64_t features = 0;
	size_t n;

	if (fk.host.legacy)
		return IOMMU_STRESS_FEAT_EDU;
	be = istress_backend_rows(&n);
	for (size_t i = 0; i < n; i++)
		features |= be[i].feature;
	return features;
}

/* A NUL within @n bytes: a name the module would read. */
static int terminated(const char *name, size_t n)
{
	return memchr(name, '\0', n) != NULL;
}

static int do_info(struct iommu_stress_info *in)
{
	if (in->flags)
		return ISTRESS_ERRNO(INFO, EOPNOTSUPP);
	in->abi_version = IOMMU_STRESS_ABI_VERSION;
	in->features = IOMMU_STRESS_FEAT_SKIP_SYNC | backend_features() |
		       (fk.host.driver_warns ? IOMMU_STRESS_FEAT_MAP_OVERLAP : 0) |
		       (fk.host.allow_1g_leaves ? IOMMU_STRESS_FEAT_1G_LEAVES : 0) |
		       (fk.host.no_batch || fk.host.legacy ? 0 :
			IOMMU_STRESS_FEAT_BATCH | IOMMU_STRESS_FEAT_BENCH) |
		       (fk.host.legacy || fk.host.no_target_caps ? 0 :
			IOMMU_STRESS_FEAT_TARGET_CAPS);
	strcpy(in->module_version, "fake");
	strcpy(in->kernel_release, "6.1.0-fake");
	in->ntargets = 0;
	for (unsigned int i = 0; i < fk.host.ntargets; i++) {
		const struct fake_target *t = &fk.host.targets[i];
		struct iommu_stress_target_info *ti;

		if (t->held)
			continue;
		if (in->ntargets < IOMMU_STRESS_MAX_TARGETS) {
			ti = &in->targets[in->ntargets];
			strcpy(ti->name, t->name);
			ti->backend = t->backend;
			ti->max_dma_len = max_dma(t);
			ti->busy = t->busy;
		}
		in->ntargets++;
	}
	return 0;
}

static int do_query(struct iommu_stress_target_query *q)
{
	struct fake_target *t;

	if (q->flags)
		return ISTRESS_ERRNO(TARGET_QUERY, EOPNOTSUPP);
	if (q->__reserved || q->__reserved2 ||
	    !terminated(q->name, sizeof(q->name)))
		return ISTRESS_ERRNO(TARGET_QUERY, EINVAL);
	t = find_target(q->name);
	if (!t || t->held)
		return ISTRESS_ERRNO(TARGET_QUERY, ENODEV);
	q->backend = t->backend;
	q->max_dma_len = max_dma(t);
	q->busy = t->busy;
	q->iommu_group = t->group;
	q->domain_type = t->busy && !shares_domain(t) ?
			 IOMMU_STRESS_DOMTYPE_UNMANAGED : t->domain_type;
	strcpy(q->device, t->device);
	strcpy(q->driver, t->driver);
	q->caps = fk.host.no_target_caps ? 0 : istress_backend(t->backend)->caps;
	return 0;
}

static int do_buf_alloc(struct iommu_stress_buf_alloc *a)
{
	struct fbuf *b;

	if (a->flags)
		return ISTRESS_ERRNO(BUF_ALLOC, EOPNOTSUPP);
	if (a->node < IOMMU_STRESS_NODE_ANY)
		return ISTRESS_ERRNO(BUF_ALLOC, EINVAL);
	/*
	 * 1G chunks only where 1G leaves are allowed; the fake's memory has
	 * no free, 1G-aligned gigabyte to give.
	 */
	if (a->chunk_size == IOMMU_STRESS_CHUNK_1G)
		return fk.host.allow_1g_leaves ? ISTRESS_ERRNO(BUF_ALLOC, ENOMEM) :
						 ISTRESS_ERRNO(BUF_ALLOC, EPERM);
	if (a->chunk_size != IOMMU_STRESS_CHUNK_4K &&
	    a->chunk_size != IOMMU_STRESS_CHUNK_2M)
		return ISTRESS_ERRNO(BUF_ALLOC, EINVAL);
	if (!a->length || a->length % a->chunk_size)
		return ISTRESS_ERRNO(BUF_ALLOC, EINVAL);
	/* One NUMA node, node 0. */
	if (a->node != IOMMU_STRESS_NODE_ANY && a->node != 0)
		return ISTRESS_ERRNO(BUF_ALLOC, EINVAL);
	if (a->length / a->chunk_size > UINT32_MAX)
		return ISTRESS_ERRNO(BUF_ALLOC, E2BIG);
	if (a->length > (fk.host.max_buffer ? fk.host.max_buffer : FAKE_MAX_BUFFER) -
			fk.buffer_bytes ||
	    fk.nbufs >= FAKE_MAX_BUFS)
		return ISTRESS_ERRNO(BUF_ALLOC, ENOMEM);
	b = &fk.bufs[fk.nbufs];
	b->mem = aligned_alloc(PAGE, a->length);
	if (!b->mem)
		return ISTRESS_ERRNO(BUF_ALLOC, ENOMEM);
	memset(b->mem, 0, a->length);
	b->id = ++fk.next_buf;
	b->len = a->length;
	b->mapped = 0;
	/* mmap offsets follow each other, as the module hands them out. */
	b->mmap_off = fk.next_mmap_off;
	fk.next_mmap_off += a->length;
	fk.buffer_bytes += a->length;
	fk.nbufs++;
	a->buf_id = b->id;
	a->mmap_offset = b->mmap_off;
	return 0;
}

static struct fbuf *find_buf(uint32_t id)
{
	for (unsigned int i = 0; id && i < fk.nbufs; i++)
		if (fk.bufs[i].id == id)
			return &fk.bufs[i];
	return NULL;
}

/* Its id goes; its memory stays until the session ends (mmaps may use it). */
static int do_buf_free(struct iommu_stress_buf_free *f)
{
	struct fbuf *b;

	if (f->flags)
		return ISTRESS_ERRNO(BUF_FREE, EOPNOTSUPP);
	if (f->__reserved)
		return ISTRESS_ERRNO(BUF_FREE, EINVAL);
	b = find_buf(f->buf_id);
	if (!b)
		return ISTRESS_ERRNO(BUF_FREE, ENOENT);
	if (b->mapped)
		return ISTRESS_ERRNO(BUF_FREE, EBUSY);
	b->id = 0;
	fk.buffer_bytes -= b->len;
	return 0;
}

/* A shared domain's range, asked for, or the default one. */
static int choose_range(struct iommu_stress_domain_create *d)
{
	if (!d->range_start && !d->range_last) {
		d->range_start = FAKE_RANGE;
		d->range_last = FAKE_RANGE + FAKE_RANGE_LEN - 1;
		return 0;
	}
	if (d->range_last < d->range_start || d->range_start % (2 << 20) ||
	    (d->range_last + 1) % (2 << 20))
		return ISTRESS_ERRNO(DOMAIN_CREATE, EINVAL);
	/* Below 4 GiB is where the DMA API allocates first. */
	if (d->range_start < FAKE_RANGE || d->range_last > FAKE_APERTURE)
		return ISTRESS_ERRNO(DOMAIN_CREATE, ERANGE);
	if (meets(d->range_start, d->range_last, FAKE_BRIDGE, FAKE_BRIDGE_LAST))
		return ISTRESS_ERRNO(DOMAIN_CREATE, EADDRNOTAVAIL);
	return 0;
}

static int do_domain_create(struct iommu_stress_domain_create *d)
{
	struct fake_target *t;
	int dma, ret;

	if (d->flags)
		return ISTRESS_ERRNO(DOMAIN_CREATE, EOPNOTSUPP);
	if (d->__reserved || !terminated(d->target, sizeof(d->target)))
		return ISTRESS_ERRNO(DOMAIN_CREATE, EINVAL);
	t = find_target(d->target);
	if (!t || t->held)
		return ISTRESS_ERRNO(DOMAIN_CREATE, ENODEV);
	if (t->busy || fk.target)
		return ISTRESS_ERRNO(DOMAIN_CREATE, EBUSY);
	dma = shares_domain(t);
	/* A private domain is all the session's: no range to choose. */
	if (!dma && (d->range_start || d->range_last))
		return ISTRESS_ERRNO(DOMAIN_CREATE, EINVAL);
	if (dma && t->domain_type != IOMMU_STRESS_DOMTYPE_DMA &&
	    t->domain_type != IOMMU_STRESS_DOMTYPE_DMA_FQ)
		return ISTRESS_ERRNO(DOMAIN_CREATE, EOPNOTSUPP);
	if (dma) {
		ret = choose_range(d);
		if (ret)
			return ret;
	}
	t->busy = 1;
	fk.target = t;
	d->domain_id = 1;
	d->out_flags = (fk.host.amd ? 0 : IOMMU_STRESS_DOMAIN_INTEL_CAPS) |
		       (dma ? IOMMU_STRESS_DOMAIN_SHARED : 0);
	if (dma && fk.host.unmapped_reads)
		d->out_flags |= IOMMU_STRESS_DOMAIN_UNMAPPED_READS;
	if (fk.host.sync_in_unmap)
		d->out_flags |= IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP;
	d->pgsize_bitmap = FAKE_PGSIZES;
	d->aperture_start = 0;
	d->aperture_end = FAKE_APERTURE;
	d->window_iova = dma ? FAKE_BOUNCE : FAKE_EDU_WINDOW;
	d->window_len = dma ? PAGE : 2 << 20;
	strcpy(d->iommu_driver, fk.host.amd ? "amd-iommu" : "intel-iommu");
	strcpy(d->iommu_name, fk.host.amd ? "ivhd0" : "dmar0");
	if (!fk.host.amd) {
		d->intel_cap = 0xd2008c22260286ull;
		d->intel_ecap = 0xf00f5eull;
	}
	if (!dma) {
		d->range_start = 0;
		d->range_last = FAKE_APERTURE;
	}
	d->domain_type = dma ? t->domain_type : IOMMU_STRESS_DOMTYPE_UNMANAGED;
	fk.dom = *d;
	/* A module from before dmaengine targets keeps its range to itself. */
	if (fk.host.legacy)
		d->range_start = d->range_last = d->domain_type = 0;
	return 0;
}

static void drop_maps(void)
{
	for (unsigned int i = 0; i < fk.nmaps; i++)
		fk.maps[i].buf->mapped--;
	fk.nmaps = 0;
	fk.ntlb = 0;
}

static int domain_is(uint32_t id)
{
	return fk.target && id == fk.dom.domain_id;
}

static int do_domain_destroy(struct iommu_stress_domain_destroy *d)
{
	if (d->flags)
		return ISTRESS_ERRNO(DOMAIN_DESTROY, EOPNOTSUPP);
	if (d->__reserved)
		return ISTRESS_ERRNO(DOMAIN_DESTROY, EINVAL);
	if (!domain_is(d->domain_id))
		return ISTRESS_ERRNO(DOMAIN_DESTROY, ENOENT);
	drop_maps();
	fk.target->busy = 0;
	fk.target = NULL;
	return 0;
}

/* What is wrong with an IOVA range, in the order the module checks. */
enum iova_fault {
	IOVA_OK,
	IOVA_UNALIGNED,		/* or empty */
	IOVA_WRAPS,
	IOVA_OUTSIDE,		/* the aperture, or a shared domain's range */
	IOVA_RESERVED,		/* the module's window, the MSI range */
};

/* Where a test may map or read: the aperture, or a shared domain's range. */
static enum iova_fault range_fault(uint64_t iova, uint64_t last)
{
	if (iova < fk.dom.range_start || last > fk.dom.range_last)
		return IOVA_OUTSIDE;
	if (meets(iova, last, fk.dom.window_iova,
		  fk.dom.window_iova + fk.dom.window_len - 1) ||
	    meets(iova, last, FAKE_MSI, FAKE_MSI_LAST) ||
	    (shared() && meets(iova, last, FAKE_BRIDGE, FAKE_BRIDGE_LAST)))
		return IOVA_RESERVED;
	return IOVA_OK;
}

/* MAP's and UNMAP's checks of [iova, iova + len). */
static enum iova_fault iova_fault(uint64_t iova, uint64_t len)
{
	if (!len || (iova | len) % PAGE)
		return IOVA_UNALIGNED;
	if (iova + len < iova)
		return IOVA_WRAPS;
	return range_fault(iova, iova + len - 1);
}

/* A range fault as @ioctl's errno (0: none). */
#define RANGE_ERRNO(ioctl, fault)					\
	((fault) == IOVA_OUTSIDE ? ISTRESS_ERRNO(ioctl, ERANGE) :	\
	 (fault) == IOVA_RESERVED ? ISTRESS_ERRNO(ioctl, EADDRNOTAVAIL) : 0)
#define IOVA_ERRNO(ioctl, fault)					\
	((fault) == IOVA_UNALIGNED ? ISTRESS_ERRNO(ioctl, EINVAL) :	\
	 (fault) == IOVA_WRAPS ? ISTRESS_ERRNO(ioctl, EOVERFLOW) :	\
	 RANGE_ERRNO(ioctl, fault))

/* Removes [iova, last] from the live maps, splitting them; bytes removed. */
static uint64_t cut(uint64_t iova, uint64_t last)
{
	uint64_t gone = 0;

	for (unsigned int i = 0; i < fk.nmaps;) {
		struct fmap m = fk.maps[i];
		uint64_t m1 = m.iova + m.len - 1;

		if (!meets(iova, last, m.iova, m1)) {
			i++;
			continue;
		}
		fk.maps[i] = fk.maps[--fk.nmaps];
		m.buf->mapped--;
		gone += (last < m1 ? last : m1) - (iova > m.iova ? iova : m.iova) + 1;
		if (m.iova < iova && fk.nmaps < FAKE_MAX_MAPS) {
			fk.maps[fk.nmaps++] = (struct fmap){ m.iova, iova - m.iova, m.off, m.buf };
			m.buf->mapped++;
		}
		if (m1 > last && fk.nmaps < FAKE_MAX_MAPS) {
			fk.maps[fk.nmaps++] = (struct fmap){
				last + 1, m1 - last, m.off + (last + 1 - m.iova), m.buf,
			};
			m.buf->mapped++;
		}
	}
	return gone;
}

static int refuse_map(int err)
{
	fk.seen.refused[err == ERANGE ? 0 : err == EADDRINUSE ? 1 :
			err == EOPNOTSUPP ? 2 : 3]++;
	return err;
}

static int do_map(struct iommu_stress_map *m)
{
	const uint32_t prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE;
	int overlap = !!(m->flags & IOMMU_STRESS_MAP_OVERLAP);
	struct fbuf *b = find_buf(m->buf_id);
	uint64_t last = m->iova + m->length - 1;
	enum iova_fault fault;

	if (!domain_is(m->domain_id) || !b)
		return ISTRESS_ERRNO(MAP, ENOENT);
	if (m->flags & ~IOMMU_STRESS_MAP_OVERLAP)
		return refuse_map(ISTRESS_ERRNO(MAP, EOPNOTSUPP));
	/* Whatever is there in a shared domain may be the driver's. */
	if (overlap && shared())
		return refuse_map(ISTRESS_ERRNO(MAP, EOPNOTSUPP));
	if (m->__reserved || !m->prot || m->prot & ~prot)
		return refuse_map(ISTRESS_ERRNO(MAP, EINVAL));
	if (overlap && !fk.host.driver_warns)
		return refuse_map(ISTRESS_ERRNO(MAP, EPERM));
	fault = iova_fault(m->iova, m->length);
	if (fault)
		return refuse_map(IOVA_ERRNO(MAP, fault));
	if (m->offset % PAGE || m->offset > b->len || m->length > b->len - m->offset)
		return refuse_map(ISTRESS_ERRNO(MAP, EINVAL));
	for (unsigned int i = 0; i < fk.nmaps; i++)
		if (meets(m->iova, last, fk.maps[i].iova,
			  fk.maps[i].iova + fk.maps[i].len - 1)) {
			if (!overlap)
				return refuse_map(ISTRESS_ERRNO(MAP, EEXIST));
			cut(m->iova, last);
			break;
		}
	/* The channel driver's own mappings: its rings, below 4G. */
	if (shared() && meets(m->iova, last, 0xffe00000, 0xffffffff))
		return refuse_map(ISTRESS_ERRNO(MAP, EADDRINUSE));
	if (fk.nmaps >= FAKE_MAX_MAPS)
		return refuse_map(ISTRESS_ERRNO(MAP, ENOMEM));
	fk.maps[fk.nmaps++] = (struct fmap){ m->iova, m->length, m->offset, b };
	b->mapped++;
	if (!fk.seen.maps++)
		fk.seen.first_map = m->iova;
	if (m->iova < fk.seen.lowest)
		fk.seen.lowest = m->iova;
	if (last > fk.seen.highest)
		fk.seen.highest = last;
	m->ns = 100;
	return 0;
}

static void flush(uint64_t iova, uint64_t last)
{
	for (unsigned int i = 0; i < fk.ntlb;) {
		if (meets(iova, last, fk.tlb[i].page * PAGE,
			  fk.tlb[i].page * PAGE + PAGE - 1))
			fk.tlb[i] = fk.tlb[--fk.ntlb];
		else
			i++;
	}
}

static int do_unmap(struct iommu_stress_unmap *u)
{
	uint64_t last = u->iova + u->length - 1;
	enum iova_fault fault;

	if (!domain_is(u->domain_id))
		return ISTRESS_ERRNO(UNMAP, ENOENT);
	if (u->flags & ~IOMMU_STRESS_UNMAP_SKIP_SYNC)
		return ISTRESS_ERRNO(UNMAP, EOPNOTSUPP);
	if (u->__reserved || u->__reserved2)
		return ISTRESS_ERRNO(UNMAP, EINVAL);
	if (u->flags & IOMMU_STRESS_UNMAP_SKIP_SYNC &&
	    fk.dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP)
		return ISTRESS_ERRNO(UNMAP, EOPNOTSUPP);
	fault = iova_fault(u->iova, u->length);
	if (fault)
		return IOVA_ERRNO(UNMAP, fault);
	u->unmapped = cut(u->iova, last);
	if (!u->unmapped)
		return ISTRESS_ERRNO(UNMAP, ENOENT);
	/* The IOTLB keeps what an unsynced unmap leaves. */
	if (!(u->flags & IOMMU_STRESS_UNMAP_SKIP_SYNC))
		flush(u->iova, last);
	u->out_flags = 0;
	u->ns = 100;
	return 0;
}

static const struct fmap *walk(uint64_t iova)
{
	for (unsigned int i = 0; i < fk.nmaps; i++)
		if (iova >= fk.maps[i].iova && iova - fk.maps[i].iova < fk.maps[i].len)
			return &fk.maps[i];
	return NULL;
}

/* Every page of [iova, last] in the session's maps (the module's record). */
static int covered(uint64_t iova, uint64_t last)
{
	for (uint64_t p = iova & ~(PAGE - 1); p <= last; p += PAGE)
		if (!walk(p))
			return 0;
	return 1;
}

/*
 * A shared domain reaches only what the session mapped: for writes
 * always, for reads unless the module was loaded with
 * dma_unmapped_reads=1, as the module's DMA ioctl does. Every unmapped
 * read is counted, so tests see whether the tool made one.
 */
static int refused(uint64_t iova, uint64_t len, int read)
{
	if (covered(iova, iova + len - 1))
		return 0;
	if (read)
		fk.seen.unmapped_reads++;
	if (!shared())
		return 0;
	if (read && fk.host.unmapped_reads && !fk.host.unmapped_reads_refused)
		return 0;
	if (read)
		fk.seen.refused_reads++;
	return 1;
}

/* The device's view of @iova's page: the IOTLB first, then the table. */
static const struct ftlb *translate(uint64_t iova)
{
	const struct fmap *m;
	uint64_t page = iova / PAGE;

	for (unsigned int i = 0; i < fk.ntlb; i++)
		if (fk.tlb[i].page == page)
			return &fk.tlb[i];
	m = walk(iova & ~(PAGE - 1));
	if (!m)
		return NULL;
	if (fk.ntlb == FAKE_TLB)
		fk.ntlb = 0;
	fk.tlb[fk.ntlb] = (struct ftlb){
		page, m->buf, m->off + (page * PAGE - m->iova),
	};
	return &fk.tlb[fk.ntlb++];
}

/*
 * The transfer, page by page. A page that does not translate faults:
 * edu reads zeros (and its writes go nowhere), a DMA engine fails the
 * transfer.
 */
static void transfer(struct iommu_stress_dma *d, struct fbuf *buf)
{
	int read = d->dir == IOMMU_STRESS_DMA_READ;

	for (uint64_t done = 0, n; done < d->length; done += n) {
		uint64_t iova = d->iova + done;
		const struct ftlb *e = translate(iova);
		uint8_t *mem = buf->mem + d->buf_offset + done;

		n = PAGE - iova % PAGE;
		if (n > d->length - done)
			n = d->length - done;
		if (e && read)
			memcpy(mem, e->buf->mem + e->off + iova % PAGE, n);
		else if (e)
			memcpy(e->buf->mem + e->off + iova % PAGE, mem, n);
		else if (shared())
			d->status = EIO;
		else if (read)
			memset(mem, 0, n);
	}
	if (d->status)
		fk.seen.faults++;
}

/* A running batch's DMA budget (bytes left), charged by a valid DMA. */
static uint32_t *batch_dma_left;

static int do_dma(struct iommu_stress_dma *d)
{
	struct fbuf *buf = find_buf(d->buf_id);
	int read = d->dir == IOMMU_STRESS_DMA_READ;
	enum iova_fault fault;

	if (!domain_is(d->domain_id) || !buf)
		return ISTRESS_ERRNO(DMA, ENOENT);
	if (d->flags)
		return ISTRESS_ERRNO(DMA, EOPNOTSUPP);
	if (!read && d->dir != IOMMU_STRESS_DMA_WRITE)
		return ISTRESS_ERRNO(DMA, EINVAL);
	if (!d->length || d->iova + d->length < d->iova)
		return ISTRESS_ERRNO(DMA, EINVAL);
	if (d->length > max_dma(fk.target) || d->length > PAGE)
		return ISTRESS_ERRNO(DMA, EMSGSIZE);
	if (d->buf_offset > buf->len || d->length > buf->len - d->buf_offset)
		return ISTRESS_ERRNO(DMA, EINVAL);
	fault = range_fault(d->iova, d->iova + d->length - 1);
	if (fault)
		return RANGE_ERRNO(DMA, fault);
	if (refused(d->iova, d->length, read))
		return ISTRESS_ERRNO(DMA, EACCES);
	if (batch_dma_left) {
		if (d->length > *batch_dma_left)
			return ISTRESS_ERRNO(BATCH, E2BIG);
		*batch_dma_left -= (uint32_t)d->length;
	}
	d->ns = 1000;
	d->status = 0;
	transfer(d, buf);
	return 0;
}

static int do_i2p(struct iommu_stress_iova_to_phys *p)
{
	const struct fmap *m;

	if (p->flags)
		return ISTRESS_ERRNO(IOVA_TO_PHYS, EOPNOTSUPP);
	if (p->__reserved)
		return ISTRESS_ERRNO(IOVA_TO_PHYS, EINVAL);
	if (!domain_is(p->domain_id))
		return ISTRESS_ERRNO(IOVA_TO_PHYS, ENOENT);
	if (p->iova < fk.dom.range_start || p->iova > fk.dom.range_last)
		return ISTRESS_ERRNO(IOVA_TO_PHYS, ERANGE);
	m = walk(p->iova);
	p->out_flags = 0;
	p->buf_id = 0;
	p->offset = 0;
	if (m) {
		p->out_flags = IOMMU_STRESS_I2P_MAPPED | IOMMU_STRESS_I2P_OURS;
		p->buf_id = m->buf->id;
		p->offset = m->off + (p->iova - m->iova);
	}
	return 0;
}

/* The times the model's BENCH gives each bare map and unmap (ns). */
#define FAKE_BENCH_MAP_NS	500
#define FAKE_BENCH_UNMAP_NS	1200
/* And each DMA-API map and unmap (DMA_API). */
#define FAKE_BENCH_DMA_MAP_NS	900
#define FAKE_BENCH_DMA_UNMAP_NS	1500

/* One map or unmap of BENCH's loop: 0 or the errno; @ns its time. */
static int bench_op(const struct iommu_stress_bench *a, uint32_t i, int unmap,
		    uint64_t *ns)
{
	uint64_t iova = a->iova + i * a->page_size;
	int ret;

	if (a->flags & IOMMU_STRESS_BENCH_DMA_API) {
		*ns = unmap ? FAKE_BENCH_DMA_UNMAP_NS : FAKE_BENCH_DMA_MAP_NS;
		return 0;
	}
	if (!(a->flags & IOMMU_STRESS_BENCH_THROUGH_MAP)) {
		if (unmap)
			flush(iova, iova + a->page_size - 1);
		*ns = unmap ? FAKE_BENCH_UNMAP_NS : FAKE_BENCH_MAP_NS;
		return 0;
	}
	if (unmap) {
		struct iommu_stress_unmap u = {
			.domain_id = a->domain_id, .iova = iova, .length = a->page_size,
		};

		ret = do_unmap(&u);
		*ns = u.ns + 800;
	} else {
		struct iommu_stress_map m = {
			.domain_id = a->domain_id, .buf_id = a->buf_id, .iova = iova,
			.offset = a->offset + i * a->page_size, .length = a->page_size,
			.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
		};

		ret = do_map(&m);
		*ns = m.ns + 400;
	}
	return ret;
}

/*
 * BENCH: the checks in the module's order, then the loop, each op a
 * fixed time (through MAP: the model's MAP and UNMAP; DMA_API, in a
 * shared domain only, maps nothing the model tracks). Pages are not
 * checked for physical contiguity, and no signal stops it.
 */
static int do_bench(struct iommu_stress_bench *a)
{
	struct fbuf *b = find_buf(a->buf_id);
	uint64_t pg = a->page_size, len, last, ns;
	uint32_t *lat = (uint32_t *)(uintptr_t)a->lat_ns;
	int dma_api = !!(a->flags & IOMMU_STRESS_BENCH_DMA_API);
	int ret = 0;

	a->map_ns = a->unmap_ns = a->ns = 0;
	a->ops = 0;
	if (!domain_is(a->domain_id) || !b)
		return ISTRESS_ERRNO(BENCH, ENOENT);
	if (a->flags & ~(IOMMU_STRESS_BENCH_THROUGH_MAP | IOMMU_STRESS_BENCH_DMA_API))
		return ISTRESS_ERRNO(BENCH, EOPNOTSUPP);
	if (dma_api && !shared())
		return ISTRESS_ERRNO(BENCH, EOPNOTSUPP);
	if (a->__reserved || !a->count || !a->rounds)
		return ISTRESS_ERRNO(BENCH, EINVAL);
	if (dma_api && (a->flags & IOMMU_STRESS_BENCH_THROUGH_MAP || a->iova ||
			a->page_size != PAGE))
		return ISTRESS_ERRNO(BENCH, EINVAL);
	if (a->count > IOMMU_STRESS_BENCH_MAX_COUNT ||
	    (uint64_t)a->count * a->rounds * 2 > IOMMU_STRESS_BENCH_MAX_OPS)
		return ISTRESS_ERRNO(BENCH, E2BIG);
	if (pg < PAGE || pg & (pg - 1) || !(fk.dom.pgsize_bitmap & pg))
		return ISTRESS_ERRNO(BENCH, EINVAL);
	if (pg >= (1ull << 30) && !fk.host.allow_1g_leaves)
		return ISTRESS_ERRNO(BENCH, EPERM);
	len = pg * a->count;
	last = a->iova + len - 1;
	if ((a->iova | a->offset) & (pg - 1))
		return ISTRESS_ERRNO(BENCH, EINVAL);
	if (a->iova + len < a->iova)
		return ISTRESS_ERRNO(BENCH, EOVERFLOW);
	if (a->offset > b->len || len > b->len - a->offset)
		return ISTRESS_ERRNO(BENCH, EINVAL);
	ret = dma_api ? 0 : RANGE_ERRNO(BENCH, range_fault(a->iova, last));
	if (ret)
		return ret;
	if (!(a->flags & (IOMMU_STRESS_BENCH_THROUGH_MAP | IOMMU_STRESS_BENCH_DMA_API))) {
		for (unsigned int i = 0; i < fk.nmaps; i++)
			if (meets(a->iova, last, fk.maps[i].iova,
				  fk.maps[i].iova + fk.maps[i].len - 1))
				return ISTRESS_ERRNO(BENCH, EEXIST);
		if (shared() && meets(a->iova, last, 0xffe00000, 0xffffffff))
			return ISTRESS_ERRNO(BENCH, EADDRINUSE);
	}
	for (uint32_t r = 0; r < a->rounds && !ret; r++) {
		uint32_t mapped = 0;

		for (; mapped < a->count; mapped++) {
			ret = bench_op(a, mapped, 0, &ns);
			if (ret)
				break;
			a->map_ns += ns;
			a->ops++;
			if (lat)
				lat[(uint64_t)r * a->count * 2 + mapped] = (uint32_t)ns;
		}
		for (uint32_t i = 0; i < mapped; i++) {
			int err = bench_op(a, i, 1, &ns);

			if (err) {
				ret = ret ? ret : err;
				continue;
			}
			a->unmap_ns += ns;
			a->ops++;
			if (lat)
				lat[(uint64_t)r * a->count * 2 + a->count + i] = (uint32_t)ns;
		}
	}
	a->ns = a->map_ns + a->unmap_ns + 100 * (uint64_t)a->ops;
	return ret;
}

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* The handlers as the table calls them. */
#define FAKE_OP_FN(fn)							\
	static int fn##_op(void *arg)					\
	{								\
		return fn(arg);						\
	}
FAKE_OP_FN(do_info)
FAKE_OP_FN(do_buf_alloc)
FAKE_OP_FN(do_buf_free)
FAKE_OP_FN(do_domain_create)
FAKE_OP_FN(do_domain_destroy)
FAKE_OP_FN(do_map)
FAKE_OP_FN(do_unmap)
FAKE_OP_FN(do_i2p)
FAKE_OP_FN(do_dma)
FAKE_OP_FN(do_query)
FAKE_OP_FN(do_bench)
static int do_batch_op(void *arg);

/*
 * The module's ioctl table: each handler, its struct and the smallest
 * size a caller may pass (the struct's end as first published).
 */
static const struct fake_op {
	unsigned long cmd;
	size_t size, min_size;
	int (*fn)(void *arg);
	int in_batch;			/* BATCH may run it as an op */
	int partial;			/* answered when it fails too */
} fake_ops[] = {
#define OP(nr, fn, type, last) {					\
	IOMMU_STRESS_##nr, sizeof(struct type),				\
	offsetofend(struct type, last), fn##_op, 0, 0 }
#define OP_IN_BATCH(nr, fn, type, last) {				\
	IOMMU_STRESS_##nr, sizeof(struct type),				\
	offsetofend(struct type, last), fn##_op, 1, 0 }
	OP(INFO, do_info, iommu_stress_info, targets),
	OP(BUF_ALLOC, do_buf_alloc, iommu_stress_buf_alloc, mmap_offset),
	OP(BUF_FREE, do_buf_free, iommu_stress_buf_free, __reserved),
	OP(DOMAIN_CREATE, do_domain_create, iommu_stress_domain_create, intel_ecap),
	OP(DOMAIN_DESTROY, do_domain_destroy, iommu_stress_domain_destroy, __reserved),
	OP_IN_BATCH(MAP, do_map, iommu_stress_map, ns),
	OP_IN_BATCH(UNMAP, do_unmap, iommu_stress_unmap, ns),
	OP_IN_BATCH(IOVA_TO_PHYS, do_i2p, iommu_stress_iova_to_phys, offset),
	OP_IN_BATCH(DMA, do_dma, iommu_stress_dma, ns),
	OP(TARGET_QUERY, do_query, iommu_stress_target_query, driver),
	{ IOMMU_STRESS_BATCH, sizeof(struct iommu_stress_batch),
	  offsetofend(struct iommu_stress_batch, ns), do_batch_op, 0, 1 },
	{ IOMMU_STRESS_BENCH, sizeof(struct iommu_stress_bench),
	  offsetofend(struct iommu_stress_bench, __reserved), do_bench_op, 0, 1 },
#undef OP
#undef OP_IN_BATCH
};

static const struct fake_op *find_op(unsigned long cmd)
{
	/* A module from before TARGET_QUERY does not know it. */
	if (fk.host.legacy && cmd == IOMMU_STRESS_TARGET_QUERY)
		return NULL;
	if ((fk.host.no_batch || fk.host.legacy) &&
	    (cmd == IOMMU_STRESS_BATCH || cmd == IOMMU_STRESS_BENCH))
		return NULL;
	for (size_t i = 0; i < sizeof(fake_ops) / sizeof(fake_ops[0]); i++)
		if (fake_ops[i].cmd == cmd)
			return &fake_ops[i];
	return NULL;
}

/* Any argument struct of the module's, as the dispatcher copies it in. */
union fake_arg {
	struct iommu_stress_info info;
	struct iommu_stress_buf_alloc alloc;
	struct iommu_stress_domain_create create;
	struct iommu_stress_target_query query;
	struct iommu_stress_dma dma;
	struct iommu_stress_batch batch;
	struct iommu_stress_bench bench;
	uint32_t size;
};

/*
 * The argument at @uarg copied into a zeroed @karg of the module's size:
 * the caller's size checked (at most @max; a missing tail reads as zero,
 * an unknown one must be). Returns the caller's size, or -errno.
 */
static int arg_in(const struct fake_op *op, const void *uarg, uint32_t max,
		  union fake_arg *karg)
{
	uint32_t usize;

	if (!uarg)
		return -(int)ISTRESS_ERRNO(ANY, EFAULT);
	memcpy(&usize, uarg, sizeof(usize));
	if (usize < op->min_size)
		return -(int)ISTRESS_ERRNO(ANY, EINVAL);
	if (usize > max)
		return -(int)ISTRESS_ERRNO(ANY, E2BIG);
	for (size_t i = op->size; i < usize; i++)
		if (((const uint8_t *)uarg)[i])
			return -(int)ISTRESS_ERRNO(ANY, E2BIG);
	memset(karg, 0, sizeof(*karg));
	memcpy(karg, uarg, usize < op->size ? usize : op->size);
	return (int)usize;
}

/* The answer back, up to the caller's size. */
static void arg_out(const struct fake_op *op, void *uarg, union fake_arg *karg,
		    uint32_t usize)
{
	karg->size = usize;
	memcpy(uarg, karg, usize < op->size ? usize : op->size);
}

/*
 * BATCH: each op through its table entry as its own ioctl, in order, up
 * to the first that fails. No signals here: it never stops between ops.
 */
static int do_batch(struct iommu_stress_batch *b)
{
	const size_t arg_off = offsetof(struct iommu_stress_batch_op, map);
	uint32_t dma_left = IOMMU_STRESS_BATCH_MAX_DMA_BYTES;
	int ret = 0;

	fk.seen.batches++;
	if (b->flags)
		return ISTRESS_ERRNO(BATCH, EOPNOTSUPP);
	if (b->__reserved || !b->nops ||
	    b->op_size < sizeof(struct iommu_stress_batch_op) || b->op_size % 8)
		return ISTRESS_ERRNO(BATCH, EINVAL);
	if (b->nops > IOMMU_STRESS_BATCH_MAX_OPS || b->op_size > PAGE)
		return ISTRESS_ERRNO(BATCH, E2BIG);
	b->done = 0;
	b->ns = 0;
	for (; b->done < b->nops; b->done++) {
		struct iommu_stress_batch_op *e;
		const struct fake_op *op;
		union fake_arg karg;
		int usize;

		if (!b->ops)
			return ISTRESS_ERRNO(BATCH, EFAULT);
		e = (void *)((uint8_t *)(uintptr_t)b->ops +
			     (size_t)b->done * b->op_size);
		op = find_op(e->op);
		usize = op && op->in_batch ?
			arg_in(op, (uint8_t *)e + arg_off, b->op_size - arg_off, &karg) :
			-(int)ISTRESS_ERRNO(BATCH, EINVAL);
		ret = usize < 0 ? -usize : 0;
		if (!ret) {
			batch_dma_left = &dma_left;
			ret = op->fn(&karg);
			batch_dma_left = NULL;
		}
		if (!ret)
			arg_out(op, (uint8_t *)e + arg_off, &karg, (uint32_t)usize);
		e->result = -ret;
		e->start_ns = b->ns;
		e->ns = 2000;
		b->ns += e->ns;
		if (ret)
			return ret;
	}
	return 0;
}

static int do_batch_op(void *arg)
{
	return do_batch(arg);
}

/*
 * The module's dispatcher: the argument in, its handler, and the answer
 * copied back up to the caller's size (for BATCH, when it fails too).
 */
static int dispatch(unsigned long cmd, void *uarg)
{
	const struct fake_op *op = find_op(cmd);
	union fake_arg karg;
	int usize, ret;

	if (!op)
		return ISTRESS_ERRNO(ANY, ENOTTY);
	usize = arg_in(op, uarg, PAGE, &karg);
	if (usize < 0)
		return -usize;
	ret = op->fn(&karg);
	if (!ret || op->partial)
		arg_out(op, uarg, &karg, (uint32_t)usize);
	return ret;
}

static int fake_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	if (fd != FAKE_FD) {
		errno = EBADF;
		return -1;
	}
	pthread_mutex_lock(&fk.lock);
	ret = dispatch(cmd, arg);
	pthread_mutex_unlock(&fk.lock);
	if (ret) {
		errno = ret;
		return -1;
	}
	return 0;
}

static int fake_open(const char *path, int flags)
{
	(void)path;
	(void)flags;
	return FAKE_FD;
}

/* Closing the session frees all it made, as the module does. */
static int fake_close(int fd)
{
	if (fd != FAKE_FD) {
		errno = EBADF;
		return -1;
	}
	pthread_mutex_lock(&fk.lock);
	drop_maps();
	if (fk.target)
		fk.target->busy = 0;
	fk.target = NULL;
	for (unsigned int i = 0; i < fk.nbufs; i++)
		free(fk.bufs[i].mem);
	fk.nbufs = 0;
	fk.buffer_bytes = 0;
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

/* A shared mapping of a live buffer, or of part of one. */
static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	uint64_t o = (uint64_t)off;

	(void)addr;
	(void)prot;
	if (fd != FAKE_FD) {
		errno = EBADF;
		return MAP_FAILED;
	}
	for (unsigned int i = 0; flags & MAP_SHARED && i < fk.nbufs; i++) {
		struct fbuf *b = &fk.bufs[i];

		if (b->id && o >= b->mmap_off && o - b->mmap_off < b->len &&
		    len <= b->len - (o - b->mmap_off))
			return b->mem + (o - b->mmap_off);
	}
	errno = ISTRESS_ERRNO(MMAP, EINVAL);
	return MAP_FAILED;
}

/* The buffers' memory goes with the session. */
static int fake_munmap(void *addr, size_t len)
{
	(void)addr;
	(void)len;
	return 0;
}

static const struct dev_sys fake_sys = {
	.open = fake_open, .close = fake_close, .ioctl = fake_ioctl,
	.mmap = fake_mmap, .munmap = fake_munmap,
};

static const struct dev_sys *libc_sys;

void fake_install(const struct fake_host *host)
{
	if (dev_sys != &fake_sys)
		libc_sys = dev_sys;
	fk.host = *host;
	memset(&fk.seen, 0, sizeof(fk.seen));
	fk.seen.lowest = UINT64_MAX;
	fk.next_buf = 0;
	fk.next_mmap_off = 0;
	dev_sys = &fake_sys;
	/* The host's own IOMMUs stay out of the tests. */
	iommu_sysfs_root = host->iommu_sysfs ? host->iommu_sysfs :
			   "/nonexistent/iommu-stress-unit";
}

void fake_remove(void)
{
	fake_close(FAKE_FD);
	if (libc_sys)
		dev_sys = libc_sys;
	iommu_sysfs_root = IOMMU_SYSFS_ROOT;
}

const struct fake_seen *fake_seen(void)
{
	return &fk.seen;
}

/* A target of backend @be on a device of its own, for a host that has none. */
static void add_target_of(struct fake_host *h, const struct istress_backend_row *be)
{
	static char devices[FAKE_MAX_TARGETS][16];
	unsigned int i = h->ntargets++;

	snprintf(devices[i], sizeof(devices[i]), "0000:00:%02x.0", 0x10 + i);
	h->targets[i] = (struct fake_target){
		.name = be->name, .backend = be->id, .device = devices[i],
		.driver = be->name, .group = (int)(0x10 + i),
		.domain_type = IOMMU_STRESS_DOMTYPE_DMA,
	};
}

struct fake_host fake_host_default(void)
{
	struct fake_host h = {
		.driver_warns = 1,
		.ntargets = 6,
		.targets = {
			{ "edu:0000:00:03.0", IOMMU_STRESS_BACKEND_EDU, "0000:00:03.0",
			  "iommu_stress_edu", 3, IOMMU_STRESS_DOMTYPE_DMA, 0, 0 },
			{ "dma0chan0", IOMMU_STRESS_BACKEND_DMAENGINE, "0000:00:04.0",
			  "ioatdma", 4, IOMMU_STRESS_DOMTYPE_DMA_FQ, 0, 0 },
			{ "dma0chan1", IOMMU_STRESS_BACKEND_DMAENGINE, "0000:00:04.0",
			  "ioatdma", 4, IOMMU_STRESS_DOMTYPE_DMA_FQ, 0, 0 },
			{ "dma1chan0", IOMMU_STRESS_BACKEND_DMAENGINE, "0000:00:05.0",
			  "istress_edu_dma", 5, IOMMU_STRESS_DOMTYPE_DMA, 0, 0 },
			{ "dma2chan0", IOMMU_STRESS_BACKEND_DMAENGINE, "0000:00:06.0",
			  "ioatdma", 6, IOMMU_STRESS_DOMTYPE_IDENTITY, 0, 0 },
			{ "dma3chan0", IOMMU_STRESS_BACKEND_DMAENGINE, "0000:00:07.0",
			  "ioatdma", 7, IOMMU_STRESS_DOMTYPE_DMA, 1, 0 },
		},
	};

	return h;
}

struct fake_host fake_host_every_backend(void)
{
	struct fake_host h = fake_host_default();
	size_t n;
	const struct istress_backend_row *be = istress_backend_rows(&n);

	for (size_t b = 0; b < n; b++) {
		unsigned int i = 0;

		while (i < h.ntargets && !(h.targets[i].backend == be[b].id &&
					   !h.targets[i].held))
			i++;
		if (i == h.ntargets)
			add_target_of(&h, &be[b]);
	}
	return h;
}
