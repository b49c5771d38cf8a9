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
 * DMA-API domain.
 * Prints TAP and "N passed, N failed"; exit 0 when all passed, 2 on a
 * setup failure. --close-only runs just the after-close checks, for their
 * negative control (a test build that leaves mappings behind).
 * --passthrough checks the refusal of a channel whose device is on an
 * identity domain.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#define SZ_4K	0x1000ull
#define SZ_2M	0x200000ull
#define SZ_1G	0x40000000ull
#define SZ_4G	0x100000000ull
#define NPAGES	512			/* one 2M buffer */

static struct tap T;

static void expect(const char *name, int want, int got)
{
	char detail[64];

	snprintf(detail, sizeof(detail), "%s, want %s", errname(got),
		 errname(want));
	tap_check(&T, want == got, " (%s)", name, want == got ? NULL : detail);
}

static void ok(const char *name, int cond)
{
	tap_check(&T, cond, "%s", name, NULL);
}

static int xopen(void)
{
	int fd = open(IOMMU_STRESS_DEVICE, O_RDWR);

	if (fd < 0) {
		perror(IOMMU_STRESS_DEVICE);
		exit(2);
	}
	return fd;
}

static int query(int fd, const char *name, struct iommu_stress_target_query *q)
{
	memset(q, 0, sizeof(*q));
	q->size = sizeof(*q);
	snprintf(q->name, sizeof(q->name), "%s", name);
	return call(fd, IOMMU_STRESS_TARGET_QUERY, q);
}

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

/* A 2M buffer of 4K chunks, every byte of page p set to p + 1. */
static uint32_t buffer(int fd)
{
	struct iommu_stress_buf_alloc a = {
		.size = sizeof(a), .length = NPAGES * SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	unsigned char *mem;

	if (call(fd, IOMMU_STRESS_BUF_ALLOC, &a))
		exit(2);
	mem = mmap(NULL, NPAGES * SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED,
		   fd, (off_t)a.mmap_offset);
	if (mem == MAP_FAILED)
		exit(2);
	for (unsigned int p = 0; p < NPAGES; p++)
		memset(mem + p * SZ_4K, (int)(p + 1), SZ_4K);
	munmap(mem, NPAGES * SZ_4K);
	return a.buf_id;
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

/* The first byte of page @page of @buf, as the CPU sees it. */
static int peek(int fd, uint32_t buf, uint64_t mmap_off, unsigned int page)
{
	unsigned char *mem = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, fd,
				  (off_t)(mmap_off + page * SZ_4K));
	int v;

	if (mem == MAP_FAILED)
		return -1;
	v = mem[0];
	for (unsigned int i = 1; i < SZ_4K; i++)
		if (mem[i] != v)
			v = -2;		/* not one value: foreign data */
	munmap(mem, SZ_4K);
	(void)buf;
	return v;
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
static void check_pinned(int fd, const struct iommu_stress_domain_create *d,
			 uint32_t buf, uint64_t iova)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .domain_id = d->domain_id,
		.iova = iova, .length = SZ_2M,
	};
	struct dma_job j = { .fd = fd, .dom = d->domain_id, .buf = buf,
			     .iova = iova + SZ_4K };
	pthread_t th;

	pthread_create(&th, NULL, dma_write_job, &j);
	usleep(10000);
	expect("UNMAP of a mapping while a DMA uses it waits (EBUSY)", EBUSY,
	       call(fd, IOMMU_STRESS_UNMAP, &u));
	pthread_join(th, NULL);
	expect("... and the DMA completes", 0, j.ret);
	expect("UNMAP once the DMA is done", 0, call(fd, IOMMU_STRESS_UNMAP, &u));
}

/* A 1-page readback buffer; returns its id, *off its mmap offset. */
static uint32_t readback(int fd, uint64_t *off)
{
	struct iommu_stress_buf_alloc a = {
		.size = sizeof(a), .length = SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};

	if (call(fd, IOMMU_STRESS_BUF_ALLOC, &a))
		exit(2);
	*off = a.mmap_offset;
	return a.buf_id;
}

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

