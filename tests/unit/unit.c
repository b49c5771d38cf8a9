// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fake-module.h"
#include "report.h"
#include "unit.h"

void unit_hush(struct unit_said *s)
{
	unit_said_free(s);
	s->real_out = stdout;
	s->real_err = stderr;
	stdout = open_memstream(&s->out, &s->out_len);
	stderr = open_memstream(&s->err, &s->err_len);
}

void unit_unhush(struct unit_said *s)
{
	fclose(stdout);
	fclose(stderr);
	stdout = s->real_out;
	stderr = s->real_err;
}

void unit_said_free(struct unit_said *s)
{
	free(s->out);
	free(s->err);
	s->out = s->err = NULL;
}

int unit_words(char *line, char **argv, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, " ", &save); t && n < max - 1;
	     t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	return n;
}

struct fake_host unit_host(void)
{
	struct fake_host h = fake_host_default();

	for (unsigned int i = 0; i < h.ntargets; i++)
		h.targets[i].group += 9000;
	return h;
}

int unit_run(const struct fake_host *h, const char *pattern, const char *line,
	     struct unit_run *u)
{
	const struct pattern *p = pattern_find(pattern);
	int ret;

	if (unit_parse(pattern, line, &u->opts) ||
	    (p->validate && p->validate(&u->opts)))
		return -1;
	u->opts.ktap = 1;		/* no progress line */
	memset(&u->res, 0, sizeof(u->res));
	u->res.pattern = p->name;
	fake_install(h);
	unit_hush(&u->said);
	ret = session_open(&u->sess, &u->opts, &u->res,
			   u->opts.threads + u->opts.dma_threads);
	if (!ret)
		ret = engine_run(&u->sess, p);
	else if (u->res.unsupported[0])
		engine_unsupported(&u->sess, p);
	unit_unhush(&u->said);
	if (ret && ret != -EOPNOTSUPP && !u->res.unsupported[0])
		u->res.error = 1;
	session_close(&u->sess);
	fake_remove();
	return report_exit_code(&u->res);
}
