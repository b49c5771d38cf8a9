// SPDX-License-Identifier: GPL-2.0
/*
 * Races between two ioctls of one session, each made certain: a test
 * build of the module (ISTRESS_UNSAFE_TESTS) sleeps at a named point
 * (unsafe_race_<point>_ms), and a second thread calls into that window.
 * Each case states what a correct module does there; a module with the
 * race answers otherwise, or touches freed memory, which the guest's
 * slub_debug and page_poison report (and the VM harness fails the run).
 *
 * Usage: hardening-races [CASE...]     all cases when none is given
 *        hardening-races chan-unbind CHANNEL PCI-ADDRESS
 *        (a channel of the istress_edu_dma provider and its edu device)
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

#define WINDOW_MS	400	/* how long the module sleeps in the window */
#define ENTER_MS	100	/* when the second call comes, inside it */

static const char *chan_name, *chan_pci;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens the window at @point (ms 0 closes it). */
static int window(const char *point, unsigned int ms)
{
	char path[128], val[16];

	snprintf(path, sizeof(path),
		 "/sys/module/iommu_stress/parameters/unsafe_race_%s_ms", point);
	snprintf(val, sizeof(val), "%u", ms);
	return sysfs_write(path, val);
}

/* 1 mapped, 0 not, or -errno. */
static int walk(struct sess *s, uint64_t iova)
{
	struct iommu_stress_iova_to_phys p = {
		.size = sizeof(p), .domain_id = s->dom.domain_id, .iova = iova,
	};
	int err = call(s->fd, IOMMU_STRESS_IOVA_TO_PHYS, &p);

	return err ? -err : !!(p.out_flags & IOMMU_STRESS_I2P_MAPPED);
}

/*
 * The record and the page table agree on @iova: where the driver
 * translates, an UNMAP finds a record; where it does not, none.
 */
static int agrees(struct sess *s, uint64_t iova, uint64_t len)
{
	int mapped = walk(s, iova), err;

	if (mapped < 0)
		return -mapped;
	err = unmap(s, iova, len, 0);
	if (mapped)
		return err ? err : 0;
	return err == ENOENT ? 0 : EEXIST;
}

/*
 * The first call, on a thread of its own: it sleeps in the module's
 * window while the main thread makes the second.
 */
struct first_call {
	pthread_t th;
	struct sess *s;
	uint64_t iova, len;
	uint64_t unmapped;	/* what the driver said it unmapped */
	int err;
	int (*fn)(struct first_call *c);
};

static void *first_thread(void *p)
{
	struct first_call *c = p;

	c->err = c->fn(c);
	return NULL;
}

static int first_unmap(struct first_call *c)
{
	struct iommu_stress_unmap u = {
		.size = sizeof(u), .domain_id = c->s->dom.domain_id,
		.iova = c->iova, .length = c->len,
	};
	int err = call(c->s->fd, IOMMU_STRESS_UNMAP, &u);

	c->unmapped = u.unmapped;
	return err;
}

static void first_start(struct first_call *c)
{
	pthread_create(&c->th, NULL, first_thread, c);
	sleep_ms(ENTER_MS);
}

/* Waits for the first call; ETIMEDOUT if it never came back. */
static int first_join(struct first_call *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 30;
	return pthread_timedjoin_np(c->th, NULL, &ts);
}

static int report(const char *what, int got, int want)
{
	if (got == want)
		return 0;
	printf("# %s: %s, expected %s\n", what, errname(got), errname(want));
	return got ? got : EPROTO;
}

/*
 * An UNMAP of [1M, 3M) is in flight over a mapping at [1M, 2M) and a gap
 * at [2M, 3M). A MAP_OVERLAP into the gap must wait (EBUSY) like any MAP:
 * the driver is unmapping it, and the UNMAP would take the new record.
 */
