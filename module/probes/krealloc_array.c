// SPDX-License-Identifier: GPL-2.0
/* krealloc_array() (v5.12): krealloc() of n elements, overflow-checked. */
/* absent: implicit declaration of function .krealloc_array. */
#include <linux/slab.h>

void *probe(void *p, size_t n);
void *probe(void *p, size_t n)
{
	return krealloc_array(p, n, 8, GFP_KERNEL);
}
