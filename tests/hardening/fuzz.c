// SPDX-License-Identifier: GPL-2.0
/*
 * Random and mutated ioctl sequences from several threads, racing on two
 * shared sessions: valid calls in random order (so ids, mappings and DMA
 * interleave), valid calls with one field broken, BATCH vectors of such
 * ops (their header or an op broken too), and raw garbage. The
 * module must answer every one with a result or an errno; the VM harness
 * then requires a guest log without WARN, BUG, oops or poison reports,
 * and a fresh session must still read correct data afterwards.
 *
 * Usage: hardening-fuzz [--threads N] [--ops N] [--seed N] [--target NAME]
 * --target fuzzes that target (e.g. a dmaengine channel, whose domain is
 * shared) instead of the first one the module lists. --seed N: each thread
 * draws from its own stream of the tool's generator (tool/lib/rng.c) for
 * N, so a seed and thread count give every thread the same draws again.
 */
#include <pthread.h>
#include <stdlib.h>

#include "common.h"
#include "rng.h"

#define SZ_4K		0x1000ull
#define SZ_2M		0x200000ull
#define MAX_ERRNO	200

static int fds[2];
static char target[IOMMU_STRESS_NAME_LEN];
/* Where a shared domain's range starts (0: the target is not shared). */
static uint64_t range_start;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long outcome[MAX_ERRNO];
static unsigned long total;

/* IOVAs where things happen: low pages, 2M/1G edges, MSI, window, top. */
static uint64_t some_iova(struct rng *r, const struct iommu_stress_domain_create *d)
{
	const uint64_t spots[] = {
		0, SZ_2M, 1ull << 30, 0xfee00000ull, d->window_iova,
		d->aperture_end & ~(SZ_2M - 1), 1ull << 39, ~0ull & ~0xfffull,
		range_start, range_start + (1ull << 30), range_start + SZ_2M,
	};
	uint64_t base = spots[rng_below(r, sizeof(spots) / sizeof(spots[0]))];

	switch (rng_below(r, 4)) {
	case 0: return base;
	case 1: return base + rng_below(r, 16) * SZ_4K;
	case 2: return base - rng_below(r, 16) * SZ_4K;
	default: return rng_next(r) & ~0xfffull;
	}
}

static uint64_t some_len(struct rng *r)
{
	switch (rng_below(r, 5)) {
	case 0: return SZ_4K * (1 + rng_below(r, 8));
	case 1: return SZ_2M * (1 + rng_below(r, 2));
	case 2: return 0;
	case 3: return rng_next(r);
	default: return SZ_4K;
	}
}

static uint32_t some_id(struct rng *r)
{
	return rng_below(r, 8) ? (uint32_t)rng_below(r, 6) : (uint32_t)rng_next(r);
}

/* One field of the argument broken at random, sometimes. */
static void mutate(struct rng *r, void *arg, size_t len)
{
	if (rng_below(r, 4))
		return;
	if (rng_below(r, 2))
		((unsigned char *)arg)[rng_below(r, len)] = (unsigned char)rng_next(r);
	else
		*(uint32_t *)arg = (uint32_t)rng_below(r, 2 * len + 16);
}

static void count(int err)
{
	pthread_mutex_lock(&count_lock);
	outcome[err < MAX_ERRNO ? err : 0]++;
	total++;
	pthread_mutex_unlock(&count_lock);
}

/* The ops a BATCH may hold: the union of the entry. */
union batchable {
	struct iommu_stress_map map;
	struct iommu_stress_unmap unmap;
	struct iommu_stress_iova_to_phys i2p;
	struct iommu_stress_dma dma;
};

/*
 * A random MAP, UNMAP, IOVA_TO_PHYS or DMA (@kind 0 to 5) in @a, its size
 * set; the ioctl, or 0 to send nothing (DMA is kept rare).
 */