static int case_overlap_in_unmap(void)
{
	struct first_call a = { .fn = first_unmap, .iova = SZ_1M, .len = 2 * SZ_1M };
	struct sess s;
	int err = sess_open(&s), b;

	if (!err)
		err = map(&s, SZ_1M, 0, SZ_1M, 0);
	if (err)
		return err;
	a.s = &s;
	/* MAP_OVERLAP is off unless the module is told drivers may WARN. */
	sysfs_write("/sys/module/iommu_stress/parameters/driver_warns", "1");
	window("unmap", WINDOW_MS);
	/* Were the MAP let in, it would still be in the driver afterwards. */
	window("map", WINDOW_MS);
	first_start(&a);
	b = map(&s, 2 * SZ_1M, 2 * SZ_2M, SZ_1M, IOMMU_STRESS_MAP_OVERLAP);
	err = first_join(&a);
	window("unmap", 0);
	window("map", 0);
	sysfs_write("/sys/module/iommu_stress/parameters/driver_warns", "0");
	if (!err)
		err = report("UNMAP [1M, 3M)", a.err, 0);
	if (!err)
		err = report("MAP_OVERLAP [2M, 3M) inside it", b, EBUSY);
	if (!err)
		err = agrees(&s, 2 * SZ_1M, SZ_1M);
	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, 0x3000, 0x3000, NULL);
	sess_close(&s);
	return err;
}

/*
 * Two UNMAPs over mappings of their own whose ranges share a gap with an
 * empty page table under it: only one may take the gap to the driver.
 */
static int case_unmaps_share_gap(void)
{
	struct first_call a = { .fn = first_unmap, .iova = 0, .len = 2 * SZ_2M };
	struct sess s;
	int err = sess_open(&s), b;

	/* A 4K table for [2M, 4M), emptied again. */
	if (!err)
		err = map(&s, SZ_2M, 0, SZ_4K, 0);
	if (!err)
		err = unmap(&s, SZ_2M, SZ_4K, 0);
	if (!err)
		err = map(&s, 0, 0, SZ_4K, 0);
	if (!err)
		err = map(&s, 3 * SZ_2M, SZ_2M, SZ_4K, 0);
	if (err)
		return err;
	a.s = &s;
	window("unmap", WINDOW_MS);
	first_start(&a);
	b = unmap(&s, SZ_2M, 2 * SZ_2M + SZ_4K, 0);
	err = first_join(&a);
	window("unmap", 0);
	if (!err)
		err = report("UNMAP [0, 4M)", a.err, 0);
	if (!err)
		err = report("UNMAP [2M, 6M + 4K) sharing its gap", b, EBUSY);
	/* The second one's mapping is still there, and still right. */
	if (!err)
		err = dma_check(&s, 3 * SZ_2M, SZ_2M, NULL);
	if (!err)
		err = unmap(&s, SZ_2M, 2 * SZ_2M + SZ_4K, 0);
	if (!err)
		err = agrees(&s, 0, SZ_4K);
	sess_close(&s);
	return err;
}

/*
 * IOVA_TO_PHYS of an IOVA an UNMAP is working on walks tables the driver
 * is freeing: it must wait for the UNMAP and then say "not mapped".
 */
static int case_walk_in_unmap(void)
{
	struct first_call a = { .fn = first_unmap, .iova = 0, .len = SZ_2M };
	struct sess s;
	long t0, waited;
	int err = sess_open(&s), b;

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (err)
		return err;
	a.s = &s;
	window("unmap", WINDOW_MS);
	first_start(&a);
	t0 = now_ms();
	b = walk(&s, 0x1000);
	waited = now_ms() - t0;
	err = first_join(&a);
	window("unmap", 0);
	if (!err)
		err = report("UNMAP [0, 2M)", a.err, 0);
	if (!err && b != 0) {
		printf("# IOVA_TO_PHYS inside the UNMAP: %s after %ld ms, expected 'not mapped' after it\n",
		       b < 0 ? errname(-b) : "mapped", waited);
		err = EPROTO;
	}
	sess_close(&s);
	return err;
}

static int first_map(struct first_call *c)
{
	return map(c->s, c->iova, 0, c->len, 0);
}

/*
 * A 2M MAP over an emptied 4K table: the driver frees that table as it
 * installs the superpage. A walk there must wait for the MAP, then see it.
 */
