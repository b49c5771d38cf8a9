// SPDX-License-Identifier: GPL-2.0
/* vma->vm_flags became read-only in v6.3: writers use vm_flags_set(). */
/* absent: implicit declaration of function .vm_flags_set. */
#include <linux/mm.h>

void probe(struct vm_area_struct *vma);
void probe(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND);
}
