// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation of every call fails in turn. For each step of a
 * session's life (open, each ioctl, mmap, close), the step is made again
 * and again from the same starting state with the kernel told to fail its
 * 1st, 2nd, ... allocation (/proc/self/task/TID/fail-nth, which failslab
 * and fail_page_alloc obey), until a run in which the injection is never
 * reached: that run must succeed. Each failing run must answer with an
 * errno the contract lets that call give (or succeed, having managed
 * without), and then the same step without injection must succeed and do
 * its job (a DMA reads the right page, a domain can be made on the
 * target again): a failure that left something half made shows there.
 * The VM harness fails the run on any splat in the guest log, and a
 * kmemleak scan after rmmod must find nothing.
 *
 * Needs a kernel with CONFIG_FAULT_INJECTION, FAILSLAB, FAIL_PAGE_ALLOC
 * and FAULT_INJECTION_DEBUG_FS (kernels/build --debug), debugfs mounted.
 *
 * Usage: hardening-failnth [--channel NAME] [--except STEP,...] [STEP...]
 * --channel  a dmaengine channel (edu-dma-bind): the shared-domain steps
 * --except   leave these steps out
 * STEP is a step's name (open, map_4k, ...; all when none is given).
 */
#include <stdlib.h>
#include <sys/syscall.h>

#include "contract.h"
#include "session.h"

#define SZ_4G		0x100000000ull
#define MAX_NTH		5000
#define DEBUGFS		"/sys/kernel/debug"
#define SIGNATURE(off)	((off) * 0x9e3779b97f4a7c15ull + 0x5eed)

/* A session as a step starts from: one domain, three buffers. */
struct fx {
	int fd;
	int shared;			/* the domain is a channel's */
	struct iommu_stress_domain_create dom;
	struct iommu_stress_buf_alloc big;	/* 4M of 2M chunks, mmap()ed */
	struct iommu_stress_buf_alloc small;	/* 64K of 4K chunks */
	struct iommu_stress_buf_alloc rd;	/* one page, mmap()ed */
	unsigned char *bigmem, *rdmem;
	uint64_t base;			/* where the steps map */
	void *extra;			/* what a step made, for its check */
	uint32_t status;		/* the last DMA's status word */
	int wrong;			/* a DMA that went through brought wrong data */
};

static char edu[IOMMU_STRESS_NAME_LEN];
static const char *channel;
static int nth_fd = -1;

/* ---- fail-nth ---- */

static int nth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	nth_fd = open(path, O_RDWR);
	return nth_fd < 0 ? errno : 0;
}

/* The @nth fault-injection point this thread reaches from now on fails. */
static void nth_arm(unsigned int nth)
{
	char v[16];
	int n = snprintf(v, sizeof(v), "%u", nth);

	if (pwrite(nth_fd, v, (size_t)n, 0) != n)
		abort();
}

/* Disarms; returns whether the injection was reached. */
static int nth_disarm(void)
{
	char v[16] = "";
	ssize_t n = pread(nth_fd, v, sizeof(v) - 1, 0);

	if (pwrite(nth_fd, "0", 1, 0) != 1 || n <= 0)
		abort();
	return atoi(v) == 0;
}

static int debugfs_set(const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), DEBUGFS "/%s", file);
	return sysfs_write(path, val);
}

/*
 * Reach sleeping allocations too, and single pages; say nothing per
 * failure (a stack trace in the log would fail the VM run). User page
 * faults (__GFP_HIGHMEM) stay out: the program's own memory is not under
 * test.
 */
static int injection_setup(void)
{
	static const char *const set[][2] = {
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "Y" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
	};

	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		int err = debugfs_set(set[i][0], set[i][1]);

		if (err)
			return err;
	}
	return nth_open();
}

/* A line in the kernel log, so a splat can be told apart by step. */
static void kmsg(const char *step, unsigned int nth)
{
	char line[128];
	int fd = open("/dev/kmsg", O_WRONLY), n;

	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "failnth: %s, allocation %u fails\n", step, nth);
	if (write(fd, line, (size_t)n) < 0)
		n = 0;
	close(fd);
}

/* ---- the session the steps start from ---- */

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static int buf(struct fx *f, struct iommu_stress_buf_alloc *b, uint64_t len,
	       uint64_t chunk)
{
	*b = (struct iommu_stress_buf_alloc){
		.size = sizeof(*b), .length = len, .chunk_size = chunk,
		.node = IOMMU_STRESS_NODE_ANY,
	};
	return call(f->fd, IOMMU_STRESS_BUF_ALLOC, b);
}

