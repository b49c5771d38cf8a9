// SPDX-License-Identifier: GPL-2.0
/*
 * Shared domains: the test maps into the DMA-API domain a dmaengine
 * channel's device already uses, because the channel's driver keeps its
 * descriptor rings and completion records there and a private domain
 * would cut them off.
 *
 * The driver's IOVA allocator cannot be told about the test, so the test
 * stays inside a range of its own: by default at the bottom of the space
 * above 4 GiB. The DMA API allocates below 4 GiB first and top-down after
 * that, so it reaches that range last. Each map first checks that nothing
 * is mapped there, and the module never unmaps anything it did not map.
 */
/* Other drivers' devices print here too: say whose message it is. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/dma-mapping.h>
#include <linux/kmemleak.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "istress.h"

#ifdef ISTRESS_UNSAFE_TESTS
/*
 * Test builds only: a shared domain's mappings are left in place (and
 * their pages kept) when it goes, as a module without its teardown would,
 * so the VM test can prove that its after-close checks see it.
 */
static bool unsafe_keep_shared_maps;
module_param(unsafe_keep_shared_maps, bool, 0644);
MODULE_PARM_DESC(unsafe_keep_shared_maps, "TEST BUILD: leave a shared domain's mappings behind on close");
#else
#define unsafe_keep_shared_maps false
#endif

#define SHARED_DEFAULT_START	SZ_4G
#define SHARED_DEFAULT_LEN	(64ULL << 30)

/*
 * Sessions on one IOMMU domain (channels of one device, or devices of one
 * group) each get a range of their own, so that one never maps over, or
 * unmaps, another's pages.
 */
static LIST_HEAD(shared_users);
static DEFINE_MUTEX(shared_users_lock);

/*
 * The ranges of sessions whose channel was retired mid-copy: their
 * mappings stay, since the copy may still land, so nobody maps there again.
 */
struct kept_range {
	struct list_head node;
	struct iommu_domain *domain;
	u64 start;
	u64 last;
};
static LIST_HEAD(kept_ranges);

static int resv_other_users(struct istress_domain *d)
{
	struct istress_domain *o;
	struct kept_range *k;
	int ret;

	lockdep_assert_held(&shared_users_lock);
	list_for_each_entry(o, &shared_users, shared_node) {
		if (o->domain != d->domain)
			continue;
		ret = istress_resv_add(d, o->desc.range_start, o->desc.range_last);
		if (ret)
			return ret;
	}
	list_for_each_entry(k, &kept_ranges, node) {
		if (k->domain != d->domain)
			continue;
		ret = istress_resv_add(d, k->start, k->last);
		if (ret)
			return ret;
	}
	return 0;
}

/* Keeps a retired channel's range reserved for as long as the module lives. */
static void keep_range(struct istress_domain *d)
{
	/* Small, once per retired channel, and not to be lost. */
	struct kept_range *k = kzalloc(sizeof(*k), GFP_KERNEL | __GFP_NOFAIL);

	k->domain = d->domain;
	k->start = d->desc.range_start;
	k->last = d->desc.range_last;
	mutex_lock(&shared_users_lock);
	list_add(&k->node, &kept_ranges);
	mutex_unlock(&shared_users_lock);
}

/*
 * The bounce pages of retired channels: the device may still write to
 * them, so they stay allocated, and mapped, for good. Only the edu
 * provider's are freed, at its unbind, if the device is quiet then: that
 * is a property of that provider, not of PCI. Its remove() waits for a
 * running transfer (dma_timeout_ms and a grace second, where QEMU's edu
 * ends one at a 100 ms timer), then clears bus mastering; QEMU's edu
 * does a transfer's DMA once, at that timer, and drops it while bus
 * mastering is off, so nothing is held back for the next bind. Another
 * engine may keep queued work while bus mastering is off and resume it
 * when the next driver sets it again. Where the architecture tears down
 * a device's DMA ops at unbind (ARCH_HAS_TEARDOWN_DMA_OPS), before this
 * module hears of it, a free then would not reach the allocator the
 * page came from: kept for good there too.
 */
struct kept_bounce {
	struct list_head node;
	struct device *dev;		/* referenced */
	/*
	 * The domain the page came from: compared, never used. It cannot
	 * change while the provider stays bound (a default domain changes
	 * only while its group has no driver), so this is a second check.
	 */
	struct iommu_domain *domain;
	void *va;
	dma_addr_t dma;
};
static LIST_HEAD(kept_bounces);
static DEFINE_MUTEX(kept_bounces_lock);
/* Bounce pages kept for good, for the log. */
static atomic_long_t bounces_kept_for_good = ATOMIC_LONG_INIT(0);

/*
 * A bounce page of @dev stays allocated for good. So does a reference to
 * @dev, which the caller took: the DMA API's record of the page names the
 * device (DMA_API_DEBUG's dump reads it), and a device removed from the
 * bus would otherwise be freed under it.
 */
