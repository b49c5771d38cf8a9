// SPDX-License-Identifier: GPL-2.0
/*
 * The contract of dmaengine targets (shared domains), checked with raw
 * ioctls against a real channel: what TARGET_QUERY and DOMAIN_CREATE
 * report, the test range and its checks, verification by memcpy, no map
 * over a mapping somebody else made in the device's domain, and that
 * closing a session leaves nothing of it translating.
 *
 * Usage: hardening-dmaengine CHANNEL [CHANNEL-A CHANNEL-B]
 *        hardening-dmaengine --close-only CHANNEL
 *        hardening-dmaengine --passthrough CHANNEL
 *        hardening-dmaengine --no-unmapped-reads CHANNEL
 * The main run expects the module loaded with dma_unmapped_reads=1 and the
 * kernel booted with iommu.forcedac=1 (the collision checks need a DMA-API
 * mapping above 4 GiB); --no-unmapped-reads expects the parameter at 0.
 * CHANNEL-A and CHANNEL-B belong to two devices of one IOMMU group (in the
 * VM: two edu devices behind a conventional PCI bridge), so they share a
 * DMA-API domain; without them the collision checks skip.
 * Prints KTAP and "N passed, N failed"; exit 0 when all passed.
 * --close-only runs just the after-close checks, for their negative
 * control (a test build that leaves mappings behind). --passthrough
 * checks the refusal of a channel whose device is on an identity domain.
 */
#include <pthread.h>
#include <stdlib.h>

#include "common.h"

#define SZ_4K	0x1000ull
#define SZ_2M	0x200000ull
#define SZ_1G	0x40000000ull
#define SZ_4G	0x100000000ull
#define NPAGES	512			/* one 2M buffer */

static const char *chan, *chan_a, *chan_b;

static int create(int fd, const char *name, uint64_t start, uint64_t last,
		  struct iommu_stress_domain_create *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	snprintf(d->target, sizeof(d->target), "%s", name);
	d->range_start = start;
	d->range_last = last;
	return call(fd, IOMMU_STRESS_DOMAIN_CREATE, d);
}

static int query(int fd, const char *name, struct iommu_stress_target_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	snprintf(q->name, sizeof(q->name), "%s", name);
	return call(fd, IOMMU_STRESS_TARGET_QUERY, q);
}

/* A buffer of @npages 4K chunks, every byte of page p set to p + 1. */
static int buffer(int fd, unsigned int npages, struct iommu_stress_buf_alloc *a)
{
	unsigned char *mem;
	int err;

	*a = (struct iommu_stress_buf_alloc){
		.size = sizeof(*a), .length = npages * SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	err = call(fd, IOMMU_STRESS_BUF_ALLOC, a);
	if (err)
		return err;
	mem = mod_mmap(a->length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)a->mmap_offset);
	if (mem == MAP_FAILED)
		return errno;
	for (unsigned int p = 0; p < npages; p++)
		memset(mem + p * SZ_4K, (int)(p + 1), SZ_4K);
	mod_munmap(mem, a->length);
	return 0;
}

static int map(int fd, uint32_t dom, uint32_t buf, uint64_t iova,
	       uint64_t len, uint32_t flags)
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .flags = flags, .domain_id = dom,
		.buf_id = buf, .iova = iova, .length = len,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};

	return call(fd, IOMMU_STRESS_MAP, &m);
}

static int unmap(int fd, uint32_t dom, uint64_t iova, uint64_t len,
		 uint64_t *unmapped)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .domain_id = dom, .iova = iova, .length = len,
	};
	int err = call(fd, IOMMU_STRESS_UNMAP, &u);

	if (unmapped)
		*unmapped = u.unmapped;
	return err;
}

/* DMA of one page between @iova and page @page of @buf; errno or status. */
static int dma(int fd, uint32_t dom, uint32_t dir, uint64_t iova,
	       uint32_t buf, unsigned int page)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = dom, .dir = dir, .iova = iova,
		.length = SZ_4K, .buf_id = buf, .buf_offset = page * SZ_4K,
	};
	int err = call(fd, IOMMU_STRESS_DMA, &d);

	return err ? err : (int)d.status;
}

