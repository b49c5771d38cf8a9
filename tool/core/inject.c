// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inject.h"

#define WRONG_PAGE_PARAM	"unsafe_wrong_page_map"

const char *inject_param_dir = "/sys/module/iommu_stress/parameters";

/* Whether this run selected a MAP, so that inject_done() looks. */
static int armed;

const char *inject_name(const struct run_opts *o)
{
	if (o->skip_flush)
		return "skip-flush";
	if (o->wrong_page_map)
		return "wrong-page";
	return "none";
}

static void param_path(char *path, size_t n)
{
	snprintf(path, n, "%s/%s", inject_param_dir, WRONG_PAGE_PARAM);
}

/* The parameter's value; -ENOENT where the module is no test build. */
static int param_read(unsigned int *val)
{
	char path[256];
	FILE *f;
	int ok;

	param_path(path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%u", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int param_write(unsigned int val)
{
	char path[256];
	FILE *f;
	int ret = 0;

	param_path(path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%u\n", val) < 0)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

int inject_arm(const struct run_opts *o, struct run_result *r)
{
	unsigned int val;
	char path[256];
	int ret;

	param_path(path, sizeof(path));
	ret = param_read(&val);
	if (!o->wrong_page_map) {
		if (ret || !val)
			return 0;
		fprintf(stderr, "iommu-stress: %s is %u: a wrong-page injection this run did not ask for is selected, and would map one of its MAPs wrong (echo 0 > %s)\n",
			path, val, path);
		return -EBUSY;
	}
	if (ret == -ENOENT) {
		snprintf(r->unsupported, sizeof(r->unsupported),
			 "--inject wrong-page: the loaded module is not a test build (ISTRESS_UNSAFE_TESTS=1): it has no %s parameter",
			 WRONG_PAGE_PARAM);
		fprintf(stderr, "iommu-stress: %s\n", r->unsupported);
		return -EOPNOTSUPP;
	}
	if (!ret)
		ret = param_write(o->wrong_page_map);
	if (ret) {
		fprintf(stderr, "iommu-stress: --inject wrong-page: cannot set %s: %s\n",
			path, strerror(-ret));
		return ret;
	}
	armed = 1;
	return 0;
}

int inject_done(void)
{
	unsigned int left;
	int ret;

	if (!armed)
		return 0;
	armed = 0;
	ret = param_read(&left);
	if (!ret && left)
		ret = param_write(0);
	if (ret) {
		fprintf(stderr, "iommu-stress: --inject wrong-page: cannot read or reset %s/%s: %s\n",
			inject_param_dir, WRONG_PAGE_PARAM, strerror(-ret));
		return ret;
	}
	if (left) {
		fprintf(stderr, "iommu-stress: --inject wrong-page: the selected MAP never came (%u more MAPs were needed): the run did not test its data checks\n",
			left);
		return -EIO;
	}
	return 0;
}
