// SPDX-License-Identifier: GPL-2.0
/*
 * A dmaengine memcpy provider for QEMU's "edu" device (1234:11e8), so that
 * dmaengine clients such as iommu_stress's dmaengine backend have a channel
 * in a VM, where there is no ioatdma, idxd or ptdma.
 *
 * edu copies between a bus address and its 4 KiB buffer, one transfer at a
 * time, each ending 100 ms of virtual time later with an interrupt. A
 * memcpy is therefore a series of chunks of at most EDU_MAX_XFER bytes,
 * each two transfers: source -> buffer, buffer -> destination. A worker
 * runs them in process context and sleeps for each interrupt: under
 * "-icount shift=0,sleep=off" an idle guest lets virtual time jump to the
 * device's timer, while busy-polling would burn real time.
 *
 * The driver matches no ids: it binds only to a device whose driver_override
 * names it (scripts/lib/edu-dma-bind), so loading it never takes an edu
 * device from iommu_stress. It is a normal DMA-API driver: the device stays
 * on its default DMA domain, and the addresses clients hand to the channel
 * are IOVAs of that domain.
 */
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "edu_hw.h"

#define DRV_NAME		EDU_DMA_DRV_NAME

/*
 * QEMU's edu drops the address bits above its dma_mask without a word (28
 * bits unless "-device edu,dma_mask=..." raised it), and no register
 * tells: a wider DMA mask here would send transfers to other memory.
 * Read when a device binds.
 */
static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0644);
MODULE_PARM_DESC(dma_bits, "Address bits the edu devices drive (QEMU's edu dma_mask: 28 unless raised); read at bind");

static unsigned int dma_timeout_ms = 5000;
module_param(dma_timeout_ms, uint, 0644);
MODULE_PARM_DESC(dma_timeout_ms, "How long one edu transfer may take before the device is retired (ms)");

struct edu_dma_desc {
	struct dma_async_tx_descriptor txd;
	struct list_head node;
	dma_addr_t src;
	dma_addr_t dst;
	size_t len;
	size_t copied;
};

struct edu_dma {
	struct edu_hw hw;
	struct pci_dev *pdev;
	struct dma_device dd;
	struct dma_chan chan;
	struct workqueue_struct *wq;
	struct work_struct work;
	wait_queue_head_t idle;		/* the worker finished something */
	unsigned long progress;		/* bumped by the worker as it goes */

	/* Protects the lists, the channel's cookies and the fields below. */
	spinlock_t lock;
	struct list_head prepared;	/* not yet submitted */
	struct list_head submitted;	/* not yet issued */
	struct list_head issued;	/* waiting for the worker */
	struct list_head done;		/* completed, waiting for DMA_CTRL_ACK */
	unsigned long taken;		/* batches the worker took ... */
	unsigned long finished;		/* ... and ended, callbacks included */
	unsigned long term_seq;		/* terminate_all calls */
	dma_cookie_t term_cookie;	/* the last cookie terminate_all saw */
	bool dead;			/* retired or removed: no more DMA */

	/* Under edu_dma_orphans_lock. */
	bool released;			/* the framework's last reference went */
	struct list_head orphan;
};

/*
 * Devices removed while a client still held their channel. The framework
 * calls device_release when that client lets go, but dma_release_channel()
 * still clears fields of the channel after that, so the memory waits here
 * until the module is unloaded. The client's module reference is dropped
 * just before those last stores, under the framework's mutex: an unload
 * is far too slow to get in between.
 */
static LIST_HEAD(edu_dma_orphans);
static DEFINE_MUTEX(edu_dma_orphans_lock);

static struct edu_dma *to_edu_dma(struct dma_chan *chan)
{
	return container_of(chan, struct edu_dma, chan);
}

static struct edu_dma_desc *to_desc(struct dma_async_tx_descriptor *txd)
{
	return container_of(txd, struct edu_dma_desc, txd);
}

