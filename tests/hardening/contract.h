/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The errno contract (include/iommu_stress_errno.h) at run time, for the
 * programs that judge answers they cannot predict one by one (the
 * stateful fuzzer, the fault-injection sweep): whether an ioctl may give
 * an errno at all, and a tally of the (ioctl, errno) pairs seen.
 */
#ifndef IOMMU_STRESS_HARDENING_CONTRACT_H
#define IOMMU_STRESS_HARDENING_CONTRACT_H

#include <linux/ioctl.h>

#include "common.h"

/*
 * Tally rows: the ioctls by number, then the DMA status word, mmap(), open().
 * The ioctls are those the contract has rows for, up to the highest number
 * among them (a union is as large as its largest member): a new ioctl with
 * its rows counts here with no edit of this file.
 */
#define CONTRACT_IS_IOCTL(cmd)	((cmd) >= IOMMU_STRESS_INFO)
#define CONTRACT_NR_SLOT(q, ioctl, e, meaning)				\
	char ioctl##_##e[CONTRACT_IS_IOCTL(ISTRESS_ERRNO_CMD_##ioctl) ?	\
			 _IOC_NR(ISTRESS_ERRNO_CMD_##ioctl) + 1 : 1];
union contract_ncmd {
	ISTRESS_ERRNOS(CONTRACT_NR_SLOT, 0)
};
#undef CONTRACT_NR_SLOT
#define CONTRACT_NCMD		((int)sizeof(union contract_ncmd))
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
	if (cmd != _IO(IOMMU_STRESS_TYPE, _IOC_NR(cmd)) ||
	    _IOC_NR(cmd) >= (unsigned int)CONTRACT_NCMD)
		return -1;
	return (int)_IOC_NR(cmd);
}

/* A row's name: the ioctl's as the contract's rows spell it. */
static inline const char *contract_name(int row)
{
	unsigned long cmd = _IO(IOMMU_STRESS_TYPE, row);

	if (row == CONTRACT_ROW_STATUS)
		return "DMA_STATUS";
	if (row == CONTRACT_ROW_MMAP)
		return "MMAP";
	if (row == CONTRACT_ROW_OPEN)
		return "OPEN";
	if (row < 0 || row >= CONTRACT_NCMD)
		return "?";
#define CONTRACT_NAME(q, ioctl, e, meaning)				\
	if ((q) == ISTRESS_ERRNO_CMD_##ioctl)				\
		return #ioctl;
	ISTRESS_ERRNOS(CONTRACT_NAME, cmd)
#undef CONTRACT_NAME
	return "?";
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
