// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dev.h"

/* What each errno means for each ioctl: the module's contract, in words. */
const char *dev_errno_hint(unsigned long cmd, int err)
{
	switch (err) {
	case ENOTTY:
		return "unknown ioctl (module and tool ABI differ?)";
	case E2BIG:
		return "argument struct larger than the module knows, with a non-zero tail";
	case EOPNOTSUPP:
		return cmd == IOMMU_STRESS_BUF_ALLOC ?
		       "chunk size not supported on this host" :
		       "unknown flags";
	case ENOENT:
		return cmd == IOMMU_STRESS_UNMAP ?
		       "nothing is mapped in that range" :
		       "no such buffer or domain id in this session";
	case EEXIST:
		return "the range overlaps a live mapping";
	case EBUSY:
		return cmd == IOMMU_STRESS_DOMAIN_CREATE ?
		       "the target already has a domain attached" :
		       "in use (mapped, or another thread works on that range)";
	case ERANGE:
		return "IOVA outside the domain's aperture";
	case EADDRNOTAVAIL:
		return "IOVA in a reserved region or in the module's DMA window";
	case EMSGSIZE:
		return "DMA longer than the target can do in one transfer";
	case ENODEV:
		return "no such target, or the device has gone";
	case EOVERFLOW:
		return "IOVA + length wraps around";
	case ENOMEM:
		return "out of memory, or over the module's max_buffer_mb cap";
	case EPERM:
	case EACCES:
		return "needs root (CAP_SYS_ADMIN)";
	case EINVAL:
		return "invalid argument (alignment, size, offset or a reserved field)";
	default:
		return strerror(err);
	}
}

static const char *ioctl_name(unsigned long cmd)
{
	switch (cmd) {
	case IOMMU_STRESS_INFO: return "INFO";
	case IOMMU_STRESS_BUF_ALLOC: return "BUF_ALLOC";
	case IOMMU_STRESS_BUF_FREE: return "BUF_FREE";
	case IOMMU_STRESS_DOMAIN_CREATE: return "DOMAIN_CREATE";
	case IOMMU_STRESS_DOMAIN_DESTROY: return "DOMAIN_DESTROY";
	case IOMMU_STRESS_MAP: return "MAP";
	case IOMMU_STRESS_UNMAP: return "UNMAP";
	case IOMMU_STRESS_IOVA_TO_PHYS: return "IOVA_TO_PHYS";
	case IOMMU_STRESS_DMA: return "DMA";
	default: return "ioctl";
	}
}

/* Per thread: a pattern probing what a driver refuses expects errors. */
static _Thread_local int quiet;

int dev_set_quiet(int on)
{
	int old = quiet;

	quiet = on;
	return old;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg, const char *what)
{
	if (ioctl(fd, cmd, arg) == 0)
		return 0;
	int err = errno;

	if (quiet)
		return -err;
	fprintf(stderr, "iommu-stress: %s %s: %s (%s)\n", ioctl_name(cmd),
		what, dev_errno_hint(cmd, err), strerror(err));
	return -err;
}

int dev_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		int err = errno;

		fprintf(stderr, "iommu-stress: cannot open %s: %s%s\n", path,
			strerror(err),
			err == ENOENT ? " (is iommu_stress.ko loaded?)" :
			err == EPERM || err == EACCES ? " (needs root)" : "");
		return -err;
	}
	return fd;
}

void dev_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int dev_info(int fd, struct iommu_stress_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return do_ioctl(fd, IOMMU_STRESS_INFO, info, "");
}

int dev_buf_alloc(int fd, uint64_t length, uint64_t chunk, int node,
		  struct dev_buf *buf)
{
	struct iommu_stress_buf_alloc a = {
		.size = sizeof(a), .length = length, .chunk_size = chunk,
		.node = node,
	};
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "of %llu bytes in %llu-byte chunks",
		 (unsigned long long)length, (unsigned long long)chunk);
	ret = do_ioctl(fd, IOMMU_STRESS_BUF_ALLOC, &a, what);
	if (ret)
		return ret;
	buf->id = a.buf_id;
	buf->length = length;
	buf->mem = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			(off_t)a.mmap_offset);
	if (buf->mem == MAP_FAILED) {
		int err = errno;

		fprintf(stderr, "iommu-stress: mmap of buffer %u: %s\n",
			buf->id, strerror(err));
		buf->mem = NULL;
		dev_buf_free(fd, buf);
		return -err;
	}
	return 0;
}