/* The first byte of the page at @mmap_off, as the CPU sees it; -2: not one value. */
static int peek(int fd, uint64_t mmap_off)
{
	unsigned char *mem = mod_mmap(SZ_4K, PROT_READ, MAP_SHARED, fd,
				      (off_t)mmap_off);
	int v;

	if (mem == MAP_FAILED)
		return -1;
	v = mem[0];
	for (unsigned int i = 1; i < SZ_4K; i++)
		if (mem[i] != v)
			v = -2;		/* foreign data */
	mod_munmap(mem, SZ_4K);
	return v;
}

/* Whether INFO lists @name as busy (1), free (0), or not at all (-1). */
static int listed_busy(int fd, const char *name)
{
	struct iommu_stress_info info = { .size = sizeof(info) };

	if (call(fd, IOMMU_STRESS_INFO, &info))
		return -1;
	for (unsigned int i = 0; i < info.ntargets && i < IOMMU_STRESS_MAX_TARGETS; i++)
		if (!strcmp(info.targets[i].name, name))
			return (int)info.targets[i].busy;
	return -1;
}

/* The channel before any session takes it. */
FIXTURE(channel) {
	int fd;
};

FIXTURE_SETUP(channel)
{
	self->fd = mod_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(channel)
{
	mod_close(self->fd);
}

TEST_F(channel, info, "INFO: the module offers dmaengine targets, the channel listed and free")
{
	struct iommu_stress_info info = { .size = sizeof(info) };

	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_INFO, &info));
	EXPECT_TRUE(info.features & IOMMU_STRESS_FEAT_DMAENGINE);
	EXPECT_EQ(0, listed_busy(self->fd, chan));
}

TEST_F(channel, query, "TARGET_QUERY of the channel: dmaengine backend, a device, a driver, an IOMMU group, a DMA-API domain")
{
	struct iommu_stress_target_query q;

	ASSERT_ERRNO(0, query(self->fd, chan, &q));
	EXPECT_EQ((uint32_t)IOMMU_STRESS_BACKEND_DMAENGINE, q.backend);
	EXPECT_TRUE(q.device[0] && q.driver[0]);
	EXPECT_LE(0, q.iommu_group);
	EXPECT_TRUE(q.domain_type == IOMMU_STRESS_DOMTYPE_DMA ||
		    q.domain_type == IOMMU_STRESS_DOMTYPE_DMA_FQ);
}

TEST_F(channel, query_unknown, "TARGET_QUERY: unknown channel (ENODEV)")
{
	struct iommu_stress_target_query q;

	EXPECT_ERRNO(ISTRESS_ERRNO(TARGET_QUERY, ENODEV), query(self->fd, "dma99chan99", &q));
}

TEST_F(channel, query_unknown_flag, "TARGET_QUERY: unknown flag (EOPNOTSUPP)")
{
	struct iommu_stress_target_query q;

	query(self->fd, chan, &q);
	q.flags = 1;
	EXPECT_ERRNO(ISTRESS_ERRNO(TARGET_QUERY, EOPNOTSUPP),
		     call(self->fd, IOMMU_STRESS_TARGET_QUERY, &q));
}

/* The default range's start: where a session of the channel alone maps. */
static uint64_t default_start(struct ktest_meta *_ktest)
{
	struct iommu_stress_domain_create d;
	int fd = mod_open();

	ASSERT_LE(0, fd);
	ASSERT_ERRNO(0, create(fd, chan, 0, 0, &d));
	mod_close(fd);
	return d.range_start;
}

/* A range refused leaves the channel free for the next DOMAIN_CREATE. */
#define RANGE_CASE(name, desc, err, start, last)			\
	TEST_F(channel, name, desc)					\
	{								\
		struct iommu_stress_domain_create d;			\
									\
		EXPECT_ERRNO(ISTRESS_ERRNO(DOMAIN_CREATE, err),		\
			     create(self->fd, chan, start, last, &d));	\
		EXPECT_ERRNO(0, create(self->fd, chan, 0, 0, &d));	\
	}

RANGE_CASE(range_unaligned, "range: start not 2M-aligned (EINVAL)", EINVAL,
	   SZ_4G + SZ_4K, SZ_4G + 2 * SZ_2M - 1)
RANGE_CASE(range_backwards, "range: last before start (EINVAL)", EINVAL,
	   2 * SZ_4G, SZ_4G - 1)
RANGE_CASE(range_beyond_aperture, "range: beyond the aperture (ERANGE)", ERANGE,
	   SZ_4G, (1ull << 57) - 1)
