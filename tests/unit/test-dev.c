// SPDX-License-Identifier: GPL-2.0
/*
 * The errno table: each refusal the module can give must read as what it
 * means for that ioctl, and a meaning for one ioctl must not leak into
 * another's.
 */
#include <errno.h>
#include <string.h>

#include "dev.h"
#include "iommu_stress_errno.h"
#include "unit.h"

struct want {
	unsigned long cmd;
	int err;
	const char *says;	/* a phrase the hint must hold */
};

static const struct want table[] = {
	/* dmaengine targets: DOMAIN_CREATE */
	{ IOMMU_STRESS_DOMAIN_CREATE, ENODEV, "no such target or dmaengine channel" },
	{ IOMMU_STRESS_DOMAIN_CREATE, EBUSY, "held by another session or dmaengine client" },
	{ IOMMU_STRESS_DOMAIN_CREATE, EOPNOTSUPP, "identity/passthrough" },
	{ IOMMU_STRESS_DOMAIN_CREATE, EINVAL, "not 2M-aligned" },
	{ IOMMU_STRESS_DOMAIN_CREATE, EINVAL, "a range for an edu target" },
	{ IOMMU_STRESS_DOMAIN_CREATE, ERANGE, "range lies outside the domain's aperture" },
	{ IOMMU_STRESS_DOMAIN_CREATE, EADDRNOTAVAIL, "PCI host-bridge window" },
	{ IOMMU_STRESS_DOMAIN_CREATE, EADDRNOTAVAIL, "no default range fits" },
	/* MAP */
	{ IOMMU_STRESS_MAP, EADDRINUSE, "mapping the channel's driver made" },
	{ IOMMU_STRESS_MAP, EOPNOTSUPP, "MAP_OVERLAP refused" },
	{ IOMMU_STRESS_MAP, ERANGE, "outside the test's IOVA range" },
	{ IOMMU_STRESS_MAP, EEXIST, "overlaps a live mapping" },
	{ IOMMU_STRESS_MAP, EADDRNOTAVAIL, "reserved region" },
	/* DMA */
	{ IOMMU_STRESS_DMA, ERANGE, "DMA read outside" },
	{ IOMMU_STRESS_DMA, EACCES, "not mapped" },
	{ IOMMU_STRESS_DMA, EACCES, "writes always" },
	{ IOMMU_STRESS_DMA, EACCES, "dma_unmapped_reads=1" },
	{ IOMMU_STRESS_DMA, EMSGSIZE, "longer than the target can do" },
	{ IOMMU_STRESS_DMA, ENODEV, "the device has gone" },
	/* TARGET_QUERY */
	{ IOMMU_STRESS_TARGET_QUERY, ENODEV, "no such target or dmaengine channel" },
	/* The edu-era table, unchanged. */
	{ IOMMU_STRESS_BUF_ALLOC, EOPNOTSUPP, "chunk size" },
	{ IOMMU_STRESS_UNMAP, ENOENT, "nothing is mapped" },
	{ IOMMU_STRESS_BUF_FREE, ENOENT, "no such buffer or domain" },
	{ IOMMU_STRESS_UNMAP, EBUSY, "another thread works on that range" },
	{ IOMMU_STRESS_BUF_FREE, EBUSY, "in use" },
	{ IOMMU_STRESS_INFO, ENOTTY, "unknown ioctl" },
	{ IOMMU_STRESS_INFO, E2BIG, "non-zero tail" },
	{ IOMMU_STRESS_INFO, E2BIG, "larger than a page" },
	{ IOMMU_STRESS_UNMAP, EOVERFLOW, "wraps around" },
	{ IOMMU_STRESS_BUF_ALLOC, ENOMEM, "max_buffer_mb" },
	{ ISTRESS_ERRNO_CMD_OPEN, EPERM, "needs root" },
	{ IOMMU_STRESS_MAP, EINVAL, "alignment" },
	{ IOMMU_STRESS_UNMAP, EOPNOTSUPP, "unknown flags" },
	/* DMA's status word */
	{ DEV_DMA_STATUS, EIO, "failed transfer" },
	{ DEV_DMA_STATUS, ETIMEDOUT, "retired" },
};

