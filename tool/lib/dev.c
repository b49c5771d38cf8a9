// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dev.h"
#include "iommu_stress_errno.h"

static int sys_open(const char *path, int flags)
{
	return open(path, flags);
}

static int sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

static const struct dev_sys libc_sys = {
	.open = sys_open, .close = close, .ioctl = sys_ioctl,
	.mmap = mmap, .munmap = munmap,
};

const struct dev_sys *dev_sys = &libc_sys;

/*
 * What each errno means, in the words of the module's contract
 * (include/iommu_stress_errno.h): the row for the ioctl, else, for an
 * ioctl, the dispatcher's row (ANY). DMA's status word (a transfer that
 * did not complete) has rows of its own.
 */
_Static_assert(DEV_DMA_STATUS == ISTRESS_ERRNO_CMD_DMA_STATUS,
	       "DEV_DMA_STATUS is the contract's DMA_STATUS");

static const struct dev_hint {
	unsigned long cmd;
	int err;
	const char *text;
} hints[] = {
#define DEV_HINT(q, ioctl, errno_, meaning) \
	{ ISTRESS_ERRNO_CMD_##ioctl, errno_, meaning },
	ISTRESS_ERRNOS(DEV_HINT, 0)
#undef DEV_HINT
};

/* Whether the contract has a row of ioctl @cmd's own for @err. */
static bool has_row(unsigned long cmd, int err)
{
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (hints[i].cmd == cmd && hints[i].err == err)
			return true;
	return false;
}

const char *dev_errno_hint(unsigned long cmd, int err)
{
	const struct dev_hint *any = NULL;

	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		if (hints[i].err != err)
			continue;
		if (hints[i].cmd == cmd)
			return hints[i].text;
		if (hints[i].cmd == ISTRESS_ERRNO_CMD_ANY)
			any = &hints[i];
	}
	/* The dispatcher's rows are of ioctls: not of a transfer's status. */
	return any && _IOC_TYPE(cmd) == IOMMU_STRESS_TYPE ? any->text :
	       strerror(err);
}

/* An ioctl's name as the contract's rows spell it (every ioctl has rows). */
static const char *ioctl_name(unsigned long cmd)
{
#define NAME_OF(q, ioctl, e, meaning)					\
	if ((q) == ISTRESS_ERRNO_CMD_##ioctl && (q) >= IOMMU_STRESS_INFO) \
		return #ioctl;
	ISTRESS_ERRNOS(NAME_OF, cmd)
#undef NAME_OF
	return "ioctl";
}

static void say_refused(unsigned long cmd, const char *what, int err)
{
	fprintf(stderr, "iommu-stress: %s %s: %s (%s)\n", ioctl_name(cmd),
		what, dev_errno_hint(cmd, err), strerror(err));
}

/* The ioctl; on failure -errno, said on stderr when @report. */
static int ioctl_as(int fd, unsigned long cmd, void *arg, const char *what,
		    bool report)
{
	if (dev_sys->ioctl(fd, cmd, arg) == 0)
		return 0;
	int err = errno;

	if (report)
		say_refused(cmd, what, err);
	return -err;
}

static int do_ioctl(int fd, unsigned long cmd, void *arg, const char *what)
{
	return ioctl_as(fd, cmd, arg, what, true);
}

/* Copies a target name into an ioctl's name field; -EINVAL (printed) if too long. */
static int set_name(char *dst, size_t n, const char *name)
{
	if (strlen(name) >= n) {
		fprintf(stderr, "iommu-stress: target name too long: %s\n", name);
		return -EINVAL;
	}
	strcpy(dst, name);
	return 0;
}

int dev_open(const char *path)
{
	int fd = dev_sys->open(path, O_RDWR | O_CLOEXEC);

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
		dev_sys->close(fd);
}

int dev_info(int fd, struct iommu_stress_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return do_ioctl(fd, IOMMU_STRESS_INFO, info, "");
}

static int buf_alloc(int fd, uint64_t length, uint64_t chunk, int node,
		     struct dev_buf *buf, bool report)
{
	struct iommu_stress_buf_alloc a = {
		.size = sizeof(a), .length = length, .chunk_size = chunk,
		.node = node,
	};
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "of %llu bytes in %llu-byte chunks",
		 (unsigned long long)length, (unsigned long long)chunk);
	ret = ioctl_as(fd, IOMMU_STRESS_BUF_ALLOC, &a, what, report);
	if (ret)
		return ret;
	buf->id = a.buf_id;
	buf->length = length;
	buf->mem = dev_sys->mmap(NULL, length, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd, (off_t)a.mmap_offset);
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

int dev_buf_alloc(int fd, uint64_t length, uint64_t chunk, int node,
		  struct dev_buf *buf)
{
	return buf_alloc(fd, length, chunk, node, buf, true);
}

int __dev_buf_alloc(int fd, uint64_t length, uint64_t chunk, int node,
		    struct dev_buf *buf)
{
	return buf_alloc(fd, length, chunk, node, buf, false);
}

void dev_buf_unmap(struct dev_buf *buf)
{
	if (buf->mem)
		dev_sys->munmap(buf->mem, buf->length);
	buf->mem = NULL;
}

int dev_buf_free(int fd, struct dev_buf *buf)
{
	struct iommu_stress_buf_free f = { .size = sizeof(f), .buf_id = buf->id };

	if (buf->mem)
		dev_sys->munmap(buf->mem, buf->length);
	buf->mem = NULL;
	return do_ioctl(fd, IOMMU_STRESS_BUF_FREE, &f, "");
}

int dev_target_query(int fd, const char *name,
		     struct iommu_stress_target_query *out)
{
	char what[96];
	int ret;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	ret = set_name(out->name, sizeof(out->name), name);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "of %s", name);
	ret = ioctl_as(fd, IOMMU_STRESS_TARGET_QUERY, out, what, false);
	/* A module from before TARGET_QUERY: the caller falls back to INFO. */
	if (ret && ret != -ENOTTY)
		say_refused(IOMMU_STRESS_TARGET_QUERY, what, -ret);
	return ret;
}