RANGE_CASE(range_below_4g, "range: below 4 GiB, where the DMA API allocates first (ERANGE)",
	   ERANGE, 0xfe000000ull, 0x1ffffffffull)
/* q35 with 1 GiB of RAM puts its 64-bit PCI window at [4G, 36G). */
RANGE_CASE(range_pci_window, "range: over the PCI host bridge's 64-bit window (EADDRNOTAVAIL)",
	   EADDRNOTAVAIL, 2 * SZ_4G, 3 * SZ_4G - 1)

TEST_F(channel, range_for_edu, "range: given for an edu target (EINVAL)")
{
	struct iommu_stress_domain_create d;
	char edu[IOMMU_STRESS_NAME_LEN];

	if (free_target(self->fd, IOMMU_STRESS_BACKEND_EDU, edu))
		SKIP(return, "no free edu target");
	EXPECT_ERRNO(ISTRESS_ERRNO(DOMAIN_CREATE, EINVAL),
		     create(self->fd, edu, SZ_4G, 2 * SZ_4G - 1, &d));
}

TEST_F(channel, range_as_asked, "range: a valid range is taken as asked")
{
	uint64_t start = default_start(_ktest) + SZ_4G;
	struct iommu_stress_domain_create d;

	ASSERT_ERRNO(0, create(self->fd, chan, start, start + 64 * SZ_2M - 1, &d));
	EXPECT_EQ(start, d.range_start);
	EXPECT_EQ(start + 64 * SZ_2M - 1, d.range_last);
}

/*
 * A session on the channel, its default range, a 2M buffer of 4K pages
 * mapped at the range's start, and a page to read back into.
 */
FIXTURE(session) {
	int fd;
	struct iommu_stress_domain_create d;
	struct iommu_stress_buf_alloc rb;	/* one page, read back */
	struct iommu_stress_buf_alloc buf;
};

FIXTURE_SETUP(session)
{
	self->fd = mod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_ERRNO(0, create(self->fd, chan, 0, 0, &self->d));
	ASSERT_ERRNO(0, buffer(self->fd, 1, &self->rb));
	ASSERT_ERRNO(0, buffer(self->fd, NPAGES, &self->buf));
	ASSERT_ERRNO(0, map(self->fd, self->d.domain_id, self->buf.buf_id,
			    self->d.range_start, SZ_2M, 0));
}

FIXTURE_TEARDOWN(session)
{
	mod_close(self->fd);
}

TEST_F(session, created, "DOMAIN_CREATE: shared, the device's domain type, 64 GiB at or above 4 GiB, the bounce page outside")
{
	const struct iommu_stress_domain_create *d = &self->d;
	struct iommu_stress_target_query q;

	TH_LOG("default range [%#llx, %#llx], bounce page at %#llx",
	       (unsigned long long)d->range_start, (unsigned long long)d->range_last,
	       (unsigned long long)d->window_iova);
	ASSERT_ERRNO(0, query(self->fd, chan, &q));
	EXPECT_TRUE(d->out_flags & IOMMU_STRESS_DOMAIN_SHARED);
	EXPECT_EQ(q.domain_type, d->domain_type);
	EXPECT_LE(SZ_4G, d->range_start);
	EXPECT_EQ(16 * SZ_4G, d->range_last - d->range_start + 1);
	EXPECT_EQ(SZ_4K, d->window_len);
	EXPECT_TRUE(d->window_iova + SZ_4K <= d->range_start ||
		    d->window_iova > d->range_last);
}

TEST_F(session, busy, "INFO: the channel shows busy; DOMAIN_CREATE of it from a second session (EBUSY)")
{
	struct iommu_stress_domain_create d2;
	int fd2 = mod_open();

	EXPECT_EQ(1, listed_busy(self->fd, chan));
	ASSERT_LE(0, fd2);
	EXPECT_ERRNO(ISTRESS_ERRNO(DOMAIN_CREATE, EBUSY), create(fd2, chan, 0, 0, &d2));
	mod_close(fd2);
}

TEST_F(session, dma_read, "DMA: a whole page read through the channel brings back the mapped page")
{
	EXPECT_ERRNO(0, dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			    self->d.range_start + 5 * SZ_4K, self->rb.buf_id, 0));
	EXPECT_EQ(6, peek(self->fd, self->rb.mmap_offset));
}

TEST_F(session, map_below, "MAP below the range (ERANGE)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MAP, ERANGE),
		     map(self->fd, self->d.domain_id, self->buf.buf_id,
			 self->d.range_start - SZ_2M, SZ_2M, 0));
}

