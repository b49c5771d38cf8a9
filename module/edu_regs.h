/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's "edu" educational PCI device (1234:11e8): its registers and the
 * register-level steps shared by the drivers that use it, the iommu_stress
 * DMA backend (edu.c) and the dmaengine provider (edu_dma.c).
 *
 * One transfer copies between a bus address and the device's 4 KiB buffer
 * at EDU_BUF_ADDR; it completes 100 ms of virtual time after the command,
 * with EDU_IRQ_DMA raised if EDU_DMA_IRQ was set.
 */
#ifndef ISTRESS_EDU_REGS_H
#define ISTRESS_EDU_REGS_H

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/pci.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC		0xed		/* low byte of the id register */
#define EDU_DMA_RUN		0x1
#define EDU_DMA_TO_RAM		0x2
#define EDU_DMA_IRQ		0x4
#define EDU_IRQ_DMA		0x100
#define EDU_BUF_ADDR		0x40000
/*
 * The buffer is 4096 bytes, but QEMU 7.2 aborts the whole VM on a transfer
 * of exactly 4096 (an off-by-one in its range check) or of 0 bytes.
 */
#define EDU_MAX_XFER		4095

static inline bool edu_hw_id_ok(void __iomem *mmio)
{
	return (ioread32(mmio + EDU_REG_ID) & 0xff) == EDU_ID_MAGIC;
}

/*
 * Starts one transfer of @len bytes (1..EDU_MAX_XFER), from bus address
 * @src to the buffer or (@dir EDU_DMA_TO_RAM) from the buffer to @dst, with
 * an interrupt at the end. 8-byte writes: addresses may be above 4 GiB.
 * The device ignores all of these writes while a transfer runs.
 */
static inline void edu_hw_start(void __iomem *mmio, u64 src, u64 dst, u32 len,
				u32 dir)
{
	writeq(src, mmio + EDU_REG_DMA_SRC);
	writeq(dst, mmio + EDU_REG_DMA_DST);
	writeq(len, mmio + EDU_REG_DMA_COUNT);
	iowrite32(EDU_DMA_RUN | EDU_DMA_IRQ | dir, mmio + EDU_REG_DMA_CMD);
}

static inline bool edu_hw_busy(void __iomem *mmio)
{
	return ioread32(mmio + EDU_REG_DMA_CMD) & EDU_DMA_RUN;
}

/* Acks whatever the device raised; returns it (0: not our interrupt). */
static inline u32 edu_hw_irq_ack(void __iomem *mmio)
{
	u32 status = ioread32(mmio + EDU_REG_IRQ_STATUS);

	if (status)
		iowrite32(status, mmio + EDU_REG_IRQ_ACK);
	return status;
}

/*
 * A retired device may still be running a transfer: wait for it (at most
 * @max_ms), then ack and mask its interrupt so nothing fires after
 * free_irq().
 */
static inline void edu_hw_quiesce(struct pci_dev *pdev, void __iomem *mmio,
				  unsigned int max_ms)
{
	unsigned int waited = 0;

	while (edu_hw_busy(mmio) && waited < max_ms) {
		msleep(10);
		waited += 10;
	}
	iowrite32(ioread32(mmio + EDU_REG_IRQ_STATUS), mmio + EDU_REG_IRQ_ACK);
	pci_intx(pdev, 0);
}

/*
 * Brings the device up for a driver: enabled, BAR 0 mapped into *@mmio
 * and checked to be edu, bus mastering, one interrupt vector with
 * @handler(@data). *@mmio is set before the (shared) interrupt can fire.
 * edu_hw_close() undoes it all.
 */
static inline int edu_hw_open(struct pci_dev *pdev, const char *name,
			      void __iomem **mmio, irq_handler_t handler,
			      void *data)
{
	int ret;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, 0, name);
	if (ret)
		goto err_disable;
	*mmio = pci_iomap(pdev, 0, 0);
	if (!*mmio) {
		ret = -ENOMEM;
		goto err_release;
	}
	if (!edu_hw_id_ok(*mmio)) {
		ret = -ENODEV;
		goto err_unmap;
	}
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_ALL_TYPES);
	if (ret < 0)
		goto err_clear_master;
	ret = request_irq(pci_irq_vector(pdev, 0), handler, IRQF_SHARED, name,
			  data);
	if (ret)
		goto err_free_vectors;
	return 0;

err_free_vectors:
	pci_free_irq_vectors(pdev);
err_clear_master:
	pci_clear_master(pdev);
err_unmap:
	pci_iounmap(pdev, *mmio);
err_release:
	pci_release_region(pdev, 0);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/* After edu_hw_quiesce(): nothing of the device is left in use. */
static inline void edu_hw_close(struct pci_dev *pdev, void __iomem *mmio,
				void *data)
{
	pci_clear_master(pdev);
	free_irq(pci_irq_vector(pdev, 0), data);
	pci_free_irq_vectors(pdev);
	pci_iounmap(pdev, mmio);
	pci_release_region(pdev, 0);
	pci_disable_device(pdev);
}

#endif /* ISTRESS_EDU_REGS_H */
