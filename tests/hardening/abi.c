// SPDX-License-Identifier: GPL-2.0
/*
 * The module's validation table: every ioctl field that can be wrong, sent
 * wrong, must come back with its own errno, the one the errno contract
 * (include/iommu_stress_errno.h) lists for that ioctl, and change nothing:
 * after each case a DMA through a live mapping must still read its data.
 *
 * One variant per backend (include/iommu_stress_backends.h), named after
 * it: edu's targets get a private domain of the session's own, a
 * dmaengine channel the device's shared DMA-API domain, where the test
 * maps only in its range. The VM runs these against the module; run-unit
 * runs the same table against the unit tests' model of it.
 *
 * Usage (as root, module loaded, a target free):
 *	hardening-abi			the edu variant, on the first free edu
 *	hardening-abi --target NAME	the variant of NAME's backend, on NAME
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#include "common.h"
#include "iommu_stress_backends.h"

#define SZ_4K		0x1000ull
#define SZ_2M		0x200000ull
#define SZ_16M		0x1000000ull
#define SZ_64M		0x4000000ull
#define MSI_IOVA	0xfee00000ull	/* x86 interrupt range: reserved */

/* --target: the target the variant of its kind runs on. */
static const char *abi_target;

FIXTURE(abi) {
	int fd;
	int shared;			/* a channel's DMA-API domain */
	struct iommu_stress_domain_create dom;
	struct iommu_stress_buf_alloc big;	/* 4 MiB in 2M chunks */
	struct iommu_stress_buf_alloc small;	/* one 4K page */
	unsigned char *big_mem;
	uint64_t live;			/* a live 2M mapping of big */
	uint64_t free;			/* nothing mapped here */
};

FIXTURE_VARIANT(abi) {
	uint32_t backend;
	int shared;			/* its targets share their device's domain */
	uint32_t max_dma_len;
};

#define ABI_VARIANT(id, name, feature, caps, max_len)			\
	FIXTURE_VARIANT_ADD(abi, name) {				\
		.backend = IOMMU_STRESS_BACKEND_##id,			\
		.shared = !!((caps) & IOMMU_STRESS_TARGET_SHARED_DOMAIN), \
		.max_dma_len = (max_len),				\
	};
ISTRESS_BACKENDS(ABI_VARIANT)
#undef ABI_VARIANT

/*
 * The call must be refused with @err, a row of the errno contract for
 * @ioctl; BY_KIND: @on_edu on a private domain, @on_channel on a shared one.
 */
#define EXPECT_REFUSED(ioctl, err, arg)					\
	EXPECT_ERRNO(ISTRESS_ERRNO(ioctl, err),				\
		     call(self->fd, IOMMU_STRESS_##ioctl, arg))
#define EXPECT_REFUSED_BY_KIND(ioctl, on_edu, on_channel, arg)		\
	EXPECT_ERRNO(self->shared ? ISTRESS_ERRNO(ioctl, on_channel) :	\
		     ISTRESS_ERRNO(ioctl, on_edu),			\
		     call(self->fd, IOMMU_STRESS_##ioctl, arg))

static struct iommu_stress_buf_alloc base_alloc(void)
{
	return (struct iommu_stress_buf_alloc){
		.size = sizeof(struct iommu_stress_buf_alloc), .length = SZ_2M,
		.chunk_size = IOMMU_STRESS_CHUNK_2M, .node = IOMMU_STRESS_NODE_ANY,
	};
}

/* The valid arguments each case starts from, to break one thing in them. */
static struct iommu_stress_map base_map(const struct ktest_self_abi *f)
{
	return (struct iommu_stress_map){
		.size = sizeof(struct iommu_stress_map),
		.domain_id = f->dom.domain_id, .buf_id = f->big.buf_id,
		.iova = f->free, .offset = 0, .length = SZ_2M,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
}

static struct iommu_stress_unmap base_unmap(const struct ktest_self_abi *f)
{
	return (struct iommu_stress_unmap){
		.size = sizeof(struct iommu_stress_unmap),
		.domain_id = f->dom.domain_id, .iova = f->live, .length = SZ_2M,
	};
}

static struct iommu_stress_dma base_dma(const struct ktest_self_abi *f)
{
	return (struct iommu_stress_dma){
		.size = sizeof(struct iommu_stress_dma),
		.domain_id = f->dom.domain_id, .dir = IOMMU_STRESS_DMA_READ,
		.iova = f->live, .length = 4095, .buf_id = f->small.buf_id,
	};
}

static struct iommu_stress_iova_to_phys base_i2p(const struct ktest_self_abi *f)
{
	return (struct iommu_stress_iova_to_phys){
		.size = sizeof(struct iommu_stress_iova_to_phys),
		.domain_id = f->dom.domain_id, .iova = f->live,
	};
}

static struct iommu_stress_target_query base_query(const struct ktest_self_abi *f)
{
	struct iommu_stress_target_query q = { .size = sizeof(q) };

	strcpy(q.name, f->dom.target);
	return q;
}

/* 0 when a DMA through the live mapping reads its first 4095 bytes. */
static int live_mapping_reads(struct ktest_self_abi *f)
{
	struct iommu_stress_dma d = base_dma(f);
	unsigned char *small;
	int err, ok;

	small = mod_mmap(SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd,
			 (off_t)f->small.mmap_offset);
	if (small == MAP_FAILED)
		return errno;
	memset(small, 0, SZ_4K);
	err = call(f->fd, IOMMU_STRESS_DMA, &d);
	ok = !err && !d.status && !memcmp(small, f->big_mem, 4095);
	mod_munmap(small, SZ_4K);
	return err ? err : d.status ? (int)d.status : ok ? 0 : EIO;
}

/* A domain on a target of the variant's kind, two buffers, a live mapping. */
FIXTURE_SETUP(abi)
{
	struct iommu_stress_map m;

	module_up();
	self->fd = mod_open();
	ASSERT_LE(0, self->fd);
	self->dom.size = sizeof(self->dom);
	if (abi_target)
		snprintf(self->dom.target, sizeof(self->dom.target), "%s", abi_target);
	else if (free_target(self->fd, variant->backend, self->dom.target))
		SKIP(return, "no free target of this kind");
	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_DOMAIN_CREATE, &self->dom));
	self->shared = !!(self->dom.out_flags & IOMMU_STRESS_DOMAIN_SHARED);
	ASSERT_EQ(variant->shared, self->shared);
	self->live = self->dom.range_start + SZ_16M;
	self->free = self->dom.range_start + SZ_64M;
	self->big = base_alloc();
	self->big.length = 2 * SZ_2M;
	self->small = base_alloc();
	self->small.length = SZ_4K;
	self->small.chunk_size = IOMMU_STRESS_CHUNK_4K;
	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_BUF_ALLOC, &self->big));
	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_BUF_ALLOC, &self->small));
	self->big_mem = mod_mmap(self->big.length, PROT_READ | PROT_WRITE,
				 MAP_SHARED, self->fd, (off_t)self->big.mmap_offset);
	ASSERT_TRUE(self->big_mem != MAP_FAILED);
	for (size_t i = 0; i < self->big.length; i++)
		self->big_mem[i] = (unsigned char)(i * 7 + 1);
	m = base_map(self);
	m.iova = self->live;
	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_MAP, &m));
}

/* Whatever the case sent, the live mapping still reads its data. */
FIXTURE_TEARDOWN(abi)
{
	if (self->big_mem) {
		EXPECT_ERRNO(0, live_mapping_reads(self));
		mod_munmap(self->big_mem, self->big.length);
	}
	if (self->fd >= 0)
		mod_close(self->fd);
	module_down();
}

