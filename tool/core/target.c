// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iommu_stress_backends.h"
#include "target.h"

const char *target_backend_name(uint32_t backend)
{
	const struct istress_backend_row *be = istress_backend(backend);

	return be ? be->name : "unknown";
}

void target_read_iommu_regs(struct iommu_stress_domain_create *d,
			    struct iommu_regs *r)
{
	iommu_regs_read(d->iommu_name, r);
	if (d->out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS) {
		r->intel = 1;
		r->intel_cap = d->intel_cap;
		r->intel_ecap = d->intel_ecap;
	} else if (r->intel) {
		d->intel_cap = r->intel_cap;
		d->intel_ecap = r->intel_ecap;
		d->out_flags |= IOMMU_STRESS_DOMAIN_INTEL_CAPS;
	}
}

const char *target_domain_type_name(uint32_t type)
{
	static const char *const names[] = {
		[IOMMU_STRESS_DOMTYPE_NONE] = "none",
		[IOMMU_STRESS_DOMTYPE_IDENTITY] = "identity",
		[IOMMU_STRESS_DOMTYPE_DMA] = "DMA",
		[IOMMU_STRESS_DOMTYPE_DMA_FQ] = "DMA-FQ",
		[IOMMU_STRESS_DOMTYPE_UNMANAGED] = "unmanaged",
		[IOMMU_STRESS_DOMTYPE_BLOCKED] = "blocked",
		[IOMMU_STRESS_DOMTYPE_OTHER] = "other",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "other";
}

int target_testable(const struct target *t)
{
	if (!(t->q.caps & IOMMU_STRESS_TARGET_SHARED_DOMAIN) || !t->queried)
		return 1;
	return t->q.domain_type == IOMMU_STRESS_DOMTYPE_DMA ||
	       t->q.domain_type == IOMMU_STRESS_DOMTYPE_DMA_FQ;
}

/*
 * Per domain type: why no test can share it, in one line and in full.
 * Each takes one %s: the sysfs file of the device's IOMMU group type.
 */
static const struct {
	const char *brief, *full;
} advice[] = {
	[IOMMU_STRESS_DOMTYPE_NONE] = {
		"no IOMMU translates for it: boot with intel_iommu=on (Intel) or without amd_iommu=off (AMD)%.0s",
		"has no IOMMU translating for it. Enable one: on Intel boot with intel_iommu=on, on AMD without amd_iommu=off, and in both cases with iommu.passthrough=0 and without iommu=pt (%s then reads DMA or DMA-FQ).",
	},
	[IOMMU_STRESS_DOMTYPE_IDENTITY] = {
		"passthrough: boot with iommu.passthrough=0 and without iommu=pt, or switch the group's type in %s with its driver unbound",
		"is on an identity (passthrough) domain: its DMA bypasses the IOMMU, so there is no translation to test. Boot with iommu.passthrough=0 and without iommu=pt (on Intel also with intel_iommu=on; on AMD without amd_iommu=off), or switch its group to a DMA domain: unbind the device from its driver, write DMA (or DMA-FQ) to %s, and bind it again.",
	},
	[IOMMU_STRESS_DOMTYPE_UNMANAGED] = {
		"owned by another user (VFIO, iommufd): give the device back to its dmaengine driver%.0s",
		"is on an unmanaged domain another user owns (VFIO, iommufd or a driver's own); a test only shares a DMA-API domain. Give the device back to its dmaengine driver (%s then reads DMA or DMA-FQ).",
	},
	[IOMMU_STRESS_DOMTYPE_BLOCKED] = {
		"blocked: rebind its driver, or write DMA to %s with the driver unbound",
		"is on a blocked domain: its group takes no DMA at all (it is between owners). Bind the device to its dmaengine driver again, or with no driver bound write DMA to %s and bind it.",
	},
	[IOMMU_STRESS_DOMTYPE_OTHER] = {
		"a kind of domain the module cannot share (see %s)",
		"is on a kind of domain the module cannot share; a test needs a DMA-API domain (DMA or DMA-FQ, see %s).",
	},
};

void target_advice(const struct target *t, int full, char *out, size_t n)
{
	uint32_t type = t->q.domain_type;
	char file[64], who[192] = "";
	const char *fmt;

	if (type >= sizeof(advice) / sizeof(advice[0]) || !advice[type].brief)
		type = IOMMU_STRESS_DOMTYPE_OTHER;
	if (t->q.iommu_group >= 0)
		snprintf(file, sizeof(file), "/sys/kernel/iommu_groups/%d/type",
			 t->q.iommu_group);
	else
		snprintf(file, sizeof(file), "its IOMMU group's type in sysfs");
	fmt = full ? advice[type].full : advice[type].brief;
	if (full)
		snprintf(who, sizeof(who), "%s (%s, %s) ", t->q.name,
			 t->q.device[0] ? t->q.device : "device unknown",
			 t->q.driver[0] ? t->q.driver : "no driver");
	snprintf(out, n, "%s", who);
	snprintf(out + strlen(out), n - strlen(out), fmt, file);
}

static unsigned int nlisted(const struct iommu_stress_info *info)
{
	return info->ntargets < IOMMU_STRESS_MAX_TARGETS ?
	       info->ntargets : IOMMU_STRESS_MAX_TARGETS;
}

/* A module from before TARGET_QUERY's caps says none: its backends' own. */
static void caps_of_old_module(const struct iommu_stress_info *info,
			       struct iommu_stress_target_query *q)
{
	const struct istress_backend_row *be = istress_backend(q->backend);

	if (!(info->features & IOMMU_STRESS_FEAT_TARGET_CAPS) && be)
		q->caps |= be->caps;
}

/* INFO's entry for @name, for a module that predates TARGET_QUERY. */
static int from_info(const struct iommu_stress_info *info, const char *name,
		     struct target *t)
{
	for (unsigned int i = 0; i < nlisted(info); i++) {
		const struct iommu_stress_target_info *ti = &info->targets[i];

		if (strcmp(ti->name, name))
			continue;
		memset(t, 0, sizeof(*t));
		snprintf(t->q.name, sizeof(t->q.name), "%s", ti->name);
		t->q.backend = ti->backend;
		t->q.max_dma_len = ti->max_dma_len;
		t->q.busy = ti->busy;
		t->q.iommu_group = -1;
		/* edu targets are named after their PCI device. */
		if (!strncmp(name, "edu:", 4))
			snprintf(t->q.device, sizeof(t->q.device), "%s", name + 4);
		caps_of_old_module(info, &t->q);
		return 0;
	}
	fprintf(stderr, "iommu-stress: no target named %s (see 'iommu-stress info')\n",
		name);
	return -ENODEV;
}

int target_query(int fd, const struct iommu_stress_info *info, const char *name,
		 struct target *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = dev_target_query(fd, name, &t->q);
	if (!ret) {
		t->queried = 1;
		caps_of_old_module(info, &t->q);
		return 0;
	}
	return ret == -ENOTTY ? from_info(info, name, t) : ret;
}

int target_same_device(const char *a, const char *b)
{
	/* "00:04.0" is "0000:00:04.0": PCI domain 0 may go unnamed. */
	if (!strncmp(a, "0000:", 5) && strncmp(b, "0000:", 5))
		a += 5;
	else if (!strncmp(b, "0000:", 5) && strncmp(a, "0000:", 5))
		b += 5;
	return !strcmp(a, b);
}

/*
 * The first free listed target that shares its device's domain or not
 * (@shared), of PCI device @device if not NULL, that a test can use: 0;
 * else -EOPNOTSUPP with @t the first free one no test can use, or
 * -ENODEV when there is none at all.
 */
static int first_free(int fd, const struct iommu_stress_info *info,
		      int shared, const char *device, struct target *t)
{
	int unusable = 0;
	struct target c;

	for (unsigned int i = 0; i < nlisted(info); i++) {
		const struct iommu_stress_target_info *ti = &info->targets[i];

		if (ti->busy || target_query(fd, info, ti->name, &c))
			continue;
		if (!(c.q.caps & IOMMU_STRESS_TARGET_SHARED_DOMAIN) != !shared)
			continue;
		if (device && !target_same_device(c.q.device, device))
			continue;
		if (target_testable(&c)) {
			*t = c;
			return 0;
		}
		if (!unusable++)
			*t = c;
	}
	return unusable ? -EOPNOTSUPP : -ENODEV;
}

static void say_chosen(const struct target *t, const char *why)
{
	fprintf(stderr, "iommu-stress: %s; using dmaengine channel %s (%s, %s, %s domain)\n",
		why, t->q.name, t->q.device, t->q.driver[0] ? t->q.driver : "no driver",
		target_domain_type_name(t->q.domain_type));
}

static int pick_free(int fd, const struct iommu_stress_info *info, int dma_only,
		     struct target *t)
{
	int ret = -ENODEV;

	/* A domain of the test's own first: nothing else maps into it. */
	if (!dma_only)
		ret = first_free(fd, info, 0, NULL, t);
	if (ret != -ENODEV)
		return ret;
	ret = first_free(fd, info, 1, NULL, t);
	if (!ret)
		say_chosen(t, dma_only ? "--iova-range needs a dmaengine target" :
			   "no free edu target");
	else if (ret == -ENODEV && dma_only)
		fprintf(stderr, "iommu-stress: --iova-range needs a dmaengine target, and no memcpy channel is free (see 'iommu-stress info')\n");
	else if (ret == -ENODEV)
		fprintf(stderr, "iommu-stress: no free DMA target: no edu device bound, no dmaengine memcpy channel free (see 'iommu-stress info')\n");
	return ret;
}

/*
 * "dma:<device>": its first free listed channel. When none is listed
 * (held, or past the INFO list's end), the module resolves the name and
 * answers DOMAIN_CREATE with its own errno.
 */
static int pick_channel(int fd, const struct iommu_stress_info *info,
			const char *want, struct target *t)
{
	int ret = first_free(fd, info, 1, want + 4, t);

	if (ret != -ENODEV)
		return ret;
	memset(t, 0, sizeof(*t));
	if (strlen(want) >= sizeof(t->q.name)) {
		fprintf(stderr, "iommu-stress: target name too long: %s\n", want);
		return -EINVAL;
	}
	snprintf(t->q.name, sizeof(t->q.name), "%s", want);
	snprintf(t->q.device, sizeof(t->q.device), "%s", want + 4);
	t->q.backend = IOMMU_STRESS_BACKEND_DMAENGINE;
	t->q.caps = IOMMU_STRESS_TARGET_SHARED_DOMAIN;
	t->q.iommu_group = -1;
	return 0;
}

int target_pick(int fd, const struct iommu_stress_info *info, const char *want,
		int dma_only, struct target *t)
{
	int ret;

	if (!want)
		return pick_free(fd, info, dma_only, t);
	if (!strncmp(want, "dma:", 4))
		return pick_channel(fd, info, want, t);
	ret = target_query(fd, info, want, t);
	if (ret)
		return ret;
	return target_testable(t) ? 0 : -EOPNOTSUPP;
}
