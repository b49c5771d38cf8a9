// SPDX-License-Identifier: GPL-2.0
/*
 * A stateful fuzzer: threads that keep buffers, a domain and mappings of
 * their own and send valid calls, one field of them now and then broken,
 * so that the deep paths (MAP_OVERLAP, UNMAPs in flight, DMA, a shared
 * domain's EADDRINUSE and EACCES) are reached all the time, not once in a
 * million random ids. Meanwhile the domain is destroyed and made again
 * under them, and a second session makes and destroys domains and
 * buffers while another thread destroys and frees the ids it expects
 * next and the session itself is closed under both.
 *
 * Every answer is held to the errno contract (include/iommu_stress_errno.h):
 * an errno an ioctl may not give fails the run. Where a thread can know
 * the answer, it must be that answer:
 *
 * - each worker owns a region of 16 2M slots, apart from everyone else's
 *   by more than any UNMAP may reach: there MAP, UNMAP, IOVA_TO_PHYS and
 *   DMA must answer as its own record of the region says, and a DMA read
 *   must bring the page it mapped (or zeros, or EACCES where nothing is);
 * - in a contested region all workers map, overlap and unmap at once: any
 *   answer the contract allows, but a DMA read there brings zeros or one
 *   of our pages, never anything else (buffers hold signed pages);
 * - every page of the workers' own buffers still holds what they wrote at
 *   the end, and a fresh session reads right after it all.
 *
 * The calls stay inside what Intel's driver takes without a WARN or a
 * write into a leaf's page (a WARN fails the VM run, and driver quirks
 * are tests/hardening/quirks.c's): no UNMAP starts inside a 2M leaf, and
 * none starts where no page table is (the driver then widens it by 2M or
 * 1G from its start) unless no leaf lies within that reach; MAP_OVERLAP
 * maps a whole 2M leaf, which replaces whatever is there, or 4K pages
 * where nothing is. In a worker's region even 2M slots hold only leaves
 * and odd ones only maps under 2M, with their first page always mapped,
 * so their page table stays. The contested region has a leaf zone (calls
 * on 2M boundaries only) and, in the next 1G, a table zone of maps under
 * 2M, each worker mapping in stripes of its own while all of them unmap
 * anywhere there, whole 2M blocks often, so page tables are freed while
 * other calls walk them.
 *
 * Usage: hardening-stateful [--threads N] [--ops N] [--seed N]
 *          [--target NAME] [--churn-target NAME] [--collide NAME]
 *          [--dma-every N] [--recreate-every N] [--churn-every N]
 *          [--mutate-percent N] [--progress N]
 * --seed N        each thread draws from its own stream of the tool's
 *                 generator (tool/lib/rng.c) for N: a seed and thread
 *                 count give every thread the same draws again (what the
 *                 calls meet still depends on how the threads interleave)
 * --ops N         the workers' ioctls: the run ends there (the lifecycle,
 *                 sniper and collider threads' come on top)
 * --target        the target of the workers' domain (default: the first)
 * --churn-target  a second free target the churn session makes domains on
 * --collide       a dmaengine channel of the target's IOMMU group: a
 *                 session there puts its range over the target's bounce
 *                 page, a DMA-API page, and maps into it (EADDRINUSE)
 * --dma-every N   one DMA in N calls (an edu transfer takes 100 ms)
 * --recreate-every N  the workers' domain is destroyed and made again
 *                 every N calls (0: never)
 * --churn-every N one step of the churn session (a domain and buffers
 *                 made and destroyed, the sniper shooting at them) per N
 *                 calls of the workers (default 400; 0: as fast as it goes)
 * --progress N    every N seconds, a line on standard error with the calls
 *                 so far and their rate (default 60; 0: none), so that a
 *                 long run stopped before its end still says how far it got
 */
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "contract.h"
#include "rng.h"

#define SZ_4K		0x1000ull
#define SZ_2M		0x200000ull
#define SZ_1G		0x40000000ull
#define SZ_4G		0x100000000ull
#define SLOTS		16
#define SLOT_PAGES	512
#define REGION		(SLOTS * SZ_2M)
#define RPAGES		(SLOTS * SLOT_PAGES)
/* Regions this far apart: an UNMAP reaches at most 1G past its end. */
#define SPACING		SZ_4G
#define MAX_WORKERS	14
#define CONTESTED	MAX_WORKERS	/* the region after the workers' */
#define MAX_PAGES	16		/* of a map or unmap under 2M */
/*
 * The contested region's two zones, each in a 1G block of its own, and
 * nothing in the 1G after them: an UNMAP that starts where no page table
 * is widens to 2M or 1G from its start, which must then not end inside a
 * leaf. The leaf zone takes only calls on 2M boundaries; the table zone
 * only maps under 2M (never a leaf), each worker in its own stripes.
 */
#define TABLE_ZONE	SZ_1G
#define CSLOTS		4		/* 2M slots of a zone: calls meet often */
#define CPAGES		(CSLOTS * SLOT_PAGES)
#define STRIPE		8		/* pages */
#define TZ_STRIPES	(CPAGES / STRIPE)
#define CHURN_FD	100		/* the churn session, replaced by dup2() */
#define NO_ID		(1u << 20)	/* never handed out: ids start at 0 */
#define SIG_MAGIC	0x5a6bull
#define MAX_REPORTS	20

/* The arguments of any ioctl, with room for a larger size than ours. */
union arg {
	struct iommu_stress_info info;
	struct iommu_stress_buf_alloc alloc;
	struct iommu_stress_buf_free bfree;
	struct iommu_stress_domain_create create;
	struct iommu_stress_domain_destroy destroy;
	struct iommu_stress_map map;
	struct iommu_stress_unmap unmap;
	struct iommu_stress_iova_to_phys i2p;
	struct iommu_stress_dma dma;
	struct iommu_stress_target_query query;
	unsigned char raw[8192];
};

/* ---- what every thread shares ---- */

static struct {
	int fd;				/* the workers' session */
	char target[IOMMU_STRESS_NAME_LEN];
	const char *churn_target, *collide;
	struct iommu_stress_domain_create dom;	/* the first answer */
	_Atomic uint32_t dom_id;
	/* Odd while the workers' domain is being replaced. */
	_Atomic unsigned long epoch;
	uint64_t base;			/* the first region */
	uint32_t max_dma;
	int shared, overlap, skip_sync;
	_Atomic unsigned long ops;		/* every thread's calls */
	_Atomic unsigned long worker_ops;	/* the workers' */
	unsigned long target_ops;
	_Atomic int stop;
	struct iommu_stress_buf_alloc keep;	/* the odd slots' first pages */
	_Atomic uint32_t next_token;
	/* Odd while a churn CREATE or BUF_ALLOC is under way. */
	_Atomic int churn_busy;
} g;

static unsigned long nworkers = 4, nops = 1000000, seed = 1;
static unsigned long dma_every = 300, recreate_every = 100000, churn_every = 400;
static unsigned long mutate_percent = 15, progress_secs = 60;
/* Workers whose loop has ended. */
static _Atomic unsigned long workers_done;

/* MAP_OVERLAPs of the contested region that went through, and not. */
static _Atomic unsigned long overlaps_mapped, overlaps_refused;

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long nviolations, nwrong;

/* A failure: counted, and the first few printed. */
static void report(unsigned long *counter, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(unsigned long *counter, const char *what, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&report_lock);
	if (++*counter <= MAX_REPORTS)
		ktest_log("%s: %s", what, line);
	pthread_mutex_unlock(&report_lock);
}

/* The calling thread's ioctls so far. */
static _Thread_local unsigned long thread_calls;

/*
 * Where the run's time goes: calls and their wall time per ioctl, those
 * that succeeded apart from those refused (a DMA that ran waits for the
 * device; one refused does not), each thread's own until it ends.
 */
struct op_times {
	unsigned long n[2][CONTRACT_NCMD];
	uint64_t ns[2][CONTRACT_NCMD], max_ns[2][CONTRACT_NCMD];
};
static _Thread_local struct op_times thread_times;
static struct op_times run_times;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The calling thread's times into the run's, as it ends. */
static void times_merge(void)
{
	pthread_mutex_lock(&report_lock);
	for (int ok = 0; ok < 2; ok++)
		for (int r = 0; r < CONTRACT_NCMD; r++) {
			run_times.n[ok][r] += thread_times.n[ok][r];
			run_times.ns[ok][r] += thread_times.ns[ok][r];
			if (thread_times.max_ns[ok][r] > run_times.max_ns[ok][r])
				run_times.max_ns[ok][r] = thread_times.max_ns[ok][r];
		}
	pthread_mutex_unlock(&report_lock);
}

/* "# time MAP ok: 1234 calls, 5.6 s, ..." lines, each with its share of all calls' time. */
static void times_print(void)
{
	uint64_t all = 0;

	for (int ok = 0; ok < 2; ok++)
		for (int r = 0; r < CONTRACT_NCMD; r++)
			all += run_times.ns[ok][r];
	for (int r = 0; r < CONTRACT_NCMD; r++)
		for (int ok = 1; ok >= 0; ok--) {
			unsigned long n = run_times.n[ok][r];
			uint64_t ns = run_times.ns[ok][r];

			if (!n)
				continue;
			ktest_log("time %s %s: %lu calls, %.1f s, mean %.0f us, max %.1f ms, %.1f%% of the calls' time",
				  contract_name(r), ok ? "ok" : "refused", n, ns / 1e9,
				  ns / 1e3 / n, run_times.max_ns[ok][r] / 1e6,
				  all ? 100.0 * ns / all : 0.0);
		}
}

/* One ioctl, tallied and held to the contract. */
static int io(struct contract_tally *t, int fd, unsigned long cmd, void *arg)
{
	uint64_t t0 = now_ns(), dt;
	int err = call(fd, cmd, arg);
	int row = contract_index(cmd);

	dt = now_ns() - t0;
	if (row >= 0) {
		thread_times.n[!err][row]++;
		thread_times.ns[!err][row] += dt;
		if (dt > thread_times.max_ns[!err][row])
			thread_times.max_ns[!err][row] = dt;
	}
	thread_calls++;
	contract_count(t, row, err);
	atomic_fetch_add_explicit(&g.ops, 1, memory_order_relaxed);
	if (!contract_allows(cmd, err))
		report(&nviolations, "contract", "%s answered %s, which it may not give",
		       contract_name(row), ktest_errname(err));
	if (!err && cmd == IOMMU_STRESS_DMA) {
		uint32_t st = ((struct iommu_stress_dma *)arg)->status;

		contract_count(t, CONTRACT_ROW_STATUS, (int)st);
		if (!contract_allows_status(st))
			report(&nviolations, "contract", "DMA status %u is none the contract lists", st);
	}
	return err;
}

