/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin wrappers around the /dev/iommu_stress ioctls. Each returns 0 or a
 * negative errno and, on failure, prints one line that says what was
 * refused and why, in the words of the module's errno table.
 */
#ifndef IOMMU_STRESS_DEV_H
#define IOMMU_STRESS_DEV_H

#include <stddef.h>
#include <stdint.h>
#include <linux/iommu_stress.h>

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
int dev_buf_free(int fd, struct dev_buf *buf);
/* Drops only the user view; the module frees the buffer with the session. */
void dev_buf_unmap(struct dev_buf *buf);
int dev_domain_create(int fd, const char *target,
		      struct iommu_stress_domain_create *out);
int dev_domain_destroy(int fd, uint32_t domain_id);
int dev_map(int fd, uint32_t domain_id, const struct dev_buf *buf,
	    uint64_t iova, uint64_t offset, uint64_t length, uint32_t flags,
	    uint64_t *ns);
int dev_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
	      uint32_t flags, uint64_t *unmapped, uint64_t *ns,
	      uint32_t *out_flags);
int dev_dma_read(int fd, uint32_t domain_id, uint64_t iova, uint32_t len,
		 const struct dev_buf *buf, uint64_t buf_offset,
		 uint32_t *status, uint64_t *ns);
int dev_iova_to_phys(int fd, uint32_t domain_id, uint64_t iova,
		     struct iommu_stress_iova_to_phys *out);
const char *dev_errno_hint(unsigned long cmd, int err);
/*
 * While on (per thread), failed ioctls return -errno without printing:
 * for calls whose refusal is a result, not an error.
 */
int dev_set_quiet(int on);

#endif
