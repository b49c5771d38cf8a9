// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

int opts_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end || (shift && v > (~0ull >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

int opts_parse_iova_range(const char *s, uint64_t *start, uint64_t *len)
{
	const char *colon = strchr(s, ':');
	char head[32];

	if (!colon || (size_t)(colon - s) >= sizeof(head))
		return -1;
	memcpy(head, s, (size_t)(colon - s));
	head[colon - s] = '\0';
	if (opts_parse_u64(head, start) || opts_parse_u64(colon + 1, len) ||
	    !*len || *start + (*len - 1) < *start)
		return -1;
	/* The module takes only 2M-aligned ranges. */
	return (*start | *len) & (SZ_2M - 1) ? -1 : 0;
}

void opts_usage(FILE *f, const struct pattern *p)
{
	if (p) {
		fprintf(f, "Usage: iommu-stress run %s [OPTIONS]\n\n%s\nHunts: %s\n",
			p->name, p->summary, p->bug_class);
		if (p->help)
			fprintf(f, "\n%s", p->help);
		fputc('\n', f);
	}
	fputs(
"Options of run, repro and replay:\n"
"  --size BYTES          the pattern's extent per thread (K, M, G, T suffixes).\n"
"                        A default size the module's buffer memory cannot\n"
"                        back is scaled down, and the report says so; a\n"
"                        --size that does not fit is an error\n"
"  --iterations N        iterations (0 with --time: until the time is up)\n"
"  --time SECONDS        stop after this long (checked between iterations);\n"
"                        with 'run all': the most each pattern runs (default 10)\n"
"  --threads N           mapper threads, each on its own IOVA sub-range,\n"
"                        sharing upper-level page tables (default 1, max 64)\n"
"  --dma-threads M       checker threads DMA-reading live neighbour pages\n"
"                        while the mappers work (default 0)\n"
"  --node N              allocate buffers on NUMA node N, run threads there\n"
"  --cpus LIST           pin threads round-robin to these CPUs (e.g. 0-3,8)\n"
"  --target NAME         DMA target: edu:0000:00:03.0 (an edu device: a private\n"
"                        domain), dma0chan0 (a dmaengine memcpy channel: its\n"
"                        device's own DMA-API domain, shared), or\n"
"                        dma:0000:00:04.0 (that device's first free channel).\n"
"                        Default: the first free edu target, else the first\n"
"                        free channel on a DMA or DMA-FQ domain\n"
"  --iova-range START:LEN\n"
"                        where the test maps in a dmaengine channel's shared\n"
"                        domain: [START, START+LEN), both 2M-aligned (e.g.\n"
"                        64G:16G; default: the first 64G at or above 4G clear\n"
"                        of reserved regions and PCI windows). Not for edu\n"
"                        targets; without --target: the first free channel\n"
"  --samples N           pages DMA-checked per verify step (default 16)\n"
"  --seed N              seed for everything random (default 1)\n"
"  --inject skip-flush   unmap without the IOTLB sync: a negative control\n"
"                        that must report stale data on a correct kernel\n"
"  --inject wrong-page[:N]\n"
"                        the module maps the run's Nth MAP (default the\n"
"                        first) one page off: a negative control of the data\n"
"                        checks that needs no cache. Test builds of the\n"
"                        module only (ISTRESS_UNSAFE_TESTS=1); exit 4 on\n"
"                        others\n"
"  --json FILE           write one JSON record (results/schema.json) to FILE;\n"
"                        with 'run all': a directory, PATTERN.json in it\n"
"  --ktap                KTAP output (one test line per check) on stdout\n"
"  --replay-out FILE     where a pattern saves its op log on corruption\n"
"  --no-batch            every MAP and DMA check its own ioctl, even where\n"
"                        the module has BATCH (by default a pattern that\n"
"                        checks right after a MAP sends both in one BATCH:\n"
"                        the device reads with no return to user space)\n"
"\n", f);
	if (p && p->opts && p->opts[0].name) {
		fprintf(f, "Options of %s:\n", p->name);
		for (const struct pattern_opt *po = p->opts; po->name; po++) {
			char left[48];

			snprintf(left, sizeof(left), "--%s%s%s", po->name,
				 po->arg ? " " : "", po->arg ? po->arg : "");
			fprintf(f, "  %-21s %s\n", left, po->help);
		}
		fputc('\n', f);
	}
	fputs(
"Exit status:\n"
"  0  clean: no corruption\n"
"  1  corruption found (stale, foreign or zero data, or a buffer page\n"
"     changed behind the tool)\n"
"  2  error (bad arguments, module missing, an ioctl failed)\n"
"  4  unsupported here (e.g. no 1G-contiguous memory for a 1G superpage,\n"
"     a dmaengine channel on a passthrough domain, no room in the IOVA\n"
"     range, overmap on a shared domain)\n"
"'run all' exits with the worst of its patterns' statuses, in this order\n"
"from worst: 1 (corruption), 2 (error), 4 (unsupported), 0 (clean).\n",
	      f);
}

enum {
	O_SIZE = 256, O_ITER, O_TIME, O_TARGET, O_SAMPLES, O_SEED, O_INJECT,
	O_JSON, O_KTAP, O_THREADS, O_DMA_THREADS, O_NODE, O_CPUS, O_REPLAY_OUT,
	O_IOVA_RANGE, O_NO_BATCH, O_HELP, O_PATTERN = 1000,
};

static const struct option common[] = {
	{ "size", required_argument, NULL, O_SIZE },
	{ "iterations", required_argument, NULL, O_ITER },
	{ "time", required_argument, NULL, O_TIME },
	{ "target", required_argument, NULL, O_TARGET },
	{ "samples", required_argument, NULL, O_SAMPLES },
	{ "seed", required_argument, NULL, O_SEED },
	{ "inject", required_argument, NULL, O_INJECT },
	{ "json", required_argument, NULL, O_JSON },
	{ "ktap", no_argument, NULL, O_KTAP },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "dma-threads", required_argument, NULL, O_DMA_THREADS },
	{ "node", required_argument, NULL, O_NODE },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "replay-out", required_argument, NULL, O_REPLAY_OUT },
	{ "iova-range", required_argument, NULL, O_IOVA_RANGE },
	{ "no-batch", no_argument, NULL, O_NO_BATCH },
	{ "help", no_argument, NULL, O_HELP },
};
#define NCOMMON (sizeof(common) / sizeof(common[0]))

