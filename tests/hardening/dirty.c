// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking through the module on the edu device: a device write to
 * a page sets that page's bit and a device read sets none; DIRTY_READ
 * clears what it reports unless NO_CLEAR, and a write after the clear is
 * recorded again (the module flushes the IOTLB after clearing); DIRTY_START
 * forgets what an earlier tracking recorded, also while tracking is on;
 * a read takes up to IOMMU_STRESS_DIRTY_MAX_BITS pages; a read held up
 * where it writes its bitmap (the test build's window there, as a slow
 * fault would) holds up no MAP, UNMAP or DMA outside its range, nor
 * makes an UNMAP whose answer ends at it say UNVOUCHED; and the refusals
 * of the errno contract.
 *
 * It needs a kernel that reports dirty pages (IOMMU_STRESS_FEAT_DIRTY_READ:
 * kernels/build --iommufd; Debian's kernels are built without
 * CONFIG_IOMMUFD) and an IOMMU that records them (QEMU's intel-iommu with
 * x-scalable-mode=on,x-ssads=on, qemu/intel-iommu-ssads.patch). Without
 * them the tests check the refusal they get and skip.
 *
 * Usage: hardening-dirty [TEST]...
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "session.h"

#define NPAGES		8
#define IOVA		0x100000ull
/* A range check far past any aperture QEMU's IOMMUs have. */
#define FAR_IOVA	(1ull << 60)
/* Outside [IOVA, IOVA + NPAGES pages), the range the tests read. */
#define OTHER_IOVA	(IOVA + 0x1000000ull)
/* 2M-aligned, clear of both. */
#define LEAF_IOVA	(IOVA + 0x3f00000ull)
/* How long an ioctl that nothing holds up may take (TCG is slow). */
#define PROMPT_MS	20000
/* Test builds: how long a read sleeps at its bitmap, and when calls come. */
#define WINDOW_MS	8000
#define ENTER_MS	1000

struct ctx {
	int fd;
	uint32_t dom;
	uint32_t buf;
	uint32_t src;
	uint64_t features;
	uint64_t pgsize_bitmap;
};

static uint64_t features(int fd)
{
	struct iommu_stress_info info = { .size = sizeof(info) };

	return call(fd, IOMMU_STRESS_INFO, &info) ? 0 : info.features;
}

static int buf_alloc_chunks(int fd, uint64_t len, uint64_t chunk,
			    uint32_t *id)
{
	struct iommu_stress_buf_alloc a = {
		.size = sizeof(a), .length = len,
		.chunk_size = chunk, .node = IOMMU_STRESS_NODE_ANY,
	};
	int err = call(fd, IOMMU_STRESS_BUF_ALLOC, &a);

	*id = a.buf_id;
	return err;
}

static int buf_alloc(int fd, uint64_t len, uint32_t *id)
{
	return buf_alloc_chunks(fd, len, IOMMU_STRESS_CHUNK_4K, id);
}

/*
 * A session with a domain on the edu device (made with dirty tracking
 * when @dirty) and NPAGES pages mapped read-write at IOVA: 0, or the
 * errno of the step that failed.
 */
