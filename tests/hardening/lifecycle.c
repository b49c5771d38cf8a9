// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle cases: sessions that die with work in flight, many threads on
 * one fd, fork, the device vanishing under a session, a DMA that times
 * out. Each case ends by proving the target is usable again (a new
 * session can attach and read the right data), so a leak or a stuck
 * attachment fails the case; the VM harness fails the whole run on any
 * WARN, BUG or poison report in the guest log.
 *
 * Usage: hardening-lifecycle CASE...   (all cases when none is given)
 *        hardening-lifecycle hold SECONDS   (keep a session open)
 * CASE is a test's name: threads, kill, fork, close-busy, remove, efault,
 * batch-close, bench-close, batch-remove, bench-remove, batch-rmmod,
 * timeout (it costs the device until it is re-probed: run it last).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

#define TIMEOUT_PARAM	"/sys/module/iommu_stress/parameters/dma_timeout_ms"

/* A fresh session attaches and reads the right data: nothing leaked. */
static int target_usable(void)
{
	struct sess s;
	int err = sess_open(&s);

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, 0x3000, 0x3000, NULL);
	sess_close(&s);
	return err;
}

static volatile int stop;

struct worker {
	struct sess *s;
	int id;
	unsigned long ops;
	int bad;	/* an errno no valid interleaving can produce */
};

/*
 * SKIP_SYNC where the domain takes it; where the driver flushes inside its
 * unmap (5.10's intel) UNMAP refuses it, and a plain unmap is what's left.
 */
static uint32_t skip_sync(const struct sess *s)
{
	return s->dom.out_flags & IOMMU_STRESS_DOMAIN_SYNC_IN_UNMAP ?
	       0 : IOMMU_STRESS_UNMAP_SKIP_SYNC;
}

/* Maps, DMA-checks and unmaps its own 2M slot, skip-sync every other time. */
static void *map_worker(void *p)
{
	struct worker *w = p;
	uint64_t iova = 0x10000000ull + (uint64_t)w->id * SZ_2M;
	int err;

	while (!stop) {
		err = map(w->s, iova, (uint64_t)(w->id % 4) * SZ_2M, SZ_2M, 0);
		if (!err)
			err = unmap(w->s, iova, SZ_2M,
				    w->ops & 1 ? skip_sync(w->s) : 0);
		/* Once the domain is destroyed, ENOENT is the answer. */
		if (err == ENOENT)
			break;
		if (err)
			w->bad = err;
		w->ops++;
	}
	return NULL;
}

static void *dma_worker(void *p)
{
	struct worker *w = p;
	uint32_t status;
	int err;

	while (!stop) {
		err = dma_check(w->s, 0x4000, 0x4000, &status);
		if (err == ENOENT)
			break;
		if (err)
			w->bad = err;
		w->ops++;
	}
	return NULL;
}

/* Wait (virtual time is cheap) for the rescanned device to be bound. */
static int wait_target(void)
{
	for (int i = 0; i < 50; i++) {
		struct iommu_stress_info info;
		int fd = open(IOMMU_STRESS_DEVICE, O_RDWR);
		const char *t = fd >= 0 ? first_target(fd, &info) : NULL;

		if (fd >= 0)
			close(fd);
		if (t)
			return 0;
		sleep_ms(100);
	}
	return ENODEV;
}

/*
 * BATCH and BENCH with another thread's close, device removal or rmmod
 * coming while they run. A BATCH of DMAs is long on its own (edu takes
 * 100 ms of guest time a transfer), and BENCH of 2^21 ops some seconds of
 * it, so no test-build window is needed to hold them in flight.
 */
#define LONG_OPS	64
#define NOT_RUN		0x7eadbeef	/* no op answers this */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct long_call {
	pthread_t th;
	int fd;			/* the session's, kept past its close */
	unsigned long cmd;
	struct iommu_stress_batch_op ops[LONG_OPS];
	struct iommu_stress_batch batch;
	struct iommu_stress_bench bench;
	uint32_t rounds;	/* the BENCH's */
	int err;
	long end_ms;
};

