// SPDX-License-Identifier: GPL-2.0
/*
 * Where a run ran, for the JSON record: tool, module, kernel, CPU, NUMA,
 * the IOMMU and its domain, how it invalidates, the target device.
 */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "environment.h"
#include "place.h"
#include "report.h"

static void read_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* The value of the first "@key : value" line of /proc/cpuinfo. */
static void cpuinfo(const char *key, char *out, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	size_t klen = strlen(key);

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || strncmp(line, key, klen) ||
		    (line[klen] != ' ' && line[klen] != '\t'))
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, n, "%s", colon);
		break;
	}
	fclose(f);
}

/*
 * How the DMA API invalidates for the target's group (its default domain:
 * "DMA" flushes on every unmap, "DMA-FQ" batches them). The module's own
 * private domain is unmanaged: its unmaps always sync unless skip-flush
 * asks. A shared domain is the group's DMA-API domain itself.
 */
static void json_invalidation(struct json *j, const struct session *s)
{
	char path[256], type[32] = "", cmdline[1024];
	const char *mode = "unknown";

	if (!session_group_file(s, "type", path, sizeof(path)))
		read_line(path, type, sizeof(type));
	if (!type[0] && session_shared(s))
		snprintf(type, sizeof(type), "%s",
			 target_domain_type_name(s->dom.domain_type));
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	if (!strcmp(type, "DMA"))
		mode = "strict";
	else if (!strcmp(type, "DMA-FQ"))
		mode = "lazy";
	else if (strstr(cmdline, "iommu.strict=1"))
		mode = "strict";
	else if (strstr(cmdline, "iommu.strict=0"))
		mode = "lazy";
	json_object_begin(j, "invalidation");
	json_string(j, "mode", mode);
	json_string(j, "default_domain", type);
	json_object_end(j);
}

/*
 * The domain the test maps in: its type, whether shared, whether checks
 * may read its unmapped IOVAs, its range.
 */
static void json_domain(struct json *j, const struct session *s)
{
	json_string(j, "domain_type", target_domain_type_name(s->dom.domain_type));
	json_bool(j, "shared", session_shared(s));
	json_bool(j, "unmapped_reads", session_unmapped_reads(s));
	json_hex(j, "range_start", s->dom.range_start);
	json_hex(j, "range_last", s->dom.range_last);
}

/* The device that does the DMA, as TARGET_QUERY (or INFO) described it. */
static void json_target(struct json *j, const struct session *s)
{
	const struct iommu_stress_target_query *q = &s->target.q;

	json_string(j, "target", s->dom.target);
	json_object_begin(j, "target_info");
	json_string(j, "backend", target_backend_name(q->backend));
	json_string(j, "device", q->device);
	json_string(j, "driver", q->driver);
	json_index(j, "iommu_group", q->iommu_group);
	json_u64(j, "max_dma_len", q->max_dma_len);
	json_object_end(j);
}

void report_json_environment(struct json *j, const struct session *s)
{
	const struct iommu_stress_domain_create *d = &s->dom;
	char cmdline[1024], model[128], ucode[32];
	struct utsname u;

	uname(&u);
	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	json_object_begin(j, "tool");
	json_string(j, "name", "iommu-stress");
	json_string(j, "version", TOOL_VERSION);
	json_object_end(j);
	json_object_begin(j, "module");
	json_string(j, "version", s->info.module_version);
	json_u64(j, "abi", s->info.abi_version);
	json_hex(j, "features", s->info.features);
	json_object_end(j);
	json_object_begin(j, "kernel");
	json_string(j, "release", s->info.kernel_release);
	json_string(j, "machine", u.machine);
	json_string(j, "cmdline", cmdline);
	json_object_end(j);
	cpuinfo("model name", model, sizeof(model));
	cpuinfo("microcode", ucode, sizeof(ucode));
	json_object_begin(j, "cpu");
	json_string(j, "model", model);
	json_string(j, "microcode", ucode);
	json_u64(j, "online", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	json_object_end(j);
	place_json_numa(j, "numa");
	json_object_begin(j, "iommu");
	json_string(j, "driver", d->iommu_driver);
	json_string(j, "name", d->iommu_name);
	json_hex(j, "pgsize_bitmap", d->pgsize_bitmap);
	json_hex(j, "aperture_start", d->aperture_start);
	json_hex(j, "aperture_end", d->aperture_end);
	if (d->out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS) {
		json_hex(j, "cap", d->intel_cap);
		json_hex(j, "ecap", d->intel_ecap);
	}
	if (s->regs.amd) {
		json_hex(j, "amd_cap", s->regs.amd_cap);
		json_string(j, "amd_features", s->regs.amd_features);
	}
	json_hex(j, "window_iova", d->window_iova);
	json_hex(j, "window_len", d->window_len);
	json_array_begin(j, "reserved");
	for (unsigned int i = 0; i < s->nresv; i++) {
		json_object_begin(j, NULL);
		json_hex(j, "start", s->resv[i].start);
		json_hex(j, "last", s->resv[i].last);
		json_string(j, "type", s->resv[i].type);
		json_object_end(j);
	}
	json_array_end(j);
	json_domain(j, s);
	json_invalidation(j, s);
	json_object_end(j);
	json_target(j, s);
}