static int setup(struct ctx *c, int dirty)
{
	struct iommu_stress_domain_create d = { .size = sizeof(d) };
	struct iommu_stress_map m = {
		.size = sizeof(m), .iova = IOVA, .length = NPAGES * SZ_4K,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = mod_open();
	if (c->fd < 0)
		return errno;
	c->features = features(c->fd);
	err = free_target(c->fd, IOMMU_STRESS_BACKEND_EDU, d.target);
	if (err)
		return err;
	if (dirty)
		d.flags = IOMMU_STRESS_DOMAIN_CREATE_DIRTY;
	err = call(c->fd, IOMMU_STRESS_DOMAIN_CREATE, &d);
	if (err)
		return err;
	c->dom = d.domain_id;
	c->pgsize_bitmap = d.pgsize_bitmap;
	err = buf_alloc(c->fd, NPAGES * SZ_4K, &c->buf);
	if (!err)
		err = buf_alloc(c->fd, SZ_4K, &c->src);
	if (err)
		return err;
	m.domain_id = c->dom;
	m.buf_id = c->buf;
	return call(c->fd, IOMMU_STRESS_MAP, &m);
}

/* A dirty-tracking session, or a skip that says what is missing. */
#define SETUP_DIRTY(c)							\
	do {								\
		int _err = setup(c, 1);					\
									\
		if (_err == EOPNOTSUPP && !((c)->features & IOMMU_STRESS_FEAT_DIRTY)) \
			SKIP(return, "this kernel has no dirty tracking API (before 6.7)"); \
		if (_err == EOPNOTSUPP)					\
			SKIP(return, "the IOMMU offers no dirty tracking (intel: x-scalable-mode=on,x-ssads=on)"); \
		ASSERT_ERRNO(0, _err);					\
		if (!((c)->features & IOMMU_STRESS_FEAT_DIRTY_READ))	\
			SKIP(return, "this kernel cannot report dirty pages (no CONFIG_IOMMUFD: kernels/build --iommufd)"); \
	} while (0)

static int dma(struct ctx *c, uint32_t dir, unsigned int page)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = c->dom, .dir = dir,
		.iova = IOVA + page * SZ_4K, .length = 64, .buf_id = c->src,
	};
	int err = call(c->fd, IOMMU_STRESS_DMA, &d);

	return err ? err : (int)d.status;
}

static int dirty_switch(struct ctx *c, unsigned long cmd)
{
	struct iommu_stress_dirty_switch s = {
		.size = sizeof(s), .domain_id = c->dom,
	};

	return call(c->fd, cmd, &s);
}

/* The bits of the NPAGES mapped pages into *bits: 0, or the errno. */
static int dirty_read(struct ctx *c, uint32_t flags, uint64_t *bits)
{
	struct iommu_stress_dirty_read r = {
		.size = sizeof(r), .flags = flags, .domain_id = c->dom,
		.iova = IOVA, .length = NPAGES * SZ_4K, .page_size = SZ_4K,
		.bitmap = (uint64_t)(uintptr_t)bits,
	};

	*bits = ~0ull;	/* the module must zero what it does not set */
	return call(c->fd, IOMMU_STRESS_DIRTY_READ, &r);
}

TEST(write_sets_its_bit, "a device write sets its page's bit, a read sets none")
{
	struct ctx c;
	uint64_t bits;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(0ull, bits);
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 2));
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_READ, 5));
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(1ull << 2, bits);
	/* A page read first and written later is dirty too. */
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 5));
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(1ull << 5, bits);
	mod_close(c.fd);
}

TEST(read_clears, "DIRTY_READ clears what it reports, unless NO_CLEAR")
{
	struct ctx c;
	uint64_t bits;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 1));
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 6));
	ASSERT_ERRNO(0, dirty_read(&c, IOMMU_STRESS_DIRTY_READ_NO_CLEAR, &bits));
	EXPECT_EQ(1ull << 1 | 1ull << 6, bits);
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(1ull << 1 | 1ull << 6, bits);
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(0ull, bits);
	mod_close(c.fd);
}

TEST(write_after_clear, "a write after DIRTY_READ cleared its page is recorded again")
{
	struct ctx c;
	uint64_t bits;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	for (int round = 0; round < 3; round++) {
		ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 4));
		ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
		EXPECT_EQ(1ull << 4, bits);
	}
	mod_close(c.fd);
}

TEST(start_forgets, "DIRTY_START forgets what an earlier tracking recorded")
{
	struct ctx c;
	uint64_t bits;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 3));
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_STOP));
	/* Drivers report only while tracking. */
	EXPECT_ERRNO(EINVAL, dirty_read(&c, 0, &bits));
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(0ull, bits);
	/* Also while tracking is on. */
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 6));
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(0ull, bits);
	/* Still tracking: a write after it is recorded. */
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 7));
	ASSERT_ERRNO(0, dirty_read(&c, 0, &bits));
	EXPECT_EQ(1ull << 7, bits);
	mod_close(c.fd);
}

