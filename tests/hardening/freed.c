// SPDX-License-Identifier: GPL-2.0
/*
 * A device write through a stale translation after its buffer was freed.
 *
 * Map a buffer, let the device use the IOVA, unmap it without the IOTLB
 * sync, free the buffer, then make the device write to the IOVA and
 * allocate memory so that the kernel reuses (and, with page_poison=1,
 * checks) freed pages. A correct module keeps the pages until the flush,
 * so the write lands in memory still owned by the module: the guest log
 * stays clean. A module built with ISTRESS_UNSAFE_TESTS=1 and
 * unsafe_free_unsynced=1 frees them at once, and the write must show up as
 * a poison report: the negative control of the freed-memory detectors.
 */
#include "common.h"

#define SZ_4K	0x1000ull
#define NPAGES	64
#define IOVA	0x100000ull

static int alloc(int fd, uint64_t len, struct iommu_stress_buf_alloc *a)
{
	*a = (struct iommu_stress_buf_alloc){
		.size = sizeof(*a), .length = len,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	return call(fd, IOMMU_STRESS_BUF_ALLOC, a);
}

static int dma(int fd, uint32_t dom, uint32_t dir, uint64_t iova, uint32_t buf)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = dom, .dir = dir, .iova = iova,
		.length = 4095, .buf_id = buf,
	};
	int err = call(fd, IOMMU_STRESS_DMA, &d);

	return err ? err : (int)d.status;
}

TEST(stale_writes, "device writes through stale translations after BUF_FREE")
{
	struct iommu_stress_domain_create dom = { .size = sizeof(dom) };
	struct iommu_stress_buf_alloc victim, src, filler;
	struct iommu_stress_buf_free bf = { .size = sizeof(bf) };
	struct iommu_stress_map m = {
		.size = sizeof(m), .iova = IOVA, .length = NPAGES * SZ_4K,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .flags = IOMMU_STRESS_UNMAP_SKIP_SYNC,
		.iova = IOVA, .length = NPAGES * SZ_4K,
	};
	struct iommu_stress_info info;
	const char *t;
	unsigned char *mem;
	int fd;

	fd = mod_open();
	ASSERT_LE(0, fd);
	t = first_target(fd, &info);
	ASSERT_TRUE(t != NULL);
	strcpy(dom.target, t);
	ASSERT_ERRNO(0, call(fd, IOMMU_STRESS_DOMAIN_CREATE, &dom));
	/* 5.10's intel driver flushes in its unmap: nothing stays stale. */
	if (dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP) {
		mod_close(fd);
		SKIP(return, "the driver syncs in its unmap: no stale translation to write through");
	}
	ASSERT_ERRNO(0, alloc(fd, NPAGES * SZ_4K, &victim));
	ASSERT_ERRNO(0, alloc(fd, SZ_4K, &src));
	mem = mod_mmap(SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)src.mmap_offset);
	ASSERT_TRUE(mem != MAP_FAILED);
	memset(mem, 0xd6, SZ_4K);
	mod_munmap(mem, SZ_4K);

	m.domain_id = u.domain_id = dom.domain_id;
	m.buf_id = victim.buf_id;
	ASSERT_ERRNO(0, call(fd, IOMMU_STRESS_MAP, &m));
	/* The device caches the translation of every page it touches. */
	for (uint64_t p = 0; p < NPAGES; p++)
		ASSERT_ERRNO(0, dma(fd, dom.domain_id, IOMMU_STRESS_DMA_READ,
				    IOVA + p * SZ_4K, src.buf_id));
	ASSERT_ERRNO(0, call(fd, IOMMU_STRESS_UNMAP, &u));
	bf.buf_id = victim.buf_id;
	ASSERT_ERRNO(0, call(fd, IOMMU_STRESS_BUF_FREE, &bf));
	/* Through the stale translations, into pages the session let go. */
	for (uint64_t p = 0; p < NPAGES; p++)
		ASSERT_ERRNO(0, dma(fd, dom.domain_id, IOMMU_STRESS_DMA_WRITE,
				    IOVA + p * SZ_4K, src.buf_id));
	/* Reuse freed pages: page_poison checks them as they are handed out. */
	for (int i = 0; i < 16; i++) {
		if (alloc(fd, 256 * SZ_4K, &filler))
			break;
	}
	mod_close(fd);
	TH_LOG("wrote %d pages through stale translations after BUF_FREE", NPAGES);
}

KTEST_MAIN
