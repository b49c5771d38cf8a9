// SPDX-License-Identifier: GPL-2.0
/*
 * BENCH: the module's own loop of maps and unmaps, so that the cost of a
 * caller's MAP and UNMAP ioctls can be set beside what the same calls
 * cost without them: the bare driver calls in a range taken for the
 * loop, (THROUGH_MAP) the module's own MAP and UNMAP paths, or (DMA_API)
 * what a driver's dma_map_page() and dma_unmap_page() cost on the device.
 *
 * The loop stops only between rounds, when everything it mapped is
 * unmapped again: nothing of it outlives the call, except a page the
 * driver would not let go of, which is kept pinned like any other, and
 * with THROUGH_MAP a page whose UNMAP was refused or held up for good (a
 * signal, the device gone, its channel retired), left a MAP of the
 * session.
 */
/* Messages of the module itself name it. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "istress.h"
#include "compat.h"
#include "race_window.h"

/* Between a round's maps and its unmaps; at the copy of its times. */
ISTRESS_RACE_WINDOW(bench_unmaps)
ISTRESS_RACE_WINDOW(bench_copy)

struct bench_run {
	struct istress_domain *d;
	struct istress_buf *buf;
	struct iommu_stress_bench *arg;
	bool through_map;
	bool dma_api;
	dma_addr_t *dma;	/* DMA_API: the round's handles, page order */
	u32 *lat;		/* one round's op times, or NULL */
};

/* Whether the buffer's page at @off is contiguous and aligned to @size. */
static bool page_contiguous(struct istress_buf *buf, u64 off, u64 size)
{
	u64 chunk = PAGE_SIZE << buf->chunk_order;
	phys_addr_t pa = istress_buf_phys(buf, off);
	u64 k;

	if (pa & (size - 1))
		return false;
	for (k = chunk; k < size; k += chunk)
		if (istress_buf_phys(buf, off + k) != pa + k)
			return false;
	return true;
}

static int bench_check(struct istress_domain *d, struct istress_buf *buf,
		       const struct iommu_stress_bench *arg)
{
	const u32 known = IOMMU_STRESS_BENCH_THROUGH_MAP |
			  IOMMU_STRESS_BENCH_DMA_API;
	bool dma_api = arg->flags & IOMMU_STRESS_BENCH_DMA_API;
	u64 pg = arg->page_size, len;
	u32 i;

	if (arg->flags & ~known)
		return -EOPNOTSUPP;
	/*
	 * A private domain leaves the device's DMA-API domain detached:
	 * its unmaps would flush for no device and cost less than a driver's.
	 */
	if (dma_api && !d->shared)
		return -EOPNOTSUPP;
	if (arg->__reserved || !arg->count || !arg->rounds)
		return -EINVAL;
	/* The DMA API picks the IOVA; dma_map_benchmark maps single pages. */
	if (dma_api && (arg->flags & IOMMU_STRESS_BENCH_THROUGH_MAP ||
			arg->iova || pg != PAGE_SIZE))
		return -EINVAL;
	if (arg->count > IOMMU_STRESS_BENCH_MAX_COUNT ||
	    (u64)arg->count * arg->rounds * 2 > IOMMU_STRESS_BENCH_MAX_OPS)
		return -E2BIG;
	if (pg < PAGE_SIZE || !is_power_of_2(pg) ||
	    !(d->desc.pgsize_bitmap & pg))
		return -EINVAL;
	/* MAP builds no 1G leaf without it either (map.c). */
	if (pg >= SZ_1G && !istress_allow_1g_leaves)
		return -EPERM;
	if ((arg->iova | arg->offset) & (pg - 1))
		return -EINVAL;
	/* Drivers may list sizes far past any buffer (5.10: every power of 2). */
	if (check_mul_overflow(pg, (u64)arg->count, &len) ||
	    arg->iova + len < arg->iova || arg->iova + len - 1 > ULONG_MAX)
		return -EOVERFLOW;
	if (arg->offset > buf->length || len > buf->length - arg->offset)
		return -EINVAL;
	for (i = 0; i < arg->count; i++) {
		if (!page_contiguous(buf, arg->offset + i * pg, pg))
			return -EINVAL;
		cond_resched();
	}
	return dma_api ? 0 : istress_domain_check_range(d, arg->iova, len);
}

/*
 * Keeps a page the driver did not let go of pinned until the domain goes,
 * as UNMAP does (the domain's teardown tries again); without memory for
 * the record, for good.
 */
static void keep_page(struct bench_run *b, u64 iova, u64 off)
{
	struct istress_domain *d = b->d;
	struct istress_mapping *m = kzalloc(sizeof(*m), GFP_KERNEL);

	istress_buf_get(b->buf);
	if (!m) {
		pr_warn("IOVA %#llx still translates after a BENCH unmap; keeping its buffer for good\n",
			iova);
		return;
	}
	m->start = iova;
	m->last = iova + b->arg->page_size - 1;
	m->offset = off;
	m->buf = b->buf;
	mutex_lock(&d->lock);
	list_add_tail(&m->dnode, &d->retired);
	d->leaves_unknown = true;
	mutex_unlock(&d->lock);
}

