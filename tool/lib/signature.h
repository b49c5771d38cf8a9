/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page signatures. Every 4 KiB page of a test buffer is filled with 32-byte
 * records naming (buffer, page, generation, slot) and a check word, so any
 * bytes read back by DMA say which page they came from, or that they came
 * from no page of ours at all.
 */
#ifndef IOMMU_STRESS_SIGNATURE_H
#define IOMMU_STRESS_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#define SIG_PAGE_SIZE	4096u

struct sig_id {
	uint32_t buf;
	uint64_t page;
	uint32_t gen;
};

enum sig_class {
	SIG_OK,		/* exactly the expected page */
	SIG_STALE,	/* another of our pages: an older translation */
	SIG_FOREIGN,	/* not a signature of ours, nor all zero */
	SIG_ZERO,	/* all zero: nothing was read, as after a fault */
	SIG_NR_CLASSES,
};

struct sig_result {
	enum sig_class class;
	struct sig_id got;	/* valid for SIG_OK and SIG_STALE */
};

void sig_fill_page(void *page, const struct sig_id *id);
/*
 * Classifies @len bytes read from the start of a page. @expected NULL means
 * the IOVA must be unmapped: then zeros are SIG_OK and any page of ours is
 * SIG_STALE.
 */
struct sig_result sig_classify(const void *data, size_t len,
			       const struct sig_id *expected);
const char *sig_class_name(enum sig_class c);

#endif
