/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An errno by its name ("EEXIST"), which unlike its number is portable:
 * the one spelling of the record, the tool's messages and the tests'.
 */
#ifndef IOMMU_STRESS_ERRNAME_H
#define IOMMU_STRESS_ERRNAME_H

/* Returned by value, so that one call's text outlives no statement. */
struct errno_name {
	char s[16];
};

/*
 * "EEXIST" for EEXIST; "success" for 0; "E524" for a number the C library
 * has no name for (the kernel's own, such as ENOTSUPP, can reach user
 * space from a driver). Use as errno_name(err).s within one expression.
 */
struct errno_name errno_name(int err);

#endif
