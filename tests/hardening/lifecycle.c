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
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

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
				    w->ops & 1 ? IOMMU_STRESS_UNMAP_SKIP_SYNC : 0);
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

/* Threads race map/unmap/DMA on one fd while another destroys the domain. */
static int case_threads(void)
{
	struct iommu_stress_domain_destroy dd = { .size = sizeof(dd) };
	pthread_t th[8];
	struct worker w[8];
	struct sess s;
	unsigned long ops = 0;
	int err = sess_open(&s), bad = 0;

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (err)
		return err;
	stop = 0;
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .s = &s, .id = i };
		pthread_create(&th[i], NULL, i < 6 ? map_worker : dma_worker, &w[i]);
	}
	sleep_ms(3000);
	dd.domain_id = s.dom.domain_id;
	err = call(s.fd, IOMMU_STRESS_DOMAIN_DESTROY, &dd);
	sleep_ms(200);
	stop = 1;
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ops += w[i].ops;
		if (w[i].bad)
			bad = w[i].bad;
	}
	sess_close(&s);
	printf("# threads: %lu ops on one fd, domain destroyed under them\n", ops);
	if (err || bad)
		return err ? err : bad;
	return ops ? target_usable() : EIO;
}

/* A session killed with DMA and skip-sync unmaps in flight. */
static int case_kill(void)
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
	sleep_ms(1500);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (!WIFSIGNALED(status))
		return ECHILD;
	return target_usable();
}

