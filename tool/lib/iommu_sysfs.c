// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "iommu_sysfs.h"

const char *iommu_sysfs_root = IOMMU_SYSFS_ROOT;

/* The first line of @name/@group/@file, without its newline; 0 when unreadable or empty. */
static int read_line(const char *name, const char *group, const char *file,
		     char *out, size_t len)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s/%s/%s", iommu_sysfs_root, name,
		 group, file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok && out[0];
}

/* A register printed in hex without "0x", as both drivers print them. */
static int read_hex(const char *name, const char *group, const char *file,
		    uint64_t *val)
{
	char line[64], end;
	unsigned long long v;

	if (!read_line(name, group, file, line, sizeof(line)) ||
	    sscanf(line, "%llx%c", &v, &end) != 1)
		return 0;
	*val = v;
	return 1;
}

/* Hex digits, one ':' at most between two runs of them. */
static int hex_pair(const char *s)
{
	size_t a = strspn(s, "0123456789abcdef");

	if (!a)
		return 0;
	if (!s[a])
		return 1;
	return s[a] == ':' && s[a + 1] &&
	       !s[a + 1 + strspn(s + a + 1, "0123456789abcdef")];
}

void iommu_regs_read(const char *name, struct iommu_regs *r)
{
	memset(r, 0, sizeof(*r));
	if (!name[0] || strchr(name, '/'))
		return;
	r->intel = read_hex(name, "intel-iommu", "cap", &r->intel_cap) &&
		   read_hex(name, "intel-iommu", "ecap", &r->intel_ecap);
	if (!r->intel)
		r->intel_cap = r->intel_ecap = 0;
	r->amd = read_hex(name, "amd-iommu", "cap", &r->amd_cap) &&
		 read_line(name, "amd-iommu", "features", r->amd_features,
			   sizeof(r->amd_features)) &&
		 hex_pair(r->amd_features);
	if (!r->amd) {
		r->amd_cap = 0;
		r->amd_features[0] = '\0';
	}
}