static void bounce_kept_for_good(struct device *dev, const char *name,
				 const char *why)
{
	dev_warn(dev, "%s: %s: keeping the bounce page of a retired channel for good (%ld such pages in all)\n",
		 name, why, atomic_long_inc_return(&bounces_kept_for_good));
}

static void keep_bounce(struct istress_domain *d)
{
	struct istress_target *t = d->target;
	struct kept_bounce *k;
	const char *why = NULL;

	if (IS_ENABLED(CONFIG_ARCH_HAS_TEARDOWN_DMA_OPS))
		why = "DMA ops go at unbind here";
	else if (!IS_ENABLED(CONFIG_PCI) || !istress_edu_provider(t))
		why = "not the edu provider";
	if (why) {
		get_device(t->dev);
		bounce_kept_for_good(t->dev, t->name, why);
		return;
	}
	/* Small, once per retired channel, and not to be lost. */
	k = kzalloc(sizeof(*k), GFP_KERNEL | __GFP_NOFAIL);
	k->dev = get_device(t->dev);
	k->domain = d->domain;
	k->va = d->bounce_va;
	k->dma = d->bounce_dma;
	mutex_lock(&kept_bounces_lock);
	list_add_tail(&k->node, &kept_bounces);
	mutex_unlock(&kept_bounces_lock);
	dev_info(t->dev, "%s: keeping the bounce page of a retired channel until the provider's unbind\n",
		 t->name);
}

#ifdef CONFIG_PCI
static void free_kept_bounce(struct kept_bounce *k)
{
	dma_free_coherent(k->dev, PAGE_SIZE, k->va, k->dma);
	put_device(k->dev);
	kfree(k);
}

/*
 * Why the device, its driver gone, is not provably quiet, or NULL: it must
 * read back with bus mastering off. The config read completes only after
 * every write the device posted before it (PCI ordering).
 */
static const char *pci_dev_loud(struct device *dev)
{
	u16 cmd;

	if (pci_read_config_word(to_pci_dev(dev), PCI_COMMAND, &cmd))
		return "its command register did not read (disconnected)";
	/* A device gone from the bus reads all ones: bus master set. */
	if (cmd & PCI_COMMAND_MASTER)
		return "still bus mastering without a driver";
	return NULL;
}

/*
 * The edu provider is gone from a device: free the pages kept for it if
 * the device is quiet and still on the DMA-API domain the pages came
 * from (another domain's allocator does not know them; after a change to
 * identity the IOVA would be taken for a physical address). Only this
 * first unbind after the keep may free them: a device not quiet now may
 * have done, by the next one, the work it held. The device lock, held
 * across the unbind and its notifiers, keeps a driver from binding
 * meanwhile. The DMA API checks at this same event that no allocation of
 * the device is left, so this runs before it.
 */
static int kept_bounce_unbound(struct notifier_block *nb,
			       unsigned long action, void *data)
{
	struct device *dev = data;
	struct iommu_domain *domain;
	struct kept_bounce *k, *tmp;
	LIST_HEAD(found);
	const char *why;

	if (action != BUS_NOTIFY_UNBOUND_DRIVER)
		return NOTIFY_DONE;
	mutex_lock(&kept_bounces_lock);
	list_for_each_entry_safe(k, tmp, &kept_bounces, node)
		if (k->dev == dev)
			list_move_tail(&k->node, &found);
	mutex_unlock(&kept_bounces_lock);
	if (list_empty(&found))
		return NOTIFY_DONE;
	why = pci_dev_loud(dev);
	domain = iommu_get_domain_for_dev(dev);
	if (!why && (!domain || !(domain->type & __IOMMU_DOMAIN_DMA_API)))
		why = "no longer on a DMA-API domain";
	list_for_each_entry_safe(k, tmp, &found, node) {
		list_del(&k->node);
		if (!why && domain == k->domain) {
			dev_info(dev, "freeing the bounce page of a retired channel: the device is quiet\n");
			free_kept_bounce(k);
			continue;
		}
		/* The page and the reference to the device stay. */
		bounce_kept_for_good(dev, "at the provider's unbind",
				     why ?: "its IOMMU domain changed");
		kfree(k);
	}
	return NOTIFY_OK;
}

static struct notifier_block kept_bounce_nb = {
	.notifier_call = kept_bounce_unbound,
	/* Ahead of the DMA API's check of the same event (priority 0). */
	.priority = 1,
};

int istress_shared_init(void)
{
	return bus_register_notifier(&pci_bus_type, &kept_bounce_nb);
}

static void kept_bounce_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &kept_bounce_nb);
}
#else
int istress_shared_init(void)
{
	return 0;
}

static void kept_bounce_exit(void)
{
}
#endif