static int case_walk_in_map(void)
{
	struct first_call a = { .fn = first_map, .iova = 4 * SZ_2M, .len = SZ_2M };
	struct sess s;
	int err = sess_open(&s), b;

	if (!err)
		err = map(&s, 4 * SZ_2M, 0, SZ_4K, 0);
	if (!err)
		err = unmap(&s, 4 * SZ_2M, SZ_4K, 0);
	if (err)
		return err;
	a.s = &s;
	window("map", WINDOW_MS);
	first_start(&a);
	b = walk(&s, 4 * SZ_2M + SZ_4K);
	err = first_join(&a);
	window("map", 0);
	if (!err)
		err = report("MAP [8M, 10M)", a.err, 0);
	if (!err && b != 1) {
		printf("# IOVA_TO_PHYS inside the MAP: %s, expected 'mapped' once it is done\n",
		       b < 0 ? errname(-b) : "not mapped");
		err = EPROTO;
	}
	if (!err)
		err = dma_check(&s, 4 * SZ_2M + SZ_4K, SZ_4K, NULL);
	sess_close(&s);
	return err;
}

/*
 * An UNMAP of 4K inside a 2M leaf reaches past its range: Intel's driver
 * (before the generic page table) clears a leaf's size from the start it
 * is given, so [4K, 2M + 4K) here. A MAP at 2M meanwhile must wait.
 */
static int case_unmap_reach(void)
{
	struct first_call a = { .fn = first_unmap, .iova = SZ_4K, .len = SZ_4K };
	struct sess s;
	int err = sess_open(&s), b;

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (err)
		return err;
	a.s = &s;
	window("unmap", WINDOW_MS);
	first_start(&a);
	b = map(&s, SZ_2M, SZ_2M, SZ_2M, 0);
	err = first_join(&a);
	window("unmap", 0);
	if (!err)
		err = report("UNMAP [4K, 8K) inside a 2M leaf", a.err, 0);
	if (!err)
		err = report("MAP [2M, 4M) within the leaf's reach", b, EBUSY);
	/* Whatever the driver took, the record agrees with the table. */
	for (uint64_t iova = 0; !err && iova < SZ_2M; iova += SZ_1M / 2)
		if (walk(&s, iova) == 1)
			err = unmap(&s, iova, SZ_4K, 0);
	if (!err)
		err = map(&s, SZ_2M, SZ_2M, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, SZ_2M + SZ_4K, SZ_2M + SZ_4K, NULL);
	sess_close(&s);
	return err;
}

/*
 * An UNMAP that starts in a gap: Intel's driver (before the generic page
 * table) stops its walk at the empty 1G-level entry and clears 1G from
 * the start, [1G - 4K, 2G - 4K) here. A MAP at 1G + 2M meanwhile must
 * wait, or the UNMAP takes it with it.
 */
static int case_unmap_gap_reach(void)
{
	struct first_call a = { .fn = first_unmap, .iova = SZ_1G - SZ_4K, .len = 2 * SZ_4K };
	struct sess s;
	int err = sess_open(&s), b;

	if (!err)
		err = map(&s, SZ_1G, 0, SZ_4K, 0);
	if (err)
		return err;
	a.s = &s;
	window("unmap", WINDOW_MS);
	first_start(&a);
	b = map(&s, SZ_1G + SZ_2M, SZ_2M, SZ_2M, 0);
	err = first_join(&a);
	window("unmap", 0);
	printf("# UNMAP [1G - 4K, 1G + 4K): the driver unmapped %#llx bytes\n",
	       (unsigned long long)a.unmapped);
	if (!err)
		err = report("UNMAP [1G - 4K, 1G + 4K)", a.err, 0);
	if (!err)
		err = report("MAP [1G + 2M, 1G + 4M) within its reach", b, EBUSY);
	if (!err)
		err = map(&s, SZ_1G + SZ_2M, SZ_2M, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, SZ_1G + SZ_2M + SZ_4K, SZ_2M + SZ_4K, NULL);
	sess_close(&s);
	return err;
}

/*
 * The same reach through the core's splitting: UNMAP [2G - 2M, 2G + 2M +
 * 8K) over a 4K mapping at 2G - 2M unmaps 2M pieces first, then meets the
 * empty 1G entry at 2G + 2M and clears 1G from there. A MAP at 3G, past
 * the 1G block around the range's end, must wait all the same.
 */
