// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_contig_range()'s third argument: a migratetype up to v6.15, then
 * acr_flags_t (ACR_FLAGS_NONE for an ordinary allocation).
 */
/* absent: .ACR_FLAGS_NONE. undeclared */
#include <linux/gfp.h>

int probe(void);
int probe(void)
{
	return alloc_contig_range(0, 0, ACR_FLAGS_NONE, GFP_KERNEL);
}