/* MAP [2M, 4M), then DMA reads of it: the batch leaves a mapping behind. */
static void long_batch(struct long_call *c, const struct sess *s)
{
	struct iommu_stress_map m = {
		.size = sizeof(m), .domain_id = s->dom.domain_id,
		.buf_id = s->buf.buf_id, .iova = SZ_2M, .offset = SZ_2M,
		.length = SZ_2M,
		.prot = IOMMU_STRESS_PROT_READ | IOMMU_STRESS_PROT_WRITE,
	};
	struct iommu_stress_dma d = {
		.size = sizeof(d), .domain_id = s->dom.domain_id,
		.dir = IOMMU_STRESS_DMA_READ, .iova = SZ_2M, .length = 4095,
		.buf_id = s->rd.buf_id,
	};

	memset(c->ops, 0, sizeof(c->ops));
	for (int i = 0; i < LONG_OPS; i++) {
		c->ops[i].op = i ? IOMMU_STRESS_DMA : IOMMU_STRESS_MAP;
		c->ops[i].result = NOT_RUN;
		if (i)
			memcpy(&c->ops[i].map, &d, sizeof(d));
		else
			memcpy(&c->ops[i].map, &m, sizeof(m));
	}
	c->batch = (struct iommu_stress_batch){
		.size = sizeof(c->batch), .ops = (uint64_t)(uintptr_t)c->ops,
		.nops = LONG_OPS, .op_size = sizeof(c->ops[0]),
	};
	c->fd = s->fd;
	c->cmd = IOMMU_STRESS_BATCH;
}

/*
 * Bare driver calls on [0, 8M), 2048 4K pages a round, as many rounds
 * (16 to 512) as take about 3 s of guest time, timed on 4 first: long
 * past the 300 ms after which the cases close the fd or remove the
 * device, on Debian's kernels (512 rounds, about 2 s, in 6.12) and on a
 * debug kernel alike, where a round takes tens of times longer and 512
 * of them ran past the harness's time limit.
 */
#define BENCH_PAGES	2048
#define BENCH_MS	3000

static void long_bench(struct long_call *c, const struct sess *s)
{
	struct iommu_stress_bench b = {
		.size = sizeof(b), .domain_id = s->dom.domain_id,
		.buf_id = s->buf.buf_id, .page_size = SZ_4K,
		.count = BENCH_PAGES, .rounds = 4,
	};
	long t = now_ms(), round_ms;

	c->rounds = 512;
	if (!call(s->fd, IOMMU_STRESS_BENCH, &b)) {
		round_ms = (now_ms() - t) / 4 + 1;
		c->rounds = (uint32_t)(BENCH_MS / round_ms);
		c->rounds = c->rounds < 16 ? 16 : c->rounds > 512 ? 512 : c->rounds;
	}
	b.rounds = c->rounds;
	b.map_ns = b.unmap_ns = b.ns = 0;
	b.ops = 0;
	c->bench = b;
	c->fd = s->fd;
	c->cmd = IOMMU_STRESS_BENCH;
}

static void *long_thread(void *p)
{
	struct long_call *c = p;

	if (c->cmd == IOMMU_STRESS_BATCH)
		c->err = call(c->fd, c->cmd, &c->batch);
	else
		c->err = call(c->fd, c->cmd, &c->bench);
	c->end_ms = now_ms();
	return NULL;
}

/* Starts the call and lets @ms (of guest time) of it pass. */
static void long_start(struct long_call *c, long ms)
{
	pthread_create(&c->th, NULL, long_thread, c);
	sleep_ms(ms);
}

/* Every op of the batch ran and answered 0. */
static int batch_all_done(const struct long_call *c)
{
	if (c->batch.done != LONG_OPS)
		return 0;
	for (int i = 0; i < LONG_OPS; i++)
		if (c->ops[i].result)
			return 0;
	return 1;
}

/* The sysfs file that removes the session's PCI device. */
static void remove_path(const struct sess *s, char *path, size_t len)
{
	/* "edu:0000:00:02.0" -> the PCI address. */
	snprintf(path, len, "/sys/bus/pci/devices/%s/remove",
		 strchr(s->target, ':') + 1);
}

/*
 * Every case leaves the device bound and dma_timeout_ms at its default,
 * whatever it did to them and wherever it stopped.
 */
