// SPDX-License-Identifier: GPL-2.0
/*
 * What the module does about IOMMU driver quirks, as the driver answers:
 *
 *  - 1G leaves: Intel's driver up to 6.18 corrupts host memory on an
 *    UNMAP that partly covers one, so the module never lets a MAP build
 *    one unless it is loaded with allow_1g_leaves=1. A buffer of 2M
 *    chunks is mapped at every 2M offset of a 1G block in turn, and each
 *    1G-aligned IOVA in it is unmapped 4K at a time: an answer of 1G is a
 *    1G leaf. With allow_1g_leaves=1 some offset must give one (the VM's
 *    memory is 1G-contiguous there: the check can see a leaf), without it
 *    none may.
 *  - Page sizes advertised beyond what the table's levels hold (Intel in
 *    5.10: every power of two from 4K): what the module may clear for an
 *    UNMAP must stay bounded by the leaves the table can have, after a
 *    MAP_OVERLAP as well (from then on any leaf may be anywhere), and a
 *    step of the core must end only where a level's entry does.
 *  - A driver without iotlb_sync (Intel in 5.10) flushes inside its
 *    unmap: DOMAIN_CREATE says so, and exactly then UNMAP refuses
 *    SKIP_SYNC, which would skip nothing.
 *
 * Usage: hardening-quirks [--buffer-mb N] [CASE...]
 *        (N: the 1G-leaf case's buffer at most, default 2560; it takes
 *        256 MiB less at a time while the module answers ENOMEM, down to
 *        2048: the guest needs about twice that, and the module's
 *        max_buffer_mb, half of RAM by default, room for it)
 */
#include <stdlib.h>
#include <time.h>

#include "session.h"

#define DRIVER_WARNS	"/sys/module/iommu_stress/parameters/driver_warns"
#define SWEEP_BASE	(4 * SZ_1G)	/* where the 1G-leaf case maps */

static uint64_t buffer_mb = 2560;
#define MIN_BUFFER_MB	2048	/* a whole 1G block at every 2M offset */

/* UNMAP of [iova, iova + len): its errno; *unmapped what the driver said. */
static int unmap_got(struct sess *s, uint64_t iova, uint64_t len,
		     uint32_t flags, uint64_t *unmapped)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .flags = flags,
		.domain_id = s->dom.domain_id, .iova = iova, .length = len,
	};
	int err = call(s->fd, IOMMU_STRESS_UNMAP, &u);

	if (unmapped)
		*unmapped = err ? 0 : u.unmapped;
	return err;
}

static int features(struct sess *s, uint64_t *out)
{
	struct iommu_stress_info info = { .size = sizeof(info) };
	int err = call(s->fd, IOMMU_STRESS_INFO, &info);

	*out = info.features;
	return err;
}

FIXTURE(quirks) {
	struct sess s;
	char warns_was[8];	/* driver_warns before the case, to restore */
};

FIXTURE_SETUP(quirks)
{
	int fd = open(DRIVER_WARNS, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, self->warns_was, sizeof(self->warns_was) - 1) : -1;

	if (fd >= 0)
		close(fd);
	self->warns_was[n > 0 ? n : 0] = '\0';
	ASSERT_ERRNO(0, sess_open(&self->s));
}

FIXTURE_TEARDOWN(quirks)
{
	sess_close(&self->s);
	if (self->warns_was[0])
		sysfs_write(DRIVER_WARNS, self->warns_was);
}

/*
 * Maps @buf (2M chunks) at SWEEP_BASE + @j * 2M and unmaps 4K at every
 * 1G-aligned IOVA a whole 1G of it covers: how many answered 1G, or -errno.
 */