static unsigned long batchable_op(struct rng *r, unsigned int kind,
				  const struct iommu_stress_domain_create *dom,
				  union batchable *a)
{
	switch (kind) {
	case 0: case 1:
		a->map.size = sizeof(a->map);
		a->map.domain_id = some_id(r);
		a->map.buf_id = some_id(r);
		a->map.iova = some_iova(r, dom);
		a->map.length = some_len(r);
		a->map.offset = rng_below(r, 4) * SZ_4K;
		a->map.prot = 1 + (uint32_t)rng_below(r, 3);
		a->map.flags = rng_below(r, 8) ? 0 : IOMMU_STRESS_MAP_OVERLAP;
		return IOMMU_STRESS_MAP;
	case 2: case 3:
		a->unmap.size = sizeof(a->unmap);
		a->unmap.domain_id = some_id(r);
		a->unmap.iova = some_iova(r, dom);
		a->unmap.length = some_len(r);
		a->unmap.flags = rng_below(r, 2) ? IOMMU_STRESS_UNMAP_SKIP_SYNC : 0;
		return IOMMU_STRESS_UNMAP;
	case 4:
		a->i2p.size = sizeof(a->i2p);
		a->i2p.domain_id = some_id(r);
		a->i2p.iova = some_iova(r, dom);
		return IOMMU_STRESS_IOVA_TO_PHYS;
	default:
		/* DMA costs 200 ms of guest time on edu: keep it rare. */
		if (rng_below(r, 8))
			return 0;
		a->dma.size = sizeof(a->dma);
		a->dma.domain_id = some_id(r);
		a->dma.buf_id = some_id(r);
		a->dma.dir = (uint32_t)rng_below(r, 4);
		a->dma.iova = some_iova(r, dom);
		a->dma.length = rng_below(r, 2) ? 1 + rng_below(r, 4095) : rng_below(r, 1 << 20);
		a->dma.buf_offset = rng_below(r, 2) ? 0 : rng_below(r, 8192);
		return IOMMU_STRESS_DMA;
	}
}

/*
 * Where a thread's BATCH vectors live: room for the most ops at the
 * largest stride the module takes, so a broken count or stride reads and
 * writes only here (zeros, or what earlier batches left: ops all the
 * same), never the thread's stack.
 */
#define VECTOR_BYTES	((size_t)IOMMU_STRESS_BATCH_MAX_OPS * 4096)
/* A vector address nothing can map: the kernel's half. */
#define WILD_VECTOR	0xffff888000000000ull

/*
 * A thread's DIRTY_READ bitmap, with an inaccessible page after it: the
 * module zeroes as many words as the range has pages, so a long range
 * stops at the guard (-EFAULT) instead of in the thread's memory.
 */
#define BITMAP_BYTES	(16 * SZ_4K)

static uint64_t *bitmap_area(void)
{
	unsigned char *p = mmap(NULL, BITMAP_BYTES + SZ_4K, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || mprotect(p, BITMAP_BYTES, PROT_READ | PROT_WRITE)) {
		perror("hardening-fuzz: mmap of a DIRTY_READ bitmap");
		abort();
	}
	return (uint64_t *)p;
}

/*
 * A BATCH of up to 8 such ops, each sometimes broken, sometimes not one
 * a batch takes; its header sometimes broken too (the mutation of the
 * caller), or the vector's address wild.
 */
static unsigned long batch(struct rng *r, const struct iommu_stress_domain_create *dom,
			   struct iommu_stress_batch *b,
			   struct iommu_stress_batch_op *ops, unsigned int max)
{
	unsigned int n = 1 + (unsigned int)rng_below(r, max);

	for (unsigned int i = 0; i < n; i++) {
		union batchable a;
		unsigned long cmd;

		memset(&a, 0, sizeof(a));
		memset(&ops[i], 0, sizeof(ops[i]));
		cmd = batchable_op(r, (unsigned int)rng_below(r, 6), dom, &a);
		if (!cmd || !rng_below(r, 16))
			cmd = rng_below(r, 2) ? _IO(IOMMU_STRESS_TYPE, rng_below(r, 16)) : rng_next(r);
		ops[i].op = (uint32_t)cmd;
		memcpy(&ops[i].map, &a, sizeof(a));
		mutate(r, &ops[i].map, sizeof(ops[i].__space));
	}
	b->ops = rng_below(r, 32) ? (uint64_t)(uintptr_t)ops : rng_below(r, 2) ? 0 : WILD_VECTOR;
	b->nops = n;
	b->op_size = sizeof(ops[0]);
	return IOMMU_STRESS_BATCH;
}

static void one_op(struct rng *r, int fd, struct iommu_stress_domain_create *dom,
		   struct iommu_stress_batch_op *vector, uint64_t *bitmap)
{
	union {
		struct iommu_stress_info info;
		struct iommu_stress_buf_alloc alloc;
		struct iommu_stress_buf_free bfree;
		struct iommu_stress_domain_create create;
		struct iommu_stress_domain_destroy destroy;
		struct iommu_stress_map map;
		struct iommu_stress_unmap unmap;
		struct iommu_stress_iova_to_phys i2p;
		struct iommu_stress_dma dma;
		struct iommu_stress_target_query query;
		struct iommu_stress_batch batch;
		struct iommu_stress_dirty_switch dirty_switch;
		struct iommu_stress_dirty_read dirty_read;
		union batchable op;
		unsigned char raw[8192];
	} a;
	unsigned long cmd;
	size_t len;

