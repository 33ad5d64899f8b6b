/*
 * The restart delay: exponential growth to the maximum, reset after a
 * stable run, and the burst limit over a sliding window.
 */
#include "parent/backoff.h"

#include <criterion/criterion.h>

static struct backoff make(uint32_t initial, uint32_t max, double factor, uint32_t limit,
                           uint32_t window)
{
	struct backoff b;
	const struct backoff_config cfg = {.initial_ms = initial,
	                                   .max_ms = max,
	                                   .stable_ms = 10000,
	                                   .factor = factor,
	                                   .burst_limit = limit,
	                                   .burst_window_ms = window};
	cr_assert_eq(backoff_init(&b, &cfg), 0);
	return b;
}

Test(backoff, grows_by_the_factor_up_to_the_maximum)
{
	struct backoff b = make(100, 1000, 2.0, 100, 60000);
	const uint64_t expected[] = {100, 200, 400, 800, 1000, 1000};
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		struct backoff_decision d = backoff_next(&b, 1000 * i, 5);
		cr_assert_eq(d.delay_ms, expected[i], "restart %zu: %lu", i,
		             (unsigned long)d.delay_ms);
		cr_assert(!d.burst);
	}
	backoff_free(&b);
}

Test(backoff, a_stable_run_resets_the_delay)
{
	struct backoff b = make(100, 1000, 3.0, 100, 60000);
	backoff_next(&b, 0, 5);
	cr_assert_eq(backoff_next(&b, 10, 5).delay_ms, 300);
	cr_assert_eq(backoff_next(&b, 20, 10000).delay_ms, 100);
	backoff_free(&b);
}

Test(backoff, zero_initial_still_backs_off_unless_max_is_zero)
{
	struct backoff b = make(0, 50, 2.0, 100, 60000);
	cr_assert_eq(backoff_next(&b, 0, 0).delay_ms, 0);
	cr_assert_eq(backoff_next(&b, 1, 0).delay_ms, 2);
	backoff_free(&b);
	b = make(0, 0, 2.0, 100, 60000);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(backoff_next(&b, (uint64_t)i, 0).delay_ms, 0);
	backoff_free(&b);
}

Test(backoff, burst_limit_over_a_sliding_window)
{
	struct backoff b = make(10, 100, 2.0, 3, 1000);
	cr_assert(!backoff_next(&b, 0, 0).burst);
	cr_assert(!backoff_next(&b, 100, 0).burst);
	cr_assert(!backoff_next(&b, 200, 0).burst);
	struct backoff_decision d = backoff_next(&b, 300, 0);
	cr_assert(d.burst, "a fourth restart within the window is a burst");
	cr_assert_eq(d.delay_ms, 100, "a burst waits the maximum");
	/* Long after, the window has emptied. */
	cr_assert(!backoff_next(&b, 5000, 0).burst);
	backoff_free(&b);
}

/* The window is the whole burst_window_ms: restarts spread over it up to
 * its last millisecond count, and one that has just left it does not. */
Test(backoff, the_window_is_counted_to_its_last_millisecond)
{
	struct backoff b = make(10, 100, 2.0, 3, 1000);
	cr_assert(!backoff_next(&b, 0, 0).burst);
	cr_assert(!backoff_next(&b, 400, 0).burst);
	cr_assert(!backoff_next(&b, 800, 0).burst);
	/* 999 ms after the first: all three are within the window. */
	cr_assert(backoff_next(&b, 999, 0).burst, "three restarts within 999 ms of a fourth");
	backoff_free(&b);
	b = make(10, 100, 2.0, 3, 1000);
	backoff_next(&b, 0, 0);
	backoff_next(&b, 400, 0);
	backoff_next(&b, 800, 0);
	/* 1000 ms after the first: it has left the window. */
	cr_assert(!backoff_next(&b, 1000, 0).burst, "the first restart is 1000 ms old");
	backoff_free(&b);
}
