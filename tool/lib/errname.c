// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "errname.h"

struct errno_name errno_name(int err)
{
	struct errno_name n;
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (!err)
		name = "success";
	if (name)
		snprintf(n.s, sizeof(n.s), "%s", name);
	else
		snprintf(n.s, sizeof(n.s), "E%d", err);
	return n;
}
