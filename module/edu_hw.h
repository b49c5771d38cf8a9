/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's "edu" educational PCI device (1234:11e8), as both drivers that
 * use it see it: the iommu_stress DMA backend (edu.c) and the dmaengine
 * provider (edu_dma.c). edu_hw.c is linked into each module.
 *
 * One transfer copies between a bus address and the device's 4 KiB buffer
 * at EDU_BUF_ADDR; it ends 100 ms of virtual time after the command, with
 * an interrupt.
 */
#ifndef ISTRESS_EDU_HW_H
#define ISTRESS_EDU_HW_H

#include <linux/completion.h>
#include <linux/pci.h>
#include <linux/types.h>

#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

/*
 * The dmaengine provider's driver name: dmaengine.c knows how it tells of
 * a device retired under a terminate (edu_dma_terminate_all()).
 */
#define EDU_DMA_DRV_NAME	"istress_edu_dma"

#define EDU_DMA_TO_RAM		0x2	/* direction: buffer -> bus address */
#define EDU_BUF_ADDR		0x40000
/*
 * The buffer is 4096 bytes, but QEMU 7.2 aborts the whole VM on a transfer
 * of exactly 4096 (an off-by-one in its range check) or of 0 bytes.
 */
#define EDU_MAX_XFER		4095
/*
 * How long past its timeout a transfer is still waited for before the
 * device is given up on, and removal waits for a retired one.
 */
#define EDU_HW_GRACE_MS		1000

struct edu_hw {
	struct pci_dev *pdev;
	void __iomem *mmio;
	struct completion irq;	/* the device raised its interrupt */
};

/*
 * Brings the device up: enabled, BAR 0 mapped and checked to be edu, bus
 * mastering, one interrupt vector. edu_hw_close() undoes it all.
 */
int edu_hw_open(struct edu_hw *hw, struct pci_dev *pdev, const char *name);
/*
 * One transfer of @len bytes (1..EDU_MAX_XFER) from @src to the buffer,
 * or (@dir EDU_DMA_TO_RAM) from the buffer to @dst; addresses may be
 * above 4 GiB. Sleeps until the device's run bit clears: its interrupt
 * wakes the wait, but proves nothing alone (anyone can raise it, and a
 * late one may belong to a transfer that timed out before). 0 when done;
 * -ETIMEDOUT when it still runs after @timeout_ms: the device must not be
 * used again since it may still write, and edu_hw_grace() gives the
 * transfer a last chance before anyone reuses its memory. One transfer
 * at a time per device.
 */
int edu_hw_transfer(struct edu_hw *hw, u64 src, u64 dst, u32 len, u32 dir,
		    unsigned int timeout_ms);
/* Waits up to EDU_HW_GRACE_MS more for a transfer that timed out. */
void edu_hw_grace(struct edu_hw *hw);
/*
 * A retired device may still be running a transfer: waits for it (at
 * most @max_ms), then acks and masks its interrupt. Returns true once no
 * transfer runs.
 */
bool edu_hw_quiesce(struct edu_hw *hw, unsigned int max_ms);
/* After edu_hw_quiesce(): nothing of the device is left in use. */
void edu_hw_close(struct edu_hw *hw);

#endif /* ISTRESS_EDU_HW_H */
