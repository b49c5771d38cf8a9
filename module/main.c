// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_stress: reproduce, detect and time IOMMU translation corruption.
 *
 * The module gives a privileged tool private IOMMU domains on devices it
 * can drive DMA with, buffers it allocated itself, and map/unmap/DMA
 * operations on them, including a deliberately skipped IOTLB flush.
 */
/* Messages of the module itself name it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "istress.h"
#include "session.h"

unsigned int istress_dma_timeout_ms = 5000;
module_param_named(dma_timeout_ms, istress_dma_timeout_ms, uint, 0644);
MODULE_PARM_DESC(dma_timeout_ms, "How long one DMA may take before the device is retired (ms)");

static unsigned long max_buffer_mb;
module_param(max_buffer_mb, ulong, 0444);
MODULE_PARM_DESC(max_buffer_mb, "Cap on all buffers of all sessions (MiB; 0 = half of RAM)");

unsigned long istress_max_buffer_bytes;

/*
 * idxd frees a work queue's channel when the queue (or the whole dsaN
 * device) is disabled, without a word to the client holding it, and
 * neither is a device the module can watch: allowed only by an
 * administrator who will not disable them meanwhile.
 */
bool istress_idxd_channels;
module_param_named(idxd_channels, istress_idxd_channels, bool, 0644);
MODULE_PARM_DESC(idxd_channels, "Allow idxd (DSA) channels; never disable their work queue or device while a session holds one");

/*
 * A read of an unmapped IOVA is the check that an unmap took effect, and it
 * makes the IOMMU fault. edu shrugs that off; real DMA engines' drivers
 * differ (ioatdma's error handler BUG()s on error bits it does not know),
 * so on dmaengine channels it is the administrator's call.
 */
bool istress_dma_unmapped_reads;
module_param_named(dma_unmapped_reads, istress_dma_unmapped_reads, bool, 0644);
MODULE_PARM_DESC(dma_unmapped_reads, "Let dmaengine channels read IOVAs a session has not mapped (IOMMU faults; only where the engine's driver survives them)");

/*
 * MAP_OVERLAP hands an overlap with live mappings to the IOMMU driver on
 * purpose, and drivers answer some of those with a WARN: on a host booted
 * with panic_on_warn that is a crash. Off unless the administrator asks.
 */
bool istress_driver_warns;
module_param_named(driver_warns, istress_driver_warns, bool, 0644);
MODULE_PARM_DESC(driver_warns, "Allow MAP_OVERLAP, which can make the IOMMU driver WARN (never with panic_on_warn)");

/*
 * Off unless an administrator asks: see map_call_max() in map.c. Setting
 * it taints the kernel (module_param_unsafe). Read-only once loaded:
 * what mapping.c reasons about the leaves of every mapping a domain
 * holds depends on it.
 */
bool istress_allow_1g_leaves __ro_after_init;
module_param_named_unsafe(allow_1g_leaves, istress_allow_1g_leaves, bool, 0444);
MODULE_PARM_DESC(allow_1g_leaves, "UNSAFE: let the IOMMU driver build 1G leaves; on affected drivers (Intel up to 6.18) an UNMAP that partly covers one corrupts host memory");

static struct miscdevice istress_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu_stress",
	.fops = &istress_fops,
	.mode = 0600,
};

static int __init istress_init(void)
{
	int ret;

#ifdef ISTRESS_UNSAFE_TESTS
	pr_notice("test build with unsafe fault injection; never load it on a real host\n");
#endif
	istress_max_buffer_bytes = max_buffer_mb ?
		max_buffer_mb << 20 : (totalram_pages() << PAGE_SHIFT) / 2;
	ret = istress_shared_init();
	if (ret)
		return ret;
	ret = istress_edu_init();
	if (ret)
		goto err_shared;
	ret = misc_register(&istress_misc);
	if (ret)
		goto err_edu;
	return 0;

err_edu:
	istress_edu_exit();
err_shared:
	istress_shared_exit();
	return ret;
}

static void __exit istress_exit(void)
{
	misc_deregister(&istress_misc);
	istress_edu_exit();
	istress_shared_exit();
}

module_init(istress_init);
module_exit(istress_exit);
MODULE_DESCRIPTION("IOMMU translation corruption reproducer and detector");
MODULE_LICENSE("GPL");
MODULE_VERSION(ISTRESS_VERSION);