TEST_F(session, map_above, "MAP above the range (ERANGE)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MAP, ERANGE),
		     map(self->fd, self->d.domain_id, self->buf.buf_id,
			 self->d.range_last + 1, SZ_4K, 0));
}

TEST_F(session, map_overlap, "MAP_OVERLAP in a shared domain (EOPNOTSUPP)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MAP, EOPNOTSUPP),
		     map(self->fd, self->d.domain_id, self->buf.buf_id,
			 self->d.range_start, SZ_4K, IOMMU_STRESS_MAP_OVERLAP));
}

TEST_F(session, map_over_own, "MAP over the session's own live mapping (EEXIST)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MAP, EEXIST),
		     map(self->fd, self->d.domain_id, self->buf.buf_id,
			 self->d.range_start, SZ_4K, 0));
}

TEST_F(session, dma_outside, "DMA: read outside the range (ERANGE)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, ERANGE),
		     dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			 self->d.range_start - SZ_4K, self->rb.buf_id, 0));
}

TEST_F(session, dma_write_unmapped, "DMA: write to an IOVA the session has not mapped (EACCES)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, EACCES),
		     dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_WRITE,
			 self->d.range_start + SZ_2M, self->rb.buf_id, 0));
}

TEST_F(session, dma_write, "DMA: a write to the session's own mapping lands in the mapped page")
{
	uint64_t iova = self->d.range_start + 9 * SZ_4K;

	/*
	 * The readback page holds 1s: written over page 9 (10s); page 5
	 * (6s) read over it; page 9 read back.
	 */
	EXPECT_ERRNO(0, dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_WRITE,
			    iova, self->rb.buf_id, 0));
	EXPECT_ERRNO(0, dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			    self->d.range_start + 5 * SZ_4K, self->rb.buf_id, 0));
	EXPECT_EQ(6, peek(self->fd, self->rb.mmap_offset));
	EXPECT_ERRNO(0, dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			    iova, self->rb.buf_id, 0));
	EXPECT_EQ(1, peek(self->fd, self->rb.mmap_offset));
}

TEST_F(session, dma_read_unmapped, "DMA: read of an IOVA the session has not mapped (dma_unmapped_reads=1) reads as a fault")
{
	int v = dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
		    self->d.range_start + SZ_2M, self->rb.buf_id, 0);

	/* edu reads zeros on a fault; real engines fail the transfer. */
	EXPECT_TRUE(v == ISTRESS_ERRNO(DMA_STATUS, EIO) ||
		    (v == 0 && peek(self->fd, self->rb.mmap_offset) == 0));
}

struct dma_job {
	int fd;
	uint32_t dom, buf;
	uint64_t iova;
	int ret;
};

static void *dma_write_job(void *p)
{
	struct dma_job *j = p;

	j->ret = dma(j->fd, j->dom, IOMMU_STRESS_DMA_WRITE, j->iova, j->buf, 0);
	return NULL;
}

/*
 * An UNMAP of a mapping a transfer is using must wait for it (EBUSY): in a
 * shared domain the engine must never meet an IOVA going away under it.
 * The guest sleeps in the DMA for 100 ms of virtual time per edu transfer;
 * a 10 ms sleep here lands inside it.
 */
TEST_F(session, pinned, "UNMAP of a mapping while a DMA uses it waits (EBUSY); the DMA completes; UNMAP after it works")
{
	struct dma_job j = { .fd = self->fd, .dom = self->d.domain_id,
			     .buf = self->rb.buf_id,
			     .iova = self->d.range_start + SZ_4K };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, dma_write_job, &j));
	usleep(10000);
	EXPECT_ERRNO(ISTRESS_ERRNO(UNMAP, EBUSY),
		     unmap(self->fd, self->d.domain_id, self->d.range_start, SZ_2M, NULL));
	pthread_join(th, NULL);
	EXPECT_ERRNO(0, j.ret);
	EXPECT_ERRNO(0, unmap(self->fd, self->d.domain_id, self->d.range_start, SZ_2M, NULL));
}

/*
 * Two sessions in one DMA-API domain: CHANNEL-A's and CHANNEL-B's devices
 * share an IOMMU group. Each takes its default range.
 */
FIXTURE(collide) {
	int fa, fb;
	struct iommu_stress_domain_create a, b;
};

