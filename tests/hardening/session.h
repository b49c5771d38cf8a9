/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session as the lifecycle and race programs use it: a domain on the
 * first free edu target, an 8 MiB buffer of 2M chunks filled with a
 * known pattern and a 4K page to read DMA back into, both mmap()ed; and
 * the calls they make on it, each returning an errno (0 on success).
 */
#ifndef IOMMU_STRESS_HARDENING_SESSION_H
#define IOMMU_STRESS_HARDENING_SESSION_H

#include <time.h>

#include "common.h"

#define SZ_4K	0x1000ull
#define SZ_1M	0x100000ull
#define SZ_2M	0x200000ull
#define SZ_1G	0x40000000ull

struct sess {
	int fd;
	char target[IOMMU_STRESS_NAME_LEN];
	struct iommu_stress_domain_create dom;
	struct iommu_stress_buf_alloc buf;	/* 8 MiB in 2M chunks */
	struct iommu_stress_buf_alloc rd;	/* one 4K page, read back */
	unsigned char *mem, *rdmem;
};

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static inline int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		err = errno;
	close(fd);
	return err;
}

/* The first free edu target: its private domain allows every case. */
static inline int edu_target(int fd, char *name)
{
	return free_target(fd, IOMMU_STRESS_BACKEND_EDU, name);
}

static inline int create(struct sess *s, const char *target)
{
	memset(&s->dom, 0, sizeof(s->dom));
	s->dom.size = sizeof(s->dom);
	snprintf(s->dom.target, sizeof(s->dom.target), "%s", target);
	return call(s->fd, IOMMU_STRESS_DOMAIN_CREATE, &s->dom);
}

static inline int alloc(struct sess *s, struct iommu_stress_buf_alloc *b,
			uint64_t len, uint64_t chunk)
{
	*b = (struct iommu_stress_buf_alloc){
		.size = sizeof(*b), .length = len, .chunk_size = chunk,
		.node = IOMMU_STRESS_NODE_ANY,
	};
	return call(s->fd, IOMMU_STRESS_BUF_ALLOC, b);
}

static inline int sess_open(struct sess *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->fd = mod_open();
	if (s->fd < 0)
		return errno;
	err = edu_target(s->fd, s->target);
	if (!err)
		err = create(s, s->target);
	if (!err)
		err = alloc(s, &s->buf, 4 * SZ_2M, IOMMU_STRESS_CHUNK_2M);
	if (!err)
		err = alloc(s, &s->rd, SZ_4K, IOMMU_STRESS_CHUNK_4K);
	if (err)
		return err;
	s->mem = mod_mmap(s->buf.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			  s->fd, (off_t)s->buf.mmap_offset);
	s->rdmem = mod_mmap(SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
			    (off_t)s->rd.mmap_offset);
	if (s->mem == MAP_FAILED || s->rdmem == MAP_FAILED)
		return errno;
	for (uint64_t i = 0; i < s->buf.length; i += 8)
		*(uint64_t *)(s->mem + i) = i ^ 0x5eed5eed5eed5eedull;
	return 0;
}

/* A live mmap keeps the file, and so the whole session, open: unmap too. */
static inline void sess_close(struct sess *s)
{
	if (s->mem && s->mem != MAP_FAILED)
		mod_munmap(s->mem, s->buf.length);
	if (s->rdmem && s->rdmem != MAP_FAILED)
		mod_munmap(s->rdmem, SZ_4K);
	if (s->fd >= 0)
		mod_close(s->fd);
	s->mem = s->rdmem = NULL;
	s->fd = -1;
}

/* MAP of buffer @buf_id's [off, off + len) at @iova, read and write. */
static inline int map_of(struct sess *s, uint32_t buf_id, uint64_t iova,
			 uint64_t off, uint64_t len, uint32_t flags)
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .flags = flags,
		.domain_id = s->dom.domain_id, .buf_id = buf_id,
		.iova = iova, .offset = off, .length = len,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};

	return call(s->fd, IOMMU_STRESS_MAP, &m);
}

/* The same of the session's own buffer. */
static inline int map(struct sess *s, uint64_t iova, uint64_t off,
		      uint64_t len, uint32_t flags)
{
	return map_of(s, s->buf.buf_id, iova, off, len, flags);
}

static inline int unmap(struct sess *s, uint64_t iova, uint64_t len,
			uint32_t flags)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .flags = flags,
		.domain_id = s->dom.domain_id, .iova = iova, .length = len,
	};

	return call(s->fd, IOMMU_STRESS_UNMAP, &u);
}

/*
 * DMA-reads @iova into the readback page; 0 when it returned buffer bytes
 * [off, off + 4095), else an errno, the transfer's status, or EIO.
 */
static inline int dma_check(struct sess *s, uint64_t iova, uint64_t off,
			    uint32_t *status)
{
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = s->dom.domain_id,
		.dir = IOMMU_STRESS_DMA_READ, .iova = iova, .length = 4095,
		.buf_id = s->rd.buf_id,
	};
	int err;

	memset(s->rdmem, 0, SZ_4K);
	err = call(s->fd, IOMMU_STRESS_DMA, &d);
	if (status)
		*status = d.status;
	if (err)
		return err;
	if (d.status)
		return (int)d.status;
	return memcmp(s->rdmem, s->mem + off, 4095) ? EIO : 0;
}

#endif