TEST(read_cap, "DIRTY_READ takes IOMMU_STRESS_DIRTY_MAX_BITS pages, E2BIG one more")
{
	size_t words = IOMMU_STRESS_DIRTY_MAX_BITS / 64, stray = 0;
	struct iommu_stress_dirty_read r;
	struct ctx c;
	uint64_t *map;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	ASSERT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 2));
	map = malloc(words * sizeof(*map));
	ASSERT_TRUE(map != NULL);
	/* The module must zero every word it does not set. */
	memset(map, 0xff, words * sizeof(*map));
	r = (struct iommu_stress_dirty_read){
		.size = sizeof(r), .domain_id = c.dom, .iova = IOVA,
		.length = IOMMU_STRESS_DIRTY_MAX_BITS * SZ_4K,
		.page_size = SZ_4K, .bitmap = (uint64_t)(uintptr_t)map,
	};
	EXPECT_ERRNO(0, call(c.fd, IOMMU_STRESS_DIRTY_READ, &r));
	EXPECT_EQ(1ull << 2, map[0]);
	for (size_t i = 1; i < words; i++)
		stray += map[i] != 0;
	EXPECT_EQ((size_t)0, stray);
	r.length += SZ_4K;
	EXPECT_ERRNO(E2BIG, call(c.fd, IOMMU_STRESS_DIRTY_READ, &r));
	/* The count is of pages, whatever their size. */
	r.page_size = 2 * SZ_4K;
	r.length = (IOMMU_STRESS_DIRTY_MAX_BITS + 1) * r.page_size;
	EXPECT_ERRNO(E2BIG, call(c.fd, IOMMU_STRESS_DIRTY_READ, &r));
	free(map);
	mod_close(c.fd);
}

/* An ioctl on another thread, its answer written to a pipe. */
struct job {
	int fd;
	unsigned long cmd;
	void *arg;
	int pipe[2];
};

static void *job_run(void *p)
{
	struct job *j = p;
	int err = call(j->fd, j->cmd, j->arg);

	if (write(j->pipe[1], &err, sizeof(err)) != sizeof(err))
		abort();
	return NULL;
}

static int job_start(struct job *j, pthread_t *th, int fd, unsigned long cmd,
		     void *arg)
{
	j->fd = fd;
	j->cmd = cmd;
	j->arg = arg;
	if (pipe(j->pipe))
		return errno;
	return pthread_create(th, NULL, job_run, j);
}

/* The job's answer, or ETIMEDOUT if it has none after @ms. */
static int job_answer(struct job *j, int ms)
{
	struct pollfd p = { .fd = j->pipe[0], .events = POLLIN };
	int err;

	if (poll(&p, 1, ms) != 1)
		return ETIMEDOUT;
	if (read(j->pipe[0], &err, sizeof(err)) != sizeof(err))
		return EIO;
	return err;
}

static void job_end(struct job *j, pthread_t th)
{
	pthread_join(th, NULL);
	close(j->pipe[0]);
	close(j->pipe[1]);
}

/*
 * Test builds (ISTRESS_UNSAFE_TESTS): how long a DIRTY_READ sleeps where
 * it first touches the caller's bitmap, as a bitmap whose fault is slow
 * (userfaultfd, a slow file) would hold it there. 0 closes the window.
 */
static int bitmap_window(unsigned int ms)
{
	const char *path =
		"/sys/module/iommu_stress/parameters/unsafe_race_dirty_bitmap_ms";
	char val[16];

	snprintf(val, sizeof(val), "%u", ms);
	return sysfs_write(path, val);
}

/* A DIRTY_READ in a thread of its own, held at its bitmap. */
struct held_read {
	struct iommu_stress_dirty_read r;
	struct job job;
	pthread_t th;
	uint64_t bits;
};

/*
 * Starts @h, a read of [iova, iova + len) that the test build's window
 * holds where it first touches its bitmap, and gives it time to get
 * there. ENOENT where the module is not the test build.
 */
static int held_read_start(struct ctx *c, struct held_read *h, uint64_t iova,
			   uint64_t len)
{
	int err = bitmap_window(WINDOW_MS);

	if (err)
		return err;
	h->bits = ~0ull;
	h->r = (struct iommu_stress_dirty_read){
		.size = sizeof(h->r), .domain_id = c->dom, .iova = iova,
		.length = len, .page_size = SZ_4K,
		.bitmap = (uint64_t)(uintptr_t)&h->bits,
	};
	err = job_start(&h->job, &h->th, c->fd, IOMMU_STRESS_DIRTY_READ, &h->r);
	if (!err)
		sleep_ms(ENTER_MS);
	return err;
}

