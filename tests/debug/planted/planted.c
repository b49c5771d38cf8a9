// SPDX-License-Identifier: GPL-2.0
/*
 * The negative control of the debug kernel: loading this module with
 * bug=NAME commits that one bug on purpose, so that a test can prove the
 * checker meant to see it (KASAN, lockdep, the might_sleep check, kmemleak)
 * is on in the kernel under test and that scripts/vm-run fails on its
 * report. Test kernels only: it corrupts nothing outside its own objects,
 * but it does what no module may do.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *bug = "none";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "none, uaf, lock-order, sleep-in-atomic or leak");

static DEFINE_MUTEX(planted_a);
static DEFINE_MUTEX(planted_b);
static DEFINE_SPINLOCK(planted_spin);
static void *planted_leak;

/* A read of freed memory: KASAN reports slab-use-after-free. */
static noinline int planted_uaf(void)
{
	volatile char *p = kmalloc(64, GFP_KERNEL);
	char c;

	if (!p)
		return -ENOMEM;
	kfree((void *)p);
	c = p[8];
	pr_info("read %d from freed memory\n", c);
	return 0;
}

/*
 * A then B, later B then A: lockdep reports a possible circular locking
 * dependency from one thread, without the deadlock ever happening.
 */
static noinline int planted_lock_order(void)
{
	mutex_lock(&planted_a);
	mutex_lock(&planted_b);
	mutex_unlock(&planted_b);
	mutex_unlock(&planted_a);

	mutex_lock(&planted_b);
	mutex_lock(&planted_a);
	mutex_unlock(&planted_a);
	mutex_unlock(&planted_b);
	return 0;
}

/*
 * A mutex under a spinlock: mutex_lock() may sleep, and its might_sleep()
 * reports "sleeping function called from invalid context" even though
 * this uncontended mutex never does.
 */
static noinline int planted_sleep(void)
{
	spin_lock(&planted_spin);
	mutex_lock(&planted_a);
	mutex_unlock(&planted_a);
	spin_unlock(&planted_spin);
	return 0;
}

/*
 * An object nothing points to once the pointer is hidden: kmemleak
 * reports it as unreferenced at a scan once it is old enough (5 s). The
 * pointer is kept scrambled so that rmmod can still free it.
 */
static noinline int planted_leak_once(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	planted_leak = (void *)((unsigned long)p ^ ~0UL);
	return 0;
}

static int __init planted_init(void)
{
	if (!strcmp(bug, "none"))
		return 0;
	if (!strcmp(bug, "uaf"))
		return planted_uaf();
	if (!strcmp(bug, "lock-order"))
		return planted_lock_order();
	if (!strcmp(bug, "sleep-in-atomic"))
		return planted_sleep();
	if (!strcmp(bug, "leak"))
		return planted_leak_once();
	pr_err("unknown bug '%s'\n", bug);
	return -EINVAL;
}

static void __exit planted_exit(void)
{
	if (planted_leak)
		kfree((void *)((unsigned long)planted_leak ^ ~0UL));
}

module_init(planted_init);
module_exit(planted_exit);
MODULE_DESCRIPTION("iommu-stress: bugs planted to prove a debug kernel's checkers");
MODULE_LICENSE("GPL");