static int create_on(struct fx *f, const char *target)
{
	memset(&f->dom, 0, sizeof(f->dom));
	f->dom.size = sizeof(f->dom);
	snprintf(f->dom.target, sizeof(f->dom.target), "%s", target);
	return call(f->fd, IOMMU_STRESS_DOMAIN_CREATE, &f->dom);
}

static int do_map(struct fx *f, uint32_t bufid, uint64_t iova, uint64_t off,
		  uint64_t len)
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .domain_id = f->dom.domain_id,
		.buf_id = bufid, .iova = iova, .offset = off, .length = len,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};

	return call(f->fd, IOMMU_STRESS_MAP, &m);
}

static int do_unmap(struct fx *f, uint64_t iova, uint64_t len, uint32_t flags)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .flags = flags, .domain_id = f->dom.domain_id,
		.iova = iova, .length = len,
	};

	return call(f->fd, IOMMU_STRESS_UNMAP, &u);
}

/* One DMA of a page; the answer, or the transfer's status. */
static int do_dma(struct fx *f, uint32_t dir, uint64_t iova)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = f->dom.domain_id, .dir = dir,
		.iova = iova, .length = 4095, .buf_id = f->rd.buf_id,
	};
	int err = call(f->fd, IOMMU_STRESS_DMA, &d);

	return err ? err : (int)d.status;
}

/* The big buffer's page at @off came back through a DMA read of @iova. */
static int reads(struct fx *f, uint64_t iova, uint64_t off)
{
	int err;

	memset(f->rdmem, 0xa5, SZ_4K);
	err = do_dma(f, IOMMU_STRESS_DMA_READ, iova);
	if (err)
		return err;
	return memcmp(f->rdmem, f->bigmem + off, 4095) ? EIO : 0;
}

static void fx_close(struct fx *f)
{
	if (f->bigmem && f->bigmem != MAP_FAILED)
		mod_munmap(f->bigmem, f->big.length);
	if (f->rdmem && f->rdmem != MAP_FAILED)
		mod_munmap(f->rdmem, SZ_4K);
	if (f->fd >= 0)
		mod_close(f->fd);
	/* The open step's second session. */
	if (f->extra)
		mod_close((int)(intptr_t)f->extra - 1);
	memset(f, 0, sizeof(*f));
	f->fd = -1;
}

/* A domain on the channel when @shared, else on the edu target. */
static int fx_open(struct fx *f, int shared)
{
	int err, tries = 0;

	memset(f, 0, sizeof(*f));
	f->fd = mod_open();
	if (f->fd < 0)
		return errno;
	f->shared = shared;
	/* A domain a closed session held goes once its last call is out. */
	while ((err = create_on(f, shared ? channel : edu)) == EBUSY && tries++ < 200)
		sleep_ms(5);
	if (!err)
		err = buf(f, &f->big, 2 * SZ_2M, IOMMU_STRESS_CHUNK_2M);
	if (!err)
		err = buf(f, &f->small, 16 * SZ_4K, IOMMU_STRESS_CHUNK_4K);
	if (!err)
		err = buf(f, &f->rd, SZ_4K, IOMMU_STRESS_CHUNK_4K);
	if (err)
		return err;
	f->bigmem = mod_mmap(f->big.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			     f->fd, (off_t)f->big.mmap_offset);
	f->rdmem = mod_mmap(SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
			    (off_t)f->rd.mmap_offset);
	if (f->bigmem == MAP_FAILED || f->rdmem == MAP_FAILED)
		return errno;
	/* Faulted in now: no page fault of ours meets an injection. */
	memset(f->rdmem, 0, SZ_4K);
	for (uint64_t o = 0; o < f->big.length; o += 8)
		*(uint64_t *)(f->bigmem + o) = SIGNATURE(o);
	f->base = shared ? (f->dom.range_start + SZ_2M - 1) & ~(SZ_2M - 1) : SZ_4G;
	return 0;
}

/* ---- the steps ---- */

struct step {
	const char *name;
	unsigned long cmd;		/* its row of the contract */
	int shared;			/* needs --channel */
	int (*prepare)(struct fx *f);	/* the state it starts from */
	int (*run)(struct fx *f);	/* the step; an errno */
	/* After it, uninjected: does it work? @first: the injected run's answer. */
	int (*works)(struct fx *f, int first);
};

