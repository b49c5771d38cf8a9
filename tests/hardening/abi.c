// SPDX-License-Identifier: GPL-2.0
/*
 * The module's validation table: every ioctl field that can be wrong, sent
 * wrong, must come back with its own errno and change nothing. After the
 * table, a DMA through the untouched live mapping must still read the
 * right data.
 *
 * Usage (as root, module loaded, an edu target free): hardening-abi
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "common.h"

#define SZ_4K		0x1000ull
#define SZ_2M		0x200000ull
#define LIVE_IOVA	0x1000000ull	/* a live 2M mapping */
#define FREE_IOVA	0x4000000ull	/* nothing mapped here */
#define MSI_IOVA	0xfee00000ull	/* x86 interrupt range: reserved */

struct fixture {
	int fd;
	const char *target;
	struct iommu_stress_domain_create dom;
	struct iommu_stress_buf_alloc big;	/* 4 MiB in 2M chunks */
	struct iommu_stress_buf_alloc small;	/* one 4K page */
	unsigned char *big_mem;
};

static struct fixture F;

static struct iommu_stress_map base_map(void)
{
	return (struct iommu_stress_map){
		.size = sizeof(struct iommu_stress_map),
		.domain_id = F.dom.domain_id, .buf_id = F.big.buf_id,
		.iova = FREE_IOVA, .offset = 0, .length = SZ_2M,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
}

static struct iommu_stress_unmap base_unmap(void)
{
	return (struct iommu_stress_unmap){
		.size = sizeof(struct iommu_stress_unmap),
		.domain_id = F.dom.domain_id, .iova = LIVE_IOVA, .length = SZ_2M,
	};
}

static struct iommu_stress_dma base_dma(void)
{
	return (struct iommu_stress_dma){
		.size = sizeof(struct iommu_stress_dma),
		.domain_id = F.dom.domain_id, .dir = IOMMU_STRESS_DMA_READ,
		.iova = LIVE_IOVA, .length = 4095, .buf_id = F.small.buf_id,
	};
}

static struct iommu_stress_buf_alloc base_alloc(void)
{
	return (struct iommu_stress_buf_alloc){
		.size = sizeof(struct iommu_stress_buf_alloc), .length = SZ_2M,
		.chunk_size = IOMMU_STRESS_CHUNK_2M, .node = IOMMU_STRESS_NODE_ANY,
	};
}

static struct iommu_stress_iova_to_phys base_i2p(void)
{
	return (struct iommu_stress_iova_to_phys){
		.size = sizeof(struct iommu_stress_iova_to_phys),
		.domain_id = F.dom.domain_id, .iova = LIVE_IOVA,
	};
}

/* One case: start from a valid argument, break one thing, send it. */
#define CASE(fn, type, base, cmd, stmt)					\
	static int fn(void)						\
	{								\
		type a = base();					\
		stmt;							\
		return call(F.fd, cmd, &a);				\
	}

CASE(map_ok_control, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, (void)0)
CASE(map_unaligned_iova, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova += 0x800)
CASE(map_unaligned_len, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.length = 0x1800)
CASE(map_zero_len, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.length = 0)
CASE(map_unaligned_offset, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.offset = 0x800)
CASE(map_offset_past_end, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.offset = 8 * SZ_2M)
CASE(map_len_past_end, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.offset = SZ_2M; a.length = 2 * SZ_2M)
CASE(map_offset_overflow, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.offset = ~0ull - 0xfff)
CASE(map_iova_wraps, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova = ~0ull - 0xfff)
CASE(map_beyond_aperture, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova = (F.dom.aperture_end + 1) & ~(SZ_2M - 1))
CASE(map_into_window, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova = F.dom.window_iova)
CASE(map_msi_region, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova = MSI_IOVA; a.length = SZ_4K)
CASE(map_over_live, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova = LIVE_IOVA)
CASE(map_over_live_edge, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.iova = LIVE_IOVA - SZ_4K; a.length = 2 * SZ_4K)
CASE(map_no_prot, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.prot = 0)
CASE(map_bad_prot, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.prot |= 1u << 7)
CASE(map_unknown_flag, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.flags = 1u << 30)
CASE(map_reserved, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.__reserved = 1)
/* The module is loaded with driver_warns off, its default. */
CASE(map_overlap_off, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.flags = IOMMU_STRESS_MAP_OVERLAP)
CASE(map_unknown_buf, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.buf_id = 4242)
CASE(map_unknown_domain, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.domain_id = 4242)
CASE(map_size_short, struct iommu_stress_map, base_map, IOMMU_STRESS_MAP, a.size = 8)
CASE(unmap_nothing, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.iova = FREE_IOVA + 0x10000000)
CASE(unmap_unaligned, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.iova += 0x10)
CASE(unmap_zero_len, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.length = 0)
CASE(unmap_wraps, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.length = ~0ull & ~0xfffull)
CASE(unmap_window, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.iova = F.dom.window_iova; a.length = SZ_4K)
CASE(unmap_beyond_aperture, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.iova = (F.dom.aperture_end + 1) & ~(SZ_2M - 1))
CASE(unmap_unknown_flag, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.flags = 1u << 9)
CASE(unmap_reserved, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.__reserved = 1)
CASE(unmap_unknown_domain, struct iommu_stress_unmap, base_unmap, IOMMU_STRESS_UNMAP, a.domain_id = 4242)
CASE(dma_zero_len, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.length = 0)
CASE(dma_too_long, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.length = 4096)
CASE(dma_huge, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.length = 1ull << 40)
CASE(dma_bad_dir, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.dir = 0)
CASE(dma_bad_dir3, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.dir = 3)
CASE(dma_buf_past_end, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.buf_offset = 2048)
CASE(dma_window, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.iova = F.dom.window_iova)
CASE(dma_msi_region, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.iova = MSI_IOVA; a.dir = IOMMU_STRESS_DMA_WRITE)
CASE(dma_beyond_aperture, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.iova = F.dom.aperture_end + 1)
CASE(dma_wraps, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.iova = ~0ull - 16)
CASE(dma_unknown_flag, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.flags = 1)
CASE(dma_unknown_buf, struct iommu_stress_dma, base_dma, IOMMU_STRESS_DMA, a.buf_id = 4242)
CASE(alloc_zero, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.length = 0)
CASE(alloc_not_chunk_multiple, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.length = SZ_2M + SZ_4K)
CASE(alloc_bad_chunk, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.chunk_size = 0x2000)
CASE(alloc_1g_chunk, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.chunk_size = IOMMU_STRESS_CHUNK_1G; a.length = IOMMU_STRESS_CHUNK_1G)
CASE(alloc_bad_node, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.node = 999)
CASE(alloc_negative_node, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.node = -2)
CASE(alloc_over_cap, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.length = 1ull << 50)
CASE(alloc_unknown_flag, struct iommu_stress_buf_alloc, base_alloc, IOMMU_STRESS_BUF_ALLOC, a.flags = 1)
CASE(i2p_beyond_aperture, struct iommu_stress_iova_to_phys, base_i2p, IOMMU_STRESS_IOVA_TO_PHYS, a.iova = F.dom.aperture_end + 1)
CASE(i2p_unknown_flag, struct iommu_stress_iova_to_phys, base_i2p, IOMMU_STRESS_IOVA_TO_PHYS, a.flags = 1)
CASE(i2p_reserved, struct iommu_stress_iova_to_phys, base_i2p, IOMMU_STRESS_IOVA_TO_PHYS, a.__reserved = 1)

static int free_unknown(void)
{
	struct iommu_stress_buf_free a = { .size = sizeof(a), .buf_id = 4242 };

	return call(F.fd, IOMMU_STRESS_BUF_FREE, &a);
}

static int free_mapped(void)
{
	struct iommu_stress_buf_free a = { .size = sizeof(a), .buf_id = F.big.buf_id };

	return call(F.fd, IOMMU_STRESS_BUF_FREE, &a);
}

static int free_reserved(void)
{
	struct iommu_stress_buf_free a = {
		.size = sizeof(a), .buf_id = F.small.buf_id, .__reserved = 1,
	};

	return call(F.fd, IOMMU_STRESS_BUF_FREE, &a);
}

static int destroy_unknown(void)
{
	struct iommu_stress_domain_destroy a = { .size = sizeof(a), .domain_id = 4242 };

	return call(F.fd, IOMMU_STRESS_DOMAIN_DESTROY, &a);
}

static int create_busy_target(void)
{
	struct iommu_stress_domain_create a = { .size = sizeof(a) };

	strcpy(a.target, F.target);
	return call(F.fd, IOMMU_STRESS_DOMAIN_CREATE, &a);
}

static int create_unknown_target(void)
{
	struct iommu_stress_domain_create a = { .size = sizeof(a) };

	strcpy(a.target, "edu:9999:99:99.9");
	return call(F.fd, IOMMU_STRESS_DOMAIN_CREATE, &a);
}

static int create_unterminated(void)
{
	struct iommu_stress_domain_create a = { .size = sizeof(a) };

	memset(a.target, 'x', sizeof(a.target));
	return call(F.fd, IOMMU_STRESS_DOMAIN_CREATE, &a);
}

static int create_unknown_flag(void)
{
	struct iommu_stress_domain_create a = { .size = sizeof(a), .flags = 1 };

	strcpy(a.target, F.target);
	return call(F.fd, IOMMU_STRESS_DOMAIN_CREATE, &a);
}

/* Struct size handling, on INFO. */
static int info_with(uint32_t size, unsigned int tail_byte)
{
	static unsigned char buf[8192];
	struct iommu_stress_info *a = (void *)buf;

	memset(buf, 0, sizeof(buf));
	a->size = size;
	if (tail_byte)
		buf[sizeof(*a) + 3] = (unsigned char)tail_byte;
	return call(F.fd, IOMMU_STRESS_INFO, a);
}

static int info_too_small(void) { return info_with(4, 0); }
static int info_bigger_zero_tail(void) { return info_with(sizeof(struct iommu_stress_info) + 64, 0); }
static int info_bigger_dirty_tail(void) { return info_with(sizeof(struct iommu_stress_info) + 64, 0x5a); }
static int info_beyond_page(void) { return info_with(8192, 0); }

static int info_unknown_flag(void)
{
	struct iommu_stress_info a = { .size = sizeof(a), .flags = 1 };

	return call(F.fd, IOMMU_STRESS_INFO, &a);
}

static int bad_pointer(void) { return call(F.fd, IOMMU_STRESS_INFO, NULL); }
static int unknown_nr(void) { return call(F.fd, _IO(IOMMU_STRESS_TYPE, 0x7f), &F.dom); }
static int sized_nr(void) { return call(F.fd, _IOWR(IOMMU_STRESS_TYPE, 0, int), &F.dom); }
static int foreign_type(void) { return call(F.fd, _IO('T', 0x01), &F.dom); }

static int mmap_errno(off_t off, size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, F.fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static int mmap_no_buffer(void) { return mmap_errno(1ll << 40, 4096, MAP_SHARED); }
static int mmap_past_end(void) { return mmap_errno((off_t)F.small.mmap_offset, 2 * 4096, MAP_SHARED); }
static int mmap_private(void) { return mmap_errno((off_t)F.small.mmap_offset, 4096, MAP_PRIVATE); }

/* Without CAP_SYS_ADMIN in the effective set, open is refused. */
static int open_without_cap(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2], saved[2];
	int fd, err;

	if (syscall(SYS_capget, &h, d))
		return -1;
	memcpy(saved, d, sizeof(d));
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, d))
		return -1;
	fd = open(IOMMU_STRESS_DEVICE, O_RDWR);
	err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	syscall(SYS_capset, &h, saved);
	return err;
}