/*
 * Cookie bookkeeping as drivers/dma/dmaengine.h does it (that header is not
 * available to modules built out of tree). Called with ed->lock held.
 */
static dma_cookie_t edu_dma_cookie_assign(struct dma_async_tx_descriptor *txd)
{
	struct dma_chan *chan = txd->chan;
	dma_cookie_t cookie = chan->cookie + 1;

	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	txd->cookie = cookie;
	chan->cookie = cookie;
	return cookie;
}

static void edu_dma_cookie_complete(struct dma_async_tx_descriptor *txd)
{
	txd->chan->completed_cookie = txd->cookie;
	txd->cookie = 0;
}

/* Frees descriptors that will not run; no callback is called for them. */
static void edu_dma_free_list(struct list_head *head)
{
	struct edu_dma_desc *desc, *n;

	list_for_each_entry_safe(desc, n, head, node) {
		list_del(&desc->node);
		dma_descriptor_unmap(&desc->txd);
		kfree(desc);
	}
}

/* Moves completed descriptors that their clients have acked to @head. */
static void edu_dma_reap(struct edu_dma *ed, struct list_head *head)
{
	struct edu_dma_desc *desc, *n;

	lockdep_assert_held(&ed->lock);
	list_for_each_entry_safe(desc, n, &ed->done, node)
		if (async_tx_test_ack(&desc->txd))
			list_move_tail(&desc->node, head);
}

/*
 * After its callback a descriptor belongs to the driver again only once it
 * is acked (DMA_CTRL_ACK at prep, or async_tx_ack() later): until then the
 * client may still look at it.
 */
static void edu_dma_recycle(struct edu_dma *ed, struct edu_dma_desc *desc)
{
	LIST_HEAD(reaped);

	spin_lock_irq(&ed->lock);
	list_add_tail(&desc->node, &ed->done);
	edu_dma_reap(ed, &reaped);
	spin_unlock_irq(&ed->lock);
	edu_dma_free_list(&reaped);
}

/*
 * dmaengine_desc_callback_invoke() is in drivers/dma/dmaengine.h too: the
 * same by hand. Clients expect their callbacks to run as from a tasklet,
 * hence bottom halves off.
 */
static void edu_dma_callback(struct dma_async_tx_descriptor *txd,
			     enum dmaengine_tx_result result, size_t residue)
{
	struct dmaengine_result res = {
		.result = result,
		.residue = min_t(size_t, residue, U32_MAX),
	};

	local_bh_disable();
	if (txd->callback_result)
		txd->callback_result(txd->callback_param, &res);
	else if (txd->callback)
		txd->callback(txd->callback_param);
	local_bh_enable();
}

/* Called with ed->lock held; the worker aborts what is queued. */
static void edu_dma_retire(struct edu_dma *ed)
{
	lockdep_assert_held(&ed->lock);
	ed->dead = true;
}

static void edu_dma_end_batch(struct edu_dma *ed)
{
	spin_lock_irq(&ed->lock);
	ed->finished++;
	spin_unlock_irq(&ed->lock);
	wake_up_all(&ed->idle);
}

static void edu_dma_progress(struct edu_dma *ed)
{
	WRITE_ONCE(ed->progress, ed->progress + 1);
}

/* One edu transfer; sleeps until it ends. 0, or -ETIMEDOUT: wedged. */
static int edu_dma_xfer(struct edu_dma *ed, u64 src, u64 dst, u32 len,
			u32 dir)
{
	int ret = edu_hw_transfer(&ed->hw, src, dst, len, dir, dma_timeout_ms);

	edu_dma_progress(ed);
	if (ret) {
		/*
		 * The device will be retired; the transfer may still end, so
		 * it gets a last chance before the client hears of the abort.
		 */
		edu_hw_grace(&ed->hw);
		edu_dma_progress(ed);
	}
	return ret;
}