static int nothing(struct fx *f)
{
	(void)f;
	return 0;
}

static int map_2m(struct fx *f)
{
	return do_map(f, f->big.buf_id, f->base, 0, SZ_2M);
}

/* A DMA read of the mapped 2M brings the right page. */
static int reads_2m(struct fx *f)
{
	return reads(f, f->base + 5 * SZ_4K, 5 * SZ_4K);
}

static int run_open(struct fx *f)
{
	int fd = mod_open();

	if (fd < 0)
		return errno;
	f->extra = (void *)(intptr_t)(fd + 1);
	return 0;
}

/* What the open gave is a session: it can allocate. */
static int works_open(struct fx *f, int first)
{
	struct iommu_stress_buf_alloc b = {
		.size = sizeof(b), .length = SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	int fd, err;

	if (first && (err = run_open(f)))
		return err;
	fd = (int)(intptr_t)f->extra - 1;
	err = call(fd, IOMMU_STRESS_BUF_ALLOC, &b);
	mod_close(fd);
	f->extra = NULL;
	return err;
}

static int run_info(struct fx *f)
{
	struct iommu_stress_info i = { .size = sizeof(i) };

	return call(f->fd, IOMMU_STRESS_INFO, &i);
}

static int run_query(struct fx *f)
{
	struct iommu_stress_target_query q = { .size = sizeof(q) };

	snprintf(q.name, sizeof(q.name), "%s", f->dom.target);
	return call(f->fd, IOMMU_STRESS_TARGET_QUERY, &q);
}

static int run_alloc_4k(struct fx *f)
{
	struct iommu_stress_buf_alloc b;

	return buf(f, &b, 32 * SZ_4K, IOMMU_STRESS_CHUNK_4K);
}

static int run_alloc_2m(struct fx *f)
{
	struct iommu_stress_buf_alloc b;

	return buf(f, &b, 2 * SZ_2M, IOMMU_STRESS_CHUNK_2M);
}

/* A new buffer maps and reads (BUF_ALLOC's answer names a working buffer). */
static int works_alloc(struct fx *f, int first)
{
	struct iommu_stress_buf_alloc b;
	int err = buf(f, &b, SZ_2M, IOMMU_STRESS_CHUNK_2M);

	(void)first;
	if (!err)
		err = do_map(f, b.buf_id, f->base + SZ_2M, 0, SZ_2M);
	if (!err)
		err = do_dma(f, IOMMU_STRESS_DMA_READ, f->base + SZ_2M);
	return err;
}

static int run_mmap(struct fx *f)
{
	void *p = mod_mmap(f->small.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			   f->fd, (off_t)f->small.mmap_offset);

	if (p == MAP_FAILED)
		return errno;
	mod_munmap(p, f->small.length);
	return 0;
}

/* It maps, and its pages read (zeros: the buffer is new). */
static int works_mmap(struct fx *f, int first)
{
	unsigned char *p = mod_mmap(f->small.length, PROT_READ, MAP_SHARED, f->fd,
				    (off_t)f->small.mmap_offset);
	int err;

	(void)first;
	if (p == MAP_FAILED)
		return errno;
	err = all_zero(p, f->small.length) ? 0 : EIO;
	mod_munmap(p, f->small.length);
	return err;
}

/* The domain goes first: the step makes it again on the same target. */
static int destroy_dom(struct fx *f)
{
	struct iommu_stress_domain_destroy d = {
		.size = sizeof(d), .domain_id = f->dom.domain_id,
	};

	return call(f->fd, IOMMU_STRESS_DOMAIN_DESTROY, &d);
}

static int run_create(struct fx *f)
{
	return create_on(f, f->shared ? channel : edu);
}

/* The target is free again, and a domain made on it maps and reads. */
static int works_create(struct fx *f, int first)
{
	int err = first ? run_create(f) : 0;

	if (!err) {
		f->base = f->shared ? (f->dom.range_start + SZ_2M - 1) & ~(SZ_2M - 1) : SZ_4G;
		err = map_2m(f);
	}
	return err ? err : reads_2m(f);
}

static int run_map_4k(struct fx *f)
{
	return do_map(f, f->small.buf_id, f->base + 3 * SZ_2M + 4 * SZ_4K, 0,
		      16 * SZ_4K);
}

/* The 4K map is there and reads (the small buffer is zeros). */
static int works_map_4k(struct fx *f, int first)
{
	int err = first ? run_map_4k(f) : 0;

	if (err)
		return err;
	memset(f->rdmem, 0xa5, SZ_4K);
	err = do_dma(f, IOMMU_STRESS_DMA_READ, f->base + 3 * SZ_2M + 9 * SZ_4K);
	return err ? err : all_zero(f->rdmem, 4095) ? 0 : EIO;
}

static int works_map_2m(struct fx *f, int first)
{
	int err = first ? map_2m(f) : 0;

	return err ? err : reads_2m(f);
}

static int run_unmap(struct fx *f)
{
	return do_unmap(f, f->base, SZ_2M, 0);
}

/* A failed UNMAP left the mapping whole: it unmaps now; then it maps again. */
static int works_unmap(struct fx *f, int first)
{
	int err = first ? run_unmap(f) : 0;

	if (!err)
		err = map_2m(f);
	return err ? err : reads_2m(f);
}

static int map_4k_pages(struct fx *f)
{
	return do_map(f, f->big.buf_id, f->base, 0, SZ_2M - SZ_4K);
}

/* The middle of a mapping: its record is cut in three. */
static int run_unmap_part(struct fx *f)
{
	return do_unmap(f, f->base + 8 * SZ_4K, 8 * SZ_4K, 0);
}

static int works_unmap_part(struct fx *f, int first)
{
	int err = first ? run_unmap_part(f) : 0;

	/* Both ends still read, and the hole maps again. */
	if (!err)
		err = reads(f, f->base + 2 * SZ_4K, 2 * SZ_4K);
	if (!err)
		err = reads(f, f->base + 20 * SZ_4K, 20 * SZ_4K);
	if (!err)
		err = do_map(f, f->big.buf_id, f->base + 8 * SZ_4K, 8 * SZ_4K, 8 * SZ_4K);
	return err ? err : reads(f, f->base + 9 * SZ_4K, 9 * SZ_4K);
}

static int run_unmap_skip(struct fx *f)
{
	return do_unmap(f, f->base, SZ_2M, IOMMU_STRESS_UNMAP_SKIP_SYNC);
}

static int works_unmap_skip(struct fx *f, int first)
{
	int err = first ? run_unmap_skip(f) : 0;

	if (!err)
		err = map_2m(f);
	return err ? err : reads_2m(f);
}

static int run_i2p(struct fx *f)
{
	struct iommu_stress_iova_to_phys p = {
		.size = sizeof(p), .domain_id = f->dom.domain_id,
		.iova = f->base + 7 * SZ_4K,
	};
	int err = call(f->fd, IOMMU_STRESS_IOVA_TO_PHYS, &p);

	if (!err && (!(p.out_flags & IOMMU_STRESS_I2P_MAPPED) ||
		     p.buf_id != f->big.buf_id || p.offset != 7 * SZ_4K))
		return EIO;
	return err;
}

/* The ioctl's own answer; the transfer's status and data kept apart. */
static int dma_answer(struct fx *f, uint32_t dir, uint64_t iova)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = f->dom.domain_id, .dir = dir,
		.iova = iova, .length = 4095, .buf_id = f->rd.buf_id,
	};
	int err = call(f->fd, IOMMU_STRESS_DMA, &d);

	f->status = err ? 0 : d.status;
	return err;
}

