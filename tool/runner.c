// SPDX-License-Identifier: GPL-2.0
/*
 * The run, repro and replay commands. A run is watched from outside as
 * well: the kernel log for what the kernel said meanwhile (the IOMMU
 * faults the checks cause on purpose, and anything else), and beside a
 * virtual clock the RTC for the real time it took. 'run all' runs every
 * pattern in turn with a time budget each, one report after the other,
 * one KTAP stream and one table, and exits with the worst status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "engine.h"
#include "fit.h"
#include "kernel_log.h"
#include "opts.h"
#include "outcome.h"
#include "place.h"
#include "report.h"
#include "runner.h"

const char *runner_kmsg = "/dev/kmsg";
const char *runner_rtc = "/dev/rtc0";

struct watch {
	int kfd;
	long long rtc0;
};

static void watch_begin(struct watch *w, struct run_result *r)
{
	r->clock_virtual = clock_is_virtual();
	r->real_elapsed_s = -1;
	w->rtc0 = r->clock_virtual ? clock_rtc_seconds(runner_rtc) : -1;
	w->kfd = klog_begin(runner_kmsg);
}

static void watch_end(struct watch *w, struct run_result *r)
{
	long long t;

	klog_end(w->kfd, &r->klog);
	w->kfd = -1;
	if (w->rtc0 < 0)
		return;
	t = clock_rtc_seconds(runner_rtc);
	if (t >= w->rtc0)
		r->real_elapsed_s = (double)(t - w->rtc0);
}

/*
 * Runs @p with @o into @r in @s: 0 after a run that has a report (clean,
 * corrupt, unsupported here, or stopped on an error; the session is left
 * for the caller to close), -1 when it never started (why is printed,
 * nothing is open).
 */
static int run_one(struct session *s, const struct pattern *p,
		   struct run_opts *o, struct run_result *r)
{
	struct watch w;
	int ret;

	memset(r, 0, sizeof(*r));
	r->pattern = p->name;
	watch_begin(&w, r);
	ret = session_open(s, o, r, o->threads + o->dma_threads);
	if (ret && !r->unsupported[0]) {
		watch_end(&w, r);
		return -1;
	}
	if (ret) {
		engine_unsupported(s, p);
	} else {
		engine_signals();
		ret = fit_size(s, p, o, r);
		if (ret) {
			session_close(s);
			watch_end(&w, r);
			return -1;
		}
		ret = engine_run(s, p);
	}
	watch_end(&w, r);
	if (ret && ret != -EOPNOTSUPP && !r->unsupported[0])
		r->error = 1;
	return 0;
}

/* The report of a finished run: its corruptions and summary. */
static void print_report(FILE *f, const char *pfx, const struct session *s,
			 const struct run_result *r)
{
	for (unsigned int i = 0; i < r->nreported; i++)
		report_corruption(f, pfx, &r->reported[i]);
	report_summary(f, pfx, s, r);
}

/* The record, where --json asks for one; the exit code, which it may worsen. */
static int write_record(const struct session *s, struct run_result *r)
{
	if (s->opts->json_path && report_json(s->opts->json_path, s, r))
		r->error = 1;
	return report_exit_code(r);
}

/* Prints the results of one run as a command of its own; the exit code. */
static int finish(struct session *s, struct run_result *r)
{
	const struct run_opts *o = s->opts;
	int code;

	if (o->ktap)
		report_ktap_head(stdout, s, r);
	print_report(stdout, o->ktap ? "# " : "", s, r);
	if (o->ktap)
		report_ktap_body(stdout, s, r);
	fflush(stdout);
	code = write_record(s, r);
	if (code == EXIT_ERROR)
		fprintf(stderr, "iommu-stress: %s stopped on an error\n", r->pattern);
	return code;
}

static int rank(int code)
{
	switch (code) {
	case EXIT_CORRUPTION: return 3;
	case EXIT_ERROR: return 2;
	case EXIT_UNSUPPORTED: return 1;
	default: return 0;
	}
}

int runner_worse(int a, int b)
{
	return rank(b) > rank(a) ? b : a;
}

/* Whether @name ("--time") is among the options, alone or as --name=VALUE. */
static int has_opt(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], name, n) && (!argv[i][n] || argv[i][n] == '='))
			return 1;
	return 0;
}

static void all_usage(FILE *f)
{
	fprintf(f,
"Usage: iommu-stress run all [OPTIONS]\n"
"\n"
"Every pattern that hunts a bug in turn (see 'iommu-stress list'), each for\n"
"at most --time seconds (default %d): its default iterations, or\n"
"--iterations (0: until the time is up), cut short when the time is up.\n"
"behaviour is left out: it records how the driver answers calls the IOMMU\n"
"API leaves open, and some of those answers read as corruption on stock\n"
"kernels by design; run it by name. The options are those of run that all\n"
"patterns share. One report per pattern, then a table; with --ktap one KTAP\n"
"stream; with --json DIR one record per pattern, DIR/PATTERN.json. The exit\n"
"status is the worst of the patterns' (see below).\n\n",
		RUN_ALL_DEFAULT_TIME);
	opts_usage(f, NULL);
}

/*
 * The options of 'run all' as pattern @p takes them, the time budget
 * applied: 0, or -1 (printed; nothing has run).
 */
static int all_opts(int argc, char **argv, const struct pattern *p,
		    struct run_opts *o, const char *command)
{
	const char *first = argv[0];
	int ret;