static int node_mode(void)
{
	struct stat st;

	if (stat(IOMMU_STRESS_DEVICE, &st))
		return errno;
	return (st.st_mode & 07777) == 0600 ? 0 : EACCES;
}

struct abi_case {
	const char *name;
	int expect;
	int (*run)(void);
};

static const struct abi_case cases[] = {
	{ "device node is 0600", 0, node_mode },
	{ "open without CAP_SYS_ADMIN", EPERM, open_without_cap },
	{ "INFO: size below the struct", EINVAL, info_too_small },
	{ "INFO: larger size, zero tail", 0, info_bigger_zero_tail },
	{ "INFO: larger size, non-zero tail", E2BIG, info_bigger_dirty_tail },
	{ "INFO: size beyond a page", E2BIG, info_beyond_page },
	{ "INFO: unknown flag", EOPNOTSUPP, info_unknown_flag },
	{ "ioctl: NULL argument", EFAULT, bad_pointer },
	{ "ioctl: unknown number", ENOTTY, unknown_nr },
	{ "ioctl: number with a size encoded", ENOTTY, sized_nr },
	{ "ioctl: another driver's type", ENOTTY, foreign_type },
	{ "BUF_ALLOC: zero length", EINVAL, alloc_zero },
	{ "BUF_ALLOC: length not a chunk multiple", EINVAL, alloc_not_chunk_multiple },
	{ "BUF_ALLOC: chunk size 8K", EINVAL, alloc_bad_chunk },
	{ "BUF_ALLOC: 1G chunks", EOPNOTSUPP, alloc_1g_chunk },
	{ "BUF_ALLOC: offline node", EINVAL, alloc_bad_node },
	{ "BUF_ALLOC: node -2", EINVAL, alloc_negative_node },
	{ "BUF_ALLOC: over the memory cap", ENOMEM, alloc_over_cap },
	{ "BUF_ALLOC: unknown flag", EOPNOTSUPP, alloc_unknown_flag },
	{ "BUF_FREE: unknown id", ENOENT, free_unknown },
	{ "BUF_FREE: buffer still mapped", EBUSY, free_mapped },
	{ "BUF_FREE: reserved field", EINVAL, free_reserved },
	{ "DOMAIN_CREATE: target already attached", EBUSY, create_busy_target },
	{ "DOMAIN_CREATE: unknown target", ENODEV, create_unknown_target },
	{ "DOMAIN_CREATE: unterminated name", EINVAL, create_unterminated },
	{ "DOMAIN_CREATE: unknown flag", EOPNOTSUPP, create_unknown_flag },
	{ "DOMAIN_DESTROY: unknown id", ENOENT, destroy_unknown },
	{ "MAP: unaligned IOVA", EINVAL, map_unaligned_iova },
	{ "MAP: unaligned length", EINVAL, map_unaligned_len },
	{ "MAP: zero length", EINVAL, map_zero_len },
	{ "MAP: unaligned offset", EINVAL, map_unaligned_offset },
	{ "MAP: offset past the buffer", EINVAL, map_offset_past_end },
	{ "MAP: length past the buffer", EINVAL, map_len_past_end },
	{ "MAP: offset + length wraps", EINVAL, map_offset_overflow },
	{ "MAP: IOVA + length wraps", EOVERFLOW, map_iova_wraps },
	{ "MAP: beyond the aperture", ERANGE, map_beyond_aperture },
	{ "MAP: into the module's window", EADDRNOTAVAIL, map_into_window },
	{ "MAP: into the MSI region", EADDRNOTAVAIL, map_msi_region },
	{ "MAP: over a live mapping", EEXIST, map_over_live },
	{ "MAP: across a live mapping's edge", EEXIST, map_over_live_edge },
	{ "MAP: no prot bits", EINVAL, map_no_prot },
	{ "MAP: unknown prot bit", EINVAL, map_bad_prot },
	{ "MAP: unknown flag", EOPNOTSUPP, map_unknown_flag },
	{ "MAP: reserved field", EINVAL, map_reserved },
	{ "MAP: MAP_OVERLAP with driver_warns off (its default)", EPERM, map_overlap_off },
	{ "MAP: unknown buffer", ENOENT, map_unknown_buf },
	{ "MAP: unknown domain", ENOENT, map_unknown_domain },
	{ "MAP: struct size too small", EINVAL, map_size_short },
	{ "UNMAP: nothing mapped there", ENOENT, unmap_nothing },
	{ "UNMAP: unaligned IOVA", EINVAL, unmap_unaligned },
	{ "UNMAP: zero length", EINVAL, unmap_zero_len },
	{ "UNMAP: IOVA + length wraps", EOVERFLOW, unmap_wraps },
	{ "UNMAP: the module's window", EADDRNOTAVAIL, unmap_window },
	{ "UNMAP: beyond the aperture", ERANGE, unmap_beyond_aperture },
	{ "UNMAP: unknown flag", EOPNOTSUPP, unmap_unknown_flag },
	{ "UNMAP: reserved field", EINVAL, unmap_reserved },
	{ "UNMAP: unknown domain", ENOENT, unmap_unknown_domain },
	{ "IOVA_TO_PHYS: beyond the aperture", ERANGE, i2p_beyond_aperture },
	{ "IOVA_TO_PHYS: unknown flag", EOPNOTSUPP, i2p_unknown_flag },
	{ "IOVA_TO_PHYS: reserved field", EINVAL, i2p_reserved },
	{ "DMA: zero length", EINVAL, dma_zero_len },
	{ "DMA: 4096 bytes (QEMU 7.2 edu would abort)", EMSGSIZE, dma_too_long },
	{ "DMA: 1 TiB", EMSGSIZE, dma_huge },
	{ "DMA: direction 0", EINVAL, dma_bad_dir },
	{ "DMA: direction 3", EINVAL, dma_bad_dir3 },
	{ "DMA: buffer range past its end", EINVAL, dma_buf_past_end },
	{ "DMA: the module's window", EADDRNOTAVAIL, dma_window },
	{ "DMA: write into the MSI region", EADDRNOTAVAIL, dma_msi_region },
	{ "DMA: beyond the aperture", ERANGE, dma_beyond_aperture },
	{ "DMA: IOVA + length wraps", EINVAL, dma_wraps },
	{ "DMA: unknown flag", EOPNOTSUPP, dma_unknown_flag },
	{ "DMA: unknown buffer", ENOENT, dma_unknown_buf },
	{ "mmap: offset of no buffer", EINVAL, mmap_no_buffer },
	{ "mmap: past the buffer's end", EINVAL, mmap_past_end },
	{ "mmap: MAP_PRIVATE", EINVAL, mmap_private },
	/* Last: proves the valid base argument the cases start from works. */
	{ "MAP: the valid base argument succeeds", 0, map_ok_control },
};

