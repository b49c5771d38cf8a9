// SPDX-License-Identifier: GPL-2.0
/*
 * Targets and the test's IOVA range: which domains a test can share, what
 * the tool tells a user whose channel is on another kind, and where
 * patterns may map in a private and in a shared domain.
 */
#include <string.h>

#include "run.h"
#include "target.h"
#include "unit.h"

static struct target channel(uint32_t type, int group)
{
	struct target t = { .queried = 1 };

	strcpy(t.q.name, "dma0chan0");
	strcpy(t.q.device, "0000:00:04.0");
	strcpy(t.q.driver, "ioatdma");
	t.q.backend = IOMMU_STRESS_BACKEND_DMAENGINE;
	t.q.caps = IOMMU_STRESS_TARGET_SHARED_DOMAIN;
	t.q.max_dma_len = 4096;
	t.q.iommu_group = group;
	t.q.domain_type = type;
	return t;
}

TEST(only_dma_api_domains_are_testable, "target: only DMA and DMA-FQ domains are testable")
{
	struct target t;

	for (uint32_t type = 0; type <= IOMMU_STRESS_DOMTYPE_OTHER + 1; type++) {
		t = channel(type, 4);
		EXPECT_TRUE(target_testable(&t) == (type == IOMMU_STRESS_DOMTYPE_DMA ||
						    type == IOMMU_STRESS_DOMTYPE_DMA_FQ));
	}
	/* edu gets a domain of its own; an unqueried channel: the module decides. */
	t = channel(IOMMU_STRESS_DOMTYPE_IDENTITY, 4);
	t.q.backend = IOMMU_STRESS_BACKEND_EDU;
	t.q.caps = 0;
	EXPECT_TRUE(target_testable(&t));
	/* The capability decides, not the backend's id. */
	t.q.backend = IOMMU_STRESS_BACKEND_DMAENGINE;
	EXPECT_TRUE(target_testable(&t));
	t.q.backend = 99;
	t.q.caps = IOMMU_STRESS_TARGET_SHARED_DOMAIN;
	EXPECT_TRUE(!target_testable(&t));
	t = channel(IOMMU_STRESS_DOMTYPE_NONE, -1);
	t.queried = 0;
	EXPECT_TRUE(target_testable(&t));
}

TEST(names, "target: backend and domain type names")
{
	EXPECT_TRUE(!strcmp(target_backend_name(IOMMU_STRESS_BACKEND_EDU), "edu"));
	EXPECT_TRUE(!strcmp(target_backend_name(IOMMU_STRESS_BACKEND_DMAENGINE), "dmaengine"));
	EXPECT_TRUE(!strcmp(target_backend_name(99), "unknown"));
	EXPECT_TRUE(!strcmp(target_domain_type_name(IOMMU_STRESS_DOMTYPE_DMA_FQ), "DMA-FQ"));
	EXPECT_TRUE(!strcmp(target_domain_type_name(IOMMU_STRESS_DOMTYPE_IDENTITY), "identity"));
	EXPECT_TRUE(!strcmp(target_domain_type_name(1000), "other"));
}

TEST(passthrough_advice_names_the_way_out, "target: passthrough advice names kernel options and sysfs")
{
	struct target t = channel(IOMMU_STRESS_DOMTYPE_IDENTITY, 4);
	char out[768];

	target_advice(&t, 0, out, sizeof(out));
	EXPECT_TRUE(!strcmp(out, "passthrough: boot with iommu.passthrough=0 and without iommu=pt, or switch the group's type in /sys/kernel/iommu_groups/4/type with its driver unbound"));
	target_advice(&t, 1, out, sizeof(out));
	EXPECT_TRUE(!strncmp(out, "dma0chan0 (0000:00:04.0, ioatdma) is on an identity", 51));
	EXPECT_TRUE(strstr(out, "iommu.passthrough=0") && strstr(out, "iommu=pt"));
	EXPECT_TRUE(strstr(out, "intel_iommu=on") && strstr(out, "amd_iommu"));
	EXPECT_TRUE(strstr(out, "/sys/kernel/iommu_groups/4/type"));
}