void dev_buf_unmap(struct dev_buf *buf)
{
	if (buf->mem)
		munmap(buf->mem, buf->length);
	buf->mem = NULL;
}

int dev_buf_free(int fd, struct dev_buf *buf)
{
	struct iommu_stress_buf_free f = { .size = sizeof(f), .buf_id = buf->id };

	if (buf->mem)
		munmap(buf->mem, buf->length);
	buf->mem = NULL;
	return do_ioctl(fd, IOMMU_STRESS_BUF_FREE, &f, "");
}

int dev_domain_create(int fd, const char *target,
		      struct iommu_stress_domain_create *out)
{
	char what[96];

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	if (strlen(target) >= sizeof(out->target)) {
		fprintf(stderr, "iommu-stress: target name too long: %s\n", target);
		return -EINVAL;
	}
	strcpy(out->target, target);
	snprintf(what, sizeof(what), "on %s", target);
	return do_ioctl(fd, IOMMU_STRESS_DOMAIN_CREATE, out, what);
}

int dev_domain_destroy(int fd, uint32_t domain_id)
{
	struct iommu_stress_domain_destroy d = {
		.size = sizeof(d), .domain_id = domain_id,
	};

	return do_ioctl(fd, IOMMU_STRESS_DOMAIN_DESTROY, &d, "");
}

int dev_map(int fd, uint32_t domain_id, const struct dev_buf *buf,
	    uint64_t iova, uint64_t offset, uint64_t length, uint32_t flags,
	    uint64_t *ns)
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .flags = flags, .domain_id = domain_id,
		.buf_id = buf->id,
		.iova = iova, .offset = offset, .length = length,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "[%#llx, %#llx)", (unsigned long long)iova,
		 (unsigned long long)(iova + length));
	ret = do_ioctl(fd, IOMMU_STRESS_MAP, &m, what);
	if (!ret && ns)
		*ns = m.ns;
	return ret;
}

int dev_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
	      uint32_t flags, uint64_t *unmapped, uint64_t *ns,
	      uint32_t *out_flags)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .flags = flags, .domain_id = domain_id,
		.iova = iova, .length = length,
	};
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "[%#llx, %#llx)", (unsigned long long)iova,
		 (unsigned long long)(iova + length));
	ret = do_ioctl(fd, IOMMU_STRESS_UNMAP, &u, what);
	if (!ret) {
		if (unmapped)
			*unmapped = u.unmapped;
		if (ns)
			*ns = u.ns;
		if (out_flags)
			*out_flags = u.out_flags;
	}
	return ret;
}

int dev_dma_read(int fd, uint32_t domain_id, uint64_t iova, uint32_t len,
		 const struct dev_buf *buf, uint64_t buf_offset,
		 uint32_t *status, uint64_t *ns)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = domain_id,
		.dir = IOMMU_STRESS_DMA_READ, .iova = iova, .length = len,
		.buf_id = buf->id, .buf_offset = buf_offset,
	};
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "read of %u bytes at %#llx", len,
		 (unsigned long long)iova);
	ret = do_ioctl(fd, IOMMU_STRESS_DMA, &d, what);
	if (!ret) {
		*status = d.status;
		if (ns)
			*ns = d.ns;
	}
	return ret;
}

int dev_iova_to_phys(int fd, uint32_t domain_id, uint64_t iova,
		     struct iommu_stress_iova_to_phys *out)
{
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->domain_id = domain_id;
	out->iova = iova;
	return do_ioctl(fd, IOMMU_STRESS_IOVA_TO_PHYS, out, "");
}
