/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the hardening test programs, which run as root inside the VM
 * and talk to /dev/iommu_stress with raw ioctls (not through the tool, so
 * that they see exactly what the module returns).
 */
#ifndef IOMMU_STRESS_HARDENING_COMMON_H
#define IOMMU_STRESS_HARDENING_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/iommu_stress.h>

/* The ioctl's errno, or 0. */
static inline int call(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static inline const char *errname(int e)
{
	switch (e) {
	case 0: return "success";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ERANGE: return "ERANGE";
	case E2BIG: return "E2BIG";
	case EMSGSIZE: return "EMSGSIZE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EADDRINUSE: return "EADDRINUSE";
	case EOVERFLOW: return "EOVERFLOW";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return strerror(e);
	}
}

struct tap {
	unsigned int n, pass, fail;
};

static inline void tap_check(struct tap *t, int ok, const char *fmt, const char *name,
			     const char *detail)
{
	t->n++;
	if (ok)
		t->pass++;
	else
		t->fail++;
	printf("%sok %u %s", ok ? "" : "not ", t->n, name);
	if (detail)
		printf(fmt, detail);
	putchar('\n');
	fflush(stdout);
}

static inline int tap_finish(const struct tap *t)
{
	printf("%u passed, %u failed\n", t->pass, t->fail);
	return t->fail ? 1 : 0;
}

/* The first target the module offers, or NULL. */
static inline const char *first_target(int fd, struct iommu_stress_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (call(fd, IOMMU_STRESS_INFO, info) || !info->ntargets)
		return NULL;
	return info->targets[0].name;
}

#endif