/* Module exit: no session, so no domain, is left. */
void istress_shared_exit(void)
{
	struct kept_range *k, *tmp;
	struct kept_bounce *b, *n;

	kept_bounce_exit();
	list_for_each_entry_safe(k, tmp, &kept_ranges, node)
		kfree(k);
	/*
	 * None is left: a retired channel holds the module for good
	 * (dmaengine.c). Were one left, its page would stay allocated.
	 */
	list_for_each_entry_safe(b, n, &kept_bounces, node) {
		put_device(b->dev);
		kfree(b);
	}
}

/* The caller's range, checked; or the default one, found. */
static int choose_range(struct istress_domain *d, u64 start, u64 last)
{
	struct device *dev = d->target->dev;
	u64 ap_start = d->desc.aperture_start, ap_end = d->desc.aperture_end;

	/* An engine truncates addresses beyond its mask: stay below it. */
	ap_end = min_t(u64, ap_end, dma_get_mask(dev));
	if (dev->bus_dma_limit)
		ap_end = min_t(u64, ap_end, dev->bus_dma_limit);

	if (start || last) {
		if (last < start || !IS_ALIGNED(start, SZ_2M) ||
		    !IS_ALIGNED(last + 1, SZ_2M))
			return -EINVAL;
		/* Below 4 GiB is where the DMA API allocates first. */
		if (start < SHARED_DEFAULT_START || start < ap_start ||
		    last > ap_end)
			return -ERANGE;
		if (istress_resv_hits(d, start, last))
			return -EADDRNOTAVAIL;
		goto found;
	}
	start = max_t(u64, SHARED_DEFAULT_START, round_up(ap_start, SZ_1G));
	last = start + SHARED_DEFAULT_LEN - 1;
	while (istress_resv_hits(d, start, last)) {
		start += SZ_1G;
		last = start + SHARED_DEFAULT_LEN - 1;
		if (last < start || last > ap_end)
			return -EADDRNOTAVAIL;
	}
	if (last > ap_end)
		return -EADDRNOTAVAIL;
found:
	d->desc.range_start = start;
	d->desc.range_last = last;
	return 0;
}

/* Called with the target lock held; the caller frees d->resv on error. */
static int shared_setup(struct istress_domain *d, u64 start, u64 last)
{
	struct device *dev = d->target->dev;
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	dma_addr_t dma;
	int ret;

	d->desc.domain_type = istress_domain_type(domain);
	if (!domain || !(domain->type & __IOMMU_DOMAIN_DMA_API) ||
	    !(domain->type & __IOMMU_DOMAIN_PAGING)) {
		dev_info(dev, "%s: not on a DMA-API IOMMU domain (type %#x); no translation to test\n",
			 d->target->name, domain ? domain->type : 0);
		return -EOPNOTSUPP;
	}
	d->domain = domain;
	d->shared = true;
	d->desc.out_flags |= IOMMU_STRESS_DOMAIN_SHARED;
	d->desc.pgsize_bitmap = domain->pgsize_bitmap;
	d->desc.aperture_start = domain->geometry.aperture_start;
	d->desc.aperture_end = domain->geometry.aperture_end;
	if (istress_dma_unmapped_reads)
		d->desc.out_flags |= IOMMU_STRESS_DOMAIN_UNMAPPED_READS;
	ret = istress_resv_from_group(d, dev);
	if (!ret)
		ret = istress_resv_from_pci_windows(d, dev);
	if (ret)
		return ret;
	/* The bounce page comes from the DMA API, like the driver's rings. */
	d->bounce_va = dma_alloc_coherent(dev, PAGE_SIZE, &dma, GFP_KERNEL);
	if (!d->bounce_va)
		return -ENOMEM;
	d->bounce_dma = dma;
	d->desc.window_iova = dma;
	d->desc.window_len = PAGE_SIZE;

	mutex_lock(&shared_users_lock);
	ret = resv_other_users(d);
	if (!ret)
		ret = choose_range(d, start, last);
	if (!ret)
		list_add_tail(&d->shared_node, &shared_users);
	mutex_unlock(&shared_users_lock);
	if (ret) {
		dma_free_coherent(dev, PAGE_SIZE, d->bounce_va, dma);
		d->bounce_va = NULL;
	}
	return ret;
}

/* -EADDRINUSE when any page of the range already translates. */
static int shared_check_free(struct istress_domain *d, u64 iova, u64 len)
{
	u64 off;

	for (off = 0; off < len; off += PAGE_SIZE) {
		if (iommu_iova_to_phys(d->domain, iova + off)) {
			dev_info_ratelimited(d->target->dev,
					     "IOVA %#llx in %s's domain is mapped, and not by the session: not touching it\n",
					     iova + off, d->target->name);
			return -EADDRINUSE;
		}
		if (!(off & (SZ_2M - 1)))
			cond_resched();
	}
	return 0;
}