FIXTURE(life) {
	struct sess s;
};

FIXTURE_SETUP(life)
{
	self->s.fd = -1;
}

FIXTURE_TEARDOWN(life)
{
	sess_close(&self->s);
	sysfs_write(TIMEOUT_PARAM, "5000");
	sysfs_write("/sys/bus/pci/rescan", "1");
	EXPECT_ERRNO(0, wait_target());
}

/* Threads race map/unmap/DMA on one fd while another destroys the domain. */
TEST_F(life, threads, "8 threads on one fd, domain destroyed under them")
{
	struct iommu_stress_domain_destroy dd = { .size = sizeof(dd) };
	struct sess *s = &self->s;
	pthread_t th[8];
	struct worker w[8];
	unsigned long ops = 0;
	int err;

	ASSERT_ERRNO(0, sess_open(s));
	ASSERT_ERRNO(0, map(s, 0, 0, SZ_2M, 0));
	stop = 0;
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .s = s, .id = i };
		pthread_create(&th[i], NULL, i < 6 ? map_worker : dma_worker, &w[i]);
	}
	sleep_ms(3000);
	dd.domain_id = s->dom.domain_id;
	err = call(s->fd, IOMMU_STRESS_DOMAIN_DESTROY, &dd);
	sleep_ms(200);
	stop = 1;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ops += w[i].ops;
		/* An errno no valid interleaving can produce. */
		EXPECT_ERRNO(0, w[i].bad);
	}
	sess_close(s);
	TH_LOG("threads: %lu ops on one fd, domain destroyed under them", ops);
	EXPECT_ERRNO(0, err);
	EXPECT_LT(0ul, ops);
	EXPECT_ERRNO(0, target_usable());
}

/* A session killed with DMA and skip-sync unmaps in flight. */
TEST_F(life, kill, "SIGKILL with DMA and skip-sync unmaps in flight")
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct sess s;
		pthread_t th[4];
		struct worker w[4];

		if (sess_open(&s) || map(&s, 0, 0, SZ_2M, 0))
			_exit(3);
		for (int i = 0; i < 4; i++) {
			w[i] = (struct worker){ .s = &s, .id = i };
			pthread_create(&th[i], NULL, i < 3 ? map_worker : dma_worker, &w[i]);
		}
		for (;;)
			pause();
	}
	ASSERT_LT(0, pid);
	sleep_ms(1500);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* Killed, not exited: it had its session and its threads running. */
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_ERRNO(0, target_usable());
}

/* The child inherits fd and mapping; its writes are seen by DMA. */
TEST_F(life, fork, "fork: the child's writes reach DMA, mmap outlives the fd")
{
	struct sess *s = &self->s;
	int status;
	pid_t pid;

	ASSERT_ERRNO(0, sess_open(s));
	ASSERT_ERRNO(0, map(s, 0, 0, SZ_2M, 0));
	pid = fork();
	if (pid == 0) {
		memset(s->mem, 0xc3, SZ_4K);
		_exit(dma_check(s, 0, 0, NULL) ? 1 : 0);
	}
	ASSERT_LT(0, pid);
	waitpid(pid, &status, 0);
	/* The child's DMA read back what it wrote. */
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(0xc3, s->mem[17]);
	EXPECT_ERRNO(0, dma_check(s, 0, 0, NULL));
	/* The mmap outlives the fd, and the buffer with it. */
	munmap(s->rdmem, SZ_4K);
	close(s->fd);
	s->rdmem = NULL;
	s->fd = -1;
	EXPECT_EQ(0xc3, s->mem[4095]);
	munmap(s->mem, s->buf.length);
	s->mem = NULL;
	EXPECT_ERRNO(0, target_usable());
}

