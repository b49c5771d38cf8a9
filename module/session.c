// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/iommu_stress file operations. Each open file is a session that owns
 * the buffers and domains it creates; closing it releases them all.
 *
 * Every ioctl argument is copied in whole, checked in the handler before
 * anything happens, and copied back (up to the caller's size) on success.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "istress.h"
#include "ioctl_op.h"
#include "session.h"
#include "race_window.h"

ISTRESS_RACE_WINDOW(buf_alloc)
ISTRESS_RACE_WINDOW(create)

struct istress_session {
	struct mutex lock;	/* ids and mmap offsets */
	struct xarray bufs;
	struct xarray domains;
	unsigned long next_pgoff;
};

/*
 * An id names its object for the session only once the ioctl that made it
 * has copied its answer back, as in iommufd: until then lookups, FREE and
 * DESTROY do not see it, and a failed copy takes it back again. Objects
 * carry this mark in the session's xarrays once published.
 */
#define ISTRESS_PUBLISHED	XA_MARK_1

/* The published object @id of @xa, or NULL; under the session lock. */
static void *lookup(struct istress_session *s, struct xarray *xa, u32 id)
{
	lockdep_assert_held(&s->lock);
	return xa_get_mark(xa, id, ISTRESS_PUBLISHED) ? xa_load(xa, id) : NULL;
}

static struct istress_buf *get_buf(struct istress_session *s, u32 id)
{
	struct istress_buf *buf;

	mutex_lock(&s->lock);
	buf = lookup(s, &s->bufs, id);
	if (buf)
		istress_buf_get(buf);
	mutex_unlock(&s->lock);
	return buf;
}

static struct istress_domain *get_domain(struct istress_session *s, u32 id)
{
	struct istress_domain *d;

	mutex_lock(&s->lock);
	d = lookup(s, &s->domains, id);
	if (d)
		istress_domain_get(d);
	mutex_unlock(&s->lock);
	return d;
}

static int do_info(struct istress_session *s, void *p)
{
	struct iommu_stress_info *arg = p;

	if (arg->flags)
		return -EOPNOTSUPP;
	arg->abi_version = IOMMU_STRESS_ABI_VERSION;
	arg->features = IOMMU_STRESS_FEAT_SKIP_SYNC | istress_backend_features();
	if (READ_ONCE(istress_driver_warns))
		arg->features |= IOMMU_STRESS_FEAT_MAP_OVERLAP;
	if (istress_allow_1g_leaves)
		arg->features |= IOMMU_STRESS_FEAT_1G_LEAVES;
	arg->features |= IOMMU_STRESS_FEAT_BATCH | IOMMU_STRESS_FEAT_BENCH |
			 IOMMU_STRESS_FEAT_TARGET_CAPS |
			 IOMMU_STRESS_FEAT_UNMAP_UNVOUCHED;
	arg->features |= istress_dirty_features();
	strscpy(arg->module_version, ISTRESS_VERSION,
		sizeof(arg->module_version));
	strscpy(arg->kernel_release, init_utsname()->release,
		sizeof(arg->kernel_release));
	arg->ntargets = istress_target_list(arg);
	return 0;
}

static int do_target_query(struct istress_session *s, void *p)
{
	return istress_target_query(p);
}

static int do_buf_alloc(struct istress_session *s, void *p)
{
	struct iommu_stress_buf_alloc *arg = p;
	struct istress_buf *buf;
	u32 id;
	int ret;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->node < IOMMU_STRESS_NODE_ANY)
		return -EINVAL;
	ret = istress_buf_alloc(arg->length, arg->chunk_size,
				arg->node == IOMMU_STRESS_NODE_ANY ?
				NUMA_NO_NODE : arg->node, &buf);
	if (ret)
		return ret;

	/* Not published yet: nothing else can reach the buffer by its id. */
	mutex_lock(&s->lock);
	ret = xa_alloc(&s->bufs, &id, buf, xa_limit_31b, GFP_KERNEL);
	if (!ret) {
		buf->id = id;
		buf->mmap_pgoff = s->next_pgoff;
		s->next_pgoff += buf->length >> PAGE_SHIFT;
		arg->buf_id = id;
		arg->mmap_offset = (u64)buf->mmap_pgoff << PAGE_SHIFT;
	}
	mutex_unlock(&s->lock);
	if (ret) {
		istress_buf_put(buf);
		return ret;
	}
	race_window_buf_alloc();
	return 0;
}