static int bad(const char *what, const char *val)
{
	fprintf(stderr, "iommu-stress: bad value '%s' for --%s\n", val, what);
	return -1;
}

static int out_of_range(const struct pattern_opt *po, const char *val)
{
	fprintf(stderr, "iommu-stress: --%s %s: must be from %llu to %llu\n",
		po->name, val, (unsigned long long)po->min,
		(unsigned long long)po->max);
	return -1;
}

/* skip-flush, or wrong-page with the MAP it selects (wrong-page:N). */
static int parse_inject(const char *val, struct run_opts *o)
{
	uint64_t n = 1;

	if (o->skip_flush || o->wrong_page_map) {
		fprintf(stderr, "iommu-stress: one --inject at a time\n");
		return -1;
	}
	if (!strcmp(val, "skip-flush")) {
		o->skip_flush = 1;
		return 0;
	}
	if (strncmp(val, "wrong-page", 10) || (val[10] && val[10] != ':') ||
	    (val[10] && (opts_parse_u64(val + 11, &n) || !n || n > 1000000))) {
		fprintf(stderr, "iommu-stress: unknown --inject '%s' (known: skip-flush, wrong-page[:N], N from 1 to 1000000)\n",
			val);
		return -1;
	}
	o->wrong_page_map = (unsigned int)n;
	return 0;
}

