// SPDX-License-Identifier: GPL-2.0
/* 'iommu-stress bench': options, the session, the cells, the report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "clock.h"
#include "place.h"
#include "runner.h"

/* Whether the CPU says it runs under a hypervisor (cpuinfo's flag). */
static int in_vm(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, "flags", 5) && strstr(line, " hypervisor");
	fclose(f);
	return found;
}

/* 0 when a way was measured in every cell it was asked in; 2, 4 else. */
static int exit_code_of(const struct bench_opts *o, const struct bench_result *r,
			int ret)
{
	int measured = 0, failed = 0;

	for (unsigned int i = 0; i < r->ncells; i++)
		for (unsigned int w = 0; w < WAY_NR; w++) {
			if (!(o->ways & 1u << w))
				continue;
			if (!r->cells[i].way[w].err)
				measured = 1;
			else if (r->cells[i].way[w].err != -EOPNOTSUPP)
				failed = 1;
		}
	if (ret || failed)
		return EXIT_ERROR;
	return measured ? EXIT_CLEAN : EXIT_UNSUPPORTED;
}

int bench_main(int argc, char **argv, const char *command)
{
	static struct run_result rr;
	static struct session s;
	struct bench_result r;
	struct bench_opts o;
	struct run_opts ro;
	long long rtc0, rtc1;
	int ret, code, virt;

	ret = bench_parse(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_CLEAN : EXIT_ERROR;
	o.command = command;
	/* The session as a run opens it: target, domain, reserved regions. */
	memset(&ro, 0, sizeof(ro));
	ro.target = o.target;
	ro.iova_range_start = o.iova_range_start;
	ro.iova_range_len = o.iova_range_len;
	ro.node = -1;
	ro.command = command;
	if (place_init(&ro))
		return EXIT_ERROR;
	memset(&rr, 0, sizeof(rr));
	rr.pattern = "bench";
	ret = session_open(&s, &ro, &rr, 1);
	if (ret) {
		if (rr.unsupported[0])
			fprintf(stderr, "iommu-stress: bench: not here: %s\n", rr.unsupported);
		return rr.unsupported[0] ? EXIT_UNSUPPORTED : EXIT_ERROR;
	}
	/* Guest time: the RTC's seconds beside it, as a run's record has. */
	virt = clock_is_virtual();
	rtc0 = virt ? clock_rtc_seconds(runner_rtc) : -1;
	ret = bench_run(&s, &o, &r);
	r.in_vm = in_vm();
	r.clock_virtual = virt;
	r.real_elapsed_s = -1;
	rtc1 = rtc0 < 0 ? -1 : clock_rtc_seconds(runner_rtc);
	if (rtc0 >= 0 && rtc1 >= rtc0)
		r.real_elapsed_s = (double)(rtc1 - rtc0);
	r.dma_domain_type = s.dom.domain_type;
	code = exit_code_of(&o, &r, ret);
	bench_report_text(stdout, &s, &o, &r);
	fflush(stdout);
	if (o.json_path && bench_report_json(o.json_path, &s, &o, &r, code))
		code = EXIT_ERROR;
	bench_result_free(&r);
	session_close(&s);
	return code;
}