/* Whether the descriptor the worker took at @seq must not go on. */
static bool edu_dma_stopped(struct edu_dma *ed, unsigned long seq)
{
	bool stop;

	spin_lock_irq(&ed->lock);
	stop = ed->dead || ed->term_seq != seq;
	spin_unlock_irq(&ed->lock);
	return stop;
}

/*
 * Runs @desc chunk by chunk. edu cannot be stopped, so termination and
 * removal take effect between transfers. Returns 0, -ECANCELED (stopped)
 * or -ETIMEDOUT (the device is wedged).
 */
static int edu_dma_run(struct edu_dma *ed, struct edu_dma_desc *desc,
		       unsigned long seq)
{
	size_t n;
	int ret;

	for (; desc->copied < desc->len; desc->copied += n) {
		n = min_t(size_t, desc->len - desc->copied, EDU_MAX_XFER);
		if (edu_dma_stopped(ed, seq))
			return -ECANCELED;
		ret = edu_dma_xfer(ed, desc->src + desc->copied, EDU_BUF_ADDR,
				   n, 0);
		if (ret)
			return ret;
		if (edu_dma_stopped(ed, seq))
			return -ECANCELED;
		ret = edu_dma_xfer(ed, EDU_BUF_ADDR, desc->dst + desc->copied,
				   n, EDU_DMA_TO_RAM);
		if (ret)
			return ret;
	}
	return 0;
}

static void edu_dma_finish(struct edu_dma *ed, struct edu_dma_desc *desc,
			   unsigned long seq, int ret)
{
	struct dma_async_tx_descriptor *txd = &desc->txd;
	bool terminated;

	spin_lock_irq(&ed->lock);
	if (ret == -ETIMEDOUT)
		edu_dma_retire(ed);
	if (!ret)
		edu_dma_cookie_complete(txd);
	/* The dmaengine contract: no callback for a terminated transfer. */
	terminated = ed->term_seq != seq;
	spin_unlock_irq(&ed->lock);

	if (ret == -ETIMEDOUT)
		pci_err(ed->pdev, "DMA did not finish in %u ms; device retired\n",
			dma_timeout_ms);
	dma_descriptor_unmap(txd);
	if (terminated) {
		kfree(desc);
	} else {
		edu_dma_callback(txd, ret ? DMA_TRANS_ABORTED : DMA_TRANS_NOERROR,
				 desc->len - desc->copied);
		edu_dma_progress(ed);
		edu_dma_recycle(ed, desc);
	}
	edu_dma_end_batch(ed);
}

/*
 * The device is retired or going: end everything queued as aborted, since
 * a client waiting for a callback would otherwise wait forever.
 */
static void edu_dma_abort_queued(struct edu_dma *ed)
{
	struct edu_dma_desc *desc, *n;
	unsigned long seq;
	LIST_HEAD(head);
	bool terminated;

	spin_lock_irq(&ed->lock);
	list_splice_tail_init(&ed->submitted, &head);
	list_splice_tail_init(&ed->issued, &head);
	ed->taken++;
	seq = ed->term_seq;
	spin_unlock_irq(&ed->lock);

	list_for_each_entry_safe(desc, n, &head, node) {
		list_del(&desc->node);
		dma_descriptor_unmap(&desc->txd);
		spin_lock_irq(&ed->lock);
		terminated = ed->term_seq != seq;
		spin_unlock_irq(&ed->lock);
		if (terminated) {
			kfree(desc);
			continue;
		}
		edu_dma_callback(&desc->txd, DMA_TRANS_ABORTED, desc->len);
		edu_dma_progress(ed);
		edu_dma_recycle(ed, desc);
	}
	edu_dma_end_batch(ed);
}