static int run_dma_read(struct fx *f)
{
	int err;

	memset(f->rdmem, 0xa5, SZ_4K);
	err = dma_answer(f, IOMMU_STRESS_DMA_READ, f->base + 5 * SZ_4K);
	f->wrong = !err && !f->status && memcmp(f->rdmem, f->bigmem + 5 * SZ_4K, 4095);
	return err;
}

static int run_dma_write(struct fx *f)
{
	memcpy(f->rdmem, f->bigmem + 6 * SZ_4K, SZ_4K);
	return dma_answer(f, IOMMU_STRESS_DMA_WRITE, f->base + 6 * SZ_4K);
}

static int run_buf_free(struct fx *f)
{
	struct iommu_stress_buf_free b = {
		.size = sizeof(b), .buf_id = f->small.buf_id,
	};

	return call(f->fd, IOMMU_STRESS_BUF_FREE, &b);
}

/* A failed BUF_FREE left the buffer: it frees now; the session allocates. */
static int works_buf_free(struct fx *f, int first)
{
	int err = first ? run_buf_free(f) : 0;

	return err ? err : works_alloc(f, 0);
}

static int run_destroy(struct fx *f)
{
	return destroy_dom(f);
}

/* A failed DESTROY left the domain: it goes now; the target takes a new one. */
static int works_destroy(struct fx *f, int first)
{
	int err = first ? destroy_dom(f) : 0, tries = 0;

	if (err)
		return err;
	while ((err = run_create(f)) == EBUSY && tries++ < 200)
		sleep_ms(5);
	if (!err)
		err = map_2m(f);
	return err ? err : reads_2m(f);
}