static void check_query(int fd, const char *chan,
			struct iommu_stress_target_query *q)
{
	struct iommu_stress_target_query bad;
	int err = query(fd, chan, q);

	expect("TARGET_QUERY of the channel", 0, err);
	ok("TARGET_QUERY: dmaengine backend, a device, a driver, an IOMMU group",
	   q->backend == IOMMU_STRESS_BACKEND_DMAENGINE && q->device[0] &&
	   q->driver[0] && q->iommu_group >= 0);
	ok("TARGET_QUERY: the device is on a DMA-API domain",
	   q->domain_type == IOMMU_STRESS_DOMTYPE_DMA ||
	   q->domain_type == IOMMU_STRESS_DOMTYPE_DMA_FQ);
	expect("TARGET_QUERY: unknown channel", ENODEV,
	       query(fd, "dma99chan99", &bad));
	bad.flags = 1;
	expect("TARGET_QUERY: unknown flag", EOPNOTSUPP,
	       call(fd, IOMMU_STRESS_TARGET_QUERY, &bad));
}

static void check_ranges(const char *chan, const char *edu, uint64_t free)
{
	struct iommu_stress_domain_create d;
	int fd = xopen();

	expect("range: start not 2M-aligned", EINVAL,
	       create(fd, chan, SZ_4G + SZ_4K, SZ_4G + 2 * SZ_2M - 1, &d));
	expect("range: last before start", EINVAL,
	       create(fd, chan, 2 * SZ_4G, SZ_4G - 1, &d));
	expect("range: beyond the aperture", ERANGE,
	       create(fd, chan, SZ_4G, (1ull << 57) - 1, &d));
	expect("range: below 4 GiB, where the DMA API allocates first", ERANGE,
	       create(fd, chan, 0xfe000000ull, 0x1ffffffffull, &d));
	/* q35 with 1 GiB of RAM puts its 64-bit PCI window at [4G, 36G). */
	expect("range: over the PCI host bridge's 64-bit window", EADDRNOTAVAIL,
	       create(fd, chan, 2 * SZ_4G, 3 * SZ_4G - 1, &d));
	if (edu)
		expect("range: given for an edu target", EINVAL,
		       create(fd, edu, SZ_4G, 2 * SZ_4G - 1, &d));
	expect("range: the channel is free again after all those", 0,
	       create(fd, chan, free + SZ_4G, free + SZ_4G + 64 * SZ_2M - 1, &d));
	ok("range: as asked", d.range_start == free + SZ_4G &&
	   d.range_last == free + SZ_4G + 64 * SZ_2M - 1);
	close(fd);
}

/*
 * @other shares @chan's domain: a range over the first session's bounce
 * page (a DMA-API mapping the second session knows nothing of) must not be
 * mapped over.
 */
