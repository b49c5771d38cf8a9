// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "signature.h"

#define SIG_MAGIC	0x10cc57e5u
#define SIG_RECORD	32u

struct sig_record {
	uint32_t magic;
	uint32_t buf;
	uint64_t page;
	uint32_t gen;
	uint32_t slot;		/* record index in the page: catches shifts */
	uint64_t check;
};

_Static_assert(sizeof(struct sig_record) == SIG_RECORD, "record layout");

/* splitmix64 finaliser: every field changes every bit of the check word. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void make_record(struct sig_record *r, const struct sig_id *id,
			uint32_t slot)
{
	r->magic = SIG_MAGIC;
	r->buf = id->buf;
	r->page = id->page;
	r->gen = id->gen;
	r->slot = slot;
	r->check = mix(mix(mix((uint64_t)id->buf << 32 | id->gen) ^ id->page) ^
		       slot);
}

void sig_fill_page(void *page, const struct sig_id *id)
{
	struct sig_record r;
	uint32_t slot;

	for (slot = 0; slot < SIG_PAGE_SIZE / SIG_RECORD; slot++) {
		make_record(&r, id, slot);
		memcpy((char *)page + slot * SIG_RECORD, &r, sizeof(r));
	}
}

static int all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Does @data hold exactly page @id's bytes? */
static int matches(const void *data, size_t len, const struct sig_id *id)
{
	unsigned char page[SIG_PAGE_SIZE];

	sig_fill_page(page, id);
	return !memcmp(data, page, len);
}

static int same_id(const struct sig_id *a, const struct sig_id *b)
{
	return a->buf == b->buf && a->page == b->page && a->gen == b->gen;
}

struct sig_result sig_classify(const void *data, size_t len,
			       const struct sig_id *expected)
{
	struct sig_result res = { .class = SIG_FOREIGN };
	struct sig_record r;

	if (len > SIG_PAGE_SIZE)
		len = SIG_PAGE_SIZE;
	if (all_zero(data, len)) {
		res.class = expected ? SIG_ZERO : SIG_OK;
		return res;
	}
	if (len < SIG_RECORD)
		return res;
	/* The first record names the page; the whole read must agree. */
	memcpy(&r, data, sizeof(r));
	res.got = (struct sig_id){ .buf = r.buf, .page = r.page, .gen = r.gen };
	if (r.magic != SIG_MAGIC || !matches(data, len, &res.got))
		return res;
	res.class = expected && same_id(&res.got, expected) ? SIG_OK : SIG_STALE;
	return res;
}

const char *sig_class_name(enum sig_class c)
{
	static const char *const names[SIG_NR_CLASSES] = {
		[SIG_OK] = "ok", [SIG_STALE] = "stale",
		[SIG_FOREIGN] = "foreign", [SIG_ZERO] = "zero",
	};

	return c < SIG_NR_CLASSES ? names[c] : "?";
}
