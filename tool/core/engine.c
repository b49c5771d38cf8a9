// SPDX-License-Identifier: GPL-2.0
/*
 * Mapper threads run the pattern's phases lined up at barriers, so that
 * their unmaps, maps and DMAs overlap in time and race inside the driver
 * on shared upper-level tables. Checker threads DMA-read the guard pages
 * (live mappings beside every sub-range) all the while: a map or unmap
 * next door must never disturb them.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "inject.h"
#include "place.h"

volatile sig_atomic_t run_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	run_interrupted = 1;
}

void engine_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* A second ^C kills at once, should a DMA never come back. */
	sa.sa_flags = SA_RESTART | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void fail(struct worker *w, int err)
{
	(void)err;
	atomic_store(&w->s->failed, 1);
}

static int budget_spent(const struct session *s)
{
	const struct run_opts *o = s->opts;

	if (o->iterations && s->res->iterations >= o->iterations)
		return 1;
	return o->time_s > 0 && (double)(now_ns() - s->t0) / 1e9 >= o->time_s;
}

/*
 * Between iterations: every mapper arrives, one decides whether to go on,
 * all learn the answer. A thread that failed still comes to every barrier,
 * so the others never wait for it in vain.
 */
static int gate(struct worker *w)
{
	struct session *s = w->s;
	int r = PTHREAD_BARRIER_SERIAL_THREAD;

	if (s->nmappers > 1)
		r = pthread_barrier_wait(&s->barrier);
	if (r == PTHREAD_BARRIER_SERIAL_THREAD) {
		if (s->started && !atomic_load(&s->failed))
			s->res->iterations++;
		s->started = 1;
		s->stop = atomic_load(&s->failed) || run_interrupted ||
			  budget_spent(s);
		atomic_store(&s->setup_done, 1);
	}
	if (s->nmappers > 1)
		pthread_barrier_wait(&s->barrier);
	return s->stop;
}

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void *mapper_main(void *arg)
{
	struct worker *w = arg;
	struct session *s = w->s;
	const struct pattern *p = s->pattern;
	int ret = 0;

	/* The barrier is sized once every mapper thread exists. */
	while (!atomic_load(&s->go))
		pause_ms(1);
	place_thread(w->id, "mapper", &s->res->place[w->id]);
	if (p->setup)
		ret = p->setup(w);
	if (ret)
		fail(w, ret);
	while (!gate(w)) {
		for (unsigned int ph = 0; ph < p->nphases; ph++) {
			if (ph && s->nmappers > 1)
				pthread_barrier_wait(&s->barrier);
			if (atomic_load(&s->failed))
				continue;
			ret = p->phase(w, ph);
			if (ret)
				fail(w, ret);
		}
		w->iteration++;
	}
	if (p->teardown)
		p->teardown(w);
	return NULL;
}

static void *checker_main(void *arg)
{
	struct worker *w = arg;
	struct session *s = w->s;
	unsigned int n;
	int ret;

	place_thread(w->id, "checker", &s->res->place[w->id]);
	while (!atomic_load(&s->setup_done) && !atomic_load(&s->workers_done))
		pause_ms(1);
	pthread_mutex_lock(&s->lock);
	n = s->nguards;
	pthread_mutex_unlock(&s->lock);
	wk_case(w, pattern_ncases(s->pattern));
	while (n && !atomic_load(&s->workers_done) && !atomic_load(&s->failed)) {
		const struct guard *g = &s->guards[rng_below(&w->rng, n)];

		ret = wk_check(w, g->iova, &s->guard_buf, g->offset, "checker");
		if (ret < 0)
			fail(w, ret);
	}
	return NULL;
}

/* One status line, rewritten in place, for people watching a terminal. */
static void *progress_main(void *arg)
{
	struct session *s = arg;

	for (;;) {
		for (int i = 0; i < 10 && !atomic_load(&s->workers_done); i++)
			pause_ms(100);
		if (atomic_load(&s->workers_done))
			break;
		double t = (double)(now_ns() - s->t0) / 1e9;
		unsigned long long ops = atomic_load(&s->prog_ops);

		printf("\r%s: %.0f s, %llu ops (%.0f/s), %llu DMA checks, %llu corrupt%s ",
		       s->pattern->name, t, ops, t > 0 ? (double)ops / t : 0.0,
		       (unsigned long long)atomic_load(&s->prog_checks),
		       (unsigned long long)atomic_load(&s->prog_bad),
		       run_interrupted ? ", stopping" : "");
		fflush(stdout);
	}
	printf("\r\033[K");
	fflush(stdout);
	return NULL;
}

/*
 * Only for a person at a terminal: not for KTAP, files or pipes, nor a
 * serial or virtual console, which is a log (the VM's console is one).
 */
static int want_progress(const struct run_opts *o)
{
	const char *tty;

	if (o->ktap || !isatty(STDOUT_FILENO))
		return 0;
	tty = ttyname(STDOUT_FILENO);
	return tty && strcmp(tty, "/dev/console") && strncmp(tty, "/dev/ttyS", 9);
}

