// SPDX-License-Identifier: GPL-2.0
/*
 * Not a probe: it must always compile. If it does not, the compiler or the
 * kernel tree is broken, and every probe that failed with it would be a
 * wrong answer. It includes every header a probe includes (run checks
 * that), so that a header which does not compile here, whatever the
 * reason, stops the build instead of turning the probes that use it into
 * a "no".
 */
#include <linux/dmaengine.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>

int probe(void);
int probe(void)
{
	return 0;
}