TEST(slow_bitmap, "a DIRTY_READ held up at its bitmap holds up no MAP, UNMAP or DMA outside its range")
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .iova = OTHER_IOVA, .length = SZ_4K,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	struct iommu_stress_unmap u = { .size = sizeof(u) };
	struct held_read h;
	struct ctx c;
	int err;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	err = held_read_start(&c, &h, IOVA, NPAGES * SZ_4K);
	if (err == ENOENT)
		SKIP(return, "not the module's test build (ISTRESS_UNSAFE_TESTS=1)");
	ASSERT_ERRNO(0, err);

	/* The read holds its range: an UNMAP there is refused at once. */
	u.domain_id = c.dom;
	u.iova = IOVA;
	u.length = NPAGES * SZ_4K;
	EXPECT_ERRNO(EBUSY, call(c.fd, IOMMU_STRESS_UNMAP, &u));
	/* Elsewhere MAP and UNMAP go on, and DMA into the range too. */
	m.domain_id = c.dom;
	m.buf_id = c.src;
	EXPECT_ERRNO(0, call(c.fd, IOMMU_STRESS_MAP, &m));
	EXPECT_ERRNO(0, dma(&c, IOMMU_STRESS_DMA_WRITE, 2));
	u.iova = OTHER_IOVA;
	u.length = SZ_4K;
	EXPECT_ERRNO(0, call(c.fd, IOMMU_STRESS_UNMAP, &u));
	/* All of that while the read was still at its bitmap. */
	EXPECT_ERRNO(ETIMEDOUT, job_answer(&h.job, 0));

	bitmap_window(0);
	EXPECT_ERRNO(0, job_answer(&h.job, PROMPT_MS));
	job_end(&h.job, h.th);
	/* The DMA wrote page 2 before the driver's walk. */
	EXPECT_EQ(1ull << 2, h.bits);
	mod_close(c.fd);
}

/*
 * A 4M record of two 2M leaves at LEAF_IOVA, a DIRTY_READ of the page 2M
 * into it held at its bitmap, and an UNMAP of the record's first page:
 * Intel's table unmaps the first leaf whole and answers its size, so the
 * answer ends at the read's page, just past the UNMAP's reach and inside
 * the record it claimed, where the module probes for records the driver
 * dropped unreported. The read's claim sits there (a walk's claim looks
 * at spans, not at whose records it meets), but a walk frees no table, so
 * the probe may run beside it, and finds the page still mapped. Nothing
 * was dropped: the UNMAP must not say UNVOUCHED (a module that takes the
 * read for an op that may free tables there, and so cannot probe, says
 * it, and holds the domain's pieces from then on). Only where the answer
 * ends at the read's page can it fail.
 */
TEST(unmap_beside_read, "an UNMAP whose answer ends at a DIRTY_READ held at its bitmap is not UNVOUCHED")
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .iova = LEAF_IOVA, .length = 2 * SZ_2M,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	struct iommu_stress_unmap u = { .size = sizeof(u) };
	struct iommu_stress_unmap rest = { .size = sizeof(rest) };
	struct held_read h;
	struct ctx c;
	int err;

	SETUP_DIRTY(&c);
	if (!(c.pgsize_bitmap & SZ_2M))
		SKIP(return, "the domain has no 2M leaves");
	ASSERT_ERRNO(0, buf_alloc_chunks(c.fd, 2 * SZ_2M, IOMMU_STRESS_CHUNK_2M,
					 &m.buf_id));
	m.domain_id = c.dom;
	ASSERT_ERRNO(0, call(c.fd, IOMMU_STRESS_MAP, &m));
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	err = held_read_start(&c, &h, LEAF_IOVA + SZ_2M, SZ_4K);
	if (err == ENOENT)
		SKIP(return, "not the module's test build (ISTRESS_UNSAFE_TESTS=1)");
	ASSERT_ERRNO(0, err);

	/* The read holds its page: an UNMAP reaching it is refused at once. */
	u.domain_id = c.dom;
	u.iova = LEAF_IOVA + SZ_2M;
	u.length = SZ_4K;
	EXPECT_ERRNO(EBUSY, call(c.fd, IOMMU_STRESS_UNMAP, &u));
	u.iova = LEAF_IOVA;
	err = call(c.fd, IOMMU_STRESS_UNMAP, &u);
	/* The UNMAP came and went while the read was at its bitmap. */
	EXPECT_ERRNO(ETIMEDOUT, job_answer(&h.job, 0));
	bitmap_window(0);
	EXPECT_ERRNO(0, job_answer(&h.job, PROMPT_MS));
	job_end(&h.job, h.th);
	EXPECT_EQ(0ull, h.bits);
	/* A driver that made one 4M leaf (AMD's) reaches the read's page. */
	if (err == EBUSY)
		SKIP(return, "the UNMAP's reach covers the read's page (one leaf over both 2M)");
	ASSERT_ERRNO(0, err);
	TH_LOG("UNMAP of the record's first page answered %#llx, out_flags %#x",
	       (unsigned long long)u.unmapped, u.out_flags);
	if (u.unmapped != SZ_2M)
		SKIP(return, "the answer (%#llx) did not end at the read's page",
		     (unsigned long long)u.unmapped);
	EXPECT_FALSE(u.out_flags & IOMMU_STRESS_UNMAP_OUT_UNVOUCHED);
	rest.domain_id = c.dom;
	rest.iova = LEAF_IOVA + SZ_2M;
	rest.length = SZ_2M;
	EXPECT_ERRNO(0, call(c.fd, IOMMU_STRESS_UNMAP, &rest));
	mod_close(c.fd);
}