int dev_domain_create(int fd, const char *target, uint64_t range_start,
		      uint64_t range_last, struct iommu_stress_domain_create *out)
{
	return dev_domain_create_flags(fd, target, 0, range_start, range_last,
				       out);
}

int dev_domain_create_flags(int fd, const char *target, uint32_t flags,
			    uint64_t range_start, uint64_t range_last,
			    struct iommu_stress_domain_create *out)
{
	char what[128];
	int ret;

	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->flags = flags;
	ret = set_name(out->target, sizeof(out->target), target);
	if (ret)
		return ret;
	out->range_start = range_start;
	out->range_last = range_last;
	if (range_start || range_last)
		snprintf(what, sizeof(what), "on %s with IOVA range [%#llx, %#llx]",
			 target, (unsigned long long)range_start,
			 (unsigned long long)range_last);
	else
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

static int map_as(int fd, uint32_t domain_id, const struct dev_buf *buf,
		  uint64_t iova, uint64_t offset, uint64_t length,
		  uint32_t flags, uint64_t *ns, bool report)
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
	ret = ioctl_as(fd, IOMMU_STRESS_MAP, &m, what, report);
	if (!ret && ns)
		*ns = m.ns;
	return ret;
}

int dev_map(int fd, uint32_t domain_id, const struct dev_buf *buf,
	    uint64_t iova, uint64_t offset, uint64_t length, uint32_t flags,
	    uint64_t *ns)
{
	return map_as(fd, domain_id, buf, iova, offset, length, flags, ns,
		      true);
}

int __dev_map(int fd, uint32_t domain_id, const struct dev_buf *buf,
	      uint64_t iova, uint64_t offset, uint64_t length, uint32_t flags,
	      uint64_t *ns)
{
	return map_as(fd, domain_id, buf, iova, offset, length, flags, ns,
		      false);
}

static int unmap_as(int fd, uint32_t domain_id, uint64_t iova,
		    uint64_t length, uint32_t flags, uint64_t *unmapped,
		    uint64_t *ns, uint32_t *out_flags, bool report)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .flags = flags, .domain_id = domain_id,
		.iova = iova, .length = length,
	};
	char what[96];
	int ret;

	snprintf(what, sizeof(what), "[%#llx, %#llx)", (unsigned long long)iova,
		 (unsigned long long)(iova + length));
	ret = ioctl_as(fd, IOMMU_STRESS_UNMAP, &u, what, report);
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

int dev_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
	      uint32_t flags, uint64_t *unmapped, uint64_t *ns,
	      uint32_t *out_flags)
{
	return unmap_as(fd, domain_id, iova, length, flags, unmapped, ns,
			out_flags, true);
}

int __dev_unmap(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
		uint32_t flags, uint64_t *unmapped, uint64_t *ns,
		uint32_t *out_flags)
{
	return unmap_as(fd, domain_id, iova, length, flags, unmapped, ns,
			out_flags, false);
}

static int dma(int fd, uint32_t domain_id, uint32_t dir, uint64_t iova,
	       uint32_t len, const struct dev_buf *buf, uint64_t buf_offset,
	       uint32_t *status, uint64_t *ns)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = domain_id, .dir = dir,
		.iova = iova, .length = len,
		.buf_id = buf->id, .buf_offset = buf_offset,
	};
	char what[64];
	int ret;

	snprintf(what, sizeof(what), "%s of %u bytes at %#llx",
		 dir == IOMMU_STRESS_DMA_WRITE ? "write" : "read", len,
		 (unsigned long long)iova);
	ret = do_ioctl(fd, IOMMU_STRESS_DMA, &d, what);
	if (!ret) {
		*status = d.status;
		if (ns)
			*ns = d.ns;
	}
	return ret;
}

