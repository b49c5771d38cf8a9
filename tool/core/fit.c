// SPDX-License-Identifier: GPL-2.0
/* Default sizes scaled to the buffer memory the module can back. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "fit.h"
#include "place.h"

/* Where the module's parameters and the RAM size are read; tests move them. */
const char *fit_sysfs = "/sys/module/iommu_stress/parameters";
const char *fit_meminfo = "/proc/meminfo";

uint64_t fit_module_cap(const char *sysfs, const char *meminfo)
{
	char path[256], line[128];
	unsigned long long mb = 0, kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/max_buffer_mb", sysfs);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &mb) != 1)
		mb = 0;
	fclose(f);
	if (mb)
		return (uint64_t)mb << 20;
	/* 0: half of RAM, as the module's totalram_pages() counts it. */
	f = fopen(meminfo, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024 / 2;
}

static uint64_t need(const struct pattern *p, const struct run_opts *o,
		    uint64_t size)
{
	return align_up((uint64_t)o->threads * p->buffer_bytes(size) + FIT_MARGIN,
			IOMMU_STRESS_CHUNK_2M);
}

/* @size aligned down, no less than the pattern's smallest. */
static uint64_t at_least_min(const struct pattern *p, uint64_t size)
{
	size &= ~(p->size_align - 1);
	return size < p->min_size ? p->min_size : size;
}

/* Half of @size, for when BUF_ALLOC refuses it. */
static uint64_t smaller(const struct pattern *p, uint64_t size)
{
	return at_least_min(p, size / 2);
}

/*
 * The largest size whose buffers fit under @cap beside what the session
 * holds already (its readback pages): the pattern's bytes grow with the
 * size one for one, past a fixed part (buffer_bytes(0)).
 */
static uint64_t largest_under(const struct session *s, const struct pattern *p,
			      const struct run_opts *o, uint64_t cap)
{
	uint64_t fixed = FIT_MARGIN + s->readback.length;
	uint64_t per_thread;

	if (cap <= fixed)
		return p->min_size;
	per_thread = (cap - fixed) / o->threads;
	if (per_thread <= p->buffer_bytes(0))
		return p->min_size;
	return at_least_min(p, per_thread - p->buffer_bytes(0));
}

/* 0 when the module backs @len bytes now (given back at once), or -errno. */
static int try_alloc(struct session *s, uint64_t len)
{
	struct dev_buf b;
	int ret;

	memset(&b, 0, sizeof(b));
	ret = __dev_buf_alloc(s->fd, len, IOMMU_STRESS_CHUNK_2M,
			      place_buffer_node(), &b);
	if (!ret)
		dev_buf_free(s->fd, &b);
	return ret;
}

static void mib(char *out, size_t n, uint64_t bytes)
{
	snprintf(out, n, "%" PRIu64 " MiB", bytes >> 20);
}

/* An explicit --size: kept, or refused with what would fit. */
static int check_given(struct session *s, const struct pattern *p,
		       const struct run_opts *o, uint64_t cap)
{
	uint64_t want = need(p, o, o->size);
	char w[32], c[32];

	/* The session's readback pages count against the cap too. */
	if (cap ? want + s->readback.length <= cap : !try_alloc(s, want))
		return 0;
	mib(w, sizeof(w), want);
	if (cap) {
		mib(c, sizeof(c), cap);
		fprintf(stderr, "iommu-stress: %s: --size %#" PRIx64 " needs %s of buffers for %u thread%s; the module offers %s (max_buffer_mb, half of RAM by default): pass a smaller --size\n",
			p->name, o->size, w, o->threads, o->threads == 1 ? "" : "s", c);
	} else {
		fprintf(stderr, "iommu-stress: %s: --size %#" PRIx64 " needs %s of buffers for %u thread%s; the module cannot allocate that much (ENOMEM): pass a smaller --size\n",
			p->name, o->size, w, o->threads, o->threads == 1 ? "" : "s");
	}
	return -ENOMEM;
}

int fit_size(struct session *s, const struct pattern *p, struct run_opts *o,
	     struct run_result *r)
{
	uint64_t cap = fit_module_cap(fit_sysfs, fit_meminfo);
	uint64_t size = o->size;
	int ret;

	if (!p->buffer_bytes)
		return 0;
	if (o->size_set)
		return check_given(s, p, o, cap);
	if (cap && need(p, o, size) + s->readback.length > cap)
		size = largest_under(s, p, o, cap);
	for (;;) {
		ret = try_alloc(s, need(p, o, size));
		if (ret != -ENOMEM || size <= p->min_size)
			break;
		size = smaller(p, size);
	}
	if (ret == -ENOMEM) {
		fprintf(stderr, "iommu-stress: %s: not even the smallest size (%#" PRIx64 ") fits the module's buffer memory (ENOMEM)\n",
			p->name, size);
		return ret;
	}
	/* Any other refusal is the run's to report, at the size it asked. */
	if (size != o->size) {
		r->size_scaled_from = o->size;
		r->size_available = cap;
		o->size = size;
	}
	return 0;
}