/* ---- page signatures: which buffer page a DMA brought ---- */

static uint64_t sig_head(uint32_t token, uint32_t page)
{
	return SIG_MAGIC << 48 | (uint64_t)(token & 0xffffff) << 24 | (page & 0xffffff);
}

static uint64_t sig_word(uint64_t head, unsigned int i)
{
	uint64_t x = head + i * 0x9e3779b97f4a7c15ull;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 32);
}

static void sig_fill(unsigned char *page, uint64_t head)
{
	uint64_t *w = (uint64_t *)page;

	w[0] = head;
	for (unsigned int i = 1; i < SZ_4K / 8; i++)
		w[i] = sig_word(head, i);
}

/* Whether the first @len bytes of @p are all zero. */
static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Whether @p starts like the page of signature @head, for @len bytes. */
static int sig_is(const unsigned char *p, size_t len, uint64_t head)
{
	unsigned char want[SZ_4K];

	sig_fill(want, head);
	return !memcmp(p, want, len);
}

/* Whether @p holds zeros or any signature page of ours. */
static int ours_or_zero(const unsigned char *p, size_t len)
{
	uint64_t head;

	if (all_zero(p, len))
		return 1;
	memcpy(&head, p, sizeof(head));
	return head >> 48 == SIG_MAGIC && sig_is(p, len, head);
}

/* ---- buffers ---- */

struct tbuf {
	uint32_t id;		/* NO_ID: none */
	uint64_t len, chunk;
	unsigned char *mem;	/* mmap()ed, or NULL */
	uint32_t token;		/* 0: zero-filled, no signature */
	unsigned int mapped;	/* pages the owner's record maps */
	int stale;		/* maybe mapped in a destroyed domain still */
};

static int buf_alloc(struct contract_tally *t, int fd, struct tbuf *b,
		     uint64_t len, uint64_t chunk, int sign)
{
	union arg a = { .alloc = {
		.size = sizeof(a.alloc), .length = len, .chunk_size = chunk,
		.node = IOMMU_STRESS_NODE_ANY,
	} };
	int err = io(t, fd, IOMMU_STRESS_BUF_ALLOC, &a);

	memset(b, 0, sizeof(*b));
	b->id = NO_ID;
	if (err)
		return err;
	b->id = a.alloc.buf_id;
	b->len = len;
	b->chunk = chunk;
	if (!sign)
		return 0;
	b->mem = mod_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  (off_t)a.alloc.mmap_offset);
	if (b->mem == MAP_FAILED) {
		b->mem = NULL;
		return errno;
	}
	b->token = atomic_fetch_add(&g.next_token, 1);
	for (uint64_t p = 0; p < len / SZ_4K; p++)
		sig_fill(b->mem + p * SZ_4K, sig_head(b->token, (uint32_t)p));
	return 0;
}

/* What a page of @b must hold, into @out. */
static void buf_expect(const struct tbuf *b, uint64_t page, unsigned char *out)
{
	if (b->token)
		sig_fill(out, sig_head(b->token, (uint32_t)page));
	else
		memset(out, 0, SZ_4K);
}

static void buf_unmap(struct tbuf *b)
{
	if (b->mem)
		mod_munmap(b->mem, b->len);
	b->mem = NULL;
}

/* ---- the workers ---- */

enum { HB_LEAF, HB_SMALL, HB_TEMP, NHB };	/* home buffers */
enum { CB_LEAF, CB_SMALL, NCB };		/* contested buffers */
#define PG_FREE		(-1)
#define PG_UNKNOWN	(-2)
#define PG_KEEP		(-3)	/* an odd slot's first page */

struct page_rec {
	int8_t buf;		/* index into home[], or PG_* */
	uint32_t page;		/* page of that buffer */
};

struct worker {
	pthread_t th;
	int id;
	struct rng r;
	struct contract_tally tally;
	struct tbuf home[NHB], cont[NCB], rd;
	uint64_t region;	/* its own region's first IOVA */
	struct page_rec rec[RPAGES];
	unsigned long model_epoch;
	/*
	 * Calls made while the domain was replaced may have landed in the
	 * new one (ids are reused): the region is cleared before the record
	 * is trusted again.
	 */
	int dirty;
	int judged;		/* the call under way began in the record's epoch */
	/* Its stripes of the table zone: 0 known empty, 1 maybe mapped. */
	uint8_t stripe[TZ_STRIPES];
	int cpu;		/* the vCPU it is pinned to, -1 if none */
	int ran_on;		/* where its last call ran */
};

static uint64_t region_of(int n)
{
	return g.base + (uint64_t)n * SPACING;
}

static int is_keep(unsigned int pg)
{
	return (pg / SLOT_PAGES) % 2 == 1 && pg % SLOT_PAGES == 0;
}

/* The record forgets everything: the domain it describes is gone. */
static void model_reset(struct worker *w, unsigned long epoch)
{
	for (unsigned int i = 0; i < RPAGES; i++)
		w->rec[i].buf = is_keep(i) ? PG_KEEP : PG_FREE;
	/* The old domain lets go of them once its last call is out. */
	for (int b = 0; b < NHB; b++) {
		w->home[b].stale = 1;
		w->home[b].mapped = 0;
	}
	w->model_epoch = epoch;
	w->dirty = 1;
}

static int model_any(struct worker *w, uint64_t iova, uint64_t len)
{
	uint64_t p0 = (iova - w->region) / SZ_4K, n = len / SZ_4K;

	for (uint64_t p = p0; p < p0 + n && p < RPAGES; p++)
		if (w->rec[p].buf != PG_FREE)
			return 1;
	return 0;
}

static void model_clear(struct worker *w, uint64_t iova, uint64_t len, int taint)
{
	uint64_t p0, end = iova + len;

	if (end <= w->region || iova >= w->region + REGION || end < iova)
		return;
	p0 = iova < w->region ? 0 : (iova - w->region) / SZ_4K;
	for (uint64_t p = p0; p < RPAGES && w->region + p * SZ_4K < end; p++) {
		int8_t b = w->rec[p].buf;

		if (b >= 0)
			w->home[b].mapped--;
		w->rec[p].buf = taint ? PG_UNKNOWN : PG_FREE;
	}
}

static void model_set(struct worker *w, uint64_t iova, uint64_t len, int b,
		      uint64_t off)
{
	uint64_t p0 = (iova - w->region) / SZ_4K;

	for (uint64_t i = 0; i < len / SZ_4K && p0 + i < RPAGES; i++) {
		w->rec[p0 + i].buf = (int8_t)b;
		w->rec[p0 + i].page = (uint32_t)(off / SZ_4K + i);
		w->home[b].mapped++;
	}
}

/*
 * The epoch a call starts in, and the domain id that goes with it. A
 * call the record can judge starts in the record's own epoch, with the
 * region cleared (worker_step() sees to both first).
 */
static unsigned long begin(struct worker *w, uint32_t *dom)
{
	unsigned long e = atomic_load(&g.epoch);

	*dom = atomic_load(&g.dom_id);
	w->judged = e == w->model_epoch && !w->dirty;
	return e;
}

/* Whether nothing replaced the domain during the call: the record holds. */
static int stable(unsigned long e)
{
	return !(e & 1) && atomic_load(&g.epoch) == e;
}

/* Whether the record can judge the call begun in epoch @e, now it is back. */
static int judged(struct worker *w, unsigned long e)
{
	return w->judged && stable(e);
}

/*
 * Breaks one thing of a call about to go out, sometimes: the header
 * (flags, size, a tail) or a field @field picks. Returns whether it did.
 */
static int mutate(struct rng *r, union arg *a, size_t len,
		  void (*field)(struct rng *r, union arg *a))
{
	if (rng_below(r, 100) >= mutate_percent)
		return 0;
	switch (rng_below(r, 6)) {
	case 0:
		a->map.flags |= 1u << (8 + rng_below(r, 24));
		break;
	case 1:
		a->map.size = (uint32_t)rng_below(r, 8);
		break;
	case 2:
		a->map.size = 4096 + 1 + (uint32_t)rng_below(r, 4000);
		break;
	case 3:
		/* A newer caller's struct: a zero tail is fine, any other not. */
		a->map.size = (uint32_t)(len + 8);
		a->raw[len + rng_below(r, 8)] = rng_below(r, 2) ? 0 : 1 + (unsigned char)rng_below(r, 255);
		break;
	default:
		field(r, a);
		break;
	}
	return 1;
}

static void break_map(struct rng *r, union arg *a)
{
	switch (rng_below(r, 9)) {
	case 0: a->map.iova += 1 + rng_below(r, 4095); break;
	case 1: a->map.length = 0; break;
	case 2: a->map.length += 1 + rng_below(r, 4095); break;
	case 3: a->map.offset += 1 + rng_below(r, 4095); break;
	case 4: a->map.offset = 1ull << 40; break;
	case 5: a->map.prot = rng_below(r, 2) ? 0 : a->map.prot | 4; break;
	case 6: a->map.buf_id = NO_ID + (uint32_t)rng_below(r, 1000); break;
	case 7: a->map.__reserved = 1; break;
	default: a->map.iova = ~0ull << 12; break;
	}
}

static void break_unmap(struct rng *r, union arg *a)
{
	switch (rng_below(r, 6)) {
	case 0: a->unmap.iova += 1 + rng_below(r, 4095); break;
	case 1: a->unmap.length = rng_below(r, 2) ? 0 : a->unmap.length + 1 + rng_below(r, 4095); break;
	case 2: a->unmap.domain_id = NO_ID + (uint32_t)rng_below(r, 1000); break;
	case 3: a->unmap.__reserved2 = 1; break;
	case 4: a->unmap.iova = g.dom.window_iova; break;
	default: a->unmap.length = ~0ull << 12; break;
	}
}