/* The check every case ends with, proven able to fail. */
TEST_F(abi, live_check_sees_a_change, "the live-mapping check sees the mapping gone")
{
	struct iommu_stress_unmap u = base_unmap(self);
	struct iommu_stress_map m = base_map(self);

	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_UNMAP, &u));
	EXPECT_NE(0, live_mapping_reads(self));
	m.iova = self->live;
	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_MAP, &m));
}

TEST_F(abi, node_mode, "device node is 0600")
{
	struct stat st;

	if (ON_FAKE_MODULE)
		SKIP(return, "the device node is the kernel's");
	ASSERT_EQ(0, stat(IOMMU_STRESS_DEVICE, &st));
	EXPECT_EQ(0600u, st.st_mode & 07777);
}

/* Without CAP_SYS_ADMIN in the effective set, open is refused. */
TEST_F(abi, open_without_cap, "open without CAP_SYS_ADMIN")
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2], saved[2];
	int fd, err;

	if (ON_FAKE_MODULE)
		SKIP(return, "capabilities are the kernel's");
	ASSERT_EQ(0, syscall(SYS_capget, &h, d));
	memcpy(saved, d, sizeof(d));
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	ASSERT_EQ(0, syscall(SYS_capset, &h, d));
	fd = mod_open();
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		mod_close(fd);
	syscall(SYS_capset, &h, saved);
	EXPECT_ERRNO(ISTRESS_ERRNO(OPEN, EPERM), err);
}

/* Struct size handling, on INFO: @size, and a byte past the struct. */
static int info_with(int fd, uint32_t size, unsigned char tail_byte)
{
	static unsigned char buf[8192];
	struct iommu_stress_info *a = (void *)buf;

	memset(buf, 0, sizeof(buf));
	a->size = size;
	buf[sizeof(*a) + 3] = tail_byte;
	return call(fd, IOMMU_STRESS_INFO, a);
}

TEST_F(abi, info_too_small, "INFO: size below the struct")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EINVAL), info_with(self->fd, 4, 0));
}

TEST_F(abi, info_bigger_zero_tail, "INFO: larger size, zero tail")
{
	EXPECT_ERRNO(0, info_with(self->fd, sizeof(struct iommu_stress_info) + 64, 0));
}

TEST_F(abi, info_bigger_dirty_tail, "INFO: larger size, non-zero tail")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, E2BIG),
		     info_with(self->fd, sizeof(struct iommu_stress_info) + 64, 0x5a));
}

TEST_F(abi, info_beyond_page, "INFO: size beyond a page")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, E2BIG), info_with(self->fd, 8192, 0));
}

TEST_F(abi, info_unknown_flag, "INFO: unknown flag")
{
	struct iommu_stress_info a = { .size = sizeof(a), .flags = 1 };

	EXPECT_REFUSED(INFO, EOPNOTSUPP, &a);
}

TEST_F(abi, null_argument, "ioctl: NULL argument")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EFAULT), call(self->fd, IOMMU_STRESS_INFO, NULL));
}

TEST_F(abi, unknown_nr, "ioctl: unknown number")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, ENOTTY),
		     call(self->fd, _IO(IOMMU_STRESS_TYPE, 0x7f), &self->dom));
}

TEST_F(abi, sized_nr, "ioctl: number with a size encoded")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, ENOTTY),
		     call(self->fd, _IOWR(IOMMU_STRESS_TYPE, 0, int), &self->dom));
}

TEST_F(abi, foreign_type, "ioctl: another driver's type")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, ENOTTY), call(self->fd, _IO('T', 0x01), &self->dom));
}

TEST_F(abi, query_unknown, "TARGET_QUERY: unknown target")
{
	struct iommu_stress_target_query a = base_query(self);

	strcpy(a.name, "dma99chan99");
	EXPECT_REFUSED(TARGET_QUERY, ENODEV, &a);
}

TEST_F(abi, query_unterminated, "TARGET_QUERY: unterminated name")
{
	struct iommu_stress_target_query a = base_query(self);

	memset(a.name, 'x', sizeof(a.name));
	EXPECT_REFUSED(TARGET_QUERY, EINVAL, &a);
}

TEST_F(abi, query_reserved, "TARGET_QUERY: reserved field")
{
	struct iommu_stress_target_query a = base_query(self);

	a.__reserved = 1;
	EXPECT_REFUSED(TARGET_QUERY, EINVAL, &a);
}

TEST_F(abi, query_reserved2, "TARGET_QUERY: reserved field at the end")
{
	struct iommu_stress_target_query a = base_query(self);

	a.__reserved2 = 1;
	EXPECT_REFUSED(TARGET_QUERY, EINVAL, &a);
}

TEST_F(abi, query_unknown_flag, "TARGET_QUERY: unknown flag")
{
	struct iommu_stress_target_query a = base_query(self);

	a.flags = 1;
	EXPECT_REFUSED(TARGET_QUERY, EOPNOTSUPP, &a);
}

TEST_F(abi, query_ok_control, "TARGET_QUERY: the valid base argument succeeds")
{
	struct iommu_stress_target_query a = base_query(self);

	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_TARGET_QUERY, &a));
	EXPECT_EQ(variant->backend, a.backend);
	EXPECT_EQ(1u, a.busy);
}

/* BUF_ALLOC: a 2M buffer of 2M chunks, with one thing broken. */
#define ALLOC_CASE(name, desc, err, stmt)				\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_buf_alloc a = base_alloc();		\
									\
		stmt;							\
		EXPECT_REFUSED(BUF_ALLOC, err, &a);			\
	}

ALLOC_CASE(alloc_zero, "BUF_ALLOC: zero length", EINVAL, a.length = 0)
ALLOC_CASE(alloc_not_chunk_multiple, "BUF_ALLOC: length not a chunk multiple",
	   EINVAL, a.length = SZ_2M + SZ_4K)
ALLOC_CASE(alloc_bad_chunk, "BUF_ALLOC: chunk size 8K", EINVAL, a.chunk_size = 0x2000)

/*
 * Whether the running kernel has the allocator the module takes 1G chunks
 * with (alloc_contig_range(), _noprof since 6.10): kernels without
 * CONFIG_CONTIG_ALLOC, such as the minimal ones kernels/build makes, have
 * none. 1 or 0; -1 where /proc/kallsyms cannot say.
 */
static int kernel_has_contig_alloc(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512];
	int found = 0, any = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		any = 1;
		found = strstr(line, " alloc_contig_range") != NULL;
	}
	fclose(f);
	return any ? found : -1;
}

/*
 * 1G chunks serve only 1G leaves: none while the module builds none, and
 * none on a kernel that gives modules no contiguous allocator.
 */
TEST_F(abi, alloc_1g_chunk, "BUF_ALLOC: 1G chunks without allow_1g_leaves=1")
{
	struct iommu_stress_buf_alloc a = base_alloc();
	struct iommu_stress_info i = { .size = sizeof(i) };
	int contig = kernel_has_contig_alloc();

	ASSERT_ERRNO(0, call(self->fd, IOMMU_STRESS_INFO, &i));
	if (i.features & IOMMU_STRESS_FEAT_1G_LEAVES)
		SKIP(return, "the module was loaded with allow_1g_leaves=1");
	if (contig < 0)
		SKIP(return, "/proc/kallsyms cannot say whether the kernel has alloc_contig_range()");
	TH_LOG("the kernel %s alloc_contig_range(): %s expected",
	       contig ? "has" : "lacks", contig ? "EPERM" : "EOPNOTSUPP");
	a.chunk_size = IOMMU_STRESS_CHUNK_1G;
	/* The second time refused before the length is looked at. */
	for (int len = 1; len >= 0; len--) {
		a.length = len ? IOMMU_STRESS_CHUNK_1G : 0;
		if (contig)
			EXPECT_REFUSED(BUF_ALLOC, EPERM, &a);
		else
			EXPECT_REFUSED(BUF_ALLOC, EOPNOTSUPP, &a);
	}
}
ALLOC_CASE(alloc_bad_node, "BUF_ALLOC: offline node", EINVAL, a.node = 999)
ALLOC_CASE(alloc_negative_node, "BUF_ALLOC: node -2", EINVAL, a.node = -2)
ALLOC_CASE(alloc_too_many_chunks, "BUF_ALLOC: more chunks than 2^32", E2BIG,
	   a.chunk_size = IOMMU_STRESS_CHUNK_4K; a.length = 1ull << 56)