/*
 * Finds the pages of @m that still translate into its own buffer (a
 * driver that reported them unmapped but left them): with @unmap, unmaps
 * each; without, stops at the first. Anything else found there is not
 * ours to touch. Returns whether there was any.
 */
static bool own_leftovers(struct istress_domain *d, struct istress_mapping *m,
			  bool unmap)
{
	bool found = false;
	u64 iova, off;

	for (iova = m->start; iova <= m->last && iova >= m->start;
	     iova += PAGE_SIZE) {
		phys_addr_t phys = iommu_iova_to_phys(d->domain, iova);

		if (phys && istress_buf_contains(m->buf, phys, &off)) {
			found = true;
			if (!unmap)
				break;
			iommu_unmap(d->domain, iova, PAGE_SIZE);
		}
		if (!(iova & (SZ_2M - 1)))
			cond_resched();
	}
	return found;
}

/*
 * Takes back everything the session mapped, with the IOTLB flushed,
 * before the pages may go. A page the driver will not let go of is never
 * freed: its buffer is kept for good and the kernel log says where. No
 * MAP, UNMAP or walk runs any more once this has begun: the domain may be
 * freed once the device's driver is gone. Called with the target lock
 * held, after parked unmaps were synced.
 */
static void shared_detach(struct istress_domain *d)
{
	struct istress_target *t = d->target;
	struct istress_mapping *m, *tmp;
	LIST_HEAD(retired);
	LIST_HEAD(maps);
	unsigned long nheld;
	bool unvouched;
	u64 held_bytes;

	down_write(&d->users);
	d->live = false;
	up_write(&d->users);
	/* An unsynced UNMAP may have parked itself since the detach began. */
	istress_domain_sync_deferred(d);
	if (t->wedged)
		keep_range(d);
	mutex_lock(&shared_users_lock);
	list_del_init(&d->shared_node);
	mutex_unlock(&shared_users_lock);
	/* A retired channel may still write to the bounce page: keep it. */
	if (t->wedged)
		keep_bounce(d);
	else
		dma_free_coherent(t->dev, PAGE_SIZE, d->bounce_va, d->bounce_dma);
	d->bounce_va = NULL;

	mutex_lock(&d->lock);
	istress_maps_drain(d, &maps);
	list_splice_init(&d->retired, &retired);
	/* Only with @unvouched: kept below with the rest. */
	list_splice_tail_init(&d->held, &retired);
	unvouched = d->unvouched;
	nheld = d->nheld;
	held_bytes = d->held_bytes;
	mutex_unlock(&d->lock);

	/*
	 * The driver's table dropped mappings the device still has: neither
	 * an unmap nor a walk of it reaches them, so nothing the session
	 * mapped may go, nor may anyone map in its range again.
	 */
	if (unvouched && !t->wedged) {
		keep_range(d);
		dev_warn(t->dev, "%s: the IOMMU driver dropped mappings in [%#llx, %#llx] it did not unmap; keeping the range and its pages (%lu held pieces, %llu bytes)\n",
			 t->name, d->desc.range_start, d->desc.range_last,
			 nheld, held_bytes);
	}
	if (unsafe_keep_shared_maps || t->wedged || unvouched) {
		if (t->wedged)
			dev_warn(t->dev, "%s: keeping the mappings in [%#llx, %#llx] of a retired channel\n",
				 t->name, d->desc.range_start, d->desc.range_last);
		list_splice_tail(&retired, &maps);
		/* Records go, buffer references stay: the pages are never freed. */
		list_for_each_entry_safe(m, tmp, &maps, dnode) {
			kmemleak_not_leak(m->buf);
			kfree(m);
		}
		return;
	}
	/* iommu_unmap() syncs the IOTLB for the range it unmapped. */
	list_for_each_entry(m, &maps, dnode)
		iommu_unmap(d->domain, m->start, m->last - m->start + 1);
	list_for_each_entry(m, &retired, dnode)
		own_leftovers(d, m, true);
	iommu_flush_iotlb_all(d->domain);

	list_splice_tail(&retired, &maps);
	list_for_each_entry_safe(m, tmp, &maps, dnode) {
		list_del(&m->dnode);
		if (own_leftovers(d, m, false)) {
			dev_warn(d->target->dev,
				 "%s: IOVAs [%#llx, %#llx] still translate after unmap; keeping their pages for good\n",
				 d->target->name, m->start, m->last);
			/* The record goes, its buffer reference stays. */
			kmemleak_not_leak(m->buf);
			kfree(m);
			continue;
		}
		istress_mapping_free(m);
	}
}

const struct istress_domain_ops istress_shared_ops = {
	.setup = shared_setup,
	.detach = shared_detach,
	.check_free = shared_check_free,
};