static int leaves_at(struct sess *s, const struct iommu_stress_buf_alloc *buf,
		     unsigned int j)
{
	uint64_t x = SWEEP_BASE + (uint64_t)j * SZ_2M, end = x + buf->length;
	struct iommu_stress_map m = {
		.size = sizeof(m), .domain_id = s->dom.domain_id,
		.buf_id = buf->buf_id, .iova = x, .length = buf->length,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	uint64_t b, got;
	int err, found = 0;

	err = call(s->fd, IOMMU_STRESS_MAP, &m);
	if (err)
		return -err;
	for (b = (x + SZ_1G - 1) & ~(SZ_1G - 1); b + SZ_1G <= end; b += SZ_1G) {
		/* From the leaf's start: a whole leaf goes, whatever its size. */
		err = unmap_got(s, b, SZ_4K, 0, &got);
		if (err)
			return -err;
		found += got == SZ_1G;
	}
	err = unmap_got(s, x, buf->length, 0, NULL);
	return err ? -err : found;
}

TEST_F(quirks, one_g_leaves, "MAP of 1G-contiguous memory: a 1G leaf only with allow_1g_leaves=1")
{
	struct iommu_stress_buf_alloc big;
	unsigned int j, tried = 0;
	uint64_t feat, mb = buffer_mb;
	int allowed, n, err, found = 0;
	time_t t0 = time(NULL);

	ASSERT_ERRNO(0, features(&self->s, &feat));
	allowed = !!(feat & IOMMU_STRESS_FEAT_1G_LEAVES);
	/* A kernel with less room (KASAN's shadow) gets a smaller buffer. */
	while ((err = alloc(&self->s, &big, mb << 20, IOMMU_STRESS_CHUNK_2M)) == ENOMEM &&
	       mb > MIN_BUFFER_MB)
		mb = mb - 256 < MIN_BUFFER_MB ? MIN_BUFFER_MB : mb - 256;
	ASSERT_ERRNO(0, err);
	ASSERT_LE((uint64_t)MIN_BUFFER_MB << 20, big.length);
	/* Allowed: stop at the first leaf; not: every offset must give none. */
	for (j = 0; j < SZ_1G / SZ_2M && !(allowed && found); j++) {
		n = leaves_at(&self->s, &big, j);
		ASSERT_LE(0, n);
		found += n;
		tried++;
	}
	TH_LOG("1G leaves: %d at %u offsets of a %llu MiB buffer (allow_1g_leaves=%d), %ld s",
	       found, tried, (unsigned long long)mb, allowed,
	       (long)(time(NULL) - t0));
	if (allowed)
		EXPECT_LT(0, found);
	else
		EXPECT_EQ(0, found);
}

/*
 * After a MAP_OVERLAP the module no longer knows where leaves are: an
 * UNMAP's reach is then the largest leaf the table can hold. Intel in
 * 5.10 advertises every power of two up to 2^63 as a page size, which
 * made that reach the whole address space: every later UNMAP got ERANGE
 * until the domain went.
 */
TEST_F(quirks, unmap_after_overlap, "UNMAP after a MAP_OVERLAP: still allowed where the largest leaf fits (not ERANGE)")
{
	uint64_t a = SZ_1G, got;
	int err;

	ASSERT_ERRNO(0, sysfs_write(DRIVER_WARNS, "1"));
	ASSERT_ERRNO(0, map(&self->s, a + SZ_4K, 0, SZ_4K, 0));
	/* Intel up to 6.18 replaces the 4K table by a 2M leaf. */
	err = map(&self->s, a, SZ_2M, SZ_2M, IOMMU_STRESS_MAP_OVERLAP);
	if (err)
		SKIP(return, "the driver refused the MAP_OVERLAP (%s): leaves stay known",
		     ktest_errname(err));
	EXPECT_ERRNO(0, unmap_got(&self->s, a, SZ_2M, 0, &got));
	EXPECT_EQ(SZ_2M, got);
	EXPECT_ERRNO(0, map(&self->s, 4 * SZ_1G, 0, SZ_2M, 0));
	EXPECT_ERRNO(0, unmap_got(&self->s, 4 * SZ_1G, SZ_4K, 0, &got));
	EXPECT_EQ(SZ_2M, got);
}

/*
 * An UNMAP of the first 8K of a 2M leaf that ends where the module's
 * window starts: the driver clears that leaf and nothing past it, so it
 * may go. With the middle page size taken as 8K (Intel 5.10's bitmap) the
 * module thought a step could end inside the leaf and the next clear 2M
 * from there, into the window: EADDRNOTAVAIL.
 */
TEST_F(quirks, unmap_leaf_by_window, "UNMAP of 8K of a 2M leaf ending at the module's window: clears the leaf, allowed")
{
	uint64_t a = self->s.dom.window_iova - SZ_2M, got;

	ASSERT_TRUE(self->s.dom.window_iova >= SZ_2M);
	ASSERT_ERRNO(0, map(&self->s, a, 0, SZ_2M, 0));
	EXPECT_ERRNO(0, unmap_got(&self->s, a, 2 * SZ_4K, 0, &got));
	EXPECT_EQ(SZ_2M, got);
}

/*
 * SKIP_SYNC skips iommu_iotlb_sync(); a driver without ->iotlb_sync
 * flushes inside its unmap, so there is nothing to skip: refused, and
 * DOMAIN_CREATE says so beforehand.
 */
TEST_F(quirks, skip_sync_where_driver_flushes, "UNMAP SKIP_SYNC: refused (EOPNOTSUPP) exactly where DOMAIN_CREATE says the driver flushes in its unmap")
{
	int in_unmap = !!(self->s.dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP);

	TH_LOG("%s: the driver %s", self->s.dom.iommu_driver,
	       in_unmap ? "flushes inside its unmap" : "has iotlb_sync");
	ASSERT_ERRNO(0, map(&self->s, SZ_1G, 0, SZ_2M, 0));
	EXPECT_ERRNO(in_unmap ? ISTRESS_ERRNO(UNMAP, EOPNOTSUPP) : 0,
		     unmap(&self->s, SZ_1G, SZ_2M, IOMMU_STRESS_UNMAP_SKIP_SYNC));
	/* Refused or not, a plain UNMAP takes it back. */
	if (in_unmap)
		EXPECT_ERRNO(0, unmap(&self->s, SZ_1G, SZ_2M, 0));
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--buffer-mb")) {
		buffer_mb = strtoull(argv[2], NULL, 0);
		argv[2] = argv[0];
		argc -= 2;
		argv += 2;
	}
	/* The sweep maps gigabytes 512 times under TCG: no time limit. */
	ktest_timeout = 0;
	return ktest_main(argc, argv);
}