FIXTURE_SETUP(collide)
{
	if (!chan_a || !chan_b)
		SKIP(return, "no two channels sharing a domain given");
	self->fa = mod_open();
	self->fb = mod_open();
	ASSERT_LE(0, self->fa);
	ASSERT_LE(0, self->fb);
	ASSERT_ERRNO(0, create(self->fa, chan_a, 0, 0, &self->a));
	ASSERT_NE(0u, self->a.window_len);
}

FIXTURE_TEARDOWN(collide)
{
	if (self->fb > 0)
		mod_close(self->fb);
	if (self->fa > 0)
		mod_close(self->fa);
}

TEST_F(collide, ranges_apart, "collision: two sessions of one domain get default ranges that do not meet")
{
	const struct iommu_stress_domain_create *a = &self->a, *b = &self->b;

	ASSERT_ERRNO(0, create(self->fb, chan_b, 0, 0, &self->b));
	TH_LOG("shared domain: first range [%#llx, %#llx], second [%#llx, %#llx]",
	       (unsigned long long)a->range_start, (unsigned long long)a->range_last,
	       (unsigned long long)b->range_start, (unsigned long long)b->range_last);
	EXPECT_TRUE(b->range_start > a->range_last || b->range_last < a->range_start);
}

TEST_F(collide, range_over_other, "collision: a range over the other session's range (EADDRNOTAVAIL)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(DOMAIN_CREATE, EADDRNOTAVAIL),
		     create(self->fb, chan_b, self->a.range_start,
			    self->a.range_start + SZ_2M - 1, &self->b));
}

/*
 * The first session's bounce page is a DMA-API mapping the second knows
 * nothing of. Booted with iommu.forcedac=1, the DMA API allocates from
 * the top of the aperture, above 4 GiB.
 */
TEST_F(collide, dma_api_page, "collision: over the other session's DMA-API page, MAP refused (EADDRINUSE), UNMAP refused (ENOENT)")
{
	uint64_t win = self->a.window_iova & ~(SZ_4K - 1), lo = win & ~(SZ_2M - 1);
	struct iommu_stress_buf_alloc buf;

	if (lo < SZ_4G)
		TH_LOG("the bounce page is at %#llx: boot with iommu.forcedac=1",
		       (unsigned long long)win);
	ASSERT_LE(SZ_4G, lo);
	ASSERT_ERRNO(0, create(self->fb, chan_b, lo, lo + SZ_2M - 1, &self->b));
	ASSERT_ERRNO(0, buffer(self->fb, NPAGES, &buf));
	EXPECT_ERRNO(ISTRESS_ERRNO(MAP, EADDRINUSE),
		     map(self->fb, self->b.domain_id, buf.buf_id, win, SZ_4K, 0));
	EXPECT_ERRNO(ISTRESS_ERRNO(UNMAP, ENOENT),
		     unmap(self->fb, self->b.domain_id, win, SZ_4K, NULL));
}

/* With the second session's range over its page, the first one's DMA still goes through it. */
TEST_F(collide, first_still_reads, "collision: the first session's DMA still reads the right page")
{
	struct iommu_stress_buf_alloc rb, buf;
	uint64_t win = self->a.window_iova & ~(SZ_4K - 1), lo = win & ~(SZ_2M - 1);

	ASSERT_LE(SZ_4G, lo);
	ASSERT_ERRNO(0, create(self->fb, chan_b, lo, lo + SZ_2M - 1, &self->b));
	ASSERT_ERRNO(0, buffer(self->fa, 1, &rb));
	ASSERT_ERRNO(0, buffer(self->fa, NPAGES, &buf));
	ASSERT_ERRNO(0, map(self->fa, self->a.domain_id, buf.buf_id,
			    self->a.range_start, SZ_2M, 0));
	EXPECT_ERRNO(0, dma(self->fa, self->a.domain_id, IOMMU_STRESS_DMA_READ,
			    self->a.range_start + 7 * SZ_4K, rb.buf_id, 0));
	EXPECT_EQ(8, peek(self->fa, rb.mmap_offset));
}

/*
 * A session closed with a live mapping (the IOTLB warmed by a read
 * through it), then a new session on the channel. Each case uses a slot
 * of its own: where a module leaves mappings behind, one case's leftovers
 * do not stand in another's way.
 */
struct closed {
	int fd;
	struct iommu_stress_domain_create d;
	uint64_t iova;
	int read_before;	/* the first byte read through it before close */
};