/* Every guard page once more, after the last map and unmap. */
static int final_guards(struct worker *w)
{
	struct session *s = w->s;
	int ret;

	wk_case(w, pattern_ncases(s->pattern));
	for (unsigned int i = 0; i < s->nguards; i++) {
		ret = wk_check(w, s->guards[i].iova, &s->guard_buf,
			       s->guards[i].offset, "final");
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Only the tool writes its buffers, and only before the run: a page that
 * changed was written by someone else, such as a driver that took a
 * superpage's data page for a page table.
 */
static void scan_buffers(struct worker *w)
{
	struct session *s = w->s;
	unsigned char page[SIG_PAGE_SIZE];
	unsigned int c = pattern_ncases(s->pattern) + 1;

	for (unsigned int b = 0; b < s->nbufs; b++) {
		const struct dev_buf *buf = &s->bufs[b];
		uint64_t changed = 0, first = 0;
		unsigned int at = 0;

		if (!buf->mem)
			continue;
		for (uint64_t off = 0; off < buf->length; off += SIG_PAGE_SIZE) {
			struct sig_id id = {
				.buf = buf->id, .page = off / SIG_PAGE_SIZE, .gen = 1,
			};

			sig_fill_page(page, &id);
			if (!memcmp(page, buf->mem + off, SIG_PAGE_SIZE))
				continue;
			if (!changed++) {
				first = id.page;
				while (page[at] == buf->mem[off + at])
					at++;
			}
		}
		if (changed)
			wk_observe(w, "buffer pages changed behind the tool",
				   "buffer %u: %llu of %llu pages, the first page %llu at byte %u",
				   buf->id, (unsigned long long)changed,
				   (unsigned long long)(buf->length / SIG_PAGE_SIZE),
				   (unsigned long long)first, at);
		s->res->clobbered += changed;
	}
	w->st.case_checks[c]++;
	w->st.case_bad[c] += s->res->clobbered;
}

static struct worker *new_workers(struct session *s, unsigned int n)
{
	struct worker *ws = calloc(n, sizeof(*ws));

	if (!ws) {
		fprintf(stderr, "iommu-stress: out of memory\n");
		return NULL;
	}
	for (unsigned int i = 0; i < n; i++) {
		ws[i].s = s;
		ws[i].id = i;
		ws[i].nthreads = s->opts->threads;
		ws[i].rb_off = (uint64_t)i * RUN_RB_PAGES * SIG_PAGE_SIZE;
		/* Distinct, reproducible streams per thread. */
		rng_init(&ws[i].rng, s->opts->seed, RNG_WORKER, i);
	}
	return ws;
}

static void finish(struct session *s, struct worker *ws, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		run_merge(&s->res->st, &ws[i].st);
	s->res->elapsed_ns = now_ns() - s->t0;
	s->res->interrupted = run_interrupted;
	s->res->error = atomic_load(&s->failed) && !s->res->unsupported[0];
	/* A control whose fault never happened tested nothing. */
	if (inject_done())
		s->res->error = 1;
}

/* A run of @p with @nplace threads begins: nothing found yet. */
static void result_begin(struct session *s, const struct pattern *p,
			 unsigned int nplace)
{
	s->pattern = p;
	s->res->pattern = p->name;
	s->res->first_ns = UINT64_MAX;
	s->res->buffer_node = place_buffer_node();
	s->res->nplace = nplace;
}

void engine_unsupported(struct session *s, const struct pattern *p)
{
	result_begin(s, p, 0);
}

int engine_run(struct session *s, const struct pattern *p)
{
	const struct run_opts *o = s->opts;
	unsigned int nw = o->threads, nc = o->dma_threads, started = 0;
	pthread_t tid[2 * RUN_MAX_THREADS], prog;
	int progress = want_progress(o), ret = 0;
	struct worker *ws;

	result_begin(s, p, nw + nc);
	ws = new_workers(s, nw + nc);
	if (!ws)
		return -ENOMEM;
	s->t0 = now_ns();

	for (; started < nw + nc; started++) {
		void *(*fn)(void *) = started < nw ? mapper_main : checker_main;

		if (pthread_create(&tid[started], NULL, fn, &ws[started])) {
			fprintf(stderr, "iommu-stress: cannot start thread %u\n", started);
			atomic_store(&s->failed, 1);
			ret = -EAGAIN;
			break;
		}
		if (started < nw)
			s->nmappers = started + 1;
	}
	pthread_barrier_init(&s->barrier, NULL, s->nmappers ? s->nmappers : 1);
	atomic_store(&s->go, 1);
	if (progress && pthread_create(&prog, NULL, progress_main, s))
		progress = 0;
	for (unsigned int i = 0; i < s->nmappers; i++)
		pthread_join(tid[i], NULL);
	atomic_store(&s->workers_done, 1);
	for (unsigned int i = nw; i < started; i++)
		pthread_join(tid[i], NULL);
	if (progress)
		pthread_join(prog, NULL);
	pthread_barrier_destroy(&s->barrier);

	if (!atomic_load(&s->failed) && final_guards(&ws[0]) < 0)
		atomic_store(&s->failed, 1);
	scan_buffers(&ws[0]);
	finish(s, ws, nw + nc);
	free(ws);
	if (!ret && atomic_load(&s->failed))
		ret = s->res->unsupported[0] ? -EOPNOTSUPP : -EIO;
	return ret;
}

int engine_replay(struct session *s, const struct pattern *p, FILE *f,
		  const char *path)
{
	struct worker *ws;
	int ret;

	result_begin(s, p, 1);
	ws = new_workers(s, 1);
	if (!ws)
		return -ENOMEM;
	place_thread(0, "mapper", &s->res->place[0]);
	s->t0 = now_ns();
	ret = p->replay(&ws[0], f, path);
	if (ret)
		atomic_store(&s->failed, 1);
	scan_buffers(&ws[0]);
	finish(s, ws, 1);
	free(ws);
	return ret;
}
