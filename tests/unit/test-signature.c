// SPDX-License-Identifier: GPL-2.0
/* The classifier decides every verdict the tool reports: test each class. */
#include <string.h>

#include "signature.h"
#include "unit.h"

static unsigned char page[SIG_PAGE_SIZE];
static const struct sig_id me = { .buf = 3, .page = 77, .gen = 1 };
static const size_t dma_len = SIG_PAGE_SIZE - 1;	/* edu's transfer */

static void exact_page_is_ok(void)
{
	sig_fill_page(page, &me);
	struct sig_result r = sig_classify(page, dma_len, &me);

	CHECK(r.class == SIG_OK);
	CHECK(r.got.buf == 3 && r.got.page == 77 && r.got.gen == 1);
}

static void other_page_is_stale(void)
{
	const struct sig_id other = { .buf = 3, .page = 78, .gen = 1 };

	sig_fill_page(page, &other);
	struct sig_result r = sig_classify(page, dma_len, &me);

	CHECK(r.class == SIG_STALE);
	CHECK(r.got.page == 78);
}

static void other_generation_is_stale(void)
{
	const struct sig_id old = { .buf = 3, .page = 77, .gen = 0 };

	sig_fill_page(page, &old);
	CHECK(sig_classify(page, dma_len, &me).class == SIG_STALE);
}

static void other_buffer_is_stale(void)
{
	const struct sig_id other = { .buf = 4, .page = 77, .gen = 1 };

	sig_fill_page(page, &other);
	CHECK(sig_classify(page, dma_len, &me).class == SIG_STALE);
}

static void zeros_are_zero_class(void)
{
	memset(page, 0, sizeof(page));
	CHECK(sig_classify(page, dma_len, &me).class == SIG_ZERO);
}

static void zeros_from_unmapped_iova_are_ok(void)
{
	memset(page, 0, sizeof(page));
	CHECK(sig_classify(page, dma_len, NULL).class == SIG_OK);
}

static void our_page_from_unmapped_iova_is_stale(void)
{
	sig_fill_page(page, &me);
	CHECK(sig_classify(page, dma_len, NULL).class == SIG_STALE);
}

static void bounce_poison_is_foreign(void)
{
	/* The module's bounce poison: a DMA that wrote nothing. */
	memset(page, 0x5a, sizeof(page));
	CHECK(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
	CHECK(sig_classify(page, dma_len, NULL).class == SIG_FOREIGN);
}

static void one_flipped_byte_is_foreign(void)
{
	/* The last byte of the DMA window, far from the naming record. */
	sig_fill_page(page, &me);
	page[dma_len - 1] ^= 1;
	CHECK(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
}

static void shifted_page_is_foreign(void)
{
	/* Right page, wrong offset: a record's slot number gives it away. */
	unsigned char src[SIG_PAGE_SIZE];

	sig_fill_page(src, &me);
	memcpy(page, src + 32, sizeof(page) - 32);
	memcpy(page + sizeof(page) - 32, src, 32);
	CHECK(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
}

static void forged_check_word_is_foreign(void)
{
	sig_fill_page(page, &me);
	page[24] ^= 0x80;	/* the first record's check word */
	CHECK(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
}

static void short_read_still_classified(void)
{
	const struct sig_id other = { .buf = 3, .page = 1, .gen = 1 };

	sig_fill_page(page, &other);
	CHECK(sig_classify(page, 64, &me).class == SIG_STALE);
	CHECK(sig_classify(page, 8, &me).class == SIG_FOREIGN);
}

static void distinct_pages_differ_everywhere(void)
{
	/* Every 32-byte record must differ, or a partial stale hit hides. */
	unsigned char a[SIG_PAGE_SIZE], b[SIG_PAGE_SIZE];
	const struct sig_id next = { .buf = 3, .page = 78, .gen = 1 };

	sig_fill_page(a, &me);
	sig_fill_page(b, &next);
	for (unsigned int off = 0; off < SIG_PAGE_SIZE; off += 32)
		CHECK(memcmp(a + off, b + off, 32) != 0);
}

/* A DMA engine reads a whole page: the last byte counts too. */
static void whole_page_reads_are_classified(void)
{
	const struct sig_id other = { .buf = 3, .page = 78, .gen = 1 };

	sig_fill_page(page, &me);
	CHECK(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_OK);
	page[SIG_PAGE_SIZE - 1] ^= 1;
	CHECK(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_FOREIGN);
	/* edu's 4095 bytes cannot see that byte. */
	CHECK(sig_classify(page, dma_len, &me).class == SIG_OK);
	sig_fill_page(page, &other);
	CHECK(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_STALE);
	CHECK(sig_classify(page, SIG_PAGE_SIZE, NULL).class == SIG_STALE);
	memset(page, 0, sizeof(page));
	CHECK(sig_classify(page, SIG_PAGE_SIZE, NULL).class == SIG_OK);
	CHECK(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_ZERO);
}

const struct unit_case signature_cases[] = {
	{ "signature: exact page is ok", exact_page_is_ok },
	{ "signature: other page is stale", other_page_is_stale },
	{ "signature: other generation is stale", other_generation_is_stale },
	{ "signature: other buffer is stale", other_buffer_is_stale },
	{ "signature: zeros are zero class", zeros_are_zero_class },
	{ "signature: zeros from an unmapped IOVA are ok", zeros_from_unmapped_iova_are_ok },
	{ "signature: our page from an unmapped IOVA is stale", our_page_from_unmapped_iova_is_stale },
	{ "signature: bounce poison is foreign", bounce_poison_is_foreign },
	{ "signature: one flipped byte is foreign", one_flipped_byte_is_foreign },
	{ "signature: shifted page is foreign", shifted_page_is_foreign },
	{ "signature: forged check word is foreign", forged_check_word_is_foreign },
	{ "signature: short reads are classified", short_read_still_classified },
	{ "signature: distinct pages differ in every record", distinct_pages_differ_everywhere },
	{ "signature: whole-page reads are classified", whole_page_reads_are_classified },
	{ NULL, NULL },
};
