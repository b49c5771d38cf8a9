// SPDX-License-Identifier: GPL-2.0
/*
 * The edu device's registers and its one transfer routine (edu_hw.h).
 * Linked into both modules that drive edu; edu_dma_hw.c builds it for the
 * provider, so that no object belongs to two modules.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/jiffies.h>

#include "edu_hw.h"

#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC		0xed	/* low byte of the id register */
#define EDU_DMA_RUN		0x1
#define EDU_DMA_IRQ		0x4
#define EDU_IRQ_DMA		0x100

static bool edu_hw_busy(struct edu_hw *hw)
{
	return ioread32(hw->mmio + EDU_REG_DMA_CMD) & EDU_DMA_RUN;
}

/* Acks whatever the device raised; returns it (0: not our interrupt). */
static u32 edu_hw_irq_ack(struct edu_hw *hw)
{
	u32 status = ioread32(hw->mmio + EDU_REG_IRQ_STATUS);

	if (status)
		iowrite32(status, hw->mmio + EDU_REG_IRQ_ACK);
	return status;
}

static irqreturn_t edu_hw_irq(int irq, void *data)
{
	struct edu_hw *hw = data;
	u32 status = edu_hw_irq_ack(hw);

	if (!status)
		return IRQ_NONE;
	if (status & EDU_IRQ_DMA)
		complete(&hw->irq);
	return IRQ_HANDLED;
}

int edu_hw_open(struct edu_hw *hw, struct pci_dev *pdev, const char *name)
{
	int ret;

	hw->pdev = pdev;
	init_completion(&hw->irq);
	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, name);
	if (ret)
		goto err_disable;
	/* Set before the (shared) interrupt can fire. */
	hw->mmio = pci_iomap(pdev, 0, 0);
	if (!hw->mmio) {
		ret = -ENOMEM;
		goto err_release;
	}
	if ((ioread32(hw->mmio + EDU_REG_ID) & 0xff) != EDU_ID_MAGIC) {
		ret = -ENODEV;
		goto err_unmap;
	}
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (ret < 0)
		goto err_clear_master;
	ret = request_irq(pci_irq_vector(pdev, 0), edu_hw_irq, IRQF_SHARED,
			  name, hw);
	if (ret)
		goto err_free_vectors;
	return 0;

err_free_vectors:
	pci_free_irq_vectors(pdev);
err_clear_master:
	pci_clear_master(pdev);
err_unmap:
	pci_iounmap(pdev, hw->mmio);
err_release:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/*
 * Sleeps until the run bit clears or @ms pass: 0 or -ETIMEDOUT. The
 * interrupt only wakes the wait; the run bit decides.
 */
static int edu_hw_wait(struct edu_hw *hw, unsigned int ms)
{
	unsigned long left = msecs_to_jiffies(ms);

	for (;;) {
		left = wait_for_completion_timeout(&hw->irq, left);
		if (!edu_hw_busy(hw)) {
			if (!left)
				dev_warn_once(&hw->pdev->dev, "a transfer ended without its interrupt\n");
			return 0;
		}
		if (!left)
			return -ETIMEDOUT;
	}
}

int edu_hw_transfer(struct edu_hw *hw, u64 src, u64 dst, u32 len, u32 dir,
		    unsigned int timeout_ms)
{
	reinit_completion(&hw->irq);
	/* 8-byte writes; the device ignores them while a transfer runs. */
	writeq(src, hw->mmio + EDU_REG_DMA_SRC);
	writeq(dst, hw->mmio + EDU_REG_DMA_DST);
	writeq(len, hw->mmio + EDU_REG_DMA_COUNT);
	iowrite32(EDU_DMA_RUN | EDU_DMA_IRQ | dir, hw->mmio + EDU_REG_DMA_CMD);
	return edu_hw_wait(hw, timeout_ms);
}

void edu_hw_grace(struct edu_hw *hw)
{
	edu_hw_wait(hw, EDU_HW_GRACE_MS);
}

bool edu_hw_quiesce(struct edu_hw *hw, unsigned int max_ms)
{
	unsigned int waited = 0;
	bool busy;

	while ((busy = edu_hw_busy(hw)) && waited < max_ms) {
		msleep(10);
		waited += 10;
	}
	edu_hw_irq_ack(hw);
	pci_intx(hw->pdev, 0);
	return !busy;
}

void edu_hw_close(struct edu_hw *hw)
{
	struct pci_dev *pdev = hw->pdev;

	pci_clear_master(pdev);
	free_irq(pci_irq_vector(pdev, 0), hw);
	pci_free_irq_vectors(pdev);
	pci_iounmap(pdev, hw->mmio);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
}