ALLOC_CASE(alloc_over_cap, "BUF_ALLOC: over the memory cap", ENOMEM, a.length = 1ull << 50)
ALLOC_CASE(alloc_unknown_flag, "BUF_ALLOC: unknown flag", EOPNOTSUPP, a.flags = 1)

TEST_F(abi, free_unknown, "BUF_FREE: unknown id")
{
	struct iommu_stress_buf_free a = { .size = sizeof(a), .buf_id = 4242 };

	EXPECT_REFUSED(BUF_FREE, ENOENT, &a);
}

TEST_F(abi, free_mapped, "BUF_FREE: buffer still mapped")
{
	struct iommu_stress_buf_free a = { .size = sizeof(a), .buf_id = self->big.buf_id };

	EXPECT_REFUSED(BUF_FREE, EBUSY, &a);
}

TEST_F(abi, free_reserved, "BUF_FREE: reserved field")
{
	struct iommu_stress_buf_free a = {
		.size = sizeof(a), .buf_id = self->small.buf_id, .__reserved = 1,
	};

	EXPECT_REFUSED(BUF_FREE, EINVAL, &a);
}

TEST_F(abi, free_unknown_flag, "BUF_FREE: unknown flag")
{
	struct iommu_stress_buf_free a = {
		.size = sizeof(a), .buf_id = self->small.buf_id, .flags = 1,
	};

	EXPECT_REFUSED(BUF_FREE, EOPNOTSUPP, &a);
}

/* DOMAIN_CREATE on target @on, with one thing broken. */
#define CREATE_CASE(name, desc, err, on, stmt)				\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_domain_create a = { .size = sizeof(a) }; \
									\
		snprintf(a.target, sizeof(a.target), "%s", on);		\
		stmt;							\
		EXPECT_REFUSED(DOMAIN_CREATE, err, &a);			\
	}

CREATE_CASE(create_busy_target, "DOMAIN_CREATE: target already attached", EBUSY,
	    self->dom.target, (void)0)
CREATE_CASE(create_unknown_target, "DOMAIN_CREATE: unknown target", ENODEV,
	    "edu:9999:99:99.9", (void)0)
CREATE_CASE(create_unterminated, "DOMAIN_CREATE: unterminated name", EINVAL,
	    "", memset(a.target, 'x', sizeof(a.target)))
CREATE_CASE(create_unknown_flag, "DOMAIN_CREATE: unknown flag", EOPNOTSUPP,
	    self->dom.target, a.flags = 1u << 30)
CREATE_CASE(create_reserved, "DOMAIN_CREATE: reserved field", EINVAL,
	    self->dom.target, a.__reserved = 1)

TEST_F(abi, destroy_unknown, "DOMAIN_DESTROY: unknown id")
{
	struct iommu_stress_domain_destroy a = { .size = sizeof(a), .domain_id = 4242 };

	EXPECT_REFUSED(DOMAIN_DESTROY, ENOENT, &a);
}

TEST_F(abi, destroy_reserved, "DOMAIN_DESTROY: reserved field")
{
	struct iommu_stress_domain_destroy a = {
		.size = sizeof(a), .domain_id = self->dom.domain_id, .__reserved = 1,
	};

	EXPECT_REFUSED(DOMAIN_DESTROY, EINVAL, &a);
}

TEST_F(abi, destroy_unknown_flag, "DOMAIN_DESTROY: unknown flag")
{
	struct iommu_stress_domain_destroy a = {
		.size = sizeof(a), .domain_id = self->dom.domain_id, .flags = 1,
	};

	EXPECT_REFUSED(DOMAIN_DESTROY, EOPNOTSUPP, &a);
}

/* MAP of 2M of big at the free IOVA, with one thing broken. */
#define MAP_CASE(name, desc, err_edu, err_channel, stmt)		\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_map a = base_map(self);		\
									\
		stmt;							\
		EXPECT_REFUSED_BY_KIND(MAP, err_edu, err_channel, &a);	\
	}

MAP_CASE(map_unaligned_iova, "MAP: unaligned IOVA", EINVAL, EINVAL, a.iova += 0x800)
MAP_CASE(map_unaligned_len, "MAP: unaligned length", EINVAL, EINVAL, a.length = 0x1800)
MAP_CASE(map_zero_len, "MAP: zero length", EINVAL, EINVAL, a.length = 0)
MAP_CASE(map_unaligned_offset, "MAP: unaligned offset", EINVAL, EINVAL, a.offset = 0x800)
MAP_CASE(map_offset_past_end, "MAP: offset past the buffer", EINVAL, EINVAL,
	 a.offset = 8 * SZ_2M)
MAP_CASE(map_len_past_end, "MAP: length past the buffer", EINVAL, EINVAL,
	 a.offset = SZ_2M; a.length = 2 * SZ_2M)
MAP_CASE(map_offset_overflow, "MAP: offset + length wraps", EINVAL, EINVAL,
	 a.offset = ~0ull - 0xfff)
MAP_CASE(map_iova_wraps, "MAP: IOVA + length wraps", EOVERFLOW, EOVERFLOW,
	 a.iova = ~0ull - 0xfff)
MAP_CASE(map_beyond_aperture, "MAP: beyond the aperture", ERANGE, ERANGE,
	 a.iova = (self->dom.aperture_end + 1) & ~(SZ_2M - 1))
/* A shared domain's window (its bounce page) lies outside its range. */
MAP_CASE(map_into_window, "MAP: into the module's window", EADDRNOTAVAIL, ERANGE,
	 a.iova = self->dom.window_iova & ~(SZ_4K - 1); a.length = SZ_4K)
MAP_CASE(map_msi_region, "MAP: into the MSI region", EADDRNOTAVAIL, ERANGE,
	 a.iova = MSI_IOVA; a.length = SZ_4K)
MAP_CASE(map_over_live, "MAP: over a live mapping", EEXIST, EEXIST, a.iova = self->live)
MAP_CASE(map_over_live_edge, "MAP: across a live mapping's edge", EEXIST, EEXIST,
	 a.iova = self->live - SZ_4K; a.length = 2 * SZ_4K)
MAP_CASE(map_no_prot, "MAP: no prot bits", EINVAL, EINVAL, a.prot = 0)
MAP_CASE(map_bad_prot, "MAP: unknown prot bit", EINVAL, EINVAL, a.prot |= 1u << 7)
MAP_CASE(map_unknown_flag, "MAP: unknown flag", EOPNOTSUPP, EOPNOTSUPP, a.flags = 1u << 30)
MAP_CASE(map_reserved, "MAP: reserved field", EINVAL, EINVAL, a.__reserved = 1)
/* The module is loaded with driver_warns off, its default. */
MAP_CASE(map_overlap_off, "MAP: MAP_OVERLAP (driver_warns off, its default)",
	 EPERM, EOPNOTSUPP, a.flags = IOMMU_STRESS_MAP_OVERLAP)
MAP_CASE(map_unknown_buf, "MAP: unknown buffer", ENOENT, ENOENT, a.buf_id = 4242)
MAP_CASE(map_unknown_domain, "MAP: unknown domain", ENOENT, ENOENT, a.domain_id = 4242)