/* Page @i mapped: its time, or -errno. */
static s64 map_page(struct bench_run *b, u32 i)
{
	const struct iommu_stress_bench *arg = b->arg;
	u64 iova = arg->iova + i * arg->page_size;
	u64 off = arg->offset + i * arg->page_size;
	u64 t0;
	int ret;

	if (b->dma_api)
		return istress_bench_dma_map(b->d->target->dev,
					     istress_buf_phys(b->buf, off),
					     arg->page_size, &b->dma[i]);
	if (b->through_map) {
		struct iommu_stress_map m = {
			.domain_id = arg->domain_id, .buf_id = arg->buf_id,
			.iova = iova, .offset = off, .length = arg->page_size,
			.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
		};

		t0 = ktime_get_ns();
		ret = istress_domain_map(b->d, b->buf, &m);
	} else {
		t0 = ktime_get_ns();
		ret = istress_iommu_map(b->d->domain, iova,
					istress_buf_phys(b->buf, off),
					arg->page_size, IOMMU_READ | IOMMU_WRITE);
	}
	return ret ?: (s64)(ktime_get_ns() - t0);
}

/*
 * How long a THROUGH_MAP unmap held up waits before it asks again: a DMA
 * that retires its target keeps its pin without a wake-up, and nor does a
 * device going wake the domain's op queue.
 */
#define BENCH_RETRY_WAIT	msecs_to_jiffies(10)

/*
 * Sleeps until an op in the domain ends after @done was read (before the
 * unmap asked, so an end in between is not missed) or a moment has
 * passed: 0 to ask again, or why not. A page a retired target's DMA pins
 * (@stuck) never comes free; anything else holding it up ends.
 */
static int unmap_wait(struct istress_domain *d, unsigned long done,
		      bool stuck)
{
	if (stuck)
		return -EBUSY;
	if (READ_ONCE(d->target->gone))
		return -ENODEV;
	if (wait_event_interruptible_timeout(d->op_wq,
					     READ_ONCE(d->ops_done) != done,
					     BENCH_RETRY_WAIT) < 0 ||
	    signal_pending(current))
		return -EINTR;
	return 0;
}

/* Page @i unmapped: its time, or -errno. */
static s64 unmap_page(struct bench_run *b, u32 i)
{
	const struct iommu_stress_bench *arg = b->arg;
	u64 iova = arg->iova + i * arg->page_size;
	u64 t0, t;
	size_t done;
	int ret;

	if (b->dma_api)
		return istress_bench_dma_unmap(b->d->target->dev, b->dma[i],
					       arg->page_size);
	if (b->through_map) {
		struct iommu_stress_unmap u = {
			.domain_id = arg->domain_id, .iova = iova,
			.length = arg->page_size,
		};
		unsigned long ops_done;
		bool stuck;

		/*
		 * Another thread's DMA, or a MAP or UNMAP near the page in a
		 * shared domain, holds it for a while: the page is the
		 * loop's to unmap, so it waits, asleep, unless a signal
		 * comes, the device goes or a DMA of a retired target pins
		 * the page's reach for good; then the page stays a MAP of
		 * the session.
		 */
		for (;;) {
			ops_done = READ_ONCE(b->d->ops_done);
			t0 = ktime_get_ns();
			ret = istress_domain_unmap_stuck(b->d, &u, &stuck);
			t = ktime_get_ns() - t0;
			if (ret != -EBUSY)
				break;
			ret = unmap_wait(b->d, ops_done, stuck);
			if (ret)
				break;
			/*
			 * An op that ended between the read and the wait
			 * (a DMA loop on the page pins and unpins it each
			 * time) lets the wait return at once: a pass that
			 * never sleeps yields here.
			 */
			cond_resched();
		}
		if (!ret && u.out_flags & IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED)
			ret = -EIO;
		return ret ?: (s64)t;
	}
	t0 = ktime_get_ns();
	done = iommu_unmap(b->d->domain, iova, arg->page_size);
	t = ktime_get_ns() - t0;
	if (done == arg->page_size && !iommu_iova_to_phys(b->d->domain, iova))
		return t;
	keep_page(b, iova, arg->offset + i * arg->page_size);
	return -EIO;
}

static void add_time(struct bench_run *b, u64 *sum, u32 idx, s64 t)
{
	*sum += t;
	b->arg->ops++;
	if (b->lat)
		b->lat[idx] = min_t(u64, t, U32_MAX);
}

/*
 * One round: every page mapped, then every page unmapped. On an error,
 * what the round mapped is unmapped before it returns.
 */
