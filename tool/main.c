// SPDX-License-Identifier: GPL-2.0
/*
 * iommu-stress: reproduce, detect and time IOMMU translation corruption,
 * driving /dev/iommu_stress.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patterns/pattern.h"
#include "report.h"
#include "run.h"

static const struct pattern *const patterns[] = {
	&pattern_longpeng,
};

static void usage(FILE *f)
{
	fputs(
"Usage: iommu-stress COMMAND [OPTIONS]\n"
"\n"
"Reproduce, detect and time IOMMU translation corruption through the\n"
"iommu_stress kernel module (" IOMMU_STRESS_DEVICE ").\n"
"\n"
"Commands:\n"
"  info                  module, kernel, DMA targets and their IOMMU\n"
"  repro PATTERN         run a published reproducer; PATTERN is one of:\n", f);
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		fprintf(f, "      %-16s  %s\n", patterns[i]->name, patterns[i]->summary);
	fputs(
"\n"
"repro options:\n"
"  --size BYTES          end of the tested IOVA range (K, M, G suffixes;\n"
"                        default 0xc0000000 as in the report)\n"
"  --iterations N        loop count (default 100; 0 with --time: unbounded)\n"
"  --time SECONDS        stop after this long\n"
"  --target NAME         DMA target, e.g. edu:0000:00:03.0 (default: first free)\n"
"  --samples N           pages DMA-checked per verify phase (default 16, min 8)\n"
"  --seed N              seed for the random sample pages (default 1)\n"
"  --inject skip-flush   unmap without IOTLB sync: a negative control that\n"
"                        must report stale data on a correct kernel\n"
"  --json FILE           write one JSON result record to FILE\n"
"\n"
"Exit status:\n"
"  0  no corruption\n"
"  1  corruption found\n"
"  2  error (bad arguments, module missing, an ioctl failed)\n", f);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int cmd_info(void)
{
	struct iommu_stress_info info;
	int fd = dev_open(IOMMU_STRESS_DEVICE);

	if (fd < 0 || dev_info(fd, &info)) {
		dev_close(fd);
		return EXIT_ERROR;
	}
	printf("module %s, ABI %u, kernel %s\n", info.module_version,
	       info.abi_version, info.kernel_release);
	printf("features:%s%s\n",
	       info.features & IOMMU_STRESS_FEAT_SKIP_SYNC ? " skip-sync" : "",
	       info.features & IOMMU_STRESS_FEAT_EDU ? " edu" : "");
	printf("targets: %u\n", info.ntargets);
	for (unsigned int i = 0; i < info.ntargets && i < IOMMU_STRESS_MAX_TARGETS; i++) {
		const struct iommu_stress_target_info *t = &info.targets[i];
		struct iommu_stress_domain_create d;

		printf("  %s  max DMA %u bytes%s\n", t->name, t->max_dma_len,
		       t->busy ? "  (busy)" : "");
		/* A throwaway domain tells what the IOMMU behind it offers. */
		if (t->busy || dev_domain_create(fd, t->name, &d))
			continue;
		printf("    iommu %s (%s), pgsize_bitmap %#llx, aperture [%#llx, %#llx]\n",
		       d.iommu_driver, d.iommu_name,
		       (unsigned long long)d.pgsize_bitmap,
		       (unsigned long long)d.aperture_start,
		       (unsigned long long)d.aperture_end);
		if (d.out_flags & IOMMU_STRESS_DOMAIN_INTEL_CAPS)
			printf("    cap %#llx ecap %#llx\n",
			       (unsigned long long)d.intel_cap,
			       (unsigned long long)d.intel_ecap);
		dev_domain_destroy(fd, d.domain_id);
	}
	dev_close(fd);
	return EXIT_CLEAN;
}

static const struct pattern *find_pattern(const char *name)
{
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (!strcmp(patterns[i]->name, name))
			return patterns[i];
	return NULL;
}

