// SPDX-License-Identifier: GPL-2.0
/* The runner behind ktest.h: registration, selection, one child per test. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

unsigned int ktest_timeout = 300;	/* 0: none */

static struct ktest *tests, **tests_tail = &tests;

void ktest_register(struct ktest *t)
{
	*tests_tail = t;
	tests_tail = &t->next;
}

/* In the order they were declared, which is the order they run in. */
void ktest_register_variant(struct ktest_fixture *f, struct ktest_variant *v)
{
	struct ktest_variant **p = &f->variants;

	while (*p)
		p = &(*p)->next;
	*p = v;
}

void ktest_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *s = line, *nl; s && *s; s = nl) {
		nl = strchr(s, '\n');
		if (nl)
			*nl++ = '\0';
		printf("# %s\n", s);
	}
	fflush(stdout);
}

void ktest_fail_at(struct ktest_meta *m, const char *file, int line,
		   const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ktest_log("%s:%d: %s", file, line, what);
	m->failed = 1;
}

static void format_value(char *buf, size_t n, int is_signed,
			 unsigned long long v)
{
	if (is_signed)
		snprintf(buf, n, "%lld", (long long)v);
	else if (v <= 0xffff)
		snprintf(buf, n, "%llu", v);
	else
		snprintf(buf, n, "%#llx", v);
}

void ktest_cmp_failed(struct ktest_meta *m, const char *file, int line,
		      const char *what, int is_signed, unsigned long long exp,
		      unsigned long long seen)
{
	char e[32], s[32];

	format_value(e, sizeof(e), is_signed, exp);
	format_value(s, sizeof(s), is_signed, seen);
	ktest_fail_at(m, file, line, "expected %s: %s vs %s", what, e, s);
}

void ktest_skip(struct ktest_meta *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->reason, sizeof(m->reason), fmt, ap);
	va_end(ap);
	m->skipped = 1;
}

void ktest_bail(struct ktest_meta *m)
{
	longjmp(m->env, 1);
}

/* Setup, the test unless setup failed or skipped, then teardown if due. */
void ktest_run_fixture(struct ktest_meta *m, void *self, const void *variant,
		       ktest_fixture_fn setup, ktest_fixture_fn body,
		       ktest_fixture_fn teardown)
{
	if (!setjmp(m->env)) {
		setup(m, self, variant);
		m->setup_done = 1;
		if (!m->failed && !m->skipped)
			body(m, self, variant);
	}
	if (m->setup_done && !setjmp(m->env))
		teardown(m, self, variant);
}

/* What a child leaves for its parent, in memory both see. */
struct outcome {
	struct ktest_meta meta;
	int finished;		/* the test returned: no stray exit() */
};

/* "fixture.variant.name", or "global.name"; '-' read as '_'. */
static void test_id(const struct ktest *t, const struct ktest_variant *v,
		    char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s.%s", t->fixture ? t->fixture->name : "global",
		 v ? "." : "", v ? v->name : "", t->name);
}

static int same_char(char a, char b)
{
	return a == b || ((a == '-' || a == '_') && (b == '-' || b == '_'));
}

/* @sel is @s itself, or a prefix of @s ending where a dot follows. */
static int matches(const char *sel, const char *s, int whole_only)
{
	size_t i;

	for (i = 0; sel[i] && s[i]; i++)
		if (!same_char(sel[i], s[i]))
			return 0;
	if (sel[i])
		return 0;
	return !s[i] || (!whole_only && s[i] == '.');
}

static int selected(const struct ktest *t, const struct ktest_variant *v,
		    int nsel, char *const sel[], int *used)
{
	char id[256];
	int any = !nsel;

	test_id(t, v, id, sizeof(id));
	for (int i = 0; i < nsel; i++) {
		if (matches(sel[i], t->name, 1) || matches(sel[i], id, 0)) {
			used[i] = 1;
			any = 1;
		}
	}
	return any;
}

/* One run of a test: a plain test runs once, a fixture's once per variant. */
struct run {
	const struct ktest *t;
	const struct ktest_variant *v;
};

/*
 * Every run in order: plain tests where they were declared; a fixture's
 * tests where its first one was, each variant in turn running them all.
 */
static struct run *all_runs(unsigned int *n)
{
	const struct ktest_variant *v;
	const struct ktest *t, *u;
	unsigned int max = 0;
	struct run *runs;

