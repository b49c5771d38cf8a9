/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The errno contract (include/iommu_stress_errno.h) at run time, for the
 * programs that judge answers they cannot predict one by one (the
 * stateful fuzzer, the fault-injection sweep): whether an ioctl may give
 * an errno at all, and a tally of the (ioctl, errno) pairs seen.
 */
#ifndef IOMMU_STRESS_HARDENING_CONTRACT_H
#define IOMMU_STRESS_HARDENING_CONTRACT_H

#include "common.h"

/* Tally rows: the ioctls by number, then the DMA status word, mmap(), open(). */
#define CONTRACT_NCMD		((int)(IOMMU_STRESS_TARGET_QUERY - IOMMU_STRESS_INFO) + 1)
#define CONTRACT_ROW_STATUS	CONTRACT_NCMD
#define CONTRACT_ROW_MMAP	(CONTRACT_NCMD + 1)
#define CONTRACT_ROW_OPEN	(CONTRACT_NCMD + 2)
#define CONTRACT_ROWS		(CONTRACT_NCMD + 3)
#define CONTRACT_MAX_ERRNO	134

/* Whether the contract has the row (@cmd, @err) itself. */
static inline int contract_row(unsigned long cmd, int err)
{
	unsigned long long key = ISTRESS_ERRNO_KEY(cmd, err);

#define CONTRACT_MATCH(q, ioctl, e, meaning)				\
	if ((q) == ISTRESS_ERRNO_KEY(ISTRESS_ERRNO_CMD_##ioctl, e))	\
		return 1;
	ISTRESS_ERRNOS(CONTRACT_MATCH, key)
#undef CONTRACT_MATCH
	return 0;
}

/*
 * Whether ioctl @cmd may answer @err (0 is success): its own rows and
 * the dispatcher's, which every ioctl shares.
 */
static inline int contract_allows(unsigned long cmd, int err)
{
	return !err || contract_row(cmd, err) ||
	       contract_row(ISTRESS_ERRNO_CMD_ANY, err);
}

/* The same for IOMMU_STRESS_DMA's status word. */
static inline int contract_allows_status(uint32_t status)
{
	return !status ||
	       (status < 4096 &&
		contract_row(ISTRESS_ERRNO_CMD_DMA_STATUS, (int)status));
}

/* Row of an ioctl in a tally, or -1 for a command that is not ours. */
static inline int contract_index(unsigned long cmd)
{
	if (cmd < IOMMU_STRESS_INFO || cmd > IOMMU_STRESS_TARGET_QUERY)
		return -1;
	return (int)(cmd - IOMMU_STRESS_INFO);
}

static inline const char *contract_name(int row)
{
	static const char *const names[CONTRACT_ROWS] = {
		"INFO", "BUF_ALLOC", "BUF_FREE", "DOMAIN_CREATE",
		"DOMAIN_DESTROY", "MAP", "UNMAP", "IOVA_TO_PHYS", "DMA",
		"TARGET_QUERY", "DMA_STATUS", "MMAP", "OPEN",
	};

	return row >= 0 && row < CONTRACT_ROWS ? names[row] : "?";
}

/* How often each (row, errno) was seen; errnos past the table in the last column. */
struct contract_tally {
	unsigned long n[CONTRACT_ROWS][CONTRACT_MAX_ERRNO + 1];
};

static inline void contract_count(struct contract_tally *t, int row, int err)
{
	if (row < 0 || row >= CONTRACT_ROWS)
		return;
	if (err < 0 || err > CONTRACT_MAX_ERRNO)
		err = CONTRACT_MAX_ERRNO;
	t->n[row][err]++;
}

static inline void contract_add(struct contract_tally *sum,
				const struct contract_tally *t)
{
	for (int r = 0; r < CONTRACT_ROWS; r++)
		for (int e = 0; e <= CONTRACT_MAX_ERRNO; e++)
			sum->n[r][e] += t->n[r][e];
}

/* How many distinct (row, errno) pairs were seen. */
static inline unsigned int contract_distinct(const struct contract_tally *t)
{
	unsigned int n = 0;

	for (int r = 0; r < CONTRACT_ROWS; r++)
		for (int e = 0; e <= CONTRACT_MAX_ERRNO; e++)
			n += !!t->n[r][e];
	return n;
}

/* "# outcome MAP EBUSY 12" lines, which the VM tests read. */
static inline void contract_print(const struct contract_tally *t)
{
	for (int r = 0; r < CONTRACT_ROWS; r++)
		for (int e = 0; e <= CONTRACT_MAX_ERRNO; e++)
			if (t->n[r][e])
				ktest_log("outcome %s %s %lu", contract_name(r),
					  ktest_errname(e), t->n[r][e]);
}

#endif
