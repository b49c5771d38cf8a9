// SPDX-License-Identifier: GPL-2.0
/*
 * DMA backend for dmaengine memcpy channels (ioatdma, idxd, ptdma, ...):
 * the path real hosts use. A channel is requested exclusively, as dmatest
 * does, for as long as a session's domain uses it, and released after
 * everything the session mapped is gone.
 *
 * The framework has no exported iterator over channels, so listing and
 * lookup go through dma_request_channel() with a filter that records each
 * free memcpy channel it is shown and accepts none: nothing is acquired.
 * Channels another client holds are never shown, so never touched.
 */
/* Other drivers' devices print here too: say whose message it is. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dmaengine.h>
#include <linux/jiffies.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "istress.h"
#include "compat.h"
#include "edu_hw.h"
#include "race_window.h"

ISTRESS_RACE_WINDOW(chan_take)

/* Whole pages: what one DMA ioctl moves at most. */
#define ISTRESS_DMAENGINE_MAX_XFER	PAGE_SIZE

struct istress_chan {
	struct dma_chan *chan;
	struct completion done;
	enum dmaengine_tx_result result;
	struct istress_target *target;
	/* Hears the channel's device losing its driver. */
	struct notifier_block unbind;
};

/* What a filter pass looks for, and what it saw. */
struct chan_match {
	const char *name;		/* "dma0chan0", or NULL */
	const char *device;		/* the DMA device's name, or NULL */
	struct device *only;		/* this DMA device only, or NULL */
	bool take;			/* accept the first match */
	/* listing */
	struct iommu_stress_info *info;
	int n;
	/* lookup: the first match's DMA device, referenced */
	struct device *dma_dev;
	char found[IOMMU_STRESS_NAME_LEN];
};

static struct device *chan_dma_dev(struct dma_chan *chan)
{
#if ISTRESS_HAVE_DMAENGINE_GET_DMA_DEVICE
	return dmaengine_get_dma_device(chan);
#else
	return chan->device->dev;
#endif
}

/* Runs under the framework's list mutex, for every free memcpy channel. */
static bool chan_filter(struct dma_chan *chan, void *param)
{
	struct chan_match *m = param;
	struct device *dev = chan_dma_dev(chan);

	if (m->name && strcmp(dma_chan_name(chan), m->name))
		return false;
	if (m->device && strcmp(dev_name(dev), m->device))
		return false;
	if (m->only && dev != m->only)
		return false;
	if (m->info) {
		if (m->n < IOMMU_STRESS_MAX_TARGETS) {
			struct iommu_stress_target_info *ti = &m->info->targets[m->n];

			strscpy(ti->name, dma_chan_name(chan), sizeof(ti->name));
			ti->backend = IOMMU_STRESS_BACKEND_DMAENGINE;
			ti->max_dma_len = istress_dmaengine_backend.max_dma_len;
			ti->busy = 0;
		}
		m->n++;
		return false;
	}
	if (m->take)
		return true;
	if (!m->dma_dev) {
		m->dma_dev = get_device(dev);
		strscpy(m->found, dma_chan_name(chan), sizeof(m->found));
	}
	return false;
}

/* "dma0chan0" names a channel, "dma:<device>" any channel of a device. */
static int parse_name(const char *name, struct chan_match *m)
{
	if (!strncmp(name, "dma:", 4) && name[4]) {
		m->device = name + 4;
		return 0;
	}
	if (!strncmp(name, "dma", 3) && strstr(name, "chan")) {
		m->name = name;
		return 0;
	}
	return -ENODEV;
}

static struct dma_chan *request_match(struct chan_match *m)
{
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	return dma_request_channel(mask, chan_filter, m);
}

static int chan_list(struct iommu_stress_info *info, int n)
{
	struct chan_match m = { .info = info, .n = n };

	request_match(&m);
	return m.n;
}

/* The DMA device behind the free channel @name, referenced; or NULL. */
static struct device *chan_lookup(const char *name, char *chan_name,
				  size_t len)
{
	struct chan_match m = {};

	if (parse_name(name, &m))
		return NULL;
	request_match(&m);
	if (m.dma_dev)
		strscpy(chan_name, m.found, len);
	return m.dma_dev;
}

