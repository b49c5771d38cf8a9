// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fake-module.h"

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
#define PAGE		4096ull

struct fbuf {
	uint32_t id;
	uint64_t len;
	uint8_t *mem;
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
	/* One domain at a time, as the tool uses them. */
	struct fake_target *target;
	struct iommu_stress_domain_create dom;
	unsigned int nmaps;
	struct fmap maps[FAKE_MAX_MAPS];
	unsigned int ntlb;
	struct ftlb tlb[FAKE_TLB];
} fk = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int fail(int err)
{
	errno = err;
	return -1;
}

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
	return t->backend == IOMMU_STRESS_BACKEND_EDU ? 4095 : 4096;
}

static int do_info(struct iommu_stress_info *in)
{
	in->abi_version = IOMMU_STRESS_ABI_VERSION;
	in->features = IOMMU_STRESS_FEAT_SKIP_SYNC | IOMMU_STRESS_FEAT_EDU |
		       IOMMU_STRESS_FEAT_MAP_OVERLAP |
		       (fk.host.legacy ? 0 : IOMMU_STRESS_FEAT_DMAENGINE);
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

	if (fk.host.legacy)
		return fail(ENOTTY);
	t = find_target(q->name);
	if (!t || t->held)
		return fail(ENODEV);
	q->backend = t->backend;
	q->max_dma_len = max_dma(t);
	q->busy = t->busy;
	q->iommu_group = t->group;
	q->domain_type = t->busy && t->backend == IOMMU_STRESS_BACKEND_EDU ?
			 IOMMU_STRESS_DOMTYPE_UNMANAGED : t->domain_type;
	strcpy(q->device, t->device);
	strcpy(q->driver, t->driver);
	return 0;
}

static int do_buf_alloc(struct iommu_stress_buf_alloc *a)
{
	struct fbuf *b;

	if (a->chunk_size == IOMMU_STRESS_CHUNK_1G)
		return fail(ENOMEM);
	if (a->chunk_size != IOMMU_STRESS_CHUNK_4K &&
	    a->chunk_size != IOMMU_STRESS_CHUNK_2M)
		return fail(EOPNOTSUPP);
	if (!a->length || a->length % a->chunk_size)
		return fail(EINVAL);
	if (fk.nbufs >= FAKE_MAX_BUFS)
		return fail(ENOMEM);
	b = &fk.bufs[fk.nbufs];
	b->mem = aligned_alloc(PAGE, a->length);
	if (!b->mem)
		return fail(ENOMEM);
	memset(b->mem, 0, a->length);
	b->id = ++fk.next_buf;
	b->len = a->length;
	b->mapped = 0;
	fk.nbufs++;
	a->buf_id = b->id;
	a->mmap_offset = (uint64_t)b->id << 40;
	return 0;
}

static struct fbuf *find_buf(uint32_t id)
{
	for (unsigned int i = 0; i < fk.nbufs; i++)
		if (fk.bufs[i].id == id)
			return &fk.bufs[i];
	return NULL;
}

static int do_domain_create(struct iommu_stress_domain_create *d)
{
	struct fake_target *t = find_target(d->target);
	int dma = t && t->backend == IOMMU_STRESS_BACKEND_DMAENGINE;

	if (!t || t->held)
		return fail(ENODEV);
	if (t->busy || fk.target)
		return fail(EBUSY);
	if (!dma && (d->range_start || d->range_last))
		return fail(EINVAL);
	if (dma && t->domain_type != IOMMU_STRESS_DOMTYPE_DMA &&
	    t->domain_type != IOMMU_STRESS_DOMTYPE_DMA_FQ)
		return fail(EOPNOTSUPP);
	if (dma && (d->range_start || d->range_last)) {
		if (d->range_last < d->range_start || d->range_start % (2 << 20) ||
		    (d->range_last + 1) % (2 << 20))
			return fail(EINVAL);
		if (d->range_last > FAKE_APERTURE)
			return fail(ERANGE);
		if (meets(d->range_start, d->range_last, 0xfee00000, 0xfeefffff))
			return fail(EADDRNOTAVAIL);
	} else if (dma) {
		d->range_start = FAKE_RANGE;
		d->range_last = FAKE_RANGE + FAKE_RANGE_LEN - 1;
	}
	t->busy = 1;
	fk.target = t;
	d->domain_id = 1;
	d->out_flags = IOMMU_STRESS_DOMAIN_INTEL_CAPS |
		       (dma ? IOMMU_STRESS_DOMAIN_SHARED : 0);
	if (dma && fk.host.unmapped_reads)
		d->out_flags |= IOMMU_STRESS_DOMAIN_UNMAPPED_READS;
	d->pgsize_bitmap = FAKE_PGSIZES;
	d->aperture_start = 0;
	d->aperture_end = FAKE_APERTURE;
	d->window_iova = dma ? FAKE_BOUNCE : FAKE_EDU_WINDOW;
	d->window_len = dma ? PAGE : 2 << 20;
	strcpy(d->iommu_driver, "intel-iommu");
	strcpy(d->iommu_name, "dmar0");
	d->intel_cap = 0xd2008c22260286ull;
	d->intel_ecap = 0xf00f5eull;
	if (!dma) {
		d->range_start = 0;
		d->range_last = FAKE_APERTURE;
	}
	d->domain_type = dma ? t->domain_type : IOMMU_STRESS_DOMTYPE_UNMANAGED;
	if (fk.host.legacy)
		d->range_start = d->range_last = d->domain_type = 0;
	fk.dom = *d;
	return 0;
}