static void break_dma(struct rng *r, union arg *a)
{
	switch (rng_below(r, 6)) {
	case 0: a->dma.dir = 3 + (uint32_t)rng_below(r, 100); break;
	case 1: a->dma.length = rng_below(r, 2) ? 0 : 4097 + rng_below(r, 1 << 20); break;
	case 2: a->dma.buf_offset = SZ_4K; break;
	case 3: a->dma.buf_id = NO_ID; break;
	case 4: a->dma.iova = g.dom.window_iova; break;
	default: a->dma.iova = ~0ull - rng_below(r, 16); break;
	}
}

static void break_i2p(struct rng *r, union arg *a)
{
	if (rng_below(r, 2))
		a->i2p.__reserved = 1;
	else
		a->i2p.domain_id = NO_ID;
}

/* ---- calls in the worker's own region, answers known ---- */

/* A call in the worker's own region, as drawn: range, buffer, offset. */
struct home_call {
	uint64_t iova, len, off;
	int b;
};

static struct home_call draw_home_map(struct worker *w)
{
	unsigned int s = (unsigned int)rng_below(&w->r, SLOTS);
	struct home_call c = { .iova = w->region + s * SZ_2M };

	if (s % 2 == 0) {
		c.b = HB_LEAF;
		c.len = SZ_2M;
		c.off = rng_below(&w->r, w->home[c.b].len / SZ_2M) * SZ_2M;
	} else {
		unsigned int n = 1 + (unsigned int)rng_below(&w->r, MAX_PAGES);

		c.b = w->home[HB_TEMP].id != NO_ID && rng_below(&w->r, 3) == 0 ? HB_TEMP : HB_SMALL;
		c.len = n * SZ_4K;
		c.iova += (1 + rng_below(&w->r, SLOT_PAGES - n)) * SZ_4K;
		c.off = rng_below(&w->r, w->home[c.b].len / SZ_4K - n + 1) * SZ_4K;
	}
	return c;
}

static void home_map(struct worker *w)
{
	struct home_call c = draw_home_map(w);
	uint64_t iova = c.iova, len = c.len, off = c.off;
	union arg a = { 0 };
	int b = c.b, mutated, expect, err;
	unsigned long e;
	uint32_t dom;

	e = begin(w, &dom);
	a.map = (struct iommu_stress_map){
		.size = sizeof(a.map), .domain_id = dom,
		.buf_id = w->home[b].id, .iova = iova, .offset = off,
		.length = len,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	expect = model_any(w, iova, len) ? EEXIST : 0;
	mutated = mutate(&w->r, &a, sizeof(a.map), break_map);
	err = io(&w->tally, g.fd, IOMMU_STRESS_MAP, &a);
	if (!judged(w, e))
		return;
	if (!mutated && err != expect && err != ENOMEM)
		report(&nwrong, "home", "MAP [%#llx, +%#llx) answered %s, its record says %s",
		       (unsigned long long)iova, (unsigned long long)len,
		       ktest_errname(err), ktest_errname(expect));
	/* A broken call that went through anyway did what its fields say. */
	if (!err && a.map.iova == iova && a.map.length == len && a.map.offset == off &&
	    a.map.buf_id == w->home[b].id)
		model_set(w, iova, len, b, off);
}

/* What an UNMAP of [@u->iova, +@len) that succeeded did to the record. */
static void unmapped(struct worker *w, uint64_t len,
		     const struct iommu_stress_unmap *u)
{
	/* The module let go of exactly what the driver said it unmapped. */
	model_clear(w, u->iova, u->unmapped,
		    !!(u->out_flags & IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED));
	if (u->out_flags & IOMMU_STRESS_UNMAP_OUT_STILL_MAPPED)
		report(&nwrong, "home", "UNMAP [%#llx, +%#llx) left pages mapped (%#llx unmapped): no leaf starts before it",
		       (unsigned long long)u->iova, (unsigned long long)len,
		       (unsigned long long)u->unmapped);
}

static struct home_call draw_home_unmap(struct worker *w)
{
	unsigned int s = (unsigned int)rng_below(&w->r, SLOTS);
	uint64_t iova = w->region + s * SZ_2M, len, end;

	if (s % 2 == 0) {
		/* From a leaf slot's start, not past it: the whole leaf goes. */
		len = rng_below(&w->r, 2) ? SZ_2M : (1 + rng_below(&w->r, MAX_PAGES)) * SZ_4K;
	} else {
		/*
		 * From inside an odd slot, to a page of it, or over all of the
		 * next slot: a driver call that starts before a leaf and ends
		 * inside it walks the leaf's page as a page table.
		 */
		iova += (1 + rng_below(&w->r, SLOT_PAGES - 1)) * SZ_4K;
		end = w->region + (s + 1) * SZ_2M;
		if (s + 1 < SLOTS && rng_below(&w->r, 3) == 0)
			len = end + SZ_2M - iova;
		else if (rng_below(&w->r, 2))
			len = (1 + rng_below(&w->r, MAX_PAGES)) * SZ_4K;
		else
			len = (1 + rng_below(&w->r, (end - iova) / SZ_4K)) * SZ_4K;
		if (iova + len > end && len != end + SZ_2M - iova)
			len = end - iova;
	}
	return (struct home_call){ .iova = iova, .len = len };
}

static void home_unmap(struct worker *w)
{
	struct home_call c = draw_home_unmap(w);
	uint64_t iova = c.iova, len = c.len;
	union arg a = { 0 };
	int mutated, expect, err;
	unsigned long e;
	uint32_t dom;

	e = begin(w, &dom);
	a.unmap = (struct iommu_stress_unmap){
		.size = sizeof(a.unmap), .domain_id = dom, .iova = iova,
		.length = len,
	};
	expect = model_any(w, iova, len) ? 0 : ENOENT;
	mutated = mutate(&w->r, &a, sizeof(a.unmap), break_unmap);
	err = io(&w->tally, g.fd, IOMMU_STRESS_UNMAP, &a);
	if (!judged(w, e))
		return;
	if (!mutated && err != expect && err != ENOMEM)
		report(&nwrong, "home", "UNMAP [%#llx, +%#llx) answered %s, its record says %s",
		       (unsigned long long)iova, (unsigned long long)len,
		       ktest_errname(err), ktest_errname(expect));
	if (!err && a.unmap.iova == iova)
		unmapped(w, len, &a.unmap);
}

/* An unbroken IOVA_TO_PHYS of @iova, where the record said @rec, judged. */
static void judge_i2p(struct worker *w, uint64_t iova, struct page_rec rec,
		      int err, const struct iommu_stress_iova_to_phys *p)
{
	int mapped;

	if (rec.buf == PG_UNKNOWN)
		return;
	if (err) {
		report(&nwrong, "home", "IOVA_TO_PHYS %#llx answered %s",
		       (unsigned long long)iova, ktest_errname(err));
		return;
	}
	mapped = !!(p->out_flags & IOMMU_STRESS_I2P_MAPPED);
	if (rec.buf == PG_FREE && mapped)
		report(&nwrong, "home", "IOVA_TO_PHYS %#llx: translates, its record says nothing is there",
		       (unsigned long long)iova);
	if (rec.buf >= 0 &&
	    (!mapped || !(p->out_flags & IOMMU_STRESS_I2P_OURS) ||
	     p->buf_id != w->home[rec.buf].id ||
	     p->offset != rec.page * SZ_4K))
		report(&nwrong, "home", "IOVA_TO_PHYS %#llx: flags %#x buffer %u offset %#llx, its record says buffer %u offset %#llx",
		       (unsigned long long)iova, p->out_flags, p->buf_id,
		       (unsigned long long)p->offset, w->home[rec.buf].id,
		       (unsigned long long)rec.page * SZ_4K);
}

static void home_i2p(struct worker *w)
{
	uint64_t pg = rng_below(&w->r, RPAGES), iova = w->region + pg * SZ_4K;
	struct page_rec rec;
	union arg a = { 0 };
	int mutated, err;
	unsigned long e;
	uint32_t dom;

	e = begin(w, &dom);
	rec = w->rec[pg];
	a.i2p = (struct iommu_stress_iova_to_phys){
		.size = sizeof(a.i2p), .domain_id = dom, .iova = iova,
	};
	mutated = mutate(&w->r, &a, sizeof(a.i2p), break_i2p);
	err = io(&w->tally, g.fd, IOMMU_STRESS_IOVA_TO_PHYS, &a);
	if (judged(w, e) && !mutated)
		judge_i2p(w, iova, rec, err, &a.i2p);
}

/*
 * BATCH: a vector of the worker's own MAPs, UNMAPs and IOVA_TO_PHYSs as
 * the single calls above draw them, now and then one op or the batch's
 * own argument broken. The ops run in order and stop at the first that
 * fails, whose errno is the batch's, the rest untouched; the record
 * judges each op that ran as it judges the single call, in turn.
 */
#define BATCH_OPS	8
#define NOT_RUN		0x7eadbeef	/* no op answers this */
#define OP_SLOT		(sizeof(struct iommu_stress_batch_op) - \
			 offsetof(struct iommu_stress_batch_op, map))

struct batch_plan {
	struct home_call c;
	uint64_t pg;		/* IOVA_TO_PHYS's page */
	int mutated;
};

/* Fills entry @op with a call drawn as its single ioctl draws it. */
static void batch_draw(struct worker *w, struct iommu_stress_batch_op *op,
		       struct batch_plan *p, uint32_t dom)
{
	union arg a = { 0 };
	size_t len;