/*
 * Channels the module can look after: not idxd's unless allowed (see
 * idxd_channels). Under the device lock, which keeps the driver, and the
 * name in its module, there.
 */
static int check_device(struct device *dev)
{
	struct device_driver *drv = dev->driver;

	device_lock_assert(dev);
	if (drv && !strcmp(drv->name, "idxd") && !istress_idxd_channels) {
		dev_info(dev, "idxd channels need idxd_channels=1 (and their work queue must stay enabled while in use)\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

static void chan_done(void *param, const struct dmaengine_result *res)
{
	struct istress_chan *c = param;

	c->result = res ? res->result : DMA_TRANS_NOERROR;
	complete(&c->done);
}

/*
 * The driver of t->dev (the channel's provider) stays while t->lock is
 * held since !t->gone was seen under it (istress_dma() checks that before
 * a copy; a domain's detach at close or destroy finds the target not
 * gone): the unbind notifier takes that lock, sets ->gone and detaches
 * the domain under it, before the driver's remove() runs. Only the PCI
 * driver of that name counts: a driver on another bus may bear it too.
 */
bool istress_edu_provider(struct istress_target *t)
{
	struct device_driver *drv;

	lockdep_assert_held(&t->lock);
	drv = t->dev->driver;
	return drv && dev_is_pci(t->dev) && !strcmp(drv->name, EDU_DMA_DRV_NAME);
}

/*
 * Whether the edu provider retired its device while the module waited for
 * a terminate: its own timeout may fire while the transfer ends, and it
 * tells of that only when asked again, by -EIO (edu_dma_terminate_all()).
 * Asked only of that provider, and only -EIO counts: another may fail a
 * terminate of an idle channel for reasons of its own, and its channel
 * is healthy. terminate_sync, not _async: the asking ends synchronised.
 */
static bool edu_retired(struct istress_target *t, struct dma_chan *chan)
{
	return istress_edu_provider(t) &&
	       dmaengine_terminate_sync(chan) == -EIO;
}

/* Called with the target lock held: one transfer at a time per channel. */
static int dmaengine_copy(struct istress_target *t, u64 dst, u64 src, u32 len)
{
	unsigned long timeout = msecs_to_jiffies(max(istress_dma_timeout_ms, 1U));
	struct istress_chan *c = t->priv;
	struct dma_async_tx_descriptor *tx;
	dma_cookie_t cookie;

	if (!len || len > ISTRESS_DMAENGINE_MAX_XFER)
		return -EINVAL;
	if (!is_dma_copy_aligned(c->chan->device, src, dst, len))
		return -EINVAL;
	tx = dmaengine_prep_dma_memcpy(c->chan, dst, src, len,
				       DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	if (!tx)
		return -EIO;
	reinit_completion(&c->done);
	c->result = DMA_TRANS_NOERROR;
	tx->callback_result = chan_done;
	tx->callback_param = c;
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		return -EIO;
	dma_async_issue_pending(c->chan);
	if (!wait_for_completion_timeout(&c->done, timeout)) {
		/*
		 * Not every driver can stop a descriptor (ioatdma and idxd
		 * have no terminate_all). Unless it says it did, the copy may
		 * still run and call back: retire the channel, and keep the
		 * memory it may touch (see dmaengine_release()).
		 */
		if ((dmaengine_terminate_sync(c->chan) ||
		     edu_retired(t, c->chan)) && !t->wedged) {
			WRITE_ONCE(t->wedged, true);
			/* Its callback is our code: never unload under it. */
			__module_get(THIS_MODULE);
		}
		dev_err(t->dev, "%s: memcpy did not finish in %u ms%s\n",
			t->name, istress_dma_timeout_ms,
			t->wedged ? "; channel retired" : "");
		return -ETIMEDOUT;
	}
	/*
	 * Real engines end a transfer from an unmapped IOVA with an error; the
	 * edu provider, like edu itself, reads zeros instead.
	 */
	return c->result == DMA_TRANS_NOERROR ? 0 : -EIO;
}

/*
 * The channel's device is losing its driver (unbind, PCI removal): take
 * back everything the session mapped while the driver and its domain are
 * still there. The driver core holds the device lock, the order edu's
 * removal also takes before the target lock.
 */
static int dmaengine_unbind(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct istress_chan *c = container_of(nb, struct istress_chan, unbind);
	struct istress_target *t = c->target;

	if (action != BUS_NOTIFY_UNBIND_DRIVER || data != t->dev)
		return NOTIFY_DONE;
	mutex_lock(&t->lock);
	istress_target_gone_locked(t);
	/*
	 * And the channel goes back while its driver can still take it: a
	 * driver's free_chan_resources after its remove() touches unmapped
	 * registers or freed memory.
	 */
	if (c->chan) {
		dma_release_channel(c->chan);
		c->chan = NULL;
	}
	mutex_unlock(&t->lock);
	return NOTIFY_OK;
}

/*
 * The notifier never drops a target reference, so this never runs inside
 * the notifier chain it leaves.
 */
static void dmaengine_release(struct istress_target *t)
{
	struct istress_chan *c = t->priv;

	bus_unregister_notifier(t->dev->bus, &c->unbind);
	if (c->chan)
		dma_release_channel(c->chan);
	put_device(t->dev);
	/* A retired channel's descriptor may still call back into @c. */
	if (!t->wedged)
		kfree(c);
	else
		kmemleak_not_leak(c);
}

static const struct istress_dma_ops dmaengine_dma_ops = {
	.copy = dmaengine_copy,
	.release = dmaengine_release,
};

/*
 * Requests the channel @name exclusively and wraps it in a target, which
 * releases the channel when its last reference goes. -ENODEV when no free
 * memcpy channel has that name.
 */
static int chan_take(const char *name, struct istress_target **out)
{
	struct chan_match m = { .take = true };
	char chan_name[IOMMU_STRESS_NAME_LEN];
	struct istress_target *t;
	struct istress_chan *c;
	struct device *dev;
	bool taken;
	int ret;

	if (parse_name(name, &m))
		return -ENODEV;
	dev = chan_lookup(name, chan_name, sizeof(chan_name));
	if (!dev)
		return -ENODEV;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	t = istress_target_alloc(&istress_dmaengine_backend);
	if (!c || !t) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* Only a bus's notifier tells of an unbind. */
	if (!dev->bus) {
		ret = -EOPNOTSUPP;
		goto err_free;
	}
	init_completion(&c->done);
	t->dev = dev;
	t->ops = &dmaengine_dma_ops;
	t->priv = c;
	c->target = t;
	c->unbind.notifier_call = dmaengine_unbind;
	ret = bus_register_notifier(dev->bus, &c->unbind);
	if (ret)
		goto err_free;
	/*
	 * Under the device lock no unbind can come between checking that the
	 * driver is there and taking its channel; one after that is heard,
	 * and its notifier gives the channel back: after the unlock, c->chan
	 * is the notifier's. The lock comes before the framework's, as in
	 * the driver's remove().
	 */
	m.only = dev;
	device_lock(dev);
	ret = check_device(dev);
	c->chan = !ret && dev->driver ? request_match(&m) : NULL;
	taken = c->chan;
	if (taken)
		strscpy(t->name, dma_chan_name(c->chan), sizeof(t->name));
	device_unlock(dev);
	race_window_chan_take();
	/*
	 * An unbind since then left t->gone, which DOMAIN_CREATE checks
	 * under the target lock before it uses the channel.
	 */
	if (!taken) {
		ret = ret ?: -ENODEV;
		goto err_unregister;
	}
	*out = t;
	return 0;

err_unregister:
	bus_unregister_notifier(dev->bus, &c->unbind);
err_free:
	put_device(dev);
	kfree(c);
	kfree(t);
	return ret;
}

/* Channels are taken by name when a session asks, never registered idle. */
const struct istress_backend istress_dmaengine_backend = {
	.id = IOMMU_STRESS_BACKEND_DMAENGINE,
	/* Without dmaengine in the kernel there is no channel to take. */
	.feature = IS_ENABLED(CONFIG_DMA_ENGINE) ?
		   IOMMU_STRESS_FEAT_DMAENGINE : 0,
	.caps = ISTRESS_BACKEND_SHARED_DOMAIN,
	.max_dma_len = ISTRESS_DMAENGINE_MAX_XFER,
	.list = chan_list,
	.lookup = chan_lookup,
	.get = chan_take,
};
