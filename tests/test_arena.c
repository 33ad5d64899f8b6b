/*
 * The child's allocator (child/arena.c): every byte the sandboxed child
 * uses comes from it, so its refusals (overflow, exhaustion) and its traps
 * on a pointer that is not its own are checked here, in this process.
 */
#include "child/arena.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

/* header_of traps with __builtin_trap: ud2 (SIGILL) on x86, brk (SIGTRAP)
 * on arm64. Criterion runs each test in its own process, so .signal sees it. */
#if defined(__x86_64__) || defined(__i386__)
#define TRAP_SIGNAL SIGILL
#else
#define TRAP_SIGNAL SIGTRAP
#endif

#define HEADER 16 /* sizeof(struct block_header), private to arena.c */

static struct arena a;

static void reserve(void)
{
	cr_assert_eq(arena_reserve(&a, 1 << 20), 0);
}

static void release(void)
{
	arena_release(&a);
}

TestSuite(arena, .init = reserve, .fini = release);

/* ---- overflow ------------------------------------------------------------ */

/* count * size wraps to 2: without the overflow check calloc would hand out
 * a 2-byte block for a request of SIZE_MAX + 3 bytes. */
Test(arena, calloc_overflow_is_refused)
{
	size_t count = SIZE_MAX / 2 + 2;
	cr_assert_eq(arena_calloc(&a, count, 2), NULL);
	cr_assert_eq(arena_calloc(&a, 2, count), NULL);
	cr_assert_eq(arena_calloc(&a, SIZE_MAX, SIZE_MAX), NULL);
	cr_expect_eq(a.failures, 3);
	cr_expect_eq(a.used, 0);
}

Test(arena, calloc_zeroes_and_allows_zero_size)
{
	unsigned char *p = arena_malloc(&a, 256);
	memset(p, 0xa5, 256);
	arena_free(&a, p);
	unsigned char *q = arena_calloc(&a, 16, 16); /* reuses p's block */
	cr_assert_not_null(q);
	for (size_t i = 0; i < 256; i++)
		cr_assert_eq(q[i], 0, "byte %zu not zeroed", i);
	cr_expect_not_null(arena_calloc(&a, 0, SIZE_MAX));
	cr_expect_not_null(arena_calloc(&a, SIZE_MAX, 0));
}

Test(arena, malloc_beyond_largest_class_is_refused)
{
	cr_assert_eq(arena_malloc(&a, SIZE_MAX), NULL);
	cr_assert_eq(arena_malloc(&a, SIZE_MAX - HEADER + 1), NULL);
	cr_assert_eq(arena_malloc(&a, ((size_t)1 << ARENA_MAX_CLASS) - HEADER + 1), NULL);
	cr_expect_eq(a.failures, 3);
	cr_expect_eq(a.used, 0);
}

Test(arena, largest_class_fits_a_large_enough_reserve)
{
	struct arena big;
	cr_assert_eq(arena_reserve(&big, (size_t)1 << ARENA_MAX_CLASS), 0);
	void *p = arena_malloc(&big, ((size_t)1 << ARENA_MAX_CLASS) - HEADER);
	cr_expect_not_null(p);
	cr_expect_eq(big.used, arena_capacity(&big));
	arena_release(&big);
}

/* ---- alignment ----------------------------------------------------------- */

Test(arena, every_block_is_aligned_for_max_align_t)
{
	for (size_t size = 0; size <= 4096; size += (size < 300 ? 1 : 37)) {
		void *p = arena_malloc(&a, size);
		cr_assert_not_null(p, "size %zu", size);
		cr_assert_eq((uintptr_t)p % alignof(max_align_t), 0, "size %zu at %p", size, p);
		if (size % 3 == 0) /* some go back, to be reused from free lists */
			arena_free(&a, p);
	}
	void *q = arena_calloc(&a, 3, 7);
	cr_assert_eq((uintptr_t)q % alignof(max_align_t), 0);
	q = arena_realloc(&a, q, 1000);
	cr_assert_eq((uintptr_t)q % alignof(max_align_t), 0);
}

/* ---- exhaustion ---------------------------------------------------------- */

/* One page holds exactly 4096 / 64 blocks of class 6; the next is refused,
 * and a freed block is handed out again. */