TEST(hints_say_what_each_errno_means, "dev: each errno reads as what it means for its ioctl")
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *h = dev_errno_hint(table[i].cmd, table[i].err);

		if (!strstr(h, table[i].says))
			printf("# cmd %#lx errno %d: \"%s\" lacks \"%s\"\n",
			       table[i].cmd, table[i].err, h, table[i].says);
		EXPECT_TRUE(strstr(h, table[i].says) != NULL);
	}
}

/* A meaning that belongs to one ioctl stays with it. */
TEST(hints_stay_in_their_context, "dev: an ioctl's meaning does not leak into another's")
{
	EXPECT_TRUE(!strstr(dev_errno_hint(IOMMU_STRESS_BUF_FREE, EBUSY), "dmaengine"));
	EXPECT_TRUE(!strstr(dev_errno_hint(IOMMU_STRESS_UNMAP, EADDRNOTAVAIL), "host-bridge"));
	EXPECT_TRUE(!strstr(dev_errno_hint(IOMMU_STRESS_BUF_ALLOC, EOPNOTSUPP), "MAP_OVERLAP"));
	EXPECT_TRUE(!strstr(dev_errno_hint(IOMMU_STRESS_DOMAIN_CREATE, EACCES), "not mapped"));
	EXPECT_TRUE(!strstr(dev_errno_hint(IOMMU_STRESS_MAP, EACCES), "dma_unmapped_reads"));
	EXPECT_TRUE(strcmp(dev_errno_hint(IOMMU_STRESS_DOMAIN_CREATE, ERANGE),
			   dev_errno_hint(IOMMU_STRESS_MAP, ERANGE)));
	EXPECT_TRUE(strcmp(dev_errno_hint(IOMMU_STRESS_DOMAIN_CREATE, EINVAL),
			   dev_errno_hint(IOMMU_STRESS_MAP, EINVAL)));
}

/* Errnos the table does not know read as libc says; a status is no ioctl error. */
TEST(unknown_errnos_fall_back_to_strerror, "dev: unknown errnos and statuses fall back to strerror")
{
	EXPECT_TRUE(!strcmp(dev_errno_hint(IOMMU_STRESS_MAP, EPIPE), strerror(EPIPE)));
	EXPECT_TRUE(!strcmp(dev_errno_hint(IOMMU_STRESS_BUF_FREE, EADDRINUSE), strerror(EADDRINUSE)));
	/* The dispatcher's rows are an ioctl's, not a transfer's or open()'s. */
	EXPECT_TRUE(!strcmp(dev_errno_hint(DEV_DMA_STATUS, ENOMEM), strerror(ENOMEM)));
	EXPECT_TRUE(!strcmp(dev_errno_hint(DEV_DMA_STATUS, ENODEV), strerror(ENODEV)));
	EXPECT_TRUE(!strcmp(dev_errno_hint(ISTRESS_ERRNO_CMD_OPEN, ENOTTY), strerror(ENOTTY)));
	/* An ioctl without a row of its own for an errno: the dispatcher's. */
	EXPECT_STREQ(dev_errno_hint(ISTRESS_ERRNO_CMD_ANY, E2BIG),
		     dev_errno_hint(IOMMU_STRESS_MAP, E2BIG));
}

/* The hints are the contract's rows, each for its own pair. */
TEST(hints_are_the_contract, "dev: every row of the errno contract is the hint for its (ioctl, errno)")
{
	static const struct {
		unsigned long cmd;
		int err;
		const char *meaning;
	} rows[] = {
#define ROW(q, ioctl, errno_, meaning) { ISTRESS_ERRNO_CMD_##ioctl, errno_, meaning },
		ISTRESS_ERRNOS(ROW, 0)
#undef ROW
	};

	EXPECT_EQ((size_t)ISTRESS_ERRNO_NROWS, sizeof(rows) / sizeof(rows[0]));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		EXPECT_STREQ(rows[i].meaning, dev_errno_hint(rows[i].cmd, rows[i].err));
		EXPECT_TRUE(strlen(rows[i].meaning) > 8);
	}
}