static void drop_maps(void)
{
	for (unsigned int i = 0; i < fk.nmaps; i++)
		fk.maps[i].buf->mapped--;
	fk.nmaps = 0;
	fk.ntlb = 0;
}

static int do_domain_destroy(struct iommu_stress_domain_destroy *d)
{
	if (!fk.target || d->domain_id != fk.dom.domain_id)
		return fail(ENOENT);
	drop_maps();
	fk.target->busy = 0;
	fk.target = NULL;
	return 0;
}

/* Where a test may map or read: the aperture, or a shared domain's range. */
static int outside(uint64_t iova, uint64_t last)
{
	if (shared())
		return iova < fk.dom.range_start || last > fk.dom.range_last;
	return last > fk.dom.aperture_end;
}

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
	return fail(err);
}

static int do_map(struct iommu_stress_map *m)
{
	struct fbuf *b = find_buf(m->buf_id);
	uint64_t last = m->iova + m->length - 1;

	if (!fk.target || m->domain_id != fk.dom.domain_id || !b)
		return fail(ENOENT);
	if (!m->length || (m->iova | m->offset | m->length) % PAGE ||
	    m->offset + m->length > b->len)
		return refuse_map(EINVAL);
	if (last < m->iova)
		return refuse_map(EOVERFLOW);
	if (outside(m->iova, last))
		return refuse_map(ERANGE);
	if (meets(m->iova, last, fk.dom.window_iova,
		  fk.dom.window_iova + fk.dom.window_len - 1) ||
	    meets(m->iova, last, 0xfee00000, 0xfeefffff))
		return refuse_map(EADDRNOTAVAIL);
	/* The channel driver's own mappings: its rings, below 4G. */
	if (shared() && meets(m->iova, last, 0xffe00000, 0xffffffff))
		return refuse_map(EADDRINUSE);
	if ((m->flags & IOMMU_STRESS_MAP_OVERLAP) && shared())
		return refuse_map(EOPNOTSUPP);
	for (unsigned int i = 0; i < fk.nmaps; i++)
		if (meets(m->iova, last, fk.maps[i].iova,
			  fk.maps[i].iova + fk.maps[i].len - 1)) {
			if (!(m->flags & IOMMU_STRESS_MAP_OVERLAP))
				return refuse_map(EEXIST);
			cut(m->iova, last);
			break;
		}
	if (fk.nmaps >= FAKE_MAX_MAPS)
		return refuse_map(ENOMEM);
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

	if (!fk.target || u->domain_id != fk.dom.domain_id)
		return fail(ENOENT);
	if (!u->length || (u->iova | u->length) % PAGE)
		return fail(EINVAL);
	if (outside(u->iova, last))
		return fail(ERANGE);
	u->unmapped = cut(u->iova, last);
	if (!u->unmapped)
		return fail(ENOENT);
	/* The IOTLB keeps what an unsynced unmap leaves. */
	if (!(u->flags & IOMMU_STRESS_UNMAP_SKIP_SYNC))
		flush(u->iova, last);
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
 * A shared domain reads only what the session mapped unless the module
 * was loaded with dma_unmapped_reads=1, as the module's DMA ioctl does.
 * Every unmapped read is counted, so tests see whether the tool made one.
 */
static int refuse_read(uint64_t iova, uint64_t len)
{
	if (covered(iova, iova + len - 1))
		return 0;
	fk.seen.unmapped_reads++;
	if (!shared() || (fk.host.unmapped_reads && !fk.host.unmapped_reads_refused))
		return 0;
	fk.seen.refused_reads++;
	return EACCES;
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

static int do_dma(struct iommu_stress_dma *d)
{
	struct fbuf *dst = find_buf(d->buf_id);
	const struct ftlb *e;

	if (!fk.target || d->domain_id != fk.dom.domain_id || !dst)
		return fail(ENOENT);
	if (d->dir != IOMMU_STRESS_DMA_READ || !d->length ||
	    d->buf_offset + d->length > dst->len || d->iova % PAGE)
		return fail(EINVAL);
	if (d->length > max_dma(fk.target))
		return fail(EMSGSIZE);
	if (outside(d->iova, d->iova + d->length - 1))
		return fail(ERANGE);
	if (refuse_read(d->iova, d->length))
		return fail(EACCES);
	d->ns = 1000;
	e = translate(d->iova);
	if (e) {
		memcpy(dst->mem + d->buf_offset, e->buf->mem + e->off, d->length);
		return 0;
	}
	/* A fault: edu reads zeros, a DMA engine fails the transfer. */
	if (shared()) {
		fk.seen.faults++;
		d->status = EIO;
	} else {
		memset(dst->mem + d->buf_offset, 0, d->length);
	}
	return 0;
}

static int do_i2p(struct iommu_stress_iova_to_phys *p)
{
	const struct fmap *m;

	if (!fk.target || p->domain_id != fk.dom.domain_id)
		return fail(ENOENT);
	m = walk(p->iova);
	p->out_flags = 0;
	if (m) {
		p->out_flags = IOMMU_STRESS_I2P_MAPPED | IOMMU_STRESS_I2P_OURS;
		p->buf_id = m->buf->id;
		p->offset = m->off + (p->iova - m->iova);
	}
	return 0;
}

static int dispatch(unsigned long cmd, void *arg)
{
	switch (cmd) {
	case IOMMU_STRESS_INFO: return do_info(arg);
	case IOMMU_STRESS_TARGET_QUERY: return do_query(arg);
	case IOMMU_STRESS_BUF_ALLOC: return do_buf_alloc(arg);
	case IOMMU_STRESS_BUF_FREE: return 0;
	case IOMMU_STRESS_DOMAIN_CREATE: return do_domain_create(arg);
	case IOMMU_STRESS_DOMAIN_DESTROY: return do_domain_destroy(arg);
	case IOMMU_STRESS_MAP: return do_map(arg);
	case IOMMU_STRESS_UNMAP: return do_unmap(arg);
	case IOMMU_STRESS_DMA: return do_dma(arg);
	case IOMMU_STRESS_IOVA_TO_PHYS: return do_i2p(arg);
	default: return fail(ENOTTY);
	}
}

static int fake_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	if (fd != FAKE_FD)
		return fail(EBADF);
	pthread_mutex_lock(&fk.lock);
	ret = dispatch(cmd, arg);
	pthread_mutex_unlock(&fk.lock);
	return ret;
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
	if (fd != FAKE_FD)
		return fail(EBADF);
	pthread_mutex_lock(&fk.lock);
	drop_maps();
	if (fk.target)
		fk.target->busy = 0;
	fk.target = NULL;
	for (unsigned int i = 0; i < fk.nbufs; i++)
		free(fk.bufs[i].mem);
	fk.nbufs = 0;
	pthread_mutex_unlock(&fk.lock);
	return 0;
}

static void *fake_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	struct fbuf *b = find_buf((uint32_t)((uint64_t)off >> 40));

	(void)addr;
	(void)prot;
	(void)flags;
	if (fd != FAKE_FD || !b || len > b->len) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	return b->mem;
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
	dev_sys = &fake_sys;
}

void fake_remove(void)
{
	fake_close(FAKE_FD);
	if (libc_sys)
		dev_sys = libc_sys;
}

const struct fake_seen *fake_seen(void)
{
	return &fk.seen;
}

struct fake_host fake_host_default(void)
{
	struct fake_host h = {
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