static int case_unmap_split_reach(void)
{
	struct first_call a = { .fn = first_unmap, .iova = 2 * SZ_1G - SZ_2M,
				.len = 2 * SZ_2M + 2 * SZ_4K };
	struct sess s;
	int err = sess_open(&s), b;

	if (!err)
		err = map(&s, 2 * SZ_1G - SZ_2M, 0, SZ_4K, 0);
	if (err)
		return err;
	a.s = &s;
	window("unmap", WINDOW_MS);
	first_start(&a);
	b = map(&s, 3 * SZ_1G, SZ_2M, SZ_2M, 0);
	err = first_join(&a);
	window("unmap", 0);
	printf("# UNMAP [2G - 2M, 2G + 2M + 8K): the driver unmapped %#llx bytes\n",
	       (unsigned long long)a.unmapped);
	if (!err)
		err = report("UNMAP [2G - 2M, 2G + 2M + 8K)", a.err, 0);
	if (!err)
		err = report("MAP [3G, 3G + 2M) within its reach", b, EBUSY);
	if (!err)
		err = map(&s, 3 * SZ_1G, SZ_2M, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, 3 * SZ_1G + SZ_4K, SZ_2M + SZ_4K, NULL);
	sess_close(&s);
	return err;
}

static int first_create(struct first_call *c)
{
	char target[IOMMU_STRESS_NAME_LEN];
	int err = edu_target(c->s->fd, target);

	return err ? err : create(c->s, target);
}

/*
 * A DOMAIN_DESTROY of the id a DOMAIN_CREATE is about to hand out, while
 * that CREATE is still on its way out: the id names nothing until the
 * answer is back (ENOENT), and the answer describes the domain it made.
 */
static int case_create_destroy(void)
{
	struct iommu_stress_domain_destroy dd = { .size = sizeof(dd) };
	struct sess s = { .fd = open(IOMMU_STRESS_DEVICE, O_RDWR) };
	struct first_call a = { .fn = first_create, .s = &s };
	int err, b;

	if (s.fd < 0)
		return errno;
	window("create", WINDOW_MS);
	first_start(&a);
	dd.domain_id = 0;	/* ids are handed out from 0 in each session */
	b = call(s.fd, IOMMU_STRESS_DOMAIN_DESTROY, &dd);
	err = first_join(&a);
	window("create", 0);
	if (!err)
		err = report("DOMAIN_CREATE", a.err, 0);
	if (!err)
		err = report("DOMAIN_DESTROY of its id, not yet answered", b, ENOENT);
	if (!err && (s.dom.domain_id != 0 || !(s.dom.pgsize_bitmap & SZ_4K) ||
		     strncmp(s.dom.target, "edu:", 4))) {
		printf("# DOMAIN_CREATE answered id %u, page sizes %#llx, target '%.20s'\n",
		       s.dom.domain_id, (unsigned long long)s.dom.pgsize_bitmap,
		       s.dom.target);
		err = EPROTO;
	}
	close(s.fd);
	/* The target was let go: a new session attaches and reads right. */
	if (!err)
		err = sess_open(&s);
	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, 0x5000, 0x5000, NULL);
	sess_close(&s);
	return err;
}

static int first_alloc(struct first_call *c)
{
	return alloc(c->s, &c->s->buf, 16 * SZ_4K, IOMMU_STRESS_CHUNK_4K);
}

/*
 * A BUF_FREE of the id a BUF_ALLOC is about to hand out: the id names
 * nothing until the answer is back (ENOENT), and the answer (its mmap
 * offset) is the buffer's own.
 */
