// SPDX-License-Identifier: GPL-2.0
/*
 * The ABI's size rules for an ioctl argument (see the uapi header), in one
 * place for the dispatcher and for the ops of a BATCH.
 */
#include <linux/kernel.h>
#include <linux/uaccess.h>

#include "ioctl_op.h"

/*
 * Copies the argument at @up into @karg (op->size bytes): its size at
 * least the struct as first published, at most @max (a newer caller's
 * tail must be zero, and this bounds the scan for it), a missing tail
 * read as zero. Returns the caller's size, or -errno.
 */
int istress_arg_in(const struct istress_ioctl_op *op, void *karg,
		   void __user *up, u32 max)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)up))
		return -EFAULT;
	if (usize < op->min_size)
		return -EINVAL;
	if (usize > max)
		return -E2BIG;
	ret = copy_struct_from_user(karg, op->size, up, usize);
	return ret ? ret : usize;
}

/* The answer in @karg back to the caller, up to its size @usize. */
int istress_arg_out(const struct istress_ioctl_op *op, void __user *up,
		    void *karg, u32 usize)
{
	/* The size the caller passed, not what a racing thread wrote. */
	*(u32 *)karg = usize;
	if (copy_to_user(up, karg, min_t(size_t, usize, op->size)))
		return -EFAULT;
	return 0;
}
