/*
 * intervals.h - sets of unsigned integers as sorted, disjoint intervals.
 *
 * The policy compiler turns every comparison on a syscall argument into the
 * set of argument values it accepts, combines those sets exactly (and, or,
 * not), and finally cuts each set into aligned power-of-two blocks, each of
 * which one masked-equality test matches. Everything here works within a
 * domain [0, max]: max is 0xffffffff for a 32-bit argument, UINT64_MAX for
 * a 64-bit one.
 */
#ifndef WARDEN_POLICY_INTERVALS_H
#define WARDEN_POLICY_INTERVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct interval {
	uint64_t lo, hi; /* inclusive */
};

struct interval_set {
	struct interval *items; /* sorted, disjoint, not adjacent */
	size_t count, capacity;
};

enum interval_cmp {
	INTERVAL_EQ,
	INTERVAL_LT,
	INTERVAL_LE,
	INTERVAL_GT,
	INTERVAL_GE,
};

/* Constructors; each returns 0, or -1 when out of memory. `out` must be
 * empty (zeroed or released). */
int interval_set_full(struct interval_set *out, uint64_t max);
int interval_set_compare(struct interval_set *out, enum interval_cmp op, uint64_t value,
                         uint64_t max);
int interval_set_copy(struct interval_set *out, const struct interval_set *in);

/* Set algebra into a fresh `out`. */
int interval_set_complement(struct interval_set *out, const struct interval_set *in, uint64_t max);
int interval_set_intersect(struct interval_set *out, const struct interval_set *a,
                           const struct interval_set *b);
int interval_set_union(struct interval_set *out, const struct interval_set *a,
                       const struct interval_set *b);

bool interval_set_is_empty(const struct interval_set *s);
bool interval_set_is_full(const struct interval_set *s, uint64_t max);
bool interval_set_equal(const struct interval_set *a, const struct interval_set *b);
bool interval_set_contains(const struct interval_set *s, uint64_t value);

/* An aligned block: every value v with (v & mask) == base. */
struct interval_block {
	uint64_t base, mask;
};

/* The fewest aligned power-of-two blocks that exactly cover `s`, in
 * ascending order. `*blocks` is allocated; the caller frees it. */
int interval_set_blocks(const struct interval_set *s, uint64_t max, struct interval_block **blocks,
                        size_t *count);

void interval_set_release(struct interval_set *s);

#endif