	memset(op, 0, sizeof(*op));
	op->result = NOT_RUN;
	switch (rng_below(&w->r, 3)) {
	case 0:
		op->op = IOMMU_STRESS_MAP;
		p->c = draw_home_map(w);
		a.map = (struct iommu_stress_map){
			.size = sizeof(a.map), .domain_id = dom,
			.buf_id = w->home[p->c.b].id, .iova = p->c.iova,
			.offset = p->c.off, .length = p->c.len,
			.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
		};
		len = sizeof(a.map);
		p->mutated = mutate(&w->r, &a, len, break_map);
		break;
	case 1:
		op->op = IOMMU_STRESS_UNMAP;
		p->c = draw_home_unmap(w);
		a.unmap = (struct iommu_stress_unmap){
			.size = sizeof(a.unmap), .domain_id = dom,
			.iova = p->c.iova, .length = p->c.len,
		};
		len = sizeof(a.unmap);
		p->mutated = mutate(&w->r, &a, len, break_unmap);
		break;
	default:
		op->op = IOMMU_STRESS_IOVA_TO_PHYS;
		p->pg = rng_below(&w->r, RPAGES);
		a.i2p = (struct iommu_stress_iova_to_phys){
			.size = sizeof(a.i2p), .domain_id = dom,
			.iova = w->region + p->pg * SZ_4K,
		};
		len = sizeof(a.i2p);
		p->mutated = mutate(&w->r, &a, len, break_i2p);
		break;
	}
	/* A broken size may claim more than the slot: the module says E2BIG. */
	memcpy(&op->map, &a, OP_SLOT);
}

/* Op @i that ran, judged by the record and applied to it. */
static void batch_judge(struct worker *w, const struct iommu_stress_batch_op *op,
			const struct batch_plan *p, int i)
{
	int err = -op->result, expect;

	switch (op->op) {
	case IOMMU_STRESS_MAP:
		expect = model_any(w, p->c.iova, p->c.len) ? EEXIST : 0;
		if (!p->mutated && err != expect && err != ENOMEM)
			report(&nwrong, "batch", "op %d: MAP [%#llx, +%#llx) answered %s, its record says %s",
			       i, (unsigned long long)p->c.iova,
			       (unsigned long long)p->c.len, ktest_errname(err),
			       ktest_errname(expect));
		if (!err && op->map.iova == p->c.iova && op->map.length == p->c.len &&
		    op->map.offset == p->c.off && op->map.buf_id == w->home[p->c.b].id)
			model_set(w, p->c.iova, p->c.len, p->c.b, p->c.off);
		break;
	case IOMMU_STRESS_UNMAP:
		expect = model_any(w, p->c.iova, p->c.len) ? 0 : ENOENT;
		if (!p->mutated && err != expect && err != ENOMEM)
			report(&nwrong, "batch", "op %d: UNMAP [%#llx, +%#llx) answered %s, its record says %s",
			       i, (unsigned long long)p->c.iova,
			       (unsigned long long)p->c.len, ktest_errname(err),
			       ktest_errname(expect));
		if (!err && op->unmap.iova == p->c.iova)
			unmapped(w, p->c.len, &op->unmap);
		break;
	default:
		if (!p->mutated)
			judge_i2p(w, w->region + p->pg * SZ_4K, w->rec[p->pg],
				  err, &op->iova_to_phys);
		break;
	}
}

/* Breaks the batch's own argument: no op runs. Returns the errno due. */
static int break_batch(struct rng *r, struct iommu_stress_batch *b)
{
	switch (rng_below(r, 4)) {
	case 0:
		b->flags |= 1u << rng_below(r, 32);
		return EOPNOTSUPP;
	case 1:
		b->__reserved = 1 + (uint32_t)rng_below(r, 1000);
		return EINVAL;
	case 2:
		b->nops = 0;
		return EINVAL;
	default:
		b->op_size = sizeof(struct iommu_stress_batch_op) - 8 * (1 + (uint32_t)rng_below(r, 4));
		return EINVAL;
	}
}

static void home_batch(struct worker *w)
{
	struct iommu_stress_batch_op ops[BATCH_OPS];
	struct batch_plan plan[BATCH_OPS] = { 0 };
	struct iommu_stress_batch b;
	unsigned int n = 1 + (unsigned int)rng_below(&w->r, BATCH_OPS), i;
	int broken = 0, err;
	unsigned long e;
	uint32_t dom;

	e = begin(w, &dom);
	for (i = 0; i < n; i++)
		batch_draw(w, &ops[i], &plan[i], dom);
	b = (struct iommu_stress_batch){
		.size = sizeof(b), .ops = (uint64_t)(uintptr_t)ops, .nops = n,
		.op_size = sizeof(ops[0]), .done = NOT_RUN,
	};
	if (rng_below(&w->r, 100) < mutate_percent / 3)
		broken = break_batch(&w->r, &b);
	err = io(&w->tally, g.fd, IOMMU_STRESS_BATCH, &b);
	if (broken) {
		if (err != broken)
			report(&nwrong, "batch", "a broken batch answered %s, not %s",
			       ktest_errname(err), ktest_errname(broken));
		for (i = 0; i < n; i++)
			if (ops[i].result != NOT_RUN)
				report(&nwrong, "batch", "a broken batch ran op %u", i);
		return;
	}
	/* Whatever the domain went through: ran in order, stopped at a failure. */
	if (b.done > n || (!err && b.done != n) || (err && b.done == n)) {
		report(&nwrong, "batch", "%u of %u ops done, answer %s",
		       b.done, n, ktest_errname(err));
		return;
	}
	for (i = 0; i < n; i++) {
		int want = i < b.done ? 0 : i == b.done ? -err : NOT_RUN;

		if (ops[i].result != want)
			report(&nwrong, "batch", "op %u of %u (%u done, answer %s): result %d, not %d",
			       i, n, b.done, ktest_errname(err), ops[i].result, want);
		else if (i <= b.done && !contract_allows(ops[i].op, -ops[i].result) &&
			 !contract_allows(IOMMU_STRESS_BATCH, -ops[i].result))
			report(&nviolations, "contract", "a BATCH op answered %s, which it may not give",
			       ktest_errname(-ops[i].result));
	}
	if (!judged(w, e))
		return;
	for (i = 0; i < n && i <= b.done; i++)
		batch_judge(w, &ops[i], &plan[i], (int)i);
}

/* Whether the shared domain lets DMA read IOVAs the session has not mapped. */
static int unmapped_reads(void)
{
	return !!(g.dom.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS);
}

/*
 * A DMA at a page of the region: a read must bring the page mapped there
 * (zeros where nothing is; EACCES in a shared domain); a write sends what
 * the page holds already, so the buffers keep their contents.
 */
static void home_dma(struct worker *w, int unmapped)
{
	uint64_t pg = rng_below(&w->r, RPAGES), iova;
	unsigned char want[SZ_4K];
	int write = (int)rng_below(&w->r, 3) == 0, mutated, err;
	struct page_rec rec;
	union arg a = { 0 };
	unsigned long e;
	uint32_t dom;

	e = begin(w, &dom);
	/* @unmapped: a page nothing is mapped at, if one is found soon. */
	for (int tries = 0; unmapped && w->rec[pg].buf != PG_FREE && tries < 8; tries++)
		pg = rng_below(&w->r, RPAGES);
	iova = w->region + pg * SZ_4K;
	rec = w->rec[pg];
	if (unmapped && (rec.buf != PG_FREE || (!write && unmapped_reads())))
		return;
	/* The odd slots' first pages map a page every region shares. */
	if (rec.buf == PG_KEEP)
		return;
	if (rec.buf >= 0)
		buf_expect(&w->home[rec.buf], rec.page, want);
	else
		memset(want, 0, sizeof(want));
	if (write)
		memcpy(w->rd.mem, want, SZ_4K);
	else
		memset(w->rd.mem, 0xa5, SZ_4K);
	a.dma = (struct iommu_stress_dma){
		.size = sizeof(a.dma), .domain_id = dom,
		.dir = write ? IOMMU_STRESS_DMA_WRITE : IOMMU_STRESS_DMA_READ,
		.iova = iova, .length = g.max_dma, .buf_id = w->rd.id,
	};
	mutated = mutate(&w->r, &a, sizeof(a.dma), break_dma);
	err = io(&w->tally, g.fd, IOMMU_STRESS_DMA, &a);
	if (!judged(w, e) || mutated || rec.buf == PG_UNKNOWN)
		return;
	if (g.shared && rec.buf == PG_FREE) {
		/* A DMA engine may fail a read that faults: no answer to hold it to. */
		if ((write || !unmapped_reads()) && err != EACCES)
			report(&nwrong, "home", "DMA %s of unmapped %#llx in a shared domain answered %s, not EACCES",
			       write ? "write" : "read", (unsigned long long)iova,
			       ktest_errname(err));
		return;
	}
	if (err || a.dma.status) {
		report(&nwrong, "home", "DMA %s %#llx answered %s, status %u",
		       write ? "write" : "read", (unsigned long long)iova,
		       ktest_errname(err), a.dma.status);
		return;
	}
	if (!write && memcmp(w->rd.mem, want, g.max_dma))
		report(&nwrong, "home", "DMA read %#llx brought other data than the %s its record names",
		       (unsigned long long)iova,
		       rec.buf >= 0 ? "buffer page" : "zeros of a fault");
}

/* The temp buffer: allocated, mapped now and then by home_map, freed. */
static void home_temp(struct worker *w)
{
	struct tbuf *t = &w->home[HB_TEMP];
	union arg a = { 0 };
	int err, expect;
	unsigned long e;
	uint32_t dom;

	e = begin(w, &dom);
	if (t->id == NO_ID) {
		buf_alloc(&w->tally, g.fd, t, 16 * SZ_4K, IOMMU_STRESS_CHUNK_4K, 0);
		return;
	}
	/* Leave it mapped a while before trying to free it. */
	if (t->mapped && rng_below(&w->r, 4))
		return;
	a.bfree = (struct iommu_stress_buf_free){ .size = sizeof(a.bfree), .buf_id = t->id };
	expect = t->mapped ? EBUSY : 0;
	err = io(&w->tally, g.fd, IOMMU_STRESS_BUF_FREE, &a);
	if (judged(w, e) && err != expect && !(t->stale && err == EBUSY))
		report(&nwrong, "home", "BUF_FREE of buffer %u answered %s, its record says %s",
		       t->id, ktest_errname(err), ktest_errname(expect));
	if (!err) {
		t->id = NO_ID;
		t->stale = 0;
	}
}

/* ---- calls in the contested region: the contract, and what DMA reads ---- */

static uint64_t leaf_zone(void)
{
	return region_of(CONTESTED);
}

static uint64_t table_zone(void)
{
	return region_of(CONTESTED) + TABLE_ZONE;
}