/*
 * Publishes the object an ioctl made once its answer reached the caller,
 * or takes it back when it did not: the caller could never name it.
 */
static void finish_new(struct istress_session *s, struct xarray *xa, u32 id,
		       bool answered, void (*put)(void *obj))
{
	void *obj = NULL;

	mutex_lock(&s->lock);
	if (answered)
		xa_set_mark(xa, id, ISTRESS_PUBLISHED);
	else
		obj = xa_erase(xa, id);
	mutex_unlock(&s->lock);
	if (obj)
		put(obj);
}

static void put_buf(void *obj)
{
	istress_buf_put(obj);
}

static void finish_buf_alloc(struct istress_session *s, void *p, bool answered)
{
	struct iommu_stress_buf_alloc *arg = p;

	finish_new(s, &s->bufs, arg->buf_id, answered, put_buf);
}

static int do_buf_free(struct istress_session *s, void *p)
{
	struct iommu_stress_buf_free *arg = p;
	struct istress_buf *buf;
	int ret = 0;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	mutex_lock(&s->lock);
	buf = lookup(s, &s->bufs, arg->buf_id);
	if (!buf)
		ret = -ENOENT;
	else if (atomic_read(&buf->nmapped))
		ret = -EBUSY;
	else
		xa_erase(&s->bufs, arg->buf_id);
	mutex_unlock(&s->lock);
	/* Pages stay until user mappings and pending flushes let go. */
	if (!ret)
		istress_buf_put(buf);
	return ret;
}

static int do_domain_create(struct istress_session *s, void *p)
{
	struct iommu_stress_domain_create *arg = p;
	struct istress_domain *d;
	u32 id;
	int ret;

	ret = istress_domain_create(arg, &d);
	if (ret)
		return ret;
	/*
	 * Not published yet: nothing else can reach the domain by its id.
	 * (The ioctl writes the caller's size back over the copied one.)
	 */
	mutex_lock(&s->lock);
	ret = xa_alloc(&s->domains, &id, d, xa_limit_31b, GFP_KERNEL);
	if (!ret) {
		d->id = d->desc.domain_id = id;
		*arg = d->desc;
	}
	mutex_unlock(&s->lock);
	if (ret) {
		istress_domain_put(d);
		return ret;
	}
	race_window_create();
	return 0;
}

static void put_domain(void *obj)
{
	istress_domain_put(obj);
}

static void finish_domain_create(struct istress_session *s, void *p,
				 bool answered)
{
	struct iommu_stress_domain_create *arg = p;

	finish_new(s, &s->domains, arg->domain_id, answered, put_domain);
}

static int do_domain_destroy(struct istress_session *s, void *p)
{
	struct iommu_stress_domain_destroy *arg = p;
	struct istress_domain *d;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	mutex_lock(&s->lock);
	d = lookup(s, &s->domains, arg->domain_id);
	if (d)
		xa_erase(&s->domains, arg->domain_id);
	mutex_unlock(&s->lock);
	if (!d)
		return -ENOENT;
	/* Torn down here, or by the last ioctl still using it. */
	istress_domain_put(d);
	return 0;
}

/* Pins the domain and the buffer an op names; -ENOENT if either is unknown. */
static int get_domain_and_buf(struct istress_session *s, u32 domain_id,
			      u32 buf_id, struct istress_domain **d,
			      struct istress_buf **buf)
{
	*d = get_domain(s, domain_id);
	if (!*d)
		return -ENOENT;
	*buf = get_buf(s, buf_id);
	if (!*buf) {
		istress_domain_put(*d);
		return -ENOENT;
	}
	return 0;
}