/* Runs issued descriptors in order, one at a time, in process context. */
static void edu_dma_work(struct work_struct *work)
{
	struct edu_dma *ed = container_of(work, struct edu_dma, work);
	struct edu_dma_desc *desc;
	unsigned long seq;
	int ret;

	for (;;) {
		spin_lock_irq(&ed->lock);
		if (ed->dead) {
			/* Nothing can be queued any more: submit refuses. */
			spin_unlock_irq(&ed->lock);
			edu_dma_abort_queued(ed);
			return;
		}
		desc = list_first_entry_or_null(&ed->issued,
						struct edu_dma_desc, node);
		if (!desc) {
			spin_unlock_irq(&ed->lock);
			return;
		}
		list_del(&desc->node);
		ed->taken++;
		seq = ed->term_seq;
		spin_unlock_irq(&ed->lock);

		ret = edu_dma_run(ed, desc, seq);
		edu_dma_finish(ed, desc, seq, ret);
	}
}

static dma_cookie_t edu_dma_tx_submit(struct dma_async_tx_descriptor *txd)
{
	struct edu_dma *ed = to_edu_dma(txd->chan);
	dma_cookie_t cookie = -ENODEV;
	unsigned long flags;

	spin_lock_irqsave(&ed->lock, flags);
	if (!ed->dead) {
		cookie = edu_dma_cookie_assign(txd);
		list_move_tail(&to_desc(txd)->node, &ed->submitted);
	}
	spin_unlock_irqrestore(&ed->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
edu_dma_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		    size_t len, unsigned long flags)
{
	struct edu_dma *ed = to_edu_dma(chan);
	struct edu_dma_desc *desc;
	unsigned long irqflags;
	LIST_HEAD(reaped);
	bool dead;

	/* edu takes a 0-byte transfer down with QEMU; ranges may not wrap. */
	if (!len || src + len - 1 < src || dst + len - 1 < dst)
		return NULL;
	/* Clients may prepare in atomic context. */
	desc = kzalloc(sizeof(*desc), GFP_NOWAIT);
	if (!desc)
		return NULL;
	dma_async_tx_descriptor_init(&desc->txd, chan);
	desc->txd.tx_submit = edu_dma_tx_submit;
	desc->txd.flags = flags;
	desc->txd.cookie = -EBUSY;
	desc->src = src;
	desc->dst = dst;
	desc->len = len;

	spin_lock_irqsave(&ed->lock, irqflags);
	dead = ed->dead;
	if (!dead)
		list_add_tail(&desc->node, &ed->prepared);
	edu_dma_reap(ed, &reaped);
	spin_unlock_irqrestore(&ed->lock, irqflags);
	edu_dma_free_list(&reaped);
	if (dead) {
		kfree(desc);
		return NULL;
	}
	return &desc->txd;
}

static void edu_dma_issue_pending(struct dma_chan *chan)
{
	struct edu_dma *ed = to_edu_dma(chan);
	unsigned long flags;

	spin_lock_irqsave(&ed->lock, flags);
	if (!ed->dead && !list_empty(&ed->submitted)) {
		list_splice_tail_init(&ed->submitted, &ed->issued);
		queue_work(ed->wq, &ed->work);
	}
	spin_unlock_irqrestore(&ed->lock, flags);
}

static enum dma_status edu_dma_tx_status(struct dma_chan *chan,
					 dma_cookie_t cookie,
					 struct dma_tx_state *state)
{
	struct edu_dma *ed = to_edu_dma(chan);
	dma_cookie_t used, completed, terminated;
	enum dma_status status;
	unsigned long flags;
	bool dead;

	spin_lock_irqsave(&ed->lock, flags);
	used = chan->cookie;
	completed = chan->completed_cookie;
	terminated = ed->term_cookie;
	dead = ed->dead;
	spin_unlock_irqrestore(&ed->lock, flags);

	/* dma_async_is_tx_complete() reads it whatever the status. */
	if (state) {
		state->last = completed;
		state->used = used;
		state->residue = 0;
		state->in_flight_bytes = 0;
	}
	status = dma_async_is_complete(cookie, completed, used);
	if (status == DMA_COMPLETE)
		return status;
	/*
	 * A retired device completes nothing more, and a terminated
	 * descriptor never completes: polling clients must not wait forever.
	 */
	if (dead || dma_async_is_complete(cookie, terminated, used) == DMA_COMPLETE)
		return DMA_ERROR;
	return status;
}

#ifdef ISTRESS_UNSAFE_TESTS
/*
 * Test builds only: the Nth terminate_all from when this is set fails
 * with -EINVAL while the device is healthy, as a provider might that
 * refuses a terminate of an idle channel (tests/hardening/races.c).
 */
static unsigned int unsafe_terminate_fail_nth;
module_param(unsafe_terminate_fail_nth, uint, 0644);
MODULE_PARM_DESC(unsafe_terminate_fail_nth, "TEST BUILD: the Nth terminate_all from now fails with -EINVAL (0: none)");

static bool terminate_fails(void)
{
	unsigned int n = READ_ONCE(unsafe_terminate_fail_nth), old;

	while (n) {
		old = cmpxchg(&unsafe_terminate_fail_nth, n, n - 1);
		if (old == n)
			return n == 1;
		n = old;
	}
	return false;
}

/*
 * Test builds only: remove() leaves the device bus mastering, as a driver
 * would that never stops its device, so that a race case can show that
 * iommu_stress keeps a retired channel's bounce page while the device may
 * still write to it.
 */
static bool unsafe_remove_leaves_master;
module_param(unsafe_remove_leaves_master, bool, 0644);
MODULE_PARM_DESC(unsafe_remove_leaves_master, "TEST BUILD: unbinding leaves the device bus mastering");

static void remove_leaves_master(struct pci_dev *pdev)
{
	if (READ_ONCE(unsafe_remove_leaves_master))
		pci_set_master(pdev);
}
#else
static bool terminate_fails(void)
{
	return false;
}

static void remove_leaves_master(struct pci_dev *pdev)
{
}
#endif

/*
 * Drops what is queued. A transfer edu is running cannot be stopped: the
 * worker ends its descriptor at the next transfer boundary, without a
 * callback, and device_synchronize waits for that. May be called in atomic
 * context and from a callback.
 *
 * -EIO once the device is retired: a transfer of it timed out and may
 * still write, so the client must not take what it handed over as its
 * own again. A client that asks again after device_synchronize hears of
 * a timeout that came while it waited.
 */
static int edu_dma_terminate_all(struct dma_chan *chan)
{
	struct edu_dma *ed = to_edu_dma(chan);
	unsigned long flags;
	LIST_HEAD(head);
	bool dead;

	spin_lock_irqsave(&ed->lock, flags);
	list_splice_tail_init(&ed->submitted, &head);
	list_splice_tail_init(&ed->issued, &head);
	ed->term_seq++;
	ed->term_cookie = chan->cookie;
	dead = ed->dead;
	spin_unlock_irqrestore(&ed->lock, flags);
	edu_dma_free_list(&head);
	if (dead)
		return -EIO;
	return terminate_fails() ? -EINVAL : 0;
}

static bool edu_dma_caught_up(struct edu_dma *ed, unsigned long target)
{
	bool ret;

	spin_lock_irq(&ed->lock);
	ret = (long)(ed->finished - target) >= 0;
	spin_unlock_irq(&ed->lock);
	return ret;
}

/*
 * Waits until whatever the worker had taken is over, callbacks included.
 * Each transfer is bounded by dma_timeout_ms (then the device is retired);
 * a worker that makes no progress at all for longer than that is stuck, so
 * the device is retired and the wait ends.
 */
static void edu_dma_synchronize(struct dma_chan *chan)
{
	unsigned long period = msecs_to_jiffies(dma_timeout_ms +
						EDU_HW_GRACE_MS);
	struct edu_dma *ed = to_edu_dma(chan);
	unsigned long target, progress;

	spin_lock_irq(&ed->lock);
	target = ed->taken;
	spin_unlock_irq(&ed->lock);

	do {
		progress = READ_ONCE(ed->progress);
		if (wait_event_timeout(ed->idle, edu_dma_caught_up(ed, target),
				       period))
			return;
	} while (READ_ONCE(ed->progress) != progress);

	spin_lock_irq(&ed->lock);
	edu_dma_retire(ed);
	spin_unlock_irq(&ed->lock);
	pci_err(ed->pdev, "DMA worker stuck for %u ms; device retired\n",
		dma_timeout_ms + EDU_HW_GRACE_MS);
}

static int edu_dma_alloc_chan_resources(struct dma_chan *chan)
{
	struct edu_dma *ed = to_edu_dma(chan);
	int ret = 0;

	spin_lock_irq(&ed->lock);
	/*
	 * Not -ENODEV: the framework takes that for a device gone and drops
	 * it from its list, which remove()'s unregister then deletes again.
	 */
	if (ed->dead) {
		ret = -EIO;
	} else {
		chan->cookie = DMA_MIN_COOKIE;
		chan->completed_cookie = DMA_MIN_COOKIE;
		ed->term_cookie = DMA_MIN_COOKIE;
	}
	spin_unlock_irq(&ed->lock);
	return ret;
}

/* The last client let go: drop everything it left behind. */
static void edu_dma_free_chan_resources(struct dma_chan *chan)
{
	struct edu_dma *ed = to_edu_dma(chan);
	LIST_HEAD(head);

	edu_dma_terminate_all(chan);
	edu_dma_synchronize(chan);
	spin_lock_irq(&ed->lock);
	list_splice_tail_init(&ed->prepared, &head);
	list_splice_tail_init(&ed->done, &head);
	spin_unlock_irq(&ed->lock);
	edu_dma_free_list(&head);
}

static void edu_dma_release(struct dma_device *dd)
{
	struct edu_dma *ed = container_of(dd, struct edu_dma, dd);

	mutex_lock(&edu_dma_orphans_lock);
	ed->released = true;
	mutex_unlock(&edu_dma_orphans_lock);
}

/* After remove(): free @ed now, or park it until the module goes. */
static void edu_dma_put(struct edu_dma *ed)
{
	mutex_lock(&edu_dma_orphans_lock);
	if (!ed->released) {
		list_add_tail(&ed->orphan, &edu_dma_orphans);
		ed = NULL;
	}
	mutex_unlock(&edu_dma_orphans_lock);
	kfree(ed);
}

static void edu_dma_init_device(struct edu_dma *ed)
{
	struct dma_device *dd = &ed->dd;

	dd->dev = &ed->pdev->dev;
	INIT_LIST_HEAD(&dd->channels);
	dma_cap_set(DMA_MEMCPY, dd->cap_mask);
	/*
	 * Only dma_request_channel() hands the channel out: never the
	 * framework's public channel table, so never async_tx (md RAID).
	 */
	dma_cap_set(DMA_PRIVATE, dd->cap_mask);
	/*
	 * Any alignment. Bus widths and directions describe slave channels
	 * (dma_get_slave_caps() refuses others): zero, as in ioatdma.
	 */
	dd->copy_align = DMAENGINE_ALIGN_1_BYTE;
	dd->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	dd->device_alloc_chan_resources = edu_dma_alloc_chan_resources;
	dd->device_free_chan_resources = edu_dma_free_chan_resources;
	dd->device_prep_dma_memcpy = edu_dma_prep_memcpy;
	dd->device_issue_pending = edu_dma_issue_pending;
	dd->device_tx_status = edu_dma_tx_status;
	dd->device_terminate_all = edu_dma_terminate_all;
	dd->device_synchronize = edu_dma_synchronize;
	/* Lets the device go while a client still holds the channel. */
	dd->device_release = edu_dma_release;

	ed->chan.device = dd;
	list_add_tail(&ed->chan.device_node, &dd->channels);
}

static int edu_dma_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu_dma *ed;
	unsigned int bits;
	int ret;

	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return -ENOMEM;
	ed->pdev = pdev;
	spin_lock_init(&ed->lock);
	INIT_LIST_HEAD(&ed->prepared);
	INIT_LIST_HEAD(&ed->submitted);
	INIT_LIST_HEAD(&ed->issued);
	INIT_LIST_HEAD(&ed->done);
	init_waitqueue_head(&ed->idle);
	INIT_WORK(&ed->work, edu_dma_work);

	bits = READ_ONCE(dma_bits);
	if (bits < 28 || bits > 64) {
		pci_err(pdev, "dma_bits=%u: edu drives 28 to 64 address bits\n",
			bits);
		ret = -EINVAL;
		goto err_free;
	}
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(bits));
	if (ret)
		goto err_free;
	/* Descriptors are split into edu-sized chunks: any length will do. */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);
	ret = edu_hw_open(&ed->hw, pdev, DRV_NAME);
	if (ret)
		goto err_free;
	/* Transfers sleep: they run here, not in their submitter's context. */
	ed->wq = alloc_ordered_workqueue("edu_dma/%s", 0, pci_name(pdev));
	if (!ed->wq) {
		ret = -ENOMEM;
		goto err_close;
	}

	edu_dma_init_device(ed);
	pci_set_drvdata(pdev, ed);
	ret = dma_async_device_register(&ed->dd);
	if (ret)
		goto err_destroy_wq;
	pci_info(pdev, "dmaengine provider: %s\n", dma_chan_name(&ed->chan));
	return 0;