static void check_collision(const char *chan, const char *other)
{
	struct iommu_stress_domain_create a, b;
	uint64_t rb_off, win, lo;
	uint32_t rb, buf;
	int fa = xopen(), fb = xopen();

	if (create(fa, chan, 0, 0, &a) || !a.window_len) {
		ok("collision: setup", 0);
		goto out;
	}
	expect("collision: second session of the domain, default range", 0,
	       create(fb, other, 0, 0, &b));
	printf("# shared domain: first range [%#llx, %#llx], second [%#llx, %#llx]\n",
	       (unsigned long long)a.range_start, (unsigned long long)a.range_last,
	       (unsigned long long)b.range_start, (unsigned long long)b.range_last);
	ok("collision: the two sessions' ranges do not meet",
	   b.range_start > a.range_last || b.range_last < a.range_start);
	close(fb);
	fb = xopen();
	expect("collision: a range over the other session's range refused",
	       EADDRNOTAVAIL, create(fb, other, a.range_start,
				     a.range_start + SZ_2M - 1, &b));
	/*
	 * The first session's bounce page is a DMA-API mapping the second
	 * knows nothing of. Booted with iommu.forcedac=1, the DMA API
	 * allocates from the top of the aperture, above 4 GiB.
	 */
	win = a.window_iova & ~(SZ_4K - 1);
	lo = win & ~(SZ_2M - 1);
	if (lo < SZ_4G) {
		ok("collision: the DMA API allocated above 4 GiB (boot with iommu.forcedac=1)", 0);
		goto out;
	}
	expect("collision: a range over the first session's DMA-API page", 0,
	       create(fb, other, lo, lo + SZ_2M - 1, &b));
	buf = buffer(fb);
	expect("collision: map over the DMA API's page refused", EADDRINUSE,
	       map(fb, b.domain_id, buf, win, SZ_4K, 0));
	{
		struct iommu_stress_unmap u = {
			.size = sizeof(u), .domain_id = b.domain_id,
			.iova = win, .length = SZ_4K,
		};

		expect("collision: unmap of the DMA API's page refused (not the session's)", ENOENT,
		       call(fb, IOMMU_STRESS_UNMAP, &u));
	}
	/* The first session's own DMA still goes through its page. */
	rb = readback(fa, &rb_off);
	buf = buffer(fa);
	expect("collision: first session maps in its range", 0,
	       map(fa, a.domain_id, buf, a.range_start, SZ_2M, 0));
	expect("collision: first session's DMA still works", 0,
	       dma(fa, a.domain_id, IOMMU_STRESS_DMA_READ, a.range_start + 7 * SZ_4K, rb, 0));
	ok("collision: and reads the right page", peek(fa, rb, rb_off, 0) == 8);
out:
	close(fb);
	close(fa);
}

/*
 * Without dma_unmapped_reads, a channel reads and writes only what the
 * session mapped, and UNMAP takes back only that.
 */
static void check_no_unmapped_reads(const char *chan)
{
	struct iommu_stress_domain_create d;
	struct iommu_stress_unmap u = { .size = sizeof(u) };
	uint64_t rb_off;
	uint32_t rb, buf;
	int fd = xopen();

	if (create(fd, chan, 0, 0, &d)) {
		ok("no unmapped reads: setup", 0);
		close(fd);
		return;
	}
	ok("no unmapped reads: the module says so",
	   !(d.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS));
	rb = readback(fd, &rb_off);
	buf = buffer(fd);
	map(fd, d.domain_id, buf, d.range_start + SZ_2M, SZ_2M, 0);
	expect("no unmapped reads: a read of an unmapped IOVA refused", EACCES,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start, rb, 0));
	expect("no unmapped reads: a read across the mapping's edge refused", EACCES,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start + 2 * SZ_2M, rb, 0));
	expect("no unmapped reads: a read of the mapping works", 0,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start + SZ_2M, rb, 0));
	ok("no unmapped reads: and brings back its page", peek(fd, rb, rb_off, 0) == 1);
	u.domain_id = d.domain_id;
	u.iova = d.range_start;
	u.length = 2 * SZ_2M;
	expect("UNMAP across a gap where nothing translates", 0,
	       call(fd, IOMMU_STRESS_UNMAP, &u));
	ok("UNMAP: the driver unmapped the whole mapping", u.unmapped >= SZ_2M);
	expect("UNMAP: nothing left there", ENOENT, call(fd, IOMMU_STRESS_UNMAP, &u));

	/*
	 * An UNMAP from 4K into an empty 2M block of the range's last 1G:
	 * the driver would clear 2M from there and go on 4K into every next
	 * block, so 4K past the range's end, where the DMA API's own pages
	 * may be. Refused; the mapping at the end unmaps on its own.
	 */
	map(fd, d.domain_id, buf, d.range_last + 1 - SZ_4K, SZ_4K, 0);
	u.iova = d.range_last + 1 - SZ_1G + SZ_4K;
	u.length = SZ_1G - SZ_4K;
	expect("UNMAP whose driver reach passes the range's end refused (ERANGE)",
	       ERANGE, call(fd, IOMMU_STRESS_UNMAP, &u));
	u.iova = d.range_last + 1 - SZ_4K;
	u.length = SZ_4K;
	expect("UNMAP of the mapping at the range's end alone", 0,
	       call(fd, IOMMU_STRESS_UNMAP, &u));
	close(fd);
}