static void put_domain_and_buf(struct istress_domain *d, struct istress_buf *buf)
{
	istress_buf_put(buf);
	istress_domain_put(d);
}

static int do_map(struct istress_session *s, void *p)
{
	struct iommu_stress_map *arg = p;
	struct istress_domain *d;
	struct istress_buf *buf;
	int ret;

	ret = get_domain_and_buf(s, arg->domain_id, arg->buf_id, &d, &buf);
	if (ret)
		return ret;
	ret = istress_domain_map(d, buf, arg);
	put_domain_and_buf(d, buf);
	return ret;
}

static int do_unmap(struct istress_session *s, void *p)
{
	struct iommu_stress_unmap *arg = p;
	struct istress_domain *d;
	int ret;

	d = get_domain(s, arg->domain_id);
	if (!d)
		return -ENOENT;
	ret = istress_domain_unmap(d, arg);
	istress_domain_put(d);
	return ret;
}

static int do_iova_to_phys(struct istress_session *s, void *p)
{
	struct iommu_stress_iova_to_phys *arg = p;
	struct istress_domain *d;
	struct istress_buf *buf;
	unsigned long id;
	phys_addr_t phys;
	int ret = 0;

	if (arg->flags)
		return -EOPNOTSUPP;
	if (arg->__reserved)
		return -EINVAL;
	d = get_domain(s, arg->domain_id);
	if (!d)
		return -ENOENT;
	/* A shared domain's walk stays where only the session maps. */
	if (arg->iova < d->desc.range_start ||
	    arg->iova > d->desc.range_last) {
		ret = -ERANGE;
		goto out;
	}
	arg->out_flags = 0;
	arg->buf_id = 0;
	arg->offset = 0;
	/* The physical address itself never leaves the kernel. */
	ret = istress_domain_walk(d, arg->iova, &phys);
	if (ret || !phys)
		goto out;
	arg->out_flags |= IOMMU_STRESS_I2P_MAPPED;
	mutex_lock(&s->lock);
	xa_for_each_marked(&s->bufs, id, buf, ISTRESS_PUBLISHED) {
		if (istress_buf_contains(buf, phys, &arg->offset)) {
			arg->out_flags |= IOMMU_STRESS_I2P_OURS;
			arg->buf_id = id;
			break;
		}
	}
	mutex_unlock(&s->lock);
out:
	istress_domain_put(d);
	return ret;
}

/* DMA's handler, @admit asked once the DMA's own checks passed. */
static int session_dma(struct istress_session *s,
		       struct iommu_stress_dma *arg,
		       int (*admit)(void *ctx, u64 length), void *ctx)
{
	struct istress_domain *d;
	struct istress_buf *buf;
	int ret;

	ret = get_domain_and_buf(s, arg->domain_id, arg->buf_id, &d, &buf);
	if (ret)
		return ret;
	ret = istress_dma(d, buf, arg, admit, ctx);
	put_domain_and_buf(d, buf);
	return ret;
}

static int do_dma(struct istress_session *s, void *p)
{
	return session_dma(s, p, NULL, NULL);
}

static int do_bench(struct istress_session *s, void *p)
{
	struct iommu_stress_bench *arg = p;
	struct istress_domain *d;
	struct istress_buf *buf;
	int ret;

	/* The answer goes back on every failure: none of the caller's own. */
	arg->map_ns = 0;
	arg->unmap_ns = 0;
	arg->ns = 0;
	arg->ops = 0;
	ret = get_domain_and_buf(s, arg->domain_id, arg->buf_id, &d, &buf);
	if (ret)
		return ret;
	ret = istress_bench(d, buf, arg);
	put_domain_and_buf(d, buf);
	return ret;
}

static int dirty_switch(struct istress_session *s, void *p, bool on)
{
	struct iommu_stress_dirty_switch *arg = p;
	struct istress_domain *d;
	int ret;

	d = get_domain(s, arg->domain_id);
	if (!d)
		return -ENOENT;
	ret = istress_dirty_switch(d, arg, on);
	istress_domain_put(d);
	return ret;
}