static void close_with_mapping(struct ktest_meta *_ktest, unsigned int slot,
			       struct closed *c)
{
	struct iommu_stress_buf_alloc rb, buf;
	int fd = mod_open();

	ASSERT_LE(0, fd);
	ASSERT_ERRNO(0, create(fd, chan, 0, 0, &c->d));
	c->iova = c->d.range_start + (16 + 2 * slot) * SZ_2M;
	ASSERT_ERRNO(0, buffer(fd, 1, &rb));
	ASSERT_ERRNO(0, buffer(fd, NPAGES, &buf));
	ASSERT_ERRNO(0, map(fd, c->d.domain_id, buf.buf_id, c->iova, SZ_2M, 0));
	/* Warm the IOTLB: a missing flush at close would leave this entry. */
	dma(fd, c->d.domain_id, IOMMU_STRESS_DMA_READ, c->iova, rb.buf_id, 0);
	c->read_before = peek(fd, rb.mmap_offset);
	mod_close(fd);
	c->fd = mod_open();
	ASSERT_LE(0, c->fd);
	ASSERT_ERRNO(0, create(c->fd, chan, 0, 0, &c->d));
}

FIXTURE(close) {
	struct closed c;
};

FIXTURE_SETUP(close)
{
	self->c.fd = -1;
}

FIXTURE_TEARDOWN(close)
{
	if (self->c.fd >= 0)
		mod_close(self->c.fd);
}

TEST_F(close, reads_before, "close: the mapping reads before close")
{
	close_with_mapping(_ktest, 0, &self->c);
	EXPECT_EQ(1, self->c.read_before);
}

TEST_F(close, unmapped_after, "close: the driver's table no longer maps the old IOVA")
{
	struct iommu_stress_iova_to_phys w = { .size = sizeof(w) };

	close_with_mapping(_ktest, 1, &self->c);
	w.domain_id = self->c.d.domain_id;
	w.iova = self->c.iova;
	ASSERT_ERRNO(0, call(self->c.fd, IOMMU_STRESS_IOVA_TO_PHYS, &w));
	EXPECT_FALSE(w.out_flags & IOMMU_STRESS_I2P_MAPPED);
}

TEST_F(close, unreachable_after, "close: the device no longer reaches the old pages (no stale IOTLB)")
{
	struct iommu_stress_buf_alloc rb;
	int v;

	close_with_mapping(_ktest, 2, &self->c);
	ASSERT_ERRNO(0, buffer(self->c.fd, 1, &rb));
	v = dma(self->c.fd, self->c.d.domain_id, IOMMU_STRESS_DMA_READ,
		self->c.iova, rb.buf_id, 0);
	/* edu reads zeros on a fault; real engines fail the transfer. */
	EXPECT_TRUE(v == ISTRESS_ERRNO(DMA_STATUS, EIO) ||
		    (v == 0 && peek(self->c.fd, rb.mmap_offset) == 0));
}

/*
 * Without dma_unmapped_reads, a channel reads and writes only what the
 * session mapped, and UNMAP takes back only that. A session with 2M
 * mapped at its range's start + 2M.
 */
FIXTURE(noreads) {
	int fd;
	struct iommu_stress_domain_create d;
	struct iommu_stress_buf_alloc rb, buf;
	uint64_t at;
};

FIXTURE_SETUP(noreads)
{
	self->fd = mod_open();
	ASSERT_LE(0, self->fd);
	ASSERT_ERRNO(0, create(self->fd, chan, 0, 0, &self->d));
	ASSERT_ERRNO(0, buffer(self->fd, 1, &self->rb));
	ASSERT_ERRNO(0, buffer(self->fd, NPAGES, &self->buf));
	self->at = self->d.range_start + SZ_2M;
	ASSERT_ERRNO(0, map(self->fd, self->d.domain_id, self->buf.buf_id,
			    self->at, SZ_2M, 0));
}

FIXTURE_TEARDOWN(noreads)
{
	mod_close(self->fd);
}

TEST_F(noreads, said, "no unmapped reads: the module says so")
{
	EXPECT_FALSE(self->d.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS);
}

TEST_F(noreads, read_unmapped, "no unmapped reads: a read of an unmapped IOVA refused (EACCES)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, EACCES),
		     dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			 self->d.range_start, self->rb.buf_id, 0));
}

