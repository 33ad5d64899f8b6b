/*
 * arena.h - the child's memory, reserved before lockdown.
 *
 * After lockdown the child may not call brk, mmap or munmap: its filter
 * kills it. So it reserves one region at boot and serves every allocation
 * from it, libuv's included (uv_replace_allocator). When the region is
 * exhausted, allocation fails and callers degrade (refuse a connection,
 * log a WARNING); nothing ever asks the kernel for more.
 *
 * The allocator keeps one free list per power-of-two size class and never
 * returns memory to the kernel. It is not thread-safe: the child is single
 * threaded (libuv's thread pool is never started).
 */
#ifndef WARDEN_CHILD_ARENA_H
#define WARDEN_CHILD_ARENA_H

#include <stddef.h>
#include <stdint.h>

enum {
	ARENA_MIN_CLASS = 4,  /* 16-byte blocks, header included */
	ARENA_MAX_CLASS = 24, /* 16 MiB: the largest single allocation */
};

struct arena {
	uint8_t *base, *next, *end; /* the region; next is the bump pointer */
	void *free_lists[ARENA_MAX_CLASS + 1];
	size_t used; /* bytes in live blocks, headers included */
	size_t peak;
	uint64_t failures; /* allocations refused */
};

/* Maps `bytes` of private anonymous memory (rounded up to pages). Returns 0,
 * or -errno. Pages are touched only when used, so RSS grows with use. */
int arena_reserve(struct arena *a, size_t bytes);
void arena_release(struct arena *a);

void *arena_malloc(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t count, size_t size);
void *arena_realloc(struct arena *a, void *ptr, size_t size);
void arena_free(struct arena *a, void *ptr);

size_t arena_capacity(const struct arena *a);

/* The bytes of the reserve a block for `size` bytes takes (its size
 * class, header included), so that a caller can tell before allocating
 * whether it fits: 0 when no block is that large. */
size_t arena_block_size(size_t size);

/* The bytes a block for at least `size` bytes can hold: what asking for
 * `size` costs anyway (0 when no block is that large). */
size_t arena_usable_size(size_t size);

/* ---- The process's arena, for libraries that take bare function pointers */

/* Makes `a` the arena behind arena_uv_* and hands those to libuv with
 * uv_replace_allocator. Call before any libuv function. Returns 0 or -1. */
int arena_install_for_libuv(struct arena *a);

#endif
