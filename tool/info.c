// SPDX-License-Identifier: GPL-2.0
/* iommu-stress info: the module, its DMA targets, the IOMMU behind each. */
#include <string.h>

#include "info.h"
#include "iommu_stress_backends.h"
#include "target.h"

/* A target's line, column by column: widths make a table of many channels. */
enum { COL_NAME, COL_BACKEND, COL_DEVICE, COL_GROUP, COL_TYPE, NCOLS };

struct row {
	struct target t;
	char col[NCOLS][IOMMU_STRESS_NAME_LEN + 40];
};

static void fill_row(struct row *r)
{
	const struct iommu_stress_target_query *q = &r->t.q;

	snprintf(r->col[COL_NAME], sizeof(r->col[0]), "%s", q->name);
	snprintf(r->col[COL_BACKEND], sizeof(r->col[0]), "%s",
		 target_backend_name(q->backend));
	/* A module from before TARGET_QUERY tells only what INFO lists. */
	if (!r->t.queried)
		return;
	snprintf(r->col[COL_DEVICE], sizeof(r->col[0]), "%s (%s)", q->device,
		 q->driver[0] ? q->driver : "no driver");
	if (q->iommu_group >= 0)
		snprintf(r->col[COL_GROUP], sizeof(r->col[0]), "group %d",
			 q->iommu_group);
	else
		snprintf(r->col[COL_GROUP], sizeof(r->col[0]), "no group");
	snprintf(r->col[COL_TYPE], sizeof(r->col[0]), "%s",
		 target_domain_type_name(q->domain_type));
}

static void print_row(FILE *f, const struct row *r, const int *width)
{
	for (int c = 0; c < NCOLS; c++)
		if (width[c])
			fprintf(f, "  %-*s", width[c], r->col[c]);
	fprintf(f, "  max DMA %u bytes%s\n", r->t.q.max_dma_len,
		r->t.q.busy ? "  (busy)" : "");
}

/* What the IOMMU behind @name offers, from a throwaway domain on it. */
static void domain_lines(FILE *f, int fd, const char *name)
{
	struct iommu_stress_domain_create d;
	struct iommu_regs r;
	int shared;

	if (dev_domain_create(fd, name, 0, 0, &d))
		return;
	target_read_iommu_regs(&d, &r);
	shared = !!(d.out_flags & IOMMU_STRESS_DOMAIN_SHARED);
	fprintf(f, "    iommu %s (%s), pgsize_bitmap %#llx, aperture [%#llx, %#llx]\n",
		d.iommu_driver, d.iommu_name,
		(unsigned long long)d.pgsize_bitmap,
		(unsigned long long)d.aperture_start,
		(unsigned long long)d.aperture_end);
	if (shared)
		fprintf(f, "    shared %s domain: tests map in [%#llx, %#llx] unless --iova-range; reads of unmapped IOVAs %s\n",
			target_domain_type_name(d.domain_type),
			(unsigned long long)d.range_start,
			(unsigned long long)d.range_last,
			d.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS ?
			"on (dma_unmapped_reads=1)" : "off (dma_unmapped_reads=0)");
	fprintf(f, "    module %s [%#llx, %#llx)\n",
		shared ? "bounce page (DMA API)" : "DMA window",
		(unsigned long long)d.window_iova,
		(unsigned long long)(d.window_iova + d.window_len));
	if (d.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP)
		fprintf(f, "    the driver flushes the IOTLB inside its unmap: --inject skip-flush cannot run here\n");
	if (d.out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS)
		fprintf(f, "    cap %#llx ecap %#llx\n",
			(unsigned long long)d.intel_cap,
			(unsigned long long)d.intel_ecap);
	if (r.amd)
		fprintf(f, "    amd cap %#llx features %s\n",
			(unsigned long long)r.amd_cap, r.amd_features);
	dev_domain_destroy(fd, d.domain_id);
}

/* Has a target of @r[0..i) the same device as @r[i]? Its channels share a domain. */
static int device_seen(const struct row *r, unsigned int i)
{
	for (unsigned int k = 0; k < i && r[i].t.q.device[0]; k++)
		if (r[k].t.queried && target_same_device(r[k].t.q.device, r[i].t.q.device))
			return 1;
	return 0;
}

/*
 * One line per target. Under it, what the IOMMU behind it offers, once
 * per device, or why no test can use its domain.
 */
static void targets(FILE *f, int fd, const struct iommu_stress_info *info)
{
	unsigned int n = info->ntargets < IOMMU_STRESS_MAX_TARGETS ?
			 info->ntargets : IOMMU_STRESS_MAX_TARGETS;
	struct row rows[IOMMU_STRESS_MAX_TARGETS];
	int width[NCOLS] = { 0 };
	char advice[256];

	fprintf(f, "targets: %u%s\n", info->ntargets,
		info->ntargets > n ? " (the first listed here)" : "");
	memset(rows, 0, sizeof(rows));
	for (unsigned int i = 0; i < n; i++) {
		if (target_query(fd, info, info->targets[i].name, &rows[i].t))
			continue;
		fill_row(&rows[i]);
		for (int c = 0; c < NCOLS; c++) {
			int len = (int)strlen(rows[i].col[c]);

			width[c] = len > width[c] ? len : width[c];
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct target *t = &rows[i].t;

		if (!rows[i].col[COL_NAME][0])
			continue;
		print_row(f, &rows[i], width);
		if (!target_testable(t)) {
			target_advice(t, 0, advice, sizeof(advice));
			fprintf(f, "    %s\n", advice);
		} else if (!t->q.busy && !device_seen(rows, i)) {
			domain_lines(f, fd, t->q.name);
		}
	}
}

/* INFO's feature bits as the features line names them, a backend's by its name. */
static const struct {
	uint64_t bit;
	const char *word;
} features[] = {
	{ IOMMU_STRESS_FEAT_SKIP_SYNC, "skip-sync" },
	{ IOMMU_STRESS_FEAT_MAP_OVERLAP, "map-overlap" },
#define FEATURE(id, name, feature, caps, max_dma_len) { feature, #name },
	ISTRESS_BACKENDS(FEATURE)
#undef FEATURE
	{ IOMMU_STRESS_FEAT_BATCH, "batch" },
	{ IOMMU_STRESS_FEAT_BENCH, "bench" },
	{ IOMMU_STRESS_FEAT_UNMAP_UNVOUCHED, "unmap-unvouched" },
	{ IOMMU_STRESS_FEAT_1G_LEAVES,
	  "1g-leaves (allow_1g_leaves=1: unsafe on a real host)" },
};

int info_print(FILE *f)
{
	struct iommu_stress_info info;
	int fd = dev_open(IOMMU_STRESS_DEVICE);

	if (fd < 0 || dev_info(fd, &info)) {
		dev_close(fd);
		return -1;
	}
	fprintf(f, "module %s, ABI %u, kernel %s\n", info.module_version,
		info.abi_version, info.kernel_release);
	fprintf(f, "features:");
	for (unsigned int i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (info.features & features[i].bit)
			fprintf(f, " %s", features[i].word);
	fprintf(f, "\n");
	targets(f, fd, &info);
	dev_close(fd);
	return 0;
}
