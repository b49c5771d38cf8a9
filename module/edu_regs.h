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

#endif /* ISTRESS_EDU_REGS_H */
