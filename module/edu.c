// SPDX-License-Identifier: GPL-2.0
/*
 * DMA backend for QEMU's "edu" educational PCI device (1234:11e8). The
 * device copies between guest memory and a 4 KiB internal buffer; a memcpy
 * between two IOVAs is therefore two transfers through that buffer.
 *
 * Completion is by interrupt with a sleeping wait: under
 * "-icount shift=0,sleep=off" an idle guest lets virtual time jump to the
 * device's timer, while busy-polling would burn real time instead.
 */
#include <linux/slab.h>

#include "istress.h"
#include "compat.h"
#include "edu_hw.h"

struct istress_edu {
	struct edu_hw hw;
	struct istress_target *target;
};

/* One transfer between device address space and the edu buffer. */
static int edu_transfer(struct istress_edu *edu, u64 src, u64 dst, u32 len,
			u32 dir)
{
	int ret = edu_hw_transfer(&edu->hw, src, dst, len, dir,
				  istress_dma_timeout_ms);

	/* Still running: the device may yet write, so never use it again. */
	if (ret == -ETIMEDOUT) {
		edu_hw_grace(&edu->hw);
		WRITE_ONCE(edu->target->wedged, true);
		pci_err(edu->hw.pdev, "DMA did not finish in %u ms; device retired\n",
			istress_dma_timeout_ms);
	}
	return ret;
}

/* Called with the target lock held. */
static int edu_copy(struct istress_target *t, u64 dst, u64 src, u32 len)
{
	struct istress_edu *edu = t->priv;
	int ret;

	if (!len || len > EDU_MAX_XFER)
		return -EINVAL;
	ret = edu_transfer(edu, src, EDU_BUF_ADDR, len, 0);
	if (ret)
		return ret;
	return edu_transfer(edu, EDU_BUF_ADDR, dst, len, EDU_DMA_TO_RAM);
}

static const struct istress_dma_ops edu_dma_ops = {
	.copy = edu_copy,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct istress_edu *edu;
	struct istress_target *t;
	int ret;

	edu = kzalloc(sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	ret = edu_hw_open(&edu->hw, pdev, "iommu_stress_edu");
	if (ret)
		goto err_free;

	t = istress_target_alloc(&istress_edu_backend);
	if (!t) {
		ret = -ENOMEM;
		goto err_close;
	}
	snprintf(t->name, sizeof(t->name), "edu:%s", pci_name(pdev));
	t->dev = &pdev->dev;
	t->ops = &edu_dma_ops;
	t->priv = edu;
	edu->target = t;
	pci_set_drvdata(pdev, edu);
	istress_target_register(t);
	pci_info(pdev, "DMA target %s\n", t->name);
	return 0;

err_close:
	edu_hw_close(&edu->hw);
err_free:
	kfree(edu);
	return ret;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct istress_edu *edu = pci_get_drvdata(pdev);
	struct istress_target *t = edu->target;
	unsigned int wait_ms = READ_ONCE(istress_dma_timeout_ms) + EDU_HW_GRACE_MS;

	/*
	 * Detaches any test domain; no DMA can start after this. A retired
	 * device may still be running a transfer: its bus mastering goes off
	 * first, so that what it still writes is dropped, not translated by
	 * the default domain (under iommu=pt, to the IOVA taken for a
	 * physical address). The target lock: no transfer retires it after
	 * the check.
	 */
	mutex_lock(&t->lock);
	if (t->wedged)
		pci_clear_master(pdev);
	istress_target_gone_locked(t);
	mutex_unlock(&t->lock);
	istress_target_unregister(t);
	if (!edu_hw_quiesce(&edu->hw, wait_ms))
		pci_warn(pdev, "a transfer still runs after %u ms\n", wait_ms);
	edu_hw_close(&edu->hw);
	kfree(edu);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) },
	{ }
};
/*
 * No MODULE_DEVICE_TABLE on purpose: a stress module must only ever be
 * loaded by hand, never auto-loaded because a device appeared.
 */

static struct pci_driver edu_driver = {
	.name = "iommu_stress_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
#if ISTRESS_HAVE_DRIVER_MANAGED_DMA
	/* We attach our own domains and never use the DMA API. */
	.driver_managed_dma = true,
#endif
};

/* Targets come and go with the PCI devices: nothing to list or take. */
const struct istress_backend istress_edu_backend = {
	.id = IOMMU_STRESS_BACKEND_EDU,
	.feature = IOMMU_STRESS_FEAT_EDU,
	.max_dma_len = EDU_MAX_XFER,
};

int istress_edu_init(void)
{
	return pci_register_driver(&edu_driver);
}

void istress_edu_exit(void)
{
	pci_unregister_driver(&edu_driver);
}
