// SPDX-License-Identifier: GPL-2.0
/*
 * Where allocations are profiled (v6.10 on), alloc_contig_range() is a
 * macro around alloc_contig_range_noprof(), and only that is exported:
 * which of the two exports the module needs depends on this answer.
 */
/* absent: implicit declaration of function .alloc_contig_range_noprof. */
#include <linux/gfp.h>

int probe(void);
int probe(void)
{
	return alloc_contig_range_noprof(0, 0, 0, GFP_KERNEL);
}