	for (t = tests; t; t = t->next) {
		max++;
		for (v = t->fixture ? t->fixture->variants : NULL; v; v = v->next)
			max++;
	}
	runs = calloc(max ? max : 1, sizeof(*runs));
	if (!runs)
		return NULL;
	*n = 0;
	for (t = tests; t; t = t->next) {
		if (!t->fixture) {
			runs[(*n)++] = (struct run){ t, NULL };
			continue;
		}
		for (u = tests; u != t && u->fixture != t->fixture; u = u->next)
			;
		if (u != t)
			continue;	/* the fixture's runs are out already */
		v = t->fixture->variants;
		do {
			for (u = t; u; u = u->next)
				if (u->fixture == t->fixture)
					runs[(*n)++] = (struct run){ u, v };
		} while (v && (v = v->next));
	}
	return runs;
}

static void describe(const struct ktest *t, const struct ktest_variant *v,
		     char *buf, size_t n)
{
	if (v)
		snprintf(buf, n, "%s [%s]", t->desc, v->name);
	else
		snprintf(buf, n, "%s", t->desc);
}

/* Runs one test in a child; 0 passed, 1 failed, 2 skipped. */
static int run_child(const struct ktest *t, const struct ktest_variant *v,
		     struct outcome *out, char *why, size_t n)
{
	int status;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(why, n, "fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		alarm(ktest_timeout);
		if (!setjmp(out->meta.env))
			t->run(&out->meta, v ? v->data : NULL);
		out->finished = 1;
		/* exit(), not _exit(): flushes output, runs leak checks. */
		exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, n, "waitpid: %s", strerror(errno));
			return 1;
		}
	}
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) == SIGALRM && ktest_timeout)
			snprintf(why, n, "timed out after %u s", ktest_timeout);
		else
			snprintf(why, n, "killed by signal %d (%s)",
				 WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 1;
	}
	if (WEXITSTATUS(status)) {
		snprintf(why, n, "exited with code %d", WEXITSTATUS(status));
		return 1;
	}
	if (!out->finished) {
		snprintf(why, n, "exited before the test returned");
		return 1;
	}
	if (out->meta.failed)
		return 1;
	return out->meta.skipped ? 2 : 0;
}

int ktest_run(int nsel, char *const sel[])
{
	unsigned int nruns, total = 0, n = 0, pass = 0, fail = 0, skip = 0;
	struct run *runs = all_runs(&nruns);
	struct outcome *out;
	char desc[512], why[256];
	int used[64] = { 0 };

	if (!runs || nsel > 64) {
		fprintf(stderr, "ktest: %s\n", runs ? "too many selectors" : "out of memory");
		free(runs);
		return 2;
	}
	for (unsigned int i = 0; i < nruns; i++)
		total += selected(runs[i].t, runs[i].v, nsel, sel, used);
	for (int i = 0; i < nsel; i++) {
		if (!used[i]) {
			fprintf(stderr, "ktest: no test matches '%s'\n", sel[i]);
			free(runs);
			return 2;
		}
	}
	out = mmap(NULL, sizeof(*out), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (out == MAP_FAILED) {
		perror("ktest: mmap");
		free(runs);
		return 2;
	}
	printf("KTAP version 1\n1..%u\n", total);
	for (unsigned int i = 0; i < nruns; i++) {
		const struct run *r = &runs[i];

		if (!selected(r->t, r->v, nsel, sel, used))
			continue;
		describe(r->t, r->v, desc, sizeof(desc));
		why[0] = '\0';
		switch (run_child(r->t, r->v, out, why, sizeof(why))) {
		case 0:
			pass++;
			printf("ok %u %s\n", ++n, desc);
			break;
		case 2:
			skip++;
			printf("ok %u %s # SKIP %s\n", ++n, desc,
			       out->meta.reason);
			break;
		default:
			fail++;
			if (why[0])
				printf("# %s: %s\n", desc, why);
			printf("not ok %u %s\n", ++n, desc);
		}
		fflush(stdout);
	}
	munmap(out, sizeof(*out));
	free(runs);
	printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
	       pass, fail, skip);
	if (skip)
		printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	else
		printf("%u passed, %u failed\n", pass, fail);
	return fail ? 1 : 0;
}

int ktest_main(int argc, char **argv)
{
	unsigned int nruns;
	struct run *runs;
	char id[256];

	if (argc == 2 && !strcmp(argv[1], "-l")) {
		runs = all_runs(&nruns);
		if (!runs)
			return 2;
		for (unsigned int i = 0; i < nruns; i++) {
			test_id(runs[i].t, runs[i].v, id, sizeof(id));
			printf("%s\t%s\n", id, runs[i].t->desc);
		}
		free(runs);
		return 0;
	}
	return ktest_run(argc - 1, argv + 1);
}