/* A 2M leaf at a slot of the leaf zone, MAP_OVERLAP half the time. */
static void leaf_map(struct worker *w)
{
	uint64_t iova = leaf_zone() + rng_below(&w->r, CSLOTS) * SZ_2M;
	uint64_t off = rng_below(&w->r, w->cont[CB_LEAF].len / SZ_2M) * SZ_2M;
	uint32_t dom, flags = g.overlap && rng_below(&w->r, 2) ? IOMMU_STRESS_MAP_OVERLAP : 0;
	union arg a = { 0 };
	int mutated, err;

	begin(w, &dom);
	a.map = (struct iommu_stress_map){
		.size = sizeof(a.map), .flags = flags, .domain_id = dom,
		.buf_id = w->cont[CB_LEAF].id, .iova = iova, .offset = off,
		.length = SZ_2M,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	mutated = mutate(&w->r, &a, sizeof(a.map), break_map);
	err = io(&w->tally, g.fd, IOMMU_STRESS_MAP, &a);
	if (flags && !mutated)
		atomic_fetch_add_explicit(err ? &overlaps_refused : &overlaps_mapped, 1,
					  memory_order_relaxed);
}

/*
 * Up to a stripe of 4K pages in one of the worker's own stripes of the
 * table zone; MAP_OVERLAP where it knows the stripe is empty (others
 * only unmap there), so no live page is mapped over.
 */
static void table_map(struct worker *w)
{
	unsigned int per = TZ_STRIPES / (unsigned int)nworkers;
	unsigned int c = w->id + (unsigned int)nworkers * (unsigned int)rng_below(&w->r, per);
	unsigned int n = 1 + (unsigned int)rng_below(&w->r, STRIPE);
	uint64_t iova = table_zone() + ((uint64_t)c * STRIPE + rng_below(&w->r, STRIPE - n + 1)) * SZ_4K;
	uint64_t off = rng_below(&w->r, w->cont[CB_SMALL].len / SZ_4K - n + 1) * SZ_4K;
	uint32_t dom, flags = 0;
	int was_empty = !w->stripe[c], mutated, err;
	union arg a = { 0 };

	if (was_empty && g.overlap && rng_below(&w->r, 2))
		flags = IOMMU_STRESS_MAP_OVERLAP;
	begin(w, &dom);
	a.map = (struct iommu_stress_map){
		.size = sizeof(a.map), .flags = flags, .domain_id = dom,
		.buf_id = w->cont[CB_SMALL].id, .iova = iova, .offset = off,
		.length = n * SZ_4K,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	mutated = mutate(&w->r, &a, sizeof(a.map), break_map);
	err = io(&w->tally, g.fd, IOMMU_STRESS_MAP, &a);
	/* A MAP that failed left nothing behind. */
	w->stripe[c] = !(was_empty && err);
	if (flags && !mutated)
		atomic_fetch_add_explicit(err ? &overlaps_refused : &overlaps_mapped, 1,
					  memory_order_relaxed);
	if (err || mutated || rng_below(&w->r, 3))
		return;
	/*
	 * Unmapped at once: the page table stays, empty, for UNMAPs that
	 * meet in its gap (both may reach the driver there only if they
	 * wrongly share it, and both would free the table).
	 */
	a.unmap = (struct iommu_stress_unmap){
		.size = sizeof(a.unmap), .domain_id = dom, .iova = iova,
		.length = n * SZ_4K,
	};
	err = io(&w->tally, g.fd, IOMMU_STRESS_UNMAP, &a);
	if (was_empty && (err == ENOENT || (!err && a.unmap.unmapped >= n * SZ_4K)))
		w->stripe[c] = 0;
}

/* The worker's own stripes inside [iova, iova + len) are empty now. */
static void stripes_empty(struct worker *w, uint64_t iova, uint64_t len)
{
	uint64_t first = (iova - table_zone() + STRIPE * SZ_4K - 1) / (STRIPE * SZ_4K);
	uint64_t end = (iova + len - table_zone()) / (STRIPE * SZ_4K);

	for (uint64_t c = first; c < end && c < TZ_STRIPES; c++)
		if (c % nworkers == (uint64_t)w->id)
			w->stripe[c] = 0;
}

/*
 * An UNMAP from a 2M boundary of the leaf zone, never inside a leaf, or
 * from any page of the table zone, whole 2M blocks of it often (the
 * driver frees their page tables), across the others' stripes.
 */
static void cont_unmap(struct worker *w)
{
	int leaf = rng_below(&w->r, 3) == 0, mutated, err;
	uint64_t zone = leaf ? leaf_zone() : table_zone(), iova, len;
	union arg a = { 0 };
	uint32_t dom;

	iova = zone + rng_below(&w->r, CSLOTS) * SZ_2M;
	if (!leaf && rng_below(&w->r, 2))
		iova += rng_below(&w->r, SLOT_PAGES) * SZ_4K;
	len = rng_below(&w->r, 2) ? (1 + rng_below(&w->r, 2 * MAX_PAGES)) * SZ_4K :
	      (1 + rng_below(&w->r, 3)) * SZ_2M;
	if (iova + len > zone + CSLOTS * SZ_2M)
		len = zone + CSLOTS * SZ_2M - iova;
	begin(w, &dom);
	a.unmap = (struct iommu_stress_unmap){
		.size = sizeof(a.unmap), .domain_id = dom, .iova = iova,
		.length = len,
		.flags = g.skip_sync && rng_below(&w->r, 4) == 0 ? IOMMU_STRESS_UNMAP_SKIP_SYNC : 0,
	};
	mutated = mutate(&w->r, &a, sizeof(a.unmap), break_unmap);
	err = io(&w->tally, g.fd, IOMMU_STRESS_UNMAP, &a);
	if (leaf || mutated)
		return;
	if (err == ENOENT)
		stripes_empty(w, iova, len);
	else if (!err)
		stripes_empty(w, iova, a.unmap.unmapped < len ? a.unmap.unmapped : len);
}

static uint64_t contested_page(struct worker *w)
{
	return (rng_below(&w->r, 2) ? leaf_zone() : table_zone()) +
	       rng_below(&w->r, CPAGES) * SZ_4K;
}

static void cont_i2p(struct worker *w)
{
	uint64_t iova = contested_page(w);
	union arg a = { 0 };
	uint32_t dom;

	begin(w, &dom);
	a.i2p = (struct iommu_stress_iova_to_phys){
		.size = sizeof(a.i2p), .domain_id = dom, .iova = iova,
	};
	mutate(&w->r, &a, sizeof(a.i2p), break_i2p);
	io(&w->tally, g.fd, IOMMU_STRESS_IOVA_TO_PHYS, &a);
}

/* Reads bring zeros or one of our pages; writes send one of our pages. */
static void cont_dma(struct worker *w)
{
	uint64_t iova = contested_page(w);
	int write = (int)rng_below(&w->r, 3) == 0, mutated, err;
	union arg a = { 0 };
	uint32_t dom;

	begin(w, &dom);
	if (write)
		sig_fill(w->rd.mem, sig_head(w->cont[CB_SMALL].token,
					     (uint32_t)rng_below(&w->r, w->cont[CB_SMALL].len / SZ_4K)));
	else
		memset(w->rd.mem, 0xa5, SZ_4K);
	a.dma = (struct iommu_stress_dma){
		.size = sizeof(a.dma), .domain_id = dom,
		.dir = write ? IOMMU_STRESS_DMA_WRITE : IOMMU_STRESS_DMA_READ,
		.iova = iova, .length = g.max_dma, .buf_id = w->rd.id,
	};
	mutated = mutate(&w->r, &a, sizeof(a.dma), break_dma);
	err = io(&w->tally, g.fd, IOMMU_STRESS_DMA, &a);
	if (!mutated && !err && !a.dma.status && !write &&
	    !ours_or_zero(w->rd.mem, g.max_dma))
		report(&nwrong, "contested", "DMA read %#llx brought bytes that are no page of ours (first qword %#llx)",
		       (unsigned long long)iova,
		       (unsigned long long)*(uint64_t *)w->rd.mem);
}

/* Unmaps all of the region but the odd slots' first pages. */
static void home_clear(struct worker *w)
{
	union arg a = { 0 };
	unsigned long e;
	uint32_t dom;
	int err, ok = 1;

	e = begin(w, &dom);
	if (e & 1 || e != w->model_epoch)
		return;
	for (unsigned int s = 0; s < SLOTS; s++) {
		a.unmap = (struct iommu_stress_unmap){
			.size = sizeof(a.unmap), .domain_id = dom,
			.iova = w->region + s * SZ_2M + (s % 2) * SZ_4K,
			.length = SZ_2M - (s % 2) * SZ_4K,
		};
		err = io(&w->tally, g.fd, IOMMU_STRESS_UNMAP, &a);
		ok &= !err || err == ENOENT;
	}
	if (stable(e) && ok)
		w->dirty = 0;
}

static void worker_step(struct worker *w)
{
	unsigned int k = (unsigned int)rng_below(&w->r, 100);
	unsigned long e = atomic_load(&g.epoch);

	if (e != w->model_epoch)
		model_reset(w, e);
	if (w->dirty) {
		home_clear(w);
	} else if (g.shared && k < 5) {
		/* Refused before any transfer: cheap, so often. */
		home_dma(w, 1);
	} else if (rng_below(&w->r, dma_every) == 0) {
		if (rng_below(&w->r, 2))
			home_dma(w, 0);
		else
			cont_dma(w);
	} else if (k < 20) {
		home_map(w);
	} else if (k < 38) {
		home_unmap(w);
	} else if (k < 46) {
		home_i2p(w);
	} else if (k < 49) {
		home_temp(w);
	} else if (k < 58) {
		leaf_map(w);
	} else if (k < 70) {
		table_map(w);
	} else if (k < 88) {
		cont_unmap(w);
	} else if (k < 94) {
		cont_i2p(w);
	} else {
		home_batch(w);
	}
}

/*
 * Worker N runs on the Nth CPU of the process's set (modulo their number):
 * on an SMP guest the workers' calls then run at the same time on
 * different vCPUs instead of wherever the scheduler puts them.
 */
static void pin_worker(struct worker *w)
{
	cpu_set_t all, one;
	int n = 0;

	w->cpu = -1;
	if (sched_getaffinity(0, sizeof(all), &all))
		return;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &all) || n++ != w->id % CPU_COUNT(&all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (!sched_setaffinity(0, sizeof(one), &one))
			w->cpu = c;
		return;
	}
}

static void *worker_main(void *p)
{
	struct worker *w = p;

	pin_worker(w);
	while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		unsigned long before = thread_calls;

		worker_step(w);
		/* The count that ends the run is the workers' own calls. */
		if (atomic_fetch_add_explicit(&g.worker_ops, thread_calls - before,
					      memory_order_relaxed) >= g.target_ops)
			atomic_store(&g.stop, 1);
	}
	w->ran_on = sched_getcpu();
	times_merge();
	atomic_fetch_add(&workers_done, 1);
	return NULL;
}