TEST_F(abi, map_size_short, "MAP: struct size too small")
{
	struct iommu_stress_map a = base_map(self);

	a.size = 8;
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EINVAL), call(self->fd, IOMMU_STRESS_MAP, &a));
}

/* The control: the argument the MAP cases start from is valid. */
TEST_F(abi, map_ok_control, "MAP: the valid base argument succeeds")
{
	struct iommu_stress_map a = base_map(self);

	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_MAP, &a));
}

/* UNMAP of the live mapping, with one thing broken. */
#define UNMAP_CASE(name, desc, err_edu, err_channel, stmt)		\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_unmap a = base_unmap(self);		\
									\
		stmt;							\
		EXPECT_REFUSED_BY_KIND(UNMAP, err_edu, err_channel, &a); \
	}

UNMAP_CASE(unmap_nothing, "UNMAP: nothing mapped there", ENOENT, ENOENT,
	   a.iova = self->free + 0x10000000)
UNMAP_CASE(unmap_unaligned, "UNMAP: unaligned IOVA", EINVAL, EINVAL, a.iova += 0x10)
UNMAP_CASE(unmap_zero_len, "UNMAP: zero length", EINVAL, EINVAL, a.length = 0)
UNMAP_CASE(unmap_wraps, "UNMAP: IOVA + length wraps", EOVERFLOW, EOVERFLOW,
	   a.length = ~0ull & ~0xfffull)
UNMAP_CASE(unmap_window, "UNMAP: the module's window", EADDRNOTAVAIL, ERANGE,
	   a.iova = self->dom.window_iova & ~(SZ_4K - 1); a.length = SZ_4K)
UNMAP_CASE(unmap_beyond_aperture, "UNMAP: beyond the aperture", ERANGE, ERANGE,
	   a.iova = (self->dom.aperture_end + 1) & ~(SZ_2M - 1))
UNMAP_CASE(unmap_unknown_flag, "UNMAP: unknown flag", EOPNOTSUPP, EOPNOTSUPP,
	   a.flags = 1u << 9)
UNMAP_CASE(unmap_reserved, "UNMAP: reserved field", EINVAL, EINVAL, a.__reserved = 1)
UNMAP_CASE(unmap_reserved2, "UNMAP: second reserved field", EINVAL, EINVAL,
	   a.__reserved2 = 1)
UNMAP_CASE(unmap_unknown_domain, "UNMAP: unknown domain", ENOENT, ENOENT,
	   a.domain_id = 4242)

/* IOVA_TO_PHYS of the live mapping, with one thing broken. */
#define I2P_CASE(name, desc, err, stmt)					\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_iova_to_phys a = base_i2p(self);	\
									\
		stmt;							\
		EXPECT_REFUSED(IOVA_TO_PHYS, err, &a);			\
	}

I2P_CASE(i2p_beyond_aperture, "IOVA_TO_PHYS: beyond the aperture", ERANGE,
	 a.iova = self->dom.aperture_end + 1)
I2P_CASE(i2p_unknown_flag, "IOVA_TO_PHYS: unknown flag", EOPNOTSUPP, a.flags = 1)
I2P_CASE(i2p_reserved, "IOVA_TO_PHYS: reserved field", EINVAL, a.__reserved = 1)
I2P_CASE(i2p_unknown_domain, "IOVA_TO_PHYS: unknown domain", ENOENT, a.domain_id = 4242)

/* DMA of 4095 bytes from the live mapping, with one thing broken. */
#define DMA_CASE(name, desc, err_edu, err_channel, stmt)		\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_dma a = base_dma(self);		\
									\
		stmt;							\
		EXPECT_REFUSED_BY_KIND(DMA, err_edu, err_channel, &a);	\
	}

DMA_CASE(dma_zero_len, "DMA: zero length", EINVAL, EINVAL, a.length = 0)
DMA_CASE(dma_huge, "DMA: 1 TiB", EMSGSIZE, EMSGSIZE, a.length = 1ull << 40)
DMA_CASE(dma_bad_dir, "DMA: direction 0", EINVAL, EINVAL, a.dir = 0)
DMA_CASE(dma_bad_dir3, "DMA: direction 3", EINVAL, EINVAL, a.dir = 3)
DMA_CASE(dma_buf_past_end, "DMA: buffer range past its end", EINVAL, EINVAL,
	 a.buf_offset = 2048)
DMA_CASE(dma_window, "DMA: the module's window", EADDRNOTAVAIL, ERANGE,
	 a.iova = self->dom.window_iova)
DMA_CASE(dma_msi_region, "DMA: write into the MSI region", EADDRNOTAVAIL, ERANGE,
	 a.iova = MSI_IOVA; a.dir = IOMMU_STRESS_DMA_WRITE)
DMA_CASE(dma_beyond_aperture, "DMA: beyond the aperture", ERANGE, ERANGE,
	 a.iova = self->dom.aperture_end + 1)
DMA_CASE(dma_wraps, "DMA: IOVA + length wraps", EINVAL, EINVAL, a.iova = ~0ull - 16)
DMA_CASE(dma_unknown_flag, "DMA: unknown flag", EOPNOTSUPP, EOPNOTSUPP, a.flags = 1)
DMA_CASE(dma_unknown_buf, "DMA: unknown buffer", ENOENT, ENOENT, a.buf_id = 4242)
DMA_CASE(dma_unknown_domain, "DMA: unknown domain", ENOENT, ENOENT, a.domain_id = 4242)

/*
 * QEMU 7.2's edu aborts on a 4096-byte transfer: its backend moves at most
 * 4095 bytes; a channel moves a page.
 */
TEST_F(abi, dma_page, "DMA: 4096 bytes (beyond edu's 4095: QEMU 7.2 would abort)")
{
	struct iommu_stress_dma a = base_dma(self);

	a.length = 4096;
	if (variant->max_dma_len >= 4096)
		EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_DMA, &a));
	else
		EXPECT_REFUSED(DMA, EMSGSIZE, &a);
}

/*
 * In a shared domain a DMA reads only what the session mapped, unless the
 * module was loaded with dma_unmapped_reads=1 (the domain says so).
 */
TEST_F(abi, dma_unmapped, "DMA: read of an IOVA nothing is mapped at")
{
	struct iommu_stress_dma a = base_dma(self);

	a.iova = self->free;
	if (self->shared &&
	    !(self->dom.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS)) {
		EXPECT_REFUSED(DMA, EACCES, &a);
		return;
	}
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_DMA, &a));
	/* edu reads zeros where the IOMMU faults; a DMA engine fails the read. */
	if (self->shared)
		EXPECT_TRUE(!a.status || a.status == ISTRESS_ERRNO(DMA_STATUS, EIO));
	else
		EXPECT_EQ(0u, a.status);
}

/*
 * BATCH. Entries not run must come back untouched: each starts with this
 * result, which no op answers.
 */
#define NOT_RUN		0x7eadbeef

static void batch_entry(struct iommu_stress_batch_op *e, unsigned long cmd,
			const void *arg, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->op = (uint32_t)cmd;
	e->result = NOT_RUN;
	memcpy(&e->map, arg, len);
}

static struct iommu_stress_batch base_batch(struct iommu_stress_batch_op *ops,
					    uint32_t n)
{
	return (struct iommu_stress_batch){
		.size = sizeof(struct iommu_stress_batch),
		.ops = (uint64_t)(uintptr_t)ops, .nops = n,
		.op_size = sizeof(struct iommu_stress_batch_op),
		/* What an answer must overwrite. */
		.done = NOT_RUN,
	};
}