static int setup(void)
{
	struct iommu_stress_info info;
	struct iommu_stress_map m;

	F.fd = open(IOMMU_STRESS_DEVICE, O_RDWR);
	if (F.fd < 0)
		return perror("open " IOMMU_STRESS_DEVICE), -1;
	F.target = first_target(F.fd, &info);
	if (!F.target)
		return fprintf(stderr, "no DMA target\n"), -1;
	F.target = strdup(F.target);
	F.dom.size = sizeof(F.dom);
	strcpy(F.dom.target, F.target);
	F.big = base_alloc();
	F.big.length = 2 * SZ_2M;
	F.small = base_alloc();
	F.small.length = SZ_4K;
	F.small.chunk_size = IOMMU_STRESS_CHUNK_4K;
	if (call(F.fd, IOMMU_STRESS_DOMAIN_CREATE, &F.dom) ||
	    call(F.fd, IOMMU_STRESS_BUF_ALLOC, &F.big) ||
	    call(F.fd, IOMMU_STRESS_BUF_ALLOC, &F.small))
		return perror("setup"), -1;
	F.big_mem = mmap(NULL, F.big.length, PROT_READ | PROT_WRITE, MAP_SHARED,
			 F.fd, (off_t)F.big.mmap_offset);
	if (F.big_mem == MAP_FAILED)
		return perror("mmap"), -1;
	for (size_t i = 0; i < F.big.length; i++)
		F.big_mem[i] = (unsigned char)(i * 7 + 1);
	m = base_map();
	m.iova = LIVE_IOVA;
	if (call(F.fd, IOMMU_STRESS_MAP, &m))
		return perror("map"), -1;
	return 0;
}

