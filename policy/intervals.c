/*
 * intervals.c - exact set algebra on unsigned integer intervals.
 */
#include "intervals.h"

#include <stdlib.h>
#include <string.h>

static int push(struct interval_set *s, uint64_t lo, uint64_t hi)
{
	/* Merge with the previous interval when they touch, so that sets stay
	 * canonical and equal sets compare equal. */
	if (s->count > 0) {
		struct interval *last = &s->items[s->count - 1];
		if (last->hi != UINT64_MAX && last->hi + 1 >= lo) {
			if (hi > last->hi)
				last->hi = hi;
			return 0;
		}
		if (last->hi == UINT64_MAX)
			return 0;
	}
	if (s->count == s->capacity) {
		size_t capacity = s->capacity ? s->capacity * 2 : 4;
		struct interval *items = realloc(s->items, capacity * sizeof(*items));
		if (items == NULL)
			return -1;
		s->items = items;
		s->capacity = capacity;
	}
	s->items[s->count++] = (struct interval){lo, hi};
	return 0;
}

int interval_set_full(struct interval_set *out, uint64_t max)
{
	return push(out, 0, max);
}

int interval_set_compare(struct interval_set *out, enum interval_cmp op, uint64_t value,
                         uint64_t max)
{
	if (value > max) /* callers check widths; stay exact if they did not */
		value = max;
	switch (op) {
	case INTERVAL_EQ:
		return push(out, value, value);
	case INTERVAL_LT:
		return value == 0 ? 0 : push(out, 0, value - 1);
	case INTERVAL_LE:
		return push(out, 0, value);
	case INTERVAL_GT:
		return value == max ? 0 : push(out, value + 1, max);
	case INTERVAL_GE:
		return push(out, value, max);
	}
	return -1;
}

int interval_set_copy(struct interval_set *out, const struct interval_set *in)
{
	for (size_t i = 0; i < in->count; i++)
		if (push(out, in->items[i].lo, in->items[i].hi) < 0)
			return -1;
	return 0;
}

int interval_set_complement(struct interval_set *out, const struct interval_set *in, uint64_t max)
{
	uint64_t next = 0; /* smallest value not yet decided */
	bool done = false;
	for (size_t i = 0; i < in->count && !done; i++) {
		const struct interval *it = &in->items[i];
		if (it->lo > next && push(out, next, it->lo - 1) < 0)
			return -1;
		if (it->hi >= max)
			done = true;
		else
			next = it->hi + 1;
	}
	if (!done && push(out, next, max) < 0)
		return -1;
	return 0;
}

int interval_set_intersect(struct interval_set *out, const struct interval_set *a,
                           const struct interval_set *b)
{
	size_t i = 0, j = 0;
	while (i < a->count && j < b->count) {
		uint64_t lo = a->items[i].lo > b->items[j].lo ? a->items[i].lo : b->items[j].lo;
		uint64_t hi = a->items[i].hi < b->items[j].hi ? a->items[i].hi : b->items[j].hi;
		if (lo <= hi && push(out, lo, hi) < 0)
			return -1;
		if (a->items[i].hi < b->items[j].hi)
			i++;
		else
			j++;
	}
	return 0;
}

int interval_set_union(struct interval_set *out, const struct interval_set *a,
                       const struct interval_set *b)
{
	size_t i = 0, j = 0;
	while (i < a->count || j < b->count) {
		const struct interval *next;
		if (j == b->count || (i < a->count && a->items[i].lo <= b->items[j].lo))
			next = &a->items[i++];
		else
			next = &b->items[j++];
		if (push(out, next->lo, next->hi) < 0)
			return -1;
	}
	return 0;
}

bool interval_set_is_empty(const struct interval_set *s)
{
	return s->count == 0;
}

bool interval_set_is_full(const struct interval_set *s, uint64_t max)
{
	return s->count == 1 && s->items[0].lo == 0 && s->items[0].hi == max;
}

bool interval_set_equal(const struct interval_set *a, const struct interval_set *b)
{
	return a->count == b->count &&
	       (a->count == 0 || memcmp(a->items, b->items, a->count * sizeof(*a->items)) == 0);
}

bool interval_set_contains(const struct interval_set *s, uint64_t value)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->items[i].lo <= value && value <= s->items[i].hi)
			return true;
	return false;
}

/* The largest aligned block starting at lo that ends at or before hi, as
 * log2 of its size. */
static unsigned block_bits(uint64_t lo, uint64_t hi, unsigned width)
{
	unsigned bits = 0;
	while (bits < width) {
		uint64_t size = (uint64_t)1 << bits; /* bits < 64 here */
		uint64_t next_size = size << 1;
		if (bits + 1 < 64 && (lo & (next_size - 1)) != 0)
			break;
		/* block [lo, lo + next_size - 1] must fit in [lo, hi] */
		if (bits + 1 == 64) {
			if (lo != 0 || hi != UINT64_MAX)
				break;
		} else if (next_size - 1 > hi - lo) {
			break;
		}
		bits++;
	}
	return bits;
}

int interval_set_blocks(const struct interval_set *s, uint64_t max, struct interval_block **blocks,
                        size_t *count)
{
	unsigned width = max == UINT64_MAX ? 64 : 32;
	size_t n = 0, capacity = 0;
	struct interval_block *out = NULL;
	for (size_t i = 0; i < s->count; i++) {
		uint64_t lo = s->items[i].lo, hi = s->items[i].hi;
		for (;;) {
			unsigned bits = block_bits(lo, hi, width);
			uint64_t span = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
			if (n == capacity) {
				size_t c = capacity ? capacity * 2 : 8;
				struct interval_block *grown = realloc(out, c * sizeof(*out));
				if (grown == NULL) {
					free(out);
					return -1;
				}
				out = grown;
				capacity = c;
			}
			out[n++] = (struct interval_block){lo, ~span & max};
			if (hi - lo == span)
				break;
			lo += span + 1;
		}
	}
	*blocks = out;
	*count = n;
	return 0;
}

void interval_set_release(struct interval_set *s)
{
	free(s->items);
	*s = (struct interval_set){0};
}