/* A batch of one valid I2P, with one thing of the batch broken. */
#define BATCH_CASE(name, desc, err, stmt)				\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_iova_to_phys p = base_i2p(self);	\
		struct iommu_stress_batch_op ops[1];			\
		struct iommu_stress_batch a = base_batch(ops, 1);	\
									\
		batch_entry(&ops[0], IOMMU_STRESS_IOVA_TO_PHYS, &p, sizeof(p)); \
		stmt;							\
		EXPECT_REFUSED(BATCH, err, &a);				\
		EXPECT_EQ(NOT_RUN, ops[0].result);			\
		/* No answer for the batch's own argument errors. */	\
		EXPECT_EQ(NOT_RUN, a.done);				\
	}

BATCH_CASE(batch_unknown_flag, "BATCH: unknown flag", EOPNOTSUPP, a.flags = 1)
BATCH_CASE(batch_reserved, "BATCH: reserved field", EINVAL, a.__reserved = 1)
BATCH_CASE(batch_no_ops, "BATCH: no ops", EINVAL, a.nops = 0)
BATCH_CASE(batch_too_many, "BATCH: more ops than IOMMU_STRESS_BATCH_MAX_OPS",
	   E2BIG, a.nops = IOMMU_STRESS_BATCH_MAX_OPS + 1)
BATCH_CASE(batch_op_size_small, "BATCH: op size below the op struct", EINVAL,
	   a.op_size = sizeof(struct iommu_stress_batch_op) - 8)
BATCH_CASE(batch_op_size_odd, "BATCH: op size not a multiple of 8", EINVAL,
	   a.op_size = sizeof(struct iommu_stress_batch_op) + 4)
BATCH_CASE(batch_op_size_huge, "BATCH: op size beyond a page", E2BIG,
	   a.op_size = 8192)

TEST_F(abi, batch_size_short, "BATCH: struct size too small")
{
	struct iommu_stress_batch a = base_batch(NULL, 1);

	a.size = 8;
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EINVAL), call(self->fd, IOMMU_STRESS_BATCH, &a));
}

TEST_F(abi, batch_no_vector, "BATCH: a vector that cannot be read")
{
	struct iommu_stress_batch a = base_batch(NULL, 2);

	EXPECT_REFUSED(BATCH, EFAULT, &a);
	EXPECT_EQ(0u, a.done);
}

/*
 * MAP at the free IOVA, DMA of it, its walk, UNMAP: each answered as its
 * single ioctl answers, in one call.
 */
TEST_F(abi, batch_ok_control, "BATCH: MAP, DMA, IOVA_TO_PHYS, UNMAP in one call")
{
	struct iommu_stress_map m = base_map(self);
	struct iommu_stress_dma d = base_dma(self);
	struct iommu_stress_iova_to_phys p = base_i2p(self);
	struct iommu_stress_unmap u = base_unmap(self);
	struct iommu_stress_batch_op ops[4];
	struct iommu_stress_batch a = base_batch(ops, 4);
	unsigned char *small;

	d.iova = p.iova = u.iova = m.iova;
	batch_entry(&ops[0], IOMMU_STRESS_MAP, &m, sizeof(m));
	batch_entry(&ops[1], IOMMU_STRESS_DMA, &d, sizeof(d));
	batch_entry(&ops[2], IOMMU_STRESS_IOVA_TO_PHYS, &p, sizeof(p));
	batch_entry(&ops[3], IOMMU_STRESS_UNMAP, &u, sizeof(u));
	small = mod_mmap(SZ_4K, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
			 (off_t)self->small.mmap_offset);
	ASSERT_TRUE(small != MAP_FAILED);
	memset(small, 0, SZ_4K);
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_BATCH, &a));
	EXPECT_EQ(4u, a.done);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(0, ops[i].result);
	EXPECT_LE(ops[0].start_ns + ops[0].ns, ops[1].start_ns);
	EXPECT_LE(ops[2].start_ns + ops[2].ns, a.ns);
	/* The answers, as the single ioctls give them. */
	EXPECT_EQ(0u, ops[1].dma.status);
	EXPECT_EQ(0, memcmp(small, self->big_mem, 4095));
	EXPECT_EQ(IOMMU_STRESS_I2P_MAPPED | IOMMU_STRESS_I2P_OURS,
		  ops[2].iova_to_phys.out_flags);
	EXPECT_EQ(self->big.buf_id, ops[2].iova_to_phys.buf_id);
	EXPECT_EQ(SZ_2M, ops[3].unmap.unmapped);
	EXPECT_EQ((uint32_t)sizeof(u), ops[3].unmap.size);
	mod_munmap(small, SZ_4K);
}

/* The failing op's errno, its index; what came before stays done. */
TEST_F(abi, batch_stops_at_failure, "BATCH: stops at the first failing op, says which")
{
	struct iommu_stress_map m = base_map(self), over = base_map(self);
	struct iommu_stress_unmap u = base_unmap(self);
	struct iommu_stress_batch_op ops[3];
	struct iommu_stress_batch a = base_batch(ops, 3);

	over.iova = self->live;
	u.iova = m.iova;
	batch_entry(&ops[0], IOMMU_STRESS_MAP, &m, sizeof(m));
	batch_entry(&ops[1], IOMMU_STRESS_MAP, &over, sizeof(over));
	batch_entry(&ops[2], IOMMU_STRESS_UNMAP, &u, sizeof(u));
	EXPECT_REFUSED(BATCH, EEXIST, &a);
	EXPECT_EQ(1u, a.done);
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(-ISTRESS_ERRNO(MAP, EEXIST), ops[1].result);
	EXPECT_EQ(NOT_RUN, ops[2].result);
	/* The first MAP took effect, the UNMAP after the failure did not. */
	EXPECT_REFUSED(MAP, EEXIST, &m);
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_UNMAP, &u));
}

/* Op @bad of a batch [I2P, bad]: refused with @err, the I2P done. */
static void batch_bad_second(struct ktest_meta *_ktest,
			     struct ktest_self_abi *self, const void *bad,
			     unsigned long cmd, int err)
{
	struct iommu_stress_iova_to_phys p = base_i2p(self);
	struct iommu_stress_batch_op ops[2];
	struct iommu_stress_batch a = base_batch(ops, 2);

	batch_entry(&ops[0], IOMMU_STRESS_IOVA_TO_PHYS, &p, sizeof(p));
	batch_entry(&ops[1], cmd, bad, sizeof(ops[1].__space));
	EXPECT_ERRNO(err, call(self->fd, IOMMU_STRESS_BATCH, &a));
	EXPECT_EQ(1u, a.done);
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(-err, ops[1].result);
}

TEST_F(abi, batch_op_not_batchable, "BATCH: an op other than MAP, UNMAP, DMA, IOVA_TO_PHYS")
{
	struct iommu_stress_info i = { .size = sizeof(i) };

	batch_bad_second(_ktest, self, &i, IOMMU_STRESS_INFO, ISTRESS_ERRNO(BATCH, EINVAL));
	batch_bad_second(_ktest, self, &i, 0x7f, ISTRESS_ERRNO(BATCH, EINVAL));
}

TEST_F(abi, batch_op_errno, "BATCH: an op's own refusal, its own errno")
{
	unsigned char raw[104] = { 0 };
	struct iommu_stress_map m = base_map(self);

	m.prot = 0;
	memcpy(raw, &m, sizeof(m));
	batch_bad_second(_ktest, self, raw, IOMMU_STRESS_MAP, ISTRESS_ERRNO(MAP, EINVAL));
}

TEST_F(abi, batch_op_size_short, "BATCH: an op's struct size too small")
{
	unsigned char raw[104] = { 0 };
	struct iommu_stress_map m = base_map(self);

	m.size = 8;
	memcpy(raw, &m, sizeof(m));
	batch_bad_second(_ktest, self, raw, IOMMU_STRESS_MAP, ISTRESS_ERRNO(BATCH, EINVAL));
}

