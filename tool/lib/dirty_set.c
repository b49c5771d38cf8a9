// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "dirty_set.h"

void dirty_set_clear(struct dirty_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void set_bit(uint64_t *bits, unsigned int i)
{
	bits[i / 64] |= 1ull << (i % 64);
}

void dirty_set_write(struct dirty_set *s, unsigned int page,
		     unsigned int leaf_pages)
{
	unsigned int first;

	if (page >= DIRTY_SET_PAGES)
		return;
	if (!leaf_pages || leaf_pages > DIRTY_SET_PAGES)
		leaf_pages = DIRTY_SET_PAGES;
	first = page / leaf_pages * leaf_pages;
	set_bit(s->written, page);
	for (unsigned int i = first; i < first + leaf_pages && i < DIRTY_SET_PAGES; i++)
		set_bit(s->may, i);
}

struct dirty_verdict dirty_judge(const struct dirty_set *s, const uint64_t *got)
{
	struct dirty_verdict v = { .first_missing = -1 };

	for (unsigned int w = 0; w < DIRTY_SET_WORDS; w++) {
		uint64_t missing = s->written[w] & ~got[w];

		v.written += (unsigned int)__builtin_popcountll(s->written[w]);
		v.read += (unsigned int)__builtin_popcountll(got[w]);
		v.missing += (unsigned int)__builtin_popcountll(missing);
		v.widened += (unsigned int)__builtin_popcountll(got[w] & s->may[w] &
								~s->written[w]);
		v.extra += (unsigned int)__builtin_popcountll(got[w] & ~s->may[w]);
		if (missing && v.first_missing < 0)
			v.first_missing = (int)(w * 64 + (unsigned int)__builtin_ctzll(missing));
	}
	return v;
}

unsigned int dirty_count(const uint64_t *bits, unsigned int from,
			 unsigned int to)
{
	unsigned int n = 0;

	for (unsigned int i = from; i < to; i++)
		n += (unsigned int)dirty_bit(bits, i);
	return n;
}