/* close() with a mapping, a DMA-warm IOTLB and an unsynced unmap live. */
static int prepare_close(struct fx *f)
{
	int err = map_2m(f);

	if (!err)
		err = reads_2m(f);
	if (!err)
		err = do_map(f, f->small.buf_id, f->base + SZ_2M, 0, 16 * SZ_4K);
	if (!err && !f->shared)
		err = do_unmap(f, f->base + SZ_2M, 4 * SZ_4K, IOMMU_STRESS_UNMAP_SKIP_SYNC);
	return err == EOPNOTSUPP ? 0 : err;
}

static int run_close(struct fx *f)
{
	int fd = f->fd;

	/* The mmap()s hold the file: they go first, close() ends the session. */
	mod_munmap(f->bigmem, f->big.length);
	mod_munmap(f->rdmem, SZ_4K);
	f->bigmem = f->rdmem = NULL;
	f->fd = -1;
	return mod_close(fd) ? errno : 0;
}

/* A new session takes the target and reads right. */
static int works_close(struct fx *f, int first)
{
	int shared = f->shared, err;

	(void)first;
	fx_close(f);
	err = fx_open(f, shared);
	if (!err)
		err = map_2m(f);
	return err ? err : reads_2m(f);
}

/* MAP in a shared domain first checks nothing translates there. */
static int run_map_shared(struct fx *f)
{
	return map_2m(f);
}

/*
 * BATCH: a MAP, its walk and a DMA read of it in one call. The batch
 * copies no vector in whole, but each op makes what its ioctl makes.
 */
static uint32_t batch_done;

static int run_batch(struct fx *f)
{
	struct iommu_stress_batch_op ops[3] = {
		{ .op = IOMMU_STRESS_MAP, .map = {
			.size = sizeof(struct iommu_stress_map),
			.domain_id = f->dom.domain_id, .buf_id = f->big.buf_id,
			.iova = f->base, .length = SZ_2M,
			.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE } },
		{ .op = IOMMU_STRESS_IOVA_TO_PHYS, .iova_to_phys = {
			.size = sizeof(struct iommu_stress_iova_to_phys),
			.domain_id = f->dom.domain_id, .iova = f->base + 7 * SZ_4K } },
		{ .op = IOMMU_STRESS_DMA, .dma = {
			.size = sizeof(struct iommu_stress_dma),
			.domain_id = f->dom.domain_id, .dir = IOMMU_STRESS_DMA_READ,
			.iova = f->base + 5 * SZ_4K, .length = 4095,
			.buf_id = f->rd.buf_id } },
	};
	struct iommu_stress_batch b = {
		.size = sizeof(b), .ops = (uint64_t)(uintptr_t)ops, .nops = 3,
		.op_size = sizeof(ops[0]),
	};
	const struct iommu_stress_iova_to_phys *p = &ops[1].iova_to_phys;
	int err;

	memset(f->rdmem, 0xa5, SZ_4K);
	err = call(f->fd, IOMMU_STRESS_BATCH, &b);
	batch_done = b.done;
	/* What the ops that ran answered must be right, injected or not. */
	if (b.done >= 2 && (!(p->out_flags & IOMMU_STRESS_I2P_MAPPED) ||
			    p->buf_id != f->big.buf_id || p->offset != 7 * SZ_4K))
		f->wrong = 1;
	if (b.done == 3) {
		f->status = ops[2].dma.status;
		f->wrong |= !f->status && memcmp(f->rdmem, f->bigmem + 5 * SZ_4K, 4095);
	}
	return err;
}

/*
 * A batch that failed took effect up to the op it stopped at: the MAP is
 * there only if it ran. Then the whole batch, uninjected, works.
 */
