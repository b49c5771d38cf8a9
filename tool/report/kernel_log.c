// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel log of a run, sorted. A read of an IOVA the session has not
 * mapped is a check the patterns make on purpose, and the IOMMU reports
 * each one (intel-iommu "DMAR: [DMA Read ...] ... fault addr", amd-iommu
 * "IO_PAGE_FAULT", virtio-iommu "fault from EP"), with the kernel's rate
 * limit noting how many it left out: those are counted, not shown. Any
 * other line at error level or worse, and a WARNING, BUG or oops at any
 * level, is what a person must see: counted and quoted.
 *
 * /dev/kmsg hands out one record per read() (EAGAIN when there is nothing
 * new, EPIPE when records were overwritten); a pipe, as the unit tests
 * use, may hand out several or part of one: records are split at newlines
 * and continuation lines (starting with a space) are skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel_log.h"
#include "kmsg.h"

#define KLOG_READ	8192

/*
 * The record text of each IOMMU's fault report, and the name to show.
 * report/klog.py reads the first string of each row of this table and the
 * next for the matrix: a new vIOMMU's words go here only.
 */
static const struct {
	const char *needle, *source;
} fault_lines[] = {
	{ "DMAR: [DMA Read", "DMAR" },
	{ "DMAR: [DMA Write", "DMAR" },
	{ "IO_PAGE_FAULT", "AMD-Vi" },
	{ " fault from EP ", "virtio-iommu" },
};

/* Lines that go with a fault report but are not one. */
static const char *const fault_companions[] = {
	"DMAR: DRHD: handling fault status reg",
};

/*
 * Always shown, whatever their level: the words of the lines that fail a
 * VM run (scripts/lib/log-problems.sh; tests/unit/log-problems-check
 * holds this list to it). slub's "BUG <cache> (...)" needs no word: it
 * comes at error level.
 */
static const char *const alarming[] = {
	"WARNING:", "BUG:", "Oops", "general protection", "Call Trace",
	"Kernel panic", "KASAN", "UBSAN:", "hung_task", "blocked for more than",
	"Poison overwritten", "Redzone overwritten", "pagealloc: memory corruption",
	"DEBUG_LOCKS_WARN_ON", "locking correctness validator",
	"possible circular locking", "new suspected memory leaks",
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int klog_begin(const char *path)
{
	return kmsg_open(path);
}

static int has_any(const char *text, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(text, words[i]))
			return 1;
	return 0;
}

/* "dmar_fault: 12 callbacks suppressed": how many, for the IOMMU's handlers. */
static int suppressed(const char *text, uint64_t *n)
{
	const char *at = strstr(text, " callbacks suppressed");
	const char *colon = strchr(text, ':');

	if (!at || !colon || colon > at)
		return 0;
	if (!strstr(text, "dmar") && !strstr(text, "iommu"))
		return 0;
	*n = strtoull(colon + 1, NULL, 10);
	return 1;
}

static void keep(struct klog_summary *k, const char *text)
{
	k->other++;
	if (k->nkept < KLOG_KEEP)
		snprintf(k->kept[k->nkept++], KLOG_LINE, "%s", text);
}

void klog_record(struct klog_summary *k, const char *record)
{
	const char *text = strchr(record, ';');
	uint64_t n;
	int level;

	if (record[0] == ' ' || !text)
		return;
	level = atoi(record) & 7;
	text++;
	for (size_t i = 0; i < ARRAY_SIZE(fault_lines); i++) {
		if (!strstr(text, fault_lines[i].needle))
			continue;
		k->faults++;
		snprintf(k->fault_source, sizeof(k->fault_source), "%s",
			 fault_lines[i].source);
		return;
	}
	if (has_any(text, fault_companions, ARRAY_SIZE(fault_companions)))
		return;
	if (suppressed(text, &n)) {
		k->suppressed += n;
		return;
	}
	if (level <= 3 || has_any(text, alarming, ARRAY_SIZE(alarming)))
		keep(k, text);
}

/* The complete records in @buf (@len bytes); a partial one moves to its start. */
static size_t take_records(struct klog_summary *k, char *buf, size_t len)
{
	char *line = buf, *end;

	while ((end = memchr(line, '\n', len - (size_t)(line - buf)))) {
		*end = '\0';
		klog_record(k, line);
		line = end + 1;
	}
	len -= (size_t)(line - buf);
	memmove(buf, line, len);
	return len;
}

void klog_end(int fd, struct klog_summary *k)
{
	char buf[2 * KLOG_READ + 1];
	size_t have = 0;

	memset(k, 0, sizeof(*k));
	if (fd < 0)
		return;
	k->read = 1;
	for (;;) {
		ssize_t got = read(fd, buf + have, KLOG_READ);

		if (got > 0) {
			have = take_records(k, buf, have + (size_t)got);
			if (have >= KLOG_READ)
				have = 0;	/* no record is this long */
			continue;
		}
		if (got == 0 || errno == EAGAIN)
			break;
		if (errno == EPIPE) {
			/* The next read goes on from the oldest record left. */
			k->lost = 1;
			continue;
		}
		if (errno != EINTR) {
			k->lost = 1;
			break;
		}
	}
	if (have) {
		buf[have] = '\0';
		klog_record(k, buf);
	}
	kmsg_close(fd);
}