TEST_F(abi, batch_op_past_slot, "BATCH: an op's struct larger than its slot")
{
	unsigned char raw[104] = { 0 };
	struct iommu_stress_map m = base_map(self);

	m.size = sizeof(raw) + 8;
	memcpy(raw, &m, sizeof(m));
	batch_bad_second(_ktest, self, raw, IOMMU_STRESS_MAP, ISTRESS_ERRNO(BATCH, E2BIG));
}

TEST_F(abi, batch_op_dirty_tail, "BATCH: an op's larger struct, non-zero tail")
{
	unsigned char raw[104] = { 0 };
	struct iommu_stress_map m = base_map(self);

	m.size = sizeof(raw);
	memcpy(raw, &m, sizeof(m));
	raw[sizeof(raw) - 1] = 0x5a;
	batch_bad_second(_ktest, self, raw, IOMMU_STRESS_MAP, ISTRESS_ERRNO(BATCH, E2BIG));
}

/* A DMA op's own refusal comes before the batch's budget. */
TEST_F(abi, batch_op_dma_huge, "BATCH: a 1 TiB DMA op, refused as the single ioctl refuses it")
{
	struct iommu_stress_dma d = base_dma(self);
	unsigned char raw[104] = { 0 };

	d.length = 1ull << 40;
	memcpy(raw, &d, sizeof(d));
	batch_bad_second(_ktest, self, raw, IOMMU_STRESS_DMA, ISTRESS_ERRNO(DMA, EMSGSIZE));
}

/* A larger struct with a zero tail is taken, as by the single ioctl. */
TEST_F(abi, batch_op_zero_tail, "BATCH: an op's larger struct, zero tail")
{
	struct iommu_stress_iova_to_phys p = base_i2p(self);
	struct iommu_stress_batch_op ops[1];
	struct iommu_stress_batch a = base_batch(ops, 1);

	p.size = sizeof(ops[0].__space);
	batch_entry(&ops[0], IOMMU_STRESS_IOVA_TO_PHYS, &p, sizeof(p));
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_BATCH, &a));
	EXPECT_EQ(1u, a.done);
	EXPECT_TRUE(ops[0].iova_to_phys.out_flags & IOMMU_STRESS_I2P_MAPPED);
	EXPECT_EQ((uint32_t)sizeof(ops[0].__space), ops[0].iova_to_phys.size);
}

/*
 * DMA ops move at most IOMMU_STRESS_BATCH_MAX_DMA_BYTES together: the
 * one that would pass that is refused and not run.
 */
TEST_F(abi, batch_dma_budget, "BATCH: DMA ops past IOMMU_STRESS_BATCH_MAX_DMA_BYTES")
{
	const uint32_t n = IOMMU_STRESS_BATCH_MAX_DMA_BYTES / 4095 + 1;
	static struct iommu_stress_batch_op ops[IOMMU_STRESS_BATCH_MAX_OPS];
	struct iommu_stress_batch a = base_batch(ops, n);
	struct iommu_stress_dma d = base_dma(self);

	ASSERT_LE(n, IOMMU_STRESS_BATCH_MAX_OPS);
	for (uint32_t i = 0; i < n; i++)
		batch_entry(&ops[i], IOMMU_STRESS_DMA, &d, sizeof(d));
	EXPECT_REFUSED(BATCH, E2BIG, &a);
	EXPECT_EQ(n - 1, a.done);
	EXPECT_EQ(0u, ops[n - 2].dma.status);
	EXPECT_EQ(-ISTRESS_ERRNO(BATCH, E2BIG), ops[n - 1].result);
}

/*
 * The budget spent, a DMA op the single ioctl refuses gets its answer,
 * not the budget's: @bad's errno @err as op n - 1 of the batch above.
 */
static void batch_dma_spent(struct ktest_meta *_ktest,
			    struct ktest_self_abi *self,
			    const struct iommu_stress_dma *bad, int err)
{
	const uint32_t n = IOMMU_STRESS_BATCH_MAX_DMA_BYTES / 4095 + 1;
	static struct iommu_stress_batch_op ops[IOMMU_STRESS_BATCH_MAX_OPS];
	struct iommu_stress_batch a = base_batch(ops, n);
	struct iommu_stress_dma d = base_dma(self);

	for (uint32_t i = 0; i < n - 1; i++)
		batch_entry(&ops[i], IOMMU_STRESS_DMA, &d, sizeof(d));
	batch_entry(&ops[n - 1], IOMMU_STRESS_DMA, bad, sizeof(*bad));
	EXPECT_ERRNO(err, call(self->fd, IOMMU_STRESS_BATCH, &a));
	EXPECT_EQ(n - 1, a.done);
	EXPECT_EQ(-err, ops[n - 1].result);
}

TEST_F(abi, batch_dma_spent_refused, "BATCH: DMA budget spent, an op's own refusal first")
{
	struct iommu_stress_dma d = base_dma(self);

	d.flags = 1u << 7;
	batch_dma_spent(_ktest, self, &d, ISTRESS_ERRNO(DMA, EOPNOTSUPP));
	d = base_dma(self);
	d.dir = 7;
	batch_dma_spent(_ktest, self, &d, ISTRESS_ERRNO(DMA, EINVAL));
	d = base_dma(self);
	d.iova = ~0ull - 8;
	batch_dma_spent(_ktest, self, &d, ISTRESS_ERRNO(DMA, EINVAL));
}

/* SKIP_SYNC in a batch, refused exactly where the domain says so. */
TEST_F(abi, batch_skip_sync, "BATCH: MAP then UNMAP with SKIP_SYNC")
{
	struct iommu_stress_map m = base_map(self);
	struct iommu_stress_unmap u = base_unmap(self);
	struct iommu_stress_batch_op ops[2];
	struct iommu_stress_batch a = base_batch(ops, 2);
	int refused = !!(self->dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP);

	u.iova = m.iova;
	u.flags = IOMMU_STRESS_UNMAP_SKIP_SYNC;
	batch_entry(&ops[0], IOMMU_STRESS_MAP, &m, sizeof(m));
	batch_entry(&ops[1], IOMMU_STRESS_UNMAP, &u, sizeof(u));
	EXPECT_ERRNO(refused ? ISTRESS_ERRNO(UNMAP, EOPNOTSUPP) : 0,
		     call(self->fd, IOMMU_STRESS_BATCH, &a));
	EXPECT_EQ(refused ? 1u : 2u, a.done);
	if (refused) {
		u.flags = 0;
		EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_UNMAP, &u));
	} else {
		EXPECT_EQ(SZ_2M, ops[1].unmap.unmapped);
	}
}

/* BENCH: 4 pages of 4K at the free IOVA, 2 rounds. */
static struct iommu_stress_bench base_bench(const struct ktest_self_abi *f)
{
	return (struct iommu_stress_bench){
		.size = sizeof(struct iommu_stress_bench),
		.domain_id = f->dom.domain_id, .buf_id = f->big.buf_id,
		.iova = f->free, .offset = 0, .page_size = SZ_4K,
		.count = 4, .rounds = 2,
	};
}

/* BENCH with one thing broken. */
#define BENCH_CASE(name, desc, err_edu, err_channel, stmt)		\
	TEST_F(abi, name, desc)						\
	{								\
		struct iommu_stress_bench a = base_bench(self);		\
									\
		stmt;							\
		EXPECT_REFUSED_BY_KIND(BENCH, err_edu, err_channel, &a); \
		EXPECT_EQ(0u, a.ops);					\
	}

BENCH_CASE(bench_unknown_flag, "BENCH: unknown flag", EOPNOTSUPP, EOPNOTSUPP,
	   a.flags = 1u << 7)