static int worker_setup(struct worker *w)
{
	struct contract_tally *t = &w->tally;
	int err;

	w->region = region_of(w->id);
	rng_init(&w->r, seed, RNG_OPS, (unsigned int)w->id);
	err = buf_alloc(t, g.fd, &w->home[HB_LEAF], 4 * SZ_2M, IOMMU_STRESS_CHUNK_2M, 1);
	if (!err)
		err = buf_alloc(t, g.fd, &w->home[HB_SMALL], 64 * SZ_4K, IOMMU_STRESS_CHUNK_4K, 1);
	if (!err)
		err = buf_alloc(t, g.fd, &w->cont[CB_LEAF], 2 * SZ_2M, IOMMU_STRESS_CHUNK_2M, 1);
	if (!err)
		err = buf_alloc(t, g.fd, &w->cont[CB_SMALL], 64 * SZ_4K, IOMMU_STRESS_CHUNK_4K, 1);
	if (!err)
		err = buf_alloc(t, g.fd, &w->rd, SZ_4K, IOMMU_STRESS_CHUNK_4K, 1);
	w->home[HB_TEMP].id = NO_ID;
	model_reset(w, atomic_load(&g.epoch));
	/* The domain is new: nothing of the worker's is in it. */
	w->dirty = 0;
	for (int b = 0; b < NHB; b++)
		w->home[b].stale = 0;
	return err;
}

/* ---- the domain under the workers ---- */

static int create(struct contract_tally *t, int fd, const char *target,
		  struct iommu_stress_domain_create *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	snprintf(d->target, sizeof(d->target), "%s", target);
	return io(t, fd, IOMMU_STRESS_DOMAIN_CREATE, d);
}

/* A DOMAIN_CREATE answer for the same target as the first: same device. */
static void check_answer(const struct iommu_stress_domain_create *d,
			 const struct iommu_stress_domain_create *first)
{
	if (d->pgsize_bitmap != first->pgsize_bitmap ||
	    d->aperture_end != first->aperture_end ||
	    d->domain_id >= NO_ID || strcmp(d->iommu_driver, first->iommu_driver))
		report(&nwrong, "lifecycle", "DOMAIN_CREATE answered id %u, page sizes %#llx, aperture end %#llx, driver '%.31s'; the first answer had %#llx, %#llx, '%.31s'",
		       d->domain_id, (unsigned long long)d->pgsize_bitmap,
		       (unsigned long long)d->aperture_end, d->iommu_driver,
		       (unsigned long long)first->pgsize_bitmap,
		       (unsigned long long)first->aperture_end, first->iommu_driver);
}