/* Close with live mappings, parked skip-sync unmaps and freed buffers. */
TEST_F(life, close_busy, "close with live mappings, parked unmaps, a freed buffer")
{
	struct iommu_stress_buf_free f = { .size = sizeof(f) };
	struct sess *s = &self->s;

	ASSERT_ERRNO(0, sess_open(s));
	for (int i = 0; i < 4; i++)
		ASSERT_ERRNO(0, map(s, (uint64_t)i * SZ_2M, (uint64_t)i * SZ_2M, SZ_2M, 0));
	ASSERT_ERRNO(0, dma_check(s, SZ_2M, SZ_2M, NULL));
	for (int i = 0; i < 4; i++)
		ASSERT_ERRNO(0, unmap(s, (uint64_t)i * SZ_2M, SZ_2M, skip_sync(s)));
	/* Unmapped (unsynced): free is allowed; the pages must outlive it. */
	f.buf_id = s->buf.buf_id;
	ASSERT_ERRNO(0, call(s->fd, IOMMU_STRESS_BUF_FREE, &f));
	sess_close(s);
	EXPECT_ERRNO(0, target_usable());
}

/* The PCI device is removed while a session has a domain on it. */
TEST_F(life, remove, "PCI device removed under a session, then rescanned")
{
	struct sess *s = &self->s;
	char path[128];
	uint32_t status;

	ASSERT_ERRNO(0, sess_open(s));
	ASSERT_ERRNO(0, map(s, 0, 0, SZ_2M, 0));
	ASSERT_ERRNO(0, dma_check(s, 0, 0, NULL));
	/* "edu:0000:00:02.0" -> the PCI address. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
		 strchr(s->target, ':') + 1);
	ASSERT_ERRNO(0, sysfs_write(path, "1"));
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, ENODEV), dma_check(s, 0, 0, &status));
	/* The domain outlives its device: map and unmap still work. */
	EXPECT_ERRNO(0, unmap(s, 0, SZ_2M, 0));
	EXPECT_ERRNO(0, map(s, 0, 0, SZ_2M, 0));
	sess_close(s);
	ASSERT_ERRNO(0, sysfs_write("/sys/bus/pci/rescan", "1"));
	ASSERT_ERRNO(0, wait_target());
	EXPECT_ERRNO(0, target_usable());
}

/*
 * DOMAIN_CREATE and BUF_ALLOC whose answer cannot be copied back (the
 * argument sits on a read-only page): EFAULT, and the object is taken
 * back, since the caller could never name it.
 */
TEST_F(life, efault, "an answer that cannot be copied back takes its object back")
{
	long pg = sysconf(_SC_PAGESIZE);
	struct iommu_stress_buf_free f = { .size = sizeof(f) };
	struct iommu_stress_domain_create *dc;
	struct iommu_stress_buf_alloc *ba;
	struct sess *s = &self->s;
	unsigned char *p;

	s->fd = mod_open();
	ASSERT_LE(0, s->fd);
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	dc = (void *)p;
	ba = (void *)(p + 1024);
	ASSERT_ERRNO(0, edu_target(s->fd, s->target));
	dc->size = sizeof(*dc);
	strcpy(dc->target, s->target);
	*ba = (struct iommu_stress_buf_alloc){
		.size = sizeof(*ba), .length = SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	ASSERT_EQ(0, mprotect(p, (size_t)pg, PROT_READ));
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EFAULT), call(s->fd, IOMMU_STRESS_DOMAIN_CREATE, dc));
	EXPECT_ERRNO(ISTRESS_ERRNO(ANY, EFAULT), call(s->fd, IOMMU_STRESS_BUF_ALLOC, ba));
	/* Nothing was left: the target is free, no buffer has an id. */
	EXPECT_ERRNO(0, create(s, s->target));
	f.buf_id = 0;
	EXPECT_ERRNO(ISTRESS_ERRNO(BUF_FREE, ENOENT), call(s->fd, IOMMU_STRESS_BUF_FREE, &f));
	munmap(p, (size_t)pg);
	sess_close(s);
	EXPECT_ERRNO(0, target_usable());
}

/*
 * Another thread closes the fd and drops the mmaps while a BATCH runs:
 * the call holds the file, so it finishes undisturbed, and the session
 * is torn down as it returns, the batch's mapping with it.
 */
