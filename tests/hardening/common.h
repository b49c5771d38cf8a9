/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the hardening test programs, which run as root inside the VM
 * and talk to /dev/iommu_stress with raw system calls (not through the
 * tool, so that they see exactly what the module returns). Built into
 * run-unit with HARDENING_ON_FAKE_MODULE (abi.c is), the same calls go to
 * the unit tests' model of the module (tests/unit/fake-module.c) instead.
 */
#ifndef IOMMU_STRESS_HARDENING_COMMON_H
#define IOMMU_STRESS_HARDENING_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/iommu_stress.h>

#include "iommu_stress_errno.h"
#include "ktest.h"

#ifdef HARDENING_ON_FAKE_MODULE
#include "dev.h"
#include "fake-module.h"

#define ON_FAKE_MODULE 1

/*
 * The module as the VM tests load it: driver_warns=0,
 * dma_unmapped_reads=0; a target of every backend.
 */
static inline void module_up(void)
{
	struct fake_host h = fake_host_every_backend();

	h.driver_warns = 0;
	h.unmapped_reads = 0;
	fake_install(&h);
}

static inline void module_down(void)
{
	fake_remove();
}

static inline int mod_open(void)
{
	return dev_sys->open(IOMMU_STRESS_DEVICE, O_RDWR);
}

static inline int mod_ioctl(int fd, unsigned long cmd, void *arg)
{
	return dev_sys->ioctl(fd, cmd, arg);
}

static inline void *mod_mmap(size_t len, int prot, int flags, int fd, off_t off)
{
	return dev_sys->mmap(NULL, len, prot, flags, fd, off);
}

static inline int mod_munmap(void *p, size_t len)
{
	return dev_sys->munmap(p, len);
}

static inline int mod_close(int fd)
{
	return dev_sys->close(fd);
}
#else
#define ON_FAKE_MODULE 0

static inline void module_up(void)
{
}

static inline void module_down(void)
{
}

static inline int mod_open(void)
{
	return open(IOMMU_STRESS_DEVICE, O_RDWR);
}

static inline int mod_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

static inline void *mod_mmap(size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(NULL, len, prot, flags, fd, off);
}

static inline int mod_munmap(void *p, size_t len)
{
	return munmap(p, len);
}

static inline int mod_close(int fd)
{
	return close(fd);
}
#endif

/* The ioctl's errno, or 0. */
static inline int call(int fd, unsigned long cmd, void *arg)
{
	return mod_ioctl(fd, cmd, arg) ? errno : 0;
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

/* The first free target of @backend into @name: 0, or an errno. */
static inline int free_target(int fd, uint32_t backend, char *name)
{
	struct iommu_stress_info info = { .size = sizeof(info) };
	int err = call(fd, IOMMU_STRESS_INFO, &info);

	for (uint32_t i = 0; !err && i < info.ntargets &&
	     i < IOMMU_STRESS_MAX_TARGETS; i++) {
		if (info.targets[i].backend == backend && !info.targets[i].busy) {
			strcpy(name, info.targets[i].name);
			return 0;
		}
	}
	return err ? err : ENODEV;
}

#endif