static int parse_common(int c, struct run_opts *o, int *iter_set)
{
	uint64_t v;
	char *end;

	switch (c) {
	case O_SIZE:
		o->size_set = 1;
		return opts_parse_u64(optarg, &o->size) ? bad("size", optarg) : 0;
	case O_ITER:
		*iter_set = 1;
		return opts_parse_u64(optarg, &o->iterations) ?
		       bad("iterations", optarg) : 0;
	case O_TIME:
		o->time_s = strtod(optarg, &end);
		return *end || end == optarg || o->time_s < 0 ?
		       bad("time", optarg) : 0;
	case O_TARGET:
		o->target = optarg;
		return 0;
	case O_SAMPLES:
		if (opts_parse_u64(optarg, &v) || !v || v > 4096)
			return bad("samples", optarg);
		o->samples = (unsigned int)v;
		return 0;
	case O_SEED:
		return opts_parse_u64(optarg, &o->seed) ? bad("seed", optarg) : 0;
	case O_INJECT:
		return parse_inject(optarg, o);
	case O_JSON:
		o->json_path = optarg;
		return 0;
	case O_KTAP:
		o->ktap = 1;
		return 0;
	case O_THREADS:
		if (opts_parse_u64(optarg, &v) || !v || v > RUN_MAX_THREADS)
			return bad("threads", optarg);
		o->threads = (unsigned int)v;
		return 0;
	case O_DMA_THREADS:
		if (opts_parse_u64(optarg, &v) || v > RUN_MAX_THREADS)
			return bad("dma-threads", optarg);
		o->dma_threads = (unsigned int)v;
		return 0;
	case O_NODE:
		if (opts_parse_u64(optarg, &v) || v > 1023)
			return bad("node", optarg);
		o->node = (int)v;
		return 0;
	case O_CPUS:
		o->cpus = optarg;
		return 0;
	case O_REPLAY_OUT:
		o->replay_out = optarg;
		return 0;
	case O_NO_BATCH:
		o->no_batch = 1;
		return 0;
	case O_IOVA_RANGE:
		if (!opts_parse_iova_range(optarg, &o->iova_range_start, &o->iova_range_len))
			return 0;
		fprintf(stderr, "iommu-stress: bad value '%s' for --iova-range: START:LEN, both multiples of 2M, LEN > 0 (e.g. 64G:16G)\n",
			optarg);
		return -1;
	default:
		return -1;
	}
}

int opts_parse(int argc, char **argv, const struct pattern *p,
	       struct run_opts *o)
{
	struct option lopts[NCOMMON + PATTERN_MAX_OPTS + 1];
	unsigned int n = NCOMMON, npo = 0;
	int iter_set = 0, c;

	memset(o, 0, sizeof(*o));
	o->size = p->default_size;
	o->samples = 16;
	o->seed = 1;
	o->threads = 1;
	o->node = -1;
	o->dirty_tracking = p->dirty_tracking;
	o->skip_flush_void = p->skip_flush_void;
	memcpy(lopts, common, sizeof(common));
	for (const struct pattern_opt *po = p->opts; po && po->name; po++) {
		if (npo >= PATTERN_MAX_OPTS)
			break;
		o->popt[npo] = po->def;
		lopts[n++] = (struct option){
			po->name, po->arg ? required_argument : no_argument,
			NULL, O_PATTERN + (int)npo,
		};
		npo++;
	}
	lopts[n] = (struct option){ NULL, 0, NULL, 0 };

	/* 0, not 1: glibc then also forgets where a previous parse stopped. */
	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c == O_HELP) {
			opts_usage(stdout, p);
			return 1;
		}
		if (c >= O_PATTERN && c < O_PATTERN + (int)npo) {
			const struct pattern_opt *po = &p->opts[c - O_PATTERN];
			uint64_t *v = &o->popt[c - O_PATTERN];

			if (!po->arg)
				*v = 1;
			else if (po->parse ? po->parse(optarg, v) :
				 opts_parse_u64(optarg, v))
				return bad(po->name, optarg);
			else if (*v < po->min || *v > po->max)
				return out_of_range(po, optarg);
			continue;
		}
		if (c == '?' || parse_common(c, o, &iter_set))
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "iommu-stress: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!iter_set && o->time_s == 0)
		o->iterations = p->default_iterations ? p->default_iterations : 100;
	if (!o->iterations && o->time_s == 0) {
		fprintf(stderr, "iommu-stress: --iterations 0 needs --time\n");
		return -1;
	}
	return 0;
}