	memset(&a, 0, sizeof(a));
	switch (rng_below(r, 16)) {
	case 0:
		cmd = IOMMU_STRESS_INFO;
		len = sizeof(a.info);
		break;
	case 1:
		cmd = IOMMU_STRESS_BUF_ALLOC;
		len = sizeof(a.alloc);
		/* 1G now and then: EPERM unless allow_1g_leaves=1. */
		a.alloc.chunk_size = !rng_below(r, 8) ? IOMMU_STRESS_CHUNK_1G :
				     rng_below(r, 2) ? IOMMU_STRESS_CHUNK_4K : IOMMU_STRESS_CHUNK_2M;
		a.alloc.length = a.alloc.chunk_size * (1 + rng_below(r, 2));
		a.alloc.node = rng_below(r, 4) ? IOMMU_STRESS_NODE_ANY : (int)rng_below(r, 3);
		break;
	case 2:
		cmd = IOMMU_STRESS_BUF_FREE;
		len = sizeof(a.bfree);
		a.bfree.buf_id = some_id(r);
		break;
	case 3:
		cmd = IOMMU_STRESS_DOMAIN_CREATE;
		len = sizeof(a.create);
		strcpy(a.create.target, rng_below(r, 4) ? target : "edu:garbage");
		/* Dirty tracking: refused where the kernel or IOMMU lacks it. */
		if (!rng_below(r, 4))
			a.create.flags = IOMMU_STRESS_DOMAIN_CREATE_DIRTY;
		/* A shared domain's range: default, near its spots, or wild. */
		if (range_start && rng_below(r, 2)) {
			a.create.range_start = some_iova(r, dom);
			a.create.range_last = a.create.range_start + some_len(r) - 1;
		}
		break;
	case 4:
		cmd = IOMMU_STRESS_DOMAIN_DESTROY;
		len = sizeof(a.destroy);
		a.destroy.domain_id = some_id(r);
		break;
	case 5: case 6: case 7: case 8: case 9: case 10:
		cmd = batchable_op(r, (unsigned int)rng_below(r, 6), dom, &a.op);
		if (!cmd)
			return;
		len = a.info.size;
		break;
	case 11:
		cmd = IOMMU_STRESS_TARGET_QUERY;
		len = sizeof(a.query);
		strcpy(a.query.name, rng_below(r, 2) ? target : "dma:garbage");
		break;
	case 12:
		len = sizeof(a.batch);
		cmd = batch(r, dom, &a.batch, vector, 8);
		break;
	case 13:
		cmd = rng_below(r, 2) ? IOMMU_STRESS_DIRTY_START : IOMMU_STRESS_DIRTY_STOP;
		len = sizeof(a.dirty_switch);
		a.dirty_switch.domain_id = some_id(r);
		break;
	case 14:
		cmd = IOMMU_STRESS_DIRTY_READ;
		len = sizeof(a.dirty_read);
		a.dirty_read.domain_id = some_id(r);
		a.dirty_read.iova = some_iova(r, dom);
		a.dirty_read.length = some_len(r);
		a.dirty_read.page_size = rng_below(r, 4) ? SZ_4K : rng_below(r, 2) ? SZ_2M : rng_next(r);
		a.dirty_read.flags = rng_below(r, 4) ? 0 : IOMMU_STRESS_DIRTY_READ_NO_CLEAR;
		a.dirty_read.bitmap = rng_below(r, 16) ? (uint64_t)(uintptr_t)bitmap : 0;
		break;
	default:
		/* Garbage: a random number of ours or not, random bytes. */
		cmd = rng_below(r, 2) ? _IO(IOMMU_STRESS_TYPE, rng_below(r, 16)) : (unsigned long)rng_next(r);
		len = rng_below(r, 512);
		for (size_t i = 0; i < len; i++)
			a.raw[i] = (unsigned char)rng_next(r);
		a.info.size = (uint32_t)len;
		count(call(fd, cmd, &a));
		return;
	}
	a.info.size = (uint32_t)len;
	mutate(r, &a, len);
	/* A vector address one byte off may be the thread's own memory. */
	if (cmd == IOMMU_STRESS_BATCH && a.batch.ops &&
	    a.batch.ops != (uint64_t)(uintptr_t)vector)
		a.batch.ops = WILD_VECTOR;
	/* So may a bitmap address, which the module zeroes. */
	if (cmd == IOMMU_STRESS_DIRTY_READ && a.dirty_read.bitmap &&
	    a.dirty_read.bitmap != (uint64_t)(uintptr_t)bitmap)
		a.dirty_read.bitmap = WILD_VECTOR;
	count(call(fd, cmd, &a));
}

