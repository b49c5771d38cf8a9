// SPDX-License-Identifier: GPL-2.0
/*
 * dmaengine_get_dma_device() (v5.11): the device that really does a
 * channel's DMA, which for some controllers is the channel's own.
 */
/* absent: implicit declaration of function .dmaengine_get_dma_device. */
#include <linux/dmaengine.h>

struct device *probe(struct dma_chan *chan);
struct device *probe(struct dma_chan *chan)
{
	return dmaengine_get_dma_device(chan);
}