static int do_dirty_start(struct istress_session *s, void *p)
{
	return dirty_switch(s, p, true);
}

static int do_dirty_stop(struct istress_session *s, void *p)
{
	return dirty_switch(s, p, false);
}

static int do_dirty_read(struct istress_session *s, void *p)
{
	struct iommu_stress_dirty_read *arg = p;
	struct istress_domain *d;
	int ret;

	d = get_domain(s, arg->domain_id);
	if (!d)
		return -ENOENT;
	ret = istress_dirty_read(d, arg);
	istress_domain_put(d);
	return ret;
}

static int do_batch(struct istress_session *s, void *p);

/*
 * One line per ioctl: its handler, its argument struct, and the last field
 * a caller must pass: the struct's end as first published. Callers built
 * against an older header may stop there; fields added later read as 0.
 */
#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	IOCTL_OP_ENTRY(_ioctl, _fn, NULL, _struct, _last, false, false)
/* The same for an ioctl that makes an object, published by @_finish. */
#define IOCTL_OP_NEW(_ioctl, _fn, _finish, _struct, _last)		\
	IOCTL_OP_ENTRY(_ioctl, _fn, _finish, _struct, _last, false, false)
/* An ioctl BATCH may run as an op: its struct fits an op's slot. */
#define IOCTL_OP_IN_BATCH(_ioctl, _fn, _struct, _last)			\
	IOCTL_OP_ENTRY(_ioctl, _fn, NULL, _struct, _last, true, false)
/* An ioctl whose answer says how far it got, written when it fails too. */
#define IOCTL_OP_PARTIAL(_ioctl, _fn, _struct, _last)			\
	IOCTL_OP_ENTRY(_ioctl, _fn, NULL, _struct, _last, false, true)
/*
 * A struct's size is a multiple of 8: a __u64 field added at its end then
 * lands at the same offset on 32-bit and 64-bit ABIs, with no hole.
 */
#define IOCTL_OP_ENTRY(_ioctl, _fn, _finish, _struct, _last, _batch, _partial) \
	[_IOC_NR(_ioctl)] = {						\
		.size = sizeof(struct _struct) +			\
			BUILD_BUG_ON_ZERO(sizeof(struct _struct) % 8) +	\
			BUILD_BUG_ON_ZERO(_batch && sizeof(struct _struct) > \
					  ISTRESS_BATCH_ARG_MAX),	\
		.min_size = offsetofend(struct _struct, _last),		\
		.fn = _fn,						\
		.finish = _finish,					\
		.in_batch = _batch,					\
		.answers_failure = _partial,				\
	}

static const struct istress_ioctl_op istress_ioctl_ops[] = {
	IOCTL_OP(IOMMU_STRESS_INFO, do_info, iommu_stress_info, targets),
	IOCTL_OP_NEW(IOMMU_STRESS_BUF_ALLOC, do_buf_alloc, finish_buf_alloc,
		     iommu_stress_buf_alloc, mmap_offset),
	IOCTL_OP(IOMMU_STRESS_BUF_FREE, do_buf_free, iommu_stress_buf_free,
		 __reserved),
	IOCTL_OP_NEW(IOMMU_STRESS_DOMAIN_CREATE, do_domain_create,
		     finish_domain_create, iommu_stress_domain_create,
		     intel_ecap),
	IOCTL_OP(IOMMU_STRESS_DOMAIN_DESTROY, do_domain_destroy,
		 iommu_stress_domain_destroy, __reserved),
	IOCTL_OP_IN_BATCH(IOMMU_STRESS_MAP, do_map, iommu_stress_map, ns),
	IOCTL_OP_IN_BATCH(IOMMU_STRESS_UNMAP, do_unmap, iommu_stress_unmap, ns),
	IOCTL_OP_IN_BATCH(IOMMU_STRESS_IOVA_TO_PHYS, do_iova_to_phys,
			  iommu_stress_iova_to_phys, offset),
	IOCTL_OP_IN_BATCH(IOMMU_STRESS_DMA, do_dma, iommu_stress_dma, ns),
	IOCTL_OP(IOMMU_STRESS_TARGET_QUERY, do_target_query,
		 iommu_stress_target_query, driver),
	IOCTL_OP_PARTIAL(IOMMU_STRESS_BATCH, do_batch, iommu_stress_batch, ns),
	IOCTL_OP_PARTIAL(IOMMU_STRESS_BENCH, do_bench, iommu_stress_bench,
			 __reserved),
	IOCTL_OP(IOMMU_STRESS_DIRTY_START, do_dirty_start,
		 iommu_stress_dirty_switch, __reserved),
	IOCTL_OP(IOMMU_STRESS_DIRTY_STOP, do_dirty_stop,
		 iommu_stress_dirty_switch, __reserved),
	IOCTL_OP(IOMMU_STRESS_DIRTY_READ, do_dirty_read,
		 iommu_stress_dirty_read, bitmap),
};