	argv[0] = (char *)p->name;
	ret = opts_parse(argc, argv, p, o);
	argv[0] = (char *)first;
	if (ret)
		return -1;
	/*
	 * A budget, not a quota: each pattern's own run (its default
	 * iterations: behaviour's probes are a fixed number) cut short when
	 * the time is up.
	 */
	if (!has_opt(argc, argv, "--time"))
		o->time_s = RUN_ALL_DEFAULT_TIME;
	if (!has_opt(argc, argv, "--iterations"))
		o->iterations = p->default_iterations ? p->default_iterations : 100;
	if (p->validate && p->validate(o)) {
		fprintf(stderr, "iommu-stress: run all: the options above do not suit pattern %s\n",
			p->name);
		return -1;
	}
	o->command = command;
	return 0;
}

static int all_json_path(const char *dir, const struct pattern *p, char *out,
			 size_t n)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "iommu-stress: cannot make %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(out, n, "%s/%s.json", dir, p->name) >= n) {
		fprintf(stderr, "iommu-stress: --json %s: path too long\n", dir);
		return -1;
	}
	return 0;
}

static void row_of(struct run_row *row, const struct run_result *r, int started)
{
	*row = (struct run_row){
		.pattern = r->pattern,
		.status = started ? report_status_name(r) : r->unsupported[0] ?
			  "not run" : "error",
		.iterations = r->iterations,
		.dma_checks = r->st.dma_checks,
		.corruptions = run_corruptions(r),
		.seconds = r->elapsed_ns / 1e9,
		.real_s = r->real_elapsed_s,
		.faults = r->klog.faults + r->klog.suppressed,
		.kernel_other = r->klog.other,
	};
}

static int cmd_run_all(int argc, char **argv, const char *command)
{
	static struct run_result r;
	static struct session s;
	static struct run_row rows[64];
	static const struct pattern *runs[64];
	struct ktap_totals tot = { 0, 0, 0 };
	unsigned int n = 0, no = 1, plan = 0;
	int worst = EXIT_CLEAN, ktap = 0, clock_virtual = clock_is_virtual();
	const char *json_dir = NULL;
	char json_path[512];
	struct run_opts o;

	if (has_opt(argc, argv, "--help") || has_opt(argc, argv, "-h")) {
		all_usage(stdout);
		return EXIT_CLEAN;
	}
	for (unsigned int i = 0; i < pattern_count() && n < sizeof(runs) / sizeof(runs[0]); i++)
		if (!pattern_at(i)->records_behaviour)
			runs[n++] = pattern_at(i);
	/* Every pattern's options first: a bad one stops it before anything runs. */
	for (unsigned int i = 0; i < n; i++) {
		if (all_opts(argc, argv, runs[i], &o, command))
			return EXIT_ERROR;
		plan += report_ktap_count(runs[i]);
	}
	ktap = o.ktap;
	json_dir = o.json_path;
	if (ktap)
		printf("TAP version 13\n1..%u\n", plan);
	for (unsigned int i = 0; i < n; i++) {
		const struct pattern *p = runs[i];
		const char *pfx = ktap ? "# " : "";
		int started = 0, code = EXIT_ERROR;

		all_opts(argc, argv, p, &o, command);
		memset(&r, 0, sizeof(r));
		r.pattern = p->name;
		if (run_interrupted) {
			snprintf(r.unsupported, sizeof(r.unsupported), "not run: interrupted");
		} else if (json_dir && all_json_path(json_dir, p, json_path, sizeof(json_path))) {
			r.error = 1;
		} else {
			o.json_path = json_dir ? json_path : NULL;
			if (place_init(&o) || run_one(&s, p, &o, &r)) {
				r.error = 1;
				fprintf(stdout, "%spattern %s: stopped on an error before it ran (see above)\n",
					pfx, p->name);
			} else {
				started = 1;
				print_report(stdout, pfx, &s, &r);
				code = write_record(&s, &r);
				session_close(&s);
				worst = runner_worse(worst, code);
			}
		}
		if (!started) {
			/* For its KTAP lines: a run with nothing to show. */
			memset(&s, 0, sizeof(s));
			s.pattern = p;
			s.opts = &o;
			s.res = &r;
			if (r.error)
				worst = runner_worse(worst, EXIT_ERROR);
		}
		if (ktap)
			no += report_ktap_results(stdout, &s, &r, no, &tot);
		row_of(&rows[i], &r, started);
		fflush(stdout);
	}
	for (unsigned int i = 0; i < pattern_count(); i++)
		if (pattern_at(i)->records_behaviour)
			printf("%s%s: left out, it records driver behaviour (run it by name)\n",
			       ktap ? "# " : "", pattern_at(i)->name);
	report_table(stdout, ktap ? "# " : "", rows, n, clock_virtual, worst);
	if (ktap)
		report_ktap_totals(stdout, &tot);
	fflush(stdout);
	return worst;
}

int cmd_run(int argc, char **argv, const char *command)
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
		fprintf(stderr, "iommu-stress: %s needs a pattern or 'all' (see 'iommu-stress list')\n",
			argv[0]);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "all"))
		return cmd_run_all(argc - 1, argv + 1, command);
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
	if (run_one(&s, p, &o, &r))
		return EXIT_ERROR;
	ret = finish(&s, &r);
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

int cmd_replay(int argc, char **argv, const char *command)
{
	static struct run_result r;
	static struct session s;
	const struct pattern *p;
	struct run_opts o;
	struct watch w;
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
	watch_begin(&w, &r);
	ret = session_open(&s, &o, &r, 1);
	if (ret && !r.unsupported[0]) {
		watch_end(&w, &r);
		fclose(f);
		return EXIT_ERROR;
	}
	if (ret) {
		engine_unsupported(&s, p);
		ret = -EOPNOTSUPP;
	} else {
		engine_signals();
		ret = engine_replay(&s, p, f, path);
	}
	fclose(f);
	watch_end(&w, &r);
	if (ret && ret != -EOPNOTSUPP && !r.unsupported[0])
		r.error = 1;
	ret = finish(&s, &r);
	session_close(&s);
	return ret;
}