Test(arena, exhaustion_refuses_then_free_makes_room)
{
	struct arena small;
	cr_assert_eq(arena_reserve(&small, 4096), 0);
	cr_assert_eq(arena_capacity(&small), 4096);
	void *blocks[64];
	for (size_t i = 0; i < 64; i++) {
		blocks[i] = arena_malloc(&small, 64 - HEADER);
		cr_assert_not_null(blocks[i], "block %zu", i);
	}
	cr_expect_eq(small.used, 4096);
	cr_expect_eq(arena_malloc(&small, 1), NULL);
	cr_expect_eq(arena_malloc(&small, 64 - HEADER), NULL);
	cr_expect_eq(small.failures, 2);
	cr_expect_leq(small.used, arena_capacity(&small));

	arena_free(&small, blocks[17]);
	cr_expect_eq(small.used, 4096 - 64);
	cr_expect_eq(arena_malloc(&small, 64 - HEADER), blocks[17]);
	cr_expect_eq(small.used, 4096);
	cr_expect_eq(small.peak, 4096);
	arena_release(&small);
}

Test(arena, used_counts_live_blocks)
{
	void *p = arena_malloc(&a, 1);    /* class 5: 32 bytes */
	void *q = arena_malloc(&a, 1000); /* class 10: 1024 bytes */
	cr_expect_eq(a.used, 32 + 1024);
	arena_free(&a, q);
	arena_free(&a, p);
	arena_free(&a, NULL); /* like free(NULL): nothing */
	cr_expect_eq(a.used, 0);
	cr_expect_eq(a.peak, 32 + 1024);
}

Test(arena, unreserved_arena_refuses)
{
	struct arena none = {0};
	cr_expect_eq(arena_malloc(&none, 1), NULL);
	cr_expect_eq(none.failures, 1);
}

/* ---- realloc ------------------------------------------------------------- */

static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + 1);
}

static void check_filled(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(p[i], (unsigned char)(i * 7 + 1), "byte %zu lost", i);
}

Test(arena, realloc_growth_keeps_contents)
{
	unsigned char *p = arena_malloc(&a, 100);
	fill(p, 100);
	unsigned char *q = arena_realloc(&a, p, 5000);
	cr_assert_not_null(q);
	cr_expect_neq(q, p);
	check_filled(q, 100);
	cr_expect_eq(a.used, 8192, "the old block is freed");
}

Test(arena, realloc_shrink_keeps_block_and_contents)
{
	unsigned char *p = arena_malloc(&a, 1000);
	fill(p, 1000);
	cr_assert_eq(arena_realloc(&a, p, 10), p);
	check_filled(p, 10);
	cr_assert_eq(arena_realloc(&a, p, 1024 - HEADER), p, "still fits its class");
	check_filled(p, 1000);
}

Test(arena, realloc_failure_keeps_old_block)
{
	struct arena small;
	cr_assert_eq(arena_reserve(&small, 4096), 0);
	unsigned char *p = arena_malloc(&small, 100);
	fill(p, 100);
	cr_assert_eq(arena_realloc(&small, p, 8192), NULL);
	check_filled(p, 100);
	cr_expect_eq(small.used, 128);
	arena_free(&small, p); /* still a valid block: no trap */
	arena_release(&small);
}

Test(arena, realloc_null_and_zero)
{
	void *p = arena_realloc(&a, NULL, 48);
	cr_assert_not_null(p);
	cr_expect_eq(a.used, 64);
	cr_expect_eq(arena_realloc(&a, p, 0), NULL);
	cr_expect_eq(a.used, 0);
}

/* ---- pointers that are not the arena's: header_of traps ------------------- */

/* A forged block: a copy of a live block's header (so its magic and class
 * are right) placed where the arena never handed out a block. Only the
 * bounds check can tell it apart. The live block is allocated first, so
 * a.next, read afterwards, is past it. */
static uint8_t *real_header(void)
{
	uint8_t *real = arena_malloc(&a, 1);
	cr_assert_not_null(real);
	return real - HEADER;
}

static void *forge_at(uint8_t *where, const uint8_t *header)
{
	memcpy(where, header, HEADER);
	return where + HEADER;
}

Test(arena, free_of_foreign_pointer_traps, .signal = TRAP_SIGNAL)
{
	static alignas(max_align_t) uint8_t outside[64];
	arena_free(&a, forge_at(outside, real_header()));
}

