// SPDX-License-Identifier: GPL-2.0
/*
 * Module-owned DMA buffers: zeroed, physically contiguous chunks of 4K,
 * 2M or 1G on a chosen node. These are the only pages the module ever
 * maps into an IOMMU domain, so a stale translation can only reach them.
 * 4K and 2M chunks come from the buddy allocator, 1G ones from contig.c.
 */
#include <linux/atomic.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "istress.h"
#include "compat.h"

static atomic64_t istress_buf_bytes = ATOMIC64_INIT(0);

static int chunk_order(u64 chunk_size, unsigned int *order)
{
	switch (chunk_size) {
	case IOMMU_STRESS_CHUNK_4K:
		*order = 0;
		return 0;
	case IOMMU_STRESS_CHUNK_2M:
		*order = get_order(IOMMU_STRESS_CHUNK_2M);
		return 0;
	case IOMMU_STRESS_CHUNK_1G:
		if (!istress_contig_supported())
			return -EOPNOTSUPP;
		/*
		 * Only a 1G leaf needs a 1G chunk, and taking one migrates
		 * up to a gigabyte of other memory: not on a host that may
		 * not build 1G leaves.
		 */
		if (!istress_allow_1g_leaves)
			return -EPERM;
		*order = get_order(IOMMU_STRESS_CHUNK_1G);
		return 0;
	default:
		return -EINVAL;
	}
}

static bool buf_is_1g(const struct istress_buf *buf)
{
	return buf->chunk_order == get_order(IOMMU_STRESS_CHUNK_1G);
}

static void buf_free_chunks(struct istress_buf *buf)
{
	unsigned int i;

	for (i = 0; i < buf->nchunks; i++) {
		if (!buf->chunks[i])
			continue;
		if (buf_is_1g(buf))
			istress_contig_free(buf->chunks[i]);
		else
			__free_pages(buf->chunks[i], buf->chunk_order);
		/*
		 * A buffer may be gigabytes (or a million 4K chunks): let the
		 * CPU go between chunks, as their allocation does.
		 */
		cond_resched();
	}
	kvfree(buf->chunks);
}

/* Chunk @i of a buffer whose chunks before it are allocated. */
static int buf_alloc_chunk(struct istress_buf *buf, unsigned int i, gfp_t gfp)
{
	unsigned long from = 0;

	if (!buf_is_1g(buf)) {
		buf->chunks[i] = alloc_pages_node(buf->node, gfp, buf->chunk_order);
		return buf->chunks[i] ? 0 : -ENOMEM;
	}
	/* Ranges below the last chunk were tried for it already. */
	if (i)
		from = page_to_pfn(buf->chunks[i - 1]) +
		       (IOMMU_STRESS_CHUNK_1G >> PAGE_SHIFT);
	return istress_contig_alloc(buf->node, from, &buf->chunks[i]);
}

int istress_buf_alloc(u64 length, u64 chunk_size, int node,
		      struct istress_buf **out)
{
	/*
	 * Fail rather than invoke the OOM killer on the host; charged to the
	 * caller's memory cgroup like any memory it maps (4K and 2M chunks:
	 * contig.c says why not 1G ones).
	 */
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
		    __GFP_RETRY_MAYFAIL;
	struct istress_buf *buf;
	unsigned int order, i;
	u64 nchunks;
	int ret;

	ret = chunk_order(chunk_size, &order);
	if (ret)
		return ret;
	if (!length || length & (chunk_size - 1))
		return -EINVAL;
	if (node != NUMA_NO_NODE &&
	    (node < 0 || node >= MAX_NUMNODES || !node_online(node)))
		return -EINVAL;
	nchunks = length >> (PAGE_SHIFT + order);
	if (nchunks > UINT_MAX)
		return -E2BIG;

	/* Charge the global cap first so concurrent sessions cannot race past it. */
	if (atomic64_add_return(length, &istress_buf_bytes) >
	    istress_max_buffer_bytes) {
		atomic64_sub(length, &istress_buf_bytes);
		return -ENOMEM;
	}

