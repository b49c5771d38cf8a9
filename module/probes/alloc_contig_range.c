// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_contig_range() is declared only where the kernel can isolate and
 * migrate a range of pages (CONFIG_CONTIG_ALLOC).
 */
/* absent: implicit declaration of function .alloc_contig_range. */
#include <linux/gfp.h>

int probe(void);
int probe(void)
{
	return alloc_contig_range(0, 0, 0, GFP_KERNEL);
}