static int case_alloc_free(void)
{
	struct iommu_stress_buf_free f = { .size = sizeof(f) };
	struct sess s = { .fd = open(IOMMU_STRESS_DEVICE, O_RDWR) };
	struct first_call a = { .fn = first_alloc, .s = &s };
	int err, b;

	if (s.fd < 0)
		return errno;
	/* One page first: the next buffer's mmap offset is then 4K. */
	err = alloc(&s, &s.rd, SZ_4K, IOMMU_STRESS_CHUNK_4K);
	if (err)
		return err;
	window("buf_alloc", WINDOW_MS);
	first_start(&a);
	f.buf_id = s.rd.buf_id + 1;
	b = call(s.fd, IOMMU_STRESS_BUF_FREE, &f);
	err = first_join(&a);
	window("buf_alloc", 0);
	if (!err)
		err = report("BUF_ALLOC", a.err, 0);
	if (!err)
		err = report("BUF_FREE of its id, not yet answered", b, ENOENT);
	if (!err && (s.buf.buf_id != f.buf_id || s.buf.mmap_offset != SZ_4K)) {
		printf("# BUF_ALLOC answered id %u, mmap offset %#llx; expected %u, 0x1000\n",
		       s.buf.buf_id, (unsigned long long)s.buf.mmap_offset,
		       f.buf_id);
		err = EPROTO;
	}
	close(s.fd);
	return err;
}

static int first_chan(struct first_call *c)
{
	return create(c->s, chan_name);
}

/*
 * The channel's provider is unbound while DOMAIN_CREATE is taking the
 * channel: the notifier gives the channel back at once, and the CREATE
 * must see that (ENODEV), never use the channel it no longer holds.
 */
static int case_chan_unbind(void)
{
	struct sess s = { .fd = open(IOMMU_STRESS_DEVICE, O_RDWR) };
	struct first_call a = { .fn = first_chan, .s = &s };
	int err, b;

	if (!chan_name || !chan_pci)
		return EINVAL;
	if (s.fd < 0)
		return errno;
	window("chan_take", WINDOW_MS);
	first_start(&a);
	b = sysfs_write("/sys/bus/pci/drivers/istress_edu_dma/unbind", chan_pci);
	err = first_join(&a);
	window("chan_take", 0);
	if (!err)
		err = report("unbind of the provider", b, 0);
	if (!err)
		err = report("DOMAIN_CREATE of its channel", a.err, ENODEV);
	close(s.fd);
	return err;
}

static const struct {
	const char *name;
	const char *desc;
	int (*run)(void);
} cases[] = {
	{ "overlap-in-unmap", "MAP_OVERLAP into the gap of an UNMAP in flight waits (EBUSY)", case_overlap_in_unmap },
	{ "unmaps-share-gap", "two UNMAPs sharing a gap: the second waits (EBUSY)", case_unmaps_share_gap },
	{ "walk-in-unmap", "IOVA_TO_PHYS inside an UNMAP in flight waits for it", case_walk_in_unmap },
	{ "walk-in-map", "IOVA_TO_PHYS inside a MAP that frees a table waits for it", case_walk_in_map },
	{ "unmap-reach", "a MAP where an UNMAP's driver call reaches past its range waits (EBUSY)", case_unmap_reach },
	{ "unmap-gap-reach", "a MAP where an UNMAP starting in a gap reaches (1G on Intel) waits (EBUSY)", case_unmap_gap_reach },
	{ "unmap-split-reach", "a MAP where a split UNMAP's last step reaches (1G past a 2M piece) waits (EBUSY)", case_unmap_split_reach },
	{ "create-destroy", "DOMAIN_DESTROY of a DOMAIN_CREATE on its way out", case_create_destroy },
	{ "alloc-free", "BUF_FREE of a BUF_ALLOC on its way out", case_alloc_free },
	{ "chan-unbind", "the provider unbound while DOMAIN_CREATE takes its channel", case_chan_unbind },
};

int main(int argc, char **argv)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct tap t = { 0 };
	int all = argc == 1;

	if (argc == 4 && !strcmp(argv[1], "chan-unbind")) {
		chan_name = argv[2];
		chan_pci = argv[3];
	}
	printf("TAP version 13\n");
	for (size_t i = 0; i < ncases; i++) {
		int err;

		if (!all && strcmp(argv[1], cases[i].name))
			continue;
		/* The channel case needs its channel named. */
		if (all && cases[i].run == case_chan_unbind)
			continue;
		err = cases[i].run();
		tap_check(&t, !err, " (%s)", cases[i].desc, err ? errname(err) : "ok");
	}
	return tap_finish(&t);
}