/* mmap/munmap at random offsets of the session. */
static void one_mmap(struct rng *r, int fd)
{
	size_t len = SZ_4K * (1 + rng_below(r, 4));
	void *p = mod_mmap(len, PROT_READ | PROT_WRITE,
			   rng_below(r, 8) ? MAP_SHARED : MAP_PRIVATE, fd,
			   (off_t)(rng_below(r, 64) * SZ_4K));

	if (p != MAP_FAILED) {
		((volatile unsigned char *)p)[rng_below(r, len)] = 1;
		mod_munmap(p, len);
	}
}

/* A shared domain's default range start, from a session of its own. */
static uint64_t shared_range_start(const char *name)
{
	struct iommu_stress_domain_create d = { .size = sizeof(d) };
	int fd = mod_open();
	uint64_t start = 0;

	snprintf(d.target, sizeof(d.target), "%s", name);
	if (fd >= 0 && !call(fd, IOMMU_STRESS_DOMAIN_CREATE, &d) &&
	    d.out_flags & IOMMU_STRESS_DOMAIN_SHARED)
		start = d.range_start;
	if (fd >= 0)
		mod_close(fd);
	return start;
}

struct thread_arg {
	int id;
	unsigned long ops;
	uint64_t seed;
};

static void *fuzz_thread(void *p)
{
	struct thread_arg *t = p;
	struct rng r;
	struct iommu_stress_domain_create dom = { 0 };
	int fd = fds[t->id % 2];
	struct iommu_stress_batch_op *vector;
	uint64_t *bitmap = bitmap_area();

	rng_init(&r, t->seed, RNG_OPS, (unsigned int)t->id);
	vector = mmap(NULL, VECTOR_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vector == MAP_FAILED) {
		perror("hardening-fuzz: mmap of a BATCH vector");
		abort();
	}

	/* Where the module puts its window on a 39-bit IOMMU (QEMU's default). */
	dom.size = sizeof(dom);
	strcpy(dom.target, target);
	dom.aperture_end = (1ull << 39) - 1;
	dom.window_iova = (1ull << 39) - SZ_2M;
	for (unsigned long i = 0; i < t->ops; i++) {
		if (rng_below(&r, 64) == 0)
			one_mmap(&r, fd);
		else
			one_op(&r, fd, &dom, vector, bitmap);
	}
	munmap(vector, VECTOR_BYTES);
	munmap(bitmap, BITMAP_BYTES + SZ_4K);
	return NULL;
}

static unsigned long nops = 20000, nthreads = 4, seed = 1;
static const char *fuzz_target;

TEST(fuzzer, "fuzzer: random and mutated ioctls from several threads, success and errors both reached")
{
	struct iommu_stress_info info;
	pthread_t th[16];
	struct thread_arg ta[16];
	const char *t = fuzz_target;
	unsigned int distinct = 0;

	for (int i = 0; i < 2; i++) {
		fds[i] = mod_open();
		ASSERT_LE(0, fds[i]);
	}
	if (!t)
		t = first_target(fds[0], &info);
	ASSERT_TRUE(t != NULL);
	snprintf(target, sizeof(target), "%s", t);
	range_start = shared_range_start(target);

	for (unsigned long i = 0; i < nthreads; i++) {
		ta[i] = (struct thread_arg){ .id = (int)i, .ops = nops, .seed = seed };
		pthread_create(&th[i], NULL, fuzz_thread, &ta[i]);
	}
	for (unsigned long i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	mod_close(fds[0]);
	mod_close(fds[1]);

	TH_LOG("fuzz: %lu ioctls from %lu threads, seed %lu", total, nthreads, seed);
	for (int e = 0; e < MAX_ERRNO; e++) {
		if (!outcome[e])
			continue;
		distinct++;
		TH_LOG("  %-14s %lu", ktest_errname(e), outcome[e]);
	}
	/* Random input that never succeeds or never fails reached nothing. */
	TH_LOG("%lu ioctls, %u distinct outcomes", total, distinct);
	EXPECT_LT(0ul, outcome[0]);
	EXPECT_LT(5u, distinct);
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--threads"))
			nthreads = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--ops"))
			nops = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--target"))
			fuzz_target = argv[i + 1];
	}
	if (nthreads < 1 || nthreads > 16)
		nthreads = 4;
	/* 80,000 ioctls take minutes in the VM: no limit but the VM's. */
	ktest_timeout = 0;
	return ktest_run(0, NULL);
}