static int works_batch(struct fx *f, int first)
{
	int err;

	/* A transfer an injection failed may say so, as its contract lets it. */
	if (f->wrong || !contract_allows_status(f->status))
		return EIO;
	if (!first)
		return reads_2m(f);
	f->status = 0;
	err = do_unmap(f, f->base, SZ_2M, 0);
	if (err != (batch_done ? 0 : ENOENT))
		return err ? err : EEXIST;
	err = run_batch(f);
	if (!err && batch_done != 3)
		err = EIO;
	return err ? err : f->wrong || f->status ? EIO : 0;
}

/* Steps that can simply be made again. */
static int again_info(struct fx *f, int first) { (void)first; return run_info(f); }
static int again_query(struct fx *f, int first) { (void)first; return run_query(f); }
static int again_i2p(struct fx *f, int first) { (void)first; return run_i2p(f); }
static int again_read(struct fx *f, int first) { (void)first; return reads_2m(f); }

#define ISTRESS_CMD(x) IOMMU_STRESS_##x
static const struct step steps[] = {
	{ "open", ISTRESS_ERRNO_CMD_OPEN, 0, nothing, run_open, works_open },
	{ "info", ISTRESS_CMD(INFO), 0, nothing, run_info, again_info },
	{ "target_query", ISTRESS_CMD(TARGET_QUERY), 0, nothing, run_query, again_query },
	{ "buf_alloc_4k", ISTRESS_CMD(BUF_ALLOC), 0, nothing, run_alloc_4k, works_alloc },
	{ "buf_alloc_2m", ISTRESS_CMD(BUF_ALLOC), 0, nothing, run_alloc_2m, works_alloc },
	{ "mmap", ISTRESS_ERRNO_CMD_MMAP, 0, nothing, run_mmap, works_mmap },
	{ "domain_create", ISTRESS_CMD(DOMAIN_CREATE), 0, destroy_dom, run_create, works_create },
	{ "map_4k", ISTRESS_CMD(MAP), 0, nothing, run_map_4k, works_map_4k },
	{ "map_2m", ISTRESS_CMD(MAP), 0, nothing, map_2m, works_map_2m },
	{ "unmap", ISTRESS_CMD(UNMAP), 0, map_2m, run_unmap, works_unmap },
	{ "unmap_part", ISTRESS_CMD(UNMAP), 0, map_4k_pages, run_unmap_part, works_unmap_part },
	{ "unmap_skip_sync", ISTRESS_CMD(UNMAP), 0, map_2m, run_unmap_skip, works_unmap_skip },
	{ "iova_to_phys", ISTRESS_CMD(IOVA_TO_PHYS), 0, map_2m, run_i2p, again_i2p },
	{ "dma_read", ISTRESS_CMD(DMA), 0, map_2m, run_dma_read, again_read },
	{ "dma_write", ISTRESS_CMD(DMA), 0, map_2m, run_dma_write, again_read },
	{ "batch", ISTRESS_CMD(BATCH), 0, nothing, run_batch, works_batch },
	{ "buf_free", ISTRESS_CMD(BUF_FREE), 0, nothing, run_buf_free, works_buf_free },
	{ "domain_destroy", ISTRESS_CMD(DOMAIN_DESTROY), 0, prepare_close, run_destroy, works_destroy },
	{ "close", ISTRESS_ERRNO_CMD_ANY, 0, prepare_close, run_close, works_close },
	{ "shared_create", ISTRESS_CMD(DOMAIN_CREATE), 1, destroy_dom, run_create, works_create },
	{ "shared_map", ISTRESS_CMD(MAP), 1, nothing, run_map_shared, works_map_2m },
	{ "shared_unmap", ISTRESS_CMD(UNMAP), 1, map_2m, run_unmap, works_unmap },
	{ "shared_dma_read", ISTRESS_CMD(DMA), 1, map_2m, run_dma_read, again_read },
	{ "shared_close", ISTRESS_ERRNO_CMD_ANY, 1, prepare_close, run_close, works_close },
};

/* What a sweep of one step found. */
struct sweep {
	unsigned int points;		/* injections the step reached */
	unsigned int absorbed;		/* injected, and it succeeded anyway */
	struct contract_tally tally;
};

/*
 * Fails the 1st, 2nd, ... injection point of @s until a run passes them
 * all; every run starts from a fresh session in the step's state.
 */
static void sweep(struct ktest_meta *_ktest, const struct step *s,
		  struct sweep *out)
{
	int row = contract_index(s->cmd);
	struct fx f;