TEST_F(life, batch_close, "fd closed by another thread during a long BATCH")
{
	static struct long_call c;
	long closed;

	ASSERT_ERRNO(0, sess_open(&self->s));
	long_batch(&c, &self->s);
	long_start(&c, 1000);
	sess_close(&self->s);
	closed = now_ms();
	pthread_join(c.th, NULL);
	TH_LOG("batch_close: %u ops done, returned %ld ms after the close",
	       c.batch.done, c.end_ms - closed);
	/* The close came while the batch ran (10 of its 6.3 s of DMA in). */
	EXPECT_LT(closed, c.end_ms);
	EXPECT_ERRNO(0, c.err);
	EXPECT_TRUE(batch_all_done(&c));
	EXPECT_ERRNO(0, target_usable());
}

/* The same for BENCH: it finishes all its rounds, everything unmapped. */
TEST_F(life, bench_close, "fd closed by another thread during a long BENCH")
{
	static struct long_call c;
	long closed;

	ASSERT_ERRNO(0, sess_open(&self->s));
	long_bench(&c, &self->s);
	long_start(&c, 300);
	sess_close(&self->s);
	closed = now_ms();
	pthread_join(c.th, NULL);
	TH_LOG("bench_close: %u ops of %u rounds, returned %ld ms after the close",
	       c.bench.ops, c.rounds, c.end_ms - closed);
	if (c.end_ms <= closed)
		SKIP(return, "BENCH ended before the close came");
	EXPECT_ERRNO(0, c.err);
	EXPECT_EQ(2u * BENCH_PAGES * c.rounds, c.bench.ops);
	EXPECT_ERRNO(0, target_usable());
}

/*
 * The PCI device is removed while a BATCH of DMAs runs: the batch stops
 * at the first DMA op that finds the device gone (ENODEV, the rest not
 * run), and the session's domain, which outlives its device, still maps
 * and unmaps.
 */
TEST_F(life, batch_remove, "PCI device removed during a long BATCH of DMAs")
{
	static struct long_call c;
	struct sess *s = &self->s;
	char path[128];
	uint32_t done;

	ASSERT_ERRNO(0, sess_open(s));
	long_batch(&c, s);
	remove_path(s, path, sizeof(path));
	long_start(&c, 1000);
	ASSERT_ERRNO(0, sysfs_write(path, "1"));
	pthread_join(c.th, NULL);
	done = c.batch.done;
	TH_LOG("batch_remove: stopped after %u of %d ops", done, LONG_OPS);
	EXPECT_ERRNO(ISTRESS_ERRNO(BATCH, ENODEV), c.err);
	/* The MAP and some DMAs ran before; the op it stopped at says why. */
	EXPECT_LT(1u, done);
	ASSERT_GT((uint32_t)LONG_OPS, done);
	EXPECT_EQ(0, c.ops[done - 1].result);
	EXPECT_EQ(-ENODEV, c.ops[done].result);
	if (done + 1 < LONG_OPS)
		EXPECT_EQ(NOT_RUN, c.ops[done + 1].result);
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, ENODEV), dma_check(s, SZ_2M, SZ_2M, NULL));
	/* The batch's MAP is the session's: UNMAP takes it, MAP works again. */
	EXPECT_ERRNO(0, unmap(s, SZ_2M, SZ_2M, 0));
	EXPECT_ERRNO(0, map(s, SZ_2M, SZ_2M, SZ_2M, 0));
	sess_close(s);
	ASSERT_ERRNO(0, sysfs_write("/sys/bus/pci/rescan", "1"));
	ASSERT_ERRNO(0, wait_target());
	EXPECT_ERRNO(0, target_usable());
}

/* BENCH does not start a round on a device going away: ENODEV, all unmapped. */
TEST_F(life, bench_remove, "PCI device removed during a long BENCH")
{
	static struct long_call c;
	struct sess *s = &self->s;
	char path[128];
	long removed;

	ASSERT_ERRNO(0, sess_open(s));
	long_bench(&c, s);
	remove_path(s, path, sizeof(path));
	long_start(&c, 300);
	ASSERT_ERRNO(0, sysfs_write(path, "1"));
	removed = now_ms();
	pthread_join(c.th, NULL);
	TH_LOG("bench_remove: %u ops of %u rounds, returned %ld ms after the removal",
	       c.bench.ops, c.rounds, c.end_ms - removed);
	if (c.end_ms <= removed && !c.err)
		SKIP(return, "BENCH ended before the removal came");
	EXPECT_ERRNO(ISTRESS_ERRNO(BENCH, ENODEV), c.err);
	EXPECT_GT(2u * BENCH_PAGES * c.rounds, c.bench.ops);
	/* Nothing of the loop is left mapped: the whole range maps again. */
	EXPECT_ERRNO(0, map(s, 0, 0, 4 * SZ_2M, 0));
	EXPECT_ERRNO(0, unmap(s, 0, 4 * SZ_2M, 0));
	sess_close(s);
	ASSERT_ERRNO(0, sysfs_write("/sys/bus/pci/rescan", "1"));
	ASSERT_ERRNO(0, wait_target());
	EXPECT_ERRNO(0, target_usable());
}

