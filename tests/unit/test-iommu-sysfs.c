// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU's registers as its sysfs group shows them, read from a tree
 * made here as the kernels lay it out: Intel's intel-iommu/{cap,ecap},
 * AMD's amd-iommu/{cap,features} (features one register, or two joined
 * by ':' on kernels that know EFR2), and what 'info' prints of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-module.h"
#include "info.h"
#include "iommu_sysfs.h"
#include "target.h"
#include "unit.h"

struct tree {
	char root[64];
};

/* @root/@unit/@group/@file holding @text. */
static int put(const struct tree *t, const char *unit, const char *group,
	       const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->root, unit);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", t->root, unit, group);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s/%s", t->root, unit, group, file);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* An Intel unit, AMD units of each kernel's format, and broken ones. */
static int tree_make(struct tree *t)
{
	strcpy(t->root, "/tmp/iommu-sysfs-XXXXXX");
	if (!mkdtemp(t->root))
		return -1;
	return put(t, "dmar0", "intel-iommu", "cap", "d2008c22260286\n") ||
	       put(t, "dmar0", "intel-iommu", "ecap", "f00f5e\n") ||
	       put(t, "ivhd0", "amd-iommu", "cap", "190b30f\n") ||
	       put(t, "ivhd0", "amd-iommu", "features", "246577efa2254afa:0\n") ||
	       put(t, "ivhd1", "amd-iommu", "cap", "190b30f\n") ||
	       put(t, "ivhd1", "amd-iommu", "features", "246577efa2254afa\n") ||
	       put(t, "ivhd2", "amd-iommu", "cap", "190b30f\n") ||
	       put(t, "ivhd3", "amd-iommu", "cap", "190b30f\n") ||
	       put(t, "ivhd3", "amd-iommu", "features", "246577efa2254afa:0:1\n") ||
	       put(t, "dmar1", "intel-iommu", "cap", "d2008c22260286\n") ||
	       put(t, "dmar1", "intel-iommu", "ecap", "not hex\n");
}

static void tree_remove(const struct tree *t)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", t->root);
}

TEST(iommu_sysfs_reads_each_vendor, "iommu sysfs: Intel's cap/ecap and AMD's cap/features, each kernel's format")
{
	struct tree t;
	struct iommu_regs r;

	ASSERT_TRUE(!tree_make(&t));
	iommu_sysfs_root = t.root;
	iommu_regs_read("dmar0", &r);
	EXPECT_TRUE(r.intel && !r.amd);
	EXPECT_EQ(0xd2008c22260286ull, (unsigned long long)r.intel_cap);
	EXPECT_EQ(0xf00f5eull, (unsigned long long)r.intel_ecap);
	iommu_regs_read("ivhd0", &r);
	EXPECT_TRUE(r.amd && !r.intel);
	EXPECT_EQ(0x190b30full, (unsigned long long)r.amd_cap);
	EXPECT_STREQ("246577efa2254afa:0", r.amd_features);
	/* Before EFR2: one register. */
	iommu_regs_read("ivhd1", &r);
	EXPECT_TRUE(r.amd);
	EXPECT_STREQ("246577efa2254afa", r.amd_features);
	iommu_sysfs_root = IOMMU_SYSFS_ROOT;
	tree_remove(&t);
}

TEST(iommu_sysfs_reads_nothing_doubtful, "iommu sysfs: a missing or malformed file, an unknown unit or a path reads as nothing")
{
	struct tree t;
	struct iommu_regs r;

	ASSERT_TRUE(!tree_make(&t));
	iommu_sysfs_root = t.root;
	iommu_regs_read("ivhd2", &r);		/* no features */
	EXPECT_TRUE(!r.amd && !r.amd_cap && !r.amd_features[0]);
	iommu_regs_read("ivhd3", &r);		/* three registers */
	EXPECT_TRUE(!r.amd && !r.amd_features[0]);
	iommu_regs_read("dmar1", &r);		/* ecap not hex */
	EXPECT_TRUE(!r.intel && !r.intel_cap);
	iommu_regs_read("dmar9", &r);
	EXPECT_TRUE(!r.intel && !r.amd);
	iommu_regs_read("../iommu-sysfs", &r);
	EXPECT_TRUE(!r.intel && !r.amd);
	iommu_regs_read("", &r);
	EXPECT_TRUE(!r.intel && !r.amd);
	iommu_sysfs_root = IOMMU_SYSFS_ROOT;
	tree_remove(&t);
}

TEST(iommu_regs_of_a_domain, "iommu sysfs: Intel's caps come from the module if it gave them, else from sysfs")
{
	struct iommu_stress_domain_create d = { .size = sizeof(d) };
	struct iommu_regs r;
	struct tree t;

	ASSERT_TRUE(!tree_make(&t));
	iommu_sysfs_root = t.root;
	strcpy(d.iommu_name, "dmar0");
	target_read_iommu_regs(&d, &r);
	EXPECT_TRUE(d.out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS);
	EXPECT_EQ(0xd2008c22260286ull, (unsigned long long)d.intel_cap);
	EXPECT_EQ(0xf00f5eull, (unsigned long long)d.intel_ecap);
	/* The module's own reading wins over sysfs's. */
	d.intel_cap = 0x1234;
	d.intel_ecap = 0x5678;
	target_read_iommu_regs(&d, &r);
	EXPECT_TRUE(r.intel && r.intel_cap == 0x1234 && r.intel_ecap == 0x5678);
	EXPECT_EQ(0x1234ull, (unsigned long long)d.intel_cap);
	/* AMD: no Intel caps made up. */
	memset(&d, 0, sizeof(d));
	strcpy(d.iommu_name, "ivhd0");
	target_read_iommu_regs(&d, &r);
	EXPECT_TRUE(!(d.out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS) && r.amd && !r.intel);
	iommu_sysfs_root = IOMMU_SYSFS_ROOT;
	tree_remove(&t);
}

static char *info_on(const struct fake_host *h)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fake_install(h);
	if (info_print(f))
		fprintf(f, "info failed\n");
	fake_remove();
	fclose(f);
	return out;
}

TEST(info_shows_amd_registers, "iommu sysfs: info shows an AMD unit's cap and features, an Intel unit's cap and ecap")
{
	struct fake_host h = fake_host_default();
	struct tree t;
	char *out;

	ASSERT_TRUE(!tree_make(&t));
	h.ntargets = 1;
	h.amd = 1;
	h.iommu_sysfs = t.root;
	out = info_on(&h);
	EXPECT_TRUE(strstr(out, "    iommu amd-iommu (ivhd0), pgsize_bitmap") != NULL);
	EXPECT_TRUE(strstr(out, "\n    amd cap 0x190b30f features 246577efa2254afa:0\n") != NULL);
	EXPECT_TRUE(!strstr(out, "ecap"));
	free(out);
	/* Intel: the module's cap/ecap, no AMD line. */
	h.amd = 0;
	out = info_on(&h);
	EXPECT_TRUE(strstr(out, "\n    cap 0xd2008c22260286 ecap 0xf00f5e\n") != NULL);
	EXPECT_TRUE(!strstr(out, "amd cap"));
	free(out);
	/* AMD without its sysfs group (another kernel, no permission): no line. */
	h.amd = 1;
	h.iommu_sysfs = NULL;
	out = info_on(&h);
	EXPECT_TRUE(strstr(out, "(ivhd0)") && !strstr(out, "amd cap") && !strstr(out, "ecap"));
	free(out);
	tree_remove(&t);
}