	if (s->cmd == ISTRESS_ERRNO_CMD_MMAP)
		row = CONTRACT_ROW_MMAP;
	else if (s->cmd == ISTRESS_ERRNO_CMD_OPEN)
		row = CONTRACT_ROW_OPEN;
	memset(out, 0, sizeof(*out));
	for (unsigned int nth = 1; nth <= MAX_NTH; nth++) {
		int err, injected, works;

		ASSERT_ERRNO(0, fx_open(&f, s->shared));
		ASSERT_ERRNO(0, s->prepare(&f));
		kmsg(s->name, nth);
		nth_arm(nth);
		f.status = 0;
		f.wrong = 0;
		err = s->run(&f);
		injected = nth_disarm();
		contract_count(&out->tally, row, err);
		if (s->cmd == IOMMU_STRESS_DMA && !err) {
			contract_count(&out->tally, CONTRACT_ROW_STATUS, (int)f.status);
			if (!contract_allows_status(f.status))
				ktest_fail_at(_ktest, __FILE__, __LINE__,
					      "%s, allocation %u failed: DMA status %u, which the contract does not list",
					      s->name, nth, f.status);
			if (f.wrong)
				ktest_fail_at(_ktest, __FILE__, __LINE__,
					      "%s, allocation %u failed: the DMA went through and read other data",
					      s->name, nth);
		}
		if (!injected) {
			/* Past the last allocation: the step as it is, uninjected. */
			EXPECT_ERRNO(0, err);
			EXPECT_EQ(0u, f.status);
			out->points = nth - 1;
			fx_close(&f);
			return;
		}
		if (!err)
			out->absorbed++;
		if (s->cmd != ISTRESS_ERRNO_CMD_ANY && !contract_allows(s->cmd, err))
			ktest_fail_at(_ktest, __FILE__, __LINE__,
				      "%s, allocation %u failed: %s, which the contract does not list",
				      s->name, nth, ktest_errname(err));
		works = s->works(&f, err);
		if (works)
			ktest_fail_at(_ktest, __FILE__, __LINE__,
				      "%s, allocation %u failed (answer %s): uninjected, it then answers %s",
				      s->name, nth, ktest_errname(err), ktest_errname(works));
		fx_close(&f);
	}
	ktest_fail_at(_ktest, __FILE__, __LINE__, "%s: still failing at allocation %u",
		      s->name, MAX_NTH);
}

static char **only;
static int nonly;
static const char *except = "";

/* Whether @name is in the comma-separated @list. */
static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

static int selected(const char *name)
{
	if (listed(except, name))
		return 0;
	if (!nonly)
		return 1;
	for (int i = 0; i < nonly; i++)
		if (!strcmp(only[i], name))
			return 1;
	return 0;
}

TEST(failnth, "fault injection: every allocation of every step fails in turn; each failure an errno of the contract, the session works after")
{
	struct contract_tally sum = { 0 };
	unsigned int total = 0, absorbed = 0, swept = 0;
	int fd = mod_open();

	ASSERT_LE(0, fd);
	ASSERT_ERRNO(0, free_target(fd, IOMMU_STRESS_BACKEND_EDU, edu));
	mod_close(fd);
	if (access("/proc/self/fail-nth", F_OK))
		SKIP(return, "this kernel has no fail-nth (CONFIG_FAULT_INJECTION)");
	ASSERT_ERRNO(0, injection_setup());
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];
		struct sweep r;

		if (!selected(s->name) || (s->shared && !channel))
			continue;
		sweep(_ktest, s, &r);
		TH_LOG("%-16s %3u allocations failed in turn, %u of them absorbed",
		       s->name, r.points, r.absorbed);
		total += r.points;
		absorbed += r.absorbed;
		swept++;
		contract_add(&sum, &r.tally);
	}
	contract_print(&sum);
	TH_LOG("failnth: %u steps, %u injected failures, %u absorbed, %u distinct outcomes",
	       swept, total, absorbed, contract_distinct(&sum));
	EXPECT_LT(0u, swept);
	EXPECT_LT(0u, total);
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--channel"))
			channel = argv[i + 1];
		else if (!strcmp(argv[i], "--except"))
			except = argv[i + 1];
		else
			break;
	}
	only = argv + i;
	nonly = argc - i;
	ktest_timeout = 0;
	return ktest_run(0, NULL);
}
