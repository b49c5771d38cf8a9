// SPDX-License-Identifier: GPL-2.0
/*
 * alloc_contig_range()'s third argument: a migratetype up to v6.15, then
 * acr_flags_t (ACR_FLAGS_NONE for an ordinary allocation).
 *
 * Only the type is tested, not a call: on a kernel without
 * CONFIG_CONTIG_ALLOC the function is undeclared, and a call's first
 * error would then be its implicit declaration, which says nothing about
 * the argument's type. The type itself is declared under the same
 * option, so this answers "no" there too, and alloc_contig_range.c's
 * answer keeps the call out of the module.
 */
/* absent: unknown type name .acr_flags_t. */
#include <linux/gfp.h>

int probe(void);
int probe(void)
{
	acr_flags_t flags = ACR_FLAGS_NONE;

	return flags == ACR_FLAGS_NONE;
}