	ret = -ENOMEM;
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf)
		goto err_uncharge;
	buf->chunks = kvcalloc(nchunks, sizeof(*buf->chunks), GFP_KERNEL);
	if (!buf->chunks)
		goto err_free_buf;
	kref_init(&buf->ref);
	atomic_set(&buf->nmapped, 0);
	buf->length = length;
	buf->chunk_order = order;
	buf->nchunks = nchunks;
	buf->node = node;

	for (i = 0; i < nchunks; i++) {
		/* Gigabytes take a while: let a killed caller go. */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free_chunks;
		}
		ret = buf_alloc_chunk(buf, i, gfp);
		if (ret)
			goto err_free_chunks;
		cond_resched();
	}
	*out = buf;
	return 0;

err_free_chunks:
	buf_free_chunks(buf);
err_free_buf:
	kfree(buf);
err_uncharge:
	atomic64_sub(length, &istress_buf_bytes);
	return ret;
}

static void buf_release(struct kref *ref)
{
	struct istress_buf *buf = container_of(ref, struct istress_buf, ref);

	WARN_ON_ONCE(atomic_read(&buf->nmapped));
	buf_free_chunks(buf);
	atomic64_sub(buf->length, &istress_buf_bytes);
	kfree(buf);
}

void istress_buf_put(struct istress_buf *buf)
{
	kref_put(&buf->ref, buf_release);
}

/*
 * By page frame number: a 1G chunk's struct pages need not be contiguous
 * in memory (they are per memory section without SPARSEMEM_VMEMMAP).
 */
static struct page *buf_page(struct istress_buf *buf, u64 offset)
{
	unsigned int shift = PAGE_SHIFT + buf->chunk_order;

	return pfn_to_page(page_to_pfn(buf->chunks[offset >> shift]) +
			   ((offset & ((1ULL << shift) - 1)) >> PAGE_SHIFT));
}

/* Physical address of @offset; the caller has checked it is in range. */
phys_addr_t istress_buf_phys(struct istress_buf *buf, u64 offset)
{
	return page_to_phys(buf_page(buf, offset)) + offset_in_page(offset);
}

bool istress_buf_contains(struct istress_buf *buf, phys_addr_t phys,
			  u64 *offset)
{
	u64 chunk = PAGE_SIZE << buf->chunk_order;
	unsigned int i;

	for (i = 0; i < buf->nchunks; i++) {
		phys_addr_t base = page_to_phys(buf->chunks[i]);

		if (phys >= base && phys - base < chunk) {
			*offset = (u64)i * chunk + (phys - base);
			return true;
		}
	}
	return false;
}

/* CPU copy between @data and the buffer, page by page. */
void istress_buf_copy(struct istress_buf *buf, u64 offset, void *data,
		      size_t len, bool to_buf)
{
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - offset_in_page(offset));
		void *p = page_address(buf_page(buf, offset)) +
			  offset_in_page(offset);

		if (to_buf)
			memcpy(p, data, n);
		else
			memcpy(data, p, n);
		data += n;
		offset += n;
		len -= n;
	}
}

/* A user mapping pins the buffer until the last VMA referencing it goes. */
static void buf_vma_open(struct vm_area_struct *vma)
{
	istress_buf_get(vma->vm_private_data);
}

static void buf_vma_close(struct vm_area_struct *vma)
{
	istress_buf_put(vma->vm_private_data);
}

static const struct vm_operations_struct buf_vm_ops = {
	.open = buf_vma_open,
	.close = buf_vma_close,
};

int istress_buf_mmap(struct istress_buf *buf, struct vm_area_struct *vma)
{
	u64 chunk = PAGE_SIZE << buf->chunk_order;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long addr = vma->vm_start;
	u64 off = (u64)(vma->vm_pgoff - buf->mmap_pgoff) << PAGE_SHIFT;
	int ret;

	if (off > buf->length || len > buf->length - off)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	while (addr < vma->vm_end) {
		unsigned long n = min_t(u64, vma->vm_end - addr,
					chunk - (off & (chunk - 1)));

		ret = remap_pfn_range(vma, addr,
				      PHYS_PFN(istress_buf_phys(buf, off)), n,
				      vma->vm_page_prot);
		if (ret)
			return ret;
		addr += n;
		off += n;
	}
	istress_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = buf;
	vma->vm_ops = &buf_vm_ops;
	buf_vma_open(vma);
	return 0;
}