TEST(every_untestable_type_has_advice, "target: every untestable domain type has advice")
{
	static const uint32_t types[] = {
		IOMMU_STRESS_DOMTYPE_NONE, IOMMU_STRESS_DOMTYPE_UNMANAGED,
		IOMMU_STRESS_DOMTYPE_BLOCKED, IOMMU_STRESS_DOMTYPE_OTHER, 77,
	};
	char brief[224], full[768];

	for (unsigned int i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct target t = channel(types[i], -1);

		target_advice(&t, 0, brief, sizeof(brief));
		target_advice(&t, 1, full, sizeof(full));
		EXPECT_TRUE(strlen(brief) > 20 && strlen(full) > strlen(brief));
		EXPECT_TRUE(!strstr(full, "%"));
		EXPECT_TRUE(!strncmp(full, "dma0chan0 (", 11));
	}
	{
		struct target t = channel(IOMMU_STRESS_DOMTYPE_NONE, -1);

		target_advice(&t, 1, full, sizeof(full));
		EXPECT_TRUE(strstr(full, "intel_iommu=on") && strstr(full, "amd_iommu=off"));
	}
}

TEST(pci_names_match_with_or_without_domain, "target: PCI names match with or without the domain")
{
	EXPECT_TRUE(target_same_device("0000:00:04.0", "0000:00:04.0"));
	EXPECT_TRUE(target_same_device("00:04.0", "0000:00:04.0"));
	EXPECT_TRUE(target_same_device("0000:00:04.0", "00:04.0"));
	EXPECT_TRUE(!target_same_device("0000:00:04.0", "0000:00:04.1"));
	EXPECT_TRUE(!target_same_device("0001:00:04.0", "00:04.0"));
}

static struct session sess;

static void private_domain(void)
{
	memset(&sess, 0, sizeof(sess));
	sess.dom.aperture_end = (1ull << 39) - 1;
	sess.dom.range_last = sess.dom.aperture_end;
	sess.dom.window_iova = 0x7fffe00000;
	sess.dom.window_len = SZ_2M;
	sess.nresv = 1;
	sess.resv[0] = (struct resv_region){ 0xfee00000, 0xfeefffff, "msi" };
}

static void shared_domain(uint64_t start, uint64_t len)
{
	private_domain();
	sess.dom.out_flags = IOMMU_STRESS_DOMAIN_SHARED;
	sess.dom.range_start = start;
	sess.dom.range_last = start + len - 1;
	sess.dom.window_iova = 0xfffff000;
	sess.dom.window_len = SZ_4K;
}

/* A private domain keeps its layout from 1G; a shared one has its range. */
TEST(patterns_map_only_in_the_range, "session: patterns map only in the test's IOVA range")
{
	private_domain();
	EXPECT_TRUE(!session_shared(&sess));
	EXPECT_TRUE(session_floor(&sess) == SZ_1G);
	EXPECT_TRUE(session_range_free(&sess, 0, SZ_2M));
	EXPECT_TRUE(!session_range_free(&sess, 0xfee00000, SZ_4K));
	EXPECT_TRUE(!session_range_free(&sess, 0x7fffe00000, SZ_4K));
	EXPECT_TRUE(!session_range_free(&sess, 1ull << 39, SZ_4K));

	shared_domain(4 * SZ_1G, 64 * SZ_1G);
	EXPECT_TRUE(session_shared(&sess));
	EXPECT_TRUE(session_floor(&sess) == 4 * SZ_1G);
	EXPECT_TRUE(session_range_free(&sess, 4 * SZ_1G, SZ_2M));
	EXPECT_TRUE(session_range_free(&sess, 68 * SZ_1G - SZ_4K, SZ_4K));
	EXPECT_TRUE(!session_range_free(&sess, 4 * SZ_1G - SZ_4K, SZ_2M));
	EXPECT_TRUE(!session_range_free(&sess, 68 * SZ_1G - SZ_4K, 2 * SZ_4K));
	EXPECT_TRUE(!session_range_free(&sess, SZ_1G, SZ_2M));
	EXPECT_TRUE(!session_range_free(&sess, 0xfffff000, SZ_4K));

	/* A window below 1G: the floor is its start, not 1G. */
	shared_domain(SZ_2M, 64 * SZ_2M);
	EXPECT_TRUE(session_floor(&sess) == SZ_2M);
}
