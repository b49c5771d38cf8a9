// SPDX-License-Identifier: GPL-2.0
/*
 * Not a probe: it must always compile. If it does not, the compiler or the
 * kernel tree is broken, and every probe that failed with it would be a
 * wrong answer.
 */
#include <linux/module.h>

int probe(void);
int probe(void)
{
	return 0;
}