int dev_dma_read(int fd, uint32_t domain_id, uint64_t iova, uint32_t len,
		 const struct dev_buf *buf, uint64_t buf_offset,
		 uint32_t *status, uint64_t *ns)
{
	return dma(fd, domain_id, IOMMU_STRESS_DMA_READ, iova, len, buf,
		   buf_offset, status, ns);
}

int dev_dma_write(int fd, uint32_t domain_id, uint64_t iova, uint32_t len,
		  const struct dev_buf *buf, uint64_t buf_offset,
		  uint32_t *status, uint64_t *ns)
{
	return dma(fd, domain_id, IOMMU_STRESS_DMA_WRITE, iova, len, buf,
		   buf_offset, status, ns);
}

int dev_dirty_switch(int fd, uint32_t domain_id, int on)
{
	struct iommu_stress_dirty_switch d = {
		.size = sizeof(d), .domain_id = domain_id,
	};

	return do_ioctl(fd, on ? IOMMU_STRESS_DIRTY_START : IOMMU_STRESS_DIRTY_STOP,
			&d, "");
}

int dev_dirty_read_unsaid(int fd, uint32_t domain_id, uint64_t iova,
			  uint64_t length, uint64_t page_size, uint32_t flags,
			  uint64_t *bitmap, int unsaid)
{
	struct iommu_stress_dirty_read r = {
		.size = sizeof(r), .flags = flags, .domain_id = domain_id,
		.iova = iova, .length = length, .page_size = page_size,
		.bitmap = (uint64_t)(uintptr_t)bitmap,
	};
	char what[96];

	snprintf(what, sizeof(what), "of [%#llx, %#llx)", (unsigned long long)iova,
		 (unsigned long long)(iova + length));
	int ret = ioctl_as(fd, IOMMU_STRESS_DIRTY_READ, &r, what, false);

	if (ret && ret != -unsaid)
		say_refused(IOMMU_STRESS_DIRTY_READ, what, -ret);
	return ret;
}

int dev_dirty_read(int fd, uint32_t domain_id, uint64_t iova, uint64_t length,
		   uint64_t page_size, uint32_t flags, uint64_t *bitmap)
{
	return dev_dirty_read_unsaid(fd, domain_id, iova, length, page_size,
				     flags, bitmap, 0);
}

/*
 * A batch stopped at op @i: in the words of that op's own row where its
 * ioctl has one (it failed as that ioctl would), else BATCH's.
 */
static void say_op_refused(const struct iommu_stress_batch_op *op, uint32_t i,
			   uint32_t n, int err)
{
	unsigned long cmd = op->op;

	if (!has_row(cmd, err))
		cmd = IOMMU_STRESS_BATCH;
	fprintf(stderr, "iommu-stress: BATCH op %u of %u (%s): %s (%s)\n", i, n,
		ioctl_name(op->op), dev_errno_hint(cmd, err), strerror(err));
}

int dev_batch(int fd, struct iommu_stress_batch_op *ops, uint32_t n,
	      uint32_t *done, uint64_t *ns)
{
	struct iommu_stress_batch b = {
		.size = sizeof(b), .ops = (uint64_t)(uintptr_t)ops, .nops = n,
		.op_size = sizeof(*ops),
	};
	int ret = ioctl_as(fd, IOMMU_STRESS_BATCH, &b, "", false);

	if (done)
		*done = b.done;
	if (ns)
		*ns = b.ns;
	if (!ret || ret == -ENOTTY)
		return ret;
	/* Its own arguments refused: no op ran. */
	if (b.done >= n || (ret != -EINTR && ops[b.done].result != ret))
		say_refused(IOMMU_STRESS_BATCH, "", -ret);
	else if (ret == -EINTR && ops[b.done].result != ret)
		fprintf(stderr, "iommu-stress: BATCH stopped by a signal before op %u of %u\n",
			b.done, n);
	else
		say_op_refused(&ops[b.done], b.done, n, -ret);
	return ret;
}

int dev_bench(int fd, struct iommu_stress_bench *b)
{
	char what[96];

	b->size = sizeof(*b);
	snprintf(what, sizeof(what), "of %u x %llu-byte pages at %#llx", b->count,
		 (unsigned long long)b->page_size, (unsigned long long)b->iova);
	int ret = ioctl_as(fd, IOMMU_STRESS_BENCH, b, what, false);

	if (ret && ret != -ENOTTY)
		say_refused(IOMMU_STRESS_BENCH, what, -ret);
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
