/*
 * The per-second ring alone (child/rate.c): counts land in their second,
 * seconds skipped read 0, a lap later the old counts are gone, a clock
 * set back counts into its earlier second (or starts afresh past the
 * window), and a count saturates.
 */
#include "child/rate.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#define T0 1795921000ull /* a realistic second since the epoch */

/* The count of `second` as rate_window(now) reports it. */
static uint32_t count_at(const struct rate_ring *r, uint64_t now, uint64_t second)
{
	uint32_t counts[RATE_SECONDS];
	rate_window(r, now, counts);
	cr_assert(second + RATE_SECONDS > now && second <= now, "second %llu out of the window",
	          (unsigned long long)second);
	return counts[second + RATE_SECONDS - 1 - now];
}

static uint64_t window_sum(const struct rate_ring *r, uint64_t now)
{
	uint32_t counts[RATE_SECONDS];
	uint64_t sum = 0;
	rate_window(r, now, counts);
	for (int i = 0; i < RATE_SECONDS; i++)
		sum += counts[i];
	return sum;
}

Test(rate, counts_land_in_their_second)
{
	struct rate_ring r = {0};
	cr_expect_eq(window_sum(&r, T0), 0);
	for (int i = 0; i < 3; i++)
		rate_add(&r, T0);
	rate_add(&r, T0 + 1);
	for (int i = 0; i < 7; i++)
		rate_add(&r, T0 + 5);
	cr_expect_eq(count_at(&r, T0 + 5, T0), 3);
	cr_expect_eq(count_at(&r, T0 + 5, T0 + 1), 1);
	cr_expect_eq(count_at(&r, T0 + 5, T0 + 2), 0);
	cr_expect_eq(count_at(&r, T0 + 5, T0 + 5), 7);
	/* Read later, the same seconds sit further back. */
	cr_expect_eq(count_at(&r, T0 + 100, T0), 3);
	cr_expect_eq(count_at(&r, T0 + 100, T0 + 5), 7);
	cr_expect_eq(count_at(&r, T0 + 100, T0 + 100), 0);
	cr_expect_eq(window_sum(&r, T0 + 100), 11);
	/* Out of the window when read, though still in the ring. */
	cr_expect_eq(window_sum(&r, T0 + RATE_SECONDS), 8);
	cr_expect_eq(window_sum(&r, T0 + RATE_SECONDS + 5), 0);
}

Test(rate, a_lap_later_old_counts_are_gone)
{
	struct rate_ring r = {0};
	rate_add(&r, T0);
	rate_add(&r, T0 + 2);
	/* The same slots a lap on: cleared before counting. */
	rate_add(&r, T0 + RATE_SECONDS + 1);
	cr_expect_eq(count_at(&r, T0 + RATE_SECONDS + 1, T0 + RATE_SECONDS + 1), 1);
	cr_expect_eq(count_at(&r, T0 + RATE_SECONDS + 1, T0 + 2), 1);
	cr_expect_eq(window_sum(&r, T0 + RATE_SECONDS + 1), 2);
	rate_add(&r, T0 + RATE_SECONDS + 2); /* T0 + 2's slot */
	cr_expect_eq(window_sum(&r, T0 + RATE_SECONDS + 2), 2);
	cr_expect_eq(count_at(&r, T0 + RATE_SECONDS + 2, T0 + RATE_SECONDS + 2), 1);
	/* Long silence: nothing left. */
	rate_add(&r, T0 + 10 * RATE_SECONDS);
	cr_expect_eq(window_sum(&r, T0 + 10 * RATE_SECONDS), 1);
}

Test(rate, a_clock_set_back)
{
	struct rate_ring r = {0};
	rate_add(&r, T0 + 50);
	rate_add(&r, T0 + 40); /* back 10 s: counts there */
	cr_expect_eq(count_at(&r, T0 + 50, T0 + 40), 1);
	cr_expect_eq(count_at(&r, T0 + 50, T0 + 50), 1);
	/* Read at the earlier time, the later second is not shown. */
	cr_expect_eq(window_sum(&r, T0 + 40), 1);
	/* Back by more than the window: a fresh ring. */
	rate_add(&r, T0 + 50 - RATE_SECONDS - 3);
	cr_expect_eq(window_sum(&r, T0 + 50 - RATE_SECONDS - 3), 1);
	cr_expect_eq(window_sum(&r, T0 + 50), 0);
}

Test(rate, saturates_and_survives_a_clock_that_reads_zero)
{
	struct rate_ring r = {0};
	rate_add(&r, T0);
	r.counts[T0 % RATE_SECONDS] = UINT32_MAX - 1;
	rate_add(&r, T0);
	rate_add(&r, T0);
	cr_expect_eq(count_at(&r, T0, T0), UINT32_MAX);
	uint32_t counts[RATE_SECONDS];
	memset(counts, 0xff, sizeof(counts));
	rate_window(&r, 5, counts); /* near the epoch: no second before it */
	for (int i = 0; i < RATE_SECONDS; i++)
		cr_expect_eq(counts[i], 0);
}