/* The first page of every odd slot of the workers' regions, which no worker unmaps. */
static int keep_pages(struct contract_tally *t, uint32_t dom)
{
	for (unsigned int s = 1; s < SLOTS; s += 2) {
		union arg a = { .map = {
			.size = sizeof(a.map), .domain_id = dom,
			.buf_id = g.keep.buf_id, .length = SZ_4K,
			.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
		} };
		int err;

		for (int n = 0; n < MAX_WORKERS; n++) {
			a.map.iova = region_of(n) + s * SZ_2M;
			err = io(t, g.fd, IOMMU_STRESS_MAP, &a);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Destroys the workers' domain under them and makes it again. */
static void recreate(struct contract_tally *t)
{
	union arg a = { 0 };
	struct iommu_stress_domain_create d;
	int err, tries = 0;

	atomic_fetch_add(&g.epoch, 1);
	a.destroy = (struct iommu_stress_domain_destroy){
		.size = sizeof(a.destroy), .domain_id = atomic_load(&g.dom_id),
	};
	err = io(t, g.fd, IOMMU_STRESS_DOMAIN_DESTROY, &a);
	if (err)
		report(&nwrong, "lifecycle", "DOMAIN_DESTROY of the workers' domain answered %s",
		       ktest_errname(err));
	/* The device is free once the last call in the old domain is out. */
	while ((err = create(t, g.fd, g.target, &d)) == EBUSY && tries++ < 10000)
		nap_ms(1);
	if (err) {
		report(&nwrong, "lifecycle", "DOMAIN_CREATE again answered %s", ktest_errname(err));
		atomic_store(&g.stop, 1);
		return;
	}
	check_answer(&d, &g.dom);
	err = keep_pages(t, d.domain_id);
	if (err)
		report(&nwrong, "lifecycle", "mapping the odd slots' first pages answered %s",
		       ktest_errname(err));
	atomic_store(&g.dom_id, d.domain_id);
	atomic_fetch_add(&g.epoch, 1);
}

/* ---- the churn session: domains and buffers made and destroyed ---- */

struct helper {
	pthread_t th;
	struct rng r;
	struct contract_tally tally;
};

static struct iommu_stress_domain_create churn_first;
static struct helper lifecycle, sniper, collider;

/* A BUF_ALLOC answer names a plausible id and a page-aligned offset. */
static void check_alloc(const struct iommu_stress_buf_alloc *b)
{
	if (b->buf_id >= NO_ID || b->mmap_offset & (SZ_4K - 1))
		report(&nwrong, "lifecycle", "BUF_ALLOC answered id %u, mmap offset %#llx",
		       b->buf_id, (unsigned long long)b->mmap_offset);
}

/* Closes the churn session under whoever is in it: dup2() swaps it. */
static void churn_reopen(void)
{
	int fd = mod_open();

	if (fd < 0)
		return;
	dup2(fd, CHURN_FD);
	mod_close(fd);
}

/*
 * A churn call begins or ends: churn_busy turns odd or even, and the
 * sniper, asleep on it (spinning would take a vCPU from the workers), wakes.
 */
static void churn_mark(void)
{
	atomic_fetch_add(&g.churn_busy, 1);
	syscall(SYS_futex, &g.churn_busy, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Sleeps until churn_busy is no longer @seen, or 10 ms pass. */
static void churn_wait(int seen)
{
	struct timespec ts = { 0, 10000000 };

	syscall(SYS_futex, &g.churn_busy, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

static void churn_step(struct helper *h)
{
	struct contract_tally *t = &h->tally;
	struct iommu_stress_domain_create d;
	union arg a = { 0 };
	int err;

	if (rng_below(&h->r, 16) == 0)
		churn_reopen();
	churn_mark();
	err = create(t, CHURN_FD, g.churn_target, &d);
	churn_mark();
	if (!err) {
		check_answer(&d, &churn_first);
		a.alloc = (struct iommu_stress_buf_alloc){
			.size = sizeof(a.alloc), .length = SZ_2M,
			.chunk_size = rng_below(&h->r, 2) ? IOMMU_STRESS_CHUNK_2M : IOMMU_STRESS_CHUNK_4K,
			.node = IOMMU_STRESS_NODE_ANY,
		};
		churn_mark();
		err = io(t, CHURN_FD, IOMMU_STRESS_BUF_ALLOC, &a);
		churn_mark();
		if (!err) {
			uint32_t buf = a.alloc.buf_id;

			check_alloc(&a.alloc);
			/* Left mapped: destroy and close must take it down. */
			a.map = (struct iommu_stress_map){
				.size = sizeof(a.map), .domain_id = d.domain_id,
				.buf_id = buf, .iova = SZ_4G, .length = SZ_2M,
				.prot = IOMMU_STRESS_PROT_READ,
			};
			io(t, CHURN_FD, IOMMU_STRESS_MAP, &a);
			if (rng_below(&h->r, dma_every / 16 + 1) == 0) {
				a.dma = (struct iommu_stress_dma){
					.size = sizeof(a.dma), .domain_id = d.domain_id,
					.dir = IOMMU_STRESS_DMA_READ, .iova = SZ_4G,
					.length = g.max_dma, .buf_id = buf,
				};
				io(t, CHURN_FD, IOMMU_STRESS_DMA, &a);
			}
			a.bfree = (struct iommu_stress_buf_free){
				.size = sizeof(a.bfree), .buf_id = buf,
			};
			io(t, CHURN_FD, IOMMU_STRESS_BUF_FREE, &a);
		}
		a.destroy = (struct iommu_stress_domain_destroy){
			.size = sizeof(a.destroy), .domain_id = d.domain_id,
		};
		io(t, CHURN_FD, IOMMU_STRESS_DOMAIN_DESTROY, &a);
	}
	a.alloc = (struct iommu_stress_buf_alloc){
		.size = sizeof(a.alloc), .length = SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	churn_mark();
	err = io(t, CHURN_FD, IOMMU_STRESS_BUF_ALLOC, &a);
	churn_mark();
	if (!err) {
		check_alloc(&a.alloc);
		a.bfree = (struct iommu_stress_buf_free){
			.size = sizeof(a.bfree), .buf_id = a.alloc.buf_id,
		};
		io(t, CHURN_FD, IOMMU_STRESS_BUF_FREE, &a);
	}
}

/*
 * The churn goes at the workers' pace: one step (about nine calls, a
 * domain made and destroyed, 2M allocated, mapped and freed, each many
 * times the CPU of a worker's call) per churn_every calls of theirs, so
 * that it keeps its share of a run however the vCPUs are shared out.
 */
static void *lifecycle_main(void *p)
{
	struct helper *h = p;
	unsigned long next = recreate_every, next_churn = 0;

	while (!atomic_load(&g.stop)) {
		if (recreate_every && !g.collide &&
		    atomic_load(&g.ops) >= next) {
			recreate(&h->tally);
			next += recreate_every;
		}
		if (g.churn_target && atomic_load(&g.worker_ops) >= next_churn) {
			churn_step(h);
			next_churn += churn_every;
		} else {
			nap_ms(g.churn_target ? 2 : 10);
		}
	}
	times_merge();
	return NULL;
}

/*
 * Destroys and frees the ids the churn session hands out next, while a
 * DOMAIN_CREATE or BUF_ALLOC of it is under way (and only then: calls
 * that meet nothing would only pad the count).
 */
static void *sniper_main(void *p)
{
	struct helper *h = p;
	union arg a = { 0 };

	int fired = 0, busy, last = 0;

	while (!atomic_load(&g.stop)) {
		uint32_t id = (uint32_t)rng_below(&h->r, 3);

		/* A few shots at each call under way. */
		busy = atomic_load(&g.churn_busy);
		if (busy != last)
			fired = 0;
		last = busy;
		if (!(busy & 1) || fired++ >= 4) {
			churn_wait(busy);
			continue;
		}

		switch (rng_below(&h->r, 4)) {
		case 0:
			a.destroy = (struct iommu_stress_domain_destroy){
				.size = sizeof(a.destroy), .domain_id = id,
			};
			io(&h->tally, CHURN_FD, IOMMU_STRESS_DOMAIN_DESTROY, &a);
			break;
		case 1:
			a.bfree = (struct iommu_stress_buf_free){
				.size = sizeof(a.bfree), .buf_id = id,
			};
			io(&h->tally, CHURN_FD, IOMMU_STRESS_BUF_FREE, &a);
			break;
		case 2:
			a.i2p = (struct iommu_stress_iova_to_phys){
				.size = sizeof(a.i2p), .domain_id = id,
				.iova = SZ_4G + rng_below(&h->r, 512) * SZ_4K,
			};
			io(&h->tally, CHURN_FD, IOMMU_STRESS_IOVA_TO_PHYS, &a);
			break;
		default:
			a.unmap = (struct iommu_stress_unmap){
				.size = sizeof(a.unmap), .domain_id = id,
				.iova = SZ_4G, .length = SZ_2M,
			};
			io(&h->tally, CHURN_FD, IOMMU_STRESS_UNMAP, &a);
			break;
		}
	}
	times_merge();
	return NULL;
}

/* ---- the collider: a second session's range over a DMA-API page ---- */

static int collide_fd = -1;
static struct iommu_stress_domain_create collide_dom;
static struct iommu_stress_buf_alloc collide_buf;

/*
 * Maps pages of the 2M block that holds the workers' bounce page (the
 * DMA API's, which this session did not map) and unmaps around it: MAP
 * and DMA of that page must be refused (EADDRINUSE, EACCES); a page of
 * its own it mapped must unmap.
 */
static void collider_step(struct helper *h)
{
	uint64_t win = g.dom.window_iova & ~(SZ_4K - 1);
	uint64_t lo = collide_dom.range_start;
	uint64_t iova = rng_below(&h->r, 4) ? win : lo + rng_below(&h->r, SZ_2M / SZ_4K) * SZ_4K;
	union arg a = { 0 };
	int err;

	a.map = (struct iommu_stress_map){
		.size = sizeof(a.map), .domain_id = collide_dom.domain_id,
		.buf_id = collide_buf.buf_id, .iova = iova, .length = SZ_4K,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	err = io(&h->tally, collide_fd, IOMMU_STRESS_MAP, &a);
	if (iova == win && err != EADDRINUSE)
		report(&nwrong, "collide", "MAP over the DMA-API page %#llx answered %s, not EADDRINUSE",
		       (unsigned long long)win, ktest_errname(err));
	a.dma = (struct iommu_stress_dma){
		.size = sizeof(a.dma), .domain_id = collide_dom.domain_id,
		.dir = rng_below(&h->r, 2) ? IOMMU_STRESS_DMA_WRITE : IOMMU_STRESS_DMA_READ,
		.iova = win, .length = g.max_dma, .buf_id = collide_buf.buf_id,
	};
	/* Reads of what the session did not map are refused unless allowed. */
	if (a.dma.dir == IOMMU_STRESS_DMA_WRITE ||
	    !(collide_dom.out_flags & IOMMU_STRESS_DOMAIN_UNMAPPED_READS)) {
		int derr = io(&h->tally, collide_fd, IOMMU_STRESS_DMA, &a);

		if (derr != EACCES)
			report(&nwrong, "collide", "DMA at the DMA-API page %#llx answered %s, status %u, not EACCES",
			       (unsigned long long)win, ktest_errname(derr), a.dma.status);
	}
	if (err)
		return;
	/* Around the DMA-API page too, where the range allows. */
	a.unmap = (struct iommu_stress_unmap){
		.size = sizeof(a.unmap), .domain_id = collide_dom.domain_id,
		.iova = iova < win ? iova : win, .length = (iova < win ? win - iova : iova - win) + SZ_4K,
	};
	io(&h->tally, collide_fd, IOMMU_STRESS_UNMAP, &a);
	a.unmap = (struct iommu_stress_unmap){
		.size = sizeof(a.unmap), .domain_id = collide_dom.domain_id,
		.iova = iova, .length = SZ_4K,
	};
	err = io(&h->tally, collide_fd, IOMMU_STRESS_UNMAP, &a);
	if (err && err != ENOENT)
		report(&nwrong, "collide", "UNMAP of its own page %#llx answered %s",
		       (unsigned long long)iova, ktest_errname(err));
}

static void *collider_main(void *p)
{
	struct helper *h = p;

	while (!atomic_load(&g.stop))
		collider_step(h);
	times_merge();
	return NULL;
}

static int collider_setup(struct contract_tally *t)
{
	uint64_t lo = g.dom.window_iova & ~(SZ_2M - 1);
	int err;

	if (lo < SZ_4G) {
		ktest_log("the bounce page is at %#llx: boot with iommu.forcedac=1",
			  (unsigned long long)g.dom.window_iova);
		return EINVAL;
	}
	collide_fd = mod_open();
	if (collide_fd < 0)
		return errno;
	memset(&collide_dom, 0, sizeof(collide_dom));
	collide_dom.size = sizeof(collide_dom);
	snprintf(collide_dom.target, sizeof(collide_dom.target), "%s", g.collide);
	collide_dom.range_start = lo;
	collide_dom.range_last = lo + SZ_2M - 1;
	err = io(t, collide_fd, IOMMU_STRESS_DOMAIN_CREATE, &collide_dom);
	if (err)
		return err;
	collide_buf = (struct iommu_stress_buf_alloc){
		.size = sizeof(collide_buf), .length = 16 * SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	return io(t, collide_fd, IOMMU_STRESS_BUF_ALLOC, &collide_buf);
}

/* ---- the run ---- */

static struct worker workers[MAX_WORKERS];
static const char *opt_target;

/* Pages of @b that do not hold what they must: their own signature. */
static unsigned long clobbered(const struct tbuf *b, int any_of_ours)
{
	unsigned char want[SZ_4K];
	unsigned long n = 0;

	if (!b->mem)
		return 0;
	for (uint64_t p = 0; p < b->len / SZ_4K; p++) {
		const unsigned char *page = b->mem + p * SZ_4K;

		if (any_of_ours) {
			/* DMA writes there move g.max_dma bytes of a page. */
			n += !ours_or_zero(page, g.max_dma);
		} else {
			sig_fill(want, sig_head(b->token, (uint32_t)p));
			n += !!memcmp(page, want, SZ_4K);
		}
	}
	return n;
}

/* A new session on the target maps, reads right, unmaps, reads nothing. */
static int fresh_session_reads(struct contract_tally *t)
{
	struct iommu_stress_domain_create d;
	struct tbuf b, rd;
	union arg a = { 0 };
	uint64_t iova;
	int fd = mod_open(), err, tries = 0;

	if (fd < 0)
		return errno;
	while ((err = create(t, fd, g.target, &d)) == EBUSY && tries++ < 1000)
		nap_ms(5);
	if (!err)
		err = buf_alloc(t, fd, &b, SZ_2M, IOMMU_STRESS_CHUNK_2M, 1);
	if (!err)
		err = buf_alloc(t, fd, &rd, SZ_4K, IOMMU_STRESS_CHUNK_4K, 1);
	if (err)
		goto out;
	iova = d.out_flags & IOMMU_STRESS_DOMAIN_SHARED ?
	       (d.range_start + SZ_1G - 1) & ~(SZ_1G - 1) : SZ_4G;
	a.map = (struct iommu_stress_map){
		.size = sizeof(a.map), .domain_id = d.domain_id, .buf_id = b.id,
		.iova = iova, .length = SZ_2M,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	err = io(t, fd, IOMMU_STRESS_MAP, &a);
	for (int pass = 0; !err && pass < 2; pass++) {
		memset(rd.mem, 0xa5, SZ_4K);
		a.dma = (struct iommu_stress_dma){
			.size = sizeof(a.dma), .domain_id = d.domain_id,
			.dir = IOMMU_STRESS_DMA_READ, .iova = iova + 3 * SZ_4K,
			.length = g.max_dma, .buf_id = rd.id,
		};
		err = io(t, fd, IOMMU_STRESS_DMA, &a);
		if (pass == 0) {
			if (!err)
				err = a.dma.status ? (int)a.dma.status :
				      memcmp(rd.mem, b.mem + 3 * SZ_4K, g.max_dma) ? EIO : 0;
			a.unmap = (struct iommu_stress_unmap){
				.size = sizeof(a.unmap), .domain_id = d.domain_id,
				.iova = iova, .length = SZ_2M,
			};
			if (!err)
				err = io(t, fd, IOMMU_STRESS_UNMAP, &a);
		} else if (d.out_flags & IOMMU_STRESS_DOMAIN_SHARED) {
			err = err == EACCES ? 0 : EIO;
		} else if (!err) {
			err = a.dma.status ? (int)a.dma.status :
			      all_zero(rd.mem, g.max_dma) ? 0 : EIO;
		}
	}
	buf_unmap(&b);
	buf_unmap(&rd);
out:
	mod_close(fd);
	return err;
}

/*
 * The guest's CPU time so far, busy and idle, in clock ticks (/proc/stat's
 * first line): whether the run kept the vCPUs busy or waited.
 */
static void cpu_ticks(unsigned long long *busy, unsigned long long *idle)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	*busy = *idle = 0;
	if (!f)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
		*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		*idle = v[3] + v[4];
	}
	fclose(f);
}

/* Calls in a tally (the DMA status row counts DMAs a second time). */
static unsigned long tally_total(const struct contract_tally *t)
{
	unsigned long n = 0;

	for (int r = 0; r < CONTRACT_ROWS; r++)
		for (int e = 0; e <= CONTRACT_MAX_ERRNO; e++)
			n += r == CONTRACT_ROW_STATUS ? 0 : t->n[r][e];
	return n;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * Wait for the workers, saying on standard error every progress_secs how
 * far they got: standard error is the guest's console, which the host
 * keeps even when it stops the VM before the run's end.
 */
static void wait_workers(const struct timespec *t0)
{
	const struct timespec nap = { .tv_nsec = 200 * 1000 * 1000 };
	double next = (double)progress_secs;

	while (atomic_load(&workers_done) < nworkers) {
		double s;

		nanosleep(&nap, NULL);
		s = seconds_since(t0);
		if (!progress_secs || s < next)
			continue;
		fprintf(stderr, "stateful progress: %lu ioctls (%lu the workers') in %.0f s, %.0f/s\n",
			(unsigned long)atomic_load(&g.ops),
			(unsigned long)atomic_load(&g.worker_ops), s, atomic_load(&g.ops) / s);
		next += (double)progress_secs;
	}
	for (unsigned long i = 0; i < nworkers; i++)
		pthread_join(workers[i].th, NULL);
}

TEST(stateful, "stateful fuzzer: every answer as the contract and the threads' records say, a fresh session reads right after")
{
	static struct contract_tally sum, setup, workers_sum;
	struct iommu_stress_info info = { .size = sizeof(info) };
	struct tbuf keep;
	struct timespec t0;
	unsigned long lost = 0, foreign = 0, unpinned = 0;
	char cpus[8 * MAX_WORKERS] = "";
	unsigned long long busy0, idle0, busy1, idle1;
	double secs;
	int err;

	module_up();
	g.fd = mod_open();
	ASSERT_LE(0, g.fd);
	ASSERT_ERRNO(0, io(&setup, g.fd, IOMMU_STRESS_INFO, &info));
	snprintf(g.target, sizeof(g.target), "%s",
		 opt_target ? opt_target : info.ntargets ? info.targets[0].name : "");
	g.max_dma = 4095;
	for (uint32_t i = 0; i < info.ntargets && i < IOMMU_STRESS_MAX_TARGETS; i++)
		if (!strcmp(info.targets[i].name, g.target) && info.targets[i].max_dma_len &&
		    info.targets[i].max_dma_len < g.max_dma)
			g.max_dma = info.targets[i].max_dma_len;
	ASSERT_ERRNO(0, create(&setup, g.fd, g.target, &g.dom));
	g.shared = !!(g.dom.out_flags & IOMMU_STRESS_DOMAIN_SHARED);
	g.overlap = !g.shared && info.features & IOMMU_STRESS_FEAT_MAP_OVERLAP;
	g.skip_sync = info.features & IOMMU_STRESS_FEAT_SKIP_SYNC &&
		      !(g.dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP);
	g.base = g.shared ? (g.dom.range_start + SZ_1G - 1) & ~(SZ_1G - 1) : SZ_4G;
	/* The table zone's 1G widening stays in range too. */
	ASSERT_LE(table_zone() + 2 * SZ_1G, g.dom.range_last);
	atomic_store(&g.dom_id, g.dom.domain_id);
	ASSERT_ERRNO(0, buf_alloc(&setup, g.fd, &keep, SZ_4K, IOMMU_STRESS_CHUNK_4K, 1));
	g.keep.buf_id = keep.id;
	ASSERT_ERRNO(0, keep_pages(&setup, g.dom.domain_id));
	for (unsigned long i = 0; i < nworkers; i++) {
		workers[i].id = (int)i;
		ASSERT_ERRNO(0, worker_setup(&workers[i]));
	}
	if (g.churn_target) {
		churn_reopen();
		ASSERT_ERRNO(0, create(&setup, CHURN_FD, g.churn_target, &churn_first));
		churn_reopen();
	}
	if (g.collide)
		ASSERT_ERRNO(0, collider_setup(&setup));
	TH_LOG("target %s (%s domain, page sizes %#llx), %lu workers, MAP_OVERLAP %s, SKIP_SYNC %s, churn %s, collide %s",
	       g.target, g.shared ? "shared" : "private",
	       (unsigned long long)g.dom.pgsize_bitmap, nworkers,
	       g.overlap ? "on" : "off", g.skip_sync ? "on" : "off",
	       g.churn_target ? g.churn_target : "none",
	       g.collide ? g.collide : "none");

	g.target_ops = nops;
	/* The helpers' streams are those of the threads after the workers. */
	rng_init(&lifecycle.r, seed, RNG_OPS, (unsigned int)nworkers);
	rng_init(&sniper.r, seed, RNG_OPS, (unsigned int)nworkers + 1);
	rng_init(&collider.r, seed, RNG_OPS, (unsigned int)nworkers + 2);
	cpu_ticks(&busy0, &idle0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < nworkers; i++)
		pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
	pthread_create(&lifecycle.th, NULL, lifecycle_main, &lifecycle);
	if (g.churn_target)
		pthread_create(&sniper.th, NULL, sniper_main, &sniper);
	if (g.collide)
		pthread_create(&collider.th, NULL, collider_main, &collider);
	wait_workers(&t0);
	atomic_store(&g.stop, 1);
	pthread_join(lifecycle.th, NULL);
	if (g.churn_target)
		pthread_join(sniper.th, NULL);
	if (g.collide)
		pthread_join(collider.th, NULL);
	secs = seconds_since(&t0);
	cpu_ticks(&busy1, &idle1);

	for (unsigned long i = 0; i < nworkers; i++) {
		struct worker *w = &workers[i];

		snprintf(cpus + strlen(cpus), sizeof(cpus) - strlen(cpus), " %d", w->cpu);
		unpinned += w->cpu < 0 || w->ran_on != w->cpu;
		lost += clobbered(&w->home[HB_LEAF], 0) + clobbered(&w->home[HB_SMALL], 0);
		foreign += clobbered(&w->cont[CB_LEAF], 1) + clobbered(&w->cont[CB_SMALL], 1);
		contract_add(&sum, &w->tally);
		contract_add(&workers_sum, &w->tally);
		buf_unmap(&w->home[HB_LEAF]);
		buf_unmap(&w->home[HB_SMALL]);
		buf_unmap(&w->cont[CB_LEAF]);
		buf_unmap(&w->cont[CB_SMALL]);
		buf_unmap(&w->rd);
	}
	foreign += clobbered(&keep, 1);
	buf_unmap(&keep);
	contract_add(&sum, &lifecycle.tally);
	contract_add(&sum, &sniper.tally);
	contract_add(&sum, &collider.tally);
	contract_add(&sum, &setup);
	if (collide_fd >= 0)
		mod_close(collide_fd);
	if (g.churn_target)
		mod_close(CHURN_FD);
	mod_close(g.fd);
	err = fresh_session_reads(&sum);

	TH_LOG("stateful: %lu ioctls in %.1f s (%.0f/s), %lu workers, seed %lu, %u distinct outcomes",
	       (unsigned long)atomic_load(&g.ops), secs, atomic_load(&g.ops) / secs,
	       nworkers, seed, contract_distinct(&sum));
	TH_LOG("ioctls by the workers %lu, the lifecycle thread %lu, the sniper %lu, the collider %lu",
	       tally_total(&workers_sum), tally_total(&lifecycle.tally),
	       tally_total(&sniper.tally), tally_total(&collider.tally));
	TH_LOG("workers pinned to CPUs%s of %d online, %lu not pinned or run elsewhere",
	       cpus, (int)sysconf(_SC_NPROCESSORS_ONLN), unpinned);
	TH_LOG("domain replaced %lu times; MAP_OVERLAP %lu mapped, %lu refused",
	       atomic_load(&g.epoch) / 2, atomic_load(&overlaps_mapped),
	       atomic_load(&overlaps_refused));
	contract_print(&sum);
	times_merge();
	times_print();
	if (busy1 + idle1 > busy0 + idle0)
		TH_LOG("guest CPUs during the run: %.0f%% busy, %.0f%% idle",
		       100.0 * (busy1 - busy0) / (busy1 + idle1 - busy0 - idle0),
		       100.0 * (idle1 - idle0) / (busy1 + idle1 - busy0 - idle0));
	TH_LOG("violations of the contract %lu, answers against the records %lu, own pages changed %lu, foreign pages %lu",
	       nviolations, nwrong, lost, foreign);
	EXPECT_EQ(0ul, nviolations);
	EXPECT_EQ(0ul, nwrong);
	EXPECT_EQ(0ul, lost);
	EXPECT_EQ(0ul, foreign);
	EXPECT_EQ(0ul, unpinned);
	EXPECT_ERRNO(0, err);
	EXPECT_LE(nops, (unsigned long)atomic_load(&g.ops));
	module_down();
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (!strcmp(o, "--threads"))
			nworkers = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--ops"))
			nops = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--seed"))
			seed = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--target"))
			opt_target = v;
		else if (!strcmp(o, "--churn-target"))
			g.churn_target = v;
		else if (!strcmp(o, "--collide"))
			g.collide = v;
		else if (!strcmp(o, "--dma-every"))
			dma_every = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--recreate-every"))
			recreate_every = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--churn-every"))
			churn_every = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--mutate-percent"))
			mutate_percent = strtoul(v, NULL, 0);
		else if (!strcmp(o, "--progress"))
			progress_secs = strtoul(v, NULL, 0);
		else {
			fprintf(stderr, "hardening-stateful: unknown option %s\n", o);
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS || !dma_every) {
		fprintf(stderr, "hardening-stateful: --threads 1..%d, --dma-every 1 or more\n",
			MAX_WORKERS);
		return 2;
	}
	/* A million calls take many minutes in the VM: no limit but the VM's. */
	ktest_timeout = 0;
	return ktest_run(0, NULL);
}