err_destroy_wq:
	destroy_workqueue(ed->wq);
err_close:
	edu_hw_close(&ed->hw);
err_free:
	kfree(ed);
	return ret;
}

static void edu_dma_remove(struct pci_dev *pdev)
{
	struct edu_dma *ed = pci_get_drvdata(pdev);
	unsigned int wait_ms;

	/*
	 * From here on descriptors are refused, and the worker aborts the
	 * queued ones: a client may still hold the channel.
	 */
	spin_lock_irq(&ed->lock);
	edu_dma_retire(ed);
	queue_work(ed->wq, &ed->work);
	spin_unlock_irq(&ed->lock);
	dma_async_device_unregister(&ed->dd);
	/* A running transfer ends within dma_timeout_ms, or retires edu. */
	destroy_workqueue(ed->wq);
	wait_ms = READ_ONCE(dma_timeout_ms) + EDU_HW_GRACE_MS;
	/*
	 * QEMU's edu ends a transfer at a 100 ms timer: one still running
	 * after this wait is a device gone wrong. Its DMA, if any comes, is
	 * dropped while bus mastering is off (edu_hw_close()), which is
	 * safer than letting it land wherever the device translates then.
	 */
	if (!edu_hw_quiesce(&ed->hw, wait_ms))
		pci_warn(pdev, "a transfer still runs after %u ms; bus mastering goes off under it\n",
			 wait_ms);
	edu_hw_close(&ed->hw);
	remove_leaves_master(pdev);
	edu_dma_put(ed);
}

/*
 * No ids and no MODULE_DEVICE_TABLE: the driver binds only to a device
 * whose driver_override names it, never on its own.
 */
static const struct pci_device_id edu_dma_ids[] = {
	{ }
};

static struct pci_driver edu_dma_driver = {
	.name = DRV_NAME,
	.id_table = edu_dma_ids,
	.probe = edu_dma_probe,
	.remove = edu_dma_remove,
};

static int __init edu_dma_init(void)
{
	return pci_register_driver(&edu_dma_driver);
}

static void __exit edu_dma_exit(void)
{
	struct edu_dma *ed, *n;

	pci_unregister_driver(&edu_dma_driver);
	/* Every client held a reference on this module: all are gone. */
	list_for_each_entry_safe(ed, n, &edu_dma_orphans, orphan) {
		list_del(&ed->orphan);
		kfree(ed);
	}
}

module_init(edu_dma_init);
module_exit(edu_dma_exit);
MODULE_DESCRIPTION("dmaengine memcpy provider for QEMU's edu device (iommu-stress)");
MODULE_LICENSE("GPL");