/* A session closed with live mappings leaves nothing translating. */
static void check_close(const char *chan)
{
	struct iommu_stress_domain_create d;
	struct iommu_stress_iova_to_phys w = { .size = sizeof(w) };
	uint64_t rb_off, iova;
	uint32_t rb, buf;
	int fd = xopen(), v;

	if (create(fd, chan, 0, 0, &d)) {
		ok("close: setup", 0);
		close(fd);
		return;
	}
	iova = d.range_start + 16 * SZ_2M;
	rb = readback(fd, &rb_off);
	buf = buffer(fd);
	map(fd, d.domain_id, buf, iova, SZ_2M, 0);
	/* Warm the IOTLB: a missing flush at close would leave this entry. */
	dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, iova, rb, 0);
	ok("close: the mapping reads before close", peek(fd, rb, rb_off, 0) == 1);
	close(fd);

	fd = xopen();
	if (create(fd, chan, 0, 0, &d)) {
		ok("close: a new session on the channel", 0);
		close(fd);
		return;
	}
	w.domain_id = d.domain_id;
	w.iova = iova;
	expect("close: IOVA_TO_PHYS after close", 0,
	       call(fd, IOMMU_STRESS_IOVA_TO_PHYS, &w));
	ok("close: the driver's table no longer maps the old IOVA",
	   !(w.out_flags & IOMMU_STRESS_I2P_MAPPED));
	rb = readback(fd, &rb_off);
	v = dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, iova, rb, 0);
	/* edu reads zeros on a fault; real engines fail the transfer. */
	ok("close: the device no longer reaches the old pages (no stale IOTLB)",
	   v == EIO || (v == 0 && peek(fd, rb, rb_off, 0) == 0));
	close(fd);
}