#define MODULE_KO	"/lib/modules-extra/iommu_stress.ko"

/* No other module holds iommu_stress: only its users can keep it loaded. */
static int unholdable(void)
{
	DIR *d = opendir("/sys/module/iommu_stress/holders");
	struct dirent *e;
	int none = 1;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			none = 0;
	closedir(d);
	return none && !access(MODULE_KO, R_OK);
}

static int unload(void)
{
	return syscall(SYS_delete_module, "iommu_stress", O_NONBLOCK) ? errno : 0;
}

static int load(void)
{
	int fd = open(MODULE_KO, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, "", 0))
		err = errno;
	close(fd);
	return err;
}

/*
 * rmmod while a BATCH runs is refused (the open file holds the module),
 * and the batch neither notices nor stops; once the session is closed
 * the same unload goes through (so the session was what held it), and
 * the module loaded again works.
 */
TEST_F(life, batch_rmmod, "rmmod during a long BATCH: refused, the batch goes on")
{
	static struct long_call c;
	struct sess *s = &self->s;

	if (!unholdable())
		SKIP(return, "another module holds iommu_stress, or no %s to load again", MODULE_KO);
	ASSERT_ERRNO(0, sess_open(s));
	long_batch(&c, s);
	long_start(&c, 1000);
	EXPECT_ERRNO(EWOULDBLOCK, unload());
	pthread_join(c.th, NULL);
	EXPECT_ERRNO(0, c.err);
	EXPECT_TRUE(batch_all_done(&c));
	/* The session goes on: its batch's mapping reads right. */
	EXPECT_ERRNO(0, dma_check(s, SZ_2M, SZ_2M, NULL));
	sess_close(s);
	ASSERT_ERRNO(0, unload());
	ASSERT_ERRNO(0, load());
	EXPECT_ERRNO(0, wait_target());
	EXPECT_ERRNO(0, target_usable());
}

/*
 * A DMA that times out retires the device (it may still be running); a
 * remove and rescan brings a fresh one. Run last: it costs the device.
 */
TEST_F(life, timeout, "a timed-out DMA retires the device until it is re-probed")
{
	struct sess *s = &self->s;
	uint32_t status = 0;
	char path[128];

	ASSERT_ERRNO(0, sess_open(s));
	ASSERT_ERRNO(0, map(s, 0, 0, SZ_2M, 0));
	ASSERT_ERRNO(0, sysfs_write(TIMEOUT_PARAM, "0"));
	/* A transfer's status, not the ioctl's errno: dma_check gives either. */
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA_STATUS, ETIMEDOUT), dma_check(s, 0, 0, &status));
	EXPECT_EQ((uint32_t)ETIMEDOUT, status);
	sysfs_write(TIMEOUT_PARAM, "5000");
	/* Retired: further DMA is refused, not attempted. */
	EXPECT_ERRNO(ISTRESS_ERRNO(DMA, EIO), dma_check(s, 0, 0, NULL));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
		 strchr(s->target, ':') + 1);
	sess_close(s);
	ASSERT_ERRNO(0, sysfs_write(path, "1"));
	ASSERT_ERRNO(0, sysfs_write("/sys/bus/pci/rescan", "1"));
	ASSERT_ERRNO(0, wait_target());
	EXPECT_ERRNO(0, target_usable());
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hold")) {
		struct sess s;

		if (sess_open(&s))
			return 2;
		sleep((unsigned int)atoi(argv[2]));
		return 0;
	}
	return ktest_main(argc, argv);
}
