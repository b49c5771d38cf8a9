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

#include "bench.h"
#include "engine.h"
#include "info.h"
#include "opts.h"
#include "place.h"
#include "report.h"

static void usage(FILE *f)
{
	fputs(
"Usage: iommu-stress COMMAND [OPTIONS]\n"
"\n"
"Reproduce, detect and time IOMMU translation corruption through the\n"
"iommu_stress kernel module (" IOMMU_STRESS_DEVICE ").\n"
"\n"
"Commands:\n"
"  info                  module, kernel, DMA targets (edu devices, dmaengine\n"
"                        channels), their devices, IOMMU groups and domains\n"
"  list                  the patterns: what each does, what bug it hunts\n"
"  run PATTERN [OPTIONS] run a pattern (see 'run PATTERN --help')\n"
"  repro PATTERN ...     the same as run (kept for 'repro longpeng')\n"
"  replay FILE [OPTIONS] replay an op log a run saved on corruption\n"
"  bench [OPTIONS]       map and unmap throughput and latency: single ioctls,\n"
"                        BATCH and the module's own loop (see 'bench --help')\n"
"\n", f);
	opts_usage(f, NULL);
}

static int cmd_info(void)
{
	return info_print(stdout) ? EXIT_ERROR : EXIT_CLEAN;
}

static int cmd_list(void)
{
	for (unsigned int i = 0; i < pattern_count(); i++) {
		const struct pattern *p = pattern_at(i);

		printf("%-11s %s\n%-11s   hunts: %s\n", p->name, p->summary, "",
		       p->bug_class);
	}
	return EXIT_CLEAN;
}

/* Prints the results of a finished (or refused) run; returns the exit code. */
static int finish(struct session *s, struct run_result *r, int ret)
{
	const struct run_opts *o = s->opts;
	const char *pfx = o->ktap ? "# " : "";
	int code;

	if (ret && ret != -EOPNOTSUPP && !r->unsupported[0])
		r->error = 1;
	if (o->ktap)
		report_ktap_head(stdout, s, r);
	for (unsigned int i = 0; i < r->nreported; i++)
		report_corruption(stdout, pfx, &r->reported[i]);
	report_summary(stdout, pfx, s, r);
	if (o->ktap)
		report_ktap_body(stdout, s, r);
	fflush(stdout);
	if (o->json_path && report_json(o->json_path, s, r))
		r->error = 1;
	code = report_exit_code(r);
	if (code == EXIT_ERROR)
		fprintf(stderr, "iommu-stress: %s stopped on an error\n", r->pattern);
	return code;
}

/*
 * After session_open() returned @ret: 0 to run, 1 when this host cannot
 * (reported as an unsupported run), -1 on an error (printed).
 */
static int opened(struct session *s, const struct pattern *p, int ret)
{
	if (!ret) {
		engine_signals();
		return 0;
	}
	if (!s->res->unsupported[0])
		return -1;
	engine_unsupported(s, p);
	return 1;
}

static int cmd_run(int argc, char **argv, const char *command)
{
	static struct run_result r;
	static struct session s;
	struct run_opts o;
	const struct pattern *p;
	int ret;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
			opts_usage(stdout, NULL);
			return EXIT_CLEAN;
		}
		fprintf(stderr, "iommu-stress: %s needs a pattern (see 'iommu-stress list')\n",
			argv[0]);
		return EXIT_ERROR;
	}
	p = pattern_find(argv[1]);
	if (!p) {
		fprintf(stderr, "iommu-stress: unknown pattern '%s' (see 'iommu-stress list')\n",
			argv[1]);
		return EXIT_ERROR;
	}
	ret = opts_parse(argc - 1, argv + 1, p, &o);
	if (ret > 0)
		return EXIT_CLEAN;	/* --help */
	if (ret || (p->validate && p->validate(&o)) || place_init(&o))
		return EXIT_ERROR;
	o.command = command;

	memset(&r, 0, sizeof(r));
	r.pattern = p->name;
	ret = opened(&s, p, session_open(&s, &o, &r, o.threads + o.dma_threads));
	if (ret < 0)
		return EXIT_ERROR;
	ret = ret ? -EOPNOTSUPP : engine_run(&s, p);
	ret = finish(&s, &r, ret);
	session_close(&s);
	return ret;
}

static const struct pattern *replay_pattern(FILE *f, const char *path)
{
	char line[256], name[64];

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "pattern %63s", name) == 1)
			return pattern_find(name);
		if (line[0] != '#')
			break;
	}
	fprintf(stderr, "iommu-stress: %s: not an iommu-stress op log (no 'pattern' line)\n",
		path);
	return NULL;
}

static int cmd_replay(int argc, char **argv, const char *command)
{
	static struct run_result r;
	static struct session s;
	const struct pattern *p;
	struct run_opts o;
	const char *path;
	FILE *f;
	int ret;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "iommu-stress: replay needs an op log file\n");
		return EXIT_ERROR;
	}
	path = argv[1];
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "iommu-stress: cannot read %s: %s\n", path,
			strerror(errno));
		return EXIT_ERROR;
	}
	p = replay_pattern(f, path);
	if (!p || !p->replay) {
		if (p)
			fprintf(stderr, "iommu-stress: pattern %s has no replay\n", p->name);
		fclose(f);
		return EXIT_ERROR;
	}
	rewind(f);
	ret = opts_parse(argc - 1, argv + 1, p, &o);
	if (ret || place_init(&o)) {
		fclose(f);
		return ret > 0 ? EXIT_CLEAN : EXIT_ERROR;
	}
	o.command = command;
	o.threads = 1;
	o.dma_threads = 0;
	memset(&r, 0, sizeof(r));
	ret = opened(&s, p, session_open(&s, &o, &r, 1));
	if (ret < 0) {
		fclose(f);
		return EXIT_ERROR;
	}
	ret = ret ? -EOPNOTSUPP : engine_replay(&s, p, f, path);
	fclose(f);
	ret = finish(&s, &r, ret);
	session_close(&s);
	return ret;
}

/* The command line as one string, for the JSON record. */
static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *out;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	out = calloc(1, len);
	if (!out)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, argv[i]);
	}
	return out;
}

int main(int argc, char **argv)
{
	char *command;
	int ret;

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
		printf("iommu-stress %s (ABI %u)\n", TOOL_VERSION,
		       IOMMU_STRESS_ABI_VERSION);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "info"))
		return cmd_info();
	if (!strcmp(argv[1], "list"))
		return cmd_list();
	command = join_args(argc, argv);
	if (!strcmp(argv[1], "run") || !strcmp(argv[1], "repro"))
		ret = cmd_run(argc - 1, argv + 1, command);
	else if (!strcmp(argv[1], "replay"))
		ret = cmd_replay(argc - 1, argv + 1, command);
	else if (!strcmp(argv[1], "bench"))
		ret = bench_main(argc - 1, argv + 1, command);
	else {
		fprintf(stderr, "iommu-stress: unknown command '%s' (see --help)\n", argv[1]);
		ret = EXIT_ERROR;
	}
	free(command);
	return ret;
}