/* Its ops run through the same table entries as their single ioctls. */
static int do_batch(struct istress_session *s, void *p)
{
	return istress_batch(s, p, istress_ioctl_ops,
			     ARRAY_SIZE(istress_ioctl_ops), session_dma);
}

static long istress_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long uarg)
{
	void __user *up = (void __user *)uarg;
	const struct istress_ioctl_op *op;
	unsigned int nr = _IOC_NR(cmd);
	int usize, ret, answered;
	void *karg;

	if (cmd != _IO(IOMMU_STRESS_TYPE, nr) ||
	    nr >= ARRAY_SIZE(istress_ioctl_ops) || !istress_ioctl_ops[nr].fn)
		return -ENOTTY;
	op = &istress_ioctl_ops[nr];

	karg = kzalloc(op->size, GFP_KERNEL);
	if (!karg)
		return -ENOMEM;
	usize = istress_arg_in(op, karg, up, PAGE_SIZE);
	if (usize < 0) {
		ret = usize;
		goto out;
	}
	ret = op->fn(filp->private_data, karg);
	if (ret && !op->answers_failure)
		goto out;
	/* A failure's own errno stands even when its answer cannot go back. */
	answered = istress_arg_out(op, up, karg, usize);
	ret = ret ?: answered;
	if (op->finish)
		op->finish(filp->private_data, karg, !ret);
out:
	kfree(karg);
	return ret;
}

static int istress_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct istress_session *s = filp->private_data;
	struct istress_buf *buf, *found = NULL;
	unsigned long id;
	int ret;

	mutex_lock(&s->lock);
	xa_for_each_marked(&s->bufs, id, buf, ISTRESS_PUBLISHED) {
		if (vma->vm_pgoff >= buf->mmap_pgoff &&
		    vma->vm_pgoff - buf->mmap_pgoff <
		    buf->length >> PAGE_SHIFT) {
			found = buf;
			istress_buf_get(found);
			break;
		}
	}
	mutex_unlock(&s->lock);
	if (!found)
		return -EINVAL;
	ret = istress_buf_mmap(found, vma);
	istress_buf_put(found);
	return ret;
}

static int istress_open(struct inode *inode, struct file *filp)
{
	struct istress_session *s;

	/* Raw control of DMA and of IOMMU domains: administrators only. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	xa_init_flags(&s->bufs, XA_FLAGS_ALLOC);
	xa_init_flags(&s->domains, XA_FLAGS_ALLOC);
	filp->private_data = s;
	return 0;
}

static int istress_release(struct inode *inode, struct file *filp)
{
	struct istress_session *s = filp->private_data;
	struct istress_domain *d;
	struct istress_buf *buf;
	unsigned long id;

	/* Domains first: they unmap and flush before buffers can go. */
	xa_for_each(&s->domains, id, d)
		istress_domain_put(d);
	xa_destroy(&s->domains);
	xa_for_each(&s->bufs, id, buf)
		istress_buf_put(buf);
	xa_destroy(&s->bufs);
	kfree(s);
	return 0;
}

const struct file_operations istress_fops = {
	.owner = THIS_MODULE,
	.open = istress_open,
	.release = istress_release,
	.unlocked_ioctl = istress_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = istress_mmap,
};