static int bench_round(struct bench_run *b)
{
	struct iommu_stress_bench *arg = b->arg;
	u32 n = arg->count, i, mapped;
	int ret = 0;
	s64 t;

	for (mapped = 0; mapped < n; mapped++) {
		t = map_page(b, mapped);
		if (t < 0) {
			ret = t;
			break;
		}
		add_time(b, &arg->map_ns, mapped, t);
	}
	/*
	 * Through MAP only: a bare round holds d->users for reading, and a
	 * sleep there would hold up every reader queued behind a writer.
	 */
	if (b->through_map)
		race_window_bench_unmaps();
	for (i = 0; i < mapped; i++) {
		t = unmap_page(b, i);
		if (t < 0) {
			/* The rest still goes; the first error is the answer. */
			ret = ret ?: t;
			continue;
		}
		add_time(b, &arg->unmap_ns, n + i, t);
	}
	return ret;
}

/*
 * One round of the bare driver calls, in the range taken for that round
 * alone: between rounds the domain's teardown and the session's MAPs and
 * UNMAPs there go on, so the range is checked again each round.
 */
static int bare_round(struct bench_run *b)
{
	struct iommu_stress_bench *arg = b->arg;
	struct istress_domain *d = b->d;
	u64 len = arg->page_size * arg->count;
	void *claim;
	int ret;

	ret = istress_domain_enter(d);
	if (ret)
		return ret;
	ret = istress_domain_claim(d, arg->iova, arg->iova + len - 1, &claim);
	if (ret)
		goto out_exit;
	/* Never over a mapping the device's own driver made. */
	if (d->ops->check_free)
		ret = d->ops->check_free(d, arg->iova, len);
	if (!ret)
		ret = bench_round(b);
	istress_domain_unclaim(d, claim);
out_exit:
	istress_domain_exit(d);
	return ret;
}

/*
 * One round through the DMA API, with the domain held live so that its
 * device stays attached. The API's own allocator picks the IOVAs and no
 * claim is taken: it reaches the session's range last (shared.c), and a
 * page it maps there is met by check_free (EADDRINUSE) like the driver's
 * own.
 */
static int dma_api_round(struct bench_run *b)
{
	int ret = istress_domain_enter(b->d);

	if (ret)
		return ret;
	ret = bench_round(b);
	istress_domain_exit(b->d);
	return ret;
}

/*
 * The round's times to user space, with no lock or claim of the domain
 * held: the copy may fault and wait on user memory for as long as user
 * space likes.
 */
static int copy_times(struct bench_run *b, u32 round)
{
	const struct iommu_stress_bench *arg = b->arg;
	u32 n = arg->count;

	race_window_bench_copy();
	if (copy_to_user(u64_to_user_ptr(arg->lat_ns) +
			 (u64)round * n * 2 * sizeof(u32), b->lat,
			 n * 2 * sizeof(u32)))
		return -EFAULT;
	return 0;
}

static int bench_loop(struct bench_run *b)
{
	struct iommu_stress_bench *arg = b->arg;
	u32 r;
	int ret = 0;

	for (r = 0; r < arg->rounds && !ret; r++) {
		if (r && signal_pending(current))
			return -EINTR;
		/* The device is going: no new round for its unbind to wait on. */
		if (r && READ_ONCE(b->d->target->gone))
			return -ENODEV;
		if (b->dma_api)
			ret = dma_api_round(b);
		else if (b->through_map)
			ret = bench_round(b);
		else
			ret = bare_round(b);
		if (!ret && b->lat)
			ret = copy_times(b, r);
		cond_resched();
	}
	return ret;
}

int istress_bench(struct istress_domain *d, struct istress_buf *buf,
		  struct iommu_stress_bench *arg)
{
	struct bench_run b = {
		.d = d, .buf = buf, .arg = arg,
		.through_map = arg->flags & IOMMU_STRESS_BENCH_THROUGH_MAP,
		.dma_api = arg->flags & IOMMU_STRESS_BENCH_DMA_API,
	};
	u64 t0;
	int ret;

	ret = bench_check(d, buf, arg);
	if (ret)
		return ret;
	if (b.dma_api) {
		b.dma = kvmalloc_array(arg->count, sizeof(*b.dma), GFP_KERNEL);
		if (!b.dma)
			return -ENOMEM;
	}
	if (arg->lat_ns) {
		b.lat = kvmalloc_array(arg->count * 2, sizeof(u32), GFP_KERNEL);
		if (!b.lat) {
			ret = -ENOMEM;
			goto out_free;
		}
	}
	t0 = ktime_get_ns();
	ret = bench_loop(&b);
	arg->ns = ktime_get_ns() - t0;
	if (b.dma_api)
		istress_bench_dma_flush(d);
out_free:
	kvfree(b.lat);
	kvfree(b.dma);
	return ret;
}