BENCH_CASE(bench_reserved, "BENCH: reserved field", EINVAL, EINVAL, a.__reserved = 1)
BENCH_CASE(bench_zero_count, "BENCH: no pages", EINVAL, EINVAL, a.count = 0)
BENCH_CASE(bench_zero_rounds, "BENCH: no rounds", EINVAL, EINVAL, a.rounds = 0)
BENCH_CASE(bench_count_huge, "BENCH: more pages than IOMMU_STRESS_BENCH_MAX_COUNT",
	   E2BIG, E2BIG, a.count = IOMMU_STRESS_BENCH_MAX_COUNT + 1)
BENCH_CASE(bench_ops_huge, "BENCH: more ops than IOMMU_STRESS_BENCH_MAX_OPS",
	   E2BIG, E2BIG, a.rounds = IOMMU_STRESS_BENCH_MAX_OPS / 8 + 1)

/* The smallest power of two above 4K the bitmap lacks, 0 if none. */
static uint64_t unlisted_page_size(uint64_t pgsize_bitmap)
{
	for (uint64_t pg = 2 * SZ_4K; pg; pg <<= 1)
		if (!(pgsize_bitmap & pg))
			return pg;
	return 0;
}

TEST_F(abi, bench_page_unlisted, "BENCH: a page size the domain does not map")
{
	struct iommu_stress_bench a = base_bench(self);

	a.page_size = unlisted_page_size(self->dom.pgsize_bitmap);
	/* 5.10's intel driver lists every power of two from 4K up. */
	if (!a.page_size)
		SKIP(return, "the domain lists every page size from 4K up");
	EXPECT_REFUSED_BY_KIND(BENCH, EINVAL, EINVAL, &a);
	EXPECT_EQ(0u, a.ops);
}
BENCH_CASE(bench_page_odd, "BENCH: a page size not a power of two", EINVAL, EINVAL,
	   a.page_size = 0x3000)
BENCH_CASE(bench_unaligned_iova, "BENCH: IOVA not aligned to the page size", EINVAL,
	   EINVAL, a.iova += SZ_4K; a.page_size = SZ_2M; a.count = 1)
BENCH_CASE(bench_unaligned_offset, "BENCH: offset not aligned to the page size",
	   EINVAL, EINVAL, a.offset = SZ_4K; a.page_size = SZ_2M; a.count = 1)
BENCH_CASE(bench_past_buffer, "BENCH: a range past the buffer", EINVAL, EINVAL,
	   a.page_size = SZ_2M; a.count = 3)
BENCH_CASE(bench_wraps, "BENCH: IOVA + length wraps", EOVERFLOW, EOVERFLOW,
	   a.iova = ~0ull & ~(SZ_4K - 1))
BENCH_CASE(bench_beyond_aperture, "BENCH: beyond the aperture", ERANGE, ERANGE,
	   a.iova = (self->dom.aperture_end + 1) & ~(SZ_2M - 1))
BENCH_CASE(bench_window, "BENCH: the module's window", EADDRNOTAVAIL, ERANGE,
	   a.iova = self->dom.window_iova & ~(SZ_4K - 1); a.count = 1)
BENCH_CASE(bench_over_live, "BENCH: over a live mapping", EEXIST, EEXIST,
	   a.iova = self->live)
/* Its answer is written on every failure, none of the caller's kept. */
BENCH_CASE(bench_unknown_buf, "BENCH: unknown buffer", ENOENT, ENOENT,
	   a.buf_id = 4242; a.ops = NOT_RUN)
BENCH_CASE(bench_unknown_domain, "BENCH: unknown domain", ENOENT, ENOENT,
	   a.domain_id = 4242; a.ops = NOT_RUN)

/* The DMA API: a shared domain's own, at PAGE_SIZE, at the IOVA it picks. */
BENCH_CASE(bench_dma_api_iova, "BENCH: DMA_API with an IOVA, or in a private domain",
	   EOPNOTSUPP, EINVAL, a.flags = IOMMU_STRESS_BENCH_DMA_API)
BENCH_CASE(bench_dma_api_through_map, "BENCH: DMA_API with THROUGH_MAP",
	   EOPNOTSUPP, EINVAL,
	   a.flags = IOMMU_STRESS_BENCH_DMA_API | IOMMU_STRESS_BENCH_THROUGH_MAP;
	   a.iova = 0)
BENCH_CASE(bench_dma_api_2m, "BENCH: DMA_API at 2M", EOPNOTSUPP, EINVAL,
	   a.flags = IOMMU_STRESS_BENCH_DMA_API; a.iova = 0;
	   a.page_size = SZ_2M; a.count = 1)

TEST_F(abi, bench_dma_api_private, "BENCH: DMA_API in a private domain, valid otherwise")
{
	struct iommu_stress_bench a = base_bench(self);

	if (self->shared)
		SKIP(return, "a shared domain takes it (bench_dma_api)");
	a.flags = IOMMU_STRESS_BENCH_DMA_API;
	a.iova = 0;
	EXPECT_REFUSED(BENCH, EOPNOTSUPP, &a);
	EXPECT_EQ(0u, a.ops);
}

/* The module loads without allow_1g_leaves: no 1G leaf, even for BENCH. */
TEST_F(abi, bench_1g, "BENCH: 1G pages without allow_1g_leaves")
{
	struct iommu_stress_bench a = base_bench(self);

	a.page_size = 1ull << 30;
	a.iova = 0;
	a.count = 1;
	if (self->dom.pgsize_bitmap & a.page_size)
		EXPECT_REFUSED(BENCH, EPERM, &a);
	else
		EXPECT_REFUSED(BENCH, EINVAL, &a);
}

TEST_F(abi, bench_size_short, "BENCH: struct size too small")
{
	struct iommu_stress_bench a = base_bench(self);

	a.size = 8;
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EINVAL), call(self->fd, IOMMU_STRESS_BENCH, &a));
}

/* Nothing the loop mapped is left; the range maps as before. */
static void bench_left_nothing(struct ktest_meta *_ktest,
			       struct ktest_self_abi *self, uint64_t iova,
			       uint64_t len)
{
	struct iommu_stress_iova_to_phys p = base_i2p(self);
	struct iommu_stress_map m = base_map(self);
	struct iommu_stress_unmap u = base_unmap(self);

	for (uint64_t off = 0; off < len; off += SZ_4K) {
		p.iova = iova + off;
		EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_IOVA_TO_PHYS, &p));
		EXPECT_EQ(0u, p.out_flags);
	}
	m.iova = u.iova = iova;
	m.length = u.length = len;
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_MAP, &m));
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_UNMAP, &u));
}

/* Both ways: every op done and timed, each round's times written. */
static void bench_runs(struct ktest_meta *_ktest, struct ktest_self_abi *self,
		       uint32_t flags)
{
	struct iommu_stress_bench a = base_bench(self);
	uint32_t lat[2 * 4 * 2];
	uint64_t map_sum = 0, unmap_sum = 0;

	memset(lat, 0, sizeof(lat));
	a.flags = flags;
	a.lat_ns = (uint64_t)(uintptr_t)lat;
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_BENCH, &a));
	EXPECT_EQ(16u, a.ops);
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 4; i++) {
			EXPECT_LT(0u, lat[r * 8 + i]);
			EXPECT_LT(0u, lat[r * 8 + 4 + i]);
			map_sum += lat[r * 8 + i];
			unmap_sum += lat[r * 8 + 4 + i];
		}
	EXPECT_EQ(map_sum, a.map_ns);
	EXPECT_EQ(unmap_sum, a.unmap_ns);
	EXPECT_LE(a.map_ns + a.unmap_ns, a.ns);
	bench_left_nothing(_ktest, self, a.iova, 4 * SZ_4K);
}

TEST_F(abi, bench_ok_control, "BENCH: the valid base argument, bare driver calls")
{
	bench_runs(_ktest, self, 0);
}

