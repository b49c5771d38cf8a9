/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the /dev/iommu_stress ioctls. Each returns 0 or a
 * negative errno and, on failure, prints one line that says what was
 * refused and why, in the words of the module's errno table. Where a
 * refusal can be a result rather than an error, a __dev_ twin returns
 * the same -errno without a word.
 */
#ifndef IOMMU_STRESS_DEV_H
#define IOMMU_STRESS_DEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/iommu_stress.h>

/*
 * The system calls the wrappers make: libc's, or a model of the module
 * that the unit tests stand in to run whole sessions without a kernel.
 */
struct dev_sys {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long cmd, void *arg);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
	int (*munmap)(void *addr, size_t len);
};

extern const struct dev_sys *dev_sys;

struct dev_buf {
	uint32_t id;
	uint64_t length;
	uint8_t *mem;		/* the buffer, mmap()ed */
};

int dev_open(const char *path);
void dev_close(int fd);
int dev_info(int fd, struct iommu_stress_info *info);
int dev_buf_alloc(int fd, uint64_t length, uint64_t chunk, int node,
		  struct dev_buf *buf);
int __dev_buf_alloc(int fd, uint64_t length, uint64_t chunk, int node,
		    struct dev_buf *buf);
int dev_buf_free(int fd, struct dev_buf *buf);
/* Drops only the user view; the module frees the buffer with the session. */
void dev_buf_unmap(struct dev_buf *buf);
/*
 * TARGET_QUERY. A module that predates it answers -ENOTTY, which is
 * returned without a word: the caller falls back to what INFO says.
 */
int dev_target_query(int fd, const char *name,
		     struct iommu_stress_target_query *out);
/* @range_start and @range_last: a shared domain's test range, or both 0. */
int dev_domain_create(int fd, const char *target, uint64_t range_start,
		      uint64_t range_last, struct iommu_stress_domain_create *out);
/* As dev_domain_create, with DOMAIN_CREATE's @flags (IOMMU_STRESS_DOMAIN_CREATE_*). */
int dev_domain_create_flags(int fd, const char *target, uint32_t flags,
			    uint64_t range_start, uint64_t range_last,
			    struct iommu_stress_domain_create *out);
int dev_domain_destroy(int fd, uint32_t domain_id);
int dev_map(int fd, uint32_t domain_id, const struct dev_buf *buf,
	    uint64_t iova, uint64_t offset, uint64_t length, uint32_t flags,
	    uint64_t *ns);
int __dev_map(int fd, uint32_t domain_id, const struct dev_buf *buf,
	      uint64_t iova, uint64_t offset, uint64_t length, uint32_t flags,
	      uint64_t *ns);
int dev_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
	      uint32_t flags, uint64_t *unmapped, uint64_t *ns,
	      uint32_t *out_flags);
int __dev_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
		uint32_t flags, uint64_t *unmapped, uint64_t *ns,
		uint32_t *out_flags);
int dev_dma_read(int fd, uint32_t domain_id, uint64_t iova, uint32_t len,
		 const struct dev_buf *buf, uint64_t buf_offset,
		 uint32_t *status, uint64_t *ns);
/* The device writes @len bytes of @buf from @buf_offset to @iova. */
int dev_dma_write(int fd, uint32_t domain_id, uint64_t iova, uint32_t len,
		  const struct dev_buf *buf, uint64_t buf_offset,
		  uint32_t *status, uint64_t *ns);
/* DIRTY_START (@on) or DIRTY_STOP. */
int dev_dirty_switch(int fd, uint32_t domain_id, int on);
/*
 * DIRTY_READ of [@iova, @iova + @length) in pages of @page_size into
 * @bitmap (length / page_size bits, whole words), cleared unless @flags
 * has IOMMU_STRESS_DIRTY_READ_NO_CLEAR.
 */
int dev_dirty_read(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
		   uint64_t page_size, uint32_t flags, uint64_t *bitmap);
/* As dev_dirty_read, with -@unsaid returned without a word: the caller's to judge. */
int dev_dirty_read_unsaid(int fd, uint32_t domain_id, uint64_t iova,
			  uint64_t length, uint64_t page_size, uint32_t flags,
			  uint64_t *bitmap, int unsaid);
int dev_iova_to_phys(int fd, uint32_t domain_id, uint64_t iova,
		     struct iommu_stress_iova_to_phys *out);
/*
 * BATCH of the @n ops at @ops (each op's ioctl and struct set by the
 * caller). 0 when every op succeeded; else the -errno of the op it
 * stopped at (or -EINTR between ops) and @done (may be NULL) the ops that
 * succeeded, said on stderr with that op's index and ioctl. @ns (may be
 * NULL): the batch's time in the module. A module that predates BATCH
 * answers -ENOTTY, returned without a word.
 */
int dev_batch(int fd, struct iommu_stress_batch_op *ops, uint32_t n,
	      uint32_t *done, uint64_t *ns);
/*
 * BENCH as @b asks (its size set here). 0, or -errno said on stderr;
 * @b's answer is there either way. -ENOTTY (a module before BENCH)
 * without a word.
 */
int dev_bench(int fd, struct iommu_stress_bench *b);
/*
 * What @err means for ioctl @cmd, or, with DEV_DMA_STATUS, what a DMA's
 * non-zero status means.
 */
#define DEV_DMA_STATUS	1ul
const char *dev_errno_hint(unsigned long cmd, int err);

#endif
