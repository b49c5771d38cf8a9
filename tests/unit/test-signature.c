// SPDX-License-Identifier: GPL-2.0
/* The classifier decides every verdict the tool reports: test each class. */
#include <string.h>

#include "signature.h"
#include "unit.h"

static unsigned char page[SIG_PAGE_SIZE];
static const struct sig_id me = { .buf = 3, .page = 77, .gen = 1 };
static const size_t dma_len = SIG_PAGE_SIZE - 1;	/* edu's transfer */

TEST(exact_page_is_ok, "signature: exact page is ok")
{
	sig_fill_page(page, &me);
	struct sig_result r = sig_classify(page, dma_len, &me);

	EXPECT_TRUE(r.class == SIG_OK);
	EXPECT_TRUE(r.got.buf == 3 && r.got.page == 77 && r.got.gen == 1);
}

TEST(other_page_is_stale, "signature: other page is stale")
{
	const struct sig_id other = { .buf = 3, .page = 78, .gen = 1 };

	sig_fill_page(page, &other);
	struct sig_result r = sig_classify(page, dma_len, &me);

	EXPECT_TRUE(r.class == SIG_STALE);
	EXPECT_TRUE(r.got.page == 78);
}

TEST(other_generation_is_stale, "signature: other generation is stale")
{
	const struct sig_id old = { .buf = 3, .page = 77, .gen = 0 };

	sig_fill_page(page, &old);
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_STALE);
}

TEST(other_buffer_is_stale, "signature: other buffer is stale")
{
	const struct sig_id other = { .buf = 4, .page = 77, .gen = 1 };

	sig_fill_page(page, &other);
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_STALE);
}

TEST(zeros_are_zero_class, "signature: zeros are zero class")
{
	memset(page, 0, sizeof(page));
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_ZERO);
}

TEST(zeros_from_unmapped_iova_are_ok, "signature: zeros from an unmapped IOVA are ok")
{
	memset(page, 0, sizeof(page));
	EXPECT_TRUE(sig_classify(page, dma_len, NULL).class == SIG_OK);
}

TEST(our_page_from_unmapped_iova_is_stale, "signature: our page from an unmapped IOVA is stale")
{
	sig_fill_page(page, &me);
	EXPECT_TRUE(sig_classify(page, dma_len, NULL).class == SIG_STALE);
}

TEST(bounce_poison_is_foreign, "signature: bounce poison is foreign")
{
	/* The module's bounce poison: a DMA that wrote nothing. */
	memset(page, 0x5a, sizeof(page));
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
	EXPECT_TRUE(sig_classify(page, dma_len, NULL).class == SIG_FOREIGN);
}

TEST(one_flipped_byte_is_foreign, "signature: one flipped byte is foreign")
{
	/* The last byte of the DMA window, far from the naming record. */
	sig_fill_page(page, &me);
	page[dma_len - 1] ^= 1;
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
}

TEST(shifted_page_is_foreign, "signature: shifted page is foreign")
{
	/* Right page, wrong offset: a record's slot number gives it away. */
	unsigned char src[SIG_PAGE_SIZE];

	sig_fill_page(src, &me);
	memcpy(page, src + 32, sizeof(page) - 32);
	memcpy(page + sizeof(page) - 32, src, 32);
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
}

TEST(forged_check_word_is_foreign, "signature: forged check word is foreign")
{
	sig_fill_page(page, &me);
	page[24] ^= 0x80;	/* the first record's check word */
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_FOREIGN);
}

TEST(short_read_still_classified, "signature: short reads are classified")
{
	const struct sig_id other = { .buf = 3, .page = 1, .gen = 1 };

	sig_fill_page(page, &other);
	EXPECT_TRUE(sig_classify(page, 64, &me).class == SIG_STALE);
	EXPECT_TRUE(sig_classify(page, 8, &me).class == SIG_FOREIGN);
}

TEST(distinct_pages_differ_everywhere, "signature: distinct pages differ in every record")
{
	/* Every 32-byte record must differ, or a partial stale hit hides. */
	unsigned char a[SIG_PAGE_SIZE], b[SIG_PAGE_SIZE];
	const struct sig_id next = { .buf = 3, .page = 78, .gen = 1 };

	sig_fill_page(a, &me);
	sig_fill_page(b, &next);
	for (unsigned int off = 0; off < SIG_PAGE_SIZE; off += 32)
		EXPECT_TRUE(memcmp(a + off, b + off, 32) != 0);
}

/* A DMA engine reads a whole page: the last byte counts too. */
TEST(whole_page_reads_are_classified, "signature: whole-page reads are classified")
{
	const struct sig_id other = { .buf = 3, .page = 78, .gen = 1 };

	sig_fill_page(page, &me);
	EXPECT_TRUE(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_OK);
	page[SIG_PAGE_SIZE - 1] ^= 1;
	EXPECT_TRUE(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_FOREIGN);
	/* edu's 4095 bytes cannot see that byte. */
	EXPECT_TRUE(sig_classify(page, dma_len, &me).class == SIG_OK);
	sig_fill_page(page, &other);
	EXPECT_TRUE(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_STALE);
	EXPECT_TRUE(sig_classify(page, SIG_PAGE_SIZE, NULL).class == SIG_STALE);
	memset(page, 0, sizeof(page));
	EXPECT_TRUE(sig_classify(page, SIG_PAGE_SIZE, NULL).class == SIG_OK);
	EXPECT_TRUE(sig_classify(page, SIG_PAGE_SIZE, &me).class == SIG_ZERO);
}