TEST_F(abi, bench_through_map, "BENCH: through MAP and UNMAP")
{
	bench_runs(_ktest, self, IOMMU_STRESS_BENCH_THROUGH_MAP);
}

/* Every op done and timed; the session's range untouched. */
TEST_F(abi, bench_dma_api, "BENCH: through the DMA API, in a shared domain")
{
	struct iommu_stress_bench a = base_bench(self);
	uint32_t lat[2 * 4 * 2];
	uint64_t sum = 0;

	if (!self->shared)
		SKIP(return, "a private domain leaves the DMA-API domain detached");
	memset(lat, 0, sizeof(lat));
	a.flags = IOMMU_STRESS_BENCH_DMA_API;
	a.iova = 0;
	a.lat_ns = (uint64_t)(uintptr_t)lat;
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_BENCH, &a));
	EXPECT_EQ(16u, a.ops);
	for (int i = 0; i < 16; i++) {
		EXPECT_LT(0u, lat[i]);
		sum += lat[i];
	}
	EXPECT_EQ(sum, a.map_ns + a.unmap_ns);
	EXPECT_LE(a.map_ns + a.unmap_ns, a.ns);
	bench_left_nothing(_ktest, self, self->free, 4 * SZ_4K);
}

/* 2M pages, one round each way, from the buffer of 2M chunks. */
TEST_F(abi, bench_2m, "BENCH: 2M pages")
{
	struct iommu_stress_bench a = base_bench(self);

	if (!(self->dom.pgsize_bitmap & SZ_2M))
		SKIP(return, "the domain maps no 2M pages");
	a.page_size = SZ_2M;
	a.count = 2;
	EXPECT_ERRNO(0, call(self->fd, IOMMU_STRESS_BENCH, &a));
	EXPECT_EQ(8u, a.ops);
	bench_left_nothing(_ktest, self, a.iova, 2 * SZ_2M);
}

/* Through MAP, the loop stops at the live page, having unmapped its own. */
TEST_F(abi, bench_through_map_stops, "BENCH: through MAP, up to a live mapping, answered")
{
	struct iommu_stress_bench a = base_bench(self);

	a.flags = IOMMU_STRESS_BENCH_THROUGH_MAP;
	a.iova = self->live - 2 * SZ_4K;
	EXPECT_REFUSED(BENCH, EEXIST, &a);
	EXPECT_EQ(4u, a.ops);
	bench_left_nothing(_ktest, self, a.iova, 2 * SZ_4K);
}

TEST_F(abi, bench_lat_unwritable, "BENCH: a latency array that cannot be written")
{
	struct iommu_stress_bench a = base_bench(self);

	if (ON_FAKE_MODULE)
		SKIP(return, "the model writes where it is told");
	a.lat_ns = 8;
	EXPECT_REFUSED(BENCH, EFAULT, &a);
	bench_left_nothing(_ktest, self, a.iova, 4 * SZ_4K);
}

/* A signal that interrupts (no SA_RESTART), @ms from now, once. */
static void on_alarm(int sig)
{
	(void)sig;
}

static void alarm_in(unsigned int ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
					      .tv_usec = (ms % 1000) * 1000 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

static void alarm_off(void)
{
	struct itimerval it = { 0 };

	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGALRM, SIG_DFL);
}

/*
 * A signal between two ops stops a batch: the ops before it done, the
 * rest untouched. 64 DMAs take 6.4 s of guest time on edu (100 ms each).
 */
TEST_F(abi, batch_interrupted, "BATCH: a signal between ops stops it, says how far it got")
{
	static struct iommu_stress_batch_op ops[64];
	struct iommu_stress_batch a = base_batch(ops, 64);
	struct iommu_stress_dma d = base_dma(self);
	int err;

	if (ON_FAKE_MODULE)
		SKIP(return, "the model takes no signals");
	for (int i = 0; i < 64; i++)
		batch_entry(&ops[i], IOMMU_STRESS_DMA, &d, sizeof(d));
	alarm_in(350);
	err = call(self->fd, IOMMU_STRESS_BATCH, &a);
	alarm_off();
	TH_LOG("BATCH of 64 DMAs, a signal: errno %d, %u ops done", err, a.done);
	EXPECT_ERRNO(ISTRESS_ERRNO(BATCH, EINTR), err);
	EXPECT_LT(0u, a.done);
	EXPECT_GT(64u, a.done);
	EXPECT_EQ(0, ops[a.done - 1].result);
	EXPECT_EQ(NOT_RUN, ops[a.done].result);
}

/* BENCH stops between rounds for a signal, everything unmapped. */
TEST_F(abi, bench_interrupted, "BENCH: a signal stops it between rounds, all unmapped")
{
	struct iommu_stress_bench a = base_bench(self);
	int err;

	if (ON_FAKE_MODULE)
		SKIP(return, "the model takes no signals");
	a.count = 1;
	a.rounds = IOMMU_STRESS_BENCH_MAX_OPS / 2;
	alarm_in(100);
	err = call(self->fd, IOMMU_STRESS_BENCH, &a);
	alarm_off();
	TH_LOG("BENCH of %u rounds, a signal: errno %d, %u ops done", a.rounds, err, a.ops);
	EXPECT_ERRNO(ISTRESS_ERRNO(BENCH, EINTR), err);
	EXPECT_LT(0u, a.ops);
	EXPECT_GT(IOMMU_STRESS_BENCH_MAX_OPS, a.ops);
	EXPECT_EQ(0u, a.ops % 2);
	bench_left_nothing(_ktest, self, a.iova, SZ_4K);
}

/* mmap() of the session fd at @off: its errno, or 0. */
static int mmap_errno(int fd, off_t off, size_t len, int flags)
{
	void *p = mod_mmap(len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (p == MAP_FAILED)
		return errno;
	mod_munmap(p, len);
	return 0;
}

TEST_F(abi, mmap_no_buffer, "mmap: offset of no buffer")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MMAP, EINVAL),
		     mmap_errno(self->fd, 1ll << 40, 4096, MAP_SHARED));
}

TEST_F(abi, mmap_past_end, "mmap: past the buffer's end")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MMAP, EINVAL),
		     mmap_errno(self->fd, (off_t)self->small.mmap_offset, 2 * 4096, MAP_SHARED));
}

TEST_F(abi, mmap_private, "mmap: MAP_PRIVATE")
{
	EXPECT_ERRNO(ISTRESS_ERRNO(MMAP, EINVAL),
		     mmap_errno(self->fd, (off_t)self->small.mmap_offset, 4096, MAP_PRIVATE));
}

#ifndef HARDENING_ON_FAKE_MODULE
/* The variant of --target's backend, or edu's. */
static const char *variant_of(const char *target)
{
	struct iommu_stress_target_query q = { .size = sizeof(q) };
	const struct istress_backend_row *be;
	static char name[64];
	int fd = mod_open();

	if (!target)
		return "abi.edu";
	snprintf(q.name, sizeof(q.name), "%s", target);
	if (fd < 0 || call(fd, IOMMU_STRESS_TARGET_QUERY, &q)) {
		perror(target);
		exit(2);
	}
	mod_close(fd);
	be = istress_backend(q.backend);
	if (!be) {
		fprintf(stderr, "%s: backend %u is none this program knows\n",
			target, q.backend);
		exit(2);
	}
	snprintf(name, sizeof(name), "abi.%s", be->name);
	return name;
}

int main(int argc, char **argv)
{
	char *sel[1];

	if (argc == 2 && !strcmp(argv[1], "-l"))
		return ktest_main(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "--target"))
		abi_target = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: %s [--target NAME]\n", argv[0]);
		return 2;
	}
	sel[0] = (char *)variant_of(abi_target);
	return ktest_run(1, sel);
}
#endif