/* The child inherits fd and mapping; its writes are seen by DMA. */
static int case_fork(void)
{
	struct sess s;
	int err = sess_open(&s), status;
	pid_t pid;

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (err)
		return err;
	pid = fork();
	if (pid == 0) {
		memset(s.mem, 0xc3, SZ_4K);
		_exit(dma_check(&s, 0, 0, NULL) ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		err = EIO;
	if (!err && s.mem[17] != 0xc3)
		err = EIO;
	if (!err)
		err = dma_check(&s, 0, 0, NULL);
	/* The mmap outlives the fd, and the buffer with it. */
	munmap(s.rdmem, SZ_4K);
	close(s.fd);
	if (!err && s.mem[4095] != 0xc3)
		err = EIO;
	munmap(s.mem, s.buf.length);
	return err ? err : target_usable();
}

/* Close with live mappings, parked skip-sync unmaps and freed buffers. */
static int case_close_busy(void)
{
	struct iommu_stress_buf_free f = { .size = sizeof(f) };
	struct sess s;
	int err = sess_open(&s);

	for (int i = 0; !err && i < 4; i++)
		err = map(&s, (uint64_t)i * SZ_2M, (uint64_t)i * SZ_2M, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, SZ_2M, SZ_2M, NULL);
	for (int i = 0; !err && i < 4; i++)
		err = unmap(&s, (uint64_t)i * SZ_2M, SZ_2M, IOMMU_STRESS_UNMAP_SKIP_SYNC);
	/* Unmapped (unsynced): free is allowed; the pages must outlive it. */
	f.buf_id = s.buf.buf_id;
	if (!err)
		err = call(s.fd, IOMMU_STRESS_BUF_FREE, &f);
	sess_close(&s);
	return err ? err : target_usable();
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

/* The PCI device is removed while a session has a domain on it. */
static int case_remove(void)
{
	char path[128];
	uint32_t status;
	struct sess s;
	int err = sess_open(&s);

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (!err)
		err = dma_check(&s, 0, 0, NULL);
	if (err)
		return err;
	/* "edu:0000:00:02.0" -> the PCI address. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
		 strchr(s.target, ':') + 1);
	err = sysfs_write(path, "1");
	if (!err && dma_check(&s, 0, 0, &status) != ENODEV)
		err = EIO;
	/* The domain outlives its device: map and unmap still work. */
	if (!err)
		err = unmap(&s, 0, SZ_2M, 0);
	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	sess_close(&s);
	if (!err)
		err = sysfs_write("/sys/bus/pci/rescan", "1");
	if (!err)
		err = wait_target();
	return err ? err : target_usable();
}

/*
 * A DMA that times out retires the device (it may still be running); a
 * remove and rescan brings a fresh one. Run last: it costs the device.
 */
static int case_timeout(void)
{
	const char *param = "/sys/module/iommu_stress/parameters/dma_timeout_ms";
	char path[128];
	uint32_t status = 0;
	struct sess s;
	int err = sess_open(&s), dma;

	if (!err)
		err = map(&s, 0, 0, SZ_2M, 0);
	if (!err)
		err = sysfs_write(param, "0");
	if (err)
		return err;
	dma = dma_check(&s, 0, 0, &status);
	sysfs_write(param, "5000");
	if (dma != ETIMEDOUT || status != ETIMEDOUT)
		err = EIO;
	/* Retired: further DMA is refused, not attempted. */
	if (!err && dma_check(&s, 0, 0, NULL) != EIO)
		err = EIO;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove",
		 strchr(s.target, ':') + 1);
	sess_close(&s);
	if (!err)
		err = sysfs_write(path, "1");
	if (!err)
		err = sysfs_write("/sys/bus/pci/rescan", "1");
	if (!err)
		err = wait_target();
	return err ? err : target_usable();
}

/*
 * DOMAIN_CREATE and BUF_ALLOC whose answer cannot be copied back (the
 * argument sits on a read-only page): EFAULT, and the object is taken
 * back, since the caller could never name it.
 */
static int case_efault(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct iommu_stress_buf_free f = { .size = sizeof(f) };
	struct iommu_stress_domain_create *dc;
	struct iommu_stress_buf_alloc *ba;
	struct sess s = { .fd = open(IOMMU_STRESS_DEVICE, O_RDWR) };
	unsigned char *p;
	int err;

	if (s.fd < 0)
		return errno;
	p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	dc = (void *)p;
	ba = (void *)(p + 1024);
	err = edu_target(s.fd, s.target);
	dc->size = sizeof(*dc);
	strcpy(dc->target, s.target);
	*ba = (struct iommu_stress_buf_alloc){
		.size = sizeof(*ba), .length = SZ_4K,
		.chunk_size = IOMMU_STRESS_CHUNK_4K, .node = IOMMU_STRESS_NODE_ANY,
	};
	if (!err && mprotect(p, (size_t)pg, PROT_READ))
		err = errno;
	if (!err && call(s.fd, IOMMU_STRESS_DOMAIN_CREATE, dc) != EFAULT)
		err = EPROTO;
	if (!err && call(s.fd, IOMMU_STRESS_BUF_ALLOC, ba) != EFAULT)
		err = EPROTO;
	/* Nothing was left: the target is free, no buffer has an id. */
	if (!err)
		err = create(&s, s.target);
	f.buf_id = 0;
	if (!err && call(s.fd, IOMMU_STRESS_BUF_FREE, &f) != ENOENT)
		err = EEXIST;
	munmap(p, (size_t)pg);
	close(s.fd);
	return err ? err : target_usable();
}

static const struct {
	const char *name;
	const char *desc;
	int (*run)(void);
} cases[] = {
	{ "threads", "8 threads on one fd, domain destroyed under them", case_threads },
	{ "kill", "SIGKILL with DMA and skip-sync unmaps in flight", case_kill },
	{ "fork", "fork: the child's writes reach DMA, mmap outlives the fd", case_fork },
	{ "close-busy", "close with live mappings, parked unmaps, a freed buffer", case_close_busy },
	{ "remove", "PCI device removed under a session, then rescanned", case_remove },
	{ "efault", "an answer that cannot be copied back takes its object back", case_efault },
	{ "timeout", "a timed-out DMA retires the device until it is re-probed", case_timeout },
};

int main(int argc, char **argv)
{
	size_t ncases = sizeof(cases) / sizeof(cases[0]);
	struct tap t = { 0 };

	if (argc == 3 && !strcmp(argv[1], "hold")) {
		struct sess s;

		if (sess_open(&s))
			return 2;
		sleep((unsigned int)atoi(argv[2]));
		return 0;
	}
	printf("TAP version 13\n");
	for (size_t i = 0; i < ncases; i++) {
		int want = argc == 1, err;

		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], cases[i].name);
		if (!want)
			continue;
		err = cases[i].run();
		tap_check(&t, !err, " (%s)", cases[i].desc, err ? errname(err) : "ok");
	}
	return tap_finish(&t);
}
