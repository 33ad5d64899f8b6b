/*
 * Interval sets and their block decomposition, checked against brute force
 * on small domains and at the edges of the 32- and 64-bit ones.
 */
#include "policy/intervals.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static bool in_blocks(const struct interval_block *b, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		if ((v & b[i].mask) == b[i].base)
			return true;
	return false;
}

/* The blocks of [lo, hi] cover exactly [lo, hi] (checked near the ends and
 * at every power of two), are aligned, and are few. */
static void check_blocks(uint64_t lo, uint64_t hi, uint64_t max)
{
	struct interval_set s = {0};
	cr_assert_eq(interval_set_compare(&s, INTERVAL_GE, lo, max), 0);
	struct interval_set le = {0}, range = {0};
	cr_assert_eq(interval_set_compare(&le, INTERVAL_LE, hi, max), 0);
	cr_assert_eq(interval_set_intersect(&range, &s, &le), 0);
	struct interval_block *b;
	size_t n;
	cr_assert_eq(interval_set_blocks(&range, max, &b, &n), 0);
	cr_expect_leq(n, 2 * 64, "too many blocks: %zu", n);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(b[i].base & ~b[i].mask, 0, "block base not aligned");
		cr_expect_eq(b[i].mask & ~max, 0, "mask wider than the domain");
	}
	uint64_t probes[] = {0, 1, lo, hi, lo - 1, hi + 1, lo + 1, hi - 1, max, max - 1};
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		uint64_t v = probes[i] & max;
		cr_expect_eq(in_blocks(b, n, v), v >= lo && v <= hi, "[%#llx,%#llx] value %#llx",
		             (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)v);
	}
	unsigned width = max == UINT64_MAX ? 64 : 32;
	for (unsigned bit = 0; bit < width; bit++) {
		uint64_t v = (uint64_t)1 << bit, below = v - 1;
		cr_expect_eq(in_blocks(b, n, v), v >= lo && v <= hi);
		cr_expect_eq(in_blocks(b, n, below), below >= lo && below <= hi);
	}
	free(b);
	interval_set_release(&s);
	interval_set_release(&le);
	interval_set_release(&range);
}

Test(blocks, ranges_on_both_widths)
{
	const uint64_t max32 = UINT32_MAX, max64 = UINT64_MAX;
	check_blocks(0, max32, max32);
	check_blocks(7, max32, max32);
	check_blocks(7, 1023, max32);
	check_blocks(3, 3, max32);
	check_blocks(1, max32 - 1, max32);
	check_blocks(0, max64, max64);
	check_blocks(1, max64, max64);
	check_blocks(100, 0xffffffff, max64);
	check_blocks(0x8000000000000000ull, max64, max64);
	check_blocks(5, 0x7fffffffffffffffull, max64);
}

Test(blocks, full_domain_is_one_block_with_no_bits)
{
	struct interval_set s = {0};
	interval_set_full(&s, UINT32_MAX);
	struct interval_block *b;
	size_t n;
	cr_assert_eq(interval_set_blocks(&s, UINT32_MAX, &b, &n), 0);
	cr_expect_eq(n, 1);
	cr_expect_eq(b[0].mask, 0);
	free(b);
	interval_set_release(&s);
}

/* Set algebra against brute force on an 8-bit domain. */
static void add_range(struct interval_set *s, uint64_t lo, uint64_t hi, uint64_t max)
{
	struct interval_set ge = {0}, le = {0}, range = {0}, joined = {0};
	cr_assert_eq(interval_set_compare(&ge, INTERVAL_GE, lo, max), 0);
	cr_assert_eq(interval_set_compare(&le, INTERVAL_LE, hi, max), 0);
	cr_assert_eq(interval_set_intersect(&range, &ge, &le), 0);
	cr_assert_eq(interval_set_union(&joined, s, &range), 0);
	interval_set_release(s);
	*s = joined;
	interval_set_release(&ge);
	interval_set_release(&le);
	interval_set_release(&range);
}

static void random_set(struct interval_set *s, uint64_t max)
{
	*s = (struct interval_set){0};
	for (int k = rand() % 8; k > 0; k--) {
		uint64_t lo = (uint64_t)rand() % (max + 1);
		uint64_t hi = lo + (uint64_t)(rand() % 40);
		add_range(s, lo, hi > max ? max : hi, max);
	}
}

Test(algebra, matches_brute_force)
{
	const uint64_t max = 255;
	srand(42);
	for (int round = 0; round < 300; round++) {
		struct interval_set a, b, u = {0}, i = {0}, c = {0};
		random_set(&a, max);
		random_set(&b, max);
		cr_assert_eq(interval_set_union(&u, &a, &b), 0);
		cr_assert_eq(interval_set_intersect(&i, &a, &b), 0);
		cr_assert_eq(interval_set_complement(&c, &a, max), 0);
		for (uint64_t v = 0; v <= max; v++) {
			bool in_a = interval_set_contains(&a, v),
			     in_b = interval_set_contains(&b, v);
			cr_assert_eq(interval_set_contains(&u, v), in_a || in_b);
			cr_assert_eq(interval_set_contains(&i, v), in_a && in_b);
			cr_assert_eq(interval_set_contains(&c, v), !in_a);
		}
		struct interval_block *blocks;
		size_t n;
		cr_assert_eq(interval_set_blocks(&u, max, &blocks, &n), 0);
		for (uint64_t v = 0; v <= max; v++)
			cr_assert_eq(in_blocks(blocks, n, v), interval_set_contains(&u, v));
		free(blocks);
		interval_set_release(&a);
		interval_set_release(&b);
		interval_set_release(&u);
		interval_set_release(&i);
		interval_set_release(&c);
	}
}

Test(compare, edges)
{
	struct interval_set s = {0};
	cr_expect_eq(interval_set_compare(&s, INTERVAL_LT, 0, UINT32_MAX), 0);
	cr_expect(interval_set_is_empty(&s));
	cr_expect_eq(interval_set_compare(&s, INTERVAL_GT, UINT64_MAX, UINT64_MAX), 0);
	cr_expect(interval_set_is_empty(&s));
	cr_expect_eq(interval_set_compare(&s, INTERVAL_GE, 0, UINT64_MAX), 0);
	cr_expect(interval_set_is_full(&s, UINT64_MAX));
	struct interval_set c = {0};
	cr_expect_eq(interval_set_complement(&c, &s, UINT64_MAX), 0);
	cr_expect(interval_set_is_empty(&c));
	interval_set_release(&s);
	interval_set_release(&c);
}