/* After everything above, the live mapping must still read correctly. */
static int live_mapping_intact(void)
{
	struct iommu_stress_dma d = base_dma();
	unsigned char *small;
	int err, ok;

	small = mmap(NULL, SZ_4K, PROT_READ, MAP_SHARED, F.fd, (off_t)F.small.mmap_offset);
	if (small == MAP_FAILED)
		return errno;
	err = call(F.fd, IOMMU_STRESS_DMA, &d);
	ok = !err && !d.status && !memcmp(small, F.big_mem, 4095);
	munmap(small, SZ_4K);
	return err ? err : ok ? 0 : EIO;
}

int main(void)
{
	struct tap t = { 0 };
	char detail[96];

	if (setup())
		return 2;
	printf("TAP version 13\n1..%zu\n", sizeof(cases) / sizeof(cases[0]) + 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = cases[i].run();

		snprintf(detail, sizeof(detail), "%s", errname(cases[i].expect));
		if (got != cases[i].expect)
			snprintf(detail, sizeof(detail), "%s, got %s",
				 errname(cases[i].expect), errname(got));
		tap_check(&t, got == cases[i].expect, " (%s)", cases[i].name, detail);
	}
	tap_check(&t, live_mapping_intact() == 0, "%s",
		  "DMA through the live mapping still reads its data", NULL);
	return tap_finish(&t);
}