static int parse_repro(int argc, char **argv, struct run_opts *o)
{
	enum { O_SIZE = 256, O_ITER, O_TIME, O_TARGET, O_SAMPLES, O_SEED,
	       O_INJECT, O_JSON, O_HELP };
	static const struct option lopts[] = {
		{ "size", required_argument, NULL, O_SIZE },
		{ "iterations", required_argument, NULL, O_ITER },
		{ "time", required_argument, NULL, O_TIME },
		{ "target", required_argument, NULL, O_TARGET },
		{ "samples", required_argument, NULL, O_SAMPLES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "inject", required_argument, NULL, O_INJECT },
		{ "json", required_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int iterations_set = 0, c;
	uint64_t v;
	char *end;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case O_SIZE:
			if (parse_u64(optarg, &o->size))
				goto bad;
			break;
		case O_ITER:
			if (parse_u64(optarg, &o->iterations))
				goto bad;
			iterations_set = 1;
			break;
		case O_TIME:
			o->time_s = strtod(optarg, &end);
			if (*end || end == optarg || o->time_s < 0)
				goto bad;
			break;
		case O_TARGET:
			o->target = optarg;
			break;
		case O_SAMPLES:
			if (parse_u64(optarg, &v) || v > 4096)
				goto bad;
			o->samples = (unsigned int)v;
			break;
		case O_SEED:
			if (parse_u64(optarg, &o->seed))
				goto bad;
			break;
		case O_INJECT:
			if (strcmp(optarg, "skip-flush")) {
				fprintf(stderr, "iommu-stress: unknown --inject '%s' (known: skip-flush)\n",
					optarg);
				return -1;
			}
			o->skip_flush = 1;
			break;
		case O_JSON:
			o->json_path = optarg;
			break;
		case O_HELP:
			usage(stdout);
			exit(EXIT_CLEAN);
		default:
			return -1;
		}
	}
	if (!iterations_set && o->time_s == 0)
		o->iterations = 100;
	if (!o->iterations && o->time_s == 0) {
		fprintf(stderr, "iommu-stress: --iterations 0 needs --time\n");
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "iommu-stress: bad value '%s'\n", optarg);
	return -1;
}

static int cmd_repro(int argc, char **argv)
{
	struct run_opts o = { .samples = 16, .seed = 1 };
	struct run_result r;
	const struct pattern *p;
	struct session s;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "iommu-stress: repro needs a pattern (see --help)\n");
		return EXIT_ERROR;
	}
	p = find_pattern(argv[1]);
	if (!p) {
		fprintf(stderr, "iommu-stress: unknown pattern '%s' (see --help)\n", argv[1]);
		return EXIT_ERROR;
	}
	o.size = p->default_size;
	if (parse_repro(argc - 1, argv + 1, &o) || p->validate(&o))
		return EXIT_ERROR;

	memset(&r, 0, sizeof(r));
	r.pattern = p->name;
	if (session_open(&s, &o, &r))
		return EXIT_ERROR;
	ret = p->run(&s);
	r.elapsed_ns = now_ns() - s.t0;

	for (unsigned int i = 0; i < r.nreported; i++)
		report_corruption(stdout, &r.reported[i]);
	report_summary(stdout, &s, &r);
	if (o.json_path && report_json(o.json_path, &s, &r))
		ret = -EIO;
	session_close(&s);
	if (ret) {
		fprintf(stderr, "iommu-stress: %s stopped on an error\n", p->name);
		return EXIT_ERROR;
	}
	return run_corruptions(&r) ? EXIT_CORRUPTION : EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("iommu-stress 0.1.0 (ABI %u)\n", IOMMU_STRESS_ABI_VERSION);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "repro"))
		return cmd_repro(argc - 1, argv + 1);
	fprintf(stderr, "iommu-stress: unknown command '%s' (see --help)\n", argv[1]);
	return EXIT_ERROR;
}