Test(arena, realloc_of_foreign_pointer_traps, .signal = TRAP_SIGNAL)
{
	static alignas(max_align_t) uint8_t outside[64];
	arena_realloc(&a, forge_at(outside, real_header()), 4096);
}

/* Just past the bump pointer: inside the reserve, but never handed out. */
Test(arena, free_at_bump_pointer_traps, .signal = TRAP_SIGNAL)
{
	uint8_t *header = real_header();
	arena_free(&a, forge_at(a.next, header));
}

Test(arena, realloc_at_bump_pointer_traps, .signal = TRAP_SIGNAL)
{
	uint8_t *header = real_header();
	arena_realloc(&a, forge_at(a.next, header), 4096);
}

/* Just below the reserve: an arena laid over a buffer of this test (the
 * struct is public) so the bytes before its base are readable and can hold
 * a forged header. */
Test(arena, free_just_below_base_traps, .signal = TRAP_SIGNAL)
{
	static alignas(max_align_t) uint8_t buf[4096];
	struct arena over = {.base = buf + 64, .next = buf + 64, .end = buf + sizeof(buf)};
	void *real = arena_malloc(&over, 1);
	cr_assert_eq(real, buf + 64 + HEADER);
	memcpy(buf + 64 - HEADER, buf + 64, HEADER);
	arena_free(&over, buf + 64);
}

/* The same arena: its first block, at base itself, is freed without a trap
 * (the lower bound is inclusive). */
Test(arena, free_of_first_block_is_fine)
{
	static alignas(max_align_t) uint8_t buf[4096];
	struct arena over = {.base = buf + 64, .next = buf + 64, .end = buf + sizeof(buf)};
	void *real = arena_malloc(&over, 1);
	arena_free(&over, real);
	cr_expect_eq(over.used, 0);
}

Test(arena, double_free_traps, .signal = TRAP_SIGNAL)
{
	void *p = arena_malloc(&a, 40);
	arena_free(&a, p);
	arena_free(&a, p);
}

Test(arena, realloc_after_free_traps, .signal = TRAP_SIGNAL)
{
	void *p = arena_malloc(&a, 40);
	arena_free(&a, p);
	arena_realloc(&a, p, 4096);
}

/* A pointer into the middle of a live block has no header before it. */
Test(arena, free_of_interior_pointer_traps, .signal = TRAP_SIGNAL)
{
	uint8_t *p = arena_malloc(&a, 200);
	memset(p, 0, 200);
	arena_free(&a, p + 64);
}

/* ---- the edges of the classes and of the reserve ------------------------- */

/* The largest payload is the largest class less its header; one byte more
 * must be refused even by an arena big enough for the next class (there is
 * none: its free list would be past the array). */
Test(arena, one_byte_over_the_largest_class_is_refused_by_a_big_arena)
{
	struct arena big;
	cr_assert_eq(arena_reserve(&big, (size_t)4 << ARENA_MAX_CLASS), 0);
	size_t largest = ((size_t)1 << ARENA_MAX_CLASS) - HEADER;
	cr_expect_eq(arena_malloc(&big, largest + 1), NULL);
	cr_expect_eq(arena_malloc(&big, largest + HEADER), NULL);
	cr_expect_eq(big.used, 0);
	cr_expect_not_null(arena_malloc(&big, largest));
	arena_release(&big);
}

/* A block must fit whole in what is left: with half a block left the
 * request is refused, and nothing is handed out past the reserve. */
Test(arena, a_block_larger_than_what_is_left_is_refused)
{
	struct arena small;
	cr_assert_eq(arena_reserve(&small, 8192), 0);
	cr_assert_not_null(arena_malloc(&small, 4096 - HEADER)); /* 4096 of 8192 left */
	cr_expect_eq(arena_malloc(&small, 8192 - HEADER), NULL); /* needs 8192 */
	cr_expect_leq(small.used, arena_capacity(&small));
	cr_expect_eq(small.failures, 1);
	arena_release(&small);
}

/* A header whose magic is right but whose class is past the largest (a
 * corrupted or forged one) traps: its class would index past the free
 * lists. */
Test(arena, free_with_a_class_past_the_largest_traps, .signal = TRAP_SIGNAL)
{
	uint32_t *p = arena_malloc(&a, 100);
	cr_assert_not_null(p);
	p[-HEADER / 4] = ARENA_MAX_CLASS + 1; /* the header's size_class */
	arena_free(&a, p);
}