int main(int argc, char **argv)
{
	struct iommu_stress_info info = { .size = sizeof(info) };
	struct iommu_stress_target_query q;
	struct iommu_stress_domain_create d, d2;
	const char *chan, *edu = NULL;
	uint64_t rb_off;
	uint32_t rb, buf;
	int fd, fd2;

	if (argc == 3 && !strcmp(argv[1], "--close-only")) {
		check_close(argv[2]);
		return tap_finish(&T);
	}
	if (argc == 3 && !strcmp(argv[1], "--no-unmapped-reads")) {
		check_no_unmapped_reads(argv[2]);
		return tap_finish(&T);
	}
	if (argc == 3 && !strcmp(argv[1], "--passthrough")) {
		fd = xopen();
		expect("TARGET_QUERY on a passthrough channel", 0,
		       query(fd, argv[2], &q));
		ok("TARGET_QUERY: the domain is identity",
		   q.domain_type == IOMMU_STRESS_DOMTYPE_IDENTITY);
		expect("DOMAIN_CREATE on a passthrough channel refused", EOPNOTSUPP,
		       create(fd, argv[2], 0, 0, &d));
		ok("INFO: the channel is free again after the refusal",
		   listed_busy(fd, argv[2]) == 0);
		return tap_finish(&T);
	}
	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s CHANNEL [CHANNEL-A CHANNEL-B] | --close-only CHANNEL | --passthrough CHANNEL | --no-unmapped-reads CHANNEL\n",
			argv[0]);
		return 2;
	}
	chan = argv[1];
	fd = xopen();
	if (call(fd, IOMMU_STRESS_INFO, &info))
		return 2;
	ok("INFO: the module offers dmaengine targets",
	   info.features & IOMMU_STRESS_FEAT_DMAENGINE);
	for (unsigned int i = 0; i < info.ntargets && i < IOMMU_STRESS_MAX_TARGETS; i++)
		if (info.targets[i].backend == IOMMU_STRESS_BACKEND_EDU && !edu)
			edu = strdup(info.targets[i].name);
	ok("INFO: the channel is listed, free", listed_busy(fd, chan) == 0);
	check_query(fd, chan, &q);

	expect("DOMAIN_CREATE on the channel (default range)", 0,
	       create(fd, chan, 0, 0, &d));
	ok("DOMAIN_CREATE: shared, of the device's domain type",
	   (d.out_flags & IOMMU_STRESS_DOMAIN_SHARED) && d.domain_type == q.domain_type);
	printf("# default range [%#llx, %#llx], bounce page at %#llx\n",
	       (unsigned long long)d.range_start, (unsigned long long)d.range_last,
	       (unsigned long long)d.window_iova);
	ok("DOMAIN_CREATE: default range is 64 GiB at or above 4 GiB",
	   d.range_start >= SZ_4G && d.range_last - d.range_start + 1 == 16 * SZ_4G);
	ok("DOMAIN_CREATE: the bounce page lies outside the range",
	   d.window_len == SZ_4K &&
	   (d.window_iova + SZ_4K <= d.range_start || d.window_iova > d.range_last));
	ok("INFO: the channel now shows busy", listed_busy(fd, chan) == 1);
	fd2 = xopen();
	expect("DOMAIN_CREATE: the same channel from a second session", EBUSY,
	       create(fd2, chan, 0, 0, &d2));
	close(fd2);

	rb = readback(fd, &rb_off);
	buf = buffer(fd);
	expect("MAP 2M at the start of the range", 0,
	       map(fd, d.domain_id, buf, d.range_start, SZ_2M, 0));
	expect("DMA: read a whole page through the channel", 0,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start + 5 * SZ_4K, rb, 0));
	ok("DMA: the memcpy brought back the mapped page", peek(fd, rb, rb_off, 0) == 6);
	expect("MAP below the range", ERANGE,
	       map(fd, d.domain_id, buf, d.range_start - SZ_2M, SZ_2M, 0));
	expect("MAP above the range", ERANGE,
	       map(fd, d.domain_id, buf, d.range_last + 1, SZ_4K, 0));
	expect("MAP_OVERLAP in a shared domain", EOPNOTSUPP,
	       map(fd, d.domain_id, buf, d.range_start, SZ_4K, IOMMU_STRESS_MAP_OVERLAP));
	expect("MAP over the session's own live mapping", EEXIST,
	       map(fd, d.domain_id, buf, d.range_start, SZ_4K, 0));
	expect("DMA: read outside the range", ERANGE,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start - SZ_4K, rb, 0));
	expect("DMA: write to an IOVA the session has not mapped", EACCES,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_WRITE, d.range_start + SZ_2M, rb, 0));
	expect("DMA: write to the session's own mapping", 0,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_WRITE, d.range_start + 9 * SZ_4K, rb, 0));
	expect("DMA: read it back", 0,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start + 9 * SZ_4K, rb, 0));
	ok("DMA: the write landed in the mapped page", peek(fd, rb, rb_off, 0) == 6);
	expect("DMA: read of an IOVA the session has not mapped (dma_unmapped_reads=1)", 0,
	       dma(fd, d.domain_id, IOMMU_STRESS_DMA_READ, d.range_start + SZ_2M, rb, 0));
	ok("DMA: an unmapped IOVA reads as a fault (zeros on edu)",
	   peek(fd, rb, rb_off, 0) == 0);
	check_pinned(fd, &d, buf, d.range_start);
	close(fd);

	check_ranges(chan, edu, d.range_start);
	if (argc == 4)
		check_collision(argv[2], argv[3]);
	else
		printf("# collision checks skipped: no two channels sharing a domain\n");
	check_close(chan);
	return tap_finish(&T);
}