/* A thread that makes DIRTY_READs of its half of the range until told. */
struct reader {
	struct ctx *c;
	unsigned int first;	/* its first page */
	atomic_bool *stop;
	unsigned int reads;
};

static void *reader_run(void *p)
{
	struct reader *rd = p;
	uint64_t bits;
	struct iommu_stress_dirty_read r = {
		.size = sizeof(r), .domain_id = rd->c->dom,
		.iova = IOVA + rd->first * SZ_4K, .length = NPAGES / 2 * SZ_4K,
		.page_size = SZ_4K, .bitmap = (uint64_t)(uintptr_t)&bits,
	};

	while (!atomic_load(rd->stop)) {
		call(rd->c->fd, IOMMU_STRESS_DIRTY_READ, &r);
		rd->reads++;
	}
	return NULL;
}

/*
 * Two threads read the two halves of the range in turn, each read held
 * at its bitmap for a window (the test build's, as a slow fault would
 * hold it), the second starting half a window after the first: each read
 * begins while the other's holds its half, so that some read always holds
 * part of the range. A DIRTY_STOP, which waits for a quiet range, must
 * get in once the reads it found end (within two windows), not when the
 * readers give up; a module that lets new reads claim their range while
 * it waits answers only then.
 */
TEST(reads_in_turn, "DIRTY_READs taken in turn do not keep DIRTY_STOP waiting for good")
{
	const unsigned int window = 2000;
	struct iommu_stress_dirty_switch s;
	struct reader rd[2];
	atomic_bool stop = false;
	pthread_t th[2];
	struct job stopper;
	pthread_t sth;
	struct ctx c;
	int err;

	SETUP_DIRTY(&c);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	err = bitmap_window(window);
	if (err == ENOENT)
		SKIP(return, "not the module's test build (ISTRESS_UNSAFE_TESTS=1)");
	ASSERT_ERRNO(0, err);
	for (int i = 0; i < 2; i++) {
		rd[i] = (struct reader){
			.c = &c, .first = i * NPAGES / 2, .stop = &stop,
		};
		ASSERT_EQ(0, pthread_create(&th[i], NULL, reader_run, &rd[i]));
		sleep_ms(window / 2);
	}
	s = (struct iommu_stress_dirty_switch){
		.size = sizeof(s), .domain_id = c.dom,
	};
	ASSERT_ERRNO(0, job_start(&stopper, &sth, c.fd, IOMMU_STRESS_DIRTY_STOP, &s));
	/* Two windows, and one more for a slow machine; the readers read 5. */
	err = job_answer(&stopper, 3 * window);
	atomic_store(&stop, true);
	bitmap_window(0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	TH_LOG("DIRTY_STOP within %u ms: %s; reads made: %u and %u",
	       3 * window, ktest_errname(err), rd[0].reads, rd[1].reads);
	EXPECT_ERRNO(0, err);
	if (err == ETIMEDOUT)
		EXPECT_ERRNO(0, job_answer(&stopper, PROMPT_MS));
	job_end(&stopper, sth);
	mod_close(c.fd);
}

TEST(refusals, "DIRTY_START, DIRTY_STOP and DIRTY_READ refuse what the contract says")
{
	struct iommu_stress_dirty_read r;
	struct iommu_stress_dirty_switch s;
	struct ctx c;
	uint64_t bits;

	SETUP_DIRTY(&c);
	/* Before DIRTY_START. */
	EXPECT_ERRNO(EINVAL, dirty_read(&c, 0, &bits));
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
#define READ_REFUSED(err, stmt)						\
	do {								\
		r = (struct iommu_stress_dirty_read){			\
			.size = sizeof(r), .domain_id = c.dom,		\
			.iova = IOVA, .length = NPAGES * SZ_4K,		\
			.page_size = SZ_4K,				\
			.bitmap = (uint64_t)(uintptr_t)&bits,		\
		};							\
		stmt;							\
		EXPECT_ERRNO(err, call(c.fd, IOMMU_STRESS_DIRTY_READ, &r)); \
	} while (0)
	READ_REFUSED(0, (void)0);
	READ_REFUSED(EOPNOTSUPP, r.flags = 1u << 31);
	READ_REFUSED(EINVAL, r.__reserved = 1);
	READ_REFUSED(EINVAL, r.length = 0);
	READ_REFUSED(EINVAL, r.page_size = 0);
	READ_REFUSED(EINVAL, r.page_size = 3 * SZ_4K);
	READ_REFUSED(EINVAL, r.iova = IOVA + 512);
	READ_REFUSED(EINVAL, r.length = SZ_4K + 512);
	READ_REFUSED(E2BIG, r.length = (IOMMU_STRESS_DIRTY_MAX_BITS + 1) * SZ_4K);
	READ_REFUSED(EOVERFLOW, r.iova = ~0ull & ~(SZ_4K - 1));
	READ_REFUSED(ERANGE, r.iova = FAR_IOVA);
	READ_REFUSED(ENOENT, r.domain_id = c.dom + 100);
	READ_REFUSED(EFAULT, r.bitmap = 0);
	s = (struct iommu_stress_dirty_switch){
		.size = sizeof(s), .flags = 1, .domain_id = c.dom,
	};
	EXPECT_ERRNO(EOPNOTSUPP, call(c.fd, IOMMU_STRESS_DIRTY_STOP, &s));
	s.flags = 0;
	s.__reserved = 1;
	EXPECT_ERRNO(EINVAL, call(c.fd, IOMMU_STRESS_DIRTY_START, &s));
	s.__reserved = 0;
	s.domain_id = c.dom + 100;
	EXPECT_ERRNO(ENOENT, call(c.fd, IOMMU_STRESS_DIRTY_STOP, &s));
	mod_close(c.fd);
}

TEST(plain_domain, "a domain made without DOMAIN_CREATE_DIRTY refuses dirty tracking")
{
	struct ctx c;
	uint64_t bits;

	ASSERT_ERRNO(0, setup(&c, 0));
	EXPECT_ERRNO(EOPNOTSUPP, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	EXPECT_ERRNO(EOPNOTSUPP, dirty_switch(&c, IOMMU_STRESS_DIRTY_STOP));
	EXPECT_ERRNO(EOPNOTSUPP, dirty_read(&c, 0, &bits));
	mod_close(c.fd);
}

TEST(no_kernel_read, "without FEAT_DIRTY_READ, DIRTY_READ answers EOPNOTSUPP")
{
	struct ctx c;
	uint64_t bits;
	int err = setup(&c, 1);

	if (c.features & IOMMU_STRESS_FEAT_DIRTY_READ || err == EOPNOTSUPP)
		SKIP(return, "not such a kernel: dirty pages readable, or no dirty domain at all");
	ASSERT_ERRNO(0, err);
	ASSERT_ERRNO(0, dirty_switch(&c, IOMMU_STRESS_DIRTY_START));
	EXPECT_ERRNO(EOPNOTSUPP, dirty_read(&c, 0, &bits));
	mod_close(c.fd);
}

KTEST_MAIN