TEST_F(noreads, read_edge, "no unmapped reads: a read across the mapping's edge refused (EACCES)")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, EACCES),
		     dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			 self->at + SZ_2M, self->rb.buf_id, 0));
}

TEST_F(noreads, read_mapped, "no unmapped reads: a read of the mapping works and brings back its page")
{
	EXPECT_ERRNO(0, dma(self->fd, self->d.domain_id, IOMMU_STRESS_DMA_READ,
			    self->at, self->rb.buf_id, 0));
	EXPECT_EQ(1, peek(self->fd, self->rb.mmap_offset));
}

TEST_F(noreads, unmap_gap, "UNMAP across a gap where nothing translates: the whole mapping goes, nothing left (ENOENT)")
{
	uint64_t unmapped = 0;

	EXPECT_ERRNO(0, unmap(self->fd, self->d.domain_id, self->d.range_start,
			      2 * SZ_2M, &unmapped));
	EXPECT_LE(SZ_2M, unmapped);
	EXPECT_ERRNO(ISTRESS_ERRNO(UNMAP, ENOENT),
		     unmap(self->fd, self->d.domain_id, self->d.range_start,
			   2 * SZ_2M, NULL));
}

/*
 * An UNMAP from 4K into an empty 2M block of the range's last 1G: the
 * driver would clear 2M from there and go on 4K into every next block,
 * so 4K past the range's end, where the DMA API's own pages may be.
 * Refused; the mapping at the end unmaps on its own.
 */
TEST_F(noreads, unmap_reach, "UNMAP whose driver reach passes the range's end refused (ERANGE); the mapping at the end unmaps alone")
{
	uint64_t end = self->d.range_last + 1;

	ASSERT_ERRNO(0, map(self->fd, self->d.domain_id, self->buf.buf_id,
			    end - SZ_4K, SZ_4K, 0));
	EXPECT_ERRNO(ISTRESS_ERRNO(UNMAP, ERANGE),
		     unmap(self->fd, self->d.domain_id, end - SZ_1G + SZ_4K,
			   SZ_1G - SZ_4K, NULL));
	EXPECT_ERRNO(0, unmap(self->fd, self->d.domain_id, end - SZ_4K, SZ_4K, NULL));
}

/* A channel whose device is on an identity (passthrough) domain. */
FIXTURE(passthrough) {
	int fd;
};

FIXTURE_SETUP(passthrough)
{
	self->fd = mod_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(passthrough)
{
	mod_close(self->fd);
}

TEST_F(passthrough, query, "TARGET_QUERY on a passthrough channel: the domain is identity")
{
	struct iommu_stress_target_query q;

	ASSERT_ERRNO(0, query(self->fd, chan, &q));
	EXPECT_EQ((uint32_t)IOMMU_STRESS_DOMTYPE_IDENTITY, q.domain_type);
}

TEST_F(passthrough, refused, "DOMAIN_CREATE on a passthrough channel refused (EOPNOTSUPP); the channel free again after it")
{
	struct iommu_stress_domain_create d;

	EXPECT_ERRNO(ISTRESS_ERRNO(DOMAIN_CREATE, EOPNOTSUPP), create(self->fd, chan, 0, 0, &d));
	EXPECT_EQ(0, listed_busy(self->fd, chan));
}

int main(int argc, char **argv)
{
	static char *main_run[] = { "channel", "session", "collide", "close" };
	static char *close_only[] = { "close" };
	static char *passthrough[] = { "passthrough" };
	static char *noreads[] = { "noreads" };

	if (argc == 2 && !strcmp(argv[1], "-l"))
		return ktest_main(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "--close-only")) {
		chan = argv[2];
		return ktest_run(1, close_only);
	}
	if (argc == 3 && !strcmp(argv[1], "--no-unmapped-reads")) {
		chan = argv[2];
		return ktest_run(1, noreads);
	}
	if (argc == 3 && !strcmp(argv[1], "--passthrough")) {
		chan = argv[2];
		return ktest_run(1, passthrough);
	}
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s CHANNEL [CHANNEL-A CHANNEL-B] | --close-only CHANNEL | --passthrough CHANNEL | --no-unmapped-reads CHANNEL\n",
			argv[0]);
		return 2;
	}
	chan = argv[1];
	if (argc == 4) {
		chan_a = argv[2];
		chan_b = argv[3];
	}
	return ktest_run(4, main_run);
}
